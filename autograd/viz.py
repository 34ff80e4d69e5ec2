"""Drawing a computation graph with Graphviz: ``draw_dot(root)``.

One record per Value (name, data, grad), one small node per operation, edges in data-flow order.
Big graphs can be collapsed per neuron or per layer and cut at a node budget. ``graphviz`` is an
optional extra, imported inside functions only; rendering uses ``dot`` or else ``graphviz-pure``.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .graph import topological_order
from .value import Value

if TYPE_CHECKING:
    import graphviz

Collapse = str | int | Callable[[str], str | None] | None
Names = Mapping[Value, str] | Mapping[str, Value] | Iterable[tuple[str, Value]] | None

# Ops drawn with a symbol rather than their name.
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "neg": "-x", "pow": "**", "powv": "**"}
ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid", "leaky_relu", "softplus", "exp", "sin", "cos"})
HIGHLIGHT = "#d62728"
INSTALL_HINT = (
    "install graphviz-pure (`pip install graphviz-pure`, part of chainrule's `viz` extra) "
    "or a system Graphviz that puts `dot` on PATH"
)


# --- formatting ---


def format_number(x: float) -> str:
    """A short readable float: fixed point for 0.01 <= |x| < 1e5, else scientific (2.5e-05)."""
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "0"
    if 0.01 <= abs(x) < 1e5:
        s = f"{x:.4f}".rstrip("0")
        return s + "0" if s.endswith(".") else s
    mantissa, _, exponent = f"{x:.3e}".partition("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    s = f"{mantissa}e{exponent}"
    return s if math.isfinite(float(s)) else repr(x)  # rounding up past the largest float


def format_factor(x: float) -> str:
    """format_number, in parentheses when negative, for products such as 2.0 * (-3.0)."""
    s = format_number(x)
    return f"({s})" if s.startswith("-") else s


def escape_record(text: str) -> str:
    r"""Escape text for one field of a Graphviz record label: \ { } | < > " and newlines."""
    out = text.replace("\\", "\\\\")
    for ch in '{}|<>"':
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\\n").replace("\n", "\\n")


