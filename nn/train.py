"""The training loop ``fit``, its ``History``, and the helpers it reports with (accuracy, predict).

tqdm draws the progress bar and is imported only inside ``fit``; without it there is no bar.
``fit(compile=True)`` replays a traced step (``nn.compiled``).
"""

from __future__ import annotations

import math
import numbers
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autograd import Value, no_grad

from . import losses
from ._random import Seed, make_rng
from .compiled import CompiledStep, model_loss
from .divergence import DivergenceWatch
from .module import Module
from .optim import SGD, Optimizer
from .schedules import LinearDecay

if TYPE_CHECKING:
    from .live import LiveView

LossFn = Callable[[Any, Any], Value]

LOSSES: dict[str, LossFn] = {
    "hinge": losses.hinge,
    "bce": losses.binary_cross_entropy,
    "cross_entropy": losses.cross_entropy,
    "mse": losses.mse,
}


# --- metrics ---


def accuracy(scores: Sequence[Any], targets: Sequence[Any]) -> float:
    """The fraction classified right: score > 0 vs label > 0.5 (labels -1/+1 or 0/1) for one
    score per sample, argmax vs class index for a list of scores per sample."""
    if len(scores) != len(targets) or not len(scores):
        raise ValueError(f"accuracy: {len(scores)} scores but {len(targets)} targets")
    correct = 0
    for s, t in zip(scores, targets, strict=True):
        if isinstance(s, (Value, numbers.Real)):
            correct += (float(s) > 0.0) == (t > 0.5)
        else:
            xs = [float(v) for v in s]
            correct += max(range(len(xs)), key=xs.__getitem__) == t
    return correct / len(scores)


def predict(model: Callable[[Any], Any], X: Sequence[Any]) -> list[Any]:
    """The model's outputs on every row of X as floats (lists of floats for several outputs),
    computed without recording a graph."""
    with no_grad():
        out = [model(x) for x in X]
    return [float(o) if isinstance(o, Value) else [float(v) for v in o] for o in out]


# --- fit ---


@dataclass
class History:
    """What ``fit`` measured. Per-step numbers are for that step's batch, before its update."""

    loss: list[float] = field(default_factory=list)  # data loss + regularisation
    accuracy: list[float] = field(default_factory=list)  # empty for a loss without accuracy
    lr: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)  # sample-weighted mean over the pass
    epoch_accuracy: list[float] = field(default_factory=list)
    steps: int = 0  # optimizer updates made
    stopped_early: bool = False
    diverged: int | None = None  # the step whose loss diverged (see fit's on_divergence)
    seconds: float = 0.0


