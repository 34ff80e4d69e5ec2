"""The benchmark suite runs (tiny sizes) and its correctness checks pass; no timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from operator import mul
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmarks_print_the_table_and_match_micrograd():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "| benchmark" in out and "| micrograd" in out
    for row in ("demo step", "generic graph", "memory per node", "deepest chain"):
        assert row in out
    assert "same loss and gradients as micrograd" in out and "(limit 1e-12): OK" in out
    assert "compiled step equals eager step bit for bit: OK" in out


def test_alternated_rotates_and_reverses_the_order_each_round():
    from benchmarks.timing import alternated

    ran = []
    configs = {name: (lambda name=name: ran.append(name) or 0.0) for name in "abc"}
    results = alternated(configs, rounds=3)
    assert ran == ["a", "b", "c", "a", "c", "b", "c", "a", "b"]
    assert results == {"a": [0.0] * 3, "b": [0.0] * 3, "c": [0.0] * 3}


def test_median_ratio_pairs_the_times_round_by_round():
    from benchmarks.timing import median_ratio

    # a slow round slows both engines: the per-round ratios stay 2, 2, 2
    assert median_ratio([2.0, 20.0, 4.0], [1.0, 10.0, 2.0]) == 2.0


def test_every_engine_is_timed_from_the_same_weights():
    from benchmarks import demo_step

    X, y = demo_step.moons(10)
    _, runners = demo_step.runners([2, 4, 4, 1], X, y, seed=1)
    first = {}
    for name, (step, reset) in runners.items():
        reset()
        first[name] = step()
        step()  # training moves the weights on...
        reset()  # ...and reset puts them back: the next step gives the first loss again
        assert step() == first[name], name
    mg = first["micrograd"]
    assert all(abs(loss - mg) <= 1e-12 * abs(mg) for loss in first.values()), first


def test_float_step_goes_through_backward_for_samples_past_the_margin(monkeypatch):
    from benchmarks import demo_step

    X, y = demo_step.moons(10)
    layers = demo_step.float_weights(demo_step.micrograd_model([2, 4, 4, 1], seed=1))
    W, B = layers[-1]
    W[0][:] = [100.0 * w for w in W[0]]  # large scores: some samples land past the margin

    def score(x):
        for i, (W, B) in enumerate(layers):
            x = [sum(map(mul, w, x), b) for w, b in zip(W, B, strict=True)]
            x = x if i == len(layers) - 1 else [max(a, 0.0) for a in x]
        return x[0]

    past = sum(1 for x, t in zip(X, y, strict=True) if 1.0 - t * score(x) <= 0.0)
    assert 0 < past < len(X)
    calls = []
    monkeypatch.setattr(demo_step, "repeat", lambda g: calls.append(g) or [g] * 64)
    demo_step.float_step(layers, X, y)
    # a weight-gradient row per neuron for every sample, then one per row and bias for L2
    neurons = sum(len(W) for W, _ in layers)
    assert len(calls) == neurons * len(X) + neurons + len(layers)
