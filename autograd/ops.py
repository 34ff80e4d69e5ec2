"""The op table: every primitive operation, written once, with all that anyone needs to know of it.

Each entry of ``OPS`` (an ``Op``) holds, side by side:

- ``rule(*floats) -> (out, local)``: the forward value and ``local[i] = d out / d input_i``;
- ``local_expr(out, *inputs)``: the same local derivatives as engine expressions on Values (what
  ``grad(grad(f))`` differentiates), or None for a first-order-only op;
- ``source(*names)``: the rule as Python text over its inputs' names, for ops that the tracer
  (``autograd.tracing``) writes out inline; n-ary ops also take ``pack``, which names a tuple;
- ``js``: the rule in JavaScript, a function text ``(a, b) => [out, [locals]]`` that throws
  ``fail(kind, message)`` where the rule raises (same message); it may call the helpers in
  ``JS_HELPERS`` (Python's ``**``, ``sum`` and stable sigmoid). ``autograd.web`` runs it in pages;
- ``symbol`` (what a drawing shows) and ``kind`` ("arithmetic", "function", "activation" or
  "reduction"; drawings group a neuron's activation by it);
- ``display`` and ``formula``: the forward expression and each local derivative as text over
  ``{0}``, ``{1}``, ... (the inputs) and ``{out}``, which the explorer fills with names, then
  numbers (``"1 - {out}²"`` reads ``1 - tanh(u)²``, then ``1 - 0.46²``); for many inputs,
  functions of their count.

A new op is one entry here plus, at most, the one line in ``value.py`` that exposes it as a
method; ``define_op`` adds a user's op to ``REGISTRY`` the same way. Imports only the standard
library.

| op         | out                 | local derivative(s)    | domain / convention                |
|------------|---------------------|------------------------|------------------------------------|
| add, sub   | a + b, a - b        | 1, +-1                 | -                                  |
| mul        | a * b               | b, a                   | -                                  |
| div        | a / b               | 1/b, -a/b**2           | b = 0 -> ZeroDivisionError         |
| neg        | -a                  | -1                     | -                                  |
| pow        | a ** k, k a number  | k * a**(k-1)           | a < 0, k not integer -> ValueError |
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

NaN in gives NaN out (and a NaN slope) for every op.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from operator import mul as _mul
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .value import Value

Number = int | float
Rule = tuple[float, tuple[float, ...]]
Source = tuple[str, tuple[str, ...]]  # (out, locals) as Python expressions
Template = tuple[str, ...] | Callable[[int], tuple[str, ...]]  # per input; n-ary: from a count


class Op(NamedTuple):
    """One primitive: its float rule and the same derivatives in the other forms it is used in."""

    name: str
    rule: Callable[..., Rule]
    local_expr: Callable[..., tuple[Any, ...]] | None = None  # (out, *inputs) -> locals, Values
    source: Callable[..., Source] | None = None  # (*input names) -> (out, locals), as text
    symbol: str = ""  # drawn instead of the name when set
    kind: str = "function"  # arithmetic, function, activation or reduction
    js: str | None = None  # the rule as a JavaScript function text (see JS_HELPERS)
    formula: Template = ()  # d out / d input_i as text over {0}, {1}, ... and {out}
    display: str | Callable[[int], str] = ""  # the forward as text; '' shows name({0}, ...)


def domain_error(op: str, message: str) -> ValueError:
    """A ValueError that names the operation and the offending value."""
    return ValueError(f"{op}: {message}")


def as_float(x: object) -> float:
    """A plain number as a float; anything else (str, None, bool, list, Value) is a TypeError."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"the number {x!r:.40} is too large for a float") from None
    raise TypeError(f"expected an int or float, got {type(x).__name__} {x!r:.80}")


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


_DIV_JS = """(a, b) => {
  if (b === 0) throw fail("ZeroDivisionError", `div: division by zero (${repr(a)} / ${repr(b)})`);
  const inv = 1 / b;
  return [a / b, [inv, -a * inv * inv]];
}"""


def neg(a: float) -> Rule:
    return -a, (-1.0,)


