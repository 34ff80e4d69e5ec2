"""Drawing benchmark: build time, render time (to SVG) and SVG size against the size drawn.

Run ``python -m benchmarks.draw``. Graphs: the README's moons model (MLP(2, [16, 16, 1]), hinge
loss + L2) on n samples, drawn whole (small n) and with draw_dot's default node budget (all n).
Renders with whatever ``find_renderer`` picks (``dot``, else graphviz-pure).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import nn
from autograd import Value
from autograd.viz import draw_dot, find_renderer


def moons_loss(n: int) -> tuple[Value, nn.MLP]:
    """The README's training loss on n two-moons points, after backward."""
    X, y = nn.make_moons(n=n, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    loss = nn.hinge([model(x) for x in X], y) + nn.l2(model, 1e-4)
    loss.backward()
    return loss, model


def measure(loss: Value, **kwargs: Any) -> tuple[float, float, int, int, int]:
    """(build s, render s, drawn nodes, drawn edges, SVG bytes) for one drawing."""
    t0 = time.perf_counter()
    drawing = draw_dot(loss, **kwargs)
    t1 = time.perf_counter()
    svg = drawing.pipe(format="svg")
    t2 = time.perf_counter()
    source = drawing.source
    nodes = sum(1 for line in source.splitlines() if "[label=" in line and "->" not in line)
    return t1 - t0, t2 - t1, nodes, source.count(" -> "), len(svg)


def main() -> int:
    renderer = find_renderer()
    if renderer is None:
        print("no renderer (dot or graphviz-pure) installed", file=sys.stderr)
        return 1
    print(f"renderer: {renderer}")
    print(
        f"{'graph':<28} {'values':>7} {'nodes':>6} {'edges':>6} {'build s':>8} "
        f"{'render s':>9} {'SVG KB':>8}"
    )
    cases: list[tuple[int, str, dict[str, Any]]] = [
        (1, "whole", {"max_nodes": None}),
        (2, "whole", {"max_nodes": None}),
        (4, "whole", {"max_nodes": None}),
        (8, "whole", {"max_nodes": None}),
        (8, "default budget", {}),
        (20, "default budget", {}),
        (100, "default budget", {}),
        (100, "default budget, names", {"names": "model"}),
        (100, "collapse=neuron, 1000", {"names": "model", "collapse": "neuron", "max_nodes": 1000}),
    ]
    for n, how, kwargs in cases:
        loss, model = moons_loss(n)
        if kwargs.get("names") == "model":
            kwargs = {**kwargs, "names": model}
        values = _count(loss)
        build, render, nodes, edges, size = measure(loss, **kwargs)
        print(
            f"{f'moons n={n}, {how}':<28} {values:>7} {nodes:>6} {edges:>6} {build:>8.2f} "
            f"{render:>9.2f} {size / 1024:>8.0f}"
        )
    return 0


def _count(root: Value) -> int:
    from autograd import topological_order

    return len(topological_order(root))


if __name__ == "__main__":
    raise SystemExit(main())
