"""Training you can watch: ``fit(..., live=True)`` redraws one notebook output as it trains.

Each picture shows the loss (and accuracy) so far, the decision boundary for 2-D inputs, and
log10 |weight| and log10 |grad| per layer as heat maps, where vanishing or exploding gradients
show as a layer gone pale or dark. It only reads the model (forward passes under ``no_grad``),
so training is the same bit for bit. matplotlib and IPython are imported here only.
"""

from __future__ import annotations

import importlib
import io
import math
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value

from .train import History, predict

GRID = 20  # decision-boundary grid points per side (each one a forward pass)


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Notebook, VS Code), where outputs can update."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


class LiveView:
    """Redraws one output every ``every`` steps (None: as often as keeps the cost near 15%).

    Args:
        display: ``display(png_bytes)`` returning a handle with ``update(png_bytes)``; the default
            shows the PNG with IPython (``display_id=True``). Tests pass a fake one.
    """

    def __init__(
        self,
        every: int | None = None,
        *,
        display: Callable[[bytes], Any] | None = None,
        size: tuple[float, float] = (11.0, 3.4),
    ) -> None:
        if every is not None and (isinstance(every, bool) or not isinstance(every, int)):
            raise TypeError(f"LiveView: every must be an int or None, got {type(every).__name__}")
        if every is not None and every < 1:
            raise ValueError(f"LiveView: every must be >= 1, got {every}")
        self.every = every
        self.size = size
        self._display = display
        self._handle: Any = None
        self._wait = 0.3  # seconds between redraws when every is None; grows with their cost
        self._last = -math.inf
        self.frames = 0  # pictures drawn
        self.seconds = 0.0  # spent drawing them

    def start(self, model: Any, X: Sequence[Any], y: Sequence[Any], steps: int) -> None:
        """Called by ``fit`` before the first step."""
        self.model, self.X, self.y, self.steps = model, X, y, steps
        self.named = list(model.named_parameters())

    def __call__(self, step: int, history: History, last: bool = False) -> None:
        """After step ``step`` (``last``: the final picture, drawn whatever the schedule)."""
        due = (
            last
            or (self.every is not None and step % self.every == 0)
            or (self.every is None and time.perf_counter() - self._last >= self._wait)
        )
        if not due:
            return
        start = time.perf_counter()
        png = self.render(step, history)
        if self._handle is None:
            self._handle = (self._display or _ipython_display)(png)
        else:
            self._handle.update(png)
        spent = time.perf_counter() - start
        self.frames += 1
        self.seconds += spent
        self._wait = max(0.3, 6.0 * spent)  # NOTE: drawing takes ~15% of the time, at most
        self._last = time.perf_counter()

    def render(self, step: int, history: History) -> bytes:
        """The picture after ``step`` as PNG bytes."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        two_d = _is_2d(self.X)
        fig = Figure(figsize=self.size, dpi=90)
        FigureCanvasAgg(fig)
        # NOTE: fixed margins, no tight_layout and no colorbars: each costs more than the plots
        grid = fig.add_gridspec(
            2,
            3 if two_d else 2,
            left=0.06,
            right=0.99,
            bottom=0.14,
            top=0.9,
            wspace=0.3,
            hspace=0.45,
            width_ratios=(1, 0.8, 1.3) if two_d else (1, 1.3),
        )
        _loss(fig.add_subplot(grid[:, 0]), history, step, self.steps)
        if two_d:
            _boundary(fig.add_subplot(grid[:, 1]), self.model, self.X, self.y)
        col = 2 if two_d else 1
        layers = _layers(self.named)
        _heat(fig.add_subplot(grid[0, col]), layers, "data", "|weight|")
        _heat(fig.add_subplot(grid[1, col]), layers, "grad", "|grad|")
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()


def _ipython_display(png: bytes) -> Any:
    ipd: Any = importlib.import_module("IPython.display")

    class Handle:
        def __init__(self) -> None:
            self.handle = ipd.display(ipd.Image(data=png), display_id=True)

        def update(self, data: bytes) -> None:
            self.handle.update(ipd.Image(data=data))

    return Handle()


def _is_2d(X: Sequence[Any]) -> bool:
    try:
        return all(len(row) == 2 for row in X[:5])
    except TypeError:
        return False


def _loss(ax: Any, history: History, step: int, steps: int) -> None:
    ax.plot(history.loss, c="tab:blue", lw=1.2)
    if history.loss and min(history.loss) > 0.0 and max(history.loss) > 20 * min(history.loss):
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter("")
    ax.set_xlim(0, max(steps - 1, 1))
    ax.set_xlabel("step")
    title = f"step {step + 1}/{steps}"
    if history.loss:
        title += f"  loss {history.loss[-1]:.4g}"
    if history.accuracy:
        title += f"  acc {history.accuracy[-1]:.0%}"
        twin = ax.twinx()
        twin.plot(history.accuracy, c="tab:orange", lw=1.0, alpha=0.8)
        twin.set_ylim(0.0, 1.05)
        twin.tick_params(labelsize=7)
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)


def boundary_grid(
    model: Any, X: Sequence[Any], res: int, pad: float = 0.5
) -> tuple[list[float], list[float], list[Any]]:
    """(gx, gy, outputs): ``res`` points per axis over the 2-D rows of X, widened by ``pad``,
    and the model's outputs at each grid point, row by row (gy outer, gx inner)."""
    xs, ys = [float(r[0]) for r in X], [float(r[1]) for r in X]
    x0, x1, y0, y1 = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    gx = [x0 + (x1 - x0) * i / (res - 1) for i in range(res)]
    gy = [y0 + (y1 - y0) * j / (res - 1) for j in range(res)]
    return gx, gy, predict(model, [[a, b] for b in gy for a in gx])


