"""Backward, one node at a time: ``step_through(root)`` records each chain-rule step as a frame.

Frame k holds the node whose gradient was just computed and the terms that made it,
grad(v) = sum over uses c of grad(c) * d c / d v. The frames are recorded by the engine's own
``backward`` (watching each node's turn), so every gradient is the one ``backward()`` computes,
bit for bit; every ``.grad`` is put back afterwards. Frames draw with ``viz``, save as images,
or make one self-contained HTML page with a slider.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from .graph import backward, topological_order
from .ops import as_float
from .value import Value
from .viz.draw import MAX_NODES, emit, node_cost
from .viz.format import format_factor, format_number, writable
from .viz.names import Names, as_names, name_of
from .viz.plan import plan_graph
from .viz.summary import summarise

CURRENT = "#ffd54f"  # the node whose gradient this frame computes
TERM = "#ef6c00"  # the edges its gradient flows back along
MAX_FRAMES = 400  # frames drawn by save_images and to_html at most


@dataclass(frozen=True)
class Term:
    """One use of a node: grad(consumer) * d consumer / d node."""

    consumer: Value
    upstream: float  # grad(consumer) = d root / d consumer
    local: float  # d consumer / d node, as recorded in the forward pass

    @property
    def product(self) -> float:
        return self.upstream * self.local


@dataclass(frozen=True)
class Step:
    """A node whose gradient is now final, and the sum of terms that produced it."""

    node: Value
    grad: float
    terms: tuple[Term, ...]  # empty for the root: its gradient is the seed


class BackwardSteps:
    """The frames of one backward pass over the graph of ``root``, in the order backward runs."""

    def __init__(
        self,
        root: Value,
        gradient: float = 1.0,
        names: Names = None,
        order: list[Value] | None = None,
    ) -> None:
        """``order``: ``topological_order(root)`` when the caller has it already."""
        if not isinstance(root, Value):
            raise TypeError(f"step_through: root must be a Value, got {type(root).__name__}")
        try:
            seed = as_float(gradient)
        except TypeError:
            raise TypeError(
                f"step_through: gradient must be a number, got {type(gradient).__name__}"
            ) from None
        self.root = root
        self.order = topological_order(root) if order is None else order
        self.names: Mapping[Value, str] = LazyNames(self.order, as_names(names, "step_through"))
        nodes: list[Value] = []  # NOTE: only the order is recorded; terms are made when asked
        grads: list[float] = []
        add_node, add_grad = nodes.append, grads.append

        def record(v: Value) -> None:  # v's turn: its gradient is complete (a leaf's old grad
            add_node(v)  # is added back only after the pass, so it is read here, not after)
            add_grad(v._grad)  # the slot: `saved` below has read .grad (refused in a trace)

        saved = [v.grad for v in self.order]
        try:
            backward(root, seed, on_node=record)
            self._grad = grads
        finally:
            for v, g in zip(self.order, saved, strict=True):
                v._grad = g  # the slot, as in record
        self._nodes = nodes
        self._at: dict[Value, int] | None = None  # node -> its step, made when first needed
        self.steps = _Steps(self)

    def __len__(self) -> int:
        return len(self._nodes)

    def __getitem__(self, k: int) -> Step:
        return self.steps[k]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def step_of(self, v: Value) -> int | None:
        """The index of the step that computes v's gradient (None: v gets none)."""
        if self._at is None:
            self._at = {v: i for i, v in enumerate(self._nodes)}
        return self._at.get(v)

    def first_step(self, vs: Iterable[Value]) -> int | None:
        """The earliest step among the values ``vs`` (None: none of them gets one)."""
        self.step_of(self.root)  # makes the index
        at = self._at if self._at is not None else {}
        return min((at[v] for v in vs if v in at), default=None)

    def done(self, k: int) -> Mapping[Value, float]:
        """{node: d root / d node} for the nodes done by the end of frame k, not copied."""
        return _Done(self, range(len(self))[k])

    def grads(self, k: int = -1) -> dict[Value, float]:
        """{node: d root / d node} for every node done by the end of frame k (default: all)."""
        k = range(len(self._nodes))[k]
        return dict(zip(self._nodes[: k + 1], self._grad[: k + 1], strict=True))

    def make_steps(self, ks: Sequence[int]) -> list[Step]:
        """The steps ks with their terms, found in one walk over the graph."""
        want = {self._nodes[k] for k in ks}
        uses: dict[Value, list[tuple[Value, float]]] = {v: [] for v in want}
        for c in reversed(self.order):  # in the order backward adds each use's term
            a, da = c._a, c._da
            if type(da) is tuple:
                for p, d in zip(a, da, strict=True):
                    if p in want:
                        uses[p].append((c, d))
                continue
            if da is not None and a in want:
                uses[a].append((c, da))
            if c._db is not None and c._b in want:
                uses[c._b].append((c, c._db))
        out = []
        for k in ks:
            v = self._nodes[k]
            terms = () if v is self.root else tuple(self._term(c, d) for c, d in uses[v])
            out.append(Step(v, self._grad[k], terms))
        return out

    def _term(self, c: Value, d: float) -> Term:
        i = self.step_of(c)
        return Term(c, self._grad[i] if i is not None else 0.0, d)

    def caption(self, k: int) -> str:
        """The chain-rule sum of frame k, in words and numbers."""
        k = range(len(self))[k]
        return self._caption(k, self.steps[k])

    def _caption(self, k: int, s: Step, max_terms: int | None = None) -> str:
        """The caption of step k; past ``max_terms`` terms, the rest are counted, not written."""
        name = self.names[s.node]
        head = f"step {k + 1} of {len(self)}: "
        if s.node is self.root:
            return f"{head}grad {name} = {format_number(s.grad)} (the seed: d {name} / d {name})"
        if not s.terms:
            return f"{head}grad {name} = 0 ({name} is not used on the way to the output)"
        terms = s.terms if max_terms is None else s.terms[:max_terms]
        more = f" + … ({len(s.terms) - len(terms)} more terms)" if len(terms) < len(s.terms) else ""
        symbolic = " + ".join(
            f"grad {self.names[t.consumer]} * d{self.names[t.consumer]}/d{name}" for t in terms
        )
        numbers = " + ".join(
            f"{format_factor(t.upstream)} * {format_factor(t.local)}" for t in terms
        )
        return f"{head}grad {name} = {symbolic}{more}\n= {numbers}{more} = {format_number(s.grad)}"

    def draw(
        self,
        k: int,
        *,
        rankdir: str = "LR",
        format: str = "svg",
        caption: bool = True,
        max_nodes: int | None = MAX_NODES,
    ) -> Any:
        """Frame k as a graphviz Digraph: gradients known so far, this node and its terms lit;
        its caption is the drawing's label unless ``caption=False``. A graph over ``max_nodes``
        drawing nodes shows the part around this step (its node, its uses, their neighbours)."""
        k = range(len(self))[k]
        s = self.steps[k]
        focus = [s.node, *(t.consumer for t in s.terms)]
        summary = summarise(
            self.order, max_nodes=max_nodes, cost=node_cost, focus=focus, constants=True
        )
        if summary.note:
            summary.note += " around this step (pass max_nodes=None to draw everything)"
        done = self.done(k)
        plan = plan_graph(self.order, names=self.names, grads=done, summary=summary)
        for v in plan.index:
            if v not in done:
                plan.nodes[plan.value_id(v)]["fontcolor"] = "#9e9e9e"
        vid = plan.value_id(s.node)
        plan.nodes[vid].update(style="filled", fillcolor=CURRENT, penwidth="2.5")
        labels: dict[Value, list[str]] = {}
        for t in s.terms:
            labels.setdefault(t.consumer, []).append(
                f"{format_factor(t.upstream)} * {format_factor(t.local)}"
            )
        for c, parts in labels.items():
            if c not in plan.index:
                continue
            oid = plan.op_id(c)
            edge = {"color": TERM, "penwidth": "2.5", "fontcolor": TERM}
            plan.edges[(vid, oid)].update(edge, label=" + ".join(parts), dir="back")
            plan.edges[(oid, plan.value_id(c))].update(edge, dir="back")
        text = self._caption(k, s) if caption else ""
        return emit(plan, rankdir=rankdir, caption=text, fmt=format)

    def save_images(
        self, directory: str | Path, format: str = "svg", prefix: str = "step"
    ) -> list[Path]:
        """Write one image per frame (``step001.svg``, ...) and return their paths."""
        if format not in ("svg", "png"):
            raise ValueError(f"save_images: format must be 'svg' or 'png', got {format!r}")
        self._check_size("save_images")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        width = len(str(len(self)))
        paths = []
        for k in range(len(self)):
            path = directory / f"{prefix}{k + 1:0{width}d}.{format}"
            path.write_bytes(self.draw(k).pipe(format=format))
            paths.append(path)
        return paths

    @overload
    def to_html(self, path: None = None, title: str = ...) -> str: ...
    @overload
    def to_html(self, path: str | Path, title: str = ...) -> Path: ...
    def to_html(self, path: str | Path | None = None, title: str = "Backpropagation") -> str | Path:
        """One self-contained HTML page (inline SVGs, a slider, no network); with ``path``, it is
        written there and the Path returned instead of the text."""
        self._check_size("to_html")
        frames = []
        for k in range(len(self)):
            # the caption is the page's text above the picture, so not also in the picture
            svg = self.draw(k, caption=False).pipe(format="svg", encoding="utf-8")
            svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype
            hidden = "" if k == 0 else " hidden"
            frames.append(f'<div class="frame"{hidden}>{svg}</div>')
        captions = [html.escape(self._caption(k, s)) for k, s in enumerate(self.steps)]
        page = _PAGE.format(
            uid=f"chainrule-steps-{uuid.uuid4().hex[:8]}",
            title=html.escape(writable(title)),
            last=len(self.steps) - 1,
            frames="\n".join(frames),
            captions="\n".join(
                f'<pre class="caption"{"" if k == 0 else " hidden"}>{c}</pre>'
                for k, c in enumerate(captions)
            ),
        )
        if path is None:
            return page
        Path(path).write_text(page, encoding="utf-8")
        return Path(path)

    def _repr_html_(self) -> str:
        return self.to_html()

    def _check_size(self, caller: str) -> None:
        # NOTE: every frame draws the whole graph, so the work grows as frames squared.
        if len(self.steps) > MAX_FRAMES:
            raise ValueError(
                f"{caller}: {len(self.steps)} frames is more than {MAX_FRAMES}, too many to "
                "draw; step through a smaller graph, or draw single frames with draw(k)"
            )


