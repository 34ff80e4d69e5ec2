"""autograd.tracing: replays equal the engine bit for bit; branches it cannot see are refused."""

from __future__ import annotations

import math
import operator
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, define_op, dot, ops, vsum
from autograd.tracing import GuardError, TraceError, trace

INLINE = sorted(name for name, op in ops.OPS.items() if op.source is not None)

moderate = st.floats(-3.0, 3.0, allow_nan=False)


def same(x: float, y: float) -> bool:
    """Bit for bit, as far as floats can tell: equal with the same sign of zero, or both NaN."""
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def eager(f, *xs):
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


def _cube_rule(a: float) -> tuple[float, tuple[float, ...]]:
    return a * a * a, (3 * a * a,)


cube = define_op("test_tracing.cube", _cube_rule)


def every_op(a, b, c):
    """One expression that goes through every op in the table, inside each op's domain."""
    pos = b * b + 0.5  # > 0
    t = (a * b + c).tanh() - (a - b).relu() * 2.0 + pos.log() + pos.sqrt() / (1.0 + a * a)
    t = t + c.sigmoid() ** 2 + (-a).exp() * 0.1 + a.softplus() + abs(b) + c.leaky_relu(0.2)
    t = t + a.sin() * b.cos() + pos**c + 2.0 ** (a * 0.5) - 3.0 / pos + cube(c)
    return t * vsum([a, b, c, t]) + dot([a, b, 2.0], [b, c, a], 0.5) + a.abs()


def mixes_constants(a, b, c):
    """Numbers on either side of each binary op, repeats (a * a) and a diamond."""
    d = a * a + 1 - b
    e = 1 - d * 3 + (2 * c) / 4 - a / b.exp()
    return (d * e + d) ** 3 + vsum([d, 1.5, e], start=c) + dot([a, a], [a, 2.0], b)


@pytest.mark.parametrize("f", [every_op, mixes_constants])
@given(a=moderate, b=moderate, c=moderate)
def test_compiled_value_and_gradients_equal_eager_bit_for_bit(f, a, b, c):
    compiled = trace(f, 0.3, -0.7, 1.1)  # traced at one point, replayed at another
    out, grads = compiled.value_and_grad(a, b, c)
    want_out, want_grads = eager(f, a, b, c)
    assert same(out, want_out)
    assert all(same(g, w) for g, w in zip(grads, want_grads, strict=True))
    assert same(compiled(a, b, c), want_out)


@given(data=st.lists(moderate, min_size=6, max_size=6), seed=st.integers(0, 10**6))
def test_compiled_backward_fills_parameter_grads_like_eager_backward(data, seed):
    import nn

    rng = random.Random(seed)
    model = nn.MLP(2, [4, 3, 1], seed=seed)
    X, y = [data[0:2], data[2:4], data[4:6]], [1.0, -1.0, 1.0]
    start = [rng.choice([0.0, rng.uniform(-1, 1)]) for _ in model.parameters()]  # accumulate

    def loss(X):
        return nn.hinge([model(x) for x in X], y) + nn.l2(model, 1e-3)

    compiled = trace(loss, [[0.5, 0.5]] * 3)
    for p, g in zip(model.parameters(), start, strict=True):
        p.grad = g
    out = compiled.backward(X, gradient=0.5)
    got = [p.grad for p in model.parameters()]
    for p, g in zip(model.parameters(), start, strict=True):
        p.grad = g
    want = loss(X)
    want.backward(0.5)
    assert same(out, want.data)
    assert all(same(g, w) for g, w in zip(got, [p.grad for p in model.parameters()], strict=True))


def test_parameters_are_read_live_so_an_optimizer_can_update_them():
    w = Value(2.0)
    compiled = trace(lambda x: w * x, 3.0)
    w.data = 5.0
    assert compiled(3.0) == 15.0
    compiled.backward(4.0)
    assert w.grad == 4.0


def test_gradients_come_back_nested_like_the_arguments():
    compiled = trace(lambda xs, k: vsum(xs) * k, [1.0, 2.0], 3.0)
    out, (gxs, gk) = compiled.value_and_grad([1.0, 4.0], 2.0)
    assert out == 10.0
    assert gxs == [2.0, 2.0] and gk == 5.0


@pytest.mark.parametrize("name", INLINE)
@given(
    xs=st.lists(
        st.floats(allow_nan=True, allow_infinity=True)
        | st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan]),
        min_size=7,
        max_size=7,
    )
)
def test_inline_code_matches_its_rule_in_the_table(name, xs):
    n = {"sum": 4, "dot": 7, "neg": 1, "relu": 1}.get(name, 2)
    args = xs[:n]
    names = [f"x{i}" for i in range(n)]
    out_src, local_src = ops.OPS[name].source(*names)
    env = dict(zip(names, args, strict=True), sum=sum, map=map, mul=operator.mul)
    out, local = ops.OPS[name].rule(*args)
    assert same(eval(out_src, env), out)
    assert all(same(eval(s, env), d) for s, d in zip(local_src, local, strict=True))


def test_source_is_backpropagation_written_out():
    source = trace(lambda a, b: a * b + a, 2.0, 3.0).source
    assert "v2 = v0 * v1" in source  # forward: one line per node
    assert "v3 = v2 + v0" in source
    assert "g2 = 0.0 + g3" in source  # backward: one line per edge, from the root down
    assert "g0 += v1 * g2" in source


