"""``explore(root)``: backprop as one interactive, self-contained page (Jupyter or a file).

The graph is laid out here (``layout``), its data gathered in ``view``; the page's behaviour is
``explore.js`` and its look ``explore.css``, shipped beside this file and inlined into the page.
"""

from __future__ import annotations

import html
import json
from collections.abc import Collection, Mapping
from importlib import resources
from pathlib import Path
from typing import overload

from autograd.value import Value
from autograd.viz import Names, as_names, legend_html
from autograd.viz.format import writable

from .bylayer import depths, layer_data, mark_deltas
from .card import value_card
from .edit import edit_data, edit_script
from .layout import layout, svg
from .view import MAX_DRAWN, MAX_MEMBERS, View

__all__ = ["Explorer", "explore", "value_card"]

MAX_EDITABLE = 20_000  # values at most for a page whose leaves can be edited
MAX_NODES = 120  # boxes drawn before a big graph is collapsed (with names) and then cut


class Explorer:
    """An interactive page for the graph of one root: ``_repr_html_`` in Jupyter, ``to_html``."""

    def __init__(self, html_page: str, nodes: int, steps: int, note: str) -> None:
        self.html = html_page
        self.nodes = nodes  # values in the graph
        self.steps = steps  # backward steps in the page
        self.note = note  # what was collapsed or cut ('' when everything is drawn)

    @overload
    def to_html(self, path: None = None) -> str: ...
    @overload
    def to_html(self, path: str | Path) -> Path: ...
    def to_html(self, path: str | Path | None = None) -> str | Path:
        """The page as one HTML string (no network needed); with ``path``, the page is written
        there and the Path returned (a REPL then shows the path, not the page)."""
        if path is None:
            return self.html
        Path(path).write_text(self.html, encoding="utf-8")
        return Path(path)

    def _repr_html_(self) -> str:
        # NOTE: an iframe keeps the page's script and CSS apart from the notebook's (JupyterLab,
        # Notebook 7 and VS Code all run scripts in a srcdoc iframe of a trusted output).
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width:100%;height:640px;border:1px solid #d0d7de;border-radius:6px" '
            'title="chainrule explore"></iframe>'
        )

    def __repr__(self) -> str:
        more = f"; {self.note}" if self.note else ""
        return (
            f"<Explorer: {self.nodes} values, {self.steps} steps{more}; "
            "shows itself in Jupyter, .to_html(path) writes the page>"
        )


