"""``explain(output, wrt)``: d output / d wrt written out as the chain rule assembles it.

d output / d wrt = sum over every path wrt -> ... -> output of the product of the local
derivatives along it. For a small graph this lists each path with its numbers and checks the
sum against the engine's own gradient.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .functional import gradients
from .graph import topological_order
from .value import Value
from .viz.format import format_factor, format_number
from .viz.names import Names, as_names, auto_names


@dataclass(frozen=True)
class ChainPath:
    """One path from wrt to the output and the local derivative along each of its edges."""

    nodes: tuple[Value, ...]  # wrt first, output last
    locals: tuple[float, ...]  # locals[i] = d nodes[i+1] / d nodes[i]

    @property
    def product(self) -> float:
        p = 1.0
        for d in self.locals:
            p *= d
        return p


@dataclass(frozen=True)
class Explanation:
    """The paths, their sum and the engine's gradient; ``str()`` is the worked text."""

    paths: tuple[ChainPath, ...]
    total: float  # sum of the path products
    engine: float  # d output / d wrt from autograd.gradients
    text: str

    @property
    def matches(self) -> bool:
        """The path sum equals the engine's gradient up to rounding in the sums."""
        return _agree(self.total, self.engine, self.paths)

    def __str__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython shows the text
        printer.text(self.text)


def _agree(total: float, engine: float, paths: tuple[ChainPath, ...] | list[ChainPath]) -> bool:
    """Equal up to rounding when both are finite; otherwise the same inf, or both NaN."""
    if not (math.isfinite(total) and math.isfinite(engine)):
        return total == engine or (math.isnan(total) and math.isnan(engine))
    scale = max([1.0, abs(engine)] + [abs(p.product) for p in paths])
    return abs(total - engine) <= 1e-9 * scale


def count_paths(output: Value, wrt: Value, order: list[Value] | None = None) -> int:
    """How many paths lead from wrt to output (each use of an input is its own edge)."""
    order = topological_order(output) if order is None else order
    count: dict[Value, int] = {wrt: 1}
    for v in order:
        if v is wrt:
            continue
        n = sum(count.get(p, 0) for p in v._parents)
        if n:
            count[v] = n
    return count.get(output, 0)


def explain(
    output: Value,
    wrt: Value,
    *,
    names: Names = None,
    max_paths: int = 64,
) -> Explanation:
    """Every path from ``wrt`` to ``output``, the local derivatives along it, their product and
    the sum; ValueError when there are more than ``max_paths`` paths (too many to read)."""
    for arg, what in ((output, "output"), (wrt, "wrt")):
        if not isinstance(arg, Value):
            raise TypeError(f"explain: {what} must be a Value, got {type(arg).__name__}")
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1:
        raise ValueError(f"explain: max_paths must be a positive int, got {max_paths!r}")
    order = topological_order(output)
    n = count_paths(output, wrt, order)
    if n > max_paths:
        raise ValueError(
            f"explain: {n} paths lead from wrt to output, more than max_paths={max_paths}; "
            "explain a smaller graph (or raise max_paths)"
        )
    named = as_names(names, "explain")
    label = auto_names(order, named)
    if wrt not in label:
        label[wrt] = (named or {}).get(wrt) or wrt.label or "wrt"
    paths = _paths(output, wrt, order)
    total = 0.0
    for p in paths:
        total += p.product
    engine = float(gradients(output, [wrt])[0])
    text = _text(output, wrt, paths, total, engine, label)
    return Explanation(tuple(paths), total, engine, text)


def _paths(output: Value, wrt: Value, order: list[Value]) -> list[ChainPath]:
    """All paths, found backwards from the output through nodes that wrt reaches (no recursion)."""
    reached = {wrt}
    for v in order:
        if any(p in reached for p in v._parents):
            reached.add(v)
    if output not in reached:
        return []
    found = []
    # each entry: a node and its path on to the output as a linked list (node, local, rest)
    Link = tuple[Value, float, Any] | None
    stack: list[tuple[Value, Link]] = [(output, None)]
    while stack:
        v, tail = stack.pop()
        if v is wrt:
            nodes, locals_ = [v], []
            while tail is not None:
                c, d, tail = tail
                nodes.append(c)
                locals_.append(d)
            found.append(ChainPath(tuple(nodes), tuple(locals_)))
            continue
        for p, d in reversed(tuple(zip(v._parents, v._local, strict=True))):
            if p in reached:
                stack.append((p, (v, d, tail)))
    return found


def _text(
    output: Value,
    wrt: Value,
    paths: list[ChainPath],
    total: float,
    engine: float,
    label: Mapping[Value, str],
) -> str:
    out, x = label[output], label[wrt]
    n = len(paths)
    lines = [f"d{out}/d{x}: {n} path{'s' if n != 1 else ''} from {x} to {out}"]
    if not paths:
        lines.append(f"  {out} does not depend on {x}, so the gradient is 0")

    def step(v: Value) -> str:
        return f"{label[v]} ({v._op})" if v._op else label[v]

    for i, p in enumerate(paths, 1):
        if len(p.nodes) == 1:
            lines.append(f"  path {i}: {x} is the output itself; product 1")
            continue
        lines.append(f"  path {i}: " + " -> ".join(step(v) for v in p.nodes))
        factors = [
            f"d{label[b]}/d{label[a]} = {format_number(d)}"
            for a, b, d in zip(p.nodes, p.nodes[1:], p.locals, strict=False)
        ]
        lines.append("    " + ", ".join(factors))
        product = " * ".join(format_factor(d) for d in p.locals)
        lines.append(f"    product: {product} = {format_number(p.product)}")
    lines.append(f"  sum over paths:  {total:.10g}")
    lines.append(f"  engine gradient: {engine:.10g}")
    verdict = "equal" if _agree(total, engine, paths) else "DIFFERENT"
    if math.isfinite(total) and math.isfinite(engine):
        lines.append(f"  {verdict} (difference {abs(total - engine):.2g})")
    else:
        lines.append(f"  {verdict} (sum {total}, engine {engine})")
    return "\n".join(lines)
