"""Seeing big graphs costs what is shown: explore and draw_dot build times by graph size.

Run ``python -m benchmarks.explore_scale`` (``--quick``: small sizes only). The graph is the
README's moons loss (MLP(2, [16, 16, 1]), hinge + L2) on n points after backward, drawn with
``names=model``; 1,400 points make 95,542 values. Each call is timed ``--rounds`` times
(default 3) in this process and the median printed; building the graph is not counted. The page
and the drawing stay the same size as n grows (the budget), so the time should grow only by
the few linear walks over the graph (topological order, backward, grouping).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

from autograd import draw_dot, explore, topological_order
from benchmarks.draw import moons_loss

FULL = [100, 350, 700, 1400]
QUICK = [10, 40]


def median_time(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.explore_scale")
    parser.add_argument("--quick", action="store_true", help="small graphs only (about 1 s)")
    parser.add_argument("--rounds", type=int, default=3, help="timings per call (median)")
    parser.add_argument("--sizes", type=int, nargs="*", help="moons points per graph")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    sizes = args.sizes or (QUICK if args.quick else FULL)
    rounds = 1 if args.quick else max(1, args.rounds)
    print(
        f"{'moons points':>12} {'values':>8} {'explore s':>10} {'page KB':>8} "
        f"{'draw_dot s':>11} {'draw_dot, no names s':>21}"
    )
    for n in sizes:
        loss, model = moons_loss(n)
        values = len(topological_order(loss))
        page = explore(loss, names=model).html
        t_explore = median_time(partial(explore, loss, names=model), rounds)
        t_draw = median_time(partial(draw_dot, loss, names=model), rounds)
        t_plain = median_time(partial(draw_dot, loss), rounds)
        print(
            f"{n:>12} {values:>8} {t_explore:>10.3f} {len(page) / 1024:>8.0f} "
            f"{t_draw:>11.3f} {t_plain:>21.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
