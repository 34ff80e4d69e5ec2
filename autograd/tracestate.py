"""The state of a running trace, which the few non-hot Value methods consult, and TraceError.

A trace registers itself here for its thread only (``tracing(state)``); nothing is patched. While
one runs, ``.data``, ``.grad``, ``float()``, ``detach()``, ``backward()`` and friends ask
``active()`` and refuse, comparisons append a guard to ``state.log``, and every node made is
noted in ``state.made``. Outside a trace the op methods never get here (``value._slow`` is 0).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class TraceError(TypeError):
    """The traced function did something a trace cannot follow (e.g. ``float(value)``)."""


class TraceState:
    """What one trace has seen so far: guards (``log``) and the ids of the nodes made inside it
    (``made``; a Value from before the trace is alive all along, so no id is shared)."""

    __slots__ = ("log", "made", "limit")

    def __init__(self, limit: int) -> None:
        self.log: list[tuple[Any, str, Any, bool]] = []  # (a, symbol, b, result)
        self.made: set[int] = set()
        self.limit = limit  # the most nodes f may make


_local = threading.local()


def active() -> TraceState | None:
    """The trace running in this thread, or None."""
    return getattr(_local, "state", None)


@contextmanager
def tracing(state: TraceState) -> Iterator[None]:
    """Make ``state`` this thread's running trace (traces nest: the outer one comes back)."""
    outer = active()
    _local.state = state
    try:
        yield
    finally:
        _local.state = outer


@contextmanager
def paused() -> Iterator[None]:
    """No trace in this thread for a moment (the tracer's own bookkeeping, error messages)."""
    outer = active()
    _local.state = None
    try:
        yield
    finally:
        _local.state = outer


def refuse(what: str, todo: str) -> TraceError:
    """A TraceError that names what was done, where (the caller's line), and what to do."""
    return TraceError(f"trace: {what} at {_where()}: {todo}")


def _where() -> str:
    """The innermost line of code outside the engine (autograd) that led here."""
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module != "autograd" and not module.startswith("autograd."):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} (in {frame.f_code.co_name})"
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"


# --- what the Value methods call, only while ``value._slow`` is not 0 ---

DEFAULT_TODO = (
    "a replay would reuse the number seen while tracing. Use Value operations (comparisons "
    "are fine: they become guards), or call the function without trace"
)
BACKWARD = (
    "a replay cannot redo what it adds into .grad; use autograd.gradients(y, xs) instead, "
    "which a trace records as part of the graph"
)


def refuse_in_trace(what: str, v: Any, todo: str = DEFAULT_TODO) -> None:
    """Raise TraceError if this thread is tracing: ``what`` (of Value v) would leave the graph."""
    if active() is not None:
        name = f" {v.label!r}" if v.label else ""
        raise refuse(f"{what} a Value{name}", todo)


def guard(a: Any, symbol: str, b: Any, result: bool) -> None:
    """In a trace, note the comparison ``a symbol b``: the replay checks it comes out the same."""
    state = active()
    if state is not None:
        state.log.append((a, symbol, b, result))


def note(v: Any) -> None:
    """In a trace, note node v as made inside it; refuse past the trace's limit."""
    state = active()
    if state is not None:
        made = state.made
        made.add(id(v))
        if len(made) > state.limit:
            raise refuse(
                f"the traced function made more than {state.limit:,} nodes",
                "see autograd.tracing.MAX_NODES for the memory a node costs; pass "
                "trace(..., max_nodes=N) to allow more",
            )
