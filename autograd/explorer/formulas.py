"""Local derivatives written out: ``d out/d input = formula = numbers = value`` for each op.

The text comes from the op's entry in the table (``autograd.ops``): ``display`` is the forward
expression and ``formula`` each input's local derivative, both over ``{0}``, ``{1}``, ... (the
inputs) and ``{out}``. They are filled twice: with names, then with the numbers. An op whose
entry has no formula (a ``define_op`` without ``formula=``) shows the recorded number only.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd.ops import REGISTRY
from autograd.viz.format import format_factor, format_number

Input = tuple[str, float, bool]  # (name, value, is a Value)


def _templates(op: str, n: int) -> tuple[str, tuple[str, ...]]:
    """(display, formulas) of the op for n inputs, from its table entry."""
    entry = REGISTRY.get(op)
    display = getattr(entry, "display", "") or ""
    formula = getattr(entry, "formula", ()) or ()
    if callable(display):
        display = display(n)
    if not display:
        display = f"{op}(" + ", ".join(f"{{{i}}}" for i in range(n)) + ")"
    if callable(formula):
        formula = formula(n)
    return str(display), tuple(formula)


def _fill(template: str, parts: Sequence[str], out: str) -> str:
    try:
        return template.format(*parts, out=out)
    except (IndexError, KeyError, ValueError):  # a user's template that does not fit its inputs
        return template


def expression(op: str, names: Sequence[str]) -> str:
    """The op applied to its inputs' names, for a heading: ``a·b``, ``tanh(u)``."""
    display, _ = _templates(op, len(names))
    return _fill(display, [_group(n) for n in names], out="out")


def local_formulas(
    op: str,
    out_name: str,
    out: float,
    inputs: Sequence[Input],
    locals_: Sequence[float],
) -> list[str]:
    """One line per Value input: ``d out/d x = symbols = numbers = local``.

    ``inputs`` lists every input of the op as (name, value, is_a_Value), constants included, in
    the rule's order; ``locals_`` holds the recorded local derivative of each Value input.
    """
    display, formulas = _templates(op, len(inputs))
    names = [_group(n) for n, _, _ in inputs]
    numbers = [format_factor(x) for _, x, _ in inputs]
    forward = _fill(display, names, out="out")
    unary = sum(1 for x in inputs if x[2]) == 1 and bool(formulas)
    lines = []
    values = [i for i, x in enumerate(inputs) if x[2]]
    for i, local in zip(values, locals_, strict=False):
        name = inputs[i][0]
        # d tanh(u)/du for one input; dy/da for several, where y names the output
        head = f"d {_group(forward)}/d{name}" if unary else f"d{out_name}/d{name}"
        steps = [head]
        if i < len(formulas):
            steps.append(_fill(formulas[i], names, out=_group(forward)))
            steps.append(_fill(formulas[i], numbers, out=format_factor(out)))
        steps.append(format_number(local))
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


def _group(name: str) -> str:
    """A name in parentheses unless it is one word, a number or a call, so ``2·(a+b)`` reads
    right and ``tanh(u)²`` stays as it is."""
    if name.replace("_", "").replace(".", "").isalnum() or _number(name) is not None:
        return f"({name})" if name.startswith("-") else name
    head, paren, _ = name.partition("(")
    if paren and head.replace("_", "").isalnum() and _closes_at_end(name, len(head)):
        return name
    return f"({name})"


def _closes_at_end(text: str, start: int) -> bool:
    """The parenthesis at ``start`` is closed by the last character."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i == len(text) - 1
    return False
