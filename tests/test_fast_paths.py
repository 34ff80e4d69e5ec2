"""Operators take a fast path for Value, float and int operands; it must record what apply does."""

from __future__ import annotations

import math
import operator

import pytest

from autograd import Value, apply, no_grad
from autograd.ops import REGISTRY


class Tagged(Value):
    """A Value subclass: it leaves the fast path for the general one."""

    __slots__ = ()


class Real(float):
    """A float subclass, as numpy's float64 is."""


BINARY = [(operator.add, "add"), (operator.sub, "sub"), (operator.mul, "mul")]
BINARY += [(operator.truediv, "div")]
OPERANDS = [Value(-1.25), Tagged(0.75), 0.5, 3, Real(-2.5)]


def node(v: Value) -> tuple:
    return v.data, v.op, [x if isinstance(x, Value) else float(x) for x in v._inputs], v._local


@pytest.mark.parametrize("fn, name", BINARY)
@pytest.mark.parametrize("other", [0.5, 3, -0.0, Real(-2.5)], ids=repr)
def test_reflected_operators_record_the_same_node_as_apply(fn, name, other):
    a = Value(1.5)
    got = fn(other, a)  # other (op) a: a number first, a constant
    want = apply(REGISTRY[name], other, a)
    assert node(got) == node(want)
    slots = (got._a, got._da, got._b, got._db)
    assert type(got._a) is float and slots[1:3] == (None, a) and got._db == want._local[0]


@pytest.mark.parametrize("fn, name", BINARY)
@pytest.mark.parametrize("other", OPERANDS, ids=repr)
def test_binary_operators_record_the_same_node_as_apply(fn, name, other):
    a = Value(1.5)
    got = fn(a, other)
    want = apply(REGISTRY[name], a, other)
    assert node(got) == node(want)
    assert type(got._inputs[1]) is (float if not isinstance(other, Value) else type(other))


@pytest.mark.parametrize("k", [2, 2.0, -1, 0.5, Real(3.0)], ids=repr)
def test_pow_with_a_number_records_the_same_node_as_apply(k):
    a = Value(1.5)
    assert node(a**k) == node(apply(REGISTRY["pow"], a, k))
    assert type((a**k)._inputs[1]) is float


@pytest.mark.parametrize("name", ["neg", "abs", "exp", "log", "tanh", "sigmoid", "relu", "sin"])
def test_unary_methods_record_the_same_node_as_apply(name):
    a = Value(0.75)
    method = {"neg": operator.neg, "abs": abs}.get(name) or getattr(Value, name)
    assert node(method(a)) == node(apply(REGISTRY[name], a))


@pytest.mark.parametrize("bad", [True, "2", None, [1.0]], ids=repr)
def test_fast_paths_still_refuse_bools_and_non_numbers(bad):
    a = Value(1.0)
    for fn, _ in [*BINARY, (operator.pow, "pow")]:
        with pytest.raises(TypeError):
            fn(a, bad)


def test_fast_paths_record_nothing_under_no_grad():
    a, b = Value(2.0), Value(3.0)
    with no_grad():
        outs = [a + b, a * 2, a - 0.5, a / b, a**2, a.relu(), -a, a.exp()]
    assert [v.data for v in outs] == [5.0, 4.0, 1.5, 2.0 / 3.0, 4.0, 2.0, -2.0, math.exp(2.0)]
    assert all(v.op == "" and v._parents == () for v in outs)
