"""Divergence watch for ``fit``: one clear warning when the loss stops being a training loss.

The loss diverges at a step when it is not finite, or when it is more than ``GROWTH`` times the
first step's loss (orders of magnitude up: the lr is too large for this model and data).
"""

from __future__ import annotations

import math
import warnings

GROWTH = 1e3  # NOTE: well above a noisy mini-batch's swing, well below a run that blows up
CHOICES = ("stop", "warn", "ignore")


class DivergenceWatch:
    """Watches each step's loss; warns once. ``check`` says whether fit must stop now."""

    def __init__(self, on_divergence: str) -> None:
        if not isinstance(on_divergence, str) or on_divergence not in CHOICES:
            raise ValueError(
                f"fit: on_divergence must be 'stop', 'warn' or 'ignore', got {on_divergence!r}"
            )
        self.mode = on_divergence
        self.first: float | None = None
        self.step: int | None = None  # the first step that diverged

    def check(self, step: int, loss: float) -> bool:
        """True when training must stop before this step's update (after one warning)."""
        if self.first is None:
            self.first = loss
        finite = math.isfinite(loss)
        if self.mode == "ignore" or (finite and loss <= GROWTH * max(abs(self.first), 1e-12)):
            return False
        stop = self.mode == "stop" or not finite  # no update can be made from a NaN or inf loss
        if self.step is None:
            self.step = step
            what = (
                "is not finite"
                if not finite
                else f"is {loss / self.first:.2g} times the first step's {self.first:.4g}"
            )
            then = (
                "stopped before this step's update, so the model keeps its last finite weights"
                if stop
                else "training goes on (on_divergence='warn')"
            )
            warnings.warn(
                f"fit: the loss {loss:.4g} at step {step} {what}: training diverges. Try a "
                "smaller lr (say a tenth: SGD(model.parameters(), lr=0.1)), another init "
                "(init='lecun' for tanh, 'he' for relu) or seed, or inputs scaled to about -1..1; "
                f"{then}. fit(on_divergence='warn') keeps going, 'ignore' says nothing.",
                RuntimeWarning,
                stacklevel=3,  # fit's caller: warn <- check <- fit <- caller
            )
        return stop
