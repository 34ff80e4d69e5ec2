"""What the colours of a drawing mean, in one place: the explore page's legend, ``draw_dot``'s
highlight, and anyone drawing the same things (e.g. a matplotlib live view: ``LEGEND`` gives the
colours and words; ``legend_html()`` a ready HTML strip).
"""

from __future__ import annotations

from html import escape

POSITIVE = "#4682e6"  # grad > 0 (deepest blue; lighter for smaller |grad|)
NEGATIVE = "#dc3c32"  # grad < 0 (deepest red)
NONFINITE = "#ff00ff"  # grad inf or nan
PATH = "#7b1fa2"  # a path to the output (hover, click, draw_dot's highlight): never red or blue
CURRENT = "#ffb300"  # the node whose gradient this step computes
FLOW = "#e65100"  # the uses its gradient flows back from

# (kind, colour, meaning): kind 'fill' is a box's fill, 'edge' a line, 'outline' a box's border
LEGEND: tuple[tuple[str, str, str], ...] = (
    ("fill", POSITIVE, "grad > 0"),
    ("fill", NEGATIVE, "grad < 0"),
    ("fill", "#ffffff", "grad 0 (or not known yet)"),
    ("fill", NONFINITE, "grad inf or nan"),
    ("edge", PATH, "a path to the output"),
    ("outline", CURRENT, "this step's value"),
    ("edge", FLOW, "its uses, where its gradient comes from"),
)


def legend_html() -> str:
    """The legend as a small HTML strip (``data-role="legend"``), styled inline."""
    items = []
    for kind, colour, meaning in LEGEND:
        if kind == "fill":
            mark = f"background:{colour};border:1px solid #7b8794;width:12px;height:12px"
        elif kind == "outline":
            mark = f"border:3px solid {colour};width:8px;height:8px"
        else:
            mark = f"border-top:3px solid {colour};width:16px;height:0"
        items.append(
            '<span style="display:inline-flex;align-items:center;gap:4px;margin-right:12px">'
            f'<span style="display:inline-block;{mark}"></span>{escape(meaning)}</span>'
        )
    return (
        '<div class="cr-legend" data-role="legend" style="font-size:12px;color:#4a5560">'
        + "".join(items)
        + "</div>"
    )