def pow(a: float, k: float) -> Rule:
    """a ** k for a constant exponent k; d/da = k * a**(k-1)."""
    if k == 0.0:  # a ** 0 = 1 for every a, NaN included, as Python has it
        return 1.0, (0.0,)
    if a != a or k != k:
        return math.nan, (math.nan,)
    if a == 0.0:
        if k < 0.0:
            raise ZeroDivisionError(f"pow: 0.0 ** {k!r} (zero to a negative power)")
        # NOTE: the slope of a**k at 0 is infinite for 0 < k < 1, as in PyTorch.
        return 0.0, (k * 0.0 ** (k - 1.0) if k >= 1.0 else math.inf,)
    if a < 0.0 and not float(k).is_integer():
        raise domain_error("pow", f"negative base {a!r} to the non-integer power {k!r}")
    out = _power(a, k)
    return out, (k * _slope_power(a, k - 1.0),)


_POW_JS = """(a, k) => {
  if (k === 0) return [1, [0]];
  if (a !== a || k !== k) return [NaN, [NaN]];
  if (a === 0) {
    if (k < 0) throw fail("ZeroDivisionError", `pow: 0.0 ** ${repr(k)} (zero to a negative power)`);
    return [0, [k >= 1 ? k * pypow(0, k - 1) : Infinity]];
  }
  if (a < 0 && !Number.isInteger(k)) {
    throw fail("ValueError", `pow: negative base ${repr(a)} to the non-integer power ${repr(k)}`);
  }
  return [power(a, k), [k * pypow(a, k - 1)]];
}"""


def powv(a: float, b: float) -> Rule:
    """a ** b with both sides variable; d/da = b * a**(b-1), d/db = out * ln a."""
    if a != a or b != b:  # NaN in, NaN out
        return math.nan, (math.nan, math.nan)
    if a > 0.0:
        out = _power(a, b)
        return out, (b * _slope_power(a, b - 1.0), out * math.log(a))
    if a == 0.0 and b > 0.0:
        # NOTE: 0 ** b is 0 for every b > 0, so d/db is exactly 0 there.
        return 0.0, (b * 0.0 ** (b - 1.0) if b >= 1.0 else math.inf, 0.0)
    raise domain_error(
        "pow",
        f"base {a!r} must be > 0 (or 0 with a positive exponent) when the exponent {b!r} "
        "is differentiable",
    )


_POWV_JS = """(a, b) => {
  if (a !== a || b !== b) return [NaN, [NaN, NaN]];
  if (a > 0) {
    const out = power(a, b);
    return [out, [b * pypow(a, b - 1), out * Math.log(a)]];
  }
  if (a === 0 && b > 0) return [0, [b >= 1 ? b * pypow(0, b - 1) : Infinity, 0]];
  throw fail("ValueError", `pow: base ${repr(a)} must be > 0 (or 0 with a positive exponent) ` +
    `when the exponent ${repr(b)} is differentiable`);
}"""


def _power(a: float, k: float) -> float:
    try:
        return float(a**k)
    except OverflowError:
        raise OverflowError(f"pow: {a!r} ** {k!r} overflows a float") from None


def _slope_power(a: float, k: float) -> float:
    """a ** k inside a slope: past the largest float it is infinite (the value itself is not)."""
    try:
        return float(a**k)
    except OverflowError:
        return math.copysign(math.inf, a if float(k).is_integer() and k % 2 else 1.0)