def escape_text(text: str) -> str:
    r"""Escape text for a plain (non-record) Graphviz label: backslashes, quotes and newlines."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return out.replace("\r\n", "\\n").replace("\n", "\\n")


# --- the renderer: dot on PATH, else graphviz-pure ---


def find_renderer() -> str | None:
    """The program that renders DOT here: ``dot`` on PATH, else ``graphviz-pure``, else None."""
    dot = shutil.which("dot")
    if dot:
        return dot
    exe = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    beside = Path(sys.executable).parent / exe  # the venv's bin (or Scripts) directory
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("graphviz-pure")


class RendererNotFound(RuntimeError):
    """No program to turn DOT source into an image; the DOT ``.source`` is still available."""


def _use_renderer() -> None:
    """Point the ``graphviz`` package at a renderer unless it already has one."""
    from graphviz.backend import dot_command

    if dot_command.DOT_BINARY != Path("dot"):
        return  # chosen by the user, or by an earlier call: leave it
    found = find_renderer()
    if found is None:
        raise RendererNotFound(f"no Graphviz renderer found: {INSTALL_HINT}")
    if Path(found).name not in ("dot", "dot.exe"):
        dot_command.DOT_BINARY = Path(found)


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing needs the graphviz package: pip install 'chainrule[viz]' "
            "(or pip install graphviz graphviz-pure)"
        ) from None
    return graphviz


_drawing_class: Any = None


def _drawing(**kwargs: Any) -> graphviz.Digraph:
    """A graphviz.Digraph that finds its renderer by itself when asked to render."""
    global _drawing_class
    if _drawing_class is None:
        gv = _graphviz()

        class Drawing(gv.Digraph):  # type: ignore[name-defined,misc]
            """A Digraph of a chainrule graph; ``note`` says what was collapsed or cut."""

            note = ""

            def pipe(self, *args: Any, **kw: Any) -> Any:
                _use_renderer()
                return super().pipe(*args, **kw)

            def render(self, *args: Any, **kw: Any) -> Any:
                _use_renderer()
                return super().render(*args, **kw)

            def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kw: Any):
                try:
                    return super()._repr_mimebundle_(include, exclude, **kw)
                except RendererNotFound as e:  # still useful in a notebook: say what to do
                    return {"text/plain": f"{e}\n\n{self.source}"}

        _drawing_class = Drawing
    return _drawing_class(**kwargs)


# --- the drawing's plan: nodes and edges before they become DOT ---


@dataclass
class Plan:
    """Nodes (id -> attributes) and edges (src, dst) -> attributes, in data-flow order."""

    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    order: list[Value] = field(default_factory=list)
    index: dict[Value, int] = field(default_factory=dict)
    repeats: dict[tuple[str, str], int] = field(default_factory=dict)  # a*a: a enters twice
    groups: dict[str, str] = field(default_factory=dict)  # group node id -> name, natural order
    note: str = ""
    show_grad: bool = True
    grads: Mapping[Value, float] | None = None  # None: each Value's own .grad
    scale: float | None = None  # the largest |grad| when colouring by gradient, else None

    def value_id(self, v: Value) -> str:
        return f"n{self.index[v]}"

    def op_id(self, v: Value) -> str:
        return f"n{self.index[v]}op"


def graph_order(root: Value | Iterable[Value]) -> list[Value]:
    """Every node behind one root or several, parents before children (no recursion)."""
    if isinstance(root, Value):
        roots = [root]
    elif isinstance(root, Iterable) and not isinstance(root, (str, bytes)):
        roots = list(root)
    else:
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    if not roots:
        raise ValueError("draw_dot: no root Value given")
    for r in roots:
        if not isinstance(r, Value):
            raise TypeError(f"draw_dot: root must be a Value, got {type(r).__name__}")
    if len(roots) == 1:
        return topological_order(roots[0])
    seen: dict[Value, None] = {}
    for r in roots:
        for v in topological_order(r):
            seen.setdefault(v, None)
    return list(seen)


def name_of(v: Value, names: Mapping[Value, str] | None) -> str:
    """The name a drawing shows for v: from ``names``, else its ``label``, else ''."""
    if names is not None:
        n = names.get(v)
        if n:
            return str(n)
    return v.label


def op_label(v: Value) -> str:
    if v._op == "leaky_relu" and not isinstance(v._b, Value) and v._b is not None:
        return f"leaky_relu({format_number(v._b)})"
    return SYMBOLS.get(v._op, v._op)


def plan_graph(
    order: list[Value],
    *,
    names: Mapping[Value, str] | None = None,
    show_grad: bool = True,
    grads: Mapping[Value, float] | None = None,
    color_grad: bool = False,
) -> Plan:
    """Lay out the plain graph: value records, op nodes, constants, edges."""
    plan = Plan(order=order, index={v: i for i, v in enumerate(order)})
    plan.show_grad, plan.grads = show_grad, grads
    scale = 0.0
    if color_grad:
        scale = max((abs(_grad(v, grads) or 0.0) for v in order), default=0.0)
        plan.scale = scale
    for i, v in enumerate(order):
        vid = f"n{i}"
        fields = []
        name = name_of(v, names)
        if name:
            fields.append(escape_record(name))
        fields.append(f"data {format_number(v.data)}")
        g = _grad(v, grads)
        if show_grad:
            fields.append("grad ?" if g is None else f"grad {format_number(g)}")
        attrs = {"shape": "record", "label": "{ " + " | ".join(fields) + " }"}
        if color_grad and g is not None:
            attrs.update(style="filled", fillcolor=grad_color(g, scale))
        plan.nodes[vid] = attrs
        if not v._op:
            continue
        oid = f"n{i}op"
        plan.nodes[oid] = {"label": escape_text(op_label(v)), "shape": "ellipse"}
        k = 0
        for x in v._inputs:
            if isinstance(x, Value):
                key = (f"n{plan.index[x]}", oid)
                plan.edges.setdefault(key, {})
                plan.repeats[key] = plan.repeats.get(key, 0) + 1
            elif x is not None and not (v._op == "leaky_relu" and k == 1):
                cid = f"n{i}c{k}"
                plan.nodes[cid] = {"label": format_number(float(x)), "shape": "plaintext"}
                plan.edges[(cid, oid)] = {}
            k += 1
        plan.edges[(oid, vid)] = {}
    return plan


def _grad(v: Value, grads: Mapping[Value, float] | None) -> float | None:
    if grads is None:
        return v.grad
    return grads.get(v)


def grad_color(g: float, scale: float) -> str:
    """Blue for a positive gradient, red for a negative one, deeper for larger |g| (log scale)."""
    if not math.isfinite(g):
        return "#ff00ff"
    if g == 0.0 or scale == 0.0 or not math.isfinite(scale):
        return "#ffffff"
    # NOTE: log scale over 4 decades below the largest |grad|, so small gradients still show.
    t = min(1.0, max(0.0, 1.0 + math.log10(abs(g) / scale) / 4.0))
    t = 0.1 + 0.6 * t  # light enough to read black text on
    r, gr, b = (70, 130, 230) if g > 0 else (220, 60, 50)
    mix = [round(255 + (c - 255) * t) for c in (r, gr, b)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def mark_path(plan: Plan, start: Iterable[Value]) -> set[Value]:
    """Values on some path from a start Value to the root(s); draws them and their edges red."""
    starts = set(start)
    missing = [v for v in starts if v not in plan.index]
    if missing:
        raise ValueError("draw_dot: the highlighted Value is not in the graph of root")
    on: set[Value] = set()
    for v in plan.order:  # parents come first, so one pass reaches everything downstream
        if v in starts or any(p in on for p in v._parents):
            on.add(v)
    for v in on:
        vid = plan.value_id(v)
        plan.nodes[vid].update(color=HIGHLIGHT, penwidth="2.5")
        if v._op and any(p in on for p in v._parents):
            oid = plan.op_id(v)
            plan.nodes[oid].update(color=HIGHLIGHT, penwidth="2.5", fontcolor=HIGHLIGHT)
            plan.edges[(oid, vid)].update(color=HIGHLIGHT, penwidth="2.5")
            for p in v._parents:
                if p in on:
                    plan.edges[(plan.value_id(p), oid)].update(color=HIGHLIGHT, penwidth="2.5")
    return on


# --- collapsing: one node per neuron or per layer, then a node budget ---


def group_key(collapse: Collapse) -> Callable[[str], str | None]:
    """Turn ``collapse`` into a function from a parameter name to its group's name."""
    if callable(collapse):
        return collapse
    if isinstance(collapse, bool) or not isinstance(collapse, (str, int)):
        raise TypeError(
            f"draw_dot: collapse must be 'neuron', 'layer', an int or a function, "
            f"got {type(collapse).__name__}"
        )
    if isinstance(collapse, int):
        if collapse < 1:
            raise ValueError(f"draw_dot: collapse depth must be >= 1, got {collapse}")
        depth = collapse
        return lambda name: ".".join(name.split(".")[:depth]) if "." in name else None
    words = {"neuron": ("neurons", 4), "layer": ("layers", 2)}
    if collapse not in words:
        raise ValueError(f"draw_dot: collapse must be 'neuron' or 'layer', got {collapse!r}")
    word, depth = words[collapse]

    def key(name: str) -> str | None:
        parts = name.split(".")
        if word in parts[:-1]:  # up to and including the index after e.g. 'neurons'
            return ".".join(parts[: parts.index(word) + 2])
        return ".".join(parts[:depth]) if len(parts) > depth else None

    return key


