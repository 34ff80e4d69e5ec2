"""Tracing: run a function once on Values, then replay forward and backward on new numbers.

``trace(f, *args)`` runs ``f`` once on Values and turns the recorded graph into straight-line
Python over floats: one line per node forward, one line per edge backward (print ``.source`` to
read backpropagation as code). Replays make no Value objects and do the very same float
operations in the same order as the engine, so results are equal bit for bit. Branches the
trace cannot see (comparisons of Values) become guards checked on every replay; what a replay
could not follow (reading ``.data``, ``float()``, ``detach()``, a Value computed outside ``f``)
is refused with TraceError. The code itself is written by ``codegen``. With
``has_aux``, ``f`` returns ``(value, aux)`` and replays hand back ``aux``'s numbers too (a
training step's scores, say), as JAX's ``has_aux`` does.
"""

from __future__ import annotations

import numbers
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .codegen import GuardFailed, generate, literal
from .graph import UNRECORDED, topological_order
from .ops import REGISTRY, as_float
from .value import Value, is_recording


class GuardError(RuntimeError):
    """A replay took a different branch than the trace (a comparison came out the other way)."""


class TraceError(TypeError):
    """The traced function did something a trace cannot follow (e.g. ``float(value)``)."""


def trace(
    f: Callable[..., Any], *args: Any, retrace: bool = False, has_aux: bool = False
) -> Compiled:
    """Run ``f(*args)`` once on Values and compile what it computed.

    Numbers in ``args`` (also inside lists and tuples) become the inputs of the compiled
    function; any other Value ``f`` reaches (model parameters, say) is read live on each call
    and gets its ``.grad`` from ``backward``. With ``retrace``, a guard failure or a change in
    the arguments' shape traces again instead of raising. With ``has_aux``, ``f`` returns
    ``(value, aux)``, aux being Values and numbers in lists and tuples: every call then returns
    ``(value, aux)`` in place of the value, with aux's numbers from the replay (value_and_grad:
    ``((value, aux), grads)``); only ``value`` is differentiated.
    """
    return Compiled(f, args, retrace, has_aux)


class Compiled:
    """A traced function, replayed on floats: ``c(*args)``, ``c.backward``, ``c.value_and_grad``."""

    def __init__(
        self, f: Callable[..., Any], args: tuple[Any, ...], retrace: bool, has_aux: bool = False
    ) -> None:
        self.f = f
        self.retrace = retrace
        self.has_aux = has_aux
        self.retraces = 0
        self._plan = _Trace(f, args, has_aux)

    @property
    def source(self) -> str:
        """The generated forward + backward code: for the captured Values' gradients if the
        function reaches any (model parameters), else for the inputs' gradients."""
        plan = self._plan
        return plan.code("backward" if plan.grad_targets else "inputs")[1]

    @property
    def guards(self) -> list[str]:
        """The comparisons the trace depends on, as source text (``v3 > 0.0``)."""
        return list(self._plan.guard_text)

    def __call__(self, *args: Any) -> Any:
        """f(*args) as a float (with has_aux: ``(value, aux)``), by the compiled forward pass."""
        if self.has_aux:
            out, aux = self._run("forward", args)
            return out, self._aux(aux)
        return self._run("forward", args)

    def backward(self, *args: Any, gradient: float = 1.0) -> Any:
        """f(*args), and add d f / d v (times ``gradient``) into ``.grad`` of every captured leaf
        Value v, exactly as ``f(*args).backward(gradient)`` would. Returns f(*args) (with
        has_aux: ``(value, aux)``)."""
        seed = as_float(gradient)
        out, grads, *aux = self._run("backward", args, seed)
        for v, g in zip(self._plan.grad_targets, grads, strict=False):
            old = v.grad  # NOTE: as graph.backward does: sum from 0.0, then add the old grad
            v.grad = g + old if old else g
        return (out, self._aux(aux[0])) if self.has_aux else out

    def value_and_grad(self, *args: Any, gradient: float = 1.0) -> tuple[Any, Any]:
        """(f(*args), d f / d args), the gradients nested like ``args``; no ``.grad`` is touched.
        With has_aux: ``((value, aux), grads)``."""
        seed = as_float(gradient)
        out, grads, *aux = self._run("inputs", args, seed)
        grads = _rebuild(self._plan.shape, iter(grads))
        return ((out, self._aux(aux[0])), grads) if self.has_aux else (out, grads)

    def _aux(self, numbers: tuple[float, ...]) -> Any:
        return _rebuild(self._plan.aux_shape, iter(numbers))

    def _run(self, kind: str, args: tuple[Any, ...], *extra: float) -> Any:
        plan = self._plan
        flat: list[float] = []
        if _flatten_args(args, flat) != plan.shape:
            if not self.retrace:
                raise ValueError(
                    "trace: the arguments have a different shape than when traced "
                    f"({_describe(_flatten_args(args, []))} vs {_describe(plan.shape)}); "
                    "trace again, or pass retrace=True"
                )
            plan = self._again(args)
        fn = plan.code(kind)[0]
        try:
            return fn(flat, plan.captured, *extra)
        except GuardFailed as e:
            if not self.retrace:
                raise GuardError(
                    f"trace: the trace took the branch where {plan.guard_text[e.args[0]]} "
                    f"is {plan.guard_result[e.args[0]]}, but with these inputs it is not: the "
                    "function's structure depends on the data. Trace again, or pass retrace=True"
                ) from None
        plan = self._again(args)
        return plan.code(kind)[0](flat, plan.captured, *extra)

    def _again(self, args: tuple[Any, ...]) -> _Trace:
        self._plan = _Trace(self.f, args, self.has_aux)
        self.retraces += 1
        return self._plan


