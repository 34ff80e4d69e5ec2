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
        v = stack[-1]
        mark = v._mark
        if mark is entered:  # every parent is done: emit
            pop()
            v._mark = finished
            emit(v)
            if held is not None:
                if not v._op:
                    held.append((v, v.grad))
                v.grad = 0.0
            continue
        if mark is finished:  # reached again through another path
            pop()
            continue
        v._mark = entered
        d = v._da
        if d is not None:
            if type(d) is tuple:
                for p in v._a:
                    if p._mark is not finished:
                        push(p)
            elif v._a._mark is not finished:
                push(v._a)
        if v._db is not None and v._b._mark is not finished:
            push(v._b)
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
        if d is None:
            if v._db is None:  # a leaf or a node of constants
                continue
        elif type(d) is tuple:
            for p, dp in zip(v._a, d):  # noqa: B905 (aligned by construction; hot loop)
                p.grad += dp * g
        else:
            p = v._a
            p.grad += d * g
        d = v._db
        if d is not None:
            p = v._b
            p.grad += d * g
