"""Issue 11, the engine side: no silent wrong answers under no_grad, at NaN or past the largest
float, in traces; errors that say what happened."""

from __future__ import annotations

import math
import warnings

import pytest

import autograd
from autograd import (
    TraceError,
    Value,
    define_op,
    dot,
    grad,
    gradcheck,
    gradients,
    no_grad,
    trace,
    value_and_grad,
    vsum,
)

NAN = float("nan")


def is_nan(x: float) -> bool:
    return x != x


# --- no_grad: transforms still differentiate; a graph never recorded refuses backward ---


def test_grad_inside_no_grad_is_the_derivative_not_zero():
    with no_grad():
        assert grad(lambda x: x * x)(3.0) == 6.0
        assert value_and_grad(lambda x: x * x.sin())(0.5) == (
            0.5 * math.sin(0.5),
            math.sin(0.5) + 0.5 * math.cos(0.5),
        )


def test_gradcheck_inside_no_grad_checks_the_real_gradient():
    with no_grad():
        result = gradcheck(lambda x, y: x * y.exp(), 1.5, -0.5)
        assert result.analytic == (math.exp(-0.5), 1.5 * math.exp(-0.5))
        wrong = define_op("hardening_wrong_square", lambda a: (a * a, (a,)))
        with pytest.raises(AssertionError):
            gradcheck(wrong, 3.0)


def test_backward_of_a_value_computed_inside_no_grad_raises_and_changes_no_grad():
    x = Value(3.0)
    x.grad = 0.25
    with no_grad():
        y = x * x + 1.0
    with pytest.raises(RuntimeError, match=r"no_grad\(\)"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"no_grad\(\)"):
        autograd.backward(y, 2.0)
    assert (x.grad, y.grad) == (0.25, 0.0)


def test_gradients_of_a_value_computed_inside_no_grad_raise():
    x = Value(3.0)
    with no_grad():
        y = x.tanh()
    with pytest.raises(RuntimeError, match=r"no_grad\(\)"):
        gradients(y, [x])


# --- pow: NaN in, NaN out; a slope past the largest float is infinite, the value is not ---


@pytest.mark.parametrize(
    "base, exponent",
    [(0.0, NAN), (NAN, 2.0), (NAN, 0.5), (NAN, -1.0), (2.0, NAN), (-1.0, NAN)],
)
def test_pow_with_a_nan_is_nan_with_a_nan_slope(base, exponent):
    a = Value(base)
    y = a**exponent
    y.backward()
    assert is_nan(y.data) and is_nan(a.grad)


@pytest.mark.parametrize("base, exponent", [(0.0, NAN), (NAN, 2.0), (NAN, NAN), (1.0, NAN)])
def test_value_to_a_value_power_with_a_nan_is_nan_with_nan_slopes(base, exponent):
    a, b = Value(base), Value(exponent)
    y = a**b
    y.backward()
    assert is_nan(y.data) and is_nan(a.grad) and is_nan(b.grad)


def test_nan_to_the_power_zero_is_one_as_in_python():
    a = Value(NAN)
    y = a**0
    y.backward()
    assert (y.data, a.grad) == (1.0, 0.0) == (NAN**0, 0.0)


def test_a_tiny_base_to_a_negative_power_is_finite_with_an_infinite_slope():
    a = Value(1e-300)
    y = a**-1
    y.backward()
    assert y.data == 1e-300**-1 and math.isfinite(y.data)
    assert a.grad == -math.inf  # -1 * a ** -2 is past the largest float

    a, b = Value(1e-300), Value(-1.0)
    y = a**b
    y.backward()
    assert y.data == 1e-300**-1
    assert a.grad == -math.inf
    assert b.grad == y.data * math.log(1e-300)  # finite: d/db = out * ln a


def test_a_value_too_large_for_a_float_still_overflows():
    with pytest.raises(OverflowError, match="pow"):
        Value(1e-300) ** -2
    with pytest.raises(OverflowError, match="pow"):
        Value(1e300) ** Value(2.0)


def test_the_second_derivative_of_zero_to_a_positive_power_is_taken_without_a_log_error():
    a, b = Value(0.0), Value(2.0)
    da, db = gradients(a**b, [a, b], create_graph=True)
    assert db == 0.0  # 0 ** b is 0 for every b > 0
    assert gradients(da, [a, b]) == [2.0, 0.0]  # d/da (b a ** (b-1)) = b (b-1) a**(b-2) = 2
    a, b = Value(0.0), Value(3.5)
    da, db = gradients(a**b, [a, b], create_graph=True)
    assert db == 0.0
    assert gradients(da, [b]) == [0.0]  # d/db (b a ** (b-1)) at a = 0


def test_grad_of_grad_through_zero_to_the_power_b_at_b_positive_is_zero_for_b():
    def f(b):
        return Value(0.0) ** b

    assert grad(f)(2.5) == 0.0
    assert grad(grad(f))(2.5) == 0.0


# --- errors that say what happened ---


@pytest.mark.parametrize("root", [[Value(1.0), Value(2.0)], 3.0, None, "x"])
def test_backward_of_what_is_not_a_value_says_a_value_was_expected(root):
    with pytest.raises(TypeError, match="Value"):
        autograd.backward(root)


def test_a_float_argument_used_as_a_value_points_at_argnums():
    with pytest.raises(Exception, match="argnums") as caught:
        grad(lambda x, y: x * y.log())(1.0, 2.0)
    assert "argument 1" in str(caught.value)
    assert grad(lambda x, y: x * y.log(), argnums=1)(1.0, 2.0) == 0.5  # the advice works


