"""Helpers shared by the drawing tests (tests/test_viz_*.py): parsing DOT, small known graphs."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET

import pytest

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
