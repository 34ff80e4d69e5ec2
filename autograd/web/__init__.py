"""The engine in the page: a graph written as a compact program, and JavaScript that runs it
forward and backward with the Python engine's numbers (one trace, two back-ends).

``program(root, names=, grads=)`` is the graph as JSON (see ``autograd.web.program``);
``ops_js(program["ops"])`` is the generated JavaScript for its ops, from the op table
(``Op.js``); ``engine_js()`` is the hand-written engine; ``scripts(prog)`` is both, in order,
for one ``<script>``. A user's op defined without ``js=`` makes a program read-only.

The JavaScript API (``globalThis.chainrule``, set by ``engine.js``, a script or module code)::

    const p = new chainrule.Program(json)  // json: program(root)
    p.editable, p.why              // false, and why, when an op has no JavaScript form
    p.leaves                       // [{index, label}], in topological order
    p.set(leaf, x)                 // leaf: its label or node index
    p.forward()                    // every value from the leaves; returns the output
    p.backward(seed = 1)           // p.grads[i] = seed * d output / d node i
    p.get(i), p.grad(i), p.leafGrad(leaf), p.local(i), p.output, p.values, p.grads
    p.run([[leaf, x], ...])        // set, forward, backward; all or nothing
    p.reset()                      // the values Python recorded
    p.check(rel = 1e-12)           // null, or the first node where the page disagrees
    chainrule.OpError              // e.kind ("ValueError", ...), e.message (Python's), e.node
    chainrule.repr(x)              // Python's repr of a float

Where Python raises (log of a negative number, division by zero, overflow), forward throws an
``OpError`` with the same message and changes nothing. Node i of a program is node i of
``topological_order(root)``. More in docs/web.md.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from .generate import compensated_sum, ops_js
from .program import FORMAT, program

__all__ = ["FORMAT", "compensated_sum", "engine_js", "ops_js", "program", "scripts"]


def engine_js() -> str:
    """The page's engine, ``engine.js`` (hand-written; it defines ``globalThis.chainrule``)."""
    return (resources.files(__package__) / "engine.js").read_text(encoding="utf-8")


def scripts(prog: dict[str, Any]) -> str:
    """The engine and the generated ops of ``prog``, as one script's text."""
    return engine_js() + "\n" + ops_js(prog["ops"])