def fit(
    model: Module,
    X: Sequence[Any],
    y: Sequence[Any],
    *,
    loss: str | LossFn = "hinge",
    optimizer: Optimizer | None = None,
    steps: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    target_accuracy: float | None = None,
    target_loss: float | None = None,
    seed: Seed = 0,
    progress: bool = True,
    log_every: int | None = None,
    callback: Callable[[int, History], bool | None] | None = None,
    compile: bool = False,
    live: bool | LiveView = False,
    on_divergence: str = "stop",
) -> History:
    """Train ``model`` on (X, y) for ``steps`` optimizer updates and return the History.

    Args:
        loss: "hinge", "bce" (labels -1/+1 are mapped to 0/1), "cross_entropy", "mse", or a
            function ``(scores, targets) -> Value`` averaging over the batch.
        optimizer: default micrograd's: SGD with lr falling linearly from 1.0 to 0.1.
        batch_size: None (or >= len(X)) trains on the whole set each step; otherwise the data
            is reshuffled each epoch and the last batch of an epoch may be smaller.
        l2: adds ``l2 * sum p**2`` over the model's parameters to the loss.
        target_accuracy: stop as soon as a whole epoch's accuracy is >= this. With full
            batches the check comes before the update, so the returned model is exactly the
            one that met it.
        target_loss: the same for a whole epoch's loss <= this.
        log_every: print a line every so many steps (through the bar, if there is one).
        callback: ``callback(step, history)`` after each step; returning True stops training.
        compile: trace the step's loss and replay it on floats (``nn.compiled``): the same
            History and weights, bit for bit; each step is ~5x faster, after a first one that
            traces. For a loss of ``nn.losses`` one sample is traced and looped over the batch
            (~15 ms for the demo); any other loss, or one the loop cannot replay exactly, is
            traced whole once per batch size (~0.6 s for the demo). The labels are checked
            first with one forward pass over the data. A loss or model the trace cannot follow
            (a branch on the data, ``float()`` of a Value, a result different from the eager
            one) makes ``fit`` warn once (RuntimeWarning) and train eagerly from that step on,
            with the same results.
        live: in Jupyter, redraw one output as it trains (loss, decision boundary for 2-D
            inputs, per-layer weights and grads; ``nn.live``) instead of the progress bar; a
            ``LiveView(every=...)`` chooses how often. It only reads: the same History, bit for
            bit. Outside Jupyter ``live=True`` keeps the progress bar.
        on_divergence: when a step's loss is not finite or is over 1000 times the first
            step's, fit warns once (RuntimeWarning naming the step and what to try) and:
            "stop" (default) stops before that step's update (``history.diverged`` is the step);
            "warn" goes on, unless the loss is not finite; "ignore" says and does nothing.
    """
    n, steps, size, loss_fn, has_accuracy, y = _checked(
        model, X, y, loss, steps, batch_size, l2, target_accuracy, compile
    )
    watch = DivergenceWatch(on_divergence)
    params = model.parameters()
    if optimizer is None:
        optimizer = SGD(params, lr=LinearDecay(1.0, 0.1, max(steps, 1)))
    else:
        _check_optimizer(optimizer, params)

    batch_loss, sample_loss, penalty = model_loss(model, loss_fn, l2)
    compiled = CompiledStep(batch_loss, params, X, y, sample_loss, penalty) if compile else None

    history = History()
    view = _live_view(live, model, X, y, steps)
    bar = _progress_bar(steps) if progress and view is None else None
    write = bar.write if bar is not None else print
    stream = _epochs(n, size, make_rng(seed, default=random.Random()))
    epoch = _EpochMeans()
    start = time.perf_counter()
    try:
        for step in range(steps):
            idx, epoch_done = next(stream)
            Xb, yb = [X[i] for i in idx], [y[i] for i in idx]
            done = None
            if compiled is not None:  # forward and backward at once, so grads are set now
                # NOTE: an eager fit that stops leaves .grad alone; so, then, does this one
                may_stop = epoch_done and (target_accuracy, target_loss) != (None, None)
                saved = [p.grad for p in params] if may_stop else None
                done = _replay(compiled, optimizer, Xb, yb)
                if done is None:  # it warned: eager from here on
                    compiled = None
                    _restore(params, saved)
            if done is None:
                total, scores = batch_loss(Xb, yb)
                loss_value = total.data
            else:
                loss_value, scores = done
            lr = optimizer.lr
            history.loss.append(loss_value)
            history.lr.append(lr)
            acc = accuracy(scores, yb) if has_accuracy else None
            if acc is not None:
                history.accuracy.append(acc)
            epoch.add(len(idx), loss_value, acc)
            _report(bar, write, log_every, step, loss_value, acc, lr)
            if epoch_done:
                epoch.close(history)
                if _reached(history, target_accuracy, target_loss):
                    history.stopped_early = True
                    if done is not None:
                        _restore(params, saved)
                    break
            if watch.check(step, loss_value):
                history.stopped_early = True
            history.diverged = watch.step
            if history.stopped_early:
                break
            if done is None:
                optimizer.zero_grad()
                total.backward()
            optimizer.step()
            history.steps += 1
            if bar is not None:
                bar.update(1)
            if view is not None:
                view(step, history)
            if callback is not None and callback(step, history):
                break
    finally:
        history.seconds = time.perf_counter() - start
        if bar is not None:
            bar.close()
    if view is not None and history.loss:
        view(len(history.loss) - 1, history, last=True)
    return history


