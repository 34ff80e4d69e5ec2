"""Every op in the rule table ``autograd.ops.OPS``, checked the same ways from ``strategies``."""

from __future__ import annotations

import contextlib
import inspect
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import CASES, call_with, differentiable

import autograd
from autograd import (
    Value,
    apply,
    grad,
    gradcheck,
    gradients,
    ops,
    trace,
)
from autograd.ops import KINDS, OPS

NAMES = sorted(OPS)


def rel_error(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(a), abs(b))


def draw(data: st.DataObject, name: str) -> tuple[float, ...]:
    return data.draw(CASES[name].inputs, label="inputs")


def as_value(x: object) -> Value:
    return x if isinstance(x, Value) else Value(x)  # type: ignore[arg-type]


def test_every_op_in_the_table_has_a_test_case():
    assert sorted(CASES) == NAMES


def test_every_op_has_a_row_in_the_ops_docstring_table():
    first_column = " ".join(
        line.split("|")[1] for line in ops.__doc__.splitlines() if line.startswith("|")
    )
    documented = set(re.findall(r"[a-z_]+", first_column))
    for name in NAMES:
        assert ("pow" if name == "powv" else name) in documented, name


# --- one rule, three views: hand-derived math, central differences, and the graph form ---


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_rule_matches_hand_derived_value_and_derivatives(name, data):
    xs = draw(data, name)
    out, local = OPS[name].rule(*xs)
    assert rel_error(out, CASES[name].forward(*xs)) <= 1e-12
    expected = CASES[name].local(*xs)
    assert len(local) == len(expected)
    for got, want in zip(local, expected, strict=True):
        assert rel_error(got, want) <= 1e-12


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_rule_locals_match_central_differences(name, data):
    xs = draw(data, name)
    _, local = OPS[name].rule(*xs)
    for i in range(differentiable(name, xs)):
        h = 1e-6 * max(1.0, abs(xs[i]))
        up = OPS[name].rule(*xs[:i], xs[i] + h, *xs[i + 1 :])[0]
        down = OPS[name].rule(*xs[:i], xs[i] - h, *xs[i + 1 :])[0]
        assert rel_error(local[i], (up - down) / (2 * h)) <= 1e-5, (i, xs)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_graph_form_gives_the_same_locals_as_the_rule(name, data):
    xs = draw(data, name)
    out, local = OPS[name].rule(*xs)
    from_graph = OPS[name].local_expr(Value(out), *map(Value, xs))
    assert len(from_graph) >= len(local)
    for got, want in zip(from_graph, local, strict=True):
        assert rel_error(float(got), want) <= 1e-12


# --- the op through the Value API ---


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_value_api_records_the_rule_once(name, data):
    xs = draw(data, name)
    n = differentiable(name, xs)
    leaves = [Value(x) for x in xs[:n]]
    out = call_with(name, leaves, xs)
    want_out, want_local = OPS[name].rule(*xs)
    assert (out.op, out.data) == (name, want_out)
    assert out._parents == tuple(leaves)
    assert out._local == tuple(want_local)
    via_apply = apply(OPS[name], *leaves, *xs[n:])
    assert (via_apply.op, via_apply.data, via_apply._local) == (name, out.data, out._local)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_gradient_passes_gradcheck_with_an_upstream_gradient_not_one(name, data):
    xs = draw(data, name)
    n = differentiable(name, xs)
    # (out + 1) ** 2 sends 2 (out + 1) down, so a rule that ignores the upstream gradient fails
    gradcheck(lambda *vs: (call_with(name, list(vs), xs) + 1) ** 2, *xs[:n], tol=1e-5)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_backward_multiplies_each_local_derivative_by_the_upstream_gradient(name, data):
    xs = draw(data, name)
    n = differentiable(name, xs)
    leaves = [Value(x) for x in xs[:n]]
    ((call_with(name, leaves, xs) + 1) ** 2).backward()
    upstream = 2 * (CASES[name].forward(*xs) + 1)
    for leaf, local in zip(leaves, CASES[name].local(*xs), strict=True):
        assert rel_error(leaf.grad, upstream * local) <= 1e-9


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=30)
@given(data=st.data())
def test_second_derivatives_pass_gradcheck(name, data):
    xs = draw(data, name)
    n = differentiable(name, xs)
    for i in range(n):

        def first(*vs, i=i):
            return as_value(gradients(call_with(name, list(vs), xs), vs, create_graph=True)[i])

        gradcheck(first, *xs[:n], tol=1e-5)


# --- kinks and special points, pinned exactly ---


def grad_of(f, x: float) -> tuple[float, float]:
    v = Value(x)
    out = f(v)
    out.backward()
    return out.data, v.grad