def explore(
    root: Value,
    *,
    names: Names = None,
    quiz: bool | str = False,
    max_nodes: int | None = MAX_NODES,
    collapse: str | None = "auto",
    title: str = "Backpropagation, step by step",
    by: str = "step",
    published: Mapping[str, float] | None = None,
) -> Explorer:
    """An interactive page for the graph of ``root``: click a node for its local derivative
    (d out/d in with the numbers plugged in) and every path to the output (whose products sum
    to its gradient, d root/d node); step through backward; with ``quiz``, type each gradient
    before it is shown (``quiz="local"``: the local derivatives of up to three uses, then the
    gradient); a wrong answer is diagnosed (a missing use, an activation's value for its slope,
    a flipped sign) with a hint, and a score is kept.

    Args:
        names: {Value: name}, or ``model.named_parameters()``; also what big graphs collapse by.
        max_nodes: boxes drawn at most (None: no limit, as in ``draw_dot``); past it the graph
            is collapsed ('auto': per neuron, then per layer; or 'neuron', 'layer', None) when
            names are given, then cut to the boxes nearest the output. Stepping goes through
            one step per drawn box (a group's: where its gradient starts), and says so.
        by: 'step' (one backward step per drawn box) or 'layer': forward a layer at a time
            (hidden, then output), then backward the other way, each net input's δ = ∂E/∂net
            written out (the generalized delta rule); a step forward and one back per layer,
            so every value is reached.
        published: with by='layer', numbers to show beside the engine's, keyed by value name
            (its data) or 'grad <name>' (its gradient), e.g. a textbook's ``{"out_h1": 0.5933}``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore: root must be a Value, got {type(root).__name__}")
    if quiz not in (True, False, "local") or (not isinstance(quiz, (bool, str))):
        raise TypeError(f"explore: quiz must be True, False or 'local', got {quiz!r:.40}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise TypeError(
            f"explore: max_nodes must be an int or None, got {type(max_nodes).__name__}"
        )
    if max_nodes is not None and max_nodes < 2:
        raise ValueError(f"explore: max_nodes must be at least 2, got {max_nodes}")
    if collapse not in ("auto", "neuron", "layer", None):
        raise ValueError(
            f"explore: collapse must be 'auto', 'neuron', 'layer' or None, got {collapse!r}"
        )
    if by not in ("step", "layer"):
        raise ValueError(f"explore: by must be 'step' or 'layer', got {by!r:.40}")
    if by == "layer" and quiz:
        raise ValueError("explore: the quiz asks a step at a time; use by='step' with quiz")
    if published is not None and by != "layer":
        raise ValueError("explore: published numbers are shown by layer; pass by='layer'")
    if not isinstance(title, str):
        raise TypeError(f"explore: title must be a str, got {type(title).__name__}")
    named = as_names(names, "explore")
    view = View(root, named, max_nodes, collapse, model=names)
    params = list(named) if named else None
    if by == "step" and view.summary.cut:
        view.note += "; steps go one drawn box at a time (by='layer' reaches every value)"
    page = build_page(view, quiz=quiz, title=title, params=params, by=by, published=published)
    steps = 2 * len(set(depths(view).values())) if by == "layer" else len(view.shown_steps())
    return Explorer(page, len(view.order), steps, view.note)


def build_page(
    view: View,
    *,
    quiz: bool | str,
    title: str,
    params: Collection[Value] | None = None,
    by: str = "step",
    published: Mapping[str, float] | None = None,
) -> str:
    """The whole page: inline SVG, the data as JSON, the CSS and the script (the editable
    graph's engine and ``edit.js`` follow ``explore.js``; ``params`` are what descent moves;
    ``by='layer'``: each step is a layer, and no leaf is editable)."""
    boxes = view.boxes()
    if by == "layer":
        mark_deltas(view, boxes)
    width, height = layout(boxes)
    drawings = []
    for gid in view.groups:
        inner = view.group_boxes(gid)
        w, h = layout(inner)
        drawings.append(
            f'<div class="cr-group-drawing" data-group="{gid}" hidden>{svg(inner, w, h)}</div>'
        )
    # NOTE: the editable graph ships the whole graph as a program (65 MB and 55 s for a 1M-op
    # chain); past MAX_EDITABLE values the page is read-only and costs what it draws.
    editable = by == "step" and len(view.order) <= MAX_EDITABLE
    edit = edit_data(view, params) if editable else None
    records = view.records()
    data = {
        "root": view.id(view.root),
        "quiz": quiz,
        "scale": view.scale(),
        "note": view.note,
        "nodes": records,
        "groups": {
            gid: {
                "name": view.group_names[gid],
                "size": len(vs),
                "members": [view.id(v) for v in vs[:MAX_MEMBERS]],
            }
            for gid, vs in view.groups.items()
        },
        "steps": view.steps(),
        "total_steps": len(view.backward),
        "drawn": MAX_DRAWN,
        "edit": edit,
        "by_layer": layer_data(view, published, records) if by == "layer" else None,
    }
    return _asset("page.html").format(
        title=html.escape(writable(title)),
        note=html.escape(view.note),
        css=_asset("explore.css") + _asset("edit.css"),
        js="\n".join(
            [_asset("explore.js"), _asset("quiz.js")]
            + ([edit_script(edit["program"])] if edit else [])
        ),
        svg=svg(boxes, width, height),
        legend=legend_html(),
        groups="\n".join(drawings),
        data=script_json(data),
    )


def script_json(data: object) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' (so no '</script>'), nor U+2028/9."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _asset(name: str) -> str:
    return (resources.files(__package__) / name).read_text(encoding="utf-8")
