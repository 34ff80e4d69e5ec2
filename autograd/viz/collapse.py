"""Collapsing a plan: one node per group of parameters (a neuron, a layer), then a node budget.

Groups come from the model when it has the hook (the engine knows nothing of any network)::

    class GroupedModel(Protocol):
        def named_parameters(self) -> Iterable[tuple[str, Value]]: ...
        def draw_groups(self, level: str) -> Mapping[Value, str]: ...  # parameter -> group

``nn.Module`` implements it for ``level`` 'neuron' and 'layer'. Without the hook, a dotted
parameter name is read as a module path: 'neuron' is the module that holds the parameter
(``a.0.b.3.w.1`` -> ``a.0.b.3``), 'layer' that module's parent (``a.0``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, runtime_checkable

from ..value import Value
from .format import escape_record, format_number, plural
from .plan import Plan, grad_color, node_grad, op_kind

Collapse = str | int | Callable[[str], str | None] | None
LEVELS = ("neuron", "layer")


@runtime_checkable
class GroupedModel(Protocol):
    """A model that says which drawing group each of its parameters belongs to."""

    def named_parameters(self) -> Iterable[tuple[str, Value]]: ...

    def draw_groups(self, level: str) -> Mapping[Value, str]: ...


def _holder(name: str) -> str:
    """The module path of a dotted parameter name: drop list indices, then the attribute."""
    parts = name.split(".")
    while parts and parts[-1].isdigit():
        parts.pop()
    return ".".join(parts[:-1])


def group_key(collapse: Collapse) -> Callable[[str], str | None]:
    """Turn ``collapse`` into a function from a parameter name to its group's name."""
    if callable(collapse):
        return collapse
    if isinstance(collapse, bool) or not isinstance(collapse, (str, int)):
        raise TypeError(
            f"draw_dot: collapse must be 'neuron', 'layer', an int or a function, "
            f"got {type(collapse).__name__}"
        )
    if isinstance(collapse, int):
        if collapse < 1:
            raise ValueError(f"draw_dot: collapse depth must be >= 1, got {collapse}")
        depth = collapse
        return lambda name: ".".join(name.split(".")[:depth]) if "." in name else None
    if collapse not in LEVELS:
        raise ValueError(f"draw_dot: collapse must be 'neuron' or 'layer', got {collapse!r}")
    if collapse == "neuron":
        return lambda name: _holder(name) or None
    return lambda name: _holder(_holder(name)) or None


def parameter_groups(
    collapse: Collapse, names: Mapping[Value, str], model: object = None
) -> dict[Value, str]:
    """{parameter: group name}: from ``model.draw_groups(level)`` when the model has the hook
    and ``collapse`` is a level, else from the names by ``group_key(collapse)``."""
    key = group_key(collapse)  # checks collapse even when the model answers
    if isinstance(collapse, str) and isinstance(model, GroupedModel):
        return {v: str(g) for v, g in model.draw_groups(collapse).items() if g}
    out: dict[Value, str] = {}
    for v, name in names.items():
        if not v._op:
            k = key(str(name))
            if k:
                out[v] = k
    return out


def assign_groups(order: list[Value], seeds: Mapping[Value, str]) -> dict[Value, str]:
    """Each Value's group: a parameter's from ``seeds``; a node's from the parameters it takes
    directly (w*x, dot), or when it adds, reduces or activates nodes of that one group only."""
    group: dict[Value, str] = {}
    for v in order:
        if not v._op:
            if v in seeds:
                group[v] = seeds[v]
            continue
        parents = v._parents
        direct = {group[p] for p in parents if not p._op and p in group}
        if len(direct) == 1:
            group[v] = direct.pop()
            continue
        if direct:
            continue
        kind = op_kind(v._op)
        if not (kind in ("activation", "reduction") or v._op == "add"):
            continue
        keys = {group.get(p) for p in parents}
        (only,) = keys if len(keys) == 1 else (None,)
        if only is not None:
            if kind == "activation" and any(op_kind(p._op) == "activation" for p in parents):
                continue  # one activation per neuron: what follows belongs to someone else
            group[v] = only
    return group


def natural_key(name: str) -> tuple[tuple[str | int, ...], str]:
    """Sort key comparing runs of digits as numbers: unit.2 before unit.10."""
    parts = re.split(r"(\d+)", name)  # text, digits, text, ...: types line up by position
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), name


def group_members(group: Mapping[Value, str]) -> dict[str, list[Value]]:
    """{group name: its Values, in the order given}, the groups in natural order."""
    members: dict[str, list[Value]] = {}
    for v, k in group.items():
        members.setdefault(k, []).append(v)
    return {k: members[k] for k in sorted(members, key=natural_key)}


