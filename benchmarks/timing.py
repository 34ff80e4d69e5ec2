"""Timing as users run: garbage collector on, blocks of consecutive calls, collected in between."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any


def per_call(fn: Callable[[], Any], *, calls: int, blocks: int, gc_on: bool = True) -> float:
    """Median over ``blocks`` blocks of ``calls`` consecutive calls of the mean seconds per call.

    ``gc.collect()`` runs before each block, so one block's garbage is not billed to the next.
    Inside a block the collector runs as it does for users (its cost is part of the work),
    unless ``gc_on`` is false: then the time is the interpreter's work alone.
    """
    times = []
    for _ in range(blocks):
        gc.collect()
        if not gc_on:
            gc.disable()
        try:
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            times.append((time.perf_counter() - start) / calls)
        finally:
            gc.enable()
    return statistics.median(times)


def once(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds for a single call, after a collection, and its result."""
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out