def test_a_comparison_becomes_a_guard_and_the_other_branch_is_refused():
    def f(x):
        return x * 2 if x > 0 else -x

    compiled = trace(f, 1.5)
    assert compiled.guards == ["v0 > 0.0"]
    assert compiled(4.0) == 8.0
    with pytest.raises(GuardError, match=r"v0 > 0.0 is True.*retrace=True"):
        compiled(-4.0)


def test_retrace_follows_the_new_branch():
    compiled = trace(lambda x: x * 2 if x > 0 else -x, 1.5, retrace=True)
    assert compiled.value_and_grad(-4.0) == (4.0, (-1.0,))
    assert compiled.retraces == 1


def test_guards_are_checked_before_work_that_depends_on_the_branch():
    compiled = trace(lambda x: x.log() if x > 0 else -x, 1.0)
    with pytest.raises(GuardError):  # not the ValueError log(-1) would raise
        compiled(-1.0)


def test_float_of_a_value_inside_the_trace_is_refused():
    with pytest.raises(TraceError, match="float"):
        trace(lambda x: Value(math.exp(x)), 1.0)
    assert float(Value(2.0)) == 2.0  # and works again outside


def test_domain_errors_on_replay_are_the_engines():
    compiled = trace(lambda x: (x - 1.0).log(), 3.0)
    with pytest.raises(ValueError, match="log: input must be > 0"):
        compiled(0.5)


def test_arguments_must_keep_their_shape_and_be_numbers():
    compiled = trace(lambda xs: vsum(xs), [1.0, 2.0])
    with pytest.raises(ValueError, match="different shape"):
        compiled([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="numbers"):
        compiled(["a", 2.0])
    with pytest.raises(TypeError, match="not Values"):
        trace(lambda x: x, Value(1.0))
    with pytest.raises(TypeError, match="must return a Value"):
        trace(lambda x: 3.0, 1.0)


def test_training_with_the_compiled_step_follows_eager_training_exactly():
    import nn

    X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 0.2]]
    y = [1.0, -1.0, 1.0, -1.0]
    eager_model, compiled_model = nn.MLP(2, [5, 4, 1], seed=3), nn.MLP(2, [5, 4, 1], seed=3)

    def loss(model, X):
        return nn.hinge([model(x) for x in X], y) + nn.l2(model, 1e-3)

    step = trace(lambda X: loss(compiled_model, X), X)
    for _ in range(5):
        for model in (eager_model, compiled_model):
            model.zero_grad()
        loss(eager_model, X).backward()
        step.backward(X)
        for model in (eager_model, compiled_model):
            for p in model.parameters():
                p.data -= 0.1 * p.grad
    eager = [p.data for p in eager_model.parameters()]
    assert [p.data for p in compiled_model.parameters()] == eager
    assert eager != [p.data for p in nn.MLP(2, [5, 4, 1], seed=3).parameters()]  # it trained


def test_a_trace_keeps_the_rules_it_was_made_with():
    double = define_op("test_tracing.scale", lambda a: (2.0 * a, (2.0,)))
    compiled = trace(lambda x: double(x), 1.0)
    define_op("test_tracing.scale", lambda a: (3.0 * a, (3.0,)))  # redefined afterwards
    assert compiled.value_and_grad(5.0) == (10.0, (2.0,))


# --- has_aux: more outputs, read back but not differentiated ---


def scores_and_loss(a, b, c):
    scores = [a * b, (b - c).tanh(), a.exp()]
    return vsum([s * s for s in scores]) + c, [scores, (a * 3.0, 2)]


@given(a=moderate, b=moderate, c=moderate)
def test_aux_outputs_are_the_eager_values_and_the_gradient_is_the_values_alone(a, b, c):
    compiled = trace(scores_and_loss, 0.5, 0.25, -1.0, has_aux=True)
    (out, aux), grads = compiled.value_and_grad(a, b, c)
    leaves = [Value(a), Value(b), Value(c)]
    value, (scores, (triple, two)) = scores_and_loss(*leaves)
    value.backward()
    assert same(out, value.data)
    assert aux == [[s.data for s in scores], (triple.data, 2.0)]  # nested as returned
    assert all(same(g, v.grad) for g, v in zip(grads, leaves, strict=True))
    assert compiled(a, b, c) == (out, aux)


def test_backward_with_aux_fills_grads_and_returns_value_and_aux():
    w = Value(3.0)
    compiled = trace(lambda x: (w * x, [w + x, w]), 2.0, has_aux=True)
    assert compiled.backward(5.0) == (15.0, [8.0, 3.0])
    assert w.grad == 5.0  # d(w x)/dw only: the aux w + x adds nothing


def test_an_aux_value_outside_the_differentiated_graph_is_still_computed():
    compiled = trace(lambda x, y: (x * 2.0, y.exp()), 1.0, 0.0, has_aux=True)
    assert compiled.value_and_grad(1.5, 1.0) == ((3.0, math.exp(1.0)), (2.0, 0.0))


def test_has_aux_needs_a_pair_of_a_value_and_values_or_numbers():
    with pytest.raises(TypeError, match=r"has_aux, f must return \(value, aux\)"):
        trace(lambda x: x * 2.0, 1.0, has_aux=True)
    with pytest.raises(TypeError, match="aux must be Values or numbers"):
        trace(lambda x: (x * 2.0, {"score": x}), 1.0, has_aux=True)
    with pytest.raises(TypeError, match="must return a Value"):
        trace(lambda x: (3.0, [x]), 1.0, has_aux=True)
