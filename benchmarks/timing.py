"""Timing on a shared machine: configurations alternated round by round in one process, and
medians of per-round ratios, so that a slow moment of the machine hits every engine alike."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def timed(fn: Callable[[], Any], *, gc_on: bool = True) -> float:
    """Seconds for one call of ``fn``, after a collection (so earlier garbage is not billed).

    With ``gc_on`` the collector runs during the call as it does for users (its cost is part of
    the work); without, the time is the interpreter's work alone.
    """
    gc.collect()
    if not gc_on:
        gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def alternated(configs: dict[str, Callable[[], T]], rounds: int) -> dict[str, list[T]]:
    """Each configuration's result (its times), round by round.

    Every round runs every configuration once; the order rotates by one each round and runs
    backwards every other round, so no configuration always goes first or follows the same one.
    """
    names = list(configs)
    results: dict[str, list[T]] = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        order = names[k:] + names[:k]
        if r % 2:
            order.reverse()
        for name in order:
            results[name].append(configs[name]())
    return results


def median_ratio(slow: list[float], fast: list[float]) -> float:
    """The median over rounds of slow / fast: each round's two times were taken side by side."""
    return statistics.median(s / f for s, f in zip(slow, fast, strict=True))


def once(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds for a single call, after a collection, and its result."""
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out
