"""Local derivatives written out: ``d out/d input = formula = numbers = value`` for each op.

One row per op in ``FORMULAS``: the derivative of ``out = op(a, b)`` with respect to each input,
first in symbols, then with the numbers plugged in. An op without a row (a user op, say) shows
the recorded number only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from autograd.viz.format import format_factor, format_number

# op -> one (symbolic, plugged-in) pair per input. {a}, {b}: the inputs' names; {A}, {B}: their
# values; {O}: the output's value; {o}: the op applied to {a} in symbols (e.g. tanh(u)).
FORMULAS: dict[str, tuple[tuple[str, str], ...]] = {
    "add": (("1", "1"), ("1", "1")),
    "sub": (("1", "1"), ("-1", "-1")),
    "mul": (("{b}", "{B}"), ("{a}", "{A}")),
    "div": (("1/{b}", "1/{B}"), ("-{a}/{b}²", "-{A}/{B}²")),
    "neg": (("-1", "-1"),),
    "pow": (("{k}·{a}^({k}-1)", "{k}·{A}^{km1}"),),
    "powv": (("{b}·{a}^({b}-1)", "{B}·{A}^({B}-1)"), ("{a}^{b}·ln {a}", "{O}·ln {A}")),
    "exp": (("exp({a})", "{O}"),),
    "log": (("1/{a}", "1/{A}"),),
    "sqrt": (("1/(2·sqrt({a}))", "1/(2·{O})"),),
    "tanh": (("1 - tanh({a})²", "1 - {O}²"),),
    "sigmoid": (("σ({a})·(1 - σ({a}))", "{O}·(1 - {O})"),),
    "softplus": (("σ({a})", "σ({A})"),),
    "relu": (("1 if {a} > 0 else 0", "{A} > 0" + "?"),),
    "leaky_relu": (("1 if {a} > 0 else slope", "{A} > 0" + "?"),),
    "abs": (("sign({a})", "sign({A})"),),
    "sin": (("cos({a})", "cos({A})"),),
    "cos": (("-sin({a})", "-sin({A})"),),
}
SYMBOLS = {"add": "+", "sub": "-", "mul": "·", "div": "/"}


def expression(op: str, names: Sequence[str]) -> str:
    """The op applied to its inputs' names, for a heading: ``a · b``, ``tanh(u)``."""
    if op in SYMBOLS and len(names) == 2:
        return f" {SYMBOLS[op]} ".join(names)
    if op == "neg" and len(names) == 1:
        return f"-{names[0]}"
    if op == "pow" and len(names) == 2:
        return f"{_group(names[0])}^{names[1]}"
    if op == "powv" and len(names) == 2:
        return f"{names[0]}^{names[1]}"
    if op == "sum":
        return " + ".join(names)
    return f"{op}({', '.join(names)})"


def local_formulas(
    op: str,
    out_name: str,
    out: float,
    inputs: Sequence[tuple[str, float, bool]],
    locals_: Sequence[float],
) -> list[str]:
    """One line per Value input: ``d out/d x = symbols = numbers = local``.

    ``inputs`` lists every input of the op as (name, value, is_a_Value), constants included, in
    the rule's order; ``locals_`` holds the recorded local derivative of each Value input.
    """
    lines = []
    rows = FORMULAS.get(op)
    values = [(i, x) for i, x in enumerate(inputs) if x[2]]
    unary = len(inputs) == 1 or op in ("pow", "leaky_relu")
    for (i, (name, _, _)), local in zip(values, locals_, strict=False):
        # d tanh(u)/du for one input; do/da for several, where o names the output
        lhs = expression(op, [x[0] for x in inputs]) if unary and rows else out_name
        head = f"d {lhs}/d{name}" if unary and rows else f"d{out_name}/d{name}"
        done = format_number(local)
        symbolic, plugged = _row(op, rows, i, inputs, out, local)
        steps = [head] + [t for t in (symbolic, plugged) if t is not None] + [done]
        kept = [steps[0]]
        for t in steps[1:]:  # drop "= 1 = 1.0": a step that says nothing new
            if _same(t, kept[-1]) and len(kept) > 1:
                kept[-1] = t
            else:
                kept.append(t)
        lines.append(" = ".join(kept))
    return lines


def _number(text: str) -> float | None:
    try:
        return float(text.strip("()"))
    except ValueError:
        return None


def _same(a: str, b: str) -> bool:
    """The same text, or the same number written two ways (1 and 1.0, (-3.0) and -3.0)."""
    x, y = _number(a), _number(b)
    return a == b or (x is not None and x == y)


def _row(
    op: str,
    rows: tuple[tuple[str, str], ...] | None,
    i: int,
    inputs: Sequence[tuple[str, float, bool]],
    out: float,
    local: float,
) -> tuple[str | None, str | None]:
    """(symbols, numbers) for input i, or (None, None) when there is no formula."""
    if op == "sum":
        return "1", None
    if op == "dot" and len(inputs) % 2 == 1:  # (w_1..w_n, x_1..x_n, c)
        n = len(inputs) // 2
        if i == 2 * n:
            return "1", None
        j = i + n if i < n else i - n
        return inputs[j][0], format_number(inputs[j][1])
    if rows is None or i >= len(rows):
        return None, None
    symbolic, plugged = rows[i]
    fill = _fill(op, inputs, out)
    if plugged.endswith("?"):  # relu and leaky_relu: say which side of the kink
        side = ">" if inputs[0][1] > 0 else "<="
        return symbolic.format_map(fill), f"({fill['a']} = {fill['A']} {side} 0)"
    return symbolic.format_map(fill), plugged.format_map(fill)


def _fill(op: str, inputs: Sequence[tuple[str, float, bool]], out: float) -> Mapping[str, Any]:
    a = inputs[0] if inputs else ("a", 0.0, True)
    b = inputs[1] if len(inputs) > 1 else ("b", 0.0, True)
    fill = {
        "a": _group(a[0]),
        "b": _group(b[0]),
        "A": format_factor(a[1]),
        "B": format_factor(b[1]),
        "O": format_factor(out),
    }
    if op == "pow":
        k = b[1]
        fill["k"] = format_number(k)
        fill["km1"] = format_factor(k - 1.0)
    return fill


def _group(name: str) -> str:
    """A name in parentheses when it is not one word, so that ``2·(a+b)`` reads right."""
    return name if name.replace("_", "").replace(".", "").isalnum() else f"({name})"
