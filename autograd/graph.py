"""The graph walk: an iterative topological order and the backward pass over it.

Nodes follow the layout documented in ``value.Value``: inputs ``_a``/``_b`` with local
derivatives ``_da``/``_db`` (floats, or None for constants), or a tuple of parents in ``_a``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, each after all of its parents; ``root`` is last.

    An explicit-stack post-order DFS (no recursion, so any depth works). It marks nodes in
    their ``_mark`` slot, so two threads must not walk the same graph at the same time.
    """
    return _walk(root, None)


def _walk(root: Value, held: list[tuple[Value, float]] | None) -> list[Value]:
    """The DFS of ``topological_order``. Given ``held`` (backward's fast path), it also zeroes
    each node's grad as it is emitted, saving a leaf's old grad in ``held``: one pass, not three.
    """
    entered, finished = object(), object()
    order: list[Value] = []
    stack = [root]
    push, pop, emit = stack.append, stack.pop, order.append
    while stack:
        v = pop()
        while v._mark is not finished:  # else it was reached again through another path
            if v._mark is not entered:  # first visit: its unfinished parents go first
                # NOTE: v goes back on the stack and the walk steps straight to its last such
                # parent (a push and a pop saved per node); a node with none is emitted at once.
                d = v._da
                if type(d) is tuple:
                    todo = [p for p in v._a if p._mark is not finished]
                    if todo:
                        v._mark = entered
                        push(v)
                        stack += todo
                        v = pop()
                        continue
                else:
                    a = v._a if d is not None and v._a._mark is not finished else None
                    b = v._b if v._db is not None and v._b._mark is not finished else None
                    if b is not None:
                        v._mark = entered
                        push(v)
                        if a is not None:
                            push(a)
                        v = b
                        continue
                    if a is not None:
                        v._mark = entered
                        push(v)
                        v = a
                        continue
            v._mark = finished  # every parent is done: emit
            emit(v)
            if held is not None:
                if not v._op:
                    held.append((v, v.grad))
                v.grad = 0.0
            break
    return order


def backward(root: Value, gradient: float = 1.0, *, check_finite: bool = False) -> None:
    """Accumulate d root / d leaf * gradient into each leaf's ``.grad``.

    Interior nodes' ``.grad`` are reset first, so a second identical call doubles exactly the
    leaf gradients and nothing stale from an earlier pass leaks in.
    """
    from .value import _as_float

    try:
        seed = _as_float(gradient)
    except TypeError:
        name = type(gradient).__name__
        raise TypeError(f"backward: gradient must be a number, got {name}") from None
    # NOTE: leaves also restart from 0 and get their earlier grad added back at the end, so a
    # second identical call adds the very same float and the leaf grads double exactly.
    held: list[tuple[Value, float]] = []
    if check_finite:
        order = topological_order(root)
        saved = [v.grad for v in order]
        held = [(v, g) for v, g in zip(order, saved, strict=True) if not v._op]
        for v in order:
            v.grad = 0.0
    else:
        order = _walk(root, held)  # zeroes every grad on the way
    root.grad = seed
    try:
        _propagate(order, check_finite)
    except FloatingPointError:  # raised only when check_finite: put every grad back
        for v, g in zip(order, saved, strict=True):
            v.grad = g
        raise
    for v, g in held:
        if g:
            v.grad += g


def _propagate(order: list[Value], check_finite: bool) -> None:
    """The chain rule over ``order``, from the root down: parent.grad += local * node.grad.

    A node's grad is complete when the loop reaches it, so that is where it is checked.
    """
    for v in reversed(order):
        g = v.grad
        if check_finite and not math.isfinite(g):
            name = f"{v.label!r} " if v.label else ""
            raise FloatingPointError(f"backward: non-finite gradient {g!r} at node {name}{v!r}")
        d = v._da
        if d is not None:
            if type(d) is tuple:
                for p, dp in zip(v._a, d):  # noqa: B905 (aligned by construction; hot loop)
                    p.grad += dp * g
            else:
                v._a.grad += d * g
            d = v._db
            if d is not None:
                v._b.grad += d * g
        elif v._db is not None:  # a constant first input (2.0 - x)
            v._b.grad += v._db * g
