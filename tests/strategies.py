"""One test case per op in ``autograd.ops.OPS``: its domain as a hypothesis strategy, the value and
the local derivatives derived by hand from ``math``, and how the op is spelled on ``Value``.

Adding an op to the table means adding one ``Case`` here; ``test_ops`` fails until it exists.
Inputs past the rule's local derivatives (pow's exponent, leaky_relu's slope) are constants.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from hypothesis import strategies as st

from autograd import Value, dot, vsum

Floats = st.SearchStrategy[tuple[float, ...]]


def reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite floats in [lo, hi]."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats with lo <= |x| <= hi, either sign: keeps finite differences off a kink or a pole."""
    return st.tuples(reals(lo, hi), st.booleans()).map(lambda t: -t[0] if t[1] else t[0])


def one(s: st.SearchStrategy[float]) -> Floats:
    return st.tuples(s)


def dot_args(n: int) -> Floats:
    return st.lists(reals(-5, 5), min_size=2 * n + 1, max_size=2 * n + 1).map(tuple)


def _dot_ref(*args: float) -> float:
    n = len(args) // 2
    return math.fsum([args[-1], *(w * x for w, x in zip(args[:n], args[n : 2 * n], strict=True))])


class Case(NamedTuple):
    inputs: Floats  # points strictly inside the op's domain
    forward: Callable[..., float]  # the value, from math
    local: Callable[..., tuple[float, ...]]  # d out / d input_i, derived by hand
    call: Callable[..., Value]  # the op through the public Value API


