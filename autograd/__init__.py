"""chainrule's engine: a scalar reverse-mode automatic differentiation engine.

``Value`` wraps a float and records how it was computed; ``backward`` applies the chain rule.
"""

from .check import GradcheckResult, gradcheck
from .functional import grad, gradients, value_and_grad
from .graph import backward, topological_order
from .ops import Op
from .value import Value, apply, define_op, dot, is_recording, no_grad, vsum

__all__ = [
    "GradcheckResult",
    "grad",
    "gradcheck",
    "gradients",
    "value_and_grad",
    "Value",
    "Op",
    "apply",
    "backward",
    "define_op",
    "dot",
    "is_recording",
    "no_grad",
    "topological_order",
    "vsum",
]


def __getattr__(name: str):  # draw_dot and friends import graphviz only when asked for
    if name in ("draw_dot",):
        from . import viz

        return getattr(viz, name)
    if name == "step_through":
        from . import stepthrough

        return stepthrough.step_through
    if name == "explain":
        from . import chain

        return chain.explain
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