def test_a_number_too_large_for_a_float_names_value():
    with pytest.raises(OverflowError, match=r"Value\(\)"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"Value\(\)"):
        Value(-(10**400))


def test_define_op_whose_rule_returns_a_bare_float_raises_a_type_error_naming_the_op():
    doubled = define_op("hardening_bare_float", lambda a: 2.0 * a)
    with pytest.raises(TypeError, match="hardening_bare_float.*out, local"):
        doubled(Value(1.0))
    strings = define_op("hardening_str_local", lambda a: (a, ("1",)))
    with pytest.raises(TypeError, match="hardening_str_local.*str"):
        strings(Value(1.0))


# --- tracing: what it cannot follow, it refuses ---


def test_trace_refuses_detach_of_a_traced_value():
    with pytest.raises(TraceError, match="detach"):
        trace(lambda x: x * x.detach(), 2.0)


def test_trace_refuses_reading_data_of_a_traced_value():
    with pytest.raises(TraceError, match=r"\.data"):
        trace(lambda x: x * x.data, 2.0)
    with pytest.raises(TraceError, match=r"\.data"):
        trace(lambda x: x * (1.0 if x.data > 0 else 0.0), 2.0)


def test_trace_refuses_float_of_a_traced_value():
    with pytest.raises(TraceError, match="float"):
        trace(lambda x: x * float(x), 2.0)


def test_after_a_refused_trace_values_behave_as_before():
    with pytest.raises(TraceError):
        trace(lambda x: x * float(x), 2.0)
    v = Value(1.5)
    assert (v.data, float(v), v.detach().data, v > 1.0) == (1.5, 1.5, 1.5, True)


def test_trace_refuses_a_node_computed_outside_the_function():
    w = Value(2.0)
    u = w * w
    with pytest.raises(TraceError, match="computed outside"):
        trace(lambda x: x * u, 3.0)


def test_a_detached_outside_node_is_a_constant_that_replays_read_live():
    w = Value(2.0)
    u = (w * w).detach()
    c = trace(lambda x: x * u, 3.0)
    assert c.value_and_grad(3.0) == (12.0, (4.0,)) == ((3.0 * u).data, (u.data,))
    u.data = 10.0
    assert c.value_and_grad(3.0) == (30.0, (10.0,))


def test_an_outside_leaf_is_read_live_and_gets_its_gradient():
    w = Value(2.0)
    c = trace(lambda x: x * w * w, 3.0)
    w.data = 5.0
    assert c(3.0) == 75.0
    c.backward(3.0)
    assert w.grad == 30.0  # d/dw x w² = 2 x w


def test_an_empty_dot_inside_a_trace_is_zero():
    c = trace(lambda x: x + dot([], []), 2.0)
    assert c(5.0) == 5.0
    assert c.value_and_grad(5.0) == (5.0, (1.0,))
    alone = trace(lambda x: dot([], []) + vsum([]), 2.0)
    assert alone(1.0) == 0.0


def hinge_reading_data(scores, labels):
    """A hinge loss whose clipping reads .data: the trace cannot follow it."""
    margins = [1 - y * s for s, y in zip(scores, labels, strict=True)]
    return vsum([m * (1.0 if m.data > 0 else 0.0) for m in margins]) * (1.0 / len(scores))


def detached_scale(scores, labels):
    """A hinge loss divided by a detached copy of itself plus one: a constant to backward."""
    total = vsum([(1 - y * s).relu() for s, y in zip(scores, labels, strict=True)])
    return total / (total.detach() + 1.0)


@pytest.mark.parametrize("loss", [hinge_reading_data, detached_scale])
@pytest.mark.parametrize("batch_size", [None, 10])
def test_compiled_fit_of_a_loss_that_reads_data_warns_and_trains_as_eager_fit(loss, batch_size):
    nn = pytest.importorskip("nn")

    def trained(compile):
        model = nn.MLP(2, [6, 1], seed=1)
        history = nn.fit(
            model, X, y, loss=loss, steps=12, batch_size=batch_size, progress=False, compile=compile
        )
        return history, [p.data for p in model.parameters()]

    X, y = nn.make_moons(n=23, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eager = trained(False)
    with pytest.warns(RuntimeWarning, match="TraceError.*training eagerly") as caught:
        compiled = trained(True)
    assert len(caught) == 1
    assert compiled[0].loss == eager[0].loss
    assert compiled[1] == eager[1]
    assert eager[0].loss[-1] < eager[0].loss[0]  # and it trained


@pytest.mark.parametrize("label", ["a\x00b", "esc\x1b", "del\x7f"], ids=repr)
def test_a_control_character_in_a_label_is_drawn_as_its_picture_and_renders(label):
    from autograd import draw_dot
    from autograd.viz import find_renderer

    (control,) = [c for c in label if ord(c) < 0x20 or c == "\x7f"]
    picture = "\u2421" if control == "\x7f" else chr(0x2400 + ord(control))
    drawing = draw_dot((Value(1.0, label=label) * 2.0).tanh())
    assert control not in drawing.source and picture in drawing.source
    if find_renderer() is not None:
        assert b"<svg" in drawing.pipe(format="svg")


def test_trace_refuses_a_value_computed_inside_no_grad_within_the_function():
    def f(x):
        with no_grad():
            frozen = x * 2.0  # its data depends on x, but no graph says how
        return x * frozen

    with pytest.raises(TraceError, match="inside no_grad"):
        trace(f, 3.0)
    assert trace(lambda x: x * Value(2.0), 3.0)(5.0) == 10.0  # a constant made inside is fine