def assign_groups(
    order: list[Value], names: Mapping[Value, str], key: Callable[[str], str | None]
) -> dict[Value, str]:
    """Each Value's group: a named parameter's from its name; a node's from the parameters it
    takes directly (w*x, dot), or when it sums or activates nodes of that one group only."""
    group: dict[Value, str] = {}
    for v in order:
        if not v._op:
            name = names.get(v)
            if name:
                k = key(str(name))
                if k:
                    group[v] = k
            continue
        parents = v._parents
        direct = {group[p] for p in parents if not p._op and p in group}
        if len(direct) == 1:
            group[v] = direct.pop()
            continue
        if direct or v._op not in ACTIVATIONS | {"add", "sum"}:
            continue
        keys = {group.get(p) for p in parents}
        (only,) = keys if len(keys) == 1 else (None,)
        if only is not None:
            if v._op in ACTIVATIONS and any(p._op in ACTIVATIONS for p in parents):
                continue  # one activation per neuron: what follows belongs to someone else
            group[v] = only
    return group


def natural_key(name: str) -> tuple[tuple[str | int, ...], str]:
    """Sort key comparing runs of digits as numbers: neurons.2 before neurons.10."""
    parts = re.split(r"(\d+)", name)  # text, digits, text, ...: types line up by position
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), name


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def collapse_plan(plan: Plan, group: Mapping[Value, str], how: str) -> Plan:
    """Merge every group's value and op nodes into one node, which shows the value leaving the
    group; constants fed to groups become one shared node per distinct value; drop inner edges."""
    members: dict[str, list[Value]] = {}
    for v, k in group.items():
        members.setdefault(k, []).append(v)
    gids = {k: f"g{j}" for j, k in enumerate(sorted(members, key=natural_key))}
    owner: dict[str, str] = {}
    consts: dict[float, str] = {}  # NOTE: by value, so one input fed to 16 neurons is one node
    for v, k in group.items():
        i = plan.index[v]
        owner[f"n{i}"] = gids[k]
        if v._op:
            owner[f"n{i}op"] = gids[k]
            for c, x in enumerate(v._inputs):
                if f"n{i}c{c}" not in plan.nodes:
                    continue
                if v._op == "dot" and c == len(v._inputs) - 1 and x == 0.0:
                    owner[f"n{i}c{c}"] = gids[k]  # no bias: adding 0 is not an input
                else:
                    owner[f"n{i}c{c}"] = consts.setdefault(float(x), f"k{len(consts)}")
    escapes: dict[Value, bool] = {}  # v -> some node outside v's group takes v
    for v in plan.order:
        for p in v._parents:
            escapes[p] = escapes.get(p, False) or group.get(p) != group.get(v)
    out = Plan(order=plan.order, index=plan.index, groups={g: k for k, g in gids.items()})
    for x, cid in consts.items():
        out.nodes[cid] = {"label": format_number(x), "shape": "plaintext"}
    for k, gid in gids.items():
        vs = members[k]
        outputs = [v for v in vs if v._op and escapes.get(v, True)]  # not taken at all: a root
        fields = [escape_record(k)]
        fill = "#eeeeee"
        if len(outputs) == 1:
            g = _grad(outputs[0], plan.grads)
            fields.append(f"data {format_number(outputs[0].data)}")
            if plan.show_grad:
                fields.append("grad ?" if g is None else f"grad {format_number(g)}")
            if plan.scale is not None and g is not None:
                fill = grad_color(g, plan.scale)
        elif outputs:
            fields.append(f"{len(outputs)} outputs")
        nparams = sum(1 for v in vs if not v._op)
        fields.append(f"{_count(nparams, 'param')}, {_count(len(vs) - nparams, 'op')}")
        label = "{ " + " | ".join(fields) + " }"
        out.nodes[gid] = {
            "shape": "record",
            "label": label,
            "style": "rounded,filled",
            "fillcolor": fill,
        }
    for nid, attrs in plan.nodes.items():
        if nid not in owner:
            out.nodes[nid] = dict(attrs)
    for (a, b), attrs in plan.edges.items():
        a2, b2 = owner.get(a, a), owner.get(b, b)
        if a2 == b2:
            continue
        out.edges.setdefault((a2, b2), dict(attrs))
    # Groups fed by one node are drawn in natural order (neurons.2 above neurons.10): that node's
    # edges go out in that order, and Graphviz is told to keep it (ordering=out).
    rank = {g: j for j, g in enumerate(out.groups)}
    edges = sorted(out.edges.items(), key=lambda e: rank.get(e[0][1], len(rank)))
    out.edges = dict(edges)
    fanout: dict[str, int] = {}
    for a, b in out.edges:
        fanout[a] = fanout.get(a, 0) + (b in rank)
    for a, n in fanout.items():
        if n > 1:
            out.nodes[a]["ordering"] = "out"
    out.note = f"collapsed per {how}: {len(plan.order)} values drawn as {len(out.nodes)} nodes"
    return out