@pytest.mark.parametrize(
    "f, x, value, slope",
    [
        (Value.relu, 0.0, 0.0, 0.0),
        (Value.relu, -0.0, 0.0, 0.0),
        (abs, 0.0, 0.0, 0.0),
        (abs, -0.0, 0.0, 0.0),
        (Value.leaky_relu, 0.0, 0.0, 0.01),
        (lambda v: v.leaky_relu(0.2), 0.0, 0.0, 0.2),
        (lambda v: v**2, 0.0, 0.0, 0.0),
        (lambda v: v**1, 0.0, 0.0, 1.0),
        (lambda v: v**0, 0.0, 1.0, 0.0),
        (lambda v: v**0, 5e-324, 1.0, 0.0),
        (lambda v: v**0, math.nan, 1.0, 0.0),
        (lambda v: v**0.5, 0.0, 0.0, math.inf),
        (lambda v: v**3, -2.0, -8.0, 12.0),
        (lambda v: v**-1, -2.0, -0.5, -0.25),
        (Value.sqrt, 0.0, 0.0, math.inf),
        (Value.sqrt, 4.0, 2.0, 0.25),
        (Value.tanh, 0.0, 0.0, 1.0),
        (Value.sigmoid, 0.0, 0.5, 0.25),
        (Value.softplus, 0.0, math.log(2.0), 0.5),
        (Value.exp, 0.0, 1.0, 1.0),
        (Value.log, 1.0, 0.0, 1.0),
        (Value.sin, 0.0, 0.0, 1.0),
        (Value.cos, 0.0, 1.0, -0.0),
        (lambda v: 2**v, 3.0, 8.0, 8.0 * math.log(2.0)),
    ],
)
def test_special_points_have_exact_values_and_slopes(f, x, value, slope):
    assert grad_of(f, x) == (value, slope)


def test_zero_to_a_positive_value_power_has_zero_exponent_slope():
    a, b = Value(0.0), Value(2.0)
    out = a**b
    out.backward()
    assert (out.data, a.grad, b.grad) == (0.0, 0.0, 0.0)
    a, b = Value(0.0), Value(1.0)
    (a**b).backward()
    assert (a.grad, b.grad) == (1.0, 0.0)


@pytest.mark.parametrize(
    "f, x, value, slope",
    [
        (Value.tanh, 1000.0, 1.0, 0.0),
        (Value.tanh, -1000.0, -1.0, 0.0),
        (Value.sigmoid, 1000.0, 1.0, 0.0),
        (Value.sigmoid, -1000.0, 0.0, 0.0),
        (Value.softplus, 1000.0, 1000.0, 1.0),
        (Value.softplus, -1000.0, 0.0, 0.0),
        (Value.exp, -1000.0, 0.0, 0.0),
    ],
)
def test_saturated_inputs_give_limits_without_overflow(f, x, value, slope):
    assert grad_of(f, x) == (value, slope)


def test_second_derivative_of_a_power_with_a_negative_base():
    x = Value(-2.0)
    (d,) = gradients(x**3, [x], create_graph=True)
    (dd,) = gradients(d, [x])
    assert (d.data, dd) == (12.0, -12.0)


# --- errors name the op and the offending value ---

ERRORS = [
    ("div", (1.0, 0.0), ZeroDivisionError, "0.0"),
    ("pow", (0.0, -1.0), ZeroDivisionError, "-1.0"),
    ("pow", (-2.0, 0.5), ValueError, "-2.0"),
    ("pow", (10.0, 400.0), OverflowError, "400.0"),
    ("powv", (-2.0, 3.0), ValueError, "-2.0"),
    ("powv", (0.0, -1.0), ValueError, "0.0"),
    ("powv", (10.0, 400.0), OverflowError, "400.0"),
    ("exp", (1000.0,), OverflowError, "1000.0"),
    ("log", (0.0,), ValueError, "0.0"),
    ("log", (-1.0,), ValueError, "-1.0"),
    ("log", (-math.inf,), ValueError, "-inf"),
    ("sqrt", (-1.0,), ValueError, "-1.0"),
    ("sin", (math.inf,), ValueError, "inf"),
    ("cos", (-math.inf,), ValueError, "-inf"),
]


@pytest.mark.parametrize("name, xs, error, shown", ERRORS)
def test_domain_errors_name_the_op_and_the_value(name, xs, error, shown):
    public = "pow" if name == "powv" else name
    n = len(CASES[name].local(*[1.0] * len(xs)))
    leaves = [Value(x) for x in xs[:n]]
    with pytest.raises(error, match=rf"^{public}:") as caught:
        call_with(name, leaves, xs)
    assert shown in str(caught.value)
    assert [(v.data, v.grad, v.op) for v in leaves] == [(x, 0.0, "") for x in xs[:n]]


