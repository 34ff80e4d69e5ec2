"""Run every benchmark and print one table: ``python -m benchmarks [--quick]``.

Each row times micrograd and chainrule on the same work in this process, with the garbage
collector on; ratios are micrograd's time over ours. ``--quick`` runs tiny sizes (for tests).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import micrograd.engine

import autograd

from . import demo_step, generic_graph, memory
from .timing import once, per_call

# Consecutive calls per block: micrograd, chainrule, then compiled and floats. A block holds
# several steps so that collecting one step's garbage during the next is billed, as for users
# (micrograd's closures make reference cycles, which only the collector frees).
FULL = {
    "points": 100,
    "sizes": [2, 16, 16, 1],
    "exprs": [5000, 30000],
    "chain": 1_000_000,
    "mem_chain": 100_000,
    "calls": (3, 10, 50),
    "blocks": 5,
}
QUICK = {
    "points": 8,
    "sizes": [2, 4, 4, 1],
    "exprs": [200],
    "chain": 10_000,
    "mem_chain": 2_000,
    "calls": (1, 1, 2),
    "blocks": 1,
}


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:.3g}x"


def demo_rows(cfg: dict) -> tuple[list[list[str]], tuple[float, bool]]:
    X, y = demo_step.moons(cfg["points"])
    sizes = cfg["sizes"]
    same = demo_step.check_same(sizes, X, y, seed=1)
    # Each engine gets its own copy of the same initial weights, and is timed on its own: no
    # other engine's graph is alive meanwhile (the collector's cost grows with what is alive).
    steps: dict[str, Callable[[Any], Callable[[], Any]]] = {
        "micrograd": lambda mg: partial(demo_step.micrograd_step, mg, X, y),
        "chainrule": lambda mg: demo_step.chainrule_step_fn(demo_step.chainrule_model(mg), X, y),
        "compiled": lambda mg: demo_step.compiled_step_fn(demo_step.chainrule_model(mg), X, y),
        "floats": lambda mg: partial(demo_step.float_step, demo_step.float_weights(mg), X, y),
    }
    rows = []
    name = f"demo step ({cfg['points']} moons, MLP {'-'.join(map(str, sizes))})"
    for gc_on in (True, False):
        t = {}
        for engine, make in steps.items():
            step = make(demo_step.micrograd_model(sizes, seed=1))
            t_first, _ = once(step)  # warm up; for compiled: trace, generate and compile
            if engine == "compiled":
                t_compile = t_first
            calls = cfg["calls"][min(list(steps).index(engine), 2)]
            t[engine] = per_call(step, calls=calls, blocks=cfg["blocks"], gc_on=gc_on)
            del step
        mg = t["micrograd"]
        rows.append(
            [
                f"{name}, GC {'on' if gc_on else 'off'}",
                ms(mg),
                ms(t["chainrule"]),
                ratio(mg, t["chainrule"]),
                ms(t["compiled"]),
                ratio(mg, t["compiled"]),
                ms(t["floats"]),
                ratio(mg, t["floats"]),
            ]
        )
    rows.append(["  compiling it (trace + codegen, once)", "", "", "", ms(t_compile), "", "", ""])
    return rows, same


def generic_rows(cfg: dict) -> tuple[list[list[str]], list[float]]:
    rows, backward_over_build = [], []
    for n_exprs in cfg["exprs"]:
        data = generic_graph.leaf_data(100)
        build = generic_graph.builder(n_exprs, 100)
        times: dict[str, list[tuple[float, float]]] = {"micrograd": [], "chainrule": []}
        for _ in range(3):  # rounds: one graph per engine in turn; keep each engine's best
            for engine, Value in (
                ("micrograd", micrograd.engine.Value),
                ("chainrule", autograd.Value),
            ):
                t_build, root = once(partial(build, [Value(d) for d in data]))
                t_back, _ = once(root.backward)
                times[engine].append((t_build, t_back))
                del root
        nodes = len(autograd.topological_order(build([autograd.Value(d) for d in data])))
        float_build = partial(generic_graph.builder(n_exprs, 100, floats=True), data)
        t_float = per_call(float_build, calls=3, blocks=3)
        mb, mw = (min(t[i] for t in times["micrograd"]) for i in (0, 1))
        ob, ow = (min(t[i] for t in times["chainrule"]) for i in (0, 1))
        backward_over_build.append(ow / ob)
        label = f"generic graph, {nodes:,} nodes"
        rows += [
            [f"{label}: build", ms(mb), ms(ob), ratio(mb, ob), "", "", ms(t_float), ""],
            [f"{label}: backward", ms(mw), ms(ow), ratio(mw, ow), "", "", "", ""],
            [f"{label}: both", ms(mb + mw), ms(ob + ow), ratio(mb + mw, ob + ow), "", "", "", ""],
        ]
    return rows, backward_over_build


def memory_rows(cfg: dict) -> list[list[str]]:
    n = cfg["mem_chain"]
    rows = []
    for constants in (False, True):
        mg = memory.bytes_per_node(micrograd.engine.Value, n, constants)
        ours = memory.bytes_per_node(autograd.Value, n, constants)
        kind = "x * a + b, numbers a, b" if constants else "x * a + b, Values a, b"
        rows.append(
            [
                f"memory per node: chain of {n:,} ({kind})",
                f"{mg:.0f} B",
                f"{ours:.0f} B",
                f"{mg / ours:.3g}x less",
                "",
                "",
                "",
                "",
            ]
        )
    deepest = memory.deepest_micrograd(limit=4 * memory.recursion_limit())
    t_build, t_back = memory.deep_chainrule(cfg["chain"])
    rows.append(
        [
            "deepest chain backward",
            f"{deepest:,} (RecursionError)",
            f"{cfg['chain']:,}: {ms(t_build)} + {ms(t_back)}",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    return rows


HEADER = [
    "benchmark",
    "micrograd",
    "chainrule",
    "speed-up",
    "compiled",
    "speed-up",
    "floats (floor)",
    "speed-up",
]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + " |"  # noqa: E731
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(HEADER), rule, *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a few seconds")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    start = time.perf_counter()
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{'quick' if args.quick else 'full'} sizes; times per step; "
        "garbage collector on unless a row says off\n"
    )
    demo, (worst, bit_exact) = demo_rows(cfg)
    generic, back_over_build = generic_rows(cfg)
    rows = demo + generic + memory_rows(cfg)
    print(table(rows))
    ok = worst <= 1e-12
    print(
        "\nsame loss and gradients as micrograd (floats: same loss and update): "
        f"max relative difference {worst:.2g} "
        f"(limit 1e-12): {'OK' if ok else 'FAILED'}"
    )
    print(f"compiled step equals eager step bit for bit: {'OK' if bit_exact else 'FAILED'}")
    print(
        "backward / build time, generic graph: "
        + ", ".join(f"{r:.2f}" for r in back_over_build)
        + " (target <= 1.5)"
    )
    print(f"\ntotal benchmark time {time.perf_counter() - start:.1f} s")
    return 0 if ok and bit_exact else 1


if __name__ == "__main__":
    sys.exit(main())
