"""grad, value_and_grad and gradients: first and higher derivatives against hand-derived math."""

from __future__ import annotations

import math

import pytest
from helpers import all_close, close
from hypothesis import given
from hypothesis import strategies as st
from strategies import reals

from autograd import (
    Value,
    grad,
    gradcheck,
    gradients,
    no_grad,
    value_and_grad,
)


def derivatives(f, x: float, n: int) -> list[float]:
    """[f'(x), f''(x), ..., f^(n)(x)] by nesting grad."""
    out = []
    for _ in range(n):
        f = grad(f)
        out.append(f(x))
    return out


# --- higher derivatives, each list derived by hand ---


@given(reals(-5, 5))
def test_polynomial_derivatives_down_to_zero(x):
    f = lambda x: 3 * x**3 - 2 * x**2 + x - 5  # noqa: E731
    want = [9 * x**2 - 4 * x + 1, 18 * x - 4, 18.0, 0.0]
    assert all_close(derivatives(f, x, 4), want, rel=1e-12)


@given(reals(-20, 20))
def test_every_derivative_of_exp_is_exp(x):
    assert all(close(d, math.exp(x), 1e-12) for d in derivatives(lambda x: x.exp(), x, 3))


@given(reals(-5, 5))
def test_tanh_derivatives(x):
    t = math.tanh(x)
    want = [1 - t * t, -2 * t * (1 - t * t), -2 * (1 - t * t) * (1 - 3 * t * t)]
    assert all(
        close(d, w, 1e-10) for d, w in zip(derivatives(lambda x: x.tanh(), x, 3), want, strict=True)
    )


@given(reals(-10, 10))
def test_sigmoid_derivatives(x):
    s = 1 / (1 + math.exp(-x))
    want = [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s * s)]
    assert all(
        close(d, w, 1e-10)
        for d, w in zip(derivatives(lambda x: x.sigmoid(), x, 3), want, strict=True)
    )


@given(reals(0.1, 10))
def test_log_derivatives(x):
    want = [1 / x, -1 / x**2, 2 / x**3]
    assert all(
        close(d, w, 1e-10) for d, w in zip(derivatives(lambda x: x.log(), x, 3), want, strict=True)
    )


@given(reals(-10, 10))
def test_sin_derivatives_cycle(x):
    want = [math.cos(x), -math.sin(x), -math.cos(x), math.sin(x)]
    assert all_close(derivatives(lambda x: x.sin(), x, 4), want, rel=1e-12)


@given(reals(-3, 3))
def test_second_derivative_passes_gradcheck(x):
    f = lambda x: (x * x).tanh() * x.sin() + x.exp() / (1 + x * x)  # noqa: E731
    gradcheck(lambda v: gradients(f(v), [v], create_graph=True)[0], x)


@given(reals(-3, 3), reals(-3, 3))
def test_mixed_partial_derivative(x, y):
    f = lambda x, y: x**2 * y**3  # d2f / dx dy = 6 x y**2  # noqa: E731
    assert close(grad(lambda x, y: grad(f, 1)(x, y), 0)(x, y), 6 * x * y**2, 1e-12)


def test_inner_grad_of_a_closed_over_variable_is_not_confused_with_the_outer_one():
    # d/dx [d/dy (x y) at y = x] = d/dx x = 1, not d/dx (d/dx x*x) = 2
    assert grad(lambda x: grad(lambda y: x * y)(x))(2.0) == 1.0
    assert grad(lambda x: grad(lambda y: x * y**2)(x))(2.0) == 8.0  # d/dx 2 x**2


# --- value_and_grad and argnums ---


def test_value_and_grad_returns_floats():
    value, slope = value_and_grad(lambda x: x * x.exp())(1.0)
    assert (type(value), type(slope)) == (float, float)
    assert (value, slope) == (math.e, 2 * math.e)


def test_argnums_picks_and_orders_the_derivatives():
    f = lambda x, y, z: x * y + z**2  # noqa: E731
    assert grad(f, argnums=(2, 0))(2.0, 3.0, 4.0) == (8.0, 3.0)
    assert grad(f, argnums=-1)(2.0, 3.0, 4.0) == 8.0
    assert grad(f, 1)(2.0, 3.0, 4.0) == 2.0


def test_argnums_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match="argnums"):
        grad(lambda x: x, argnums=1)(1.0)


def test_a_function_that_ignores_its_input_has_zero_gradient():
    assert value_and_grad(lambda x: 3)(1.0) == (3.0, 0.0)
    assert grad(grad(lambda x: 2 * x))(5.0) == 0.0


