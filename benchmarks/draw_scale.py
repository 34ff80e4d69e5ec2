"""Seeing big graphs: time and peak memory of draw_dot, explore and step_through by graph size.

Run ``python -m benchmarks.draw_scale`` (add ``--quick`` for small sizes). Each case runs in a
fresh interpreter so its peak memory (ru_maxrss) is its own; the graph is built first and its
build is not counted: 'time s' and 'extra MB' are the drawing call alone.

Graphs: a chain ``y = y * 1.0000001`` of n ops, and the README's moons loss (MLP(2, [16, 16, 1]),
hinge + L2) on n samples, after backward. step_through is timed recording every step and
drawing its first and last frames.
"""

from __future__ import annotations

import json
import subprocess
import sys

CASE = r"""
import json, resource, sys, time
sys.setrecursionlimit(10000)
import nn
from autograd import Value, draw_dot, explore, step_through
graph, n, call = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if graph == "chain":
    x = Value(1.0, label="x")
    y = x
    for _ in range(n):
        y = y * 1.0000001
    model = None
else:
    X, t = nn.make_moons(n=n, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    y = nn.hinge([model(p) for p in X], t) + nn.l2(model, 1e-4)
y.backward()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
if call == "draw_dot":
    out = draw_dot(y, names=model).source
elif call == "explore":
    out = explore(y, names=model).html
else:
    steps = step_through(y, names=model)
    out = steps.draw(0).source + steps.draw(len(steps) - 1).source
t1 = time.perf_counter()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from autograd import topological_order
print(json.dumps({"values": len(topological_order(y)), "s": t1 - t0,
                  "mb": (after - before) / 1024, "kb": len(out) / 1024}))
"""

FULL = [
    ("chain", 1_000_000, "draw_dot"),
    ("chain", 1_000_000, "explore"),
    ("chain", 1_000_000, "step_through"),
    ("moons", 280, "draw_dot"),
    ("moons", 1400, "explore"),
    ("moons", 100, "step_through"),
]
QUICK = [
    ("chain", 20_000, "draw_dot"),
    ("chain", 20_000, "explore"),
    ("chain", 20_000, "step_through"),
    ("moons", 20, "explore"),
]


def run(graph: str, n: int, call: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CASE, graph, str(n), call],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        return {"error": 1.0}
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cases = QUICK if "--quick" in argv else FULL
    print(f"{'graph':<16} {'call':<13} {'values':>9} {'time s':>8} {'extra MB':>9} {'page KB':>8}")
    for graph, n, call in cases:
        r = run(graph, n, call)
        what = f"{graph} n={n}"
        if "error" in r:
            print(f"{what:<16} {call:<13} failed")
            continue
        print(
            f"{what:<16} {call:<13} {int(r['values']):>9} {r['s']:>8.2f} {r['mb']:>9.0f} "
            f"{r['kb']:>8.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
