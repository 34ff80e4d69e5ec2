"""Value itself: construction, operators with numbers on either side, comparisons, no_grad."""

from __future__ import annotations

import math
import threading
from fractions import Fraction

import pytest

from autograd import (
    Value,
    is_recording,
    no_grad,
)


def grads(out: Value, *leaves: Value) -> tuple[float, ...]:
    out.backward()
    return tuple(v.grad for v in leaves)


# --- construction ---


@pytest.mark.parametrize("x", [3, 3.0, -2, 0, Fraction(1, 4), 10**3])
def test_numbers_are_stored_as_floats_with_zero_grad(x):
    v = Value(x)
    assert type(v.data) is float and v.data == x
    assert type(v.grad) is float and v.grad == 0.0
    assert (v.label, v.op, v._parents) == ("", "", ())


@pytest.mark.parametrize("bad", ["3", None, [1], (1,), 1j, True, {"x": 1}])
def test_non_numbers_are_a_type_error(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_a_value_is_not_wrapped_twice():
    with pytest.raises(TypeError, match="detach"):
        Value(Value(1.0))


def test_nan_and_inf_are_allowed():
    assert math.isnan(Value(math.nan).data)
    assert Value(-math.inf).data == -math.inf


def test_repr_shows_data_grad_label_and_op():
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(1.5, label="w")) == "Value(data=1.5, grad=0.0, label='w')"
    y = Value(2.0) * 3
    y.backward()
    assert repr(y) == "Value(data=6.0, grad=1.0, op='mul')"


# --- operators: Values and numbers on either side ---

BINARY = [
    (lambda a, b: a + b, 5.0, (1.0, 1.0)),
    (lambda a, b: a - b, -1.0, (1.0, -1.0)),
    (lambda a, b: a * b, 6.0, (3.0, 2.0)),
    (lambda a, b: a / b, 2 / 3, (1 / 3, -2 / 9)),
    (lambda a, b: a**b, 8.0, (12.0, 8 * math.log(2))),
]


@pytest.mark.parametrize("f, value, slopes", BINARY)
def test_binary_operators_on_two_values(f, value, slopes):
    a, b = Value(2.0), Value(3.0)
    out = f(a, b)
    assert out.data == pytest.approx(value, rel=1e-15)
    assert grads(out, a, b) == pytest.approx(slopes, rel=1e-15)


@pytest.mark.parametrize("f, value, slopes", BINARY)
@pytest.mark.parametrize("number", [3, 3.0])
def test_a_number_on_the_right_is_a_constant(f, value, slopes, number):
    a = Value(2.0)
    out = f(a, number)
    assert out.data == pytest.approx(value, rel=1e-15)
    assert out._parents == (a,) and out._inputs == (a, 3.0)
    assert grads(out, a) == pytest.approx(slopes[:1], rel=1e-15)


@pytest.mark.parametrize("f, value, slopes", BINARY)
@pytest.mark.parametrize("number", [2, 2.0])
def test_a_number_on_the_left_uses_the_reflected_operator(f, value, slopes, number):
    b = Value(3.0)
    out = f(number, b)
    assert out.data == pytest.approx(value, rel=1e-15)
    assert out._parents == (b,) and out._inputs == (2.0, b)
    assert grads(out, b) == pytest.approx(slopes[1:], rel=1e-15)


def test_unary_minus_plus_and_abs():
    a = Value(-3.0)
    assert ((-a).data, (+a) is a, abs(a).data, a.abs().data) == (3.0, True, 3.0, 3.0)
    assert grads(-a + abs(a), a) == (-2.0,)


def test_sum_of_values_starts_from_a_constant_zero():
    xs = [Value(float(i)) for i in range(4)]
    total = sum(xs)
    assert total.data == 6.0
    assert grads(total, *xs) == (1.0,) * 4


@pytest.mark.parametrize("other", ["2", None, [1.0], True])
@pytest.mark.parametrize(
    "f",
    [
        lambda a, o: a + o,
        lambda a, o: o + a,
        lambda a, o: a * o,
        lambda a, o: o - a,
        lambda a, o: a / o,
        lambda a, o: o / a,
        lambda a, o: a**o,
        lambda a, o: o**a,
    ],
)
def test_operators_with_non_numbers_are_a_type_error(f, other):
    with pytest.raises(TypeError):
        f(Value(2.0), other)


