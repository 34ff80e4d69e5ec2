"""Random programs, run eagerly and traced: a trace either refuses (TraceError) or replays to
the eager value and gradients bit for bit on new inputs, a data-dependent branch being caught
by a guard (GuardError; with retrace=True, traced again and equal)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpers import bits
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import reals

from autograd import GuardError, TraceError, Value, trace

Step = tuple[str, int, int, float]
Program = tuple[int, tuple[Step, ...]]


class Outside:
    """Values made before the trace: a leaf (read live), a detached copy of a node (a live
    constant) and a node (which a replay could not recompute)."""

    def __init__(self) -> None:
        self.leaf = Value(0.75, label="w")
        self.node = self.leaf * self.leaf
        self.constant = self.node.detach()


# step k reads earlier nodes a, b, a constant c, and the Values made outside
OPS: dict[str, Callable[[Value, Value, float, Outside], Value]] = {
    "add": lambda a, b, c, o: a + b,
    "mul": lambda a, b, c, o: a * b,
    "scale": lambda a, b, c, o: a * c,
    "tanh": lambda a, b, c, o: (a + c).tanh(),
    "sin": lambda a, b, c, o: a.sin(),
    "relu": lambda a, b, c, o: (a - c).relu(),
    # data-dependent branches: comparisons, which a trace turns into guards
    "branch": lambda a, b, c, o: a * c if a > b else b - a,
    "sign": lambda a, b, c, o: a if a > c else -a,
    "max": lambda a, b, c, o: max(a, b),
    # Values made outside: a leaf and a detached constant are read live
    "leaf": lambda a, b, c, o: a * o.leaf + c,
    "constant": lambda a, b, c, o: a * o.constant,
    # what a trace cannot follow, and must refuse
    "data": lambda a, b, c, o: a * a.data,
    "float": lambda a, b, c, o: a + float(b) * c,
    "detach": lambda a, b, c, o: a * b.detach(),
    "node": lambda a, b, c, o: a * o.node,
}
REFUSED = {"data", "float", "detach", "node"}


@st.composite
def programs(draw: st.DrawFn) -> Program:
    """1-3 inputs, then 1-6 steps over earlier nodes; a quarter of programs hold a refused op."""
    n = draw(st.integers(1, 3))
    size = draw(st.integers(1, 6))
    refuse_at = draw(st.integers(0, 4 * size - 1))  # a step index, a quarter of the time
    safe = st.sampled_from([k for k in OPS if k not in REFUSED])
    steps = []
    for k in range(size):
        i, j = draw(st.integers(0, n + k - 1)), draw(st.integers(0, n + k - 1))
        kind = draw(st.sampled_from(sorted(REFUSED)) if k == refuse_at else safe)
        steps.append((kind, i, j, draw(reals(-2, 2))))
    return n, tuple(steps)


def run(program: Program, xs: tuple[Any, ...], outside: Outside) -> Value:
    """The program on inputs xs; the output reads every node, so every step is used."""
    nodes = list(xs)
    for kind, i, j, c in program[1]:
        nodes.append(OPS[kind](nodes[i], nodes[j], c, outside))
    out = nodes[-1]
    for v in nodes[:-1]:
        out = out + v * 0.5
    return out


def eager(program: Program, point: list[float], outside: Outside) -> tuple[str, list[str], str]:
    """(value, d/d inputs, d/d outside leaf) as bits, by the engine's own backward."""
    xs = [Value(x) for x in point]
    out = run(program, tuple(xs), outside)
    outside.leaf.grad = 0.0
    out.backward()
    return bits(out.data), [bits(x.grad) for x in xs], bits(outside.leaf.grad)


points = st.lists(reals(-2, 2), min_size=3, max_size=3)


@settings(max_examples=100)
@given(programs(), points, st.lists(points, min_size=3, max_size=3), reals(-1.5, 1.5))
def test_a_trace_refuses_or_replays_eagerly_on_new_inputs(program, at, new_points, leaf):
    n = program[0]
    outside = Outside()
    refused = any(kind in REFUSED for kind, *_ in program[1])

    def f(*xs: Value) -> Value:
        return run(program, xs, outside)

    try:
        compiled = trace(f, *at[:n])
    except TraceError:
        assert refused
        event("refused")
        return
    assert not refused
    again = trace(f, *at[:n], retrace=True)
    event(f"{len(compiled.guards)} guards" if len(compiled.guards) < 2 else "2+ guards")
    for point in new_points:
        point = point[:n]
        outside.leaf.data = leaf  # outside leaves and constants are read live
        outside.constant.data = -leaf
        value, grads, leaf_grad = eager(program, point, outside)
        try:
            got, got_grads = compiled.value_and_grad(*point)
        except GuardError:  # the function's structure depends on the data: retrace follows it
            event("guard failed")
        else:
            assert (bits(got), [bits(g) for g in got_grads]) == (value, grads)
        got, got_grads = again.value_and_grad(*point)
        assert (bits(got), [bits(g) for g in got_grads]) == (value, grads)
        outside.leaf.grad = 0.0
        assert bits(again.backward(*point)) == value  # and .grad of the outside leaf as eager
        assert bits(outside.leaf.grad) == leaf_grad
