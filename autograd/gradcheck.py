"""gradcheck: the engine's gradients against central finite differences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .functional import gradients
from .ops import as_float
from .value import Value, enable_grad


@dataclass(frozen=True)
class GradcheckResult:
    """Analytic and numeric gradients side by side; true when every one agrees within ``tol``."""

    analytic: tuple[float, ...]
    numeric: tuple[float, ...]
    worst_error: float  # max |analytic - numeric| / max(1, |analytic|, |numeric|)
    tol: float

    @property
    def passed(self) -> bool:
        return self.worst_error <= self.tol

    def __bool__(self) -> bool:
        return self.passed


def gradcheck(
    f: Callable[..., Any],
    *inputs: float,
    eps: float = 1e-6,
    tol: float = 1e-6,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Compare d f / d input_i with (f(x + h e_i) - f(x - h e_i)) / 2h, h = eps * max(1, |x_i|).

    The error is relative where gradients are large and absolute where they are small. As in
    ``torch.autograd.gradcheck``, a mismatch raises AssertionError (so a bare call is a test);
    with ``raise_exception=False`` the result is returned to inspect (``.passed``, ``bool()``).
    """
    xs = [as_float(x.data if isinstance(x, Value) else x) for x in inputs]
    leaves = [Value(x) for x in xs]
    # NOTE: f runs with recording on, even inside no_grad(), so an f that takes gradients
    # itself (a second derivative by ``gradients(..., create_graph=True)``) computes them too.
    with enable_grad():
        out = f(*leaves)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
        analytic = tuple(gradients(out, leaves))
        numeric = []
        for i, x in enumerate(xs):
            h = eps * max(1.0, abs(x))
            up = [Value(x + h if j == i else y) for j, y in enumerate(xs)]
            down = [Value(x - h if j == i else y) for j, y in enumerate(xs)]
            numeric.append((_scalar(f(*up)) - _scalar(f(*down))) / (2.0 * h))
    worst = max(
        (abs(a - n) / max(1.0, abs(a), abs(n)) for a, n in zip(analytic, numeric, strict=True)),
        default=0.0,
    )
    result = GradcheckResult(analytic, tuple(numeric), worst, tol)
    if raise_exception and not result.passed:
        raise AssertionError(
            f"gradcheck failed: worst error {worst:.3g} > {tol:g}\n"
            f"  analytic {list(analytic)}\n  numeric  {numeric}"
        )
    return result


def _scalar(y: Any) -> float:
    return y.data if isinstance(y, Value) else as_float(y)
