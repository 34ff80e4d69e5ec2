"""``fit(compile=True)``'s step: the batch's loss traced, replayed on floats.

For a loss of ``nn.losses`` (a mean over samples) one sample's term is traced and replayed as a
loop over the batch (``autograd.trace_batch``): a few ms to compile, whatever the batch size.
Any other loss, or one the loop cannot replay exactly, is traced whole once per batch size
(``autograd.trace``), as before. The rows are traced as inputs and the labels as TracedNumbers
(``numbers=[1]``): they compute like Values, and what a float would do differently inside a loss
(``t == 1``, ``if t``, a dict keyed by a label) is refused, so such a loss trains eagerly instead
of differently. Each replay is checked against the eager step (loss, scores and every
parameter's gradient, bit for bit) on the first batch of each size and on the next different
one; a loop that differs gives way to the whole trace, and anything the whole trace cannot
follow makes ``step`` warn once and return None: ``fit`` goes on eagerly, with the same History
and weights.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value, no_grad
from autograd.batch import BatchCompiled, trace_batch
from autograd.tracing import Compiled, GuardError, trace

from . import losses
from .module import Module

LossFn = Callable[[Any, Any], Value]
BatchLoss = Callable[[Any, Any], tuple[Value, list[Any]]]
SampleLoss = Callable[[Any, Any], tuple[list[Value], Any]]
Batch = tuple[list[Any], list[Any]]


class CompiledStep:
    """``batch_loss`` replayed on floats: by one sample's trace in a loop when ``sample_loss``
    (``(row, label) -> (terms, score)``, with ``batch_loss`` the terms' mean plus ``penalty()``)
    is given and replays it exactly, else traced whole once per batch size. ``step`` returns
    None (after one warning) when neither can be done."""

    def __init__(
        self,
        batch_loss: BatchLoss,
        params: Sequence[Value],
        X: Any,
        y: Any,
        sample_loss: SampleLoss | None = None,
        penalty: Callable[[], Value] | None = None,
        who: str = "fit(compile=True)",
    ) -> None:
        self.who = who
        self.batch_loss = batch_loss
        self.params = list(params)
        self.sample_loss = sample_loss
        self.penalty = penalty
        self.loop: BatchCompiled | None = None
        # why the step is traced whole, not as a loop ("" while the loop is used)
        self.whole_because = "" if sample_loss is not None else "the loss is not one of nn.losses"
        self.traces: dict[int, Compiled] = {}
        self.checks: dict[tuple[bool, int], Batch | None] = {}  # the batch to check against
        with no_grad():  # the labels get the loss's own checks, before any trace hides them
            batch_loss(X, y)

    def step(self, Xb: list[Any], yb: list[Any]) -> tuple[float, list[Any]] | None:
        """(loss, scores) for this batch, its gradients added into .grad as backward() does;
        None (with a warning) if it cannot be replayed, and then every .grad is as before."""
        saved = [p.grad for p in self.params]
        if self.sample_loss is not None:
            done = self._loop_step(self.sample_loss, Xb, yb, saved)
            if done is not None:
                return done
        size = len(Xb)
        compiled = self.traces.get(size)
        try:
            if compiled is None:
                compiled = trace(self.batch_loss, Xb, yb, has_aux=True, numbers=[1])
                self.traces[size] = compiled
            replayed: tuple[float, list[Any]] = compiled.backward(Xb, yb)
        except GuardError:
            self._give_up("a comparison in the step came out the other way (GuardError)", saved)
            return None
        except Exception as e:  # the labels passed: the trace, not the data, is at fault
            self._give_up(f"the step cannot be traced ({type(e).__name__}: {e})", saved)
            return None
        why = self._checked(False, replayed, Xb, yb, saved)
        if why:
            self._give_up(f"the traced step computes a different {why}", saved)
            return None
        return replayed

    def _loop_step(
        self, sample_loss: SampleLoss, Xb: list[Any], yb: list[Any], saved: list[float]
    ) -> tuple[float, list[Any]] | None:
        """The step by the loop over samples; None (every .grad as before, and the loop
        dropped for good) if the loop cannot do it exactly."""
        try:
            if self.loop is None:
                self.loop = trace_batch(
                    sample_loss, Xb[0], yb[0], penalty=self.penalty, has_aux=True, numbers=[1]
                )
            done: tuple[float, list[Any]] = self.loop.backward(Xb, yb)
            why = self._checked(True, done, Xb, yb, saved)
        except Exception as e:  # anything the loop cannot follow: the whole trace may
            why = f"{type(e).__name__}: {e}"
        if not why:
            return done
        self.sample_loss = self.loop = None
        self.whole_because = why
        for p, g in zip(self.params, saved, strict=True):
            p.grad = g
        return None

    def _checked(
        self,
        loop: bool,
        done: tuple[float, list[Any]],
        Xb: list[Any],
        yb: list[Any],
        saved: list[float],
    ) -> str:
        """Compare with the eager step on the first batch of this size and on the next
        different one: what differs ("" if nothing, or if no check is due)."""
        key = (loop, len(Xb))
        if key not in self.checks:
            self.checks[key] = (list(Xb), list(yb))
        elif self.checks[key] in (None, (Xb, yb)):
            return ""
        else:
            self.checks[key] = None  # checked on two batches: done with this size
        return self._differs_from_eager(done, Xb, yb, saved)

    def _differs_from_eager(
        self, done: tuple[float, list[Any]], Xb: Any, yb: Any, saved: list[float]
    ) -> str:
        """What differs between the replay and the eager step, bit for bit: "loss", "scores",
        "gradient", or "" for nothing. The gradients are left as the replay made them."""
        replayed = [p.grad for p in self.params]
        for p, g in zip(self.params, saved, strict=True):
            p.grad = g
        total, scores = self.batch_loss(Xb, yb)
        total.backward()
        eager = [p.grad for p in self.params]
        for p, g in zip(self.params, replayed, strict=True):
            p.grad = g
        if not same_bits(done[0], total):
            return "loss than the eager one"
        if not same_bits(done[1], scores):
            return "scores than the eager one"
        if not same_bits(replayed, eager):
            return "gradient than the eager one"
        return ""

    def _give_up(self, why: str, saved: list[float]) -> None:
        """Warn, once per fit, that it goes on eagerly; put every .grad back as it was."""
        for p, g in zip(self.params, saved, strict=True):
            p.grad = g
        warnings.warn(
            f"{self.who}: {why}; training eagerly from here (same results, slower)",
            RuntimeWarning,
            stacklevel=4,  # the caller of fit or of a ModelStep: _give_up <- step <- it <- caller
        )


def model_loss(
    model: Module, loss: LossFn, l2: float
) -> tuple[BatchLoss, SampleLoss | None, Callable[[], Value] | None]:
    """``fit``'s step as functions: ``batch_loss(X, y) -> (loss(scores, y) + l2 * sum p**2,
    scores)``; for a loss of ``nn.losses``, one sample's ``(terms, score)`` of it (else None);
    the penalty (None when l2 is 0)."""
    params = model.parameters()

    def batch_loss(Xb: Any, yb: Any) -> tuple[Value, list[Any]]:
        """The step's loss and the scores it came from: run eagerly, or traced by compile."""
        scores = [model(x) for x in Xb]
        total = loss(scores, yb)
        if l2:
            total = total + losses.l2(params, l2)
        return total, scores

    terms = losses.sample_terms(loss)

    def sample_loss(x: Any, t: Any) -> tuple[list[Value], Any]:
        """One sample's terms of the loss's mean, and its score (batch_loss on one row)."""
        score = model(x)
        return terms(score, t), score

    def penalty() -> Value:
        """The regularisation, as batch_loss adds it."""
        return losses.l2(params, l2)

    return batch_loss, sample_loss if terms is not None else None, penalty if l2 else None