def cut_plan(plan: Plan, max_nodes: int) -> Plan:
    """Keep ``max_nodes - 1`` nodes: the outputs, the group nodes, then those nearest the
    output; one dashed node stands for the rest, with the edges that crossed the cut."""
    if len(plan.nodes) <= max_nodes:
        return plan
    into: dict[str, list[str]] = {}
    for a, b in plan.edges:
        into.setdefault(b, []).append(a)
    has_out = {a for a, _ in plan.edges}
    # breadth first from the outputs against the edges: every node, nearest the output first
    nearest: dict[str, None] = {}
    frontier = [n for n in reversed(plan.nodes) if n not in has_out]
    while frontier:
        nxt: list[str] = []
        for n in frontier:
            if n not in nearest:
                nearest[n] = None
                nxt.extend(reversed(into.get(n, ())))
        frontier = nxt
    budget = max_nodes - 1
    outputs = [n for n in nearest if n not in has_out]
    groups = [n for n in nearest if n in plan.groups]
    keep: set[str] = set()
    for n in (*outputs, *groups, *nearest):  # the output first, then the groups, then the rest
        if len(keep) >= budget:
            break
        keep.add(n)
    out = Plan(order=plan.order, index=plan.index, groups=plan.groups)
    hidden = len(plan.nodes) - len(keep)
    for nid, attrs in plan.nodes.items():
        if nid in keep:
            out.nodes[nid] = attrs
    more = "more"
    out.nodes[more] = {"label": f"... {hidden} more nodes", "shape": "box", "style": "dashed"}
    for (a, b), attrs in plan.edges.items():
        a2, b2 = (a if a in keep else more), (b if b in keep else more)
        if a2 != b2:
            out.edges.setdefault((a2, b2), attrs if a2 == a and b2 == b else {})
    cut = f"cut at a budget of {max_nodes} nodes: {hidden} nodes not shown"
    out.note = f"{plan.note}; {cut}" if plan.note else cut
    return out


