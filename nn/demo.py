"""The demo: train an MLP on a toy dataset and plot what it learned.

``python -m nn.demo`` trains MLP(2, [16, 16, 1]) on 100 two-moons points as micrograd's demo does
(hinge loss + 1e-4 L2, SGD with lr 1.0 - 0.9 k / steps) and writes, into ``out/``:
decision_boundary.png, loss.png, model.json and the graph (graph.dot, graph.svg).
``--help`` lists the flags.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

from autograd import vsum

from . import data
from .layers import ACTIVATIONS, MLP
from .live import argmax, boundary_grid
from .optim import SGD, Adam, AdamW, Optimizer
from .schedules import CosineDecay, LinearDecay
from .serialize import save
from .train import History, accuracy, fit, predict

OPTIMIZERS = ("sgd", "adam", "adamw")
_NO_MATPLOTLIB = (
    "python -m nn.demo: the plots need matplotlib: pip install -e '.[plot]' (or pass --no-plot)"
)


# --- flags ---


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


def _nonnegative_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 <= x < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return x


def _sizes(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected layer widths separated by commas, like 16,16; got {text!r}"
        ) from None
    if any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer widths must be >= 1, got {text!r}")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m nn.demo",
        description="Train a small MLP on a 2-D toy dataset with chainrule and plot its decision "
        "boundary and loss curve. The defaults follow micrograd's demo.",
    )
    p.add_argument(
        "--dataset",
        choices=sorted(data.DATASETS),
        default="moons",
        help="toy dataset (default: moons; spiral: 3 classes, softmax cross-entropy; "
        "regression: y = sin x, mean squared error)",
    )
    p.add_argument(
        "--n", type=_positive_int, default=100, help="number of data points (default: 100)"
    )
    p.add_argument(
        "--noise",
        type=_nonnegative_float,
        default=None,
        help="noise level (default: the dataset's own)",
    )
    p.add_argument(
        "--hidden",
        type=_sizes,
        default=[16, 16],
        metavar="W1,W2,...",
        help="hidden layer widths, the model size (default: 16,16; '' for a linear model)",
    )
    p.add_argument(
        "--activation",
        choices=[a for a in ACTIVATIONS if a != "linear"],
        default="relu",
        help="hidden-layer activation (default: relu)",
    )
    p.add_argument(
        "--steps",
        type=_positive_int,
        default=100,
        help="optimizer steps, each on the whole set unless --batch-size (default: 100)",
    )
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="mini-batch size (default: the whole set every step)",
    )
    p.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default=None,
        help="sgd: lr decays linearly to a tenth, as in micrograd; adam/adamw: lr decays from "
        "--lr to 1%% of it along a cosine (default: sgd, but adam for sigmoid hidden layers, "
        "whose slope of at most 1/4 leaves plain SGD barely moving in 100 steps)",
    )
    p.add_argument(
        "--lr",
        type=_nonnegative_float,
        default=None,
        help="initial learning rate (default: 1.0 for sgd, 0.03 for sgd on regression, whose "
        "squared error diverges at 1.0; 0.1 for adam/adamw)",
    )
    p.add_argument(
        "--loss",
        choices=("hinge", "bce"),
        default="hinge",
        help="loss for two-class datasets (default hinge: the SVM loss of micrograd's "
        "demo; bce: binary cross-entropy from logits)",
    )
    p.add_argument(
        "--l2",
        type=_nonnegative_float,
        default=1e-4,
        help="L2 regularisation: adds alpha * sum p**2 to the loss (default: 1e-4)",
    )
    p.add_argument(
        "--seed", type=int, default=1, help="seed for the data and the initial weights (default: 1)"
    )
    p.add_argument(
        "--out", default="out", help="output folder for the PNGs and model.json (default: out)"
    )
    p.add_argument("--no-plot", action="store_true", help="skip the PNGs (no matplotlib needed)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-step lines")
    p.add_argument(
        "--compile",
        action="store_true",
        help="trace the training step once and replay it on floats (autograd.tracing): "
        "the same numbers, faster",
    )
    return p


# --- the run ---


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.no_plot and importlib.util.find_spec("matplotlib") is None:
        print(_NO_MATPLOTLIB, file=sys.stderr)  # said now, not after a long training run
        return 1
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        parser.error(f"argument --out: cannot create {args.out!r}: {e.strerror}")
    model, X, y, history, task = train(args)
    outputs = predict(model, X)
    how = " (compiled)" if args.compile else ""
    summary = f"trained {history.steps} steps{how} in {history.seconds:.1f} s: "
    if task == "regression":
        summary += f"final mean squared error {score(model, X, y, task):.4f}"
    else:
        summary += (
            f"loss {_final_loss(history):.4f} at the last step, "
            f"final training accuracy {accuracy(outputs, y):.1%}"
        )
    print(summary)

    written = [os.path.join(args.out, "model.json")]
    save(model, written[0])
    written += _draw_graph(args.out, model, X[0])
    if not args.no_plot:
        try:
            written += _plot(args, model, X, y, history, task)
        except ImportError:
            print(_NO_MATPLOTLIB, file=sys.stderr)
            return 1
    print("wrote " + ", ".join(written))
    return 0


def train(args: argparse.Namespace) -> tuple[MLP, list[Any], list[Any], History, str]:
    """Make the data and the model the flags ask for and fit it: (model, X, y, history, task)."""
    if args.optimizer is None:
        args.optimizer = "adam" if args.activation == "sigmoid" else "sgd"
    make = data.DATASETS[args.dataset]
    kwargs: dict[str, Any] = {"n": args.n, "seed": args.seed}
    if args.noise is not None:
        kwargs["noise"] = args.noise
    X, y = make(**kwargs)
    task, loss, nout = _task(args.dataset, args.loss, y)
    model = MLP(len(X[0]), [*args.hidden, nout], args.activation, seed=args.seed)
    optimizer = _optimizer(args, model)
    print(
        f"{args.dataset}: {len(X)} points; {model.extra_repr()} MLP, "
        f"{model.num_parameters()} parameters; {loss} loss, {args.optimizer}, {args.steps} steps"
    )
    history = fit(
        model,
        X,
        y,
        loss=loss,
        optimizer=optimizer,
        steps=args.steps,
        batch_size=args.batch_size,
        l2=args.l2,
        seed=args.seed,
        progress=not args.quiet,
        log_every=None if args.quiet else max(1, args.steps // 10),
        compile=args.compile,
    )
    return model, X, y, history, task


def score(model: MLP, X: list[Any], y: list[Any], task: str) -> float:
    """The trained model's mean squared error (regression) or training accuracy."""
    outputs = predict(model, X)
    if task == "regression":
        return float(sum((o - t) ** 2 for o, t in zip(outputs, y, strict=True))) / len(y)
    return accuracy(outputs, y)