def test_non_numbers_are_a_type_error():
    with pytest.raises(TypeError):
        grad(lambda x: x)("1")


def test_grad_accepts_values_and_leaves_their_grad_alone():
    x = Value(3.0)
    assert grad(lambda v: v * v)(x) == 6.0
    assert x.grad == 0.0


# --- gradients ---


def test_gradients_do_not_touch_grad_and_are_zero_for_unused_inputs():
    a, b, unused = Value(2.0), Value(5.0), Value(1.0)
    y = a * b + a
    assert gradients(y, [a, b, unused]) == [6.0, 2.0, 0.0]
    assert gradients(y, [a], gradient=-2.0) == [-12.0]
    assert (a.grad, b.grad, y.grad) == (0.0, 0.0, 0.0)


def test_gradients_with_create_graph_are_values_that_can_be_differentiated():
    x = Value(3.0)
    (dy,) = gradients(x**3, [x], create_graph=True)
    assert isinstance(dy, Value) and dy.data == 27.0
    dy.backward()
    assert x.grad == 18.0


def test_gradients_of_an_output_with_respect_to_itself_is_one():
    x = Value(3.0)
    assert gradients(x, [x]) == [1.0]


@pytest.mark.parametrize("bad", [(1.0, []), (Value(1.0), [1.0])])
def test_gradients_want_values(bad):
    with pytest.raises(TypeError, match="gradients"):
        gradients(*bad)


@given(st.lists(reals(-2, 2), min_size=3, max_size=3))
def test_hessian_of_a_quadratic_form_is_symmetric_and_exact(xs):
    # f = x0 x1 + 2 x1 x2**2 + x0**2: hand-derived Hessian below
    f = lambda a, b, c: a * b + 2 * b * c**2 + a**2  # noqa: E731
    rows = [grad(lambda *v, i=i: grad(f, i)(*v), (0, 1, 2))(*xs) for i in range(3)]
    x0, x1, x2 = xs
    want = [(2.0, 1.0, 0.0), (1.0, 0.0, 4 * x2), (0.0, 4 * x2, 4 * x1)]
    assert all(rows[i][j] == rows[j][i] for i in range(3) for j in range(3))
    for row, want_row in zip(rows, want, strict=True):
        assert row == pytest.approx(want_row, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("argnums", ["a", 1.5, (), (0, "1"), True])
def test_argnums_that_are_not_ints_are_a_type_error(argnums):
    with pytest.raises(TypeError, match="argnums"):
        grad(lambda x, y: x * y, argnums)


def test_gradients_of_one_value_instead_of_a_list_says_to_wrap_it():
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"gradients: inputs must be a list of Values.*\[x\]"):
        gradients(x * x, x)


@pytest.mark.parametrize("transform", [grad, value_and_grad])
@pytest.mark.parametrize(
    "result", [lambda x: [x, x], lambda x: (x,), lambda x: "x", lambda x: None]
)
def test_a_function_returning_no_single_number_is_named_by_grad(transform, result):
    with pytest.raises(TypeError, match=rf"{transform.__name__}: f must return one number"):
        transform(result)(1.0)


# --- transforms inside no_grad; a float argument used as a Value ---


def test_grad_inside_no_grad_is_the_derivative_not_zero():
    with no_grad():
        assert grad(lambda x: x * x)(3.0) == 6.0
        assert value_and_grad(lambda x: x * x.sin())(0.5) == (
            0.5 * math.sin(0.5),
            math.sin(0.5) + 0.5 * math.cos(0.5),
        )


def test_a_float_argument_used_as_a_value_points_at_argnums():
    with pytest.raises(Exception, match="argnums") as caught:
        grad(lambda x, y: x * y.log())(1.0, 2.0)
    assert "argument 1" in str(caught.value)
    assert grad(lambda x, y: x * y.log(), argnums=1)(1.0, 2.0) == 0.5  # the advice works


def test_gradients_and_grad_give_backwards_zero_sign_bit_for_bit():
    """tanh(60) is 1.0, so its slope is 0.0, and times -2 a -0.0 reaches x: backward's sums start
    at +0.0 and give +0.0; gradients and grad give the same float, not -0.0."""
    f = lambda x: (x * -2.0).tanh()  # noqa: E731
    x = Value(-30.0)
    f(x).backward()
    y = Value(-30.0)
    (g,) = gradients(f(y), [y])
    assert x.grad.hex() == g.hex() == grad(f)(-30.0).hex() == "0x0.0p+0"