class ModelStep:
    """A model's training step (loss and gradients) compiled for a loop of the user's own."""

    def __init__(self, model: Module, loss: LossFn, l2: float) -> None:
        if not callable(getattr(model, "parameters", None)):
            raise TypeError(f"compile_step: model must be a Module, got {type(model).__name__}")
        if not callable(loss):
            raise TypeError(f"compile_step: loss must be a function, got {type(loss).__name__}")
        if not isinstance(l2, (int, float)) or isinstance(l2, bool) or not 0.0 <= l2 < math.inf:
            raise ValueError(f"compile_step: l2 must be a number >= 0, got {l2!r}")
        self.params = model.parameters()
        self.batch_loss, self.sample_loss, self.penalty = model_loss(model, loss, l2)
        self.compiled: CompiledStep | None = None
        self.eager = False  # the replay gave up (it warned): eager from then on

    def __call__(self, X: Sequence[Any], y: Sequence[Any]) -> tuple[float, list[Any]]:
        """(loss, scores) of the batch as floats; d loss / d p added into every parameter's
        ``.grad``, as ``loss.backward()`` adds it (zero the grads first, as usual)."""
        Xb, yb = list(X), list(y)
        if len(Xb) != len(yb):
            raise ValueError(f"compile_step: {len(Xb)} rows but {len(yb)} labels")
        if not Xb:
            raise ValueError("compile_step: empty batch")
        if self.compiled is None and not self.eager:
            self.compiled = CompiledStep(
                self.batch_loss, self.params, Xb, yb, self.sample_loss, self.penalty, "compile_step"
            )
        done = self.compiled.step(Xb, yb) if self.compiled is not None else None
        if done is not None:
            return done
        self.compiled, self.eager = None, True
        total, scores = self.batch_loss(Xb, yb)
        total.backward()
        return total.data, [_floats(s) for s in scores]

    @property
    def source(self) -> str:
        """The code of the replay: the loop over samples, or the whole trace of each batch size."""
        c = self.compiled
        if c is None:
            return ""
        if c.loop is not None:
            return c.loop.source
        return "\n".join(t.source for t in c.traces.values())


def compile_step(model: Module, loss: LossFn = losses.hinge, *, l2: float = 0.0) -> ModelStep:
    """``step = compile_step(model, hinge, l2=1e-4)``; then ``loss, scores = step(X, y)`` is
    ``total = loss([model(x) for x in X], y) + l2 * sum p**2; total.backward()``, bit for bit,
    replayed on floats: for a loss of ``nn.losses`` one sample's trace in a loop (a few ms to
    compile), else the whole batch traced once per batch size. What the replay cannot follow
    makes it warn once (RuntimeWarning) and run eagerly, with the same results."""
    return ModelStep(model, loss, l2)


def _floats(score: Any) -> Any:
    return score.data if isinstance(score, Value) else [_floats(s) for s in score]


def same_bits(a: Any, b: Any) -> bool:
    """Equal as nested floats and Values, bit for bit (NaN equals NaN, -0.0 is not 0.0)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_bits(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, (Value, numbers.Real)) and isinstance(b, (Value, numbers.Real)):
        return float(a).hex() == float(b).hex()
    return False
