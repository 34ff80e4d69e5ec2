"""The functional API: ``grad``, ``value_and_grad`` and ``gradients``, and higher order.

``gradients(y, xs, create_graph=True)`` runs backward with every local derivative taken from
the expression form of its rule (``ops.Op.local_expr``), so the gradients are Values that can
be differentiated again; that is all ``grad(grad(f))`` needs. None of these touches ``.grad``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from typing import Any

from . import tracestate
from .codegen import STOP
from .graph import check_recorded, topological_order
from .nary import op_of
from .ops import as_float
from .tracing import stop_gradient
from .value import Value, enable_grad

_depth = contextvars.ContextVar("chainrule_grad_depth", default=0)


def gradients(
    output: Value, inputs: Sequence[Value], *, create_graph: bool = False, gradient: float = 1.0
) -> list[Any]:
    """d output / d x (times ``gradient``) for each x in ``inputs``; 0.0 where x is not used.

    With ``create_graph`` the results are Values whose graphs record how they were computed, so
    they can be differentiated again; otherwise they are floats. Inside a trace they are
    computed as a graph either way, so the replay recomputes them; without ``create_graph``
    they come back as TracedNumbers that backward treats as constants, as it does floats.
    """
    if not isinstance(output, Value):
        raise TypeError(f"gradients: output must be a Value, got {type(output).__name__}")
    if isinstance(inputs, Value):
        raise TypeError(
            "gradients: inputs must be a list of Values, got one Value; wrap it: gradients(y, [x])"
        )
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"gradients: inputs must be Values, got {type(x).__name__}")
    if not any(x is output for x in inputs):
        check_recorded(output, "gradients")
    traced = tracestate.active() is not None
    as_graph = create_graph or traced
    # keyed by id: a TracedNumber refuses hashing; every node is kept alive by the order
    grads: dict[int, Any] = {id(output): as_float(gradient)}
    for v in reversed(topological_order(output)):
        g = grads.get(id(v))
        if g is None or not v._op or v._op is STOP:  # a leaf, or a constant (stop_gradient)
            continue
        if as_graph:
            pairs = zip(v._inputs, _graph_locals(v), strict=False)  # k of pow has no local
            pairs = ((x, d) for x, d in pairs if isinstance(x, Value))  # type: ignore[assignment]
        else:
            pairs = zip(v._parents, v._local, strict=True)
        for p, d in pairs:
            term = g if (type(d) is float and d == 1.0) else d * g
            k = id(p)
            grads[k] = grads[k] + term if k in grads else term
    out = []
    for x in inputs:
        g = grads.get(id(x), 0.0)
        if not create_graph:
            # NOTE: the sums above start at their first term, backward's at +0.0; + 0.0 turns a
            # -0.0 into +0.0 and changes nothing else, so every gradient equals backward's.
            g = g + 0.0
        if traced and not create_graph and isinstance(g, Value):
            g = stop_gradient(g)
        out.append(g if as_graph or type(g) is float else float(g))
    return out


def _graph_locals(v: Value) -> tuple[Any, ...]:
    """The local derivatives of node v as Values, from the graph form of its rule."""
    op = op_of(v._op)  # the op the node was built with, even if redefined since
    if op.local_expr is None:
        raise NotImplementedError(
            f"{op.name}: no graph form for higher-order derivatives (pass local_expr= to define_op)"
        )
    inputs = tuple(x if isinstance(x, Value) else Value(x) for x in v._inputs)
    return op.local_expr(v, *inputs)


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """Return a function that computes ``(f(*args), d f / d args[argnums])``.

    Called with plain numbers it returns floats. Called inside another ``grad`` or
    ``value_and_grad`` it returns Values, so derivatives compose: ``grad(grad(f))``.
    """
    return _value_and_grad(f, argnums, "value_and_grad")


def _scalar(y: Any, caller: str) -> float:
    """f's result as a float: f must return one number (a scalar), not a list of them."""
    try:
        return as_float(y)
    except TypeError:
        raise TypeError(
            f"{caller}: f must return one number (a Value or a float), got "
            f"{type(y).__name__} {y!r:.60}; for several outputs take each one's {caller} "
            "(or their sum)"
        ) from None


def _value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int], caller: str
) -> Callable[..., tuple[Any, Any]]:
    single = isinstance(argnums, int)
    try:
        nums: tuple[int, ...] = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    except TypeError:
        nums = ()
    if not nums or not all(type(i) is int for i in nums):
        raise TypeError(f"argnums must be an int or a non-empty sequence of ints, got {argnums!r}")

    def wrapped(*args: Any) -> tuple[Any, Any]:
        for i in nums:
            if not -len(args) <= i < len(args):
                raise IndexError(f"argnums {i} is out of range for {len(args)} arguments")
        nested = _depth.get() > 0
        token = _depth.set(_depth.get() + 1)
        try:
            # NOTE: like torch.func.grad, a transform records even inside the caller's no_grad().
            with enable_grad():
                xs = list(args)
                for i in nums:
                    if isinstance(xs[i], Value):
                        # NOTE: a fresh node for x, so that d/dx here is not mixed up with uses
                        # of x that f closes over (perturbation confusion in nested grads).
                        xs[i] = xs[i] * 1.0
                    else:
                        xs[i] = Value(as_float(xs[i]))
                y = _call(f, xs, nums)
                if not isinstance(y, Value):
                    y = Value(_scalar(y, caller))
                gs = gradients(y, [xs[i] for i in nums], create_graph=nested)
        finally:
            _depth.reset(token)
        if not nested:  # plain numbers; in a trace, numbers the replay recomputes
            y = stop_gradient(y) if tracestate.active() is not None else y._data
        return y, (gs[0] if single else tuple(gs))

    return wrapped


def _call(f: Callable[..., Any], xs: list[Any], nums: tuple[int, ...]) -> Any:
    """f(*xs); a float argument used as a Value gets an error that points at ``argnums``."""
    try:
        return f(*xs)
    except AttributeError as e:
        chosen = {i % len(xs) for i in nums}
        plain = [i for i, x in enumerate(xs) if i not in chosen and not isinstance(x, Value)]
        if not plain or "'float' object" not in str(e) and "'int' object" not in str(e):
            raise
        raise AttributeError(
            f"{e}: argument {plain[0]} was passed as a plain number, because only "
            f"argnums={nums if len(nums) > 1 else nums[0]} become Values; include it in argnums "
            "to differentiate with respect to it"
        ) from e


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function that computes d f / d args[argnums] (a tuple for several argnums)."""
    vg = _value_and_grad(f, argnums, "grad")

    def wrapped(*args: Any) -> Any:
        return vg(*args)[1]

    return wrapped