def _draw_graph(out: str, model: MLP, x: list[float]) -> list[str]:
    """The trained model's graph on one input, one node per neuron, coloured by gradient:
    graph.dot always (plain text), graph.svg too when graphviz and a renderer are installed."""
    try:
        from autograd.viz import RendererNotFound, draw_dot
    except ImportError:
        return []
    score = model(x)
    outputs = score if isinstance(score, list) else [score]
    model.zero_grad()
    vsum(outputs).backward()
    try:
        drawing = draw_dot(
            outputs, names=model.named_parameters(), collapse="neuron", color_grad=True
        )
    except ImportError:  # no graphviz package: nothing to draw with
        return []
    finally:
        model.zero_grad()
    paths = [os.path.join(out, "graph.dot")]
    with open(paths[0], "w") as f:
        f.write(drawing.source)
    try:
        drawing.render(outfile=os.path.join(out, "graph.svg"), cleanup=True)
        paths.append(os.path.join(out, "graph.svg"))
    except (RendererNotFound, RuntimeError, OSError) as e:  # rendering is a bonus here
        print(f"python -m nn.demo: graph.svg not drawn: {e}", file=sys.stderr)
    return paths


def _task(dataset: str, loss: str, y: list[Any]) -> tuple[str, str, int]:
    """(kind of task, loss name, number of outputs) for a dataset."""
    if dataset == "regression":
        return "regression", "mse", 1
    if dataset == "spiral":
        return "classes", "cross_entropy", max(y) + 1
    return "binary", loss, 1


