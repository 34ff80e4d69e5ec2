"""Compile: trace a function once, then replay forward and backward on new numbers.

``trace(f, *args)`` runs ``f`` once on Values and turns the recorded graph into straight-line
Python over floats: one line per node forward, one line per edge backward (print ``.source`` to
read backpropagation as code). Replays make no Value objects and do the very same float
operations in the same order as the engine, so results are equal bit for bit. Branches the
trace cannot see (comparisons of Values) become guards checked on every replay. With
``has_aux``, ``f`` returns ``(value, aux)`` and replays hand back ``aux``'s numbers too (a
training step's scores, say), as JAX's ``has_aux`` does.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from operator import attrgetter, mul
from typing import Any

from . import ops
from .graph import topological_order
from .value import REGISTRY, Value, _as_float, is_recording

# Ops written out inline, from the source view of their entry in the table (the rest call their
# rule); a test checks each against its rule, NaN, infinities and -0.0 included.
INLINE: dict[str, Callable[..., tuple[str, tuple[str, ...]]]] = {
    name: op.source for name, op in ops.OPS.items() if op.source is not None
}


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
        self._plan = _Plan(f, args, has_aux)

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
        seed = _as_float(gradient)
        out, grads, *aux = self._run("backward", args, seed)
        for v, g in zip(self._plan.grad_targets, grads, strict=False):
            old = v.grad  # NOTE: as graph.backward does: sum from 0.0, then add the old grad
            v.grad = g + old if old else g
        return (out, self._aux(aux[0])) if self.has_aux else out

    def value_and_grad(self, *args: Any, gradient: float = 1.0) -> tuple[Any, Any]:
        """(f(*args), d f / d args), the gradients nested like ``args``; no ``.grad`` is touched.
        With has_aux: ``((value, aux), grads)``."""
        seed = _as_float(gradient)
        out, grads, *aux = self._run("inputs", args, seed)
        grads = _rebuild(self._plan.shape, iter(grads))
        return ((out, self._aux(aux[0])), grads) if self.has_aux else (out, grads)

    def _aux(self, numbers: tuple[float, ...]) -> Any:
        return _rebuild(self._plan.aux_shape, iter(numbers))

    def _run(self, kind: str, args: tuple[Any, ...], *extra: float) -> Any:
        plan = self._plan
        flat: list[float] = []
        if _flatten(args, flat) != plan.shape:
            if not self.retrace:
                raise ValueError(
                    "compile: the arguments have a different shape than when traced "
                    f"({_describe(_flatten(args, []))} vs {_describe(plan.shape)}); "
                    "trace again, or pass retrace=True"
                )
            plan = self._again(args)
        fn = plan.code(kind)[0]
        try:
            return fn(flat, plan.captured, *extra)
        except _GuardFailed as e:
            if not self.retrace:
                raise GuardError(
                    f"compile: the trace took the branch where {plan.guard_text[e.args[0]]} "
                    f"is {plan.guard_result[e.args[0]]}, but with these inputs it is not: the "
                    "function's structure depends on the data. Trace again, or pass retrace=True"
                ) from None
        plan = self._again(args)
        return plan.code(kind)[0](flat, plan.captured, *extra)

    def _again(self, args: tuple[Any, ...]) -> _Plan:
        self._plan = _Plan(self.f, args, self.has_aux)
        self.retraces += 1
        return self._plan


class _GuardFailed(Exception):
    pass


# --- tracing: run f on Values, record comparisons, refuse float() ---

_tracing = threading.local()
_patch_lock = threading.Lock()
_patched = 0
_COMPARE = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}
_original: dict[str, Any] = {}


def _recording(name: str, symbol: str) -> Callable[[Value, Any], bool]:
    original = _original[name]

    def compare(self: Value, other: Any) -> bool:
        result = original(self, other)
        log = getattr(_tracing, "guards", None)
        if log is not None:
            log.append((self, symbol, other, result))
        return result

    return compare


def _float_refused(self: Value) -> float:
    if getattr(_tracing, "guards", None) is not None:
        raise TraceError(
            "compile: float() of a Value inside a traced function turns data into a constant "
            "the trace cannot follow; use Value operations instead"
        )
    return _original["__float__"](self)


@contextmanager
def _tracing_comparisons(log: list[Any]):
    """While f runs: Value comparisons are logged (this thread only); float(Value) refused."""
    global _patched
    with _patch_lock:
        if _patched == 0:
            for name, symbol in _COMPARE.items():
                _original[name] = Value.__dict__[name]
                setattr(Value, name, _recording(name, symbol))
            _original["__float__"] = Value.__dict__["__float__"]
            Value.__float__ = _float_refused  # type: ignore[method-assign]
        _patched += 1
    outer = getattr(_tracing, "guards", None)
    _tracing.guards = log
    try:
        yield
    finally:
        _tracing.guards = outer
        with _patch_lock:
            _patched -= 1
            if _patched == 0:
                for name, method in _original.items():
                    setattr(Value, name, method)


# --- the plan: nodes in order, then source code ---


class _Plan:
    """One trace of f: its nodes, inputs, captured leaves and guards, and the code made of them."""

    def __init__(self, f: Callable[..., Any], args: tuple[Any, ...], has_aux: bool) -> None:
        flat: list[float] = []
        self.shape = _flatten(args, flat)
        self.inputs = [Value(x) for x in flat]
        if not is_recording():
            raise TraceError("compile: cannot trace inside no_grad(): nothing would be recorded")
        log: list[Any] = []
        with _tracing_comparisons(log):
            root = f(*_rebuild(self.shape, iter(self.inputs)))
        self.has_aux = has_aux
        self.aux: list[Any] = []  # Values and numbers, flattened
        self.aux_shape: Any = None
        if has_aux:
            if not (type(root) in (tuple, list) and len(root) == 2):
                raise TypeError(
                    f"compile: with has_aux, f must return (value, aux), got {type(root).__name__}"
                )
            root, aux = root
            self.aux_shape = _flatten_outputs(aux, self.aux)
        if not isinstance(root, Value):
            raise TypeError(f"compile: f must return a Value, got {type(root).__name__}")
        self.root = root
        self.order = topological_order(root)  # the engine's own order: backward follows it
        in_graph = {id(v) for v in self.order}
        forward: list[Value] = list(self.inputs)  # every input has a name, used or not
        seen: set[int] = {id(v) for v in forward}
        for a, _, b, _ in log:  # a guard's operands come first, so it is checked early
            _post_order([x for x in (a, b) if isinstance(x, Value)], forward, seen)
        _post_order([root, *(x for x in self.aux if isinstance(x, Value))], forward, seen)
        self.forward = forward
        self.index = {id(v): i for i, v in enumerate(forward)}
        # the rules as they are now: a user's op may be redefined later, but not this trace's
        self.ops = {v._op: REGISTRY[v._op] for v in forward if v._op}
        ids = {id(v) for v in self.inputs}
        self.captured = [v for v in forward if not v._op and id(v) not in ids]
        self.grad_targets = [v for v in self.captured if id(v) in in_graph]
        self.guards = log
        self.guard_text = [f"{self._name(a)} {s} {self._name(b)}" for a, s, b, _ in log]
        self.guard_result = [r for *_, r in log]
        self._code: dict[str, tuple[Callable[..., Any], str]] = {}

    def _name(self, x: Any) -> str:
        return f"v{self.index[id(x)]}" if isinstance(x, Value) else _literal(float(x))

    def code(self, kind: str) -> tuple[Callable[..., Any], str]:
        if kind not in self._code:
            self._code[kind] = _generate(self, kind)
        return self._code[kind]


def _post_order(roots: list[Value], out: list[Value], seen: set[int]) -> None:
    """Append the nodes below ``roots`` not yet in ``seen``, parents first (iterative DFS)."""
    stack = [(v, False) for v in reversed(roots)]
    while stack:
        v, done = stack.pop()
        if id(v) in seen:
            continue
        if done:
            seen.add(id(v))
            out.append(v)
            continue
        stack.append((v, True))
        stack.extend((p, False) for p in reversed(v._parents) if id(p) not in seen)


# --- code generation ---

_NAMESPACE = {
    "mul": mul,
    "sum": sum,
    "map": map,
    "inf": math.inf,
    "nan": math.nan,
    "_GuardFailed": _GuardFailed,
    "_data": attrgetter("data"),
}


def _literal(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    return f"({x!r})" if x < 0 or (x == 0.0 and math.copysign(1.0, x) < 0) else repr(x)


def _generate(plan: _Plan, kind: str) -> tuple[Callable[..., Any], str]:
    """Source and function for ``kind``: "forward" (the value), "backward" (the value and the
    captured leaves' gradients) or "inputs" (the value and the inputs' gradients)."""
    ns: dict[str, Any] = dict(_NAMESPACE)
    rules: dict[str, str] = {}
    name = plan._name
    want_grads = kind != "forward"
    leaf_ids = {id(v) for v in plan.forward if not v._op}
    hoisted: dict[str, str] = {}  # tuples of leaves and constants (a neuron's weights)
    shared: dict[str, str] = {}  # other tuples used more than once (a layer's inputs)
    uses: dict[str, int] = {}
    for v in plan.forward:  # count the tuples first, to build each repeated one once
        if v._op in ("sum", "dot"):
            _nary_source(
                v._op,
                v._inputs,
                [name(x) for x in v._inputs],
                lambda items, texts: _count(uses, f"({', '.join(texts)},)"),
            )

    def tuple_source(items: Sequence[Any], texts: Sequence[str]) -> str:
        text = f"({', '.join(texts)},)"
        if len(texts) > 2 and all(not isinstance(x, Value) or id(x) in leaf_ids for x in items):
            return hoisted.setdefault(text, f"T{len(hoisted)}")  # built once, up front
        if uses[text] > 1:
            if text not in shared:
                shared[text] = f"S{len(shared)}"
                emit(f"{shared[text]} = {text}")
            return shared[text]
        return text

    guard_after: dict[int, list[int]] = {}
    for k, (a, _, b, _) in enumerate(plan.guards):
        last = max(plan.index[id(x)] for x in (a, b) if isinstance(x, Value))
        guard_after.setdefault(last, []).append(k)
    locals_of: dict[int, tuple[str, ...]] = {}
    lines: list[str] = []
    emit = lines.append
    for i, v in enumerate(plan.forward):
        if v._op:
            inputs = v._inputs
            texts = [name(x) for x in inputs]
            if v._op in ("sum", "dot"):
                out, local = _nary_source(v._op, inputs, texts, tuple_source)
                emit(f"v{i} = {out}")
                locals_of[i] = local
            elif v._op in INLINE:
                out, local = INLINE[v._op](*texts)
                emit(f"v{i} = {out}")
                locals_of[i] = local
            else:
                rule = rules.get(v._op)
                if rule is None:
                    rule = rules[v._op] = _rule_name(v._op, rules)
                    ns[rule] = _checked_rule(plan.ops[v._op])
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
    prologue = []
    if plan.inputs:
        prologue.append(f"{', '.join(name(v) for v in plan.inputs)}, = A")
    if plan.captured:
        prologue.append(f"{', '.join(name(v) for v in plan.captured)}, = map(_data, C)")
    prologue += [f"{t} = {text}" for text, t in hoisted.items()]
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
    source = "\n".join([signature] + ["    " + line for line in body]) + "\n"
    exec(compile(source, f"<autograd.compile {kind}>", "exec"), ns)
    fn: Callable[..., Any] = ns[signature[4 : signature.index("(")]]  # type: ignore[assignment]
    return fn, source


def _count(counts: dict[str, int], text: str) -> str:
    counts[text] = counts.get(text, 0) + 1
    return text


def _nary_source(
    op: str, inputs: tuple[Any, ...], texts: list[str], tuple_source: Callable[..., str]
) -> tuple[str, tuple[str, ...]]:
    if op == "sum":
        return f"sum({tuple_source(inputs, texts)})", ("1.0",) * len(texts)
    n = (len(texts) - 1) // 2
    w, x = tuple_source(inputs[:n], texts[:n]), tuple_source(inputs[n : 2 * n], texts[n : 2 * n])
    return f"sum(map(mul, {w}, {x}), {texts[-1]})", (*texts[n : 2 * n], *texts[:n], "1.0")


def _guard_line(plan: _Plan, k: int) -> str:
    test = plan.guard_text[k]
    return f"if {'not ' if plan.guard_result[k] else ''}({test}): raise _GuardFailed({k})"


def _backward_lines(
    plan: _Plan, targets: list[Value], locals_of: dict[int, tuple[str, ...]]
) -> list[str]:
    """The chain rule as code: for each node from the root down, for each parent in the engine's
    order, ``g_parent += local * g_node``, skipping edges no target depends on."""
    index = plan.index
    target_ids = {id(t) for t in targets}
    needs: set[int] = set()
    for v in plan.order:  # parents come first
        if id(v) in target_ids or any(id(p) in needs for p in v._parents):
            needs.add(id(v))
    lines: list[str] = []
    started: set[int] = set()
    root = plan.root
    if id(root) in needs:
        lines.append(f"g{index[id(root)]} = seed")
        started.add(id(root))
    for v in reversed(plan.order):
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
    for t in targets:
        if id(t) not in started:
            lines.append(f"g{index[id(t)]} = 0.0")
    return lines


def _rule_name(op: str, taken: dict[str, str]) -> str:
    base = "".join(c if c.isalnum() else "_" for c in op)
    name, k = f"rule_{base}", 1
    while name in taken.values():
        name, k = f"rule_{base}_{k}", k + 1
    return name


def _checked_rule(op: ops.Op) -> Callable[..., ops.Rule]:
    """The op's rule; a user's rule is wrapped to give floats, as ``apply`` makes them."""
    if ops.OPS.get(op.name) is op:
        return op.rule
    rule = op.rule

    def checked(*xs: float) -> ops.Rule:
        out, local = rule(*xs)
        return float(out), tuple(map(float, local))

    return checked


# --- arguments: nested lists and tuples of numbers, flattened ---


def _flatten(x: Any, out: list[float]) -> Any:
    """Append the numbers in ``x`` to ``out`` and return its shape (None for a number)."""
    if type(x) is float:
        out.append(x)
        return None
    if type(x) is list or type(x) is tuple:
        return (type(x), tuple(_flatten(item, out) for item in x))
    if isinstance(x, Value):
        raise TypeError(
            "compile: pass numbers, not Values, as arguments; Values the function uses "
            "directly (like model parameters) are read live on every call"
        )
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        out.append(float(x))
        return None
    raise TypeError(
        f"compile: arguments must be numbers or lists of numbers, got {type(x).__name__}"
    )


def _flatten_outputs(x: Any, out: list[Any]) -> Any:
    """``_flatten`` for aux outputs: Values and numbers (kept as they are) in lists and tuples."""
    if isinstance(x, Value) or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        out.append(x)
        return None
    if type(x) is list or type(x) is tuple:
        return (type(x), tuple(_flatten_outputs(item, out) for item in x))
    raise TypeError(
        f"compile: aux must be Values or numbers, in lists and tuples; got {type(x).__name__}"
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


__all__ = ["trace", "Compiled", "GuardError", "TraceError", "INLINE"]
