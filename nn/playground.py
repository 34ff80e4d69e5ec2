"""``playground(model, X, y)``: train a model on 2-D points in a page, as TF Playground does.

The page draws the network (edges coloured by the weight's sign, as wide as its size), each
neuron's output over the input plane, the data with the decision boundary and the loss curve,
and trains with full-batch SGD on the JavaScript back-end of ``autograd.web`` (the same op
table, so the same numbers). In Jupyter it is an anywidget, which sends the page's weights back
to Python (``pg.state_dict()``, ``pg.apply()``); ``to_html(path)`` saves a page that needs
nothing installed. The Python model is never changed unless you call ``apply()``.
"""

from __future__ import annotations

import html
import json
import math
import numbers
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, overload

from autograd import Value, topological_order, vsum

from . import losses
from .layers import MLP, Layer, Neuron
from .module import Module
from .train import LOSSES

__all__ = ["Playground", "playground"]

MAX_EDGES = 400_000  # points x parameters: past it the page does not train (the graph is too big)
MAX_DRAWN = 64  # neurons drawn with their heat maps; past it the network is not drawn
GRID = 40  # heat-map cells per axis over the input plane
PAD = 0.5  # how far the plane reaches past the data


class Playground:
    """A model on 2-D data, trainable in a page: ``to_html(path)``, or shown in Jupyter."""

    def __init__(self, model: Module, spec: dict[str, Any]) -> None:
        self.model = model
        self.spec = spec
        self._widget: Any = None

    # --- the weights ---

    def state_dict(self) -> dict[str, float]:
        """The page's current parameters in ``model.state_dict()`` format (a copy): the
        trained ones when a live page has sent them, else the model's weights at the start."""
        sent = self._widget.weights if self._widget is not None else None
        if sent:
            names = self.spec["names"]
            missing = [n for n in names if n not in sent]
            if missing or len(sent) != len(names):
                raise ValueError(
                    f"playground: the page sent {len(sent)} weights for {len(names)} parameters "
                    f"(missing {missing[:3]}); press reset or step in the page to send them again"
                )
            return {name: float(sent[name]) for name in names}
        return dict(zip(self.spec["names"], self.spec["init"], strict=True))

    def apply(self) -> None:
        """Load the page's current weights into the Python model (``load_state_dict``)."""
        self.model.load_state_dict(self.state_dict())

    @property
    def steps(self) -> int:
        """Training steps the live page has taken since its last reset (0 without a kernel)."""
        return int(self._widget.steps) if self._widget is not None else 0

    # --- showing it ---

    @overload
    def to_html(self, path: None = None) -> str: ...
    @overload
    def to_html(self, path: str | Path) -> Path: ...
    def to_html(self, path: str | Path | None = None) -> str | Path:
        """The page as one HTML string (no network needed); with ``path``, the page is written
        there and the Path returned (as ``explore``'s ``to_html`` does)."""
        page = _page(self.spec)
        if path is None:
            return page
        Path(path).write_text(page, encoding="utf-8")
        return Path(path)

    def widget(self) -> Any:
        """The anywidget (made on first use): the same page, with its weights synced to Python."""
        if self._widget is None:
            esm = _script(self.spec) + "\nexport default { render };\n"
            self._widget = _widget_class()(spec=json.dumps(self.spec), _esm=esm)
        return self._widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        try:
            w = self.widget()
        except ImportError:  # no anywidget: the saved page, in an iframe, without the sync
            srcdoc = html.escape(self.to_html(), quote=True)
            frame = (
                f'<iframe srcdoc="{srcdoc}" style="width:100%;height:720px;border:0" '
                'title="chainrule playground"></iframe>'
            )
            return {"text/html": frame, "text/plain": repr(self)}
        return w._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        s = self.spec
        return (
            f"<Playground: {len(s['names'])} parameters, {len(s['points'])} points, "
            f"loss {s['loss']!r}, lr {s['lr']!r}; shows itself in Jupyter, "
            ".to_html(path) writes the page>"
        )


