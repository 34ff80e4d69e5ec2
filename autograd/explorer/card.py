"""A Value as a compact HTML card for Jupyter: label, data, grad and the op that made it."""

from __future__ import annotations

from html import escape
from typing import Any

from autograd.viz.format import format_number, plural

from .layout import shorten

_CARD = (
    '<div class="chainrule-value" style="display:inline-flex;gap:.8em;align-items:baseline;'
    "font:13px/1.4 system-ui,sans-serif;border:1px solid #c9d1dc;border-radius:6px;"
    'padding:.25em .7em;background:#f8fafc;color:#1f2933">{parts}</div>'
)


def value_card(v: Any) -> str:
    """HTML for one Value: ``Value`` and its label, then data, grad, and op (with its inputs)."""
    parts = ['<b style="color:#3d5a80">Value</b>']
    if v.label:
        parts.append(f"<span>{escape(shorten(v.label, 40))}</span>")
    parts.append(f"<span>data <b>{escape(format_number(v.data))}</b></span>")
    parts.append(f"<span>grad <b>{escape(format_number(v.grad))}</b></span>")
    if v._op:
        n = len(v._parents)
        what = f"{v._op} of {plural(n, 'value')}" if n else v._op
        parts.append(f'<span style="color:#6b7785">op {escape(what)}</span>')
    else:
        parts.append('<span style="color:#6b7785">leaf</span>')
    return _CARD.format(parts="".join(parts))