# --- tracing: run f on Values; comparisons become guards; data reads are refused ---

# NOTE: while any thread traces, Value's comparisons, __float__, detach and its data slot are
# swapped for the versions below; they act only in the tracing thread (``_tracing.log``).
_tracing = threading.local()
_patch_lock = threading.Lock()
_patched = 0
_COMPARE = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}
_original: dict[str, Any] = {}


_DATA_SLOT = Value.__dict__["data"]


def data_for_check(v: Value) -> float:
    """``v.data`` for a check that can only raise (a label's range, say). A trace lets this read
    through: whichever way the check goes, what is computed stays the same."""
    return _DATA_SLOT.__get__(v, Value)  # type: ignore[no-any-return]


def _refuse(what: str) -> TraceError:
    return TraceError(
        f"trace: {what} inside a traced function turns data into a constant that replays "
        "cannot follow; use Value operations (comparisons are fine: they become guards)"
    )


def _guarded(name: str, symbol: str) -> Callable[[Value, Any], bool]:
    original = _original[name]

    def compare(self: Value, other: Any) -> bool:
        result = original(self, other)
        log = getattr(_tracing, "log", None)
        if log is not None:
            log.append((self, symbol, other, result))
        return bool(result)

    return compare


def _float_refused(self: Value) -> float:
    if getattr(_tracing, "log", None) is not None:
        raise _refuse("float() of a Value")
    return _original["__float__"](self)  # type: ignore[no-any-return]


def _detach_refused(self: Value) -> Value:
    if getattr(_tracing, "log", None) is not None:
        raise _refuse("detach()")
    return _original["detach"](self)  # type: ignore[no-any-return]


def _watched_data(slot: Any) -> property:
    """``Value.data`` while tracing: the engine reads it freely; any other code that reads it
    is refused; every node made is noted, to tell them from Values made before the trace."""

    def get(self: Value) -> float:
        if getattr(_tracing, "log", None) is not None:
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller.partition(".")[0] != "autograd":
                raise _refuse("reading .data of a Value")
        return slot.__get__(self, Value)  # type: ignore[no-any-return]

    def set(self: Value, x: float) -> None:
        made = getattr(_tracing, "made", None)
        if made is not None:
            made.add(id(self))
        slot.__set__(self, x)

    return property(get, set)


@contextmanager
def _watching(log: list[Any], made: set[int]) -> Iterator[None]:
    """While f runs in this thread: comparisons are logged, data reads and detach refused."""
    global _patched
    with _patch_lock:
        if _patched == 0:
            for name in (*_COMPARE, "__float__", "detach", "data"):
                _original[name] = Value.__dict__[name]
            for name, symbol in _COMPARE.items():
                setattr(Value, name, _guarded(name, symbol))
            Value.__float__ = _float_refused  # type: ignore[method-assign]
            Value.detach = _detach_refused  # type: ignore[method-assign]
            setattr(Value, "data", _watched_data(_original["data"]))  # noqa: B010 (a slot)
        _patched += 1
    outer = getattr(_tracing, "log", None), getattr(_tracing, "made", None)
    _tracing.log, _tracing.made = log, made
    try:
        yield
    finally:
        _tracing.log, _tracing.made = outer
        with _patch_lock:
            _patched -= 1
            if _patched == 0:
                for name, method in _original.items():
                    setattr(Value, name, method)


# --- the plan: nodes in order, then source code ---


