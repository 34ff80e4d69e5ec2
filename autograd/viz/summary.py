"""What a picture of a big graph shows, decided before anything is drawn: one way for
``draw_dot``, ``step_through`` frames and ``explore``.

The budget comes first: values are counted (stopping as soon as the budget is passed), grouped
per neuron or per layer when a model names them, and then only the units nearest a focus (the
output, or the current step) are kept, found by a walk that stops when the budget is full. Cost:
the topological walk the caller already did, plus work in proportion to what is drawn (and, with
names, one grouping pass).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..value import Value

if TYPE_CHECKING:
    from .collapse import Collapse

MORE = "more"  # the unit that stands for everything not drawn


@dataclass
class Summary:
    """Which values are drawn one by one, which as groups, and how many are left out."""

    order: list[Value]
    drawn: dict[Value, None] = field(default_factory=dict)  # drawn as themselves, in order
    groups: dict[str, list[Value]] = field(default_factory=dict)  # kept groups, natural order
    group_of: dict[Value, str] = field(default_factory=dict)  # member -> its kept group
    hidden: int = 0  # values in neither (inside the 'more' unit)
    how: str = ""  # 'neuron' or 'layer' when collapsed
    note: str = ""
    _used: dict[Value, None] | None = None

    def unit(self, v: Value) -> Value | str:
        """v itself when drawn, its group's name, or MORE."""
        if v in self.drawn:
            return v
        return self.group_of.get(v, MORE)

    @property
    def cut(self) -> bool:
        return self.hidden > 0

    def used_by_hidden(self) -> dict[Value, None]:
        """Drawn or grouped values that some value left out takes as an input (one walk), in
        the order the walk meets them, so drawings come out the same every run."""
        if self._used is None:
            shown = self.drawn.keys() | self.group_of.keys()
            used: dict[Value, None] = {}
            # NOTE: the node slots read directly: the _parents property makes a tuple per node,
            # which made this walk 3x slower on a 1M-op chain (3.3 s against 1.0 s).
            for c in self.order:
                if c in shown:
                    continue
                a, da = c._a, c._da
                if type(da) is tuple:
                    used.update((p, None) for p in a if p in shown)
                    continue
                if da is not None and a in shown:
                    used[a] = None
                if c._db is not None and c._b in shown:
                    used[c._b] = None
            self._used = used
        return self._used


def summarise(
    order: list[Value],
    *,
    max_nodes: int | None,
    cost: Callable[[Value], int] = lambda v: 1,
    names: Mapping[Value, str] | None = None,
    model: object = None,
    collapse: Collapse | str = "auto",
    force: bool = False,
    focus: Iterable[Value] | None = None,
    consumers: Callable[[Value], Iterable[Value]] | None = None,
    unit_word: str = "nodes",
    constants: bool = False,
    known: dict[str, dict[Value, str]] | None = None,
) -> Summary:
    """Decide what to draw of ``order`` (parents before children) within ``max_nodes`` units.

    Args:
        cost: drawn nodes per value (draw_dot: a record, an op node, constants).
        collapse: 'auto' (per neuron, then per layer, when over the budget), a level, or None;
            ``force`` collapses at that level even when everything would fit.
        focus: where the kept part is centred (default: the last value, the output).
        consumers: v -> the values that use v; when given, the walk from the focus also goes
            downstream (a step's uses), not only towards the inputs.
        constants: constants fed to groups are drawn (one node per distinct value) and count.
        known: {level: groups} already assigned for this graph (``level_groups``), filled in.
    """
    from .collapse import LEVELS, level_groups  # collapse imports plan

    s = Summary(order=order)
    if max_nodes is None and not force:
        s.drawn = dict.fromkeys(order)
        return s
    if not force and max_nodes is not None and _fits(order, cost, max_nodes):
        s.drawn = dict.fromkeys(order)
        return s
    group: dict[Value, str] = {}
    consts: dict[str, set[float]] = {}  # group -> the constants it is fed (when drawn)
    if names and collapse is not None:
        for how in LEVELS if collapse == "auto" else (collapse,):
            found = level_groups(order, how, names, model, known)
            if not found:
                break  # the names have no such level
            group, s.how = found, how if isinstance(how, str) else "group"
            consts = _group_constants(group) if constants else {}
            if max_nodes is None or _fits(order, cost, max_nodes, group, consts):
                break
    if s.how:
        n = _units(order, cost, group, consts)
        s.note = f"collapsed per {s.how}: {len(order)} values drawn as {n} {unit_word}"
        if max_nodes is not None and not force:
            s.note = f"over the budget of {max_nodes} {unit_word}, so {s.note}"
    if max_nodes is None or _fits(order, cost, max_nodes, group, consts):
        s.drawn = {v: None for v in order if v not in group}
        s.groups = _members(group)
        s.group_of = group
        return s
    _keep_nearest(s, group, cost, max_nodes - 1, focus, consumers, consts)
    cut = f"cut at a budget of {max_nodes} {unit_word}: {s.hidden} values not shown"
    s.note = f"{s.note}; {cut}" if s.note else cut
    return s


def _fits(
    order: list[Value],
    cost: Callable[[Value], int],
    budget: int,
    group: Mapping[Value, str] | None = None,
    consts: Mapping[str, set[float]] | None = None,
) -> bool:
    """Whether the units fit the budget; stops counting as soon as they do not."""
    group = group or {}
    total = len(set(group.values())) + len(set().union(*(consts or {}).values()))
    if total > budget:
        return False
    for v in order:
        if v not in group:
            total += cost(v)
            if total > budget:
                return False
    return True


