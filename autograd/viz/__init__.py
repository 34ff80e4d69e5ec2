"""Drawing a computation graph with Graphviz: ``draw_dot(root)``.

One record per Value (name, data, grad), one small node per operation, edges in data-flow order.
Big graphs are collapsed per neuron or per layer and cut at a node budget. The package, by
concern: ``format`` (numbers, escaping), ``names``, ``summary`` (what fits the budget, shared
with ``explore`` and ``step_through``), ``plan`` (nodes and edges), ``collapse`` (groups),
``render`` (finding ``dot`` or ``graphviz-pure``), ``draw`` (``draw_dot``), ``legend``.
``graphviz`` is an optional extra, imported only when a drawing is made.

Grouping protocol: pass the model as ``names=model``. Any object with ``named_parameters()`` names
the parameters; one with ``draw_groups(level) -> {parameter: group name}`` also decides what
``collapse="neuron"`` / ``"layer"`` (and the automatic collapse of big graphs) put together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .format import escape_record, escape_text, format_factor, format_number
from .legend import LEGEND, legend_html
from .names import NamedModel, Names, as_names, auto_names, name_of, names_from

if TYPE_CHECKING:
    from .collapse import (
        Collapse,
        GroupedModel,
        assign_groups,
        group_key,
        group_members,
        natural_key,
        parameter_groups,
    )
    from .draw import MAX_NODES, draw_dot, emit
    from .plan import Plan, grad_color, graph_order, mark_path, op_kind, op_symbol, plan_graph
    from .render import INSTALL_HINT, RendererNotFound, find_renderer
    from .summary import Summary, summarise

__all__ = [
    "INSTALL_HINT",
    "LEGEND",
    "MAX_NODES",
    "Collapse",
    "GroupedModel",
    "NamedModel",
    "Names",
    "Plan",
    "RendererNotFound",
    "Summary",
    "as_names",
    "assign_groups",
    "auto_names",
    "draw_dot",
    "emit",
    "escape_record",
    "escape_text",
    "find_renderer",
    "format_factor",
    "format_number",
    "grad_color",
    "legend_html",
    "graph_order",
    "group_key",
    "group_members",
    "mark_path",
    "name_of",
    "names_from",
    "natural_key",
    "op_kind",
    "op_symbol",
    "parameter_groups",
    "plan_graph",
    "summarise",
]


# NOTE: `import autograd` imports format and names (explain uses them); the drawing code is
# imported on first use, which keeps dataclasses, shutil and pathlib out of `import autograd`.
def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import collapse, draw, plan, render, summary

        for module in (collapse, draw, plan, render, summary):
            if hasattr(module, name):
                return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