class _Trace:
    """One trace of f: its nodes, inputs, captured leaves and guards, and the code made of them."""

    def __init__(self, f: Callable[..., Any], args: tuple[Any, ...], has_aux: bool) -> None:
        flat: list[float] = []
        self.shape = _flatten_args(args, flat)
        self.inputs = [Value(x) for x in flat]
        if not is_recording():
            raise TraceError("trace: cannot trace inside no_grad(): nothing would be recorded")
        log: list[Any] = []
        made: set[int] = set()
        with _watching(log, made):
            root = f(*_rebuild(self.shape, iter(self.inputs)))
        self.has_aux = has_aux
        self.aux: list[Any] = []  # Values and numbers, flattened
        self.aux_shape: Any = None
        if has_aux:
            if not (type(root) in (tuple, list) and len(root) == 2):
                raise TypeError(
                    f"trace: with has_aux, f must return (value, aux), got {type(root).__name__}"
                )
            root, aux = root
            self.aux_shape = _flatten_outputs(aux, self.aux)
        if not isinstance(root, Value):
            raise TypeError(f"trace: f must return a Value, got {type(root).__name__}")
        self.root = root
        self.order = topological_order(root)  # the engine's own order: backward follows it
        in_graph = {id(v) for v in self.order}
        # a guard's operands come first, so that it is checked early
        operands = [x for a, _, b, _ in log for x in (a, b) if isinstance(x, Value)]
        nodes = topological_order(*operands, root, *(x for x in self.aux if isinstance(x, Value)))
        ids = {id(v) for v in self.inputs}
        # every input has a name, used or not
        self.forward = self.inputs + [v for v in nodes if id(v) not in ids]
        _check_replayable(self.forward, made)
        self.index = {id(v): i for i, v in enumerate(self.forward)}
        # the rules as they are now: a user's op may be redefined later, but not this trace's
        self.ops = {v._op: REGISTRY[v._op] for v in self.forward if v._op}
        self.captured = [v for v in self.forward if not v._op and id(v) not in ids]
        self.grad_targets = [v for v in self.captured if id(v) in in_graph]
        self.guards = log
        self.guard_text = [f"{self._name(a)} {s} {self._name(b)}" for a, s, b, _ in log]
        self.guard_result = [r for *_, r in log]
        self._code: dict[str, tuple[Callable[..., Any], str]] = {}

    def _name(self, x: Any) -> str:
        return f"v{self.index[id(x)]}" if isinstance(x, Value) else literal(float(x))

    def code(self, kind: str) -> tuple[Callable[..., Any], str]:
        if kind not in self._code:
            self._code[kind] = generate(self, kind)
        return self._code[kind]


def _check_replayable(nodes: list[Value], made: set[int]) -> None:
    """Refuse a node a replay could not recompute: one computed before the trace began, or one
    computed inside f under no_grad() (a leaf whose data came from f's inputs)."""
    for v in nodes:
        if v._op and id(v) not in made:
            raise TraceError(
                f"trace: f uses {v!r}, computed outside it; a replay could not recompute it. "
                "Compute it inside f, or pass .detach() of it (a constant read live)"
            )
        if not v._op and v._b is UNRECORDED and id(v) in made:
            raise TraceError(
                f"trace: f computed {v!r} inside no_grad(); a replay could not recompute it"
            )


# --- arguments: nested lists and tuples of numbers, flattened ---


def _flatten_args(x: Any, out: list[float]) -> Any:
    """Append the numbers in ``x`` to ``out`` and return its shape (None for a number)."""
    if type(x) is float:
        out.append(x)
        return None
    if type(x) is list or type(x) is tuple:
        return (type(x), tuple(_flatten_args(item, out) for item in x))
    if isinstance(x, Value):
        raise TypeError(
            "trace: pass numbers, not Values, as arguments; Values the function uses "
            "directly (like model parameters) are read live on every call"
        )
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        out.append(float(x))
        return None
    raise TypeError(f"trace: arguments must be numbers or lists of numbers, got {type(x).__name__}")


def _flatten_outputs(x: Any, out: list[Any]) -> Any:
    """``_flatten`` for aux outputs: Values and numbers (kept as they are) in lists and tuples."""
    if isinstance(x, Value) or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        out.append(x)
        return None
    if type(x) is list or type(x) is tuple:
        return (type(x), tuple(_flatten_outputs(item, out) for item in x))
    raise TypeError(
        f"trace: aux must be Values or numbers, in lists and tuples; got {type(x).__name__}"
    )


def _rebuild(shape: Any, items: Any) -> Any:
    if shape is None:
        return next(items)
    kind, parts = shape
    return kind(_rebuild(s, items) for s in parts)


def _describe(shape: Any) -> str:
    if shape is None:
        return "number"
    kind, parts = shape
    inner = ", ".join(_describe(s) for s in parts[:3]) + (", ..." if len(parts) > 3 else "")
    return f"{kind.__name__} of {len(parts)} [{inner}]"


__all__ = ["trace", "Compiled", "GuardError", "TraceError", "data_for_check"]
