"""The graph walk: one iterative topological order, and the backward pass over it.

Duck-typed over the node layout documented in ``value.Value``: it imports nothing from ``value``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from math import isfinite
from typing import TYPE_CHECKING

from .ops import as_float

if TYPE_CHECKING:
    from .value import Value

# Kept in ``_b`` of a Value computed inside no_grad(): it has no graph to go back through.
UNRECORDED = "computed inside no_grad()"


def check_recorded(v: object, caller: str) -> None:
    """Refuse a Value computed inside no_grad(): it has no graph to go back through."""
    if getattr(v, "_b", None) is UNRECORDED:  # (a non-Value is refused by the walk)
        raise RuntimeError(
            f"{caller}: this Value was computed inside no_grad(), so no graph was recorded; "
            "compute it outside the no_grad() block"
        )


def topological_order(*roots: Value) -> list[Value]:
    """Every node the roots depend on, each once and after all of its parents (and so each root
    after everything it depends on).

    An explicit-stack depth-first walk (no recursion, so any depth works). An op node is pushed
    back, then its parents above it; when it is on top again, its parents are done and it is
    emitted. Nodes are marked in their ``_mark`` slot with marks made fresh for this walk, so
    two threads must not walk the same graph at the same time.
    """
    return _walk(roots, None)


def _walk(roots: tuple[Value, ...], held: list[tuple[Value, float]] | None) -> list[Value]:
    """``topological_order``; given ``held`` (for backward), it also resets each node's grad to
    0 as it is emitted, keeping a leaf's old grad in ``held``: one pass over the graph, not three.
    """
    entered, finished = object(), object()
    order: list[Value] = []
    stack = list(reversed(roots))
    for v in stack:
        if not hasattr(v, "_mark"):
            raise TypeError(f"expected a Value, got {type(v).__name__} {v!r:.60}")
    push, pop, emit = stack.append, stack.pop, order.append
    while stack:
        v = pop()
        mark = v._mark
        if mark is finished:  # reached again through another path
            continue
        if mark is not entered:
            # NOTE: the layout is read here, not through _parents (no tuple per node), and a
            # parent already finished is not pushed: 8% of the walk on the generic benchmark
            # graph, 15% on the demo's, where each weight is reached 100 times. A many-input
            # node whose parents are all done is emitted at once, as it would be after a push
            # and a pop: 1.7% fewer instructions per demo step (a neuron's inputs are done by
            # the layer's first neuron).
            d, db = v._da, v._db
            if type(d) is tuple:
                todo = [p for p in v._a if p._mark is not finished]
                if todo:
                    v._mark = entered
                    push(v)
                    stack += todo
                    continue
            elif d is not None or db is not None:  # an op node: its parents go first
                v._mark = entered
                push(v)
                if d is not None and v._a._mark is not finished:
                    push(v._a)
                if db is not None and v._b._mark is not finished:
                    push(v._b)
                continue
        v._mark = finished  # a leaf, or back on top with every parent done
        emit(v)
        if held is not None:
            if not v._op:
                held.append((v, v._grad))
            v._grad = 0.0
    return order


def backward(
    root: Value,
    gradient: float = 1.0,
    *,
    check_finite: bool = False,
    on_node: Callable[[Value], None] | None = None,
) -> None:
    """Add d root / d leaf * gradient into every leaf's ``.grad``.

    Interior nodes' ``.grad`` are reset first, so a second identical call doubles exactly the
    leaf gradients and nothing stale from an earlier pass leaks in. ``on_node(v)`` is called at
    each node's turn, when its ``.grad`` is complete and before it flows to v's parents (this is
    how ``step_through`` watches backward). With ``check_finite``, the first NaN or inf gradient
    raises FloatingPointError naming its node; on any error every ``.grad`` is put back.
    """
    check_recorded(root, "backward")
    try:
        seed = as_float(gradient)
    except TypeError:
        name = type(gradient).__name__
        raise TypeError(f"backward: gradient must be a number, got {name}") from None
    # NOTE: leaves also restart from 0 and get their earlier grad added back at the end, so a
    # second identical call adds the very same float and the leaf grads double exactly.
    watch = _finite_check(on_node) if check_finite else on_node
    held: list[tuple[Value, float]] = []
    saved: list[float] = []  # every grad, to put back if watch raises midway
    if watch is not None:
        saved = [v._grad for v in topological_order(root)]
    order = _walk((root,), held)  # the same order, resetting every grad on the way
    root._grad = seed
    try:
        _propagate(order, watch)
    except BaseException:
        for v, g in zip(order, saved):  # noqa: B905 (empty when nothing may raise)
            v._grad = g
        raise
    for v, g in held:
        if g:
            v._grad += g


def _finite_check(on_node: Callable[[Value], None] | None) -> Callable[[Value], None]:
    """A watch that raises FloatingPointError at the first node whose grad is NaN or inf."""

    def watch(v: Value) -> None:
        g = v._grad
        if not math.isfinite(g):
            name = f"{v.label!r} " if v.label else ""
            raise FloatingPointError(f"backward: non-finite gradient {g!r} at node {name}{v!r}")
        if on_node is not None:
            on_node(v)

    return watch


def _propagate(order: list[Value], watch: Callable[[Value], None] | None) -> None:
    """The chain rule over ``order``, from the root down: parent.grad += local * node.grad.

    ``watch(v)`` sees each node when its grad is complete, before it flows on.
    """
    for v in reversed(order):
        g = v._grad
        if watch is not None:
            watch(v)
        d = v._da
        if d is not None:
            if type(d) is tuple:
                # NOTE: a node whose grad is exactly 0 adds only zeros, which change nothing
                # (every grad starts this pass at +0.0, and +0.0 + -0.0 is +0.0) as long as no
                # local is inf or NaN (0 * inf is NaN): skipped, 15% fewer demo instructions.
                if not g and isfinite(sum(d)):
                    continue
                for p, dp in zip(v._a, d):  # noqa: B905 (aligned by construction; hot loop)
                    p._grad += dp * g
            else:
                v._a._grad += d * g
            d = v._db
            if d is not None:
                v._b._grad += d * g
        elif v._db is not None:  # a constant first input (2.0 - x)
            v._b._grad += v._db * g
