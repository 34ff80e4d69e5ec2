"""chainrule's engine: a scalar reverse-mode automatic differentiation engine.

``Value`` wraps a float and records how it was computed; ``backward`` applies the chain rule.
Drawing (``draw_dot``, ``step_through``) is imported on first use, so graphviz stays optional.
"""

from __future__ import annotations

from typing import Any

from .batch import trace_batch
from .explain import explain
from .functional import grad, gradients, value_and_grad
from .gradcheck import GradcheckResult, gradcheck
from .graph import backward, topological_order
from .nary import apply, dense, dot, vsum
from .ops import Op, define_op
from .tracing import Compiled, GuardError, TraceError, trace
from .value import Value, enable_grad, is_recording, no_grad

__version__ = "0.2.0"

__all__ = [
    "Value",
    "backward",
    "topological_order",
    "no_grad",
    "enable_grad",
    "is_recording",
    "vsum",
    "dot",
    "dense",
    "Op",
    "apply",
    "define_op",
    "grad",
    "value_and_grad",
    "gradients",
    "gradcheck",
    "GradcheckResult",
    "trace",
    "trace_batch",
    "Compiled",
    "GuardError",
    "TraceError",
    "explain",
    "draw_dot",
    "step_through",
    "explore",
    "__version__",
]

_LAZY = {"draw_dot": "viz", "step_through": "stepthrough", "explore": "explorer"}


def __dir__() -> list[str]:  # tab completion offers the lazy names too, not typing's Any
    return sorted(__all__)


def __getattr__(name: str) -> Any:  # drawing imports graphviz only when asked for
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
