"""A graph as a program for the page's engine: its nodes in the engine's topological order, each
an op (by name) on inputs (by index) and constants, with the leaves labelled. Plain JSON.

``{"format", "ops", "nodes", "consts", "values", "leaves", "labels", "root", "missing"}``:
``nodes[i]`` is ``[-1]`` for a leaf, else ``[op index, input, ...]`` where an input ``j >= 0``
is node ``j`` and ``j < 0`` is the constant ``consts[-j - 1]``; ``values[i]`` is node i's
``.data``; non-finite numbers are the strings ``"nan"``, ``"inf"``, ``"-inf"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from autograd import ops
from autograd.graph import check_recorded, topological_order
from autograd.value import Value

FORMAT = "chainrule-program/1"
Number = float | str


def number(x: float) -> Number:
    """A float JSON can carry: NaN and the infinities as 'nan', 'inf', '-inf'."""
    if math.isfinite(x):
        return x
    return "nan" if x != x else ("inf" if x > 0 else "-inf")


def program(
    root: Value,
    *,
    names: Mapping[Value, str] | None = None,
    grads: Mapping[Value, float] | None = None,
) -> dict[str, Any]:
    """The graph of ``root`` as a program (see the module docstring), JSON-ready.

    Args:
        names: {leaf: label} for the leaves (default: each leaf's ``.label``), the names the
            page's ``set``/``leafGrad`` take.
        grads: {node: d root/d node}, recorded as ``"grads"`` so a page can check its own.
    """
    if not isinstance(root, Value):
        raise TypeError(f"program: root must be a Value, got {type(root).__name__}")
    check_recorded(root, "program")
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    op_index: dict[str, int] = {}
    consts: list[Number] = []
    nodes: list[list[int]] = []
    leaves: list[int] = []
    labels: list[str] = []
    for i, v in enumerate(order):
        if not v._op:
            nodes.append([-1])
            leaves.append(i)
            label = names.get(v) if names is not None else None
            labels.append(label if isinstance(label, str) else v.label)
            continue
        row = [op_index.setdefault(v._op, len(op_index))]
        for x in v._inputs:
            if isinstance(x, Value):
                row.append(index[x])
            else:
                consts.append(number(float(x)))
                row.append(-len(consts))
        nodes.append(row)
    out: dict[str, Any] = {
        "format": FORMAT,
        "ops": list(op_index),
        "nodes": nodes,
        "consts": consts,
        "values": [number(v.data) for v in order],
        "leaves": leaves,
        "labels": labels,
        "root": index[root],
        "missing": [name for name in op_index if _js(name) is None],
    }
    if grads is not None:
        out["grads"] = [number(grads.get(v, 0.0)) for v in order]
    return out


def _js(name: str) -> str | None:
    op = ops.REGISTRY.get(name)
    return op.js if op is not None else None
