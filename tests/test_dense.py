"""autograd.dense builds a layer's nodes exactly as dot() and the activation methods would, and
nn.Layer (which calls it) trains bit for bit as the code before it did."""

from __future__ import annotations

import hashlib
import math

import pytest

import nn
from autograd import Value, dense, dot, no_grad, trace


def layout(v: Value) -> tuple:
    """Everything a node records: leaf inputs by identity, node inputs by their own layout."""
    ident = lambda x: (layout(x) if x.op else ("V", id(x))) if isinstance(x, Value) else x  # noqa: E731
    a = tuple(map(ident, v._a)) if isinstance(v._a, tuple) else ident(v._a)
    b = tuple(map(ident, v._b)) if isinstance(v._b, tuple) else ident(v._b)
    return (v.data.hex(), v.op, a, v._da, b, v._db, v.grad, v.label)


def per_neuron(weights, x, biases, activation):
    out = [dot(w, x, b) for w, b in zip(weights, biases, strict=True)]
    return out if activation is None else [getattr(v, activation)() for v in out]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", None])
@pytest.mark.parametrize("inputs", ["values", "floats"])
@pytest.mark.parametrize("bias", ["values", "floats"])
def test_dense_makes_the_nodes_dot_and_the_activation_make(activation, inputs, bias):
    weights = [[Value(0.5 * i - j) for i in range(3)] for j in range(4)]
    x = [Value(1.5), Value(-0.25), Value(0.0)] if inputs == "values" else [1.5, -0.25, 0.0]
    biases = [Value(0.1 * j) for j in range(4)] if bias == "values" else [0.0, 1.0, -2.0, 0.5]
    got = dense(weights, x, biases, activation)
    want = per_neuron(weights, x, biases, activation)
    assert [layout(v) for v in got] == [layout(v) for v in want]


def test_dense_relu_matches_the_relu_rule_at_zero_negative_and_nan():
    weights = [[Value(1.0)], [Value(-1.0)], [Value(0.0)], [Value(1.0)]]
    x = [Value(float("nan"))], [Value(2.0)], [Value(-0.0)]
    biases = [Value(0.0), Value(0.5), 0.0, -0.0]
    for xi in x:
        got = dense(weights, xi, biases, "relu")
        want = per_neuron(weights, xi, biases, "relu")
        assert [repr(layout(v)) for v in got] == [repr(layout(v)) for v in want]  # NaN by repr


def test_dense_float_inputs_give_every_neuron_equal_locals():
    weights = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]]
    got = dense(weights, [0.5, -1.5], [Value(0.0), Value(1.0)], None)
    assert got[0]._local == got[1]._local == (0.5, -1.5, 1.0)


def test_dense_with_other_kinds_of_input_takes_the_general_path():
    weights = [[Value(1.0), 2.0], [Value(3.0), Value(4.0)]]  # a plain number among the weights
    biases = [Value(0.0), 1.0]
    for x in ([1, 2], [Value(1.0), 2.0]):  # ints; a mix of Values and floats
        got = dense(weights, x, biases, "relu")
        assert [layout(v) for v in got] == [
            layout(v) for v in per_neuron(weights, x, biases, "relu")
        ]


def test_dense_inside_no_grad_records_nothing_like_dot():
    weights, x = [[Value(1.0), Value(2.0)]], [Value(3.0), Value(-4.0)]
    with no_grad():
        got, want = (
            dense(weights, x, [Value(0.5)], "relu"),
            per_neuron(weights, x, [Value(0.5)], "relu"),
        )
    assert layout(got[0]) == layout(want[0])
    assert got[0].op == "" and got[0]._a is None


def test_dense_refuses_what_it_cannot_build():
    w = [[Value(1.0), Value(2.0)]]
    with pytest.raises(ValueError, match="dense: activation must be a one-input op"):
        dense(w, [1.0, 2.0], [0.0], "leaky_relu")
    with pytest.raises(ValueError, match="dense: activation must be a one-input op"):
        dense(w, [1.0, 2.0], [0.0], "mul")
    with pytest.raises(ValueError, match="dense: 1 weight rows but 2 biases"):
        dense(w, [1.0, 2.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="dot: 2 weights but 3 inputs"):
        dense(w, [1.0, 2.0, 3.0], [0.0])
    with pytest.raises(TypeError, match="unsupported operand type 'str'"):
        dense([[Value(1.0), "w"]], [1.0, 2.0], [0.0])


def training_digest(activation: str, steps: int = 8) -> str:
    """Losses, gradients and weights of a few SGD steps on moons, as float.hex, hashed."""
    X, y = nn.make_moons(n=40, noise=0.1, seed=3)
    model = nn.MLP(2, [16, 16, 1], activation=activation, seed=1)
    params = model.parameters()
    h = hashlib.sha256()
    for _ in range(steps):
        loss = nn.hinge([model(x) for x in X], y) + nn.l2(params, 1e-4)
        model.zero_grad()
        loss.backward()
        h.update(loss.data.hex().encode())
        for p in params:
            h.update(p.grad.hex().encode())
            p.data -= 0.05 * p.grad
    for p in params:
        h.update(p.data.hex().encode())
    return h.hexdigest()[:16]


# Recorded with the code before autograd.dense and the zero-gradient skip (commit 467e589).
RECORDED = {
    "relu": "5f4d0c46315a9a18",
    "tanh": "cacd1f9a8aff48ee",
    "sigmoid": "1719c4ae07e0ea65",
    "linear": "db6932320ea148f6",
    "leaky_relu": "7f26f8ea8ebf96b4",
}


@pytest.mark.parametrize("activation", sorted(RECORDED))
def test_training_is_bit_identical_to_the_recorded_run_before_dense(activation):
    assert training_digest(activation) == RECORDED[activation]


def test_a_traced_layer_replays_bit_for_bit():
    model = nn.MLP(2, [8, 8, 1], seed=4)
    X, y = nn.make_moons(n=12, noise=0.1, seed=5)
    loss = nn.hinge([model(x) for x in X], y)
    model.zero_grad()
    loss.backward()
    eager = [loss.data] + [p.grad for p in model.parameters()]
    plan = trace(lambda X: nn.hinge([model(x) for x in X], y), X)
    model.zero_grad()
    replay = [plan.backward(X)] + [p.grad for p in model.parameters()]
    assert [g.hex() for g in replay] == [g.hex() for g in eager]


def test_a_layer_with_mixed_activations_still_applies_each_neurons_own():
    layer = nn.Layer(2, 2, "relu", seed=0)
    layer.neurons[1].activation = "tanh"
    out = layer([0.3, -0.7])
    assert [v.op for v in out] == ["relu", "tanh"]
    assert out[1].data == math.tanh(out[1]._a.data)
