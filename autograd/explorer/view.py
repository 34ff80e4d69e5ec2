"""What the explore page shows: the drawn boxes (values, collapsed groups, a cut) and the data
behind them (local derivative formulas, paths to the output, backward steps) as plain dicts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from autograd import explain
from autograd.graph import topological_order
from autograd.stepthrough import BackwardSteps, Step
from autograd.value import Value
from autograd.viz import format_factor, format_number, name_of, op_kind, op_symbol
from autograd.viz.collapse import neuron_value_names, parents_of
from autograd.viz.format import visible
from autograd.viz.summary import MORE, summarise

from .formulas import expression, local_formulas
from .layout import Box, shorten

MAX_PATH_NODES = 200  # graphs up to this size list every node's paths to the output
MAX_PATHS = 16  # paths listed per node
MAX_MEMBERS = 30  # members of a collapsed group listed and drawn
MAX_DRAWN = 12  # members of a collapsed group drawn in its panel
MAX_INPUTS = 12  # inputs (and their local derivatives) listed per node
MAX_TERMS = 16  # terms of a step written out (a weight used by every sample has more)
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
        known: dict[str, dict[Value, str]] = {}  # groups per level, assigned once for both
        self.names = display_names(
            self.order, neuron_value_names(self.order, names, model, known), self.index
        )
        self.backward = BackwardSteps(root, names=self.names, order=self.order)
        self.grads: Mapping[Value, float] = self.backward.done(len(self.backward) - 1)
        self.summary = summarise(
            self.order,
            max_nodes=max_nodes,
            names=names,
            model=model,
            collapse=collapse,
            unit_word="boxes",
            known=known,
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
        self._units: tuple[dict[str, list[str]], dict[str, Value], set[Value]] | None = None
        self._input_lists: dict[Value, list[tuple[str, float, bool]]] = {}
        self._exprs: dict[Value, str] = {}

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
        inputs, first, _ = self._walk_units()
        out: dict[str, Box] = {}
        for uid, v in first.items():
            out[uid] = b = self._box(uid, v)
            b.inputs = list(inputs[uid])
        if self.summary.cut:
            more = self._box(MORE, self.root)
            for p in self.summary.used_by_hidden():
                pid = self.unit_of(p)
                if pid not in more.inputs:
                    more.inputs.append(pid)
            out[MORE] = more
        return list(out.values())

    def _walk_units(self) -> tuple[dict[str, list[str]], dict[str, Value], set[Value]]:
        """One walk over the values shown (drawn or in a kept group): each unit's inputs (a
        value's box: one per use; a group's: one per feeding unit), the value that opens each
        unit, and the values some other unit takes (what leaves a group)."""
        if self._units is None:
            uid_of = {v: self.id(v) for v in self.summary.drawn}
            for gid, vs in self.groups.items():
                uid_of.update(dict.fromkeys(vs, gid))
            inputs: dict[str, list[str]] = {}
            first: dict[str, Value] = {}
            used: set[Value] = set()
            for v in self.order:  # NOTE: parents first, so boxes come out inputs first
                uid = uid_of.get(v)
                if uid is None:
                    continue
                ins = inputs.get(uid)
                if ins is None:
                    ins = inputs[uid] = []
                    first[uid] = v
                one_per_use = uid not in self.groups
                for p in parents_of(v):  # NOTE: from the slots (the property is slower)
                    pid = uid_of.get(p, MORE)
                    if pid != uid:
                        used.add(p)
                        if one_per_use or pid not in ins:
                            ins.append(pid)
            self._units = (inputs, first, used)
        return self._units

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
            used = self._walk_units()[2]
            if self.summary.cut:
                used = used | self.summary.used_by_hidden().keys()
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
                k = self.backward.first_step(vs)
                if k is not None:
                    ks.add(k)
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
            rec["expr"] = _text(f"{name} = {self._expression(v)}", 300)
            # NOTE: only the lines shown are written: a sum of 1,400 losses has 1,400.
            count = min(sum(1 for x in inputs if x[2]), len(v._local))
            shown = range(min(count, MAX_INPUTS))
            lines = local_formulas(v._op, name, v.data, inputs, v._local, which=shown)
            if count > MAX_INPUTS:
                lines.append(f"… and {count - MAX_INPUTS} more inputs")
            rec["formulas"] = [_text(line) for line in lines]
        if with_paths:
            rec["paths"] = self._paths(v)
            rec["uses"] = self._uses().get(v, 0)
        return rec

    def _expression(self, v: Value) -> str:
        """v's op over its inputs' names, written up to what the page keeps (300 characters)."""
        if v not in self._exprs:
            names = [n for n, _, _ in self._inputs(v)]
            self._exprs[v] = expression(v._op, names, limit=300)
        return self._exprs[v]

    def _uses(self) -> dict[Value, int]:
        """{value: how many times a node takes it as an input} (a*a: 2)."""
        if not hasattr(self, "_use_count"):
            self._use_count: dict[Value, int] = {}
            for c in self.order:
                for p in c._parents:
                    self._use_count[p] = self._use_count.get(p, 0) + 1
        return self._use_count

    def _inputs(self, v: Value) -> list[tuple[str, float, bool]]:
        """Every input of v's op, constants included: (name, value, is a Value); kept, as a
        node with many uses asks for its users' inputs once per use."""
        if v in self._input_lists:
            return self._input_lists[v]
        out = []
        for x in v._inputs:
            if isinstance(x, Value):
                out.append((self.names[x], x.data, True))
            elif x is not None:
                out.append((format_number(float(x)), float(x), False))
        self._input_lists[v] = out
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
            body = self.backward._caption(k, s, MAX_TERMS).split(": ", 1)[1]
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
                    "terms": [self.id(t.consumer) for t in s.terms[:MAX_TERMS]],
                    "uses": self._uses_of(s),
                    "caption": _text(head + body, 600),
                    "question": _text(head + self._question(s), 600),
                    "backward": k + 1,
                }
            )
            if len(s.terms) > MAX_TERMS:  # said in the caption and question too
                out[-1]["more_terms"] = len(s.terms) - MAX_TERMS
        return out

    def _uses_of(self, s: Step) -> list[dict[str, Any]]:
        """Each use of the step's node, with what a quiz needs to ask and to diagnose: grad of
        the user, the local derivative (and its formula with and without the number), the
        user's own value, and whether the user is an activation (its value is a classic slip)."""
        out = []
        seen: dict[Value, int] = {}
        name = self.names[s.node]
        for t in s.terms[:MAX_TERMS]:  # NOTE: a weight of a 1,400-sample batch has 1,400
            c = t.consumer
            j = seen[c] = seen.get(c, -1) + 1  # a*a: the j-th time c takes the node
            pos = [i for i, p in enumerate(c._parents) if p is s.node][j]
            inputs = self._inputs(c)
            count = min(sum(1 for x in inputs if x[2]), len(c._local))
            if pos < count:  # NOTE: the one line this use needs, not one per input of c
                (line,) = local_formulas(c._op, self.names[c], c.data, inputs, c._local, [pos])
            else:
                line = f"d{self.names[c]}/d{name}"
            head, _, _ = line.rpartition(" = ")
            out.append(
                {
                    "by": self.id(c),
                    "upstream": number(t.upstream),
                    "local": number(t.local),
                    "value": number(c.data),
                    "activation": op_kind(c._op) == "activation",
                    "expr": _text(self._expression(c), 300),
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
        uses = [self.names[t.consumer] for t in s.terms[:MAX_TERMS]]
        more = len(s.terms) - len(uses)
        rest = f" + … ({more} more terms)" if more else ""
        return head + " + ".join(f"grad {c} * d{c}/d{name}" for c in uses) + rest + " = ?"

    def scale(self) -> float:
        """The largest finite |grad|, for colouring."""
        finite = [abs(g) for g in self.backward._grad if math.isfinite(g)]
        return max(finite, default=0.0)


def _text(s: str, limit: int = MAX_TEXT) -> str:
    """Text for the page: control characters as pictures (newlines kept), cut at limit."""
    s = visible(s, newlines=True)
    return s if len(s) <= limit else s[: limit - 1] + "…"
