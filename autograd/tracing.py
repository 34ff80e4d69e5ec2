"""Tracing: run a function once on Values, then replay forward and backward on new numbers.

``trace(f, *args)`` runs ``f`` once on Values and turns the recorded graph into straight-line
Python over floats: one line per node forward, one line per edge backward (print ``.source`` to
read backpropagation as code). Replays make no Value objects and do the very same float
operations in the same order as the engine, so results are equal bit for bit. Branches the
trace cannot see (comparisons of Values) become guards checked on every replay; what a replay
could not follow (reading ``.data`` or ``.grad``, ``float()``, ``detach()``, ``backward()``, a
Value computed outside ``f``, the random module) is refused with TraceError; ``gradients`` and
``grad`` inside ``f`` are recorded as part of the graph. Nothing is patched: the few Value
methods that could let a number out ask ``tracestate`` whether this thread is tracing, and the
op methods look only when ``value._slow`` says a trace or no_grad block is open somewhere.
The code itself is written by ``codegen``. With
``has_aux``, ``f`` returns ``(value, aux)`` and replays hand back ``aux``'s numbers too (a
training step's scores, say), as JAX's ``has_aux`` does.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Callable, Collection
from typing import Any

from . import tracestate
from .codegen import STOP, GuardFailed, generate, literal
from .graph import UNRECORDED, topological_order
from .ops import as_float
from .tracestate import TraceError
from .value import Value, is_recording, slow_path


def is_tracing() -> bool:
    """True while this thread runs a function under ``trace`` (data reads are refused then)."""
    return tracestate.active() is not None


class GuardError(RuntimeError):
    """A replay took a different branch than the trace (a comparison came out the other way)."""


# A trace keeps its Values, a note per node and the code made of them until it is compiled.
MAX_NODES = 1_000_000


def trace(
    f: Callable[..., Any],
    *args: Any,
    retrace: bool = False,
    has_aux: bool = False,
    numbers: Collection[int] = (),
    max_nodes: int = MAX_NODES,
) -> Compiled:
    """Run ``f(*args)`` once on Values and compile what it computed.

    Numbers in ``args`` (also inside lists and tuples) become the inputs of the compiled
    function; any other Value ``f`` reaches (model parameters, say) is read live on each call
    and gets its ``.grad`` from ``backward``. With ``retrace``, a guard failure or a change in
    the arguments' shape traces again instead of raising. With ``has_aux``, ``f`` returns
    ``(value, aux)``, aux being Values and numbers in lists and tuples: every call then returns
    ``(value, aux)`` in place of the value, with aux's numbers from the replay (value_and_grad:
    ``((value, aux), grads)``); only ``value`` is differentiated.

    ``numbers`` names arguments (by position) that ``f`` treats as plain numbers when called
    eagerly, like labels: they are traced as TracedNumbers, which refuse ``==``, ``bool``,
    ``hash`` and ``int`` (where a float and a Value differ). ``max_nodes`` bounds the graph
    ``f`` may build (see MAX_NODES for the memory per node); past it, TraceError.
    """
    return Compiled(f, args, retrace, has_aux, numbers=numbers, max_nodes=max_nodes)


class Compiled:
    """A traced function, replayed on floats: ``c(*args)``, ``c.backward``, ``c.value_and_grad``."""

    def __init__(
        self,
        f: Callable[..., Any],
        args: tuple[Any, ...],
        retrace: bool,
        has_aux: bool = False,
        *,
        numbers: Collection[int] = (),
        max_nodes: int = MAX_NODES,
    ) -> None:
        self.f = f
        self.retrace = retrace
        self.has_aux = has_aux
        self.retraces = 0
        self.numbers = frozenset(_positions(numbers, len(args)))
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"trace: max_nodes must be an int >= 1, got {max_nodes!r}")
        self.max_nodes = max_nodes
        self._plan = self._new_plan(args)

    def _new_plan(self, args: tuple[Any, ...]) -> _Trace:
        return _Trace(self.f, args, self.has_aux, self.numbers, self.max_nodes)

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
            old = v._grad  # NOTE: as graph.backward does: sum from 0.0, then add the old grad
            v._grad = g + old if old else g
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
        if tracestate.active() is not None:
            raise tracestate.refuse(
                "calling a compiled function inside a traced function",
                "its numbers would be frozen into the outer trace; call the plain function",
            )
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
        self._plan = self._new_plan(args)
        self.retraces += 1
        return self._plan


# --- what eager code sees as a plain number: a TracedNumber, refusing what a Value would not do ---


class TracedNumber(Value):
    """Inside a trace, a Value that stands for what eager code sees as a plain float (a label
    in ``fit(compile=True)``, a gradient computed inside f). It computes like a Value and its
    comparisons become guards; what a float would do differently (``==``, ``bool``, ``hash``,
    ``int``) is refused with TraceError."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        raise _number_refused("== on", self)

    def __ne__(self, other: object) -> bool:
        raise _number_refused("!= on", self)

    def __hash__(self) -> int:
        raise _number_refused("hashing (a dict key, a set)", self)

    def __bool__(self) -> bool:
        raise _number_refused("truth testing (if, and, or) of", self)

    def __int__(self) -> int:
        raise _number_refused("int() of", self)

    __index__ = __int__


