"""Local derivatives written out: ``d out/d input = formula = numbers = value`` for each op.

The text comes from the op's entry in the table (``autograd.ops``): ``display`` is the forward
expression and ``formula`` each input's local derivative, both over ``{0}``, ``{1}``, ... (the
inputs) and ``{out}``. They are filled twice: with names, then with the numbers. An op whose
entry has no formula (a ``define_op`` without ``formula=``) shows the recorded number only.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Sequence
from typing import overload

from autograd.ops import REGISTRY
from autograd.viz.format import format_factor, format_number

Input = tuple[str, float, bool]  # (name, value, is a Value)
_FORMATTER = string.Formatter()


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


def _fill(template: str, parts: Sequence[str], out: str, limit: int | None = None) -> str:
    """The template with its fields filled from ``parts`` (read only where a field asks, so a
    sum of 1,000 inputs costs what is written); with ``limit``, stops once that many characters
    are written (the caller cuts the rest)."""
    written: list[str] = []
    size = auto = 0
    try:
        for text, field, spec, conversion in _FORMATTER.parse(template):
            written.append(text)
            size += len(text)
            if field is not None:
                if field == "" or field[0] in ".[":  # '{}': numbered in order, as str.format does
                    field, auto = f"{auto}{field}", auto + 1
                obj = _FORMATTER.get_field(field, parts, {"out": out})[0]
                piece = format(_FORMATTER.convert_field(obj, conversion), spec or "")
                written.append(piece)
                size += len(piece)
            if limit is not None and size > limit:
                break
    except (IndexError, KeyError, ValueError, AttributeError, TypeError):
        return template  # a user's template that does not fit its inputs
    return "".join(written)


class _Lazy(Sequence[str]):
    """``f(items[i])`` made when field i is read, kept for the next read."""

    def __init__(self, items: Sequence[Input], f: Callable[[Input], str]) -> None:
        self.items, self.f = items, f
        self.made: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        if i not in self.made:
            self.made[i] = self.f(self.items[i])
        return self.made[i]


def expression(op: str, names: Sequence[str], limit: int | None = None) -> str:
    """The op applied to its inputs' names, for a heading: ``a·b``, ``tanh(u)``; with ``limit``,
    only about that many characters are written (a sum of 1,000 inputs is cut, not built)."""
    display, _ = _templates(op, len(names))
    grouped = _Lazy([(n, 0.0, True) for n in names], lambda x: _group(x[0]))
    return _fill(display, grouped, out="out", limit=limit)


def local_formulas(
    op: str,
    out_name: str,
    out: float,
    inputs: Sequence[Input],
    locals_: Sequence[float],
    which: Iterable[int] | None = None,
) -> list[str]:
    """One line per Value input: ``d out/d x = symbols = numbers = local``.

    ``inputs`` lists every input of the op as (name, value, is_a_Value), constants included, in
    the rule's order; ``locals_`` holds the recorded local derivative of each Value input.
    ``which`` picks the lines wanted (the k-th Value input's), so a node with 1,000 inputs
    writes only the lines shown.
    """
    display, formulas = _templates(op, len(inputs))
    names = _Lazy(inputs, lambda x: _group(x[0]))
    numbers = _Lazy(inputs, lambda x: format_factor(x[1]))
    values = [i for i, x in enumerate(inputs) if x[2]]
    # d tanh(u)/du for one input; dy/da for several, where y names the output
    unary = len(values) == 1 and bool(formulas)
    made: list[str] = []

    def forward() -> str:  # written only for a line that shows it (a sum's is long)
        if not made:
            made.append(_fill(display, names, out="out"))
        return made[0]

    count = min(len(values), len(locals_))
    lines = []
    for k in range(count) if which is None else which:
        i, local = values[k], locals_[k]
        name = inputs[i][0]
        head = f"d {_group(forward())}/d{name}" if unary else f"d{out_name}/d{name}"
        steps = [head]
        if i < len(formulas):
            symbols = _group(forward()) if unary or "{out" in formulas[i] else "out"
            steps.append(_fill(formulas[i], names, out=symbols))
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
