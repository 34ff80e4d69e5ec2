"""Groups for drawing: one node per group of parameters (a neuron, a layer).

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


def level_groups(
    order: list[Value],
    how: Collapse,
    names: Mapping[Value, str],
    model: object = None,
    known: dict[str, dict[Value, str]] | None = None,
) -> dict[Value, str]:
    """``assign_groups`` at one level (``parameter_groups`` seeds it); a named level's answer is
    kept in ``known``, so the callers of one picture walk the graph once per level."""
    if known is not None and isinstance(how, str) and how in known:
        return known[how]
    found = assign_groups(order, parameter_groups(how, names, model))
    if known is not None and isinstance(how, str):
        known[how] = found
    return found


def assign_groups(order: list[Value], seeds: Mapping[Value, str]) -> dict[Value, str]:
    """Each Value's group: a parameter's from ``seeds``; a node's from the parameters it takes
    directly (w*x, dot), or when it adds, reduces or activates nodes of that one group only."""
    group: dict[Value, str] = {}
    kinds: dict[str, str] = {}  # op -> its kind, looked up once per op
    params = {p: g for p, g in seeds.items() if not p._op}  # the leaves with a group
    for v in order:
        if not v._op:
            if v in params:
                group[v] = params[v]
            continue
        parents = parents_of(v)  # NOTE: from the slots, not the slower _parents property
        direct = {params[p] for p in parents if p in params}
        if len(direct) == 1:
            group[v] = direct.pop()
            continue
        if direct:
            continue
        kind = kinds.get(v._op) or kinds.setdefault(v._op, op_kind(v._op))
        if not (kind in ("activation", "reduction") or v._op == "add"):
            continue
        keys = {group.get(p) for p in parents}
        (only,) = keys if len(keys) == 1 else (None,)
        if only is not None:
            if kind == "activation" and any(
                (kinds.get(p._op) or kinds.setdefault(p._op, op_kind(p._op))) == "activation"
                for p in parents
            ):
                continue  # one activation per neuron: what follows belongs to someone else
            group[v] = only
    return group


def parents_of(v: Value) -> tuple[Value, ...]:
    """``v._parents`` read from the slots: an n-ary node's tuple as it is, a unary node's
    parent without the property's generator (3x faster, for walks over a whole graph)."""
    d = v._da
    if type(d) is tuple:
        return v._a  # type: ignore[no-any-return]
    if v._db is None:
        return (v._a,) if d is not None else ()
    return v._parents


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


def group_node(
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


def neuron_value_names(
    order: list[Value],
    names: Mapping[Value, str] | None,
    model: object,
    known: dict[str, dict[Value, str]] | None = None,
) -> dict[Value, str]:
    """``names`` plus a name for each neuron's values when ``model`` says how it groups:
    ``<neuron>.net`` for the weighted sum (the input of its activation, or a linear neuron's
    output), ``<neuron>.out`` for its activation, and ``out`` for the root when it is one of
    these. A value with a label (or a name given) keeps it; a neuron called k times gives k
    values one name (pages then add ``#k``)."""
    out = dict(names or {})
    if not isinstance(model, GroupedModel):
        return out
    group = level_groups(order, "neuron", names or {}, model, known)
    kinds: dict[str, str] = {}  # op -> its kind, looked up once per op

    def kind(op: str) -> str:
        return kinds.get(op) or kinds.setdefault(op, op_kind(op))

    # only a grouped op value that is not an activation is asked whether it is a leaf
    asked = {v for v in group if v._op and kind(v._op) != "activation"}
    leaves: set[Value] = set()  # of those, the values some other group (or no group) takes
    for c in order:
        # NOTE: a node taking none of the values asked about is passed over at C speed
        ps = parents_of(c)
        if asked.isdisjoint(ps):
            continue
        gc = group.get(c)
        leaves.update(p for p in ps if p in asked and group[p] != gc)
    made: dict[Value, str] = {}
    for v in order:
        g = group.get(v)
        if g is None or not v._op:
            continue
        if kind(v._op) == "activation":
            made[v] = f"{g}.out"
            for p in parents_of(v):
                if p._op and group.get(p) == g:
                    made[p] = f"{g}.net"
        elif v in leaves or v is order[-1]:
            made.setdefault(v, f"{g}.net")
    root = order[-1] if order else None
    if root in made:
        made[root] = "out"
    for v, n in made.items():
        if v not in out and not v.label:
            out[v] = n
    return out