CASES: dict[str, Case] = {
    "add": Case(
        st.tuples(reals(-100, 100), reals(-100, 100)),
        lambda a, b: a + b,
        lambda a, b: (1.0, 1.0),
        lambda a, b: a + b,
    ),
    "sub": Case(
        st.tuples(reals(-100, 100), reals(-100, 100)),
        lambda a, b: a - b,
        lambda a, b: (1.0, -1.0),
        lambda a, b: a - b,
    ),
    "mul": Case(
        st.tuples(reals(-100, 100), reals(-100, 100)),
        lambda a, b: a * b,
        lambda a, b: (b, a),
        lambda a, b: a * b,
    ),
    "div": Case(
        st.tuples(reals(-100, 100), away_from_zero(0.1, 100)),
        lambda a, b: a / b,
        lambda a, b: (1.0 / b, -a / b**2),
        lambda a, b: a / b,
    ),
    "neg": Case(one(reals(-100, 100)), lambda a: -a, lambda a: (-1.0,), lambda a: -a),
    "pow": Case(
        st.one_of(
            st.tuples(reals(0.1, 10), reals(-3, 3)),
            st.tuples(away_from_zero(0.1, 10), st.integers(-3, 4).map(float)),
        ),
        lambda a, k: a**k,
        lambda a, k: (k * a ** (k - 1) if k != 0 else 0.0,),
        lambda a, k: a**k,
    ),
    "powv": Case(
        st.tuples(reals(0.1, 10), reals(-3, 3)),
        lambda a, b: a**b,
        lambda a, b: (b * a ** (b - 1), a**b * math.log(a)),
        lambda a, b: a**b,
    ),
    "exp": Case(one(reals(-50, 50)), math.exp, lambda a: (math.exp(a),), lambda a: a.exp()),
    "log": Case(one(reals(1e-2, 1e3)), math.log, lambda a: (1.0 / a,), lambda a: a.log()),
    "sqrt": Case(one(reals(1e-2, 1e3)), math.sqrt, lambda a: (0.5 * a**-0.5,), lambda a: a.sqrt()),
    "tanh": Case(
        one(reals(-20, 20)), math.tanh, lambda a: (1.0 / math.cosh(a) ** 2,), lambda a: a.tanh()
    ),
    "sigmoid": Case(
        one(reals(-30, 30)),
        lambda a: 1.0 / (1.0 + math.exp(-a)),
        lambda a: (math.exp(-a) / (1.0 + math.exp(-a)) ** 2,),
        lambda a: a.sigmoid(),
    ),
    "softplus": Case(
        one(reals(-30, 30)),
        lambda a: math.log(1.0 + math.exp(a)),
        lambda a: (1.0 / (1.0 + math.exp(-a)),),
        lambda a: a.softplus(),
    ),
    "relu": Case(
        one(away_from_zero(1e-3, 100)),
        lambda a: max(a, 0.0),
        lambda a: (1.0 if a > 0 else 0.0,),
        lambda a: a.relu(),
    ),
    "leaky_relu": Case(
        st.tuples(away_from_zero(1e-3, 100), reals(0, 1)),
        lambda a, s: a if a > 0 else s * a,
        lambda a, s: (1.0 if a > 0 else s,),
        lambda a, s: a.leaky_relu(s),
    ),
    "abs": Case(
        one(away_from_zero(1e-3, 100)),
        abs,
        lambda a: (math.copysign(1.0, a),),
        lambda a: abs(a),
    ),
    "sin": Case(one(reals(-10, 10)), math.sin, lambda a: (math.cos(a),), lambda a: a.sin()),
    "cos": Case(one(reals(-10, 10)), math.cos, lambda a: (-math.sin(a),), lambda a: a.cos()),
    "sum": Case(
        st.lists(reals(-100, 100), min_size=1, max_size=6).map(tuple),
        lambda *t: math.fsum(t),
        lambda *t: (1.0,) * len(t),
        lambda *t: vsum(t),
    ),
    "dot": Case(
        st.integers(0, 4).flatmap(dot_args),
        _dot_ref,
        lambda *args: (*args[len(args) // 2 : -1], *args[: len(args) // 2], 1.0),
        lambda *args: dot(args[: len(args) // 2], args[len(args) // 2 : -1], args[-1]),
    ),
}


def differentiable(name: str, inputs: tuple[float, ...]) -> int:
    """How many leading inputs are differentiable (the rest are constants such as pow's k)."""
    return len(CASES[name].local(*inputs))


def call_with(name: str, leaves: list[Any], inputs: tuple[float, ...]) -> Value:
    """The op on ``leaves`` for its differentiable inputs and plain numbers for its constants."""
    return CASES[name].call(*leaves, *inputs[len(leaves) :])


# --- random graphs: small programs that any engine with +, -, * and a few methods can run ---

SMOOTH = ("add", "sub", "mul", "scale", "shift", "square", "tanh", "sin")
MICROGRAD = ("add", "sub", "mul", "scale", "shift", "square", "relu")


def programs(kinds: tuple[str, ...] = SMOOTH, max_inputs: int = 4, max_steps: int = 10):
    """(number of inputs, steps); step k reads earlier nodes i, j and a constant c."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[int, tuple[tuple[str, int, int, float], ...]]:
        n = draw(st.integers(1, max_inputs))
        steps = []
        for k in range(draw(st.integers(1, max_steps))):
            i, j = draw(st.integers(0, n + k - 1)), draw(st.integers(0, n + k - 1))
            steps.append((draw(st.sampled_from(kinds)), i, j, draw(reals(-2, 2))))
        return n, tuple(steps)

    return build()


STEPS: dict[str, Callable[[Any, Any, float], Any]] = {
    "add": lambda a, b, c: a + b,
    "sub": lambda a, b, c: a - b,
    "mul": lambda a, b, c: a * b,
    "scale": lambda a, b, c: a * c,
    "shift": lambda a, b, c: c - a,
    "square": lambda a, b, c: a**2,
    "tanh": lambda a, b, c: a.tanh(),
    "sin": lambda a, b, c: a.sin(),
    "relu": lambda a, b, c: a.relu(),
}


def run(program: tuple[int, tuple[tuple[str, int, int, float], ...]], xs: list[Any]) -> Any:
    """Evaluate a program on inputs xs; the output reads every node, so all of them matter."""
    nodes = list(xs)
    for kind, i, j, c in program[1]:
        nodes.append(STEPS[kind](nodes[i], nodes[j], c))
    out = nodes[-1]
    for v in nodes[:-1]:
        out = out + v * 0.5
    return out
