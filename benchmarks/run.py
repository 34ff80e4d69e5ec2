"""Run every benchmark and print one table: ``python -m benchmarks [--quick]``.

Every row times micrograd and chainrule on the same work in this process. The configurations
(engines, collector on and off) alternate round by round, and each speed-up is the median over
rounds of micrograd's time over ours in that round. ``--quick`` runs tiny sizes (for tests).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import micrograd.engine

import autograd

from . import demo_step, generic_graph, memory
from .timing import alternated, median_ratio, once, timed

# rounds: how many times each configuration runs, alternated; steps: consecutive training
# steps per timing, the same for every engine (so that collecting one step's garbage during the
# next is billed, as for users: micrograd's closures make reference cycles only the collector
# frees), all from the same weights.
FULL = {
    "points": 100,
    "sizes": [2, 16, 16, 1],
    "rounds": 7,
    "steps": 2,
    "exprs": [5000, 30000],
    "generic_rounds": 3,
    "chain": 1_000_000,
    "mem_chain": 100_000,
}
QUICK = {
    "points": 8,
    "sizes": [2, 4, 4, 1],
    "rounds": 2,
    "steps": 1,
    "exprs": [200],
    "generic_rounds": 2,
    "chain": 10_000,
    "mem_chain": 2_000,
}
ENGINES = ("micrograd", "chainrule", "compiled", "floats")


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def row(*cells: str) -> list[str]:
    """A table row: the cells given, then empty ones."""
    return [*cells] + [""] * (len(HEADER) - len(cells))


def times(x: float) -> str:
    return f"{x:.3g}x"


def demo_rows(cfg: dict) -> tuple[list[list[str]], tuple[float, bool]]:
    X, y = demo_step.moons(cfg["points"])
    sizes = cfg["sizes"]
    same = demo_step.check_same(sizes, X, y, seed=1)
    _, runners = demo_step.runners(sizes, X, y, seed=1)

    def block(engine: str, gc_on: bool) -> float:
        step, reset = runners[engine]
        reset()  # every engine, every round: the same steps from the same weights
        return timed(lambda: [step() for _ in range(cfg["steps"])], gc_on=gc_on) / cfg["steps"]

    configs = {
        f"{engine}, GC {'on' if gc_on else 'off'}": partial(block, engine, gc_on)
        for gc_on in (True, False)
        for engine in ENGINES
    }
    results = alternated(configs, cfg["rounds"])
    rows = []
    name = f"demo step ({cfg['points']} moons, MLP {'-'.join(map(str, sizes))})"
    for gc in ("on", "off"):
        t = {engine: results[f"{engine}, GC {gc}"] for engine in ENGINES}
        mg = t["micrograd"]
        cells = [f"{name}, GC {gc}", ms(statistics.median(mg))]
        for engine in ENGINES[1:]:
            cells += [ms(statistics.median(t[engine])), times(median_ratio(mg, t[engine]))]
        rows.append(cells)
    # NOTE: the median of a few fresh compiles (the first one pays for imports and warm-up);
    # the whole trace (one line per node, as 0.2.0 compiled) once, for comparison
    loop = [demo_step.compile_seconds(sizes, X, y, whole=False) for _ in range(5)]
    whole = demo_step.compile_seconds(sizes, X, y, whole=True)
    rows.append(
        row(
            "  compiling it (trace + codegen, once)",
            "",
            "",
            "",
            f"{ms(statistics.median(loop))} (whole trace: {ms(whole)})",
        )
    )
    return rows, same


def build_and_backward(
    build: Callable[[list[Any]], Any], data: list[float], Value: type
) -> tuple[float, float]:
    """Seconds to build the generic graph on leaves of type ``Value``, and to backpropagate."""
    t_build, root = once(partial(build, [Value(d) for d in data]))
    t_back, _ = once(root.backward)
    return t_build, t_back


def build_floats(float_build: Callable[[], Any]) -> tuple[float, float]:
    return timed(float_build), 0.0


def generic_rows(cfg: dict) -> tuple[list[list[str]], list[float]]:
    rows, backward_over_build = [], []
    for n_exprs in cfg["exprs"]:
        data = generic_graph.leaf_data(100)
        build = generic_graph.builder(n_exprs, 100)
        float_build = partial(generic_graph.builder(n_exprs, 100, floats=True), data)

        # one graph per engine in turn, alternated; the floor evaluates the same expressions
        results = alternated(
            {
                "micrograd": partial(build_and_backward, build, data, micrograd.engine.Value),
                "chainrule": partial(build_and_backward, build, data, autograd.Value),
                "floats": partial(build_floats, float_build),
            },
            cfg["generic_rounds"],
        )
        nodes = len(autograd.topological_order(build([autograd.Value(d) for d in data])))
        mg, ours = results["micrograd"], results["chainrule"]
        mb, mw, ob, ow, fb = (
            [t[i] for t in ts]
            for ts, i in [(mg, 0), (mg, 1), (ours, 0), (ours, 1), (results["floats"], 0)]
        )
        mt, ot = [b + w for b, w in mg], [b + w for b, w in ours]
        med = statistics.median
        backward_over_build.append(median_ratio(ow, ob))
        label = f"generic graph, {nodes:,} nodes"
        rows += [
            row(f"{label}: build", ms(med(mb)), ms(med(ob)), times(median_ratio(mb, ob)))[:6]
            + [ms(med(fb)), times(median_ratio(mb, fb))],
            row(f"{label}: backward", ms(med(mw)), ms(med(ow)), times(median_ratio(mw, ow))),
            row(f"{label}: both", ms(med(mt)), ms(med(ot)), times(median_ratio(mt, ot))),
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
            row(
                f"memory per node: chain of {n:,} ({kind})",
                f"{mg:.0f} B",
                f"{ours:.0f} B",
                f"{mg / ours:.3g}x less",
            )
        )
    deepest = memory.deepest_micrograd(limit=4 * memory.recursion_limit())
    t_build, t_back = memory.deep_chainrule(cfg["chain"])
    rows.append(
        row(
            "deepest chain backward",
            f"{deepest:,} (RecursionError)",
            f"{cfg['chain']:,}: {ms(t_build)} + {ms(t_back)}",
        )
    )
    return rows


HEADER = [
    "benchmark",
    "micrograd",
    "chainrule",
    "speed-up",
    "compiled",
    "speed-up",
    "floats by hand",
    "speed-up",
]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + " |"  # noqa: E731
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(HEADER), rule, *map(line, rows)])


def machine() -> str:
    """The processor, cores, load, Python and date: what a reader needs to weigh the numbers."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
        f"{cpu}, {os.cpu_count()} cores{load}; {now}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a few seconds")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    start = time.perf_counter()
    print(machine())
    print(
        f"{'quick' if args.quick else 'full'} sizes; times per step are medians of "
        f"{cfg['rounds']} rounds ({cfg['generic_rounds']} for the generic graph) with the "
        "configurations alternated in this process; speed-ups are medians of per-round ratios; "
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
    print(f"total benchmark time {time.perf_counter() - start:.1f} s")
    return 0 if ok and bit_exact else 1


if __name__ == "__main__":
    sys.exit(main())
