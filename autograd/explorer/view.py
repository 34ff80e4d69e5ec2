"""What the explore page shows: the drawn boxes (values, collapsed groups, a cut) and the data
behind them (local derivative formulas, paths to the output, backward steps) as plain dicts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from autograd import explain, step_through
from autograd.graph import topological_order
from autograd.value import Value
from autograd.viz import (
    assign_groups,
    auto_names,
    format_factor,
    format_number,
    group_members,
    op_symbol,
    parameter_groups,
)
from autograd.viz.collapse import LEVELS
from autograd.viz.format import visible

from .formulas import expression, local_formulas
from .layout import Box, shorten

MAX_STEPS = 400  # backward steps put in the page at most (those nearest the output)
MAX_PATH_NODES = 200  # graphs up to this size list every node's paths to the output
MAX_PATHS = 16  # paths listed per node
MAX_MEMBERS = 30  # members of a collapsed group listed and drawn
MAX_DRAWN = 12  # members of a collapsed group drawn in its panel
MAX_INPUTS = 12  # inputs (and their local derivatives) listed per node
MAX_TEXT = 2000  # characters of a label kept in the page


def number(x: float) -> float | str:
    """A float JSON can carry: NaN and infinities as the strings 'nan', 'inf', '-inf'."""
    return x if math.isfinite(x) else format_number(x)


def display_names(order: list[Value], names: Mapping[Value, str] | None) -> dict[Value, str]:
    """A distinct name per node: its name or label (or v<k>); a name used twice gets #k added."""
    base = auto_names(order, names)
    seen: dict[str, int] = {}
    for n in base.values():
        seen[n] = seen.get(n, 0) + 1
    return {v: (f"{n}#{i}" if seen[n] > 1 else n) for i, (v, n) in enumerate(base.items())}


