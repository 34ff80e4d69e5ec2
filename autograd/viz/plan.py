"""The drawing's plan: nodes and edges (with attributes) before they become DOT.

What an op looks like comes from the op table (each entry's ``symbol`` and ``kind``), never from
a list of op names here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..graph import topological_order
from ..ops import REGISTRY
from ..value import Value
from .format import escape_record, escape_text, format_number
from .legend import PATH as HIGHLIGHT  # purple: red and blue mean the sign of a gradient
from .names import name_of
from .summary import MORE, Summary

# Kinds whose constant inputs are drawn as input nodes; other kinds (activation, function) show
# trailing constants as parameters in their label: leaky_relu(0.01).
OPERAND_KINDS = frozenset({"arithmetic", "reduction"})


@dataclass
class Plan:
    """Nodes (id -> attributes) and edges (src, dst) -> attributes, in data-flow order."""

    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    order: list[Value] = field(default_factory=list)
    index: dict[Value, int] = field(default_factory=dict)
    repeats: dict[tuple[str, str], int] = field(default_factory=dict)  # a*a: a enters twice
    groups: dict[str, str] = field(default_factory=dict)  # group node id -> name, natural order
    note: str = ""
    show_grad: bool = True
    grads: Mapping[Value, float] | None = None  # None: each Value's own .grad
    scale: float | None = None  # the largest |grad| when colouring by gradient, else None

    def value_id(self, v: Value) -> str:
        return f"n{self.index[v]}"

    def op_id(self, v: Value) -> str:
        return f"n{self.index[v]}op"


def graph_order(root: Value | Iterable[Value], caller: str = "draw_dot") -> list[Value]:
    """Every node behind one root or several, parents before children (no recursion)."""
    if isinstance(root, Value):
        roots = [root]
    elif isinstance(root, Iterable) and not isinstance(root, (str, bytes)):
        roots = list(root)
    else:
        raise TypeError(f"{caller}: root must be a Value, got {type(root).__name__}")
    if not roots:
        raise ValueError(f"{caller}: no root Value given")
    for r in roots:
        if not isinstance(r, Value):
            raise TypeError(f"{caller}: root must be a Value, got {type(r).__name__}")
    return topological_order(*roots)


# --- what the op table says about an op ---


def op_table() -> Mapping[str, Any]:
    """The registry of ops, built-in and user-defined (define_op)."""
    return REGISTRY


def op_symbol(name: str) -> str:
    """What a drawing shows for the op: its table entry's ``symbol``, else its name."""
    return getattr(REGISTRY.get(name), "symbol", "") or name


def op_kind(name: str) -> str:
    """The op's ``kind`` from the table ('arithmetic', 'activation', 'reduction', ...)."""
    return getattr(REGISTRY.get(name), "kind", "") or "function"


def _parameters(v: Value, kind: str) -> list[float]:
    """The trailing constant inputs an op of this kind shows in its label."""
    if kind in OPERAND_KINDS:
        return []
    inputs = v._inputs
    k = len(inputs)
    while k > 0 and not isinstance(inputs[k - 1], Value) and inputs[k - 1] is not None:
        k -= 1
    return [float(x) for x in inputs[k:]] if k > 0 else []


def plan_graph(
    order: list[Value],
    *,
    names: Mapping[Value, str] | None = None,
    show_grad: bool = True,
    grads: Mapping[Value, float] | None = None,
    color_grad: bool = False,
    summary: Summary | None = None,
) -> Plan:
    """Lay out the graph, or only what ``summary`` keeps of it: value records, op nodes,
    constants, a node per kept group and one for the rest, and one edge per use."""
    s = summary if summary is not None else Summary(order=order, drawn=dict.fromkeys(order))
    plan = Plan(order=order, index={v: i for i, v in enumerate(s.drawn)})
    plan.show_grad, plan.grads = show_grad, grads
    scale = 0.0
    if color_grad:
        scale = max((abs(node_grad(v, grads) or 0.0) for v in order), default=0.0)
        plan.scale = scale
    gids = {k: f"g{j}" for j, k in enumerate(s.groups)}
    plan.groups = {g: k for k, g in gids.items()}

    def source(x: Value) -> str:
        if x in plan.index:
            return f"n{plan.index[x]}"
        g = s.group_of.get(x)
        return gids[g] if g is not None else MORE

    for v, i in plan.index.items():
        vid = f"n{i}"
        fields = []
        name = name_of(v, names)
        if name:
            fields.append(escape_record(name))
        fields.append(f"data {format_number(v.data)}")
        g = node_grad(v, grads)
        if show_grad:
            fields.append("grad ?" if g is None else f"grad {format_number(g)}")
        attrs = {"shape": "record", "label": "{ " + " | ".join(fields) + " }"}
        if color_grad and g is not None:
            attrs.update(style="filled", fillcolor=grad_color(g, scale))
        plan.nodes[vid] = attrs
        if not v._op:
            continue
        symbol, kind = op_symbol(v._op), op_kind(v._op)
        params = _parameters(v, kind)
        if params:
            symbol += "(" + ", ".join(map(format_number, params)) + ")"
        oid = f"n{i}op"
        plan.nodes[oid] = {"label": escape_text(symbol), "shape": "ellipse"}
        inputs = v._inputs
        for k, x in enumerate(inputs[: len(inputs) - len(params)]):
            if isinstance(x, Value):
                key = (source(x), oid)
                plan.edges.setdefault(key, {})
                plan.repeats[key] = plan.repeats.get(key, 0) + 1
            elif x is not None:
                cid = f"n{i}c{k}"
                plan.nodes[cid] = {"label": format_number(float(x)), "shape": "plaintext"}
                plan.edges[(cid, oid)] = {}
        plan.edges[(oid, vid)] = {}
    if s.groups:
        _plan_groups(plan, s, gids, source)
    if s.cut:
        plan.nodes[MORE] = {
            "label": f"... {s.hidden} more values",
            "shape": "box",
            "style": "dashed",
        }
        for p in s.used_by_hidden():
            plan.edges.setdefault((source(p), MORE), {})
    plan.note = s.note
    return plan


