"""Code generation for traces: a trace written out as straight-line Python over floats.

One line per node forward (from the op table's ``source`` where it has one, else a call of
the rule), then one line per edge backward, ``g_parent += local * g_node``, in the engine's
order, so a replay does the very same float operations as ``backward()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter, mul
from typing import TYPE_CHECKING, Any

from . import ops
from .nary import keyed, op_of
from .value import Value

if TYPE_CHECKING:
    from .tracing import _Trace


# A trace's own op, in no table: its value is its input's, and backward does not go through it
# (inside a trace, ``gradients`` returns its results through it, as the floats eager code gets).
STOP = keyed(ops.Op("stop_gradient", lambda a: (a, (0.0,)))).name


class GuardFailed(Exception):
    """Raised by generated code when a guard's comparison comes out the other way."""


_NAMESPACE = {
    "mul": mul,
    "sum": sum,
    "map": map,
    "inf": math.inf,
    "nan": math.nan,
    "GuardFailed": GuardFailed,
    "_data": attrgetter("_data"),
}


def literal(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    return f"({x!r})" if x < 0 or (x == 0.0 and math.copysign(1.0, x) < 0) else repr(x)


def generate(plan: _Trace, kind: str) -> tuple[Callable[..., Any], str]:
    """Source and function for ``kind``: "forward" (the value), "backward" (the value and the
    captured leaves' gradients) or "inputs" (the value and the inputs' gradients)."""
    ns: dict[str, Any] = dict(_NAMESPACE)
    name = plan._name
    want_grads = kind != "forward"
    groups, locals_of, hoisted = forward_lines(plan, want_grads, ns)
    lines = [line for group in groups for line in group]
    prologue = prologue_lines(plan, hoisted)
    root = name(plan.root)
    aux = ""  # has_aux: the aux numbers follow, as one more tuple
    if plan.has_aux:
        aux = f", ({''.join(f'{name(x)}, ' for x in plan.aux).rstrip(' ')})"
    if not want_grads:
        signature, body = "def forward(A, C):", prologue + lines + [f"return {root}{aux}"]
    else:
        targets = plan.grad_targets if kind == "backward" else plan.inputs
        result = "".join(f"g{plan.index[id(t)]}, " for t in targets)
        body = prologue + lines + _backward_lines(plan, targets, locals_of)
        body.append(f"return {root}, ({result.rstrip(' ')}){aux}")
        signature = f"def {kind}(A, C, seed):"
    return define(signature, body, ns, kind)


def define(signature: str, body: list[str], ns: dict[str, Any], kind: str) -> tuple[Any, str]:
    """The function ``signature: body`` compiled in ``ns``, and its source text."""
    text = "\n".join([signature] + ["    " + line for line in body]) + "\n"
    exec(compile(text, f"<autograd.tracing {kind}>", "exec"), ns)
    fn: Callable[..., Any] = ns[signature[4 : signature.index("(")]]
    return fn, text


def prologue_lines(plan: _Trace, hoisted: dict[str, str]) -> list[str]:
    """Unpack the inputs (``A``) and the captured leaves' numbers (``C``); build the hoisted
    tuples."""
    name = plan._name
    prologue = []
    if plan.inputs:
        prologue.append(f"{', '.join(name(v) for v in plan.inputs)}, = A")
    if plan.captured:
        prologue.append(f"{', '.join(name(v) for v in plan.captured)}, = map(_data, C)")
    return prologue + [f"{t} = {text}" for text, t in hoisted.items()]


def forward_lines(
    plan: _Trace,
    want_grads: bool,
    ns: dict[str, Any],
    part: Callable[[Value], object] = lambda v: None,
    hoist_inputs: bool = True,
) -> tuple[list[list[str]], dict[int, tuple[str, ...]], dict[str, str]]:
    """The forward pass as code: the lines of each node of ``plan.forward`` (with the guards
    that can be checked after it), the local derivatives' texts by node index, and the tuples
    of leaves and constants to build once up front. A tuple used more than once is built once,
    by the first node using it among those of the same ``part(v)``; one holding inputs is
    built up front only if ``hoist_inputs``."""
    rules: dict[int, str] = {}  # id(Op) -> its name in the code
    name = plan._name
    per_call: set[int] = set() if hoist_inputs else {id(v) for v in plan.inputs}
    leaves = {name(v) for v in plan.forward if not v._op and id(v) not in per_call}
    hoisted: dict[str, str] = {}  # tuples of leaves and constants (a neuron's weights)
    shared: dict[
        tuple[object, str], str
    ] = {}  # other tuples used more than once (a layer's inputs)
    uses: dict[tuple[object, str], int] = {}
    where: list[object] = [None]  # the part of the node being written

    def count(names: Sequence[str]) -> str:
        text = ops.pack(names)
        key = (where[0], text)
        uses[key] = uses.get(key, 0) + 1
        return text

    def pack(names: Sequence[str]) -> str:
        """A tuple for an n-ary op's source: hoisted when it holds only leaves and constants,
        built once when it is used more than once."""
        text = ops.pack(names)
        key = (where[0], text)
        if len(names) > 2 and all(n in leaves or not n.startswith("v") for n in names):
            return hoisted.setdefault(text, f"T{len(hoisted)}")  # built once, up front
        if uses[key] > 1:
            if key not in shared:
                shared[key] = f"S{len(shared)}"
                emit(f"{shared[key]} = {text}")
            return shared[key]
        return text

    def source(v: Value, pack: Callable[[Sequence[str]], str]) -> ops.Source | None:
        """The op's inline source from the table, or None when its rule is called instead."""
        op = op_of(v._op)
        if op.source is None:
            return None
        texts = [name(x) for x in v._inputs]
        return op.source(*texts, pack=pack) if op.kind == "reduction" else op.source(*texts)

    for v in plan.forward:  # count the tuples first, to build each repeated one once
        if v._op and v._op is not STOP:
            where[0] = part(v)
            source(v, count)

    guard_after: dict[int, list[int]] = {}
    for k, (a, _, b, _) in enumerate(plan.guards):
        last = max(plan.index[id(x)] for x in (a, b) if isinstance(x, Value))
        guard_after.setdefault(last, []).append(k)
    locals_of: dict[int, tuple[str, ...]] = {}
    groups: list[list[str]] = []
    for i, v in enumerate(plan.forward):
        lines: list[str] = []
        groups.append(lines)
        emit = lines.append
        where[0] = part(v)
        if v._op is STOP:
            emit(f"v{i} = {name(v._a)}  # a constant to backward")
        elif v._op:
            inline = source(v, pack)
            if inline is not None:
                out, local = inline
                emit(f"v{i} = {out}")
                locals_of[i] = local
            else:
                inputs = v._inputs
                texts = [name(x) for x in inputs]
                op = op_of(v._op)  # the op the node was built with, even if redefined since
                rule = rules.get(id(op))
                if rule is None:
                    rule = rules[id(op)] = _rule_name(op.name, rules)
                    ns[rule] = op.rule
                call = f"{rule}({', '.join(texts)})"
                if not want_grads:
                    emit(f"v{i} = {call}[0]")
                elif len(inputs) == 1:
                    emit(f"v{i}, (d{i},) = {call}")
                    locals_of[i] = (f"d{i}",)
                else:
                    emit(f"v{i}, d{i} = {call}")
                    locals_of[i] = tuple(f"d{i}[{j}]" for j in range(len(inputs)))
        for k in guard_after.get(i, ()):
            emit(_guard_line(plan, k))
    return groups, locals_of, hoisted


def _guard_line(plan: _Trace, k: int) -> str:
    test = plan.guard_text[k]
    return f"if {'not ' if plan.guard_result[k] else ''}({test}): raise GuardFailed({k})"


def _backward_lines(
    plan: _Trace, targets: list[Value], locals_of: dict[int, tuple[str, ...]]
) -> list[str]:
    """The chain rule as code from the root down (``chain_lines``); a target with no path
    from the root gets 0.0."""
    root = plan.root
    needs = needed(plan.order, targets)
    started: set[int] = set()
    lines: list[str] = []
    if id(root) in needs:
        lines.append(f"g{plan.index[id(root)]} = seed")
        started.add(id(root))
    lines += chain_lines(plan, reversed(plan.order), needs, locals_of, started)
    for t in targets:
        if id(t) not in started:
            lines.append(f"g{plan.index[id(t)]} = 0.0")
    return lines


def needed(order: list[Value], targets: list[Value]) -> set[int]:
    """The ids of the nodes in ``order`` (parents first) that some target depends on."""
    target_ids = {id(t) for t in targets}
    needs: set[int] = set()
    for v in order:
        if id(v) in target_ids or any(id(p) in needs for p in v._parents):
            needs.add(id(v))
    return needs


def chain_lines(
    plan: _Trace,
    nodes: Iterable[Value],
    needs: set[int],
    locals_of: dict[int, tuple[str, ...]],
    started: set[int],
) -> list[str]:
    """For each node of ``nodes`` (the engine's order, reversed) that has a gradient, for each
    parent in the engine's order: ``g_parent += local * g_node``, or ``g_parent = 0.0 + ...``
    the first time (``started`` holds the ids of the gradients already begun, and grows);
    edges no target depends on are skipped."""
    index = plan.index
    lines: list[str] = []
    for v in nodes:
        if not v._op or id(v) not in needs:
            continue
        i = index[id(v)]
        g = f"g{i}"
        if id(v) not in started:  # NOTE: a node with no path from the root gets nothing
            continue
        local = locals_of[i]
        values = [j for j, x in enumerate(v._inputs) if isinstance(x, Value)]
        for j, p in zip(values, v._parents, strict=False):
            if id(p) not in needs:
                continue
            d = local[j]
            term = g if d == "1.0" else (f"-{g}" if d == "-1.0" else f"{d} * {g}")
            gp = f"g{index[id(p)]}"
            if id(p) in started:
                lines.append(f"{gp} += {term}")
            else:
                lines.append(f"{gp} = 0.0 + {term}")
                started.add(id(p))
    return lines


def _rule_name(op: str, taken: dict[int, str]) -> str:
    base = "".join(c if c.isalnum() else "_" for c in op)
    name, k = f"rule_{base}", 1
    while name in taken.values():
        name, k = f"rule_{base}_{k}", k + 1
    return name
