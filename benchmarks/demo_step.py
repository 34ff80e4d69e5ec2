"""Benchmark 1: one training step of micrograd's demo notebook, in every engine.

MLP(2, [16, 16, 1]) on 100 two-moons points, hinge loss + 1e-4 * L2, one SGD update:
micrograd, chainrule (eager), chainrule compiled (``autograd.trace_batch``: one sample traced,
replayed as a loop) and a hand-written
step on plain floats that does the same arithmetic (forward, backward for every sample, update)
building no graph. All start from micrograd's initial weights, and ``runners`` can put each
back there, so that every engine is timed on the same steps from the same weights.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from functools import partial
from itertools import repeat
from operator import add, mul
from typing import Any

import micrograd.engine
import micrograd.nn

import autograd.tracing
from nn import MLP, hinge, l2
from nn.losses import sample_terms

ALPHA = 1e-4  # L2 strength, as in the notebook
LR = 0.05


def moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaved half circles with Gaussian noise; labels -1 and +1 (no sklearn)."""
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n):
        t = math.pi * (i // 2) / max(1, (n + 1) // 2 - 1)
        if i % 2 == 0:
            px, py, label = math.cos(t), math.sin(t), -1.0
        else:
            px, py, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        X.append([px + rng.gauss(0.0, noise), py + rng.gauss(0.0, noise)])
        y.append(label)
    return X, y


# --- micrograd, exactly as its demo notebook does it ---


def micrograd_model(sizes: list[int], seed: int) -> micrograd.nn.MLP:
    state = random.getstate()
    random.seed(seed)  # micrograd draws its weights from the global generator
    try:
        return micrograd.nn.MLP(sizes[0], sizes[1:])
    finally:
        random.setstate(state)


def micrograd_loss(model: Any, X: list[list[float]], y: list[float]) -> Any:
    inputs = [list(map(micrograd.engine.Value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=False)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def micrograd_step(model: Any, X: list[list[float]], y: list[float]) -> float:
    total = micrograd_loss(model, X, y)
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= LR * p.grad
    return total.data


# --- chainrule: nn.MLP (one dot node per neuron), nn.hinge, nn.l2 ---


def chainrule_model(mg: Any) -> MLP:
    """An nn.MLP with the same shape and initial weights as the micrograd model ``mg``."""
    sizes = [len(mg.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in mg.layers]
    model = MLP(sizes[0], sizes[1:], seed=0)
    for layer, mg_layer in zip(model.layers, mg.layers, strict=False):
        for neuron, mg_neuron in zip(layer.neurons, mg_layer.neurons, strict=False):
            for w, mg_w in zip(neuron.w, mg_neuron.w, strict=False):
                w.data = float(mg_w.data)
            neuron.b.data = float(mg_neuron.b.data)  # type: ignore[union-attr]
    return model


def chainrule_loss(model: MLP, params: list[autograd.Value], X: list[Any], y: list[float]) -> Any:
    scores = [model(x) for x in X]
    return hinge(scores, y) + l2(params, ALPHA)


def chainrule_step_fn(model: MLP, X: list[list[float]], y: list[float]) -> Callable[[], float]:
    """One eager step: build the graph, backward, SGD (the parameter list is made once, as an
    optimizer holds it)."""
    params = model.parameters()

    def step() -> float:
        total = chainrule_loss(model, params, X, y)
        for p in params:
            p.grad = 0.0
        total.backward()
        for p in params:
            p.data -= LR * p.grad
        return total.data

    return step


def compiled_replay(
    model: MLP, X: list[list[float]], y: list[float], whole: bool = False
) -> Callable[[], float]:
    """The step's loss and gradients, compiled: one sample's hinge term traced once
    (``trace_batch``: its row and label are inputs, the parameters are read live), replayed as
    a loop over the samples, forward + backward on floats. With ``whole``, the whole batch's
    loss is traced instead (``trace``, one line per node: how 0.2.0 compiled)."""
    params = model.parameters()
    if whole:
        plan = autograd.tracing.trace(lambda X: chainrule_loss(model, params, X, y), X)
        return partial(plan.backward, X)
    term = sample_terms(hinge)  # max(0, 1 - t s) of one sample: the mean is trace_batch's
    loop = autograd.trace_batch(
        lambda x, t: term(model(x), t), X[0], y[0], penalty=lambda: l2(params, ALPHA), numbers=[1]
    )
    return partial(loop.backward, X, y)


def compiled_step_fn(
    model: MLP, X: list[list[float]], y: list[float], whole: bool = False
) -> Callable[[], float]:
    """The same step as ``chainrule_step_fn``, its loss and gradients by ``compiled_replay``."""
    params = model.parameters()
    replay = compiled_replay(model, X, y, whole)

    def step() -> float:
        for p in params:
            p.grad = 0.0
        loss: float = replay()
        for p in params:
            p.data -= LR * p.grad
        return loss

    return step


# --- the floor: the same step written by hand on floats, no graph ---


def float_weights(mg: Any) -> list[tuple[list[list[float]], list[float]]]:
    return [
        (
            [[float(w.data) for w in n.w] for n in layer.neurons],
            [float(n.b.data) for n in layer.neurons],
        )
        for layer in mg.layers
    ]


def float_step(
    layers: list[tuple[list[list[float]], list[float]]], X: list[list[float]], y: list[float]
) -> float:
    """Forward, backward and SGD for the same loss, by hand: the least pure Python can do."""
    last = len(layers) - 1
    grads = [([[0.0] * len(w) for w in W], [0.0] * len(B)) for W, B in layers]
    columns = [[list(c) for c in zip(*W, strict=False)] for W, _ in layers]
    scale = 1.0 / len(X)
    data_loss = 0.0
    for x, t in zip(X, y, strict=False):
        acts, pres = [x], []
        for i, (W, B) in enumerate(layers):
            z = [sum(map(mul, w, acts[-1]), b) for w, b in zip(W, B, strict=False)]
            pres.append(z)
            acts.append(z if i == last else [a if a > 0.0 else 0.0 for a in z])
        margin = 1.0 - t * acts[-1][0]
        # NOTE: a sample past the margin still goes through backward, as in every engine (its
        # gradient is 0): the floor does the same work, not less.
        if margin > 0.0:
            data_loss += margin
            g = [-t * scale]
        else:
            g = [0.0]
        for i in range(last, -1, -1):
            if i != last:
                g = [gi if zi > 0.0 else 0.0 for gi, zi in zip(g, pres[i], strict=False)]
            gW, gB = grads[i]
            h = acts[i]
            for row, gi in zip(gW, g, strict=False):
                row[:] = map(add, row, map(mul, h, repeat(gi)))
            gB[:] = map(add, gB, g)
            if i:
                g = [sum(map(mul, c, g)) for c in columns[i]]
    reg = 0.0
    for (W, B), (gW, gB) in zip(layers, grads, strict=False):
        for w, gw in zip([*W, B], [*gW, gB], strict=False):
            reg += sum(map(mul, w, w))
            gw[:] = map(add, gw, map(mul, w, repeat(2.0 * ALPHA)))
    for (W, B), (gW, gB) in zip(layers, grads, strict=False):
        for w, gw in zip([*W, B], [*gW, gB], strict=False):
            w[:] = [wi - LR * gi for wi, gi in zip(w, gw, strict=False)]
    return data_loss * scale + ALPHA * reg


# --- every engine from the same weights ---

Step = Callable[[], float]


def runners(
    sizes: list[int], X: list[list[float]], y: list[float], seed: int
) -> tuple[float, dict[str, tuple[Step, Callable[[], None]]]]:
    """For each engine, ``(step, reset)``: ``reset()`` puts its weights back to micrograd's
    initial ones (untimed), so all engines are timed on the same steps from the same weights.
    Also the seconds the compiled step took to trace and generate its code (its first call)."""
    mg = micrograd_model(sizes, seed)
    ours, compiled = chainrule_model(mg), chainrule_model(mg)
    floats = float_weights(mg)
    mg_start = [(p, p.data) for p in mg.parameters()]

    def reset_values(model: MLP) -> Callable[[], None]:
        params = model.parameters()
        initial = [p.data for p in params]

        def reset() -> None:
            for p, w in zip(params, initial, strict=True):
                p.data, p.grad = w, 0.0

        return reset

    reset_compiled = reset_values(compiled)  # the initial weights, before the warm-up step
    t0 = time.perf_counter()
    compiled_step = compiled_step_fn(compiled, X, y)
    compiled_step()  # trace, generate and compile
    t_compile = time.perf_counter() - t0

    def reset_micrograd() -> None:
        for p, w in mg_start:
            p.data, p.grad = w, 0.0

    reset_compiled()  # undo the warm-up step
    initial_floats = [([w[:] for w in W], B[:]) for W, B in floats]

    def reset_floats() -> None:
        for (W, B), (W0, B0) in zip(floats, initial_floats, strict=True):
            for w, w0 in zip(W, W0, strict=True):
                w[:] = w0
            B[:] = B0

    return t_compile, {
        "micrograd": (partial(micrograd_step, mg, X, y), reset_micrograd),
        "chainrule": (chainrule_step_fn(ours, X, y), reset_values(ours)),
        "compiled": (compiled_step, reset_compiled),
        "floats": (partial(float_step, floats, X, y), reset_floats),
    }


def compile_seconds(sizes: list[int], X: list[list[float]], y: list[float], whole: bool) -> float:
    """Seconds from nothing compiled to the first compiled step done (trace, codegen, compile,
    one replay), on a fresh model: the loop over samples, or with ``whole`` the whole batch."""
    model = chainrule_model(micrograd_model(sizes, 1))
    t0 = time.perf_counter()
    compiled_step_fn(model, X, y, whole)()
    return time.perf_counter() - t0


def check_same(
    sizes: list[int], X: list[list[float]], y: list[float], seed: int
) -> tuple[float, bool]:
    """Largest relative difference between micrograd and chainrule (eager) in the loss and the
    gradients, and between micrograd and the float floor in the loss and the updated weights,
    for one step from the same weights; and whether compiled equals eager bit for bit (loss and
    every gradient; the loop over samples, and the whole trace)."""
    mg = micrograd_model(sizes, seed)
    ours = chainrule_model(mg)
    mg_loss = micrograd_loss(mg, X, y)
    mg.zero_grad()
    mg_loss.backward()
    params = ours.parameters()
    loss = chainrule_loss(ours, params, X, y)
    ours.zero_grad()
    loss.backward()
    # NOTE: micrograd sums in set order; a gradient whose terms cancel is rounding noise in
    # both engines, so gradients are compared relative to the largest one.
    pairs = [(a.grad, b.grad) for a, b in zip(mg.parameters(), ours.parameters(), strict=False)]
    scale = max(abs(g) for pair in pairs for g in pair)
    worst = max(abs(a - b) for a, b in pairs) / scale
    worst = max(worst, abs(mg_loss.data - loss.data) / abs(mg_loss.data))

    # the floor does the same arithmetic: same loss, same weights after one SGD update
    floats = float_weights(mg)
    worst = max(worst, abs(float_step(floats, X, y) - mg_loss.data) / abs(mg_loss.data))
    for p in mg.parameters():
        p.data -= LR * p.grad
    updated = [v for W, B in floats for w, b in zip(W, B, strict=True) for v in (*w, b)]
    mg_updated = [p.data for p in mg.parameters()]
    diff = max(abs(a - b) for a, b in zip(updated, mg_updated, strict=True))
    worst = max(worst, diff / max(map(abs, mg_updated)))

    eager = [loss.data.hex()] + [p.grad.hex() for p in params]
    same = True
    for whole in (False, True):
        ours.zero_grad()
        replayed = [compiled_replay(ours, X, y, whole)().hex()]
        same = same and replayed + [p.grad.hex() for p in params] == eager
    return worst, same