def _number_refused(what: str, v: Value) -> TraceError:
    role = f" {v.label}" if v.label else ""
    return tracestate.refuse(
        f"{what} a number{role} that is traced as an input or computed inside f",
        "a replay could not follow it. Use < <= > >= (they become guards), or run eagerly",
    )


def stop_gradient(g: Value) -> TracedNumber:
    """Inside a trace: g's number as a node the replay recomputes, but a constant for
    differentiation, as the float eager code would get (a gradient, with create_graph off)."""
    v = object.__new__(TracedNumber)
    v._data, v._grad, v.label, v._mark = g._data, 0.0, "", None
    v._op, v._a, v._da, v._b, v._db = STOP, g, None, None, None  # no local: a leaf to backward
    state = tracestate.active()
    if state is not None:
        state.made.add(id(v))
    return v


def _number_input(x: float, label: str) -> TracedNumber:
    v = object.__new__(TracedNumber)
    v._data, v._grad, v.label, v._mark = x, 0.0, label, None
    v._op, v._a, v._da, v._b, v._db = "", None, None, None, None
    return v


# --- the plan: nodes in order, then source code ---


class _Trace:
    """One trace of f: its nodes, inputs, captured leaves and guards, and the code made of them."""

    def __init__(
        self,
        f: Callable[..., Any],
        args: tuple[Any, ...],
        has_aux: bool,
        numbers: frozenset[int] = frozenset(),
        max_nodes: int = MAX_NODES,
    ) -> None:
        flat: list[float] = []
        self.shape = _flatten_args(args, flat)
        self.inputs = _inputs(args, flat, numbers)
        if not is_recording():
            raise TraceError("trace: cannot trace inside no_grad(): nothing would be recorded")
        state = tracestate.TraceState(max_nodes)
        before = random.getstate()
        with slow_path(), tracestate.tracing(state):
            root = f(*_rebuild(self.shape, iter(self.inputs)))
        if random.getstate() != before:
            raise TraceError(
                "trace: f drew numbers from the random module while tracing; a replay would "
                "reuse them. Draw them outside f and pass them in as arguments"
            )
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
        log = state.log
        # a guard's operands come first, so that it is checked early
        operands = [x for a, _, b, _ in log for x in (a, b) if isinstance(x, Value)]
        nodes = _forward_order([*operands, root, *(x for x in self.aux if isinstance(x, Value))])
        ids = {id(v) for v in self.inputs}
        # every input has a name, used or not
        self.forward = self.inputs + [v for v in nodes if id(v) not in ids]
        _check_replayable(self.forward, state.made)
        self.index = {id(v): i for i, v in enumerate(self.forward)}
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


def _positions(numbers: Collection[int], count: int) -> list[int]:
    out = []
    for i in numbers:
        if isinstance(i, bool) or not isinstance(i, int) or not -count <= i < count:
            raise ValueError(f"trace: numbers must be argument positions, got {i!r}")
        out.append(i % count)
    return out


def _forward_order(roots: list[Value]) -> list[Value]:
    """Every node the roots depend on, each after its inputs, going through stop_gradient nodes
    too (the engine's walk stops there: they are constants to backward, not to the replay)."""
    seen: set[int] = set()
    order: list[Value] = []
    stack: list[tuple[Value, bool]] = [(v, False) for v in reversed(roots)]
    while stack:
        v, ready = stack.pop()
        if ready:
            order.append(v)
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.append((v, True))
        stack += [(x, False) for x in reversed(_sources(v)) if id(x) not in seen]
    return order


def _sources(v: Value) -> list[Value]:
    if v._op is STOP:
        return [v._a]
    return [x for x in v._inputs if isinstance(x, Value)]


def _inputs(args: tuple[Any, ...], flat: list[float], numbers: frozenset[int]) -> list[Value]:
    """A Value per number in args; a TracedNumber for those in the arguments ``numbers``."""
    out: list[Value] = []
    for i, arg in enumerate(args):
        numbers_in_arg: list[float] = []
        _flatten_args(arg, numbers_in_arg)
        count = len(numbers_in_arg)
        for x in flat[len(out) : len(out) + count]:
            out.append(_number_input(x, f"(argument {i})") if i in numbers else Value(x))
    return out


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


__all__ = [
    "is_tracing",
    "trace",
    "Compiled",
    "GuardError",
    "TraceError",
    "TracedNumber",
    "stop_gradient",
]
