"""Issue 9, the engine's layout: a new op is one table entry (drawn, grouped, traced and
differentiated twice), step_through is the engine's own backward, one graph walk, no import
cycle, and the op table describes every op in full."""

from __future__ import annotations

import ast
import math
import sys
from functools import reduce
from pathlib import Path

import pytest
from helpers import bits, parse
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import SMOOTH, programs, run

import autograd
from autograd import (
    Value,
    define_op,
    grad,
    ops,
    step_through,
    topological_order,
    trace,
    value_and_grad,
)
from autograd.ops import KINDS, OPS

ROOT = Path(autograd.__file__).parent.parent


# --- a new op is one entry in one file ---


def cube_rule(a: float) -> ops.Rule:
    """a ** 3; d/da = 3 a ** 2."""
    return a * a * a, (3.0 * a * a,)


cube = define_op(
    "redesign_cube", cube_rule, lambda out, a: (3.0 * a * a,), kind="activation", symbol="cube³"
)


def cube_of_neuron():
    """cube(b + w . x) on the one neuron of MLP(2, [1]) (a linear layer), after backward."""
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [1], seed=3)
    out = cube(model([0.5, -1.0]))
    out.backward()
    return out, model


def test_a_user_op_is_drawn_with_its_symbol():
    pytest.importorskip("graphviz")
    from autograd import draw_dot

    out, _ = cube_of_neuron()
    source = draw_dot(out).source
    assert '[label="cube³" shape=ellipse]' in source
    assert "redesign_cube" not in source


def test_a_user_activation_is_grouped_into_the_neuron_it_follows():
    pytest.importorskip("graphviz")
    from autograd import draw_dot

    out, model = cube_of_neuron()
    nodes, _ = parse(draw_dot(out, names=model, collapse="neuron").source)
    (group,) = [label for label in nodes.values() if "layers.0.neurons.0" in label]
    assert "3 params, 2 ops" in group  # the dot and the user's activation
    assert "cube³" not in nodes.values()  # no op node left outside the neuron


def test_a_user_activation_of_kind_function_stays_outside_the_neuron():
    pytest.importorskip("graphviz")
    nn = pytest.importorskip("nn")
    from autograd import draw_dot

    plain = define_op("redesign_cube_plain", cube_rule, kind="function", symbol="c3")
    model = nn.MLP(2, [1], seed=3)
    out = plain(model([0.5, -1.0]))
    nodes, _ = parse(draw_dot(out, names=model, collapse="neuron").source)
    assert "c3" in nodes.values()
    assert any("3 params, 1 op " in label for label in nodes.values())


def cube_program(x, y):
    return cube(x * y + x.sin()) + cube(y) * x


@pytest.mark.parametrize("point", [(0.7, -1.3), (-2.0, 0.25), (1.5, 1.5)])
def test_a_user_op_compiles_to_the_eager_value_and_gradients_bit_for_bit(point):
    compiled = trace(cube_program, 0.3, 0.9)  # traced at one point, replayed at others
    eager_value, eager_grads = value_and_grad(cube_program, argnums=(0, 1))(*point)
    value, (gx, gy) = compiled.value_and_grad(*point)
    assert bits(value) == bits(eager_value) == bits(compiled(*point))
    assert (bits(gx), bits(gy)) == tuple(map(bits, eager_grads))
    assert "rule_redesign_cube" in compiled.source  # called by its rule, from the registry


@pytest.mark.parametrize("x", [-1.7, -0.4, 0.3, 2.1])
def test_a_user_op_differentiates_twice_like_finite_differences_of_its_first_derivative(x):
    def f(x):
        return cube(x.sin() * 1.5)

    first, second = grad(f), grad(grad(f))
    h = 1e-5
    numeric = (first(x + h) - first(x - h)) / (2 * h)
    assert second(x) == pytest.approx(numeric, rel=1e-6, abs=1e-8)
    # by hand: f' = 3 (1.5 sin x)**2 * 1.5 cos x
    assert first(x) == pytest.approx(3 * (1.5 * math.sin(x)) ** 2 * 1.5 * math.cos(x), rel=1e-12)


def test_the_user_op_is_one_registry_entry_with_every_view():
    entry = ops.REGISTRY["redesign_cube"]
    assert (entry.kind, entry.symbol) == ("activation", "cube³")
    assert entry.rule(2.0) == (8.0, (12.0,))
    assert cube.op is entry


# --- step_through is backward(), watched ---


def uses(order: list[Value]) -> dict[Value, int]:
    count: dict[Value, int] = {}
    for v in order:
        for p in v._parents:
            count[p] = count.get(p, 0) + 1
    return count