class View:
    """The graph of ``root`` ready to draw: boxes to lay out, records and steps for the page."""

    def __init__(
        self,
        root: Value,
        names: Mapping[Value, str] | None,
        max_nodes: int,
        collapse: str | None,
        model: object = None,
    ) -> None:
        self.root = root
        self.model = model  # what names came from: a model may say how it groups
        self.order = topological_order(root)
        self.index = {v: i for i, v in enumerate(self.order)}
        self.names = display_names(self.order, names)
        self.backward = step_through(root, names=self.names)
        self.grads = {s.node: s.grad for s in self.backward}
        self.note = ""
        self.unit = {v: self.id(v) for v in self.order}  # the drawn box each value is in
        self.groups: dict[str, list[Value]] = {}
        self.group_names: dict[str, str] = {}
        if len(self.order) > max_nodes and names and collapse is not None:
            for how in LEVELS if collapse == "auto" else (collapse,):
                self._collapse(names, how)
                if len(set(self.unit.values())) <= max_nodes:
                    break
        self._cut(max_nodes)

    def id(self, v: Value) -> str:
        return f"n{self.index[v]}"

    # --- what is drawn ---

    def _collapse(self, names: Mapping[Value, str], how: str) -> None:
        group = assign_groups(self.order, parameter_groups(how, names, self.model))
        self.unit = {v: self.id(v) for v in self.order}
        self.groups, self.group_names = {}, {}
        for j, (key, vs) in enumerate(group_members(group).items()):
            gid = f"g{j}"
            self.groups[gid] = vs
            self.group_names[gid] = key
            for v in vs:
                self.unit[v] = gid
        n = len(set(self.unit.values()))
        self.note = f"collapsed per {how}: {len(self.order)} values drawn as {n} boxes"

    def _cut(self, max_nodes: int) -> None:
        """Keep the max_nodes - 1 boxes nearest the output; one box stands for the rest."""
        units = list(dict.fromkeys(self.unit[v] for v in self.order))
        if len(units) <= max_nodes:
            return
        keep: dict[str, None] = {}
        for v in reversed(self.order):  # reverse topological: nearest the output first
            if len(keep) >= max_nodes - 1:
                break
            keep.setdefault(self.unit[v], None)
        hidden = sum(1 for v in self.order if self.unit[v] not in keep)
        for v in self.order:
            if self.unit[v] not in keep:
                self.unit[v] = "more"
        for gid in [g for g in self.groups if g not in keep]:
            del self.groups[gid]
        cut = f"showing the {len(keep)} boxes nearest the output; {hidden} values not drawn"
        self.note = f"{self.note}; {cut}" if self.note else cut

    def boxes(self) -> list[Box]:
        """One box per drawn unit, inputs first, each with the units that feed it."""
        out: dict[str, Box] = {}
        for v in self.order:
            uid = self.unit[v]
            if uid not in out:
                out[uid] = self._box(uid, v)
            b = out[uid]
            for p in v._parents:  # a value's box: one edge per use; a group's: one per input
                pid = self.unit[p]
                if pid != uid and (b.kind == "value" or pid not in b.inputs):
                    b.inputs.append(pid)
        return list(out.values())

    def _box(self, uid: str, v: Value) -> Box:
        if uid == "more":
            n = sum(1 for u in self.unit.values() if u == "more")
            return Box(uid, [f"… {n} more values", "(not drawn)"], kind="more")
        if uid in self.groups:
            vs = self.groups[uid]
            out = self._group_output(uid)
            lines = [shorten(self.group_names[uid]), f"{len(vs)} values"]
            if out is not None:
                lines += [
                    f"data {format_number(out.data)}",
                    f"grad {format_number(self.grads[out])}",
                ]
            return Box(uid, lines, kind="group")
        lines = [
            shorten(self.names[v]),
            f"data {format_number(v.data)}",
            f"grad {format_number(self.grads[v])}",
        ]
        return Box(uid, lines, op=shorten(op_symbol(v._op), 12))

    def _group_output(self, gid: str) -> Value | None:
        """The group's one value used outside it (or the root), if there is exactly one."""
        inside = set(self.groups[gid])
        used_outside = {p for v in self.order if v not in inside for p in v._parents}
        outs = [v for v in self.groups[gid] if v in used_outside or v is self.root]
        return outs[0] if len(outs) == 1 else None

    def group_boxes(self, gid: str) -> list[Box]:
        """Inside a group, drawn for its panel: its last value and the members feeding it, up
        to MAX_DRAWN (for a neuron: one activation, its dot and the weights)."""
        inside = set(self.groups[gid])
        chosen: dict[Value, None] = {}
        todo = [self.groups[gid][-1]]
        while todo and len(chosen) < MAX_DRAWN:
            v = todo.pop(0)
            if v not in chosen:
                chosen[v] = None
                todo.extend(p for p in v._parents if p in inside)
        vs = sorted(chosen, key=self.index.__getitem__)
        ids = {self.id(v) for v in vs}
        boxes = []
        for v in vs:
            b = self._box(self.id(v), v)
            b.inputs = [self.id(p) for p in v._parents if self.id(p) in ids]
            boxes.append(b)
        return boxes

    # --- the data behind the page ---

    def records(self) -> dict[str, Any]:
        """{id: record} for every value drawn, stepped through or listed in a group."""
        wanted: dict[Value, None] = {}
        for v in self.order:
            if self.unit[v] == self.id(v):
                wanted[v] = None
        for s in self.backward.steps[:MAX_STEPS]:
            wanted[s.node] = None
        for vs in self.groups.values():
            wanted.update(dict.fromkeys(vs[:MAX_MEMBERS]))
        paths = len(self.order) <= MAX_PATH_NODES
        return {self.id(v): self._record(v, paths) for v in wanted}

    def _record(self, v: Value, with_paths: bool) -> dict[str, Any]:
        name = self.names[v]
        inputs = self._inputs(v)
        rec: dict[str, Any] = {
            "name": _text(name),
            "label": _text(v.label),
            "op": _text(v._op),
            "data": number(v.data),
            "grad": number(self.grads[v]),
            "unit": self.unit[v],
            "inputs": [[_text(n), number(x), isv] for n, x, isv in inputs[:MAX_INPUTS]],
        }
        if v._op:
            rec["expr"] = _text(f"{name} = {expression(v._op, [n for n, _, _ in inputs])}", 300)
            lines = local_formulas(v._op, name, v.data, inputs, v._local)
            if len(lines) > MAX_INPUTS:
                lines = lines[:MAX_INPUTS] + [f"… and {len(lines) - MAX_INPUTS} more inputs"]
            rec["formulas"] = [_text(line) for line in lines]
        if with_paths:
            rec["paths"] = self._paths(v)
            rec["uses"] = self._uses().get(v, 0)
        return rec

    def _uses(self) -> dict[Value, int]:
        """{value: how many times a node takes it as an input} (a*a: 2)."""
        if not hasattr(self, "_use_count"):
            self._use_count: dict[Value, int] = {}
            for c in self.order:
                for p in c._parents:
                    self._use_count[p] = self._use_count.get(p, 0) + 1
        return self._use_count

    def _inputs(self, v: Value) -> list[tuple[str, float, bool]]:
        """Every input of v's op, constants included: (name, value, is a Value)."""
        out = []
        for x in v._inputs:
            if isinstance(x, Value):
                out.append((self.names[x], x.data, True))
            elif x is not None:
                out.append((format_number(float(x)), float(x), False))
        return out

    def _paths(self, v: Value) -> dict[str, Any]:
        """explain(root, v): each path's nodes, locals and product, and their sum."""
        try:
            e = explain(self.root, v, names=self.names, max_paths=MAX_PATHS)
        except ValueError as err:
            return {"note": _text(str(err).split(";")[0].removeprefix("explain: "))}
        return {
            "list": [
                {
                    "nodes": [self.id(n) for n in p.nodes],
                    "factors": [format_factor(d) for d in p.locals],
                    "product": number(p.product),
                }
                for p in e.paths
            ],
            "total": number(e.total),
        }

    def steps(self) -> list[dict[str, Any]]:
        """The backward steps nearest the output, each with its terms and its worked sum."""
        out = []
        for k, s in enumerate(self.backward.steps[:MAX_STEPS]):
            out.append(
                {
                    "node": self.id(s.node),
                    "unit": self.unit[s.node],
                    "grad": number(s.grad),
                    "terms": [self.id(t.consumer) for t in s.terms],
                    "caption": _text(self.backward.caption(k), 600),
                    "question": _text(self._question(k), 600),
                }
            )
        return out

    def _question(self, k: int) -> str:
        """The caption's chain-rule sum in symbols, without the answer."""
        s = self.backward.steps[k]
        name = self.names[s.node]
        head = f"step {k + 1} of {len(self.backward)}: grad {name} = "
        if not s.terms:
            return head + ("?  (the output itself)" if s.node is self.root else "?")
        uses = [self.names[t.consumer] for t in s.terms]
        return head + " + ".join(f"grad {c} * d{c}/d{name}" for c in uses) + " = ?"

    def scale(self) -> float:
        """The largest finite |grad|, for colouring."""
        finite = [abs(g) for g in self.grads.values() if math.isfinite(g)]
        return max(finite, default=0.0)


def _text(s: str, limit: int = MAX_TEXT) -> str:
    """Text for the page: control characters as pictures (newlines kept), cut at limit."""
    s = visible(s, newlines=True)
    return s if len(s) <= limit else s[: limit - 1] + "…"
