"""The graph walk and backward: reuse, diamonds, constants, deep chains, repeated calls, seeds."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import MICROGRAD, programs, reals, run

import autograd
from autograd import (
    Value,
    backward,
    dot,
    gradcheck,
    gradients,
    no_grad,
    topological_order,
    vsum,
)


def leaves_and_output(program, xs):
    leaves = [Value(x) for x in xs]
    return leaves, run(program, leaves)


def input_values(program):
    return st.lists(reals(-2, 2), min_size=program[0], max_size=program[0])


# --- fan-out and reuse ---


def test_a_value_times_itself_counts_both_uses():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_a_value_plus_itself_counts_both_uses():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0


def test_diamond_adds_both_paths():
    a = Value(2.0)
    b, c = a * 3.0, a + 1.0  # d = 3a (a + 1), dd/da = 6a + 3
    d = b * c
    d.backward()
    assert (d.data, a.grad, b.grad, c.grad) == (18.0, 15.0, 3.0, 6.0)


def test_shared_interior_node_gets_the_sum_of_its_uses():
    x, y = Value(2.0), Value(-1.0)
    s = x * y  # used three times: z = s*s + 2 s + tanh(s)
    z = s * s + 2.0 * s + s.tanh()
    z.backward()
    ds = 2 * s.data + 2.0 + 1.0 - math.tanh(s.data) ** 2
    assert s.grad == pytest.approx(ds, rel=1e-15)
    assert (x.grad, y.grad) == pytest.approx((ds * y.data, ds * x.data), rel=1e-15)


def test_constants_are_not_nodes_and_get_no_gradient():
    a = Value(2.0)
    y = 3.0 * a + 1.0
    assert topological_order(y) == [a, y._a, y]
    y.backward()
    assert a.grad == 3.0


def test_an_unused_leaf_keeps_its_gradient():
    a, unused = Value(1.0), Value(5.0)
    unused.grad = 0.25
    (a * 2).backward()
    assert unused.grad == 0.25


def test_one_node_sums_and_dot_products_handle_repeats_and_constants():
    a, b = Value(2.0), Value(-3.0)
    s = vsum([a, a, b, 1.0])
    n = dot([a, b, 0.5], [b, 4.0, a], bias=1.0)  # 1 + a b + 4 b + 0.5 a
    (s * n).backward()
    assert (s.data, n.data) == (2.0, -16.0)
    assert (a.grad, b.grad) == (
        2 * n.data + s.data * (b.data + 0.5),
        n.data + s.data * (a.data + 4),
    )


# --- order ---


@given(data=st.data())
def test_topological_order_lists_each_node_once_after_its_parents(data):
    program = data.draw(programs())
    _, out = leaves_and_output(program, data.draw(input_values(program)))
    order = topological_order(out)
    assert order[-1] is out and len(set(order)) == len(order)
    position = {v: i for i, v in enumerate(order)}
    for v in order:
        assert all(position[p] < position[v] for p in v._parents)
    assert topological_order(out) == order  # deterministic, and the marks leave no trace


def post_order(root):
    """The order the walk promises, written recursively: each node's parents last to first
    (with repeats), then the node; a node already emitted is skipped."""
    done, order = set(), []

    def visit(v):
        if v not in done:
            for p in reversed(v._parents):
                visit(p)
            done.add(v)
            order.append(v)

    visit(root)
    return order


@given(data=st.data())
def test_topological_order_is_the_depth_first_post_order_backward_sums_in(data):
    # the order fixes the order of the additions into each grad: changing it changes bits
    program = data.draw(programs())
    _, out = leaves_and_output(program, data.draw(input_values(program)))
    assert topological_order(out) == post_order(out)


@pytest.mark.slow
def test_deep_chain_of_a_million_nodes_needs_no_recursion():
    limit = sys.getrecursionlimit()
    c = 1.0 + 1e-7
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * c
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert x.grad == pytest.approx(c**1_000_000, rel=1e-9)
    assert y.data == pytest.approx(math.exp(1e6 * math.log1p(1e-7)), rel=1e-9)


# --- repeated backward and the upstream gradient ---


def test_second_backward_doubles_leaf_grads_and_recomputes_interior_ones():
    a, b = Value(2.0), Value(3.0)
    c = a * b  # d = c*c + c, dd/dc = 2c + 1 = 13
    d = c * c + c
    d.backward()
    assert (a.grad, b.grad, c.grad) == (39.0, 26.0, 13.0)
    d.backward()
    assert (a.grad, b.grad, c.grad) == (78.0, 52.0, 13.0)


def test_micrograd_reuses_stale_interior_grads_and_we_do_not():
    engine = pytest.importorskip("micrograd.engine")
    a, b = engine.Value(2.0), engine.Value(3.0)
    c = a * b
    d = c * c + c
    d.backward()
    d.backward()
    # the second pass adds onto stale interior grads: c.grad = 13 + (2 * 2c + 1) = 38 (not 13),
    # so a.grad = 39 + 38 * 3 = 153, not 78
    assert (a.grad, c.grad) == (153.0, 38.0)


@settings(max_examples=50)
@given(data=st.data())
def test_a_second_identical_backward_gives_exactly_twice_the_leaf_grads(data):
    program = data.draw(programs())
    _, out = leaves_and_output(program, data.draw(input_values(program)))
    assume(math.isfinite(out.data))
    order = topological_order(out)
    out.backward()
    first = [v.grad for v in order]
    out.backward()
    # leaves (op '') accumulate to exactly 2x; interior nodes hold d out / d node again
    assert [v.grad for v in order] == [
        g if v.op else 2 * g for v, g in zip(order, first, strict=True)
    ]


def test_backward_from_an_interior_node_leaves_nothing_stale_for_the_root():
    a = Value(2.0)
    h = a * a
    y = h * 3.0
    h.backward()  # a.grad = 4
    a.grad = 0.0
    y.backward()
    assert (a.grad, h.grad, y.grad) == (12.0, 3.0, 1.0)


@pytest.mark.parametrize("seed", [2.5, -3, 0.0])
def test_the_seed_scales_every_gradient(seed):
    a, b = Value(2.0), Value(-4.0)
    y = a * b + a.sin()
    y.backward(gradient=seed)
    assert (y.grad, a.grad, b.grad) == (seed, seed * (b.data + math.cos(2.0)), seed * a.data)


def test_backward_on_a_leaf_adds_the_seed():
    a = Value(1.0)
    a.backward()
    a.backward(2.0)
    assert a.grad == 3.0


def test_gradient_must_be_a_number():
    with pytest.raises(TypeError, match="gradient"):
        Value(1.0).backward("1")
    with pytest.raises(TypeError, match="gradient"):
        backward(Value(1.0), None)


def test_a_user_reset_of_leaf_grads_is_respected():
    w = Value(0.5)
    loss = (w * 4.0) ** 2
    loss.backward()
    w.grad = 0  # micrograd style zero_grad
    loss.backward()
    assert w.grad == 16.0 and type(w.grad) is float


# --- check_finite ---


def test_check_finite_names_the_first_non_finite_gradient_and_restores_grads():
    x = Value(1e-300, label="x")
    s = x.sqrt()
    s.label = "s"
    y = s * 1e200 * 1e200  # ds = 1e400 = inf: s is the first non-finite gradient, then x
    x.grad = 7.0
    before = [v.grad for v in topological_order(y)]
    with pytest.raises(FloatingPointError, match="'s'") as caught:
        y.backward(check_finite=True)
    assert "'x'" not in str(caught.value)
    assert [v.grad for v in topological_order(y)] == before
    y.backward()
    assert math.isinf(x.grad) and math.isinf(s.grad)


def test_check_finite_catches_a_nan_seed_and_nan_forward_values():
    a = Value(1.0, label="a")
    with pytest.raises(FloatingPointError, match="nan"):
        (a * 2).backward(math.nan, check_finite=True)
    assert a.grad == 0.0
    z = Value(math.nan, label="z")
    with pytest.raises(FloatingPointError, match="'a'"):  # d/da (z a + a) = z + 1 is NaN
        (z * a + a).backward(check_finite=True)
    assert (a.grad, z.grad) == (0.0, 0.0)


def test_check_finite_passes_finite_graphs_unchanged():
    a = Value(0.3)
    y = (a * a).tanh()
    y.backward(check_finite=True)
    assert a.grad == pytest.approx(2 * 0.3 * (1 - math.tanh(0.09) ** 2), rel=1e-15)


# --- random graphs against finite differences and against micrograd ---


@settings(max_examples=60)
@given(data=st.data())
def test_random_graphs_pass_gradcheck(data):
    program = data.draw(programs())
    xs = data.draw(input_values(program))
    out = run(program, [Value(x) for x in xs])
    assume(abs(out.data) < 1e6)
    gradcheck(lambda *vs: run(program, list(vs)), *xs, tol=1e-5)


@settings(max_examples=60)
@given(data=st.data())
def test_backward_and_gradients_agree_on_random_graphs(data):
    program = data.draw(programs())
    leaves, out = leaves_and_output(program, data.draw(input_values(program)))
    assume(abs(out.data) < 1e6)
    out.backward(gradient=-1.5)
    want = gradients(out, leaves, gradient=-1.5)
    assert [v.grad for v in leaves] == pytest.approx(want, rel=1e-12, abs=1e-12)


@settings(max_examples=60)
@given(data=st.data())
def test_random_graphs_match_micrograd(data):
    engine = pytest.importorskip("micrograd.engine")
    program = data.draw(programs(MICROGRAD))
    xs = data.draw(input_values(program))
    ours, out = leaves_and_output(program, xs)
    theirs = [engine.Value(x) for x in xs]
    ref = run(program, theirs)
    assume(abs(out.data) < 1e6)
    out.backward()
    ref.backward()
    assert out.data == pytest.approx(ref.data, rel=1e-12, abs=1e-12)
    for v, w in zip(ours, theirs, strict=True):
        assert v.grad == pytest.approx(w.grad, rel=1e-9, abs=1e-9)


# --- backward skips nodes whose gradient is exactly 0, only where that changes nothing ---


def _bits(x: float) -> str:
    return "nan" if x != x else x.hex()


def _reference_backward(root):
    """The chain rule with no shortcut: every edge adds local * grad, zeros included."""
    order = topological_order(root)
    old = {id(v): v.grad for v in order if not v.op}
    for v in order:
        v.grad = 0.0
    root.grad = 1.0
    for v in reversed(order):
        for p, d in zip(v._parents, v._local, strict=True):
            p.grad += d * v.grad
    for v in order:
        if not v.op and old[id(v)]:
            v.grad += old[id(v)]


SPECIAL = [0.0, -0.0, 1.5, -2.0, 3.0, math.inf, -math.inf, math.nan, 1e308]


def _random_graph(rng):
    """A random graph of dot, sum and scalar ops over special values, often with zero grads."""

    leaves = [Value(rng.choice(SPECIAL)) for _ in range(5)]
    nodes = list(leaves)
    for _ in range(12):
        pick = lambda: rng.choice(nodes)  # noqa: E731
        kind = rng.randrange(6)
        if kind == 0:
            k = rng.randrange(1, 4)
            v = dot([pick() for _ in range(k)], [pick() for _ in range(k)], pick())
        elif kind == 1:
            v = vsum([pick() for _ in range(rng.randrange(1, 4))])
        elif kind == 2:
            v = pick() * rng.choice([0.0, -0.0, 2.0])  # a zero upstream gradient
        elif kind == 3:
            v = pick().relu()
        elif kind == 4:
            v = pick() * pick()
        else:
            v = rng.choice([0.0, -0.0, 1.0]) - pick()
        nodes.append(v)
    return leaves, nodes[-1] * rng.choice([1.0, 0.0, -0.0])


def test_skipping_zero_gradients_gives_the_same_bits_as_the_plain_chain_rule():
    import random

    rng = random.Random(0)
    skipped = 0
    for _ in range(400):
        leaves, root = _random_graph(rng)
        for v in leaves:
            v.grad = rng.choice([0.0, -0.0, 0.5])  # leaf grads accumulate, -0.0 included
        start = [v.grad for v in leaves]
        _reference_backward(root)
        want = [_bits(v.grad) for v in leaves]
        for v, g in zip(leaves, start, strict=True):
            v.grad = g
        root.backward()
        assert [_bits(v.grad) for v in leaves] == want
        skipped += any(not v.grad for v in topological_order(root) if v.op)
    assert skipped > 100  # many graphs had a node with a zero gradient


def test_a_zero_gradient_still_flows_through_an_infinite_or_nan_local():

    for bad in (math.inf, -math.inf, math.nan):
        w, x = Value(2.0), Value(bad)
        (dot([w], [x]) * 0.0).backward()  # d out / d w = x: 0 * inf is NaN, as without a skip
        assert math.isnan(w.grad)
        assert x.grad == 0.0


def test_a_negative_zero_gradient_leaves_positive_zero_grads():

    w, x = Value(2.0), Value(3.0)
    (dot([w], [x]) * -0.0).backward()
    assert math.copysign(1.0, w.grad) == 1.0 and math.copysign(1.0, x.grad) == 1.0


# --- a graph recorded under no_grad, and what is not a Value, refuse backward ---


def test_backward_of_a_value_computed_inside_no_grad_raises_and_changes_no_grad():
    x = Value(3.0)
    x.grad = 0.25
    with no_grad():
        y = x * x + 1.0
    with pytest.raises(RuntimeError, match=r"no_grad\(\)"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"no_grad\(\)"):
        autograd.backward(y, 2.0)
    assert (x.grad, y.grad) == (0.25, 0.0)


def test_gradients_of_a_value_computed_inside_no_grad_raise():
    x = Value(3.0)
    with no_grad():
        y = x.tanh()
    with pytest.raises(RuntimeError, match=r"no_grad\(\)"):
        gradients(y, [x])


@pytest.mark.parametrize("root", [[Value(1.0), Value(2.0)], 3.0, None, "x"])
def test_backward_of_what_is_not_a_value_says_a_value_was_expected(root):
    with pytest.raises(TypeError, match="Value"):
        autograd.backward(root)


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