def playground(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    *,
    loss: str = "hinge",
    l2: float = 0.0,
    lr: float = 0.1,
) -> Playground:
    """A page that trains ``model`` on (X, y) with full-batch SGD, step by step or playing.

    One step is ``zero_grad(); (loss(scores, y) + l2 * sum p**2).backward(); p.data -= lr *
    p.grad`` for every parameter, in JavaScript with the engine's own op rules.

    Args:
        model: a Module taking 2 inputs; one output (hinge, bce, mse) or one per class
            (cross_entropy). MLP, Layer and Neuron are drawn neuron by neuron.
        X: the points, each a pair of finite numbers. Refused: rows of any other length (the
            playground draws the input plane, so 2-D only), non-numbers, NaN and infinity.
        y: one label per point: -1/+1 for hinge, 0/1 (or -1/+1) for bce, class indices for
            cross_entropy, numbers for mse.
        loss: "hinge", "bce", "cross_entropy" or "mse" (see ``nn.fit``).
        l2: the weight decay factor (>= 0).
        lr: the page's first learning rate (> 0).

    Models too big to train in a page (points x parameters > 400,000) still show the data,
    with a note saying why they do not train; past 64 neurons the network is not drawn.
    """
    if not isinstance(model, Module):
        raise TypeError(
            f"playground: model must be a Module (an MLP, say), got {type(model).__name__}"
        )
    points = _points(X)
    labels = list(y) if isinstance(y, Sequence) and not isinstance(y, (str, bytes)) else None
    if labels is None:
        raise TypeError(f"playground: y must be a list of labels, got {type(y).__name__}")
    if len(labels) != len(points):
        raise ValueError(f"playground: X has {len(points)} points but y has {len(labels)} labels")
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"playground: unknown loss {loss!r}; choose from {', '.join(LOSSES)}")
    lr = _number("lr", lr, "> 0", lambda v: v > 0.0)
    l2 = _number("l2", l2, ">= 0", lambda v: v >= 0.0)
    if loss == "bce" and all(t in (-1, 1) for t in labels):
        labels = [(t + 1) // 2 for t in labels]
    names = [name for name, _ in model.named_parameters()]
    params = model.parameters()
    outputs = _outputs(model, points[0])
    LOSSES[loss]([outputs] * len(labels), labels)  # the loss checks the labels, in its words
    spec: dict[str, Any] = {
        "loss": loss,
        "lr": lr,
        "l2": l2,
        "names": names,
        "init": [p.data for p in params],
        "points": points,
        "labels": [_label(t) for t in labels],
        "classes": 1 if isinstance(outputs, Value) else len(outputs),
        "threshold": _threshold(loss, labels),
        "box": _box(points),
        "grid": GRID,
        "notes": [],
    }
    edges = len(points) * max(len(params), 1)
    if edges > MAX_EDGES:
        spec["notes"].append(
            f"This model has {len(params):,} parameters: on {len(points):,} points its training "
            f"graph would have about {edges:,} edges, more than the page trains "
            f"({MAX_EDGES:,}). Train it in Python with nn.fit, or use fewer points or a "
            "smaller model."
        )
        spec["train"] = None
    else:
        spec["train"] = _train_graph(model, params, points, labels, loss, l2)
    spec["network"] = _network(model, params, spec["notes"])
    spec["probe"] = _probe(model, params, spec["network"])
    return Playground(model, spec)


# --- checking the arguments ---


def _points(X: Any) -> list[list[float]]:
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence):
        raise TypeError(f"playground: X must be a list of 2-D points, got {type(X).__name__}")
    if not X:
        raise ValueError("playground: X is empty; it needs at least one point")
    out = []
    for i, row in enumerate(X):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            raise ValueError(
                f"playground: X must be 2-D points [x1, x2]; row {i} is {type(row).__name__} "
                f"{row!r:.40} (the playground draws the input plane, so only 2 inputs)"
            )
        if len(row) != 2:
            raise ValueError(
                f"playground: X must be 2-D points [x1, x2]; row {i} has {len(row)} values "
                "(the playground draws the input plane, so only 2 inputs; for other data "
                "use nn.fit)"
            )
        xs = []
        for v in row:
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise ValueError(f"playground: row {i} of X must hold finite numbers, got {v!r}")
            xs.append(float(v))
        out.append(xs)
    return out


def _number(name: str, x: Any, rule: str, ok: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"playground: {name} must be a number, got {type(x).__name__}")
    v = float(x)
    if not (math.isfinite(v) and ok(v)):
        raise ValueError(f"playground: {name} must be a finite number {rule}, got {x!r}")
    return v


def _outputs(model: Module, point: list[float]) -> Value | list[Value]:
    try:
        out = model(list(point))
    except (TypeError, ValueError) as e:
        raise ValueError(f"playground: the model must take 2 inputs (one 2-D point): {e}") from e
    if isinstance(out, Value):
        return out
    if isinstance(out, (list, tuple)) and out and all(isinstance(v, Value) for v in out):
        return list(out)
    raise TypeError(
        f"playground: the model must return a Value or a list of Values, got {type(out).__name__}"
    )


def _label(t: Any) -> float:
    if isinstance(t, Value):
        return t.data
    return float(t)


def _threshold(loss: str, labels: list[Any]) -> float:
    """The score that separates the classes: 0 for a margin or a logit, the labels' midpoint
    for mse."""
    if loss == "mse":
        ts = [_label(t) for t in labels]
        return (min(ts) + max(ts)) / 2.0
    return 0.0


