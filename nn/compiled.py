"""``fit(compile=True)``'s step: the batch's loss traced once per batch size, replayed on floats.

The rows are traced as inputs and the labels as TracedNumbers (``trace(numbers=[1])``): they
compute like Values, and what a float would do differently inside a loss (``t == 1``, ``if t``,
a dict keyed by a label) is refused, so such a loss trains eagerly instead of differently. Each
trace is checked against the eager step (loss, scores and every parameter's gradient, bit for
bit) on the batch it was made from and on the first other batch of its size; anything the
trace cannot follow makes ``step`` warn once and return None: ``fit`` goes on eagerly, with the
same History and weights.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value, no_grad
from autograd.tracing import Compiled, GuardError, trace

BatchLoss = Callable[[Any, Any], tuple[Value, list[Any]]]


class CompiledStep:
    """``batch_loss`` traced once per batch size and replayed; ``step`` returns None (after one
    warning) when that cannot be done."""

    def __init__(self, batch_loss: BatchLoss, params: Sequence[Value], X: Any, y: Any) -> None:
        self.batch_loss = batch_loss
        self.params = list(params)
        self.traces: dict[int, Compiled] = {}
        self.unchecked: dict[int, tuple[list[Any], list[Any]]] = {}  # size -> the batch traced
        with no_grad():  # the labels get the loss's own checks, before any trace hides them
            batch_loss(X, y)

    def step(self, Xb: list[Any], yb: list[Any]) -> tuple[float, list[Any]] | None:
        """(loss, scores) for this batch, its gradients added into .grad as backward() does;
        None (with a warning) if it cannot be replayed, and then every .grad is as before."""
        size = len(Xb)
        saved = [p.grad for p in self.params]
        compiled = self.traces.get(size)
        try:
            if compiled is None:
                compiled = trace(self.batch_loss, Xb, yb, has_aux=True, numbers=[1])
                self.traces[size] = compiled
                self.unchecked[size] = (list(Xb), list(yb))
                check = True
            else:
                check = size in self.unchecked and self.unchecked[size] != (Xb, yb)
            done: tuple[float, list[Any]] = compiled.backward(Xb, yb)
        except GuardError:
            self._give_up("a comparison in the step came out the other way (GuardError)", saved)
            return None
        except Exception as e:  # the labels passed: the trace, not the data, is at fault
            self._give_up(f"the step cannot be traced ({type(e).__name__}: {e})", saved)
            return None
        if check:
            why = self._differs_from_eager(done, Xb, yb, saved)
            if why:
                self._give_up(f"the traced step computes a different {why}", saved)
                return None
            if self.unchecked[size] != (Xb, yb):
                del self.unchecked[size]  # checked on the batch it was made from and another
        return done

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
            f"fit(compile=True): {why}; training eagerly from here (same results, slower)",
            RuntimeWarning,
            stacklevel=4,  # fit's caller: _give_up <- step <- fit <- caller
        )


def same_bits(a: Any, b: Any) -> bool:
    """Equal as nested floats and Values, bit for bit (NaN equals NaN, -0.0 is not 0.0)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_bits(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, (Value, numbers.Real)) and isinstance(b, (Value, numbers.Real)):
        return float(a).hex() == float(b).hex()
    return False
