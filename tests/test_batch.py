"""autograd.batch: one sample traced, replayed as a loop, equals eager backward bit for bit."""

from __future__ import annotations

import math
import random

import pytest
from helpers import bits
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import GuardError, TraceError, Value, trace, trace_batch, vsum
from nn import losses

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear", "leaky_relu"]
# loss name -> (one sample's terms, the batch loss, labels for a row i, outputs)
LOSSES = {
    "hinge": (losses.hinge, lambda i: 1 - 2 * (i % 2), 1),
    "bce": (losses.binary_cross_entropy, lambda i: i % 2, 1),
    "mse": (losses.mse, lambda i: 0.25 * i - 1.0, 1),
    "mse, 3 outputs": (losses.mse, lambda i: [0.5 * i, -1.0, 2.0 - i], 3),
    "cross_entropy": (losses.cross_entropy, lambda i: i % 3, 3),
}


def problem(loss_name: str, activation: str, n: int, seed: int):
    """A model, a batch (rows, labels) and the loss, all from ``seed``."""
    loss, label, outputs = LOSSES[loss_name]
    rng = random.Random(seed)
    model = nn.MLP(3, [4, outputs], activation, seed=seed)
    X = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(n)]
    y = [label(i + seed) for i in range(n)]
    return model, X, y, loss


def eager(model, loss, l2, X, y, gradient=1.0):
    """The eager step: (loss, scores, grads) as bit strings."""
    params = model.parameters()
    scores = [model(x) for x in X]
    total = loss(scores, y)
    if l2:
        total = total + losses.l2(params, l2)
    total.backward(gradient)
    return bits(total.data), _bits(scores), [bits(p.grad) for p in params]


def replayed(model, loss, l2, X, y, gradient=1.0, compiled=None):
    params = model.parameters()
    terms = losses.sample_terms(loss)

    def term(x, t):
        s = model(x)
        return terms(s, t), s

    if compiled is None:
        penalty = (lambda: losses.l2(params, l2)) if l2 else None
        compiled = trace_batch(term, X[0], y[0], penalty=penalty, has_aux=True, numbers=[1])
    total, scores = compiled.backward(X, y, gradient=gradient)
    return (bits(total), _bits(scores), [bits(p.grad) for p in params]), compiled


def _bits(x):
    if isinstance(x, list):
        return [_bits(v) for v in x]
    return bits(float(x.data if isinstance(x, Value) else x))


def set_grads(model, grads):
    for p, g in zip(model.parameters(), grads, strict=True):
        p.grad = g


@settings(max_examples=40, deadline=None)
@given(
    loss_name=st.sampled_from(list(LOSSES)),
    activation=st.sampled_from(ACTIVATIONS),
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    l2=st.sampled_from([0.0, 1e-4, 0.5]),
    gradient=st.sampled_from([1.0, -0.5, 3.0, 0.0, -0.0]),
    seed=st.integers(0, 10_000),
)
def test_a_batch_replay_equals_eager_backward_bit_for_bit(
    loss_name, activation, sizes, l2, gradient, seed
):
    """Loss, scores and every gradient (added to grads already there), for several batch sizes
    replayed by one trace."""
    model, X, y, loss = problem(loss_name, activation, max(sizes), seed)
    before = [
        random.Random(seed + i).choice([0.0, 0.3, -1e-3]) for i in range(len(model.parameters()))
    ]
    compiled = None
    for n in sizes:
        set_grads(model, before)
        want = eager(model, loss, l2, X[:n], y[:n], gradient)
        set_grads(model, before)
        got, compiled = replayed(model, loss, l2, X[:n], y[:n], gradient, compiled)
        assert got == want


@pytest.mark.parametrize("loss_name", list(LOSSES))
def test_the_demo_sized_step_equals_eager_and_its_code_does_not_grow_with_the_batch(loss_name):
    model, X, y, loss = problem(loss_name, "relu", 100, 3)
    want = eager(model, loss, 1e-4, X, y)
    model.zero_grad()
    got, compiled = replayed(model, loss, 1e-4, X, y)
    assert got == want
    assert compiled.source.count("\n    for ") == 1
    small = replayed(model, loss, 1e-4, X[:2], y[:2])[1]
    assert small.source == compiled.source


def test_the_penalty_is_added_after_every_sample_as_backward_adds_it():
    """Summed in another order, a weight's gradient here would differ in its last bits."""
    w = Value(0.1)

    def term(x):
        return w * x

    X = [[1e16], [1.0], [-1e16]]
    c = trace_batch(lambda x: term(x[0]), X[0], penalty=lambda: w * w * 3.0)
    c.backward(X)
    got = w.grad
    w.grad = 0.0
    (vsum([term(x[0]) for x in X]) * (1.0 / 3) + w * w * 3.0).backward()
    assert bits(got) == bits(w.grad)


