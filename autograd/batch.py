"""``trace_batch``: one sample's loss traced once, replayed as a loop over a whole batch.

The batch loss is ``vsum(terms) * (1.0 / len(terms)) + penalty()``, the terms being every
sample's, in order (``nn.losses`` takes its means this way). ``backward()`` of that graph
walks the penalty's nodes last and each sample's nodes together, sample 0 first (see
``graph.topological_order``), so the generated loop does exactly the engine's float operations:
each parameter's gradient is carried from one sample to the next, and the penalty's share
is added after the loop. The code grows with the model, not with the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from . import codegen, tracestate
from .codegen import GuardFailed
from .graph import topological_order
from .nary import vsum
from .ops import as_float, pack
from .tracestate import TraceError
from .tracing import MAX_NODES, GuardError, _flatten_args, _rebuild, _Trace
from .value import Value


def trace_batch(
    term: Callable[..., Any],
    *sample: Any,
    penalty: Callable[[], Value] | None = None,
    has_aux: bool = False,
    numbers: Collection[int] = (),
    max_nodes: int = MAX_NODES,
) -> BatchCompiled:
    """Trace ``term(*sample)`` (one sample's loss term) once, for replays on whole batches.

    ``c.backward(*columns)`` takes a sequence per argument of ``term`` (rows, labels, ...) and
    returns the batch loss ``L = (1/m) sum_j t_j + penalty()``, the ``t_j`` being the ``m``
    terms of all the samples in order (``term`` may return one Value or a list of them), and
    adds ``dL/dv`` into ``.grad`` of every Value ``term`` or ``penalty`` reads: the very floats
    that ``(vsum(ts) * (1.0 / len(ts)) + penalty()).backward()`` would give, bit for bit.
    With ``has_aux``, ``term`` returns ``(terms, aux)`` and ``backward`` returns ``(L, auxes)``,
    one aux per sample. ``numbers`` names the arguments eager code treats as plain numbers
    (labels), as in ``trace``.
    """
    return BatchCompiled(term, sample, penalty, has_aux, numbers, max_nodes)


class BatchCompiled:
    """One sample's term traced, replayed as a loop over batches: ``c.backward(*columns)``."""

    def __init__(
        self,
        term: Callable[..., Any],
        sample: tuple[Any, ...],
        penalty: Callable[[], Value] | None,
        has_aux: bool,
        numbers: Collection[int],
        max_nodes: int,
    ) -> None:
        if not callable(term):
            raise TypeError(f"trace_batch: term must be a function, got {type(term).__name__}")
        if penalty is not None and not callable(penalty):
            raise TypeError(
                f"trace_batch: penalty must be a function of no arguments or None, "
                f"got {type(penalty).__name__}"
            )
        if not sample:
            raise TypeError("trace_batch: pass one sample's arguments to trace term with")
        self.has_aux = has_aux
        self.width = len(sample)
        self.count = 0  # terms per sample

        def one(*args: Any) -> tuple[Value, Any]:
            got = term(*args)
            if has_aux:
                if not (type(got) in (tuple, list) and len(got) == 2):
                    raise TypeError(
                        f"trace_batch: with has_aux, term must return (terms, aux), "
                        f"got {type(got).__name__}"
                    )
                got, aux = got
            terms = list(got) if isinstance(got, (list, tuple)) else [got]
            for t in terms:
                if not isinstance(t, Value):
                    raise TypeError(
                        f"trace_batch: term must return a Value or a list of Values, "
                        f"got {type(t).__name__}"
                    )
            if not terms:
                raise ValueError("trace_batch: term returned no terms")
            self.count = len(terms)
            extra = [] if penalty is None else [_penalty(penalty)]
            return vsum(terms), (aux if has_aux else [], extra)

        self._plan = plan = _Trace(
            one, sample, True, frozenset(_positions(numbers, sample)), max_nodes
        )
        self.penalty = plan.aux[-1] if penalty is not None else None
        self._aux_shape = plan.aux_shape[1][0]
        self._fn, self.source = _generate(plan, self.count, self.penalty, has_aux)
        self.targets = _targets(plan, self.penalty)

    def backward(self, *columns: Sequence[Any], gradient: float = 1.0) -> Any:
        """The batch loss (with has_aux: ``(loss, auxes)``), its gradients added into ``.grad``
        as ``backward()`` adds them."""
        if tracestate.active() is not None:
            raise tracestate.refuse(
                "calling a compiled batch inside a traced function",
                "its numbers would be frozen into the outer trace; call the plain function",
            )
        seed = as_float(gradient)
        rows = self._rows(columns)
        try:
            loss, grads, aux = self._fn(rows, self._plan.captured, seed)
        except GuardFailed as e:
            plan, k = self._plan, e.args[0]
            raise GuardError(
                f"trace_batch: the trace took the branch where {plan.guard_text[k]} is "
                f"{plan.guard_result[k]}, but for some sample it is not: the term's "
                "structure depends on the data; use trace() on the whole batch, or run eagerly"
            ) from None
        for v, g in zip(self.targets, grads, strict=True):
            old = v._grad  # NOTE: as graph.backward does: sum from 0.0, then add the old grad
            v._grad = g + old if old else g
        if not self.has_aux:
            return loss
        shape = self._aux_shape
        return loss, [_rebuild(shape, iter(a)) for a in aux]

    def _rows(self, columns: tuple[Sequence[Any], ...]) -> list[list[float]]:
        """Each sample's numbers, flattened, checked against the traced sample's shape."""
        if len(columns) != self.width:
            raise TypeError(
                f"trace_batch: backward takes {self.width} columns (one per argument of term), "
                f"got {len(columns)}"
            )
        lengths = {len(c) for c in columns}
        if len(lengths) != 1:
            raise ValueError(f"trace_batch: the columns have different lengths {sorted(lengths)}")
        if not lengths.pop():
            raise ValueError("trace_batch: empty batch")
        shape = self._plan.shape
        rows = []
        for i, args in enumerate(zip(*columns, strict=True)):
            flat: list[float] = []
            if _flatten_args(args, flat) != shape:
                raise ValueError(
                    f"trace_batch: sample {i} has a different shape than the traced sample"
                )
            rows.append(flat)
        return rows


def _penalty(penalty: Callable[[], Value]) -> Value:
    p = penalty()
    if not isinstance(p, Value):
        raise TypeError(f"trace_batch: penalty must return a Value, got {type(p).__name__}")
    return p


def _positions(numbers: Collection[int], sample: tuple[Any, ...]) -> list[int]:
    out = []
    for i in numbers:
        if isinstance(i, bool) or not isinstance(i, int) or not -len(sample) <= i < len(sample):
            raise ValueError(f"trace_batch: numbers must be argument positions, got {i!r}")
        out.append(i % len(sample))
    return out


def _targets(plan: _Trace, penalty: Value | None) -> list[Value]:
    """The captured leaves the sample's terms or the penalty depend on."""
    reached = {id(v) for v in plan.order}
    if penalty is not None:
        reached |= {id(v) for v in topological_order(penalty)}
    return [v for v in plan.captured if id(v) in reached]


def _generate(
    plan: _Trace, count: int, penalty: Value | None, has_aux: bool
) -> tuple[Callable[..., Any], str]:
    """The code: each sample's forward and backward in a loop, the gradients carried; then the
    penalty, forward and backward, all in the engine's order (see the module docstring)."""
    ns: dict[str, Any] = dict(codegen._NAMESPACE)
    name, index = plan._name, plan.index
    s = plan.root  # the vsum of one sample's terms
    pen_order = topological_order(penalty) if penalty is not None else []
    pen_nodes = {id(v) for v in pen_order if v._op}
    if any(id(v) in pen_nodes for v in plan.order):
        raise TraceError("trace_batch: the penalty uses nodes that the sample's terms use too")

    def after_loop(v: Value) -> bool:  # the penalty's nodes
        return id(v) in pen_nodes

    groups, locals_of, hoisted = codegen.forward_lines(
        plan, True, ns, after_loop, hoist_inputs=False
    )
    targets = _targets(plan, penalty)
    grads = [f"g{index[id(t)]}" for t in targets]
    body = codegen.prologue_lines(plan, hoisted)[1 if plan.inputs else 0 :]  # inputs: the loop's
    body.append(f"{' = '.join(grads)} = 0.0" if grads else "")
    m = "len(A)" if count == 1 else f"(len(A) * {count})"  # the number of terms
    body += ["terms = []", "auxes = []", f"c = 1.0 / {m}  # d mean / d sum, as nn.losses has it"]
    gm = "seed"
    if penalty is not None:  # the root is mean + penalty: both get 0.0 + 1.0 * seed first
        gm = "gm"
        body.append("gm = 0.0 + seed")
        if not penalty._op:  # a leaf: its gradient starts there
            body.append(f"g{index[id(penalty)]} = 0.0 + seed")
    body.append(f"g{index[id(s)]} = 0.0 + c * {gm}  # d loss / d sum of the terms")
    body.append(f"for {_tuple(map(name, plan.inputs))} in A:")
    loop = [
        line
        for v, g in zip(plan.forward, groups, strict=True)
        if not after_loop(v)
        for line in g
        if v is not s
    ]
    user_aux = plan.aux[:-1] if penalty is not None else plan.aux
    loop.append(f"terms += {_tuple(map(name, s._inputs))}")
    if has_aux:
        loop.append(f"auxes.append({_tuple(map(name, user_aux))})")
    begun = {id(t) for t in targets}  # carried from sample to sample: always +=
    needs = codegen.needed(plan.order, targets)
    loop += codegen.chain_lines(plan, reversed(plan.order), needs, locals_of, begun | {id(s)})
    body += ["    " + line for line in loop]
    body += [line for v, g in zip(plan.forward, groups, strict=True) if after_loop(v) for line in g]
    if penalty is None:
        body.append("loss = sum(terms) * c")
    else:
        body.append(f"loss = sum(terms) * c + {name(penalty)}")
        if penalty._op:
            body.append(f"g{index[id(penalty)]} = 0.0 + seed")
            needs = codegen.needed(pen_order, targets)
            started = begun | {id(penalty)}
            body += codegen.chain_lines(plan, reversed(pen_order), needs, locals_of, started)
    body.append(f"return loss, {_tuple(grads)}, auxes")
    return codegen.define("def batch_backward(A, C, seed):", [b for b in body if b], ns, "batch")


def _tuple(names: Any) -> str:
    """A tuple display, or a target list: ``(a, b,)``, ``()``."""
    return pack(list(names))
