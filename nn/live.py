"""Training you can watch: ``fit(..., live=True)`` redraws one notebook output as it trains.

Each picture shows the loss (and accuracy) so far, the decision boundary for 2-D inputs, and
log10 |weight| and log10 |grad| per layer as heat maps, where vanishing or exploding gradients
show as a layer gone pale or dark. It only reads the model (forward passes under ``no_grad``),
so training is the same bit for bit. matplotlib and IPython are imported here only.

Colours follow the explorer's legend (``autograd.viz.legend``): blue is positive and red negative
(here the model's score, and the class it stands for).
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
from autograd.viz.legend import NEGATIVE, POSITIVE

from .train import History, predict

GRID = 20  # decision-boundary grid points per side (each one a forward pass)
INTERVAL = 0.2  # seconds: the shortest time between two pictures when every is None
PATIENCE = 2.0  # wait this many times a picture's drawing time: drawing is then <= ~1/3 of a run


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Notebook, VS Code), where outputs can update."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


class LiveView:
    """Redraws one output every ``every`` steps, or (``every=None``) on a time basis: at most
    every ``interval`` seconds, less often when a picture is slow to draw, so that drawing
    takes at most about a third of the run. The first and the last step are always drawn.

    Args:
        display: ``display(png_bytes)`` returning a handle with ``update(png_bytes)``; the default
            shows the PNG with IPython (``display_id=True``). Tests pass a fake one.
        clock: seconds as a float (``time.perf_counter``); tests pass a fake one.
    """

    def __init__(
        self,
        every: int | None = None,
        *,
        interval: float = INTERVAL,
        display: Callable[[bytes], Any] | None = None,
        size: tuple[float, float] = (11.0, 3.4),
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if every is not None and (isinstance(every, bool) or not isinstance(every, int)):
            raise TypeError(f"LiveView: every must be an int or None, got {type(every).__name__}")
        if every is not None and every < 1:
            raise ValueError(f"LiveView: every must be >= 1, got {every}")
        if isinstance(interval, bool) or not isinstance(interval, (int, float)):
            raise TypeError(f"LiveView: interval must be seconds, got {type(interval).__name__}")
        if not interval >= 0.0:
            raise ValueError(f"LiveView: interval must be >= 0 seconds, got {interval}")
        self.every = every
        self.interval = float(interval)
        self.size = size
        self.clock = clock
        self._display = display
        self._handle: Any = None
        self._figure: _Figure | None = None
        self._wait = self.interval  # seconds until the next picture when every is None
        self._last = -math.inf  # clock() when the last picture was done
        self._drawn = -1  # the step of the last picture
        self.frames = 0  # pictures drawn
        self.seconds = 0.0  # spent drawing them

    def start(self, model: Any, X: Sequence[Any], y: Sequence[Any], steps: int) -> None:
        """Called by ``fit`` before the first step."""
        self.model, self.X, self.y, self.steps = model, X, y, steps
        self.named = list(model.named_parameters())
        self._figure = None
        self._handle = None
        self._last, self._drawn = -math.inf, -1

    def __call__(self, step: int, history: History, last: bool = False) -> None:
        """After step ``step`` (``last``: the final picture, drawn whatever the schedule)."""
        if last:
            due = step != self._drawn
        elif self.every is not None:
            due = step % self.every == 0
        else:
            due = self.clock() - self._last >= self._wait
        if not due:
            return
        start = self.clock()
        png = self.render(step, history)
        if self._handle is None:
            self._handle = (self._display or _ipython_display)(png)
        else:
            self._handle.update(png)
        self._last = self.clock()
        spent = self._last - start
        self.frames += 1
        self.seconds += spent
        self._drawn = step
        # NOTE: the first picture also imports matplotlib and makes the figure: not counted
        if self.frames > 1:
            self._wait = max(self.interval, PATIENCE * spent)

    def render(self, step: int, history: History) -> bytes:
        """The picture after ``step`` as PNG bytes."""
        if self._figure is None:
            self._figure = _Figure(self.size, self.model, self.X, self.y, self.named)
        return self._figure.draw(step, self.steps, history)


class _Figure:
    """The figure of one run, made once; each picture updates its artists and saves a PNG.

    NOTE: remaking the figure and its five axes took ~40% of a picture's time.
    """

    def __init__(
        self,
        size: tuple[float, float],
        model: Any,
        X: Sequence[Any],
        y: Sequence[Any],
        named: list[tuple[str, Value]],
    ) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.model, self.X, self.y = model, X, y
        two_d = _is_2d(X)
        fig = Figure(figsize=size, dpi=90)
        FigureCanvasAgg(fig)
        # NOTE: fixed margins, no tight_layout and no colorbars: each costs more than the plots
        grid = fig.add_gridspec(
            2,
            3 if two_d else 2,
            left=0.06,
            right=0.99,
            bottom=0.14,
            top=0.9,
            wspace=0.35,
            hspace=0.45,
            width_ratios=(1, 0.8, 1.3) if two_d else (1, 1.3),
        )
        self.fig = fig
        self.loss_ax = fig.add_subplot(grid[:, 0])
        self.loss_line, self.acc_line = _loss_axes(self.loss_ax)
        self.boundary_ax = fig.add_subplot(grid[:, 1]) if two_d else None
        self.filled: Any = None
        self.line: Any = None
        if self.boundary_ax is not None:
            _boundary_axes(self.boundary_ax, X, y)
        col = 2 if two_d else 1
        self.layers = _layers(named)
        self.weights = _heat_axes(fig.add_subplot(grid[0, col]), self.layers, "|weight|")
        self.grads = _heat_axes(fig.add_subplot(grid[1, col]), self.layers, "|grad|")

    def draw(self, step: int, steps: int, history: History) -> bytes:
        self._loss(step, steps, history)
        if self.boundary_ax is not None:
            self._boundary(self.boundary_ax)
        self.weights.set_data(_heat_rows(self.layers, "data"))
        self.grads.set_data(_heat_rows(self.layers, "grad"))
        out = io.BytesIO()
        self.fig.savefig(out, format="png")
        return out.getvalue()

    def _loss(self, step: int, steps: int, history: History) -> None:
        ax = self.loss_ax
        self.loss_line.set_data(range(len(history.loss)), history.loss)
        self.loss_line.set_markevery([len(history.loss) - 1])  # the latest step, as a dot
        losses = [v for v in history.loss if math.isfinite(v)]
        log = bool(losses) and min(losses) > 0.0 and max(losses) > 20 * min(losses)
        ax.set_yscale("log" if log else "linear")
        if log:
            ax.yaxis.set_minor_formatter("")
        ax.set_xlim(0, max(steps - 1, 1))
        if losses:
            low, high = min(losses), max(losses)
            pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
            ax.set_ylim(low / 1.2 if log else low - pad, high * 1.2 if log else high + pad)
        title = f"step {step + 1}/{steps}"
        if history.loss:
            title += f"  loss {history.loss[-1]:.4g}"
        if history.accuracy:
            title += f"  acc {history.accuracy[-1]:.0%}"
            self.acc_line.set_data(range(len(history.accuracy)), history.accuracy)
            self.acc_line.set_markevery([len(history.accuracy) - 1])
            self.acc_line.axes.set_visible(True)
        ax.set_title(title, fontsize=9)

    def _boundary(self, ax: Any) -> None:
        from matplotlib.colors import TwoSlopeNorm

        gx, gy, out = boundary_grid(self.model, self.X, GRID)
        several = bool(out) and isinstance(out[0], list)
        score = [float(argmax(o)) for o in out] if several else [float(o) for o in out]
        z = [score[j * GRID : (j + 1) * GRID] for j in range(GRID)]
        for old in (self.filled, self.line):
            if old is not None:
                old.remove()
        if several:
            norm = None
        else:  # white at score 0, so the colour's side is the score's sign
            low, high = min(min(score), -1e-9), max(max(score), 1e-9)
            norm = TwoSlopeNorm(vcenter=0.0, vmin=low, vmax=high)
        self.filled = ax.contourf(
            gx, gy, z, levels=12, cmap=_sign_cmap(), norm=norm, alpha=0.55, zorder=0
        )
        self.line = None
        if not several:
            self.line = ax.contour(gx, gy, z, levels=[0.0], colors="black", linewidths=0.8)


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


def _loss_axes(ax: Any) -> tuple[Any, Any]:
    """The loss panel: loss (left axis) and training accuracy (right axis) against the step."""
    (loss,) = ax.plot([], [], c="tab:blue", lw=1.2, marker="o", ms=3, label="loss")
    ax.set_xlabel("step", fontsize=8)
    ax.set_ylabel("loss", fontsize=8)
    ax.tick_params(labelsize=7)
    twin = ax.twinx()
    (acc,) = twin.plot(
        [], [], c="tab:orange", lw=1.0, alpha=0.8, marker="o", ms=3, label="training accuracy"
    )
    twin.set_ylim(0.0, 1.05)
    twin.set_ylabel("accuracy", fontsize=8)
    twin.tick_params(labelsize=7)
    twin.set_visible(False)  # shown once there is an accuracy to plot
    ax.legend(handles=[loss, acc], fontsize=7, loc="center right")
    return loss, acc


def _boundary_axes(ax: Any, X: Sequence[Any], y: Sequence[Any]) -> None:
    """The data, coloured as the explorer colours signs: blue positive, red negative."""
    from matplotlib.lines import Line2D

    xs, ys = [float(r[0]) for r in X], [float(r[1]) for r in X]
    labels = [float(t) for t in y]
    two = len(set(labels)) <= 2
    if two:  # labels -1/+1 or 0/1: the positive class blue, the other red
        middle = 0.5 if set(labels) <= {0.0, 1.0} else 0.0
        colours: Any = [POSITIVE if t > middle else NEGATIVE for t in labels]
        ax.scatter(xs, ys, c=colours, s=12, edgecolors="black", linewidths=0.4, zorder=2)
    else:
        ax.scatter(
            xs, ys, c=labels, cmap=_sign_cmap(), s=12, edgecolors="black", linewidths=0.4, zorder=2
        )
    ax.set_title("decision boundary", fontsize=9)
    ax.set_xlabel("x[0]", fontsize=8)
    ax.set_ylabel("x[1]", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    if two:  # say which colour is which
        dot: dict[str, Any] = {"marker": "o", "ls": "", "markeredgecolor": "black", "ms": 5}
        ax.legend(
            handles=[
                Line2D([], [], color=POSITIVE, label="score > 0", **dot),
                Line2D([], [], color=NEGATIVE, label="score < 0", **dot),
                Line2D([], [], color="black", lw=0.8, label="score = 0"),
            ],
            fontsize=6,
            loc="lower left",
            framealpha=0.7,
        )


def _sign_cmap() -> Any:
    """Red (negative) through white (0) to blue (positive): the explorer's gradient colours."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("chainrule-sign", [NEGATIVE, "#ffffff", POSITIVE])


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