def test_division_by_a_zero_value_from_either_side():
    with pytest.raises(ZeroDivisionError, match="div"):
        1 / Value(0)
    with pytest.raises(ZeroDivisionError, match="div"):
        Value(1) / Value(0.0)


def arity(name: str) -> int:
    params = inspect.signature(OPS[name].rule).parameters.values()
    return 3 if any(p.kind is p.VAR_POSITIONAL for p in params) else len(params)


@pytest.mark.parametrize("name", NAMES)
def test_nan_inputs_give_nan_outputs_without_raising(name):
    xs = (math.nan,) * arity(name)
    leaves = [Value(x) for x in xs[: differentiable(name, (1.0,) * len(xs))]]
    assert math.isnan(call_with(name, leaves, xs).data)


@pytest.mark.parametrize("name", ["add", "mul", "exp", "log", "sqrt", "tanh", "sigmoid", "relu"])
def test_infinite_inputs_are_allowed(name):
    xs = (math.inf,) * arity(name)
    out = call_with(name, [Value(x) for x in xs], xs)
    assert out.data == CASES[name].forward(*xs)


# --- NaN in: NaN out and a NaN slope, for every op in the table ---

PROBES = (0.5, 0.25, -0.5, 2.0)  # regular values, on both sides of every kink


def nan_cases():
    """(op, inputs with one NaN, which slopes depend on that input), for every input of every op."""
    for name in NAMES:
        n = arity(name)
        regular = {"pow": (0.5, 3.0), "leaky_relu": (0.5, 0.01)}.get(name, (0.5,) * n)
        for i in range(differentiable(name, regular)):
            slopes = set()
            for probe in PROBES:  # a slope depends on input i when it changes with it
                with contextlib.suppress(ValueError, ZeroDivisionError):
                    slopes.add(OPS[name].rule(*regular[:i], probe, *regular[i + 1 :])[1])
            depends = {j for j in range(len(min(slopes))) if len({s[j] for s in slopes}) > 1}
            xs = regular[:i] + (math.nan,) + regular[i + 1 :]
            yield pytest.param(name, xs, depends, id=f"{name}-{i}")


@pytest.mark.parametrize("name, xs, depends", list(nan_cases()))
def test_a_nan_input_gives_a_nan_output_and_nan_slopes_in_every_form(name, xs, depends):
    # the docs' "NaN in gives NaN out (and a NaN slope) for every op": each slope that depends
    # on the NaN input is NaN, in the float rule, in backward and in the graph form
    out, local = OPS[name].rule(*xs)
    leaves = [Value(x) for x in xs[: differentiable(name, xs)]]
    y = call_with(name, leaves, xs)
    eager = gradients(y, leaves)
    graph = [float(g) for g in gradients(y, leaves, create_graph=True)]
    assert math.isnan(out) and math.isnan(y.data)
    for j in depends:
        assert math.isnan(local[j]) and math.isnan(eager[j]) and math.isnan(graph[j]), (j, local)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "abs"])
def test_a_traced_kink_replayed_at_nan_gives_nan_and_a_nan_slope(name):
    from autograd.tracing import trace

    compiled = trace(lambda x: call_with(name, [x], (1.0, 0.01)[: arity(name)]) * 2.0, 1.0)
    value, (slope,) = compiled.value_and_grad(math.nan)
    assert math.isnan(value) and math.isnan(slope)


# --- pow: NaN in, NaN out; a slope past the largest float is infinite, the value is not ---


NAN = float("nan")


def is_nan(x: float) -> bool:
    return x != x


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


# --- one table: names, kinds, and the source the tracer writes ---


def test_every_built_in_rule_is_named_after_its_op():
    assert {name: OPS[name].rule.__name__.rstrip("_") for name in OPS} == {n: n for n in OPS}


def test_every_op_has_a_kind_from_kinds_and_a_name_matching_its_key():
    for name, op in OPS.items():
        assert op.name == name
        assert op.kind in KINDS, name
        assert isinstance(op.symbol, str), name
    assert {n for n, op in OPS.items() if op.kind == "reduction"} == {"sum", "dot"}
    assert {OPS[n].symbol for n in ("add", "sub", "mul", "div")} == {"+", "−", "×", "÷"}


def test_sum_and_dot_are_compiled_from_the_table_source():
    # the tracer has no code of its own for them: the table's source view is what it writes
    out, local = OPS["dot"].source("w0", "w1", "x0", "x1", "c")
    assert out == "sum(map(mul, (w0, w1,), (x0, x1,)), c)"
    assert local == ("x0", "x1", "w0", "w1", "1.0")
    assert OPS["sum"].source("a", "b") == ("sum((a, b,))", ("1.0", "1.0"))
    c = trace(lambda x, y: autograd.vsum([x, y, x * y]) + autograd.dot([x], [y], 1.0), 1.0, 2.0)
    assert "sum(map(mul," in c.source and "sum((" in c.source