# The JavaScript twins of _power, _slope_power and _sigmoid, and Python's sum() of floats, for
# the ``js`` forms below. ``fail(kind, message)`` and ``repr(x)`` (Python's float repr) come from
# the page's engine; COMPENSATED is true where Python's sum() is compensated (3.12 and later).
JS_HELPERS = """\
// C's pow, as Python's float ** has it: 1 ** k = 1 and (-1) ** +-inf = 1 (Math.pow says NaN).
// Past the largest float it is +-inf, as _slope_power has it.
function pypow(a, k) {
  if (a === 1 || (a === -1 && (k === Infinity || k === -Infinity))) return 1;
  return Math.pow(a, k);
}
// a ** k as a value: overflow from finite numbers is an error, as in Python.
function power(a, k) {
  const out = pypow(a, k);
  if (!isFinite(out) && isFinite(a) && isFinite(k)) {
    throw fail("OverflowError", `pow: ${repr(a)} ** ${repr(k)} overflows a float`);
  }
  return out;
}
// Two branches so that exp never overflows: e**-a for a >= 0, e**a for a < 0.
function sigmoid(a) {
  if (a >= 0) return 1 / (1 + Math.exp(-a));
  const e = Math.exp(a);
  return e / (1 + e);
}
// Python's sum(xs, start) over floats, left to right: plain before 3.12, then Neumaier's
// compensated sum (CPython's bltinmodule.c). xs is read from index first on.
function pysum(start, xs, first) {
  let f = start, c = 0;
  for (let i = first; i < xs.length; i++) {
    const x = xs[i];
    if (!COMPENSATED) { f += x; continue; }
    const t = f + x;
    c += Math.abs(f) >= Math.abs(x) ? (f - t) + x : (x - t) + f;
    f = t;
  }
  return c !== 0 && isFinite(c) ? f + c : f;
}
"""


# --- elementary functions ---


def exp(a: float) -> Rule:
    try:
        out = math.exp(a)
    except OverflowError:
        raise OverflowError(f"exp: exp({a!r}) overflows a float") from None
    return out, (out,)


_EXP_JS = """(a) => {
  const out = Math.exp(a);
  if (out === Infinity && a !== Infinity) {
    throw fail("OverflowError", `exp: exp(${repr(a)}) overflows a float`);
  }
  return [out, [out]];
}"""


def log(a: float) -> Rule:
    if not a > 0.0 and a == a:
        raise domain_error("log", f"input must be > 0, got {a!r}")
    return math.log(a), (1.0 / a,)


_LOG_JS = """(a) => {
  if (!(a > 0) && a === a) throw fail("ValueError", `log: input must be > 0, got ${repr(a)}`);
  return [Math.log(a), [1 / a]];
}"""


def sqrt(a: float) -> Rule:
    if a < 0.0:
        raise domain_error("sqrt", f"input must be >= 0, got {a!r}")
    out = math.sqrt(a)
    return out, (0.5 / out if out else math.inf,)


_SQRT_JS = """(a) => {
  if (a < 0) throw fail("ValueError", `sqrt: input must be >= 0, got ${repr(a)}`);
  const out = Math.sqrt(a);
  return [out, [out !== 0 ? 0.5 / out : Infinity]];  // NaN is true in Python's "if out"
}"""


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


# NOTE: max(a, 0.0) keeps a NaN (and -0.0), as Python's max does; Math.max would not.
_SOFTPLUS_JS = "(a) => [(0 > a ? 0 : a) + Math.log1p(Math.exp(-Math.abs(a))), [sigmoid(a)]]"


def relu(a: float) -> Rule:
    if a > 0.0:
        return a, (1.0,)
    return (0.0, (0.0,)) if a == a else (a, (a,))  # NOTE: NaN in, NaN out and NaN slope


def leaky_relu(a: float, slope: float) -> Rule:
    if a > 0.0:
        return a, (1.0,)
    return (slope * a, (slope,)) if a == a else (a, (a,))  # NOTE: NaN in, NaN out


def abs_(a: float) -> Rule:
    if a > 0.0:
        return a, (1.0,)
    if a < 0.0:
        return -a, (-1.0,)
    return (0.0, (0.0,)) if a == 0.0 else (a, (a,))  # NOTE: NaN in, NaN out


_ABS_JS = "(a) => a > 0 ? [a, [1]] : a < 0 ? [-a, [-1]] : a === 0 ? [0, [0]] : [a, [a]]"


def sin(a: float) -> Rule:
    if math.isinf(a):
        raise domain_error("sin", f"input must be finite, got {a!r}")
    return math.sin(a), (math.cos(a),)


_SIN_JS = """(a) => {
  if (a === Infinity || a === -Infinity) {
    throw fail("ValueError", `sin: input must be finite, got ${repr(a)}`);
  }
  return [Math.sin(a), [Math.cos(a)]];
}"""


