"""The editable graph's part of the explore page: the graph as a program for the page's engine
(``autograd.web``), the parameters a gradient-descent step moves, and which value each
collapsed box shows. The page's behaviour is ``edit.js``."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from autograd.value import Value
from autograd.web import engine_js, ops_js, program

from .view import View

MAX_LISTED = 2000  # leaves offered in the page's leaf menu (a click on a drawn leaf picks any)


def edit_data(view: View, params: Collection[Value] | None) -> dict[str, Any]:
    """The page's ``edit`` data: ``program`` (labels from the page's names, Python's grads
    recorded so the page checks its own), ``params`` (program indices a descent step moves:
    ``params``, or every leaf when None) and ``groups`` (box id -> the value it shows)."""
    leaves = [v for v in view.order if not v._op]
    prog = program(view.root, names={v: view.names[v] for v in leaves}, grads=view.grads)
    wanted = set(params) if params is not None else None
    moved = [view.index[v] for v in leaves if wanted is None or v in wanted]
    groups: dict[str, int | None] = {}
    for gid, members in view.groups.items():
        out = view._group_output(gid)
        groups[gid] = view.index[out] if out is not None else None
        if out is None and members:
            groups[gid] = view.index[members[-1]]
    return {"program": prog, "params": moved, "groups": groups, "max_listed": MAX_LISTED}


def edit_script(prog: dict[str, Any]) -> str:
    """The engine, the generated ops of ``prog`` and ``edit.js``, to follow ``explore.js``."""
    from . import _asset

    return "\n".join((engine_js(), ops_js(prog["ops"]), _asset("edit.js")))