def test_a_penalty_that_is_a_parameter_itself_gets_its_gradient_first():
    w = Value(2.0)
    X = [[1e16], [3.0], [-1e16]]
    c = trace_batch(lambda x: w * x[0], X[0], penalty=lambda: w)
    assert bits(c.backward(X)) == bits((vsum([w * x[0] for x in X]) * (1.0 / 3) + w).data)
    got, w.grad = w.grad, 0.0
    (vsum([w * x[0] for x in X]) * (1.0 / 3) + w).backward()
    assert bits(got) == bits(w.grad)


def test_a_branch_that_goes_another_way_for_some_sample_raises_guard_error():
    w = Value(1.0)

    def term(x):
        s = w * x
        return s if s > 0 else -s

    c = trace_batch(term, 1.0)
    assert c.backward([1.0, 2.0]) == 1.5
    w.grad = 0.0
    with pytest.raises(GuardError, match="for some sample"):
        c.backward([1.0, -2.0])
    assert w.grad == 0.0


def test_reading_data_inside_the_term_is_refused_as_in_trace():
    w = Value(1.0)
    with pytest.raises(TraceError, match="reading .data"):
        trace_batch(lambda x: w * (x * w.data), 1.0)


def test_a_compiled_batch_called_inside_a_trace_is_refused():
    w = Value(1.0)
    c = trace_batch(lambda x: w * x, 1.0)
    with pytest.raises(TraceError, match="calling a compiled batch inside a traced function"):
        trace(lambda x: x * c.backward([1.0, 2.0]), 1.0)
    assert w.grad == 0.0


def test_labels_traced_as_numbers_refuse_equality():
    w = Value(1.0)
    with pytest.raises(TraceError, match="== on a number"):
        trace_batch(lambda x, t: w * x * (2.0 if t == 1 else 1.0), 1.0, 1, numbers=[1])


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda w: trace_batch(3.0, 1.0), TypeError, "term must be a function"),
        (lambda w: trace_batch(lambda x: w * x), TypeError, "one sample's arguments"),
        (lambda w: trace_batch(lambda x: w * x, 1.0, penalty=2.0), TypeError, "penalty must be"),
        (lambda w: trace_batch(lambda x: w * x, 1.0, penalty=lambda: 2.0), TypeError, "Value"),
        (lambda w: trace_batch(lambda x: 2.0, 1.0), TypeError, "must return a Value"),
        (lambda w: trace_batch(lambda x: [], 1.0), ValueError, "no terms"),
        (lambda w: trace_batch(lambda x: w * x, 1.0, has_aux=True), TypeError, r"\(terms, aux\)"),
        (lambda w: trace_batch(lambda x: w * x, 1.0, numbers=[3]), ValueError, "positions"),
        (lambda w: trace_batch(lambda x: w * x, "a"), TypeError, "numbers"),
    ],
)
def test_bad_arguments_to_trace_batch_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make(Value(1.0))


def test_bad_batches_are_named():
    w = Value(1.0)
    c = trace_batch(lambda x, t: (w * x[0] - t) ** 2, [1.0, 2.0], 0.5)
    with pytest.raises(TypeError, match="2 columns"):
        c.backward([[1.0, 2.0]])
    with pytest.raises(ValueError, match="different lengths"):
        c.backward([[1.0, 2.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="empty batch"):
        c.backward([], [])
    with pytest.raises(ValueError, match="sample 1 has a different shape"):
        c.backward([[1.0, 2.0], [1.0]], [1.0, 2.0])
    assert w.grad == 0.0


def test_a_penalty_sharing_nodes_with_the_terms_is_refused():
    w = Value(1.0)
    shared = {}

    def term(x):
        shared["w2"] = w * w
        return shared["w2"] * x

    with pytest.raises(TraceError, match="penalty uses nodes"):
        trace_batch(term, 1.0, penalty=lambda: shared["w2"] + 0.0)


def test_the_loop_costs_far_less_code_than_the_whole_trace():
    model, X, y, loss = problem("hinge", "relu", 40, 0)
    loop = replayed(model, loss, 1e-4, X, y)[1]

    def whole(Xb, yb):
        return loss([model(x) for x in Xb], yb) + losses.l2(model.parameters(), 1e-4)

    full = trace(whole, X, y, numbers=[1])
    assert len(loop.source.splitlines()) * 5 < len(full.source.splitlines())
    assert not math.isnan(full(X, y))