def cos(a: float) -> Rule:
    if math.isinf(a):
        raise domain_error("cos", f"input must be finite, got {a!r}")
    return math.cos(a), (-math.sin(a),)


_COS_JS = """(a) => {
  if (a === Infinity || a === -Infinity) {
    throw fail("ValueError", `cos: input must be finite, got ${repr(a)}`);
  }
  return [Math.cos(a), [-Math.sin(a)]];
}"""


# --- many inputs, one node ---


def sum_(*terms: float) -> Rule:
    return sum(terms), (1.0,) * len(terms)


def dot(*args: float) -> Rule:
    """c + sum_i w_i x_i, args = (w_1..w_n, x_1..x_n, c); d/dw_i = x_i, d/dx_i = w_i, d/dc = 1."""
    n = (len(args) - 1) // 2
    w, x = args[:n], args[n : 2 * n]
    # NOTE: summed left to right from c, like micrograd's Neuron, by the built-in sum.
    return sum(map(_mul, w, x), args[-1]), (*x, *w, 1.0)


_SUM_JS = "(...t) => [t.length ? pysum(0 + t[0], t, 1) : 0, t.map(() => 1)]"

_DOT_JS = """(...args) => {
  const n = (args.length - 1) >> 1, w = args.slice(0, n), x = args.slice(n, 2 * n);
  return [pysum(args[2 * n], w.map((wi, i) => wi * x[i]), 0), [...x, ...w, 1]];
}"""


def pack(names: Sequence[str]) -> str:
    """A tuple display of ``names`` (``(a, b,)``); the tracer passes its own, which hoists."""
    return f"({', '.join(names)},)" if names else "()"


def _sum_source(*t: str, pack: Callable[[Sequence[str]], str] = pack) -> Source:
    return f"sum({pack(t)})", ("1.0",) * len(t)


def _dot_source(*t: str, pack: Callable[[Sequence[str]], str] = pack) -> Source:
    n = (len(t) - 1) // 2
    w, x = t[:n], t[n : 2 * n]
    return f"sum(map(mul, {pack(w)}, {pack(x)}), {t[-1]})", (*x, *w, "1.0")


def _pow_expr(a: Any, k: float) -> tuple[Any, ...]:
    # NOTE: k stays a number (a constant: its _data is no traced number), so a ** (k - 1) is
    # again the constant-exponent op, valid for a < 0.
    return (k * a ** (k - 1.0) if k else 0.0,)


