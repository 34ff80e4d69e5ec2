"""Learning-rate schedules: callables from the step number k = 0, 1, 2, ... to a learning rate.

Pass one as an optimizer's ``lr``. Any ``f(k) -> float`` works too; these print readably.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LinearDecay:
    """start + (end - start) * k / steps, then ``end`` from step ``steps`` on.

    micrograd's demo rate ``1.0 - 0.9 * k / 100`` is ``LinearDecay(1.0, 0.1, 100)``.
    """

    start: float
    end: float
    steps: int

    def __post_init__(self) -> None:
        _check_positive_int("LinearDecay", "steps", self.steps)

    def __call__(self, k: int) -> float:
        return self.start + (self.end - self.start) * min(k, self.steps) / self.steps


@dataclass(frozen=True)
class StepDecay:
    """lr * gamma ** (k // step_size): multiply by ``gamma`` every ``step_size`` steps."""

    lr: float
    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        _check_positive_int("StepDecay", "step_size", self.step_size)

    def __call__(self, k: int) -> float:
        return self.lr * self.gamma ** (k // self.step_size)


@dataclass(frozen=True)
class ExponentialDecay:
    """lr * gamma ** k."""

    lr: float
    gamma: float

    def __call__(self, k: int) -> float:
        return self.lr * self.gamma**k


@dataclass(frozen=True)
class CosineDecay:
    """end + (start - end) * (1 + cos(pi k / steps)) / 2, then ``end`` from step ``steps`` on."""

    start: float
    end: float
    steps: int

    def __post_init__(self) -> None:
        _check_positive_int("CosineDecay", "steps", self.steps)

    def __call__(self, k: int) -> float:
        t = min(k, self.steps) / self.steps
        return self.end + (self.start - self.end) * (1.0 + math.cos(math.pi * t)) / 2.0


def _check_positive_int(owner: str, what: str, n: object) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{owner}: {what} must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"{owner}: {what} must be >= 1, got {n}")