def _units(
    order: list[Value],
    cost: Callable[[Value], int],
    group: Mapping[Value, str],
    consts: Mapping[str, set[float]],
) -> int:
    """Units drawn: one per group, one per distinct constant fed to a group, the rest's cost."""
    shared = set().union(*consts.values())
    return len(set(group.values())) + len(shared) + sum(cost(v) for v in order if v not in group)


def _group_constants(group: Mapping[Value, str]) -> dict[str, set[float]]:
    """{group: the distinct constants its members take}, found in one pass (drawn once each)."""
    from .plan import OPERAND_KINDS, op_kind

    drawn_kinds: dict[str, str | None] = {}  # NOTE: op -> its kind if it draws constants
    out: dict[str, set[float]] = {}
    for v, g in group.items():
        op = v._op
        if not op:
            continue
        if op not in drawn_kinds:
            kind = op_kind(op)
            drawn_kinds[op] = kind if kind in OPERAND_KINDS else None
        if drawn_kinds[op] is None:
            continue
        if type(v._da) is tuple and (v._b is None or len(v._b) == len(v._a)):
            continue  # an n-ary node whose inputs are all Values (a neuron's dot past layer 0)
        found = {float(x) for x in _operands(v) if _constant(x)}
        if found:
            out.setdefault(g, set()).update(found)
    return out


def _operands(v: Value) -> tuple[Any, ...]:
    """v's inputs drawn as constant nodes when v is in a group (a reduction's 0.0 start is not)."""
    from .plan import OPERAND_KINDS, op_kind

    kind = op_kind(v._op)
    if kind not in OPERAND_KINDS:
        return ()
    inputs = tuple(v._inputs)
    if kind == "reduction" and inputs and inputs[-1] == 0.0:
        inputs = inputs[:-1]
    return inputs


def _keep_nearest(
    s: Summary,
    group: Mapping[Value, str],
    cost: Callable[[Value], int],
    budget: int,
    focus: Iterable[Value] | None,
    consumers: Callable[[Value], Iterable[Value]] | None,
    group_consts: Mapping[str, set[float]],
) -> None:
    """Breadth first from the focus, keep units until the budget is spent; a unit that would
    bring more than 2 * budget edges between kept units (a hub) is left to the 'more' unit."""
    start = list(focus) if focus is not None else [s.order[-1]]
    seen: set[Value] = set(start)
    frontier = start
    spent = 0
    kept_groups: dict[str, None] = {}
    drawn: dict[Value, None] = {}
    users: dict[Value, int] = {}  # drawn uses of a value not drawn yet
    edges = 0
    # the groups first (the model's own units are the picture's skeleton), in order
    consts: set[float] = set()  # constants fed to groups: one shared node per value

    def group_cost(g: str) -> int:
        new = group_consts.get(g, set()) - consts
        consts.update(new)
        return 1 + len(new)

    reserve = sum(cost(v) for v in start if v not in group)
    members = _members(group)
    for g in members:
        c = group_cost(g)
        if spent + c > budget - reserve:
            break
        kept_groups[g] = None
        spent += c
    while frontier and spent < budget:
        nxt: list[Value] = []
        for v in frontier:
            if spent >= budget:
                break
            gv = group.get(v)
            if gv is not None:
                if gv not in kept_groups:
                    c = group_cost(gv)
                    if spent + c > budget:
                        continue
                    kept_groups[gv] = None
                    spent += c
            else:
                links = users.get(v, 0) + sum(p in drawn for p in v._parents)
                if spent + cost(v) > budget or (edges + links > 2 * budget and drawn):
                    continue  # too big for what is left, or a hub whose edges would crowd
                drawn[v] = None
                spent += cost(v)
                edges += links
                for p in v._parents:
                    users[p] = users.get(p, 0) + 1
            near = list(v._parents)
            if consumers is not None:
                near.extend(consumers(v))
            for p in near:
                if p not in seen:
                    seen.add(p)
                    nxt.append(p)
        frontier = nxt
    s.groups = {g: members[g] for g in members if g in kept_groups}
    s.group_of = {v: g for g, vs in s.groups.items() for v in vs}
    s.drawn = dict.fromkeys(_in_order(s.order, drawn))
    s.hidden = len(s.order) - len(s.drawn) - len(s.group_of)


def _in_order(order: list[Value], chosen: Mapping[Value, None]) -> list[Value]:
    """The chosen values in topological order, found without walking all of ``order`` when
    they are few: each is placed by its position, looked up once."""
    if len(chosen) * 20 > len(order):
        return [v for v in order if v in chosen]
    # NOTE: one index scan over the whole order costs ~50 ns a value; sorting the few kept by
    # a position found from the end (they are nearest the output) is proportional to them.
    where: dict[Value, int] = {}
    left = len(chosen)
    for i in range(len(order) - 1, -1, -1):
        if order[i] in chosen:
            where[order[i]] = i
            left -= 1
            if not left:
                break
    return sorted(chosen, key=where.__getitem__)


def _members(group: Mapping[Value, str]) -> dict[str, list[Value]]:
    from .collapse import group_members

    return group_members(group)


def _constant(x: object) -> bool:
    return x is not None and not isinstance(x, Value)