def _box(points: list[list[float]]) -> list[float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [min(xs) - PAD, max(xs) + PAD, min(ys) - PAD, max(ys) + PAD]


# --- the graphs the page runs ---


def _train_graph(
    model: Module,
    params: list[Value],
    points: list[list[float]],
    labels: list[Any],
    loss: str,
    l2: float,
) -> dict[str, Any]:
    """The full-batch loss, as ``nn.fit`` builds it, serialised for the page's engine."""
    scores = [model(x) for x in points]
    total = LOSSES[loss](scores, labels)
    if l2:
        total = total + losses.l2(params, l2)
    return _program(total, params, [])


def _layers(model: Module) -> list[list[Neuron]] | None:
    if isinstance(model, MLP):
        return [layer.neurons for layer in model.layers]
    if isinstance(model, Layer):
        return [model.neurons]
    if isinstance(model, Neuron):
        return [[model]]
    return None


def _network(model: Module, params: list[Value], notes: list[str]) -> dict[str, Any] | None:
    """The drawn network: for each layer, each neuron's weight and bias indices (into params)."""
    layers = _layers(model)
    if layers is None:
        notes.append(
            f"The network is drawn for MLP, Layer and Neuron models; {type(model).__name__} "
            "trains here, but only its output is drawn."
        )
        return None
    count = sum(len(layer) for layer in layers)
    if count > MAX_DRAWN:
        notes.append(
            f"This network has {count:,} neurons; the page draws up to {MAX_DRAWN}, so only "
            "the data and the decision boundary are shown."
        )
        return None
    index = {id(p): i for i, p in enumerate(params)}
    return {
        "layers": [
            [
                {
                    "w": [index[id(w)] for w in n.w],
                    "b": index[id(n.b)] if isinstance(n.b, Value) else None,
                    "act": n.activation,
                }
                for n in layer
            ]
            for layer in layers
        ]
    }


def _probe(model: Module, params: list[Value], network: dict[str, Any] | None) -> dict[str, Any]:
    """One point's forward pass with the point as two leaves: its outputs are every drawn
    neuron's output (layer by layer), or only the model's when the network is not drawn."""
    x = [Value(0.0), Value(0.0)]
    layers = _layers(model)
    outs: list[Value] = []
    if network is not None and layers is not None:
        h: Any = x
        for layer in layers:
            h = [n(h) for n in layer]
            outs.extend(h)
    else:
        out = model(x)
        outs = [out] if isinstance(out, Value) else list(out)
    return _program(vsum(outs), [*x, *params], outs)


def _program(root: Value, leaves: list[Value], outputs: list[Value]) -> dict[str, Any]:
    """``autograd.web.program(root)`` with, for the page, the node index of each of ``leaves``
    (-1 for one the graph does not reach) and of each of ``outputs``."""
    from autograd import web

    index = {v: i for i, v in enumerate(topological_order(root))}
    return {
        "program": web.program(root),
        "leaves": [index.get(v, -1) for v in leaves],
        "outputs": [index[v] for v in outputs] if outputs else [index[root]],
    }


# --- the page ---


def _asset(name: str) -> str:
    return (resources.files("nn") / "web" / name).read_text(encoding="utf-8")


def _script(spec: dict[str, Any]) -> str:
    """The page's script: autograd.web's engine, the generated ops its programs use, then the
    playground's own code."""
    from autograd import web

    names = [op for part in ("train", "probe") if spec[part] for op in spec[part]["program"]["ops"]]
    return "\n".join((web.engine_js(), web.ops_js(names), _asset("playground.js")))


def _page(spec: dict[str, Any]) -> str:
    data = json.dumps(spec).replace("</", "<\\/")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>chainrule playground</title>\n"
        f"<style>{_asset('playground.css')}</style></head>\n<body>\n"
        '<div class="crp-root"></div>\n'
        f'<script type="application/json" id="crp-spec">{data}</script>\n'
        f'<script type="module">\n{_script(spec)}\n'
        "standalone(document.querySelector('.crp-root'), "
        "JSON.parse(document.getElementById('crp-spec').textContent));\n"
        "</script>\n</body></html>\n"
    )


_WIDGET: Any = None


def _widget_class() -> Any:
    """The anywidget class, made once (anywidget and traitlets are imported only here)."""
    global _WIDGET
    if _WIDGET is None:
        try:
            import anywidget
            import traitlets
        except ImportError as e:
            raise ImportError(
                "playground: showing it in Jupyter needs anywidget (pip install anywidget); "
                "pg.to_html('playground.html') saves the page without it"
            ) from e

        # NOTE: made by type(), not a class statement: mypy --strict then passes with anywidget
        # installed or not (a class statement needs an ignore exactly when it is missing)
        _WIDGET = type(
            "PlaygroundWidget",
            (anywidget.AnyWidget,),
            {
                "_esm": "export default { render() {} };",  # each playground passes its own
                "_css": _asset("playground.css"),
                "spec": traitlets.Unicode("").tag(sync=True),
                "weights": traitlets.Dict().tag(sync=True),  # the page's parameters, by name
                "steps": traitlets.Int(0).tag(sync=True),
                "__module__": __name__,
            },
        )
    return _WIDGET