def argmax(xs: Sequence[float]) -> int:
    return max(range(len(xs)), key=xs.__getitem__)


def _boundary(ax: Any, model: Any, X: Sequence[Any], y: Sequence[Any]) -> None:
    xs, ys = [float(r[0]) for r in X], [float(r[1]) for r in X]
    gx, gy, out = boundary_grid(model, X, GRID)
    if out and isinstance(out[0], list):  # several classes: the winning one
        score = [float(argmax(o)) for o in out]
        labels = [float(t) for t in y]
    else:
        score = [float(o) for o in out]
        labels = [1.0 if float(t) > 0.5 else 0.0 for t in y]
    z = [score[j * GRID : (j + 1) * GRID] for j in range(GRID)]
    ax.contourf(gx, gy, z, levels=12, cmap="RdBu", alpha=0.55)
    if not isinstance(out[0], list):
        ax.contour(gx, gy, z, levels=[0.0], colors="black", linewidths=0.8)
    ax.scatter(xs, ys, c=labels, cmap="RdBu", s=12, edgecolors="black", linewidths=0.4)
    ax.set_title("decision boundary", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _layers(named: list[tuple[str, Value]]) -> list[tuple[str, list[Value]]]:
    """Parameters by layer: the name up to its second dot (``layers.0``), in model order."""
    out: dict[str, list[Value]] = {}
    for name, p in named:
        key = ".".join(name.split(".")[:2]) if name.count(".") >= 2 else name.split(".")[0]
        out.setdefault(key, []).append(p)
    return list(out.items())


def _heat(ax: Any, layers: list[tuple[str, list[Value]]], attr: str, what: str) -> None:
    """One row per layer, one cell per parameter: log10 of |value| from 1e-6 (black) to 10
    (yellow), blank past the layer's end."""
    width = max((len(ps) for _, ps in layers), default=1)
    rows = []
    for _, ps in layers:
        row = [_log(abs(getattr(p, attr))) for p in ps]
        rows.append(row + [math.nan] * (width - len(row)))
    ax.imshow(rows, aspect="auto", cmap="magma", vmin=-6, vmax=1, interpolation="nearest")
    ax.set_yticks(range(len(layers)))
    ax.set_yticklabels([name for name, _ in layers], fontsize=7)
    ax.set_xticks([])
    ax.set_title(f"{what} per layer (log scale, 1e-6 to 10)", fontsize=8)


def _log(x: float) -> float:
    return math.log10(x) if x > 0.0 and math.isfinite(x) else (-6.0 if x == 0.0 else math.nan)