def _checked(
    model: Any,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: str | LossFn,
    steps: Any,
    batch_size: Any,
    l2: Any,
    target_accuracy: float | None,
    compile: Any,
) -> tuple[int, int, int, LossFn, bool, Sequence[Any]]:
    """fit's arguments checked: (rows, steps, batch size, loss function, whether accuracy
    means something for it, the labels as the loss takes them)."""
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(f"fit: model must be a Module, got {type(model).__name__}")
    n = len(X)
    if n == 0:
        raise ValueError("fit: no training data: X is empty")
    if n != len(y):
        raise ValueError(f"fit: X has {n} rows but y has {len(y)} labels")
    steps = _count("steps", steps, minimum=0)
    size = n if batch_size is None else min(_count("batch_size", batch_size, minimum=1), n)
    loss_fn, has_accuracy = _loss(loss, y)
    if loss_fn is losses.binary_cross_entropy and all(t in (-1, 1) for t in y):
        y = [(t + 1) // 2 for t in y]
    if target_accuracy is not None and not has_accuracy:
        raise ValueError(f"fit: target_accuracy needs a classification loss, not {loss!r}")
    if not isinstance(l2, (int, float)) or isinstance(l2, bool) or not 0.0 <= l2 < math.inf:
        raise ValueError(f"fit: l2 must be a number >= 0, got {l2!r}")
    if not isinstance(compile, bool):
        raise TypeError(f"fit: compile must be True or False, got {type(compile).__name__}")
    return n, steps, size, loss_fn, has_accuracy, y


class _EpochMeans:
    """The sample-weighted means of one pass over the data, added to History when it ends."""

    def __init__(self) -> None:
        self.loss = self.correct = 0.0
        self.count = 0
        self.has_accuracy = False

    def add(self, size: int, loss: float, acc: float | None) -> None:
        self.loss += loss * size
        self.count += size
        if acc is not None:
            self.correct += acc * size
            self.has_accuracy = True

    def close(self, history: History) -> None:
        history.epoch_loss.append(self.loss / self.count)
        if self.has_accuracy:
            history.epoch_accuracy.append(self.correct / self.count)
        self.loss = self.correct = 0.0
        self.count = 0


def _replay(
    compiled: CompiledStep, optimizer: Optimizer, Xb: list[Any], yb: list[Any]
) -> tuple[float, list[Any]] | None:
    """The compiled step's (loss, scores), its gradients in .grad; None when it gave up (it
    warned, and every .grad is as it was)."""
    optimizer.zero_grad()
    return compiled.step(Xb, yb)


def _report(
    bar: Any,
    write: Callable[[str], Any],
    log_every: int | None,
    step: int,
    loss: float,
    acc: float | None,
    lr: float,
) -> None:
    """The step's numbers on the progress bar, and a log line every ``log_every`` steps."""
    if bar is not None:
        shown = {"loss": f"{loss:.4f}"}
        if acc is not None:
            shown["acc"] = f"{acc:.1%}"
        bar.set_postfix(shown, refresh=False)
    if log_every and step % log_every == 0:
        line = f"step {step:4d}  loss {loss:.4f}"
        write(line + (f"  accuracy {acc:.1%}" if acc is not None else "") + f"  lr {lr:.4g}")


def _check_optimizer(optimizer: Any, params: list[Value]) -> None:
    """An optimizer instance that updates some of the model's parameters, or a clear error."""
    if isinstance(optimizer, type):
        raise TypeError(
            f"fit: optimizer is the class {optimizer.__name__}, not an optimizer; make one: "
            f"optimizer={optimizer.__name__}(model.parameters(), lr=0.1)"
        )
    if not all(callable(getattr(optimizer, m, None)) for m in ("step", "zero_grad")):
        raise TypeError(
            f"fit: optimizer must have step() and zero_grad() (SGD, Adam, AdamW), "
            f"got {type(optimizer).__name__}"
        )
    mine = set(params)
    theirs = getattr(optimizer, "params", None)
    if isinstance(theirs, list) and mine and not any(p in mine for p in theirs):
        raise ValueError(
            "fit: the optimizer updates none of the model's parameters (was it made for another "
            "model?); make it from this one: SGD(model.parameters(), lr=0.1)"
        )


def _live_view(live: bool | LiveView, model: Any, X: Any, y: Any, steps: int) -> LiveView | None:
    """The LiveView to draw with, or None (live off, or not in Jupyter: the progress bar)."""
    if live is False:  # off: nn.live is not even imported
        return None
    from .live import LiveView, in_notebook

    if isinstance(live, LiveView):
        view = live
    elif isinstance(live, bool):
        if not in_notebook():
            return None
        view = LiveView()
    else:
        raise TypeError(f"fit: live must be True, False or a LiveView, got {type(live).__name__}")
    view.start(model, X, y, steps)
    return view


def _restore(params: list[Value], grads: list[float] | None) -> None:
    if grads is not None:
        for p, g in zip(params, grads, strict=True):
            p.grad = g


def _epochs(n: int, size: int, rng: random.Random) -> Iterator[tuple[list[int], bool]]:
    """Batches of indices forever, reshuffled each epoch: (indices, is the epoch's last batch)."""
    order = list(range(n))
    while True:
        if size < n:
            rng.shuffle(order)
        for start in range(0, n, size):
            yield order[start : start + size], start + size >= n


def _reached(history: History, target_accuracy: float | None, target_loss: float | None) -> bool:
    if target_accuracy is not None and history.epoch_accuracy[-1] >= target_accuracy:
        return True
    return target_loss is not None and history.epoch_loss[-1] <= target_loss


def _loss(loss: str | LossFn, y: Sequence[Any]) -> tuple[LossFn, bool]:
    """The loss function, and whether accuracy means something for it."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; choose from {', '.join(LOSSES)}")
        return LOSSES[loss], loss != "mse"
    if not callable(loss):
        raise TypeError(f"fit: loss must be a name or a function, got {type(loss).__name__}")
    # a function of our own: classification when the labels are whole numbers
    labels = all(isinstance(t, numbers.Integral) and not isinstance(t, bool) for t in y)
    return loss, loss is not losses.mse and labels


def _count(what: str, x: Any, minimum: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"fit: {what} must be an int, got {type(x).__name__}")
    if x < minimum:
        raise ValueError(f"fit: {what} must be >= {minimum}, got {x}")
    return x


def _progress_bar(total: int) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is optional: pip install -e '.[progress]'
        return None
    return tqdm(total=total, desc="fit", unit="step", leave=True, dynamic_ncols=True)