def test_leaky_relu_slope_must_be_a_number():
    with pytest.raises(TypeError, match="slope"):
        Value(1.0).leaky_relu("0.1")
    with pytest.raises(TypeError, match="slope"):
        Value(1.0).leaky_relu(Value(0.1))


# --- comparisons compare .data; equality is identity ---


def test_comparisons_compare_data_and_record_nothing():
    a, b = Value(1.0), Value(2.0)
    assert (a < b, a <= b, a > b, a >= b) == (True, True, False, False)
    assert (a < 1.5, a >= 1, 2 > a, 0.5 <= a) == (True, True, True, True)
    assert a.op == "" and b.op == ""


def test_max_and_sorted_work_on_values():
    vs = [Value(x) for x in (3.0, -1.0, 2.0)]
    assert max(vs) is vs[0]
    assert [v.data for v in sorted(vs)] == [-1.0, 2.0, 3.0]


def test_equality_and_hash_are_identity():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b
    assert len({a, b}) == 2
    assert {a: "a"}[a] == "a"


def test_comparing_with_a_non_number_is_a_type_error():
    with pytest.raises(TypeError):
        Value(1.0) < "2"  # noqa: B015


def test_float_of_a_value_is_its_data():
    assert float(Value(2.5)) == 2.5


# --- the recorded node is a snapshot ---


def test_editing_data_after_the_forward_pass_does_not_change_the_gradient():
    a, b = Value(2.0), Value(3.0)
    out = a * b
    a.data, b.data = 100.0, 100.0
    assert grads(out, a, b) == (3.0, 2.0)


def test_micrograd_names_for_the_graph():
    a = Value(2.0)
    y = a * a
    assert y._prev == {a} and y._parents == (a, a) and y._local == (2.0, 2.0)
    assert y._op == y.op == "mul"


# --- no_grad and detach ---


def test_no_grad_computes_values_but_records_no_graph():
    a = Value(2.0)
    with no_grad():
        assert not is_recording()
        y = (a * 3).tanh()
    assert is_recording()
    assert y.data == math.tanh(6.0) and y.op == "" and y._parents == ()
    with pytest.raises(RuntimeError, match="computed inside no_grad"):  # never a silent 0
        y.backward()
    assert a.grad == 0.0 and y.grad == 0.0


def test_no_grad_nests_and_restores_recording():
    a = Value(1.0)
    with no_grad():
        with no_grad():
            assert (a + 1).op == ""
        assert (a + 1).op == "" and not is_recording()
    assert (a + 1).op == "add"


def test_no_grad_is_restored_after_an_error():
    with pytest.raises(ValueError), no_grad():
        Value(-1.0).log()
    assert is_recording() and (Value(1.0) + 1).op == "add"


def test_no_grad_in_one_thread_does_not_affect_another():
    inside, release = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def quiet() -> None:
        with no_grad():
            inside.set()
            release.wait(5)
            seen["quiet"] = (Value(1.0) + 1).op

    def busy() -> None:
        inside.wait(5)
        seen["busy"] = ((Value(1.0) + 1).op, is_recording())
        release.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=busy)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"quiet": "", "busy": ("add", True)}


def test_detach_makes_an_unconnected_leaf_with_the_same_data_and_label():
    a = Value(3.0, label="a")
    y = a * a
    d = y.detach()
    assert (d.data, d.label, d.op, d._parents, d.grad) == (9.0, "", "", (), 0.0)
    z = d * a
    assert grads(z, a) == (9.0,)
    e = a.detach()
    assert (e.data, e.label) == (3.0, "a") and e is not a


def test_a_label_that_is_not_a_string_is_a_type_error():
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)


# --- a number too large for a float ---


def test_a_number_too_large_for_a_float_names_value():
    with pytest.raises(OverflowError, match=r"Value\(\)"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"Value\(\)"):
        Value(-(10**400))
