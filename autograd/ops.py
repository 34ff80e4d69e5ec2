"""The rule table: every primitive operation's forward value and local derivatives, written once.

Each rule takes floats and returns ``(out, local)`` with ``local[i] = d out / d input_i``. Beside
it in ``OPS``, ``graph`` gives the same derivatives as engine expressions on ``Value`` inputs (what
``grad(grad(f))`` differentiates), and for a few hot ops ``source`` spells the rule as Python text
for ``compile``. Tests check every view against the rule. Imports only ``math`` and ``operator``.

| op         | out                 | local derivative(s)    | domain / convention                |
|------------|---------------------|------------------------|------------------------------------|
| add, sub   | a + b, a - b        | 1, +-1                 | -                                  |
| mul        | a * b               | b, a                   | -                                  |
| div        | a / b               | 1/b, -a/b**2           | b = 0 -> ZeroDivisionError         |
| neg        | -a                  | -1                     | -                                  |
| pow (k)    | a ** k, k a number  | k * a**(k-1)           | a < 0, k not integer -> ValueError |
|            |                     |                        | 0 ** (k<0) -> ZeroDivisionError    |
|            |                     |                        | +inf slope at 0 for 0 < k < 1      |
|            |                     |                        | a ** 0 = 1, slope 0, for every a   |
| powv       | a ** b, b a Value   | b * a**(b-1), out ln a | a > 0, or a = 0 with b > 0         |
| exp        | e ** a              | out                    | overflow -> OverflowError          |
| log        | ln a                | 1/a                    | a <= 0 -> ValueError               |
| sqrt       | a ** 0.5            | 1 / (2 out)            | a < 0 -> ValueError; +inf at 0     |
| tanh       | tanh a              | 1 - out**2             | -                                  |
| sigmoid    | 1 / (1 + e**-a)     | out * (1 - out)        | stable two-branch form             |
| softplus   | ln(1 + e**a)        | sigmoid(a)             | max(a, 0) + log1p(e**-abs(a))      |
| relu       | max(a, 0)           | 1 if a > 0 else 0      | 0 at the kink, as in PyTorch       |
| leaky_relu | a if a > 0 else s*a | 1 if a > 0 else s      | slope s (0.01); s at the kink      |
| abs        | abs(a)              | sign(a)                | 0 at the kink, as in PyTorch       |
| sin, cos   | sin a, cos a        | cos a, -sin a          | a = +-inf -> ValueError            |
| sum        | a_1 + ... + a_n     | 1, ..., 1              | one node for many terms            |
| dot        | c + sum w_i x_i     | x_1..x_n, w_1..w_n, 1  | one node for a whole neuron        |
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import mul as _mul
from typing import Any, NamedTuple

Number = int | float
Rule = tuple[float, tuple[float, ...]]


class Op(NamedTuple):
    """One primitive: its float rule ``(out, local)`` and the same derivatives in other forms."""

    name: str
    rule: Callable[..., Rule]
    graph: Callable[..., tuple[Any, ...]] | None = None  # (out, *inputs) -> locals, on Values
    # the rule as Python source over its inputs' names, for ops that compile writes out inline
    source: Callable[..., tuple[str, tuple[str, ...]]] | None = None


def domain_error(op: str, message: str) -> ValueError:
    """A ValueError that names the operation and the offending value."""
    return ValueError(f"{op}: {message}")


# --- arithmetic ---


def add(a: float, b: float) -> Rule:
    return a + b, (1.0, 1.0)


def sub(a: float, b: float) -> Rule:
    return a - b, (1.0, -1.0)


def mul(a: float, b: float) -> Rule:
    return a * b, (b, a)


def div(a: float, b: float) -> Rule:
    if b == 0.0:
        raise ZeroDivisionError(f"div: division by zero ({a!r} / {b!r})")
    inv = 1.0 / b
    return a / b, (inv, -a * inv * inv)


def neg(a: float) -> Rule:
    return -a, (-1.0,)


def pow_number(a: float, k: float) -> Rule:
    """a ** k for a constant exponent k; d/da = k * a**(k-1)."""
    if k == 0.0:  # a ** 0 = 1 for every a, as Python has it (and a ** -1 may overflow)
        return 1.0, (0.0,)
    if a == 0.0:
        if k < 0.0:
            raise ZeroDivisionError(f"pow: 0.0 ** {k!r} (zero to a negative power)")
        # NOTE: the slope of a**k at 0 is infinite for 0 < k < 1, as in PyTorch.
        return 0.0, (k * 0.0 ** (k - 1.0) if k >= 1.0 else math.inf,)
    if a < 0.0 and not float(k).is_integer():
        raise domain_error("pow", f"negative base {a!r} to the non-integer power {k!r}")
    try:
        out = a**k
        return out, (k * a ** (k - 1.0),)
    except OverflowError:
        raise OverflowError(f"pow: {a!r} ** {k!r} overflows a float") from None


def pow(a: float, b: float) -> Rule:
    """a ** b with both sides variable; d/da = b * a**(b-1), d/db = out * ln a."""
    if a > 0.0:
        try:
            out = a**b
            return out, (b * a ** (b - 1.0), out * math.log(a))
        except OverflowError:
            raise OverflowError(f"pow: {a!r} ** {b!r} overflows a float") from None
    if math.isnan(a):  # NaN in, NaN out: inputs may be non-finite (see backward's check_finite)
        return a, (a, a)
    if a == 0.0 and b > 0.0:
        # NOTE: 0 ** b is 0 for every b > 0, so d/db is exactly 0 there.
        return 0.0, (b * 0.0 ** (b - 1.0) if b >= 1.0 else math.inf, 0.0)
    raise domain_error(
        "pow",
        f"base {a!r} must be > 0 (or 0 with a positive exponent) when the exponent {b!r} "
        "is differentiable",
    )


# --- elementary functions ---


def exp(a: float) -> Rule:
    try:
        out = math.exp(a)
    except OverflowError:
        raise OverflowError(f"exp: exp({a!r}) overflows a float") from None
    return out, (out,)


def log(a: float) -> Rule:
    if not a > 0.0 and not math.isnan(a):
        raise domain_error("log", f"input must be > 0, got {a!r}")
    return math.log(a), (1.0 / a,)


def sqrt(a: float) -> Rule:
    if a < 0.0:
        raise domain_error("sqrt", f"input must be >= 0, got {a!r}")
    out = math.sqrt(a)
    return out, (0.5 / out if out else math.inf,)


def tanh(a: float) -> Rule:
    t = math.tanh(a)
    return t, (1.0 - t * t,)


def _sigmoid(a: float) -> float:
    # NOTE: two branches so that exp never overflows: e**-a for a >= 0, e**a for a < 0.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def sigmoid(a: float) -> Rule:
    s = _sigmoid(a)
    return s, (s * (1.0 - s),)


def softplus(a: float) -> Rule:
    out = max(a, 0.0) + math.log1p(math.exp(-abs(a)))
    return out, (_sigmoid(a),)


def relu(a: float) -> Rule:
    if a > 0.0:
        return a, (1.0,)
    return (a if math.isnan(a) else 0.0), (0.0,)  # NOTE: NaN stays NaN, as in PyTorch


def leaky_relu(a: float, slope: float) -> Rule:
    return (a, (1.0,)) if a > 0.0 else (slope * a, (slope,))


def abs_(a: float) -> Rule:
    if a > 0.0:
        return a, (1.0,)
    if a < 0.0:
        return -a, (-1.0,)
    return (0.0, (0.0,)) if a == 0.0 else (a, (a,))  # NOTE: NaN in, NaN out


def sin(a: float) -> Rule:
    if math.isinf(a):
        raise domain_error("sin", f"input must be finite, got {a!r}")
    return math.sin(a), (math.cos(a),)


def cos(a: float) -> Rule:
    if math.isinf(a):
        raise domain_error("cos", f"input must be finite, got {a!r}")
    return math.cos(a), (-math.sin(a),)


# --- many inputs, one node ---


def sum_(*terms: float) -> Rule:
    return sum(terms), (1.0,) * len(terms)


def dot(*args: float) -> Rule:
    """c + sum_i w_i x_i, args = (w_1..w_n, x_1..x_n, c); d/dw_i = x_i, d/dx_i = w_i, d/dc = 1."""
    n = (len(args) - 1) // 2
    w, x = args[:n], args[n : 2 * n]
    # NOTE: summed left to right from c, like micrograd's Neuron, by the built-in sum.
    return sum(map(_mul, w, x), args[-1]), (*x, *w, 1.0)


# --- the table: rule beside its graph form (inputs are Values there, constants included) ---

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("add", add, lambda out, a, b: (1.0, 1.0), lambda a, b: (f"{a} + {b}", ("1.0", "1.0"))),
        Op("sub", sub, lambda out, a, b: (1.0, -1.0), lambda a, b: (f"{a} - {b}", ("1.0", "-1.0"))),
        Op("mul", mul, lambda out, a, b: (b, a), lambda a, b: (f"{a} * {b}", (b, a))),
        Op("div", div, lambda out, a, b: (1.0 / b, -a / (b * b))),
        Op("neg", neg, lambda out, a: (-1.0,), lambda a: (f"-{a}", ("-1.0",))),
        Op("pow", pow_number, lambda out, a, k: _pow_graph(a, float(k))),
        Op("powv", pow, lambda out, a, b: (b * a ** (b - 1.0), out * a.log())),
        Op("exp", exp, lambda out, a: (out,)),
        Op("log", log, lambda out, a: (1.0 / a,)),
        Op("sqrt", sqrt, lambda out, a: (0.5 / out,)),
        Op("tanh", tanh, lambda out, a: (1.0 - out * out,)),
        Op("sigmoid", sigmoid, lambda out, a: (out * (1.0 - out),)),
        Op("softplus", softplus, lambda out, a: (a.sigmoid(),)),
        Op(
            "relu",
            relu,
            lambda out, a: (1.0 if a.data > 0.0 else 0.0,),
            lambda a: (
                f"({a} if {a} > 0.0 or {a} != {a} else 0.0)",
                (f"(1.0 if {a} > 0.0 else 0.0)",),
            ),
        ),
        Op("leaky_relu", leaky_relu, lambda out, a, s: (1.0 if a.data > 0.0 else s,)),
        Op("abs", abs_, lambda out, a: (abs_(a.data)[1][0],)),
        Op("sin", sin, lambda out, a: (a.cos(),)),
        Op("cos", cos, lambda out, a: (-a.sin(),)),
        Op(
            "sum",
            sum_,
            lambda out, *terms: (1.0,) * len(terms),
            lambda *t: (f"sum(({', '.join(t)},))", ("1.0",) * len(t)),
        ),
        Op("dot", dot, lambda out, *args: _dot_graph(args), lambda *args: _dot_source(args)),
    )
}


def _dot_source(args: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    n = (len(args) - 1) // 2
    w, x = ", ".join(args[:n]), ", ".join(args[n : 2 * n])
    return f"sum(map(mul, ({w},), ({x},)), {args[-1]})", (*args[n : 2 * n], *args[:n], "1.0")


def _pow_graph(a: Any, k: float) -> tuple[Any, ...]:
    # NOTE: k stays a number, so a ** (k - 1) is again the constant-exponent op, valid for a < 0.
    return (k * a ** (k - 1.0) if k else 0.0,)


def _dot_graph(args: tuple[Any, ...]) -> tuple[Any, ...]:
    n = (len(args) - 1) // 2
    return (*args[n : 2 * n], *args[:n], 1.0)
