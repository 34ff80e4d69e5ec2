"""Helpers shared by the test files (none imports another test file): parsing DOT and small
known graphs for the drawing tests, micrograd side by side, random MLPs for the torch tests,
and comparing floats (exactly, by their bits, or within a relative tolerance)."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import strategies as st
from strategies import away_from_zero, reals

import nn
from autograd import Value, dot
from autograd.viz import find_renderer

needs_renderer = pytest.mark.skipif(
    find_renderer() is None, reason="no Graphviz renderer (dot or graphviz-pure) installed"
)

NODE = re.compile(r'^\t(\w+) \[label=(?:"((?:[^"\\]|\\.)*)"|(\S+?))[ \]]', re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)", re.M)


def parse(source: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Node id -> label, and the edges, from DOT source written by graphviz."""
    nodes = {m[1]: m[2] if m[2] is not None else m[3] for m in NODE.finditer(source)}
    return nodes, EDGE.findall(source)


def labelled(nodes: dict[str, str], text: str) -> str:
    (nid,) = [k for k, v in nodes.items() if text in v]
    return nid


def small_graph() -> tuple[Value, Value, Value, Value]:
    """c = a * b; d = c + 1.5, with d.backward(): hand-derived grads d/da = b, d/db = a."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + 1.5
    d.label = "d"
    d.backward()
    return a, b, c, d


def fill_of(source: str, text: str) -> str:
    line = next(x for x in source.splitlines() if text in x)
    return re.search(r'fillcolor="(#[0-9a-f]{6})"', line)[1]


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def mlp_loss(sizes: list[int], n_samples: int, use_dot: bool, seed: int = 0):
    """A hand-built MLP with nn-style parameter names and a hinge loss over a few samples."""
    rng = random.Random(seed)
    names: dict[Value, str] = {}
    layers = []
    for i, (nin, nout) in enumerate(zip(sizes, sizes[1:], strict=False)):
        layer = []
        for j in range(nout):
            w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
            b = Value(0.0)
            names.update({wk: f"layers.{i}.neurons.{j}.w.{k}" for k, wk in enumerate(w)})
            names[b] = f"layers.{i}.neurons.{j}.b"
            layer.append((w, b))
        layers.append(layer)
    losses = []
    for _ in range(n_samples):
        x = [Value(rng.uniform(-1, 1)) for _ in range(sizes[0])]
        for i, layer in enumerate(layers):
            if use_dot:
                acts = [dot(w, x, b) for w, b in layer]
            else:  # micrograd's neuron: a chain of adds
                acts = [sum((wk * xk for wk, xk in zip(w, x, strict=True)), b) for w, b in layer]
            x = [a.relu() for a in acts] if i < len(layers) - 1 else acts
        losses.append((1 + -rng.choice((-1, 1)) * x[0]).relu())
    loss = sum(losses, Value(0.0)) * (1.0 / n_samples)
    loss.backward()
    return loss, names


def group_nodes(source: str) -> list[str]:
    return re.findall(r'label="\{ (layers[\w.]*) \|', source)


def deep_graph(n: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = x
    for i in range(n):
        y = (y * 0.5).tanh() if i % 2 else y + x
    return x, y


def layers_on(x: list[float], sizes: list[int], seed: int = 0):
    """Hand-built ReLU layers (linear last) on float inputs, with nn-style parameter names."""
    rng = random.Random(seed)
    names: dict[Value, str] = {}
    acts: list = list(x)
    for i, nout in enumerate(sizes):
        layer = []
        for j in range(nout):
            w = [Value(rng.uniform(-1, 1)) for _ in acts]
            b = Value(rng.uniform(-0.5, 0.5))
            names.update({wk: f"layers.{i}.neurons.{j}.w.{k}" for k, wk in enumerate(w)})
            names[b] = f"layers.{i}.neurons.{j}.b"
            a = dot(w, acts, b)
            layer.append(a.relu() if i < len(sizes) - 1 else a)
        acts = layer
    return acts, names


def one_neuron(x: list[float], w: list[float], b: float, upstream: float):
    """relu(b + w . x) as group layers.0.neurons.0, then backward from upstream * output."""
    ws = [Value(wk) for wk in w]
    bv = Value(b)
    out = dot(ws, x, bv).relu()
    names = {wk: f"layers.0.neurons.0.w.{k}" for k, wk in enumerate(ws)}
    names[bv] = "layers.0.neurons.0.b"
    loss = out * upstream
    loss.backward()
    return loss, names


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def moons_loss(n: int = 100):
    """The README's training loss: MLP(2, [16, 16, 1]) on make_moons(n), hinge + 1e-4 L2."""
    import nn

    X, y = nn.make_moons(n=n, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    loss = nn.hinge([model(x) for x in X], y) + nn.l2(model, 1e-4)
    loss.backward()
    return loss, model


def fresh_python(code: str) -> str:
    """Run ``code`` in a new interpreter (imports start from nothing); its stdout. Fails the
    test when the code raises, as an ``assert`` in it does."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


# --- micrograd side by side ---


def micrograd_mlp(seed: int, nin: int, nouts: list[int]) -> Any:
    """micrograd's MLP drawn after random.seed(seed), leaving the global generator as it was."""
    micrograd_nn = pytest.importorskip("micrograd.nn")
    state = random.getstate()
    try:
        random.seed(seed)
        return micrograd_nn.MLP(nin, nouts)
    finally:
        random.setstate(state)


def readme_expression(Value: Any = Value) -> tuple[float, float, float]:
    """micrograd's README example, run on the given Value class; returns (g, dg/da, dg/db)."""
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def neuron() -> Value:
    """micrograd's neuron: o = tanh(x1*w1 + x2*w2 + b), with grad o/dn = 0.5."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


# --- the torch tests: random MLPs, the skip reason, torch parameters in nn's order ---


NEEDS_TORCH = "needs PyTorch (pip install -e '.[torch]'); .ci/torch runs these tests"
ACTIVATIONS = sorted(nn.ACTIVATIONS)


@st.composite
def mlps(draw: st.DrawFn, nout: int | None = None, max_nout: int = 3) -> nn.MLP:
    """An MLP of 1-3 layers with any activation per layer, biases or not per layer, no weight 0."""
    nin = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 5), max_size=2))
    last = nout if nout is not None else draw(st.integers(1, max_nout))
    model = nn.MLP(
        nin,
        [*hidden, last],
        activation=draw(st.sampled_from(ACTIVATIONS)),
        out_activation=draw(st.sampled_from(ACTIVATIONS)),
        bias=draw(st.booleans()),
        init=draw(st.sampled_from(sorted(nn.INITS))),
        seed=draw(st.integers(0, 2**16)),
    )
    if draw(st.booleans()):  # also layers that differ from each other
        for layer in model.layers:
            act, bias = draw(st.sampled_from(ACTIVATIONS)), draw(st.booleans())
            for n in layer.neurons:
                n.activation = act
                if not bias:
                    n.b = 0.0
    # NOTE: biases drawn away from 0, not left at nn's 0.0. A parameter at exactly 0 whose
    # gradient should cancel to 0 (balanced labels) gets 0 in one engine and 1 ulp in the other,
    # and Adam's L2 weight decay, normalised by sqrt(v), grows that to an O(lr) step.
    for p in model.parameters():
        if p.data == 0.0:
            p.data = draw(away_from_zero(0.05, 1.0))
    return model


def inputs(nin: int, max_rows: int = 5) -> st.SearchStrategy[list[list[float]]]:
    return st.lists(
        st.lists(reals(-2, 2), min_size=nin, max_size=nin), min_size=1, max_size=max_rows
    )


def torch_flat(net: Any, grad: bool = False) -> list[float]:
    """The Sequential's weights (or their .grad) in the order of ``nn`` ``parameters()``."""
    out: list[float] = []
    for m in net:
        if type(m).__name__ != "Linear":
            continue
        w = m.weight.grad if grad else m.weight
        b = None if m.bias is None else (m.bias.grad if grad else m.bias)
        for j in range(m.out_features):
            out.extend(w[j].tolist())
            if b is not None:
                out.append(b[j].item())
    return out


def bits(x: float) -> str:
    """A float as its exact bits: -0.0 differs from 0.0, NaN equals NaN."""
    return float(x).hex()


def close(a: float, b: float, rel: float = 1e-10) -> bool:
    """|a - b| <= rel * max(1, |a|, |b|): relative, but absolute near 0."""
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def all_close(xs: list[float], ys: list[float], rel: float = 1e-10) -> bool:
    return len(xs) == len(ys) and all(close(x, y, rel) for x, y in zip(xs, ys, strict=True))


# --- fit(compile=True) against eager fit ---


def trained(compile: bool, X: Any, y: Any, sizes: list[int], **kwargs: Any) -> tuple[Any, ...]:
    """(History, final weights, final grads) of a fit from fixed weights."""
    model = nn.MLP(len(X[0]), sizes, seed=1)
    if "optimizer" in kwargs:
        kwargs["optimizer"] = kwargs["optimizer"](model)
    history = nn.fit(model, X, y, progress=False, compile=compile, **kwargs)
    return history, [p.data for p in model.parameters()], [p.grad for p in model.parameters()]


def assert_same_training(eager: tuple[Any, ...], compiled: tuple[Any, ...]) -> None:
    """The same History, weights and grads, bit for bit (float.hex: -0.0 is not 0.0)."""
    (h1, w1, g1), (h2, w2, g2) = eager, compiled

    def hexes(xs: list[float]) -> list[str]:
        return [bits(x) for x in xs]

    assert hexes(h2.loss) == hexes(h1.loss) and h2.accuracy == h1.accuracy and h2.lr == h1.lr
    assert hexes(h2.epoch_loss) == hexes(h1.epoch_loss)
    assert h2.epoch_accuracy == h1.epoch_accuracy
    assert (h2.steps, h2.stopped_early) == (h1.steps, h1.stopped_early)
    assert hexes(w2) == hexes(w1) and hexes(g2) == hexes(g1)
