"""Benchmark 3: memory per node (tracemalloc), and the deepest chain each engine backpropagates."""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from typing import Any

import micrograd.engine

import autograd


def chain(Value: type, n: int, constants: bool = False) -> tuple[Any, list[Any]]:
    """x -> x * a + b repeated: n binary-operation nodes (n even). a and b are two leaf Values,
    or with ``constants`` plain numbers (micrograd wraps each in a new Value; we store them)."""
    a, b = (1.0000001, -1e-7) if constants else (Value(1.0000001), Value(-1e-7))
    x = Value(0.5)
    for _ in range(n // 2):
        x = x * a + b
    return x, [a, b]


def bytes_per_node(Value: type, n: int, constants: bool = False) -> float:
    """Memory held by the graph of ``chain(Value, n, constants)``, per node, before backward."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        root, leaves = chain(Value, n, constants)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del root, leaves
    return (after - before) / n


def deepest_micrograd(limit: int) -> int:
    """The longest chain micrograd's (recursive) backward handles, by bisection up to ``limit``."""
    lo, hi = 0, limit + 1  # lo works, hi fails (or is past the limit)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        root, _ = chain(micrograd.engine.Value, 2 * (mid // 2))
        try:
            root.backward()
            lo = mid
        except RecursionError:
            hi = mid
    return lo


def deep_chainrule(n: int) -> tuple[float, float]:
    """Seconds to build and to backpropagate an ``n``-node chain in chainrule."""
    start = time.perf_counter()
    root, leaves = chain(autograd.Value, n)
    built = time.perf_counter()
    root.backward()
    done = time.perf_counter()
    if not all(v.grad == v.grad for v in leaves):
        raise AssertionError("deep chain: NaN gradient")
    return built - start, done - built


def recursion_limit() -> int:
    return sys.getrecursionlimit()
