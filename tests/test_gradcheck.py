"""gradcheck: it must pass right gradients and catch wrong ones, with the error it reports."""

from __future__ import annotations

import math

import pytest

from autograd import (
    GradcheckResult,
    Value,
    define_op,
    gradcheck,
    gradients,
    no_grad,
)

# A deliberately wrong derivative: d/da a**2 given as a (should be 2a).
half_square = define_op("test_gradcheck_half_square", lambda a: (a * a, (a,)))
# Off by 0.05% in the slope: 1000.5 instead of 1000.
almost_linear = define_op("test_gradcheck_almost_linear", lambda a: (1000.0 * a, (1000.5,)))


def test_a_right_gradient_passes_and_reports_both_sides():
    result = gradcheck(lambda x, y: x * y + x.exp(), 0.5, -2.0)
    assert isinstance(result, GradcheckResult) and result and result.passed
    assert result.analytic == pytest.approx((-2.0 + math.exp(0.5), 0.5), rel=1e-15)
    assert result.numeric == pytest.approx(result.analytic, rel=1e-8)
    assert result.worst_error <= result.tol == 1e-6


def test_a_wrong_gradient_raises_with_both_gradients_in_the_message():
    with pytest.raises(AssertionError, match=r"gradcheck failed(.|\n)*analytic \[3.0\]"):
        gradcheck(half_square, 3.0)


def test_a_wrong_gradient_can_be_returned_instead_of_raised():
    result = gradcheck(half_square, 3.0, raise_exception=False)
    assert not result and not result.passed
    assert result.analytic == (3.0,) and result.numeric == pytest.approx((6.0,), rel=1e-8)
    assert result.worst_error == pytest.approx(0.5, rel=1e-6)  # |3 - 6| / 6


def test_the_error_is_relative_for_large_gradients_and_tol_sets_the_bar():
    result = gradcheck(almost_linear, 2.0, raise_exception=False)
    assert result.worst_error == pytest.approx(0.5 / 1000.5, rel=1e-6)
    assert not result
    assert gradcheck(almost_linear, 2.0, tol=1e-3)


def test_the_error_is_absolute_for_small_gradients():
    small = define_op("test_gradcheck_small", lambda a: (1e-3 * a, (2e-3,)))
    result = gradcheck(small, 1.0, raise_exception=False)
    assert result.worst_error == pytest.approx(1e-3, rel=1e-6)


def test_values_are_accepted_as_inputs_and_left_untouched():
    x = Value(1.5)
    assert gradcheck(lambda v: v.tanh(), x)
    assert (x.data, x.grad) == (1.5, 0.0)


def test_a_function_that_takes_gradients_itself_can_be_checked():
    def slope(v):
        return gradients(v.sin() * v, [v], create_graph=True)[0]

    result = gradcheck(slope, 0.7)  # (v sin v)'' = 2 cos v - v sin v
    assert result.analytic[0] == pytest.approx(2 * math.cos(0.7) - 0.7 * math.sin(0.7), rel=1e-12)


def test_f_must_return_a_value():
    with pytest.raises(TypeError, match="gradcheck"):
        gradcheck(lambda x: 1.0, 1.0)


# --- gradcheck inside no_grad ---


def test_gradcheck_inside_no_grad_checks_the_real_gradient():
    with no_grad():
        result = gradcheck(lambda x, y: x * y.exp(), 1.5, -0.5)
        assert result.analytic == (math.exp(-0.5), 1.5 * math.exp(-0.5))
        wrong = define_op("hardening_wrong_square", lambda a: (a * a, (a,)))
        with pytest.raises(AssertionError):
            gradcheck(wrong, 3.0)