def _layers(named: list[tuple[str, Value]]) -> list[tuple[str, list[Value]]]:
    """Parameters by layer: the name up to its second dot (``layers.0``), in model order."""
    out: dict[str, list[Value]] = {}
    for name, p in named:
        key = ".".join(name.split(".")[:2]) if name.count(".") >= 2 else name.split(".")[0]
        out.setdefault(key, []).append(p)
    return list(out.items())


def _heat_axes(ax: Any, layers: list[tuple[str, list[Value]]], what: str) -> Any:
    """One row per layer, one cell per parameter: log10 of |value| from 1e-6 (black) to 10
    (yellow), blank past the layer's end. Returns the image, updated with ``set_data``."""
    image = ax.imshow(
        _heat_rows(layers, "data"), aspect="auto", cmap="magma", vmin=-6, vmax=1,
        interpolation="nearest",
    )  # fmt: skip
    ax.set_yticks(range(len(layers)))
    ax.set_yticklabels([name for name, _ in layers], fontsize=7)
    ax.set_xticks([])
    ax.set_xlabel("parameter", fontsize=7, labelpad=1)
    ax.set_title(f"{what} per layer: 1e-6 black … 10 yellow (log)", fontsize=8)
    return image


def _heat_rows(layers: list[tuple[str, list[Value]]], attr: str) -> list[list[float]]:
    width = max((len(ps) for _, ps in layers), default=1)
    rows = []
    for _, ps in layers:
        row = [_log(abs(getattr(p, attr))) for p in ps]
        rows.append(row + [math.nan] * (width - len(row)))
    return rows


def _log(x: float) -> float:
    return math.log10(x) if x > 0.0 and math.isfinite(x) else (-6.0 if x == 0.0 else math.nan)