def step_through(root: Value, gradient: float = 1.0, *, names: Names = None) -> BackwardSteps:
    """Record backward on the graph of ``root`` as frames, one per node that gets a gradient."""
    return BackwardSteps(root, gradient, names)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
.controls {{ display: flex; gap: .5em; align-items: center; margin-bottom: .5em; }}
input[type=range] {{ flex: 1; max-width: 40em; }}
pre.caption {{ background: #fff8e1; padding: .5em; white-space: pre-wrap; }}
.frame svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<div id="{uid}">
<h2>{title}</h2>
<div class="controls">
<button class="prev">&larr; prev</button>
<input class="slider" type="range" min="0" max="{last}" value="0">
<button class="next">next &rarr;</button>
<span class="where"></span>
</div>
{captions}
{frames}
</div>
<script>
(function () {{
  var root = document.getElementById("{uid}");
  var frames = root.querySelectorAll(".frame");
  var captions = root.querySelectorAll(".caption");
  var slider = root.querySelector(".slider");
  var where = root.querySelector(".where");
  function show(k) {{
    k = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) {{
      frames[i].hidden = i !== k;
      captions[i].hidden = i !== k;
    }}
    slider.value = k;
    where.textContent = "frame " + (k + 1) + " / " + frames.length;
  }}
  slider.addEventListener("input", function () {{ show(+slider.value); }});
  root.querySelector(".prev").onclick = function () {{ show(+slider.value - 1); }};
  root.querySelector(".next").onclick = function () {{ show(+slider.value + 1); }};
  root.tabIndex = 0;
  root.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowLeft") show(+slider.value - 1);
    if (e.key === "ArrowRight") show(+slider.value + 1);
  }});
  show(0);
}})();
</script>
</body></html>
"""


class LazyNames(Mapping[Value, str]):
    """A name for every node, made when asked: its name or label, else ``v<k>`` by position."""

    def __init__(self, order: list[Value], names: Mapping[Value, str] | None) -> None:
        self.order, self.names = order, names
        self._index: dict[Value, int] | None = None

    def __getitem__(self, v: Value) -> str:
        name = name_of(v, self.names)
        if name:
            return name
        if self._index is None:
            self._index = {v: i for i, v in enumerate(self.order)}
        return f"v{self._index[v]}"

    def __iter__(self) -> Iterator[Value]:
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)


class _Steps(Sequence[Step]):
    """The steps of a BackwardSteps, each made (with its terms) when it is read."""

    def __init__(self, owner: BackwardSteps) -> None:
        self.owner = owner

    def __len__(self) -> int:
        return len(self.owner)

    @overload
    def __getitem__(self, k: int) -> Step: ...
    @overload
    def __getitem__(self, k: slice) -> list[Step]: ...
    def __getitem__(self, k: int | slice) -> Step | list[Step]:
        if isinstance(k, slice):
            return self.owner.make_steps(range(len(self))[k])
        return self.owner.make_steps(range(len(self))[k : k + 1 or None])[0]

    def __iter__(self) -> Iterator[Step]:
        return iter(self[:])


class _Done(Mapping[Value, float]):
    """{node: grad} for the nodes done by the end of frame k, without copying them."""

    def __init__(self, steps: BackwardSteps, k: int) -> None:
        self.steps, self.k = steps, k

    def __getitem__(self, v: Value) -> float:
        i = self.steps.step_of(v)
        if i is None or i > self.k:
            raise KeyError(v)
        return self.steps._grad[i]

    def __iter__(self) -> Iterator[Value]:
        return iter(self.steps._nodes[: self.k + 1])

    def __len__(self) -> int:
        return self.k + 1