def _optimizer(args: argparse.Namespace, model: MLP) -> Optimizer:
    if args.optimizer == "sgd":
        lr = args.lr if args.lr is not None else 0.03 if args.dataset == "regression" else 1.0
        return SGD(model.parameters(), lr=LinearDecay(lr, lr / 10.0, args.steps))
    lr = 0.1 if args.lr is None else args.lr
    cls = Adam if args.optimizer == "adam" else AdamW
    return cls(model.parameters(), lr=CosineDecay(lr, lr / 100.0, args.steps))


def _final_loss(history: History) -> float:
    return history.loss[-1] if history.loss else math.nan


# --- plots (matplotlib is imported here only, and drives the Agg canvas directly) ---


def _plot(
    args: argparse.Namespace,
    model: MLP,
    X: list[list[float]],
    y: list[Any],
    history: History,
    task: str,
) -> list[str]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    paths = []
    fig = Figure(figsize=(5.5, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if task == "regression":
        xs = [row[0] for row in X]
        lo, hi = min(xs), max(xs)
        grid = [lo + (hi - lo) * i / 199 for i in range(200)]
        ax.scatter(xs, y, s=14, c="tab:blue", label="data")
        ax.plot(grid, predict(model, [[g] for g in grid]), c="tab:red", lw=2, label="model")
        ax.legend()
        ax.set_title(f"{model.extra_repr()} MLP fit to y = sin x + noise")
        name = "fit.png"
    else:
        _decision_boundary(ax, model, X, y, task)
        acc = accuracy(predict(model, X), y)
        ax.set_title(f"{model.extra_repr()} MLP on {args.dataset}: accuracy {acc:.0%}")
        name = "decision_boundary.png"
    fig.tight_layout()
    paths.append(os.path.join(args.out, name))
    fig.savefig(paths[-1])

    fig = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(range(len(history.loss)), history.loss, c="tab:blue")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (incl. L2)", color="tab:blue")
    if min(history.loss, default=0.0) > 0.0:
        from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    if history.accuracy:
        ax2 = ax.twinx()
        ax2.plot(range(len(history.accuracy)), history.accuracy, c="tab:orange")
        ax2.set_ylabel("accuracy", color="tab:orange")
        ax2.set_ylim(0.0, 1.05)
    ax.set_title("training loss" + (" and accuracy" if history.accuracy else ""))
    fig.tight_layout()
    paths.append(os.path.join(args.out, "loss.png"))
    fig.savefig(paths[-1])
    return paths


def _decision_boundary(ax: Any, model: MLP, X: list[list[float]], y: list[Any], task: str) -> None:
    xs, ys = [p[0] for p in X], [p[1] for p in X]
    res = 80  # grid points per side: enough for a smooth boundary, fast without a graph
    gx, gy, out = boundary_grid(model, X, res)
    if task == "binary":
        z = [out[j * res : (j + 1) * res] for j in range(res)]
        big = max(abs(v) for v in out) + 1.0
        ax.contourf(gx, gy, z, levels=[-big, 0.0, big], colors=["#f4b6b6", "#b6cdf4"])
        ax.contour(gx, gy, z, levels=[0.0], colors="black", linewidths=0.8)
        colors = ["tab:red" if t < 0.5 else "tab:blue" for t in y]
    else:
        k = max(y) + 1
        z = [[argmax(out[j * res + i]) for i in range(res)] for j in range(res)]
        palette = ["tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown"]
        ax.contourf(
            gx,
            gy,
            z,
            levels=[c - 0.5 for c in range(k + 1)],
            colors=[palette[c % len(palette)] for c in range(k)],
            alpha=0.3,
        )
        colors = [palette[t % len(palette)] for t in y]
    ax.scatter(xs, ys, c=colors, s=22, edgecolors="black", linewidths=0.5)
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])


if __name__ == "__main__":
    raise SystemExit(main())