def _powv_expr(out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    # NOTE: at a = 0 (b > 0) d/db is exactly 0, as in the rule; ln 0 is never taken.
    # NOTE: Value comparisons, not .data: in a trace they become guards, so nothing is frozen.
    return (b * a ** (b - 1.0), out * a.log() if not (a >= 0.0 and a <= 0.0) else 0.0)


# NOTE: the piecewise-constant locals by comparisons, not by reading .data: in a trace they
# become guards, so nothing is frozen. As the rules: NaN slope for NaN.
def _kink(a: Any, low: Any) -> Any:  # relu's (low 0) and leaky_relu's (low s) local
    return 1.0 if a > 0.0 else low if a <= 0.0 else math.nan


def _sign(a: Any) -> Any:  # abs's local
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0 if a >= 0.0 else math.nan


def _dot_expr(args: tuple[Any, ...]) -> tuple[Any, ...]:
    n = (len(args) - 1) // 2
    return (*args[n : 2 * n], *args[:n], 1.0)


def _dot_text(n: int) -> tuple[str, tuple[str, ...]]:
    """dot's display and formulas over its n inputs (w_1..w_k, x_1..x_k, c)."""
    k = (n - 1) // 2
    terms = [f"{{{i}}}·{{{k + i}}}" for i in range(k)]
    return " + ".join([*terms, f"{{{n - 1}}}"]), (
        *(f"{{{k + i}}}" for i in range(k)),
        *(f"{{{i}}}" for i in range(k)),
        "1",
    )


# --- the table: every view of an op in one entry (inputs are Values in local_expr) ---
# NOTE: laid out by hand, one op to a line or two, so that it reads as a table.

# fmt: off
OPS: dict[str, Op] = {op.name: op for op in (
    Op("add", add, lambda out, a, b: (1.0, 1.0), lambda a, b: (f"{a} + {b}", ("1.0", "1.0")),
       symbol="+", kind="arithmetic", js="(a, b) => [a + b, [1, 1]]",
       formula=("1", "1"), display="{0} + {1}"),
    Op("sub", sub, lambda out, a, b: (1.0, -1.0), lambda a, b: (f"{a} - {b}", ("1.0", "-1.0")),
       symbol="−", kind="arithmetic", js="(a, b) => [a - b, [1, -1]]",
       formula=("1", "-1"), display="{0} - {1}"),
    Op("mul", mul, lambda out, a, b: (b, a), lambda a, b: (f"{a} * {b}", (b, a)),
       symbol="×", kind="arithmetic", js="(a, b) => [a * b, [b, a]]",
       formula=("{1}", "{0}"), display="{0}·{1}"),
    Op("div", div, lambda out, a, b: (1.0 / b, -a / (b * b)), symbol="÷", kind="arithmetic",
       js=_DIV_JS, formula=("1/{1}", "-{0}/{1}²"), display="{0}/{1}"),
    Op("neg", neg, lambda out, a: (-1.0,), lambda a: (f"-{a}", ("-1.0",)),
       symbol="−x", kind="arithmetic", js="(a) => [-a, [-1]]",
       formula=("-1",), display="-{0}"),
    Op("pow", pow, lambda out, a, k: _pow_expr(a, k._data), symbol="^", kind="arithmetic",
       js=_POW_JS, formula=("{1}·{0}^({1}-1)",), display="{0}^{1}"),
    Op("powv", powv, _powv_expr, symbol="^", kind="arithmetic", js=_POWV_JS,
       formula=("{1}·{0}^({1}-1)", "{out}·ln {0}"), display="{0}^{1}"),
    Op("exp", exp, lambda out, a: (out,), kind="activation", js=_EXP_JS, formula=("{out}",)),
    Op("log", log, lambda out, a: (1.0 / a,), js=_LOG_JS, formula=("1/{0}",), display="ln({0})"),
    Op("sqrt", sqrt, lambda out, a: (0.5 / out,), js=_SQRT_JS, formula=("1/(2·{out})",)),
    Op("tanh", tanh, lambda out, a: (1.0 - out * out,), kind="activation",
       js="(a) => { const t = Math.tanh(a); return [t, [1 - t * t]]; }",
       formula=("1 - {out}²",)),
    Op("sigmoid", sigmoid, lambda out, a: (out * (1.0 - out),), kind="activation",
       js="(a) => { const s = sigmoid(a); return [s, [s * (1 - s)]]; }",
       formula=("{out}·(1 - {out})",), display="σ({0})"),
    Op("softplus", softplus, lambda out, a: (a.sigmoid(),), kind="activation", js=_SOFTPLUS_JS,
       formula=("σ({0})",)),
    Op("relu", relu, lambda out, a: (_kink(a, 0.0),),
       lambda a: (f"({a} if {a} > 0.0 or {a} != {a} else 0.0)",
                  (f"(1.0 if {a} > 0.0 else 0.0 if {a} == {a} else {a})",)),
       kind="activation", js="(a) => a > 0 ? [a, [1]] : a === a ? [0, [0]] : [a, [a]]",
       formula=("1 if {0} > 0 else 0",)),
    Op("leaky_relu", leaky_relu, lambda out, a, s: (_kink(a, s),),
       kind="activation", js="(a, s) => a > 0 ? [a, [1]] : a === a ? [s * a, [s]] : [a, [a]]",
       formula=("1 if {0} > 0 else {1}",)),
    Op("abs", abs_, lambda out, a: (_sign(a),), js=_ABS_JS,
       formula=("sign({0})",), display="|{0}|"),
    Op("sin", sin, lambda out, a: (a.cos(),), kind="activation", js=_SIN_JS,
       formula=("cos({0})",)),
    Op("cos", cos, lambda out, a: (-a.sin(),), kind="activation", js=_COS_JS,
       formula=("-sin({0})",)),
    Op("sum", sum_, lambda out, *t: (1.0,) * len(t), _sum_source, kind="reduction",
       js=_SUM_JS, formula=lambda n: ("1",) * n,
       display=lambda n: " + ".join(f"{{{i}}}" for i in range(n))),
    Op("dot", dot, lambda out, *args: _dot_expr(args), _dot_source, kind="reduction",
       js=_DOT_JS, formula=lambda n: _dot_text(n)[1], display=lambda n: _dot_text(n)[0]),
)}
# fmt: on

KINDS = frozenset({"arithmetic", "function", "activation", "reduction"})

# --- the registry: the built-in ops plus the user's own ---

REGISTRY: dict[str, Op] = dict(OPS)


def define_op(
    name: str,
    rule: Callable[..., Rule],
    local_expr: Callable[..., tuple[Any, ...]] | None = None,
    *,
    kind: str = "function",
    symbol: str = "",
    js: str | None = None,
    formula: Template = (),
    display: str | Callable[[int], str] = "",
) -> Callable[..., Value]:
    """Register an op of your own and return a function that applies it to Values and numbers.

    ``rule(*floats) -> (out, local)`` gives the value and d out / d input_i as floats, exactly
    like the built-in rules above. ``local_expr(out, *inputs) -> local`` is optional: the same
    derivatives written with Value operations, needed only for higher-order derivatives.
    ``kind="activation"`` lets drawings count it as a neuron's activation; ``symbol`` is what
    they show for it. ``js`` is the rule in JavaScript, in the form of the built-ins' ``js``
    (``"(a, b) => [out, [d out/da, d out/db]]"``): without it a page that recomputes the graph
    (``explore``) shows it read-only. ``formula`` (one text per input over ``{0}``, ``{1}``, ...
    and ``{out}``, e.g. ``("3·{0}²",)``) and ``display`` (``"{0}³"``) are what the explorer
    writes out. Your own ops may be redefined (re-run a cell); built-ins may not. The returned
    function's ``.op`` is the registered ``Op``.
    """
    if not isinstance(name, str) or not name:
        raise ValueError("define_op: name must be a non-empty string")
    if name in OPS:
        raise ValueError(f"define_op: {name!r} is a built-in op; choose another name")
    if not callable(rule):
        raise TypeError(f"define_op: rule must be callable, got {type(rule).__name__}")
    if kind not in KINDS:
        raise ValueError(f"define_op: kind must be one of {sorted(KINDS)}, got {kind!r}")
    if js is not None and not isinstance(js, str):
        raise TypeError(f"define_op: js must be JavaScript text (a str), got {type(js).__name__}")
    if not (callable(formula) or isinstance(formula, tuple)):
        raise TypeError(f"define_op: formula must be a tuple of str, got {type(formula).__name__}")
    from .nary import apply, keyed  # NOTE: Values sit above the table; only user ops need them

    op = Op(name, _checked(name, rule), local_expr, symbol=str(symbol), kind=kind, js=js)
    op = keyed(op._replace(formula=formula, display=display))  # nodes keep this very Op
    REGISTRY[name] = op

    def apply_op(*inputs: Any) -> Value:
        return apply(op, *inputs)

    apply_op.__name__ = name
    apply_op.op = op  # type: ignore[attr-defined]
    apply_op.__doc__ = f"Apply the op {name!r}." + (f"\n\n{rule.__doc__}" if rule.__doc__ else "")
    return apply_op


def _checked(name: str, rule: Callable[..., Any]) -> Callable[..., Rule]:
    """A user's rule, made to return ``(float, tuple of floats)`` as the built-in rules do."""

    def checked(*xs: float) -> Rule:
        result = rule(*xs)
        try:
            out, local = result
            return as_float(out), tuple(map(as_float, local))
        except (TypeError, ValueError) as e:
            raise TypeError(f"{name}: a rule must return (out, local derivatives): {e}") from None

    checked.__doc__ = rule.__doc__
    return checked
