"""A small layered layout, left to right, and the SVG it draws; no Graphviz needed.

Columns follow the data flow (a node sits one column right of its last input; an input sits
just left of its first use), rows are ordered by a few barycentre sweeps to cut crossings.
Every node is a ``<g data-node="id">``; every use of a value an edge ``<path data-from data-to>``
(``a*a``: two, drawn apart).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from autograd.viz.format import visible

CHAR = 7.0  # px per character at the page's 12px font (a safe over-estimate)
LINE = 15.0  # px per text line
PAD = 8.0
COL_GAP = 56.0
ROW_GAP = 14.0
OP_GAP = 6.0  # between the op badge and its box
MAX_CHARS = 28  # longer names are cut with an ellipsis in the drawing (in full in the panel)


@dataclass
class Box:
    """One drawn node: an optional op badge on the left, then a box of text lines."""

    id: str
    lines: list[str]
    op: str = ""
    kind: str = "value"  # value, group or more: a CSS class
    x: float = 0.0
    y: float = 0.0
    inputs: list[str] = field(default_factory=list)

    @property
    def badge(self) -> float:
        return 0.0 if not self.op else max(22.0, CHAR * len(self.op) + 10.0)

    @property
    def width(self) -> float:
        text = max(len(line) for line in self.lines) if self.lines else 1
        box = CHAR * text + 2 * PAD
        return box + (self.badge + OP_GAP if self.op else 0.0)

    @property
    def height(self) -> float:
        return LINE * max(1, len(self.lines)) + PAD


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    """One printable line: control characters shown as symbols (NUL as U+2400), cut at limit."""
    out = visible(text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def layout(boxes: list[Box], sweeps: int = 4) -> tuple[float, float]:
    """Place the boxes (given parents first) in columns and rows; returns (width, height)."""
    inputs = acyclic_inputs(boxes)
    boxes = sorted(boxes, key=lambda b: inputs[b.id][1])
    index = {b.id: i for i, b in enumerate(boxes)}
    users: dict[str, list[str]] = {b.id: [] for b in boxes}
    for b in boxes:
        for p in inputs[b.id][0]:
            users[p].append(b.id)
    col: dict[str, int] = {}
    for b in boxes:  # inputs come first, so one pass gives the longest path from an input
        col[b.id] = max((col[p] + 1 for p in inputs[b.id][0]), default=0)
    for b in reversed(boxes):  # inputs move right, next to their first use
        if not inputs[b.id][0] and users[b.id]:
            col[b.id] = min(col[u] for u in users[b.id]) - 1
    ncols = max(col.values(), default=-1) + 1
    columns: list[list[Box]] = [[] for _ in range(ncols)]
    for b in boxes:
        columns[col[b.id]].append(b)
    pos: dict[str, float] = {}

    def place() -> None:
        for c in columns:
            y = 0.0
            for b in c:
                pos[b.id] = y + b.height / 2
                y += b.height + ROW_GAP
            mid = y / 2
            for b in c:
                pos[b.id] -= mid

    place()
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        for c in columns if forward else reversed(columns):
            for b in c:
                near = inputs[b.id][0] if forward else users[b.id]
                if near:
                    pos[b.id] = sum(pos[n] for n in near) / len(near)
            c.sort(key=lambda b: (pos[b.id], index[b.id]))
        place()
    widths = [max((b.width for b in c), default=0.0) for c in columns]
    top = min((pos[b.id] - b.height / 2 for b in boxes), default=0.0)
    x = PAD
    for c, w in zip(columns, widths, strict=True):
        for b in c:
            b.x = x + (w - b.width)  # right-aligned, so edges into a column stay short
            b.y = pos[b.id] - b.height / 2 - top + PAD
        x += w + COL_GAP
    height = max((b.y + b.height for b in boxes), default=0.0) + PAD
    return max(x - COL_GAP + PAD, 1.0), max(height, 1.0)


def acyclic_inputs(boxes: list[Box]) -> dict[str, tuple[list[str], int]]:
    """{id: (inputs, position)}: a topological position for every box, and its inputs without
    those that would close a cycle (collapsed groups can feed each other both ways)."""
    known = {b.id: b for b in boxes}
    state: dict[str, int] = {}  # 1: on the stack, 2: placed
    out: dict[str, tuple[list[str], int]] = {}
    for start in boxes:
        if start.id in state:
            continue
        stack = [(start.id, 0)]
        state[start.id] = 1
        while stack:
            nid, i = stack.pop()
            ins = known[nid].inputs
            if i < len(ins):
                stack.append((nid, i + 1))
                p = ins[i]
                if p in known and p not in state:
                    state[p] = 1
                    stack.append((p, 0))
                continue
            kept = [p for p in ins if state.get(p) == 2]  # an input still on the stack: a cycle
            state[nid] = 2
            out[nid] = (kept, len(out))
    return out


def svg(boxes: list[Box], width: float, height: float) -> str:
    """The laid-out boxes as one inline ``<svg>``; all text escaped."""
    where = {b.id: b for b in boxes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cr-svg" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" data-role="graph">',
        '<defs><marker id="cr-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" '
        'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z"/></marker></defs>',
        '<g class="cr-edges">',
    ]
    spans = [(o.x, o.x + o.width, o.y, o.y + o.height) for o in boxes]  # measured once
    for b in boxes:
        uses: dict[str, int] = {}
        for p in b.inputs:
            uses[p] = uses.get(p, 0) + 1
        seen: dict[str, int] = {}
        for p in b.inputs:  # a*a: two edges, one per use, drawn apart
            j = seen[p] = seen.get(p, -1) + 1
            out.append(_edge(where[p], b, j, uses[p], spans))
    out.append('</g><g class="cr-nodes">')
    for b in boxes:
        out.append(_node(b))
    out.append("</g></svg>")
    return "\n".join(out)


PARALLEL = 7.0  # px between two uses of one value by one node


def _edge(a: Box, b: Box, j: int, n: int, spans: list[tuple[float, float, float, float]]) -> str:
    """The j-th of n edges from a to b: side by side when n > 1; an edge that would cross a
    box in a column between them bends above (or below) every such box, so it stays visible."""
    shift = (j - (n - 1) / 2) * PARALLEL
    x1, y1 = a.x + a.width, a.y + a.height / 2 + shift
    x2, y2 = b.x, b.y + b.height / 2 + shift
    dx = max(20.0, (x2 - x1) / 2)
    c1, c2 = y1 + 2 * shift, y2 + 2 * shift
    low, high = min(y1, y2) - 4, max(y1, y2) + 4
    between = [o for o in spans if o[0] > x1 and o[1] < x2]  # (left, right, top, bottom)
    hit = [o for o in between if o[2] < high and o[3] > low]
    if hit:
        top = min(o[2] for o in between) - 14
        bottom = max(o[3] for o in between) + 14
        mid = (y1 + y2) / 2
        y = top if mid - top <= bottom - mid else bottom
        c1 = c2 = y + (y - mid) / 3 + shift  # a cubic reaches ~3/4 of its control points
        dx = (x2 - x1) / 4
    return (
        f'<path class="cr-edge" data-from="{escape(a.id)}" data-to="{escape(b.id)}" '
        f'data-use="{j}" d="M{x1:.1f},{y1:.1f} C{x1 + dx:.1f},{c1:.1f} {x2 - dx:.1f},{c2:.1f} '
        f'{x2:.1f},{y2:.1f}" marker-end="url(#cr-arrow)"/>'
    )


def _node(b: Box) -> str:
    parts = [f'<g class="cr-node cr-{b.kind}" data-node="{escape(b.id)}" tabindex="0">']
    x = b.x
    mid = b.y + b.height / 2
    if b.op:
        w = b.badge
        parts.append(
            f'<rect class="cr-op" x="{x:.1f}" y="{mid - 11:.1f}" width="{w:.1f}" height="22" '
            f'rx="11"/><text class="cr-op-text" x="{x + w / 2:.1f}" y="{mid + 4:.1f}" '
            f'text-anchor="middle">{escape(b.op)}</text>'
            f'<line class="cr-op-link" x1="{x + w:.1f}" y1="{mid:.1f}" '
            f'x2="{x + w + OP_GAP:.1f}" y2="{mid:.1f}"/>'
        )
        x += w + OP_GAP
    w = b.x + b.width - x
    parts.append(
        f'<rect class="cr-box" x="{x:.1f}" y="{b.y:.1f}" width="{w:.1f}" '
        f'height="{b.height:.1f}" rx="5"/>'
    )
    for i, line in enumerate(b.lines):
        cls = "cr-name" if i == 0 and b.kind != "more" else "cr-line"
        if line.startswith(("grad ", "δ = grad ")):
            cls = "cr-grad"
        elif line.startswith("data "):
            cls = "cr-data"
        parts.append(
            f'<text class="{cls}" x="{x + PAD:.1f}" y="{b.y + PAD / 2 + LINE * (i + 1) - 3:.1f}">'
            f"{escape(line)}</text>"
        )
    parts.append("</g>")
    return "".join(parts)