# --- DOT ---


def emit(plan: Plan, *, rankdir: str = "LR", caption: str = "", fmt: str = "svg"):
    """Turn a plan into a graphviz Digraph (the Drawing subclass)."""
    dot = _drawing(format=fmt, graph_attr={"rankdir": rankdir})
    nohtml = _graphviz().nohtml
    lines = [line for s in (plan.note, caption) if s for line in s.splitlines()]
    if lines:  # \l ends a left-justified line
        label = "".join(escape_text(line) + "\\l" for line in lines)
        dot.attr(label=nohtml(label), labelloc="t", labeljust="l", fontsize="12")
    dot.note = plan.note
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
    max_nodes: int | None = None,
    rankdir: str = "LR",
    format: str = "svg",
) -> graphviz.Digraph:
    """Draw the graph behind ``root`` as a ``graphviz.Digraph`` (shows itself in Jupyter).

    Args:
        names: {Value: name} shown instead of labels; ``model.named_parameters()`` works
            as it is. Also what ``collapse`` groups by.
        color_grad: fill each value blue (grad > 0) or red (grad < 0), deeper for larger |grad|.
        highlight: a Value (or several): draw every path from it to the output in red.
        collapse: 'neuron', 'layer', a name depth (int) or a function name -> group name:
            each group of parameters and the nodes computing with them becomes one node,
            showing the data and grad of the value leaving it; groups are listed in natural
            order (neurons.2 before neurons.10), and constant inputs are drawn once each.
        max_nodes: draw at most this many nodes, those nearest the output; one node
            stands for the rest, and the graph's label says what was cut.

    Save with ``.render(outfile="graph.png")``; the DOT text is ``.source`` (no renderer needed).
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise TypeError(f"draw_dot: max_nodes must be an int, got {type(max_nodes).__name__}")
    if max_nodes is not None and max_nodes < 2:
        raise ValueError(f"draw_dot: max_nodes must be at least 2, got {max_nodes}")
    named = as_names(names, "draw_dot")
    order = graph_order(root)
    plan = plan_graph(order, names=named, show_grad=show_grad, color_grad=color_grad)
    if highlight is not None:
        mark_path(plan, [highlight] if isinstance(highlight, Value) else highlight)
    if collapse is not None:
        if not named:
            raise ValueError("draw_dot: collapse needs names (e.g. from model.named_parameters())")
        how = collapse if isinstance(collapse, str) else "group"
        plan = collapse_plan(plan, assign_groups(order, named, group_key(collapse)), str(how))
    if max_nodes is not None:
        plan = cut_plan(plan, max_nodes)
    return emit(plan, rankdir=rankdir, fmt=format)


def names_from(named: Iterable[tuple[str, Value]] | Mapping[str, Value]) -> dict[Value, str]:
    """{Value: name} from ``model.named_parameters()`` (pairs or a {name: Value} dict)."""
    pairs = named.items() if isinstance(named, Mapping) else named
    return {v: n for n, v in pairs}


def as_names(names: Names, caller: str) -> dict[Value, str] | None:
    """{Value: name} from a {Value: name} or {name: Value} mapping, or (name, Value) pairs such
    as ``model.named_parameters()``; a clear TypeError for anything else."""
    if names is None:
        return None
    if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
        raise TypeError(
            f"{caller}: names must map Values to names (or be model.named_parameters()), "
            f"got {type(names).__name__}"
        )
    pairs = names.items() if isinstance(names, Mapping) else names
    out: dict[Value, str] = {}
    for pair in pairs:
        try:
            a, b = pair
        except (TypeError, ValueError):
            raise TypeError(
                f"{caller}: names must hold (name, Value) pairs, got {pair!r}"
            ) from None
        if isinstance(a, Value) and not isinstance(b, Value):
            out[a] = str(b)
        elif isinstance(b, Value) and not isinstance(a, Value):
            out[b] = str(a)
        else:
            raise TypeError(f"{caller}: names must pair a Value with a name, got {pair!r}")
    return out


def auto_names(order: list[Value], names: Mapping[Value, str] | None = None) -> dict[Value, str]:
    """A name for every node: from ``names`` or its label, else ``v<k>`` by position in order."""
    out = {}
    for i, v in enumerate(order):
        out[v] = name_of(v, names) or f"v{i}"
    return out