def collapse_plan(plan: Plan, group: Mapping[Value, str], how: str) -> Plan:
    """Merge every group's value and op nodes into one node, which shows the value leaving the
    group; constants fed to groups become one shared node per distinct value; drop inner edges."""
    members = group_members(group)
    gids = {k: f"g{j}" for j, k in enumerate(members)}
    owner: dict[str, str] = {}
    consts: dict[float, str] = {}  # NOTE: by value, so one input fed to 16 groups is one node
    for v, k in group.items():
        i = plan.index[v]
        owner[f"n{i}"] = gids[k]
        if v._op:
            owner[f"n{i}op"] = gids[k]
            inputs = v._inputs
            last = len(inputs) - 1
            for c, x in enumerate(inputs):
                if f"n{i}c{c}" not in plan.nodes:
                    continue
                if c == last and x == 0.0 and op_kind(v._op) == "reduction":
                    owner[f"n{i}c{c}"] = gids[k]  # a reduction's start (no bias): not an input
                else:
                    owner[f"n{i}c{c}"] = consts.setdefault(float(x), f"k{len(consts)}")
    escapes: dict[Value, bool] = {}  # v -> some node outside v's group takes v
    for v in plan.order:
        for p in v._parents:
            escapes[p] = escapes.get(p, False) or group.get(p) != group.get(v)
    out = Plan(order=plan.order, index=plan.index, groups={g: k for k, g in gids.items()})
    out.show_grad, out.grads, out.scale = plan.show_grad, plan.grads, plan.scale
    for x, cid in consts.items():
        out.nodes[cid] = {"label": format_number(x), "shape": "plaintext"}
    for k, gid in gids.items():
        out.nodes[gid] = _group_node(plan, k, members[k], escapes)
    for nid, attrs in plan.nodes.items():
        if nid not in owner:
            out.nodes[nid] = dict(attrs)
    for (a, b), attrs in plan.edges.items():
        a2, b2 = owner.get(a, a), owner.get(b, b)
        if a2 != b2:
            out.edges.setdefault((a2, b2), dict(attrs))
    # Groups fed by one node are drawn in natural order (unit.2 above unit.10): that node's
    # edges go out in that order, and Graphviz is told to keep it (ordering=out).
    rank = {g: j for j, g in enumerate(out.groups)}
    out.edges = dict(sorted(out.edges.items(), key=lambda e: rank.get(e[0][1], len(rank))))
    fanout: dict[str, int] = {}
    for a, b in out.edges:
        fanout[a] = fanout.get(a, 0) + (b in rank)
    for a, n in fanout.items():
        if n > 1:
            out.nodes[a]["ordering"] = "out"
    out.note = f"collapsed per {how}: {len(plan.order)} values drawn as {len(out.nodes)} nodes"
    return out


def _group_node(
    plan: Plan, name: str, vs: list[Value], escapes: Mapping[Value, bool]
) -> dict[str, str]:
    """A group's record: its name, the data and grad of the value leaving it, its size."""
    outputs = [v for v in vs if v._op and escapes.get(v, True)]  # not taken at all: a root
    fields = [escape_record(name)]
    fill = "#eeeeee"
    if len(outputs) == 1:
        g = node_grad(outputs[0], plan.grads)
        fields.append(f"data {format_number(outputs[0].data)}")
        if plan.show_grad:
            fields.append("grad ?" if g is None else f"grad {format_number(g)}")
        if plan.scale is not None and g is not None:
            fill = grad_color(g, plan.scale)
    elif outputs:
        fields.append(f"{len(outputs)} outputs")
    nparams = sum(1 for v in vs if not v._op)
    fields.append(f"{plural(nparams, 'param')}, {plural(len(vs) - nparams, 'op')}")
    label = "{ " + " | ".join(fields) + " }"
    return {"shape": "record", "label": label, "style": "rounded,filled", "fillcolor": fill}


def cut_plan(plan: Plan, max_nodes: int, max_edges: int | None = None) -> Plan:
    """Keep ``max_nodes - 1`` nodes: the outputs, the group nodes, then those nearest the
    output, skipping nodes that would bring more than ``max_edges`` (default 2 * max_nodes)
    edges between kept nodes; one dashed node stands for the rest, with the edges that crossed
    the cut. Time and memory are linear in the plan's nodes and edges."""
    if len(plan.nodes) <= max_nodes:
        return plan
    edge_budget = 2 * max_nodes if max_edges is None else max_edges
    into: dict[str, list[str]] = {}
    out_of: dict[str, list[str]] = {}
    for a, b in plan.edges:
        into.setdefault(b, []).append(a)
        out_of.setdefault(a, []).append(b)
    # breadth first from the outputs against the edges: every node, nearest the output first
    nearest: dict[str, None] = {}
    frontier = [n for n in reversed(plan.nodes) if n not in out_of]
    while frontier:
        nxt: list[str] = []
        for n in frontier:
            if n not in nearest:
                nearest[n] = None
                nxt.extend(reversed(into.get(n, ())))
        frontier = nxt
    budget = max_nodes - 1
    outputs = [n for n in nearest if n not in out_of]
    is_output = set(outputs)
    groups = [n for n in nearest if n in plan.groups]
    keep: set[str] = set()
    edges = 0
    for n in (*outputs, *groups, *nearest):  # the output first, then the groups, then the rest
        if len(keep) >= budget:
            break
        if n in keep:
            continue
        new = sum(a in keep for a in into.get(n, ())) + sum(b in keep for b in out_of.get(n, ()))
        if edges + new > edge_budget and n not in is_output:
            continue  # a hub (one input fed to many groups): the "more" node stands for it
        keep.add(n)
        edges += new
    out = Plan(order=plan.order, index=plan.index, groups=plan.groups)
    hidden = len(plan.nodes) - len(keep)
    for nid, attrs in plan.nodes.items():
        if nid in keep:
            out.nodes[nid] = attrs
    more = "more"
    out.nodes[more] = {"label": f"... {hidden} more nodes", "shape": "box", "style": "dashed"}
    for (a, b), attrs in plan.edges.items():
        a2, b2 = (a if a in keep else more), (b if b in keep else more)
        if a2 != b2:
            out.edges.setdefault((a2, b2), attrs if a2 == a and b2 == b else {})
            if a2 == a and b2 == b and (a, b) in plan.repeats:
                out.repeats[(a, b)] = plan.repeats[(a, b)]
    cut = f"cut at a budget of {max_nodes} nodes: {hidden} nodes not shown"
    out.note = f"{plan.note}; {cut}" if plan.note else cut
    return out
