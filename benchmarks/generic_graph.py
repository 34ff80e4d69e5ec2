"""Benchmark 2: a graph no fusion helps, made only of ops micrograd has (* + - ** relu).

Thousands of short random expressions over shared leaves, joined by a balanced tree of ``+``
(so micrograd's recursive topological sort stays shallow). The expressions are generated as
Python source, so the timed build is the engines' work, not an interpreter of ours. Timed:
building the graph and the backward pass; the floor evaluates the same expressions on floats.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any


def expression(rng: random.Random, n_leaves: int, depth: int, relu: str) -> str:
    """A random expression as source over leaves ``x[i]``; ``relu`` formats a relu of ``{}``."""
    if depth == 0 or rng.random() < 0.15:
        return f"x[{rng.randrange(n_leaves)}]"
    kind = rng.randrange(7)
    a = expression(rng, n_leaves, depth - 1, relu)
    c = round(rng.uniform(-1.5, 1.5), 3)
    if kind == 0:
        return f"({a} ** 2)"
    if kind == 1:
        return relu.format(a)
    if kind == 2:
        return f"({a} * {c})"
    b = expression(rng, n_leaves, depth - 1, relu)
    return f"({a} {'*+-+'[kind - 3]} {b})"


def builder(n_exprs: int, n_leaves: int, floats: bool = False, seed: int = 0) -> Callable:
    """``build(x)``: every expression on the leaves ``x``, summed by a balanced tree of ``+``."""
    rng = random.Random(seed)
    relu = "_relu({})" if floats else "({}).relu()"
    exprs = [expression(rng, n_leaves, 3, relu) for _ in range(n_exprs)]
    source = "def build(x):\n    terms = [\n" + "".join(f"        {e},\n" for e in exprs)
    source += "    ]\n    return balanced_sum(terms)\n"
    ns: dict[str, Any] = {"balanced_sum": balanced_sum, "_relu": lambda a: a if a > 0.0 else 0.0}
    exec(compile(source, "<generic graph>", "exec"), ns)
    return ns["build"]


def balanced_sum(terms: list[Any]) -> Any:
    while len(terms) > 1:  # depth log2(n), so micrograd's recursion copes
        pairs = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        terms = pairs + terms[len(terms) - len(terms) % 2 :]
    return terms[0]


def leaf_data(n: int, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(n)]
