"""What the explore page shows: the drawn boxes (values, collapsed groups, a cut) and the data
behind them (local derivative formulas, paths to the output, backward steps) as plain dicts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from autograd import explain, step_through
from autograd.graph import topological_order
from autograd.stepthrough import Step
from autograd.value import Value
from autograd.viz import format_factor, format_number, name_of, op_kind, op_symbol
from autograd.viz.collapse import neuron_value_names
from autograd.viz.format import visible
from autograd.viz.summary import MORE, summarise

from .formulas import expression, local_formulas
from .layout import Box, shorten

MAX_PATH_NODES = 200  # graphs up to this size list every node's paths to the output
MAX_PATHS = 16  # paths listed per node
MAX_MEMBERS = 30  # members of a collapsed group listed and drawn
MAX_DRAWN = 12  # members of a collapsed group drawn in its panel
MAX_INPUTS = 12  # inputs (and their local derivatives) listed per node
MAX_TEXT = 2000  # characters of a label kept in the page


def number(x: float) -> float | str:
    """A float JSON can carry: NaN and infinities as the strings 'nan', 'inf', '-inf'."""
    return x if math.isfinite(x) else format_number(x)


def display_names(
    order: list[Value], names: Mapping[Value, str] | None, index: Mapping[Value, int]
) -> Mapping[Value, str]:
    """A distinct name per node: its name or label (or v<k>); a name used twice gets #k added.
    Only named nodes are looked at up front; the others are named when asked."""
    base = {}
    for v in order:
        n = name_of(v, names)
        if n:
            base[v] = n
    seen: dict[str, int] = {}
    for n in base.values():
        seen[n] = seen.get(n, 0) + 1
    fixed = {v: (f"{n}#{index[v]}" if seen[n] > 1 else n) for v, n in base.items()}
    return _Names(fixed, index)


class _Names(Mapping[Value, str]):
    def __init__(self, fixed: dict[Value, str], index: Mapping[Value, int]) -> None:
        self.fixed, self.index = fixed, index

    def __getitem__(self, v: Value) -> str:
        return self.fixed.get(v) or f"v{self.index[v]}"

    def __iter__(self) -> Iterator[Value]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)


class View:
    """The graph of ``root`` ready to draw: boxes to lay out, records and steps for the page."""

    def __init__(
        self,
        root: Value,
        names: Mapping[Value, str] | None,
        max_nodes: int | None,
        collapse: str | None,
        model: object = None,
    ) -> None:
        self.root = root
        self.model = model  # what names came from: a model may say how it groups
        self.order = topological_order(root)
        self.index = {v: i for i, v in enumerate(self.order)}
        self.names = display_names(
            self.order, neuron_value_names(self.order, names, model), self.index
        )
        self.backward = step_through(root, names=self.names)
        self.grads: Mapping[Value, float] = self.backward.done(len(self.backward) - 1)
        self.summary = summarise(
            self.order,
            max_nodes=max_nodes,
            names=names,
            model=model,
            collapse=collapse,
            unit_word="boxes",
        )
        self.note = self.summary.note
        self.groups: dict[str, list[Value]] = {}
        self.group_names: dict[str, str] = {}
        self._gid: dict[str, str] = {}
        for j, (key, vs) in enumerate(self.summary.groups.items()):
            self.groups[f"g{j}"] = vs
            self.group_names[f"g{j}"] = key
            self._gid[key] = f"g{j}"
        self._outputs: dict[str, list[Value]] | None = None

    def id(self, v: Value) -> str:
        return f"n{self.index[v]}"

    def unit_of(self, v: Value) -> str:
        """The id of the box v is drawn in: its own, its group's, or 'more'."""
        u = self.summary.unit(v)
        if isinstance(u, Value):
            return self.id(u)
        return self._gid.get(u, MORE)

    # --- what is drawn ---

    def boxes(self) -> list[Box]:
        """One box per drawn unit, inputs first, each with the units that feed it."""
        out: dict[str, Box] = {}
        shown = [*self.summary.drawn, *(v for vs in self.groups.values() for v in vs)]
        shown.sort(key=self.index.__getitem__)
        if self.summary.cut:
            out[MORE] = self._box(MORE, self.root)
        for v in shown:
            uid = self.unit_of(v)
            if uid not in out:
                out[uid] = self._box(uid, v)
            b = out[uid]
            for p in v._parents:  # a value's box: one edge per use; a group's: one per input
                pid = self.unit_of(p)
                if pid != uid and (b.kind == "value" or pid not in b.inputs):
                    b.inputs.append(pid)
        if self.summary.cut:
            more = out.pop(MORE)
            for p in self.summary.used_by_hidden():
                pid = self.unit_of(p)
                if pid not in more.inputs:
                    more.inputs.append(pid)
            out[MORE] = more
        return list(out.values())

    def _box(self, uid: str, v: Value) -> Box:
        if uid == MORE:
            n = self.summary.hidden
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
        if self._outputs is None:
            used: set[Value] = set(self.summary.used_by_hidden()) if self.summary.cut else set()
            shown = [*self.summary.drawn, *(v for vs in self.groups.values() for v in vs)]
            for v in shown:
                u = self.unit_of(v)
                used.update(p for p in v._parents if self.unit_of(p) != u)
            self._outputs = {
                g: [v for v in vs if v in used or v is self.root] for g, vs in self.groups.items()
            }
        outs = self._outputs[gid]
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

    def shown_steps(self) -> list[Step]:
        """One backward step per drawn box, in backward order: each drawn value's own, and for a
        group the first of its members' (where its gradient starts). Made once, in one walk."""
        if not hasattr(self, "_shown"):
            ks: set[int] = set()
            for v in self.summary.drawn:
                k = self.backward.step_of(v)
                if k is not None:
                    ks.add(k)
            for vs in self.groups.values():
                member = [k for v in vs if (k := self.backward.step_of(v)) is not None]
                if member:
                    ks.add(min(member))
            self._ks = sorted(ks)
            self._shown: list[Step] = self.backward.make_steps(self._ks)
        return self._shown

    def records(self) -> dict[str, Any]:
        """{id: record} for every value drawn, stepped through or listed in a group."""
        wanted: dict[Value, None] = dict.fromkeys(self.summary.drawn)
        for s in self.shown_steps():
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
            "unit": self.unit_of(v),
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
        """The page's steps (one per drawn box), each with its terms and its worked sum; the
        step numbers are the page's, and ``backward`` says which step of backward it is."""
        out = []
        shown = self.shown_steps()
        for j, (k, s) in enumerate(zip(self._ks, shown, strict=True)):
            head = f"step {j + 1} of {len(shown)}: "
            body = self.backward._caption(k, s).split(": ", 1)[1]
            group = self.unit_of(s.node)
            if group in self.groups:
                body = (
                    f"{self.group_names[group]} (its gradient enters at {self.names[s.node]})\n"
                    + body
                )
            out.append(
                {
                    "node": self.id(s.node),
                    "unit": self.unit_of(s.node),
                    "grad": number(s.grad),
                    "terms": [self.id(t.consumer) for t in s.terms],
                    "uses": self._uses_of(s),
                    "caption": _text(head + body, 600),
                    "question": _text(head + self._question(s), 600),
                    "backward": k + 1,
                }
            )
        return out

    def _uses_of(self, s: Step) -> list[dict[str, Any]]:
        """Each use of the step's node, with what a quiz needs to ask and to diagnose: grad of
        the user, the local derivative (and its formula with and without the number), the
        user's own value, and whether the user is an activation (its value is a classic slip)."""
        out = []
        seen: dict[Value, int] = {}
        name = self.names[s.node]
        for t in s.terms:
            c = t.consumer
            j = seen[c] = seen.get(c, -1) + 1  # a*a: the j-th time c takes the node
            pos = [i for i, p in enumerate(c._parents) if p is s.node][j]
            inputs = self._inputs(c)
            lines = local_formulas(c._op, self.names[c], c.data, inputs, c._local)
            line = lines[pos] if pos < len(lines) else f"d{self.names[c]}/d{name}"
            head, _, _ = line.rpartition(" = ")
            out.append(
                {
                    "by": self.id(c),
                    "upstream": number(t.upstream),
                    "local": number(t.local),
                    "value": number(c.data),
                    "activation": op_kind(c._op) == "activation",
                    "expr": _text(expression(c._op, [n for n, _, _ in inputs]), 300),
                    "formula": _text(line, 300),
                    "formula_open": _text((head or line) + " = ?", 300),
                }
            )
        return out

    def _question(self, s: Step) -> str:
        """The caption's chain-rule sum in symbols, without the answer."""
        name = self.names[s.node]
        head = f"grad {name} = "
        if not s.terms:
            return head + ("?  (the output itself)" if s.node is self.root else "?")
        uses = [self.names[t.consumer] for t in s.terms]
        return head + " + ".join(f"grad {c} * d{c}/d{name}" for c in uses) + " = ?"

    def scale(self) -> float:
        """The largest finite |grad|, for colouring."""
        finite = [abs(g) for g in self.backward._grad if math.isfinite(g)]
        return max(finite, default=0.0)


def _text(s: str, limit: int = MAX_TEXT) -> str:
    """Text for the page: control characters as pictures (newlines kept), cut at limit."""
    s = visible(s, newlines=True)
    return s if len(s) <= limit else s[: limit - 1] + "…"