def _plan_groups(
    plan: Plan, s: Summary, gids: Mapping[str, str], source: Callable[[Value], str]
) -> None:
    """One node per kept group, showing the value leaving it; constants fed to groups are one
    shared node per distinct value; groups fed by one node keep their natural order."""
    from .collapse import group_node

    consts: dict[float, str] = {}  # NOTE: by value, so one input fed to 16 groups is one node
    escapes: dict[Value, bool] = {}  # member -> some node outside its group takes it
    edges: dict[tuple[str, str], dict[str, str]] = {}
    for k, vs in s.groups.items():
        gid = gids[k]
        for v in vs:
            inputs = v._inputs
            last = len(inputs) - 1
            for c, x in enumerate(inputs):
                if isinstance(x, Value):
                    if s.group_of.get(x) == k:
                        escapes.setdefault(x, False)
                    else:
                        edges.setdefault((source(x), gid), {})
                elif x is not None and v._op:
                    if c == last and x == 0.0 and op_kind(v._op) == "reduction":
                        continue  # a reduction's start (no bias): not an input
                    if op_kind(v._op) in OPERAND_KINDS:
                        cid = consts.setdefault(float(x), f"k{len(consts)}")
                        edges.setdefault((cid, gid), {})
    for v in plan.index:
        for p in v._parents:
            if p in s.group_of:
                escapes[p] = True
    for member in s.group_of:
        for p in member._parents:
            if p in s.group_of and s.group_of[p] != s.group_of[member]:
                escapes[p] = True
    if s.cut:
        for p in s.used_by_hidden():
            if p in s.group_of:
                escapes[p] = True
    for x, cid in consts.items():
        plan.nodes[cid] = {"label": format_number(x), "shape": "plaintext"}
    for k, gid in gids.items():
        plan.nodes[gid] = group_node(plan, k, s.groups[k], escapes)
    rank = {g: j for j, g in enumerate(gids.values())}
    ordered = dict(sorted(edges.items(), key=lambda e: rank.get(e[0][1], len(rank))))
    fanout: dict[str, int] = {}
    for a, b in ordered:
        fanout[a] = fanout.get(a, 0) + (b in rank)
    plan.edges.update(ordered)
    for a, n in fanout.items():
        if n > 1 and a in plan.nodes:
            plan.nodes[a]["ordering"] = "out"


def node_grad(v: Value, grads: Mapping[Value, float] | None) -> float | None:
    """v's gradient: from ``grads`` when given (None if absent), else ``v.grad``."""
    if grads is None:
        return v.grad
    return grads.get(v)


def grad_color(g: float, scale: float) -> str:
    """Blue for a positive gradient, red for a negative one, deeper for larger |g| (log scale)."""
    if not math.isfinite(g):
        return "#ff00ff"
    if g == 0.0 or scale == 0.0 or not math.isfinite(scale):
        return "#ffffff"
    # NOTE: log scale over 4 decades below the largest |grad|, so small gradients still show.
    t = min(1.0, max(0.0, 1.0 + math.log10(abs(g) / scale) / 4.0))
    t = 0.1 + 0.6 * t  # light enough to read black text on
    r, gr, b = (70, 130, 230) if g > 0 else (220, 60, 50)
    mix = [round(255 + (c - 255) * t) for c in (r, gr, b)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def mark_path(plan: Plan, start: Iterable[Value]) -> set[Value]:
    """Values on some path from a start Value to the root(s); draws them and their edges in the
    highlight colour (purple, never a gradient colour)."""
    starts = set(start)
    missing = [v for v in starts if v not in plan.index]
    if missing:
        everything = set(plan.order)
        missing = [v for v in missing if v not in everything]
    if missing:
        raise ValueError("draw_dot: the highlighted Value is not in the graph of root")
    on: set[Value] = set()
    for v in plan.order:  # parents come first, so one pass reaches everything downstream
        if v in starts or any(p in on for p in v._parents):
            on.add(v)
    for v in on:
        if v not in plan.index:
            continue  # not drawn: in a group or in the rest
        vid = plan.value_id(v)
        plan.nodes[vid].update(color=HIGHLIGHT, penwidth="2.5")
        if v._op and any(p in on for p in v._parents):
            oid = plan.op_id(v)
            plan.nodes[oid].update(color=HIGHLIGHT, penwidth="2.5", fontcolor=HIGHLIGHT)
            plan.edges[(oid, vid)].update(color=HIGHLIGHT, penwidth="2.5")
            for p in v._parents:
                if p in on and p in plan.index:
                    plan.edges[(plan.value_id(p), oid)].update(color=HIGHLIGHT, penwidth="2.5")
    return on
