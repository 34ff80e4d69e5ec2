"""``draw_dot(root)``: the graph behind a Value as a Graphviz drawing, limited to a node budget."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..value import Value
from .collapse import Collapse, GroupedModel, group_key, neuron_value_names
from .format import escape_text, plural
from .names import Names, as_names
from .plan import Plan, graph_order, mark_path, plan_graph
from .render import import_graphviz, new_drawing
from .summary import summarise

# NOTE: graphviz-pure's layout time grows faster than linearly in the edges drawn (see
# benchmarks/draw.py); 300 nodes and at most 600 edges between them keep a picture fast and small.
MAX_NODES = 300
SEE_ALL = "pass max_nodes=None to draw everything"


def emit(plan: Plan, *, rankdir: str = "LR", caption: str = "", fmt: str = "svg") -> Any:
    """Turn a plan into a graphviz Digraph (the Drawing subclass)."""
    dot = new_drawing(format=fmt, graph_attr={"rankdir": rankdir})
    nohtml = import_graphviz().nohtml
    lines = [line for s in (plan.note, caption) if s for line in s.splitlines()]
    if lines:  # \l ends a left-justified line
        label = "".join(escape_text(line) + "\\l" for line in lines)
        dot.attr(label=nohtml(label), labelloc="t", labeljust="l", fontsize="12")
    dot.note = plan.note
    nops = sum(1 for v in plan.order if v._op)
    dot.summary = f"{plural(len(plan.order), 'value')}, {plural(nops, 'op')}"
    if plan.groups or "more" in plan.nodes:
        dot.summary += f" drawn as {plural(len(plan.nodes), 'node')}"
    for nid, attrs in plan.nodes.items():
        rest = dict(attrs)
        label = rest.pop("label", "")
        dot.node(nid, nohtml(label), **rest)
    for (src, dst), attrs in plan.edges.items():
        for _ in range(plan.repeats.get((src, dst), 1)):
            dot.edge(src, dst, **attrs)
    return dot


def draw_dot(
    root: Value | Iterable[Value],
    *,
    names: Names = None,
    show_grad: bool = True,
    color_grad: bool = False,
    highlight: Value | Iterable[Value] | None = None,
    collapse: Collapse = None,
    max_nodes: int | None = MAX_NODES,
    rankdir: str = "LR",
    format: str = "svg",
) -> Any:
    """Draw the graph behind ``root`` as a ``graphviz.Digraph`` (shows itself in Jupyter).

    Args:
        names: {Value: name} shown instead of labels, ``model.named_parameters()``, or the
            model itself (anything with ``named_parameters()``; with a ``draw_groups(level)``
            method too, the model also says how ``collapse`` groups, as ``nn.Module`` does).
        color_grad: fill each value blue (grad > 0) or red (grad < 0), deeper for larger |grad|.
        highlight: a Value (or several): draw every path from it to the output in red.
        collapse: 'neuron', 'layer', a name depth (int) or a function name -> group name:
            each group of parameters and the nodes computing with them becomes one node,
            showing the data and grad of the value leaving it; groups are listed in natural
            order (unit.2 before unit.10), and constant inputs are drawn once each.
        max_nodes: the node budget (default 300; None: no limit). A bigger graph is collapsed
            per neuron, then per layer, when ``names`` allow it, then cut to the nodes nearest
            the output, one node standing for the rest; the label says what was done.

    Save with ``.render(outfile="graph.png")``; the DOT text is ``.source`` (no renderer needed).
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise TypeError(f"draw_dot: max_nodes must be an int, got {type(max_nodes).__name__}")
    if max_nodes is not None and max_nodes < 2:
        raise ValueError(f"draw_dot: max_nodes must be at least 2, got {max_nodes}")
    named = as_names(names, "draw_dot")
    model = names if isinstance(names, GroupedModel) else None
    order = graph_order(root)
    known: dict[str, dict[Value, str]] = {}  # groups per level, assigned once for both
    named = neuron_value_names(order, named, model, known) if model is not None else named
    if collapse is not None:
        if not named:
            raise ValueError("draw_dot: collapse needs names (e.g. names=model)")
        if isinstance(collapse, str):
            group_key(collapse)  # a clear error for an unknown level, before any work
    summary = summarise(
        order,
        max_nodes=max_nodes,
        cost=node_cost,
        names=named,
        model=model,
        collapse=collapse if collapse is not None else "auto",
        force=collapse is not None,
        constants=True,
        known=known,
    )
    if summary.note and (summary.cut or not collapse):
        summary.note += f" ({SEE_ALL})"
    plan = plan_graph(
        order, names=named, show_grad=show_grad, color_grad=color_grad, summary=summary
    )
    if highlight is not None:
        mark_path(plan, [highlight] if isinstance(highlight, Value) else highlight)
    return emit(plan, rankdir=rankdir, fmt=format)


def node_cost(v: Value) -> int:
    """Nodes a value costs in a drawing: its record, its op and the constants it takes."""
    if not v._op:
        return 1
    return 2 + sum(1 for x in v._inputs if x is not None and not isinstance(x, Value))