@settings(max_examples=60)
@given(
    programs(SMOOTH, max_inputs=3, max_steps=8),
    st.lists(st.floats(-2, 2), min_size=3, max_size=3),
    st.sampled_from([-1.75, 0.5, 3.0]),
)
def test_step_through_gradients_equal_backward_bit_for_bit_with_heavy_reuse(program, xs, seed):
    leaves = [Value(x) for x in xs[: program[0]]]
    x0 = leaves[0]
    root = run(program, leaves) + x0 * x0 * x0  # x0 is used three times and more
    order = topological_order(root)
    assert max(uses(order).values()) >= 3
    for k, v in enumerate(order):  # stale grads that neither may read or leave changed
        v.grad = 0.125 * (k + 1)
    before = [bits(v.grad) for v in order]

    steps = step_through(root, seed)

    assert [bits(v.grad) for v in order] == before  # step_through changes no .grad
    for v in order:
        v.grad = 0.0
    root.backward(seed)
    recorded = steps.grads()
    assert set(recorded) == set(order)
    assert {v: bits(g) for v, g in recorded.items()} == {v: bits(v.grad) for v in order}
    for s in steps.steps:  # each frame's sum of terms is the gradient, in backward's order
        if s.node is not root:
            total = reduce(lambda acc, t: acc + t.local * t.upstream, s.terms, 0.0)
            assert bits(total) == bits(s.grad)
    assert bits(steps.steps[0].grad) == bits(seed)


def test_step_through_a_node_used_four_times_sums_four_terms():
    a = Value(1.5, label="a")
    b = a * a + a.tanh() * a
    steps = step_through(b, -2.0)
    (frame,) = [s for s in steps if s.node is a]
    assert len(frame.terms) == 4
    b.backward(-2.0)
    assert bits(frame.grad) == bits(a.grad)


# --- layout: no import cycle, one table, a version ---


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(modules imported at runtime, modules imported only under TYPE_CHECKING), relative ones
    named with their dots (``.value``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    runtime, checking = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = {"." * node.level + (node.module or "")}
        elif isinstance(node, ast.Import):
            names = {alias.name for alias in node.names}
        else:
            continue
        (checking if id(node) in typing_only else runtime).update(names)
    return runtime, checking


def test_graph_imports_value_only_for_type_checking():
    runtime, checking = imports_of(ROOT / "autograd" / "graph.py")
    assert ".value" not in runtime and "autograd.value" not in runtime
    assert ".value" in checking


def test_value_imports_graph_at_the_top_level():
    tree = ast.parse((ROOT / "autograd" / "value.py").read_text(encoding="utf-8"))
    top = {"." * n.level + (n.module or "") for n in tree.body if isinstance(n, ast.ImportFrom)}
    assert ".graph" in top
    runtime, _ = imports_of(ROOT / "autograd" / "value.py")
    assert ".graph" in runtime


def test_every_built_in_rule_is_named_after_its_op():
    assert {name: OPS[name].rule.__name__.rstrip("_") for name in OPS} == {n: n for n in OPS}


def test_every_op_has_a_kind_from_kinds_and_a_name_matching_its_key():
    for name, op in OPS.items():
        assert op.name == name
        assert op.kind in KINDS, name
        assert isinstance(op.symbol, str), name
    assert {n for n, op in OPS.items() if op.kind == "reduction"} == {"sum", "dot"}
    assert {OPS[n].symbol for n in ("add", "sub", "mul", "div")} == {"+", "−", "×", "÷"}


def test_sum_and_dot_are_compiled_from_the_table_source():
    # the tracer has no code of its own for them: the table's source view is what it writes
    out, local = OPS["dot"].source("w0", "w1", "x0", "x1", "c")
    assert out == "sum(map(mul, (w0, w1,), (x0, x1,)), c)"
    assert local == ("x0", "x1", "w0", "w1", "1.0")
    assert OPS["sum"].source("a", "b") == ("sum((a, b,))", ("1.0", "1.0"))
    c = trace(lambda x, y: autograd.vsum([x, y, x * y]) + autograd.dot([x], [y], 1.0), 1.0, 2.0)
    assert "sum(map(mul," in c.source and "sum((" in c.source


def test_version_is_the_one_in_pyproject():
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is new in Python 3.11")
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    assert autograd.__version__ == project["version"]


# --- one walk: topological_order(*roots) ---


def test_topological_order_of_several_roots_lists_each_node_once_parents_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = (c * c).tanh()
    f = b - 1.0
    order = topological_order(e, d, f, c)
    assert len(order) == len(set(order)) == 7
    assert set(order) == {a, b, c, d, e, f, *e._parents}
    at = {v: i for i, v in enumerate(order)}
    for v in order:
        assert all(at[p] < at[v] for p in v._parents)
    for root in (d, e, f, c):  # each root after everything it depends on
        assert all(at[p] < at[root] for p in topological_order(root)[:-1])


def test_topological_order_of_roots_sharing_nodes_are_those_of_their_sum():
    x = Value(0.5)
    y = x * x
    roots = [y.sin(), y * x, x.exp()]
    partial = roots[0] + roots[1]
    total = partial + roots[2]
    many = topological_order(*roots)
    assert many == topological_order(*roots)  # deterministic
    assert set(many) == set(topological_order(total)) - {partial, total}
    assert len(many) == 5 and many[0] is x


def test_topological_order_with_no_roots_is_empty_and_a_root_twice_is_listed_once():
    x = Value(1.0)
    y = x + 1.0
    assert topological_order() == []
    assert topological_order(y, y, x) == [x, y]


def test_topological_order_refuses_what_is_not_a_value():
    with pytest.raises(TypeError, match="expected a Value"):
        topological_order(Value(1.0), 3.0)


def test_a_chain_of_200k_nodes_is_walked_and_differentiated_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(200_000):
        y = y + 0.5
    order = topological_order(y)
    assert len(order) == 200_001 and order[0] is x and order[-1] is y
    y.backward(2.0)
    assert x.grad == 2.0
    assert y.data == 100_001.0
