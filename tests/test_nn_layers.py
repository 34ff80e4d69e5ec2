"""Neuron, Layer, MLP: the maths by hand, micrograd compatibility, seeding, gradients."""

from __future__ import annotations

import math
import random
import statistics
import sys

import pytest
from helpers import micrograd_mlp
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, gradcheck
from nn import MLP, Layer, Neuron, hinge, l2

ACTS = {
    "relu": lambda z: max(z, 0.0),
    "tanh": math.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "linear": lambda z: z,
}
finite = st.floats(-3.0, 3.0, allow_nan=False)


@pytest.mark.parametrize("name", ACTS)
@given(
    w=st.lists(finite, min_size=3, max_size=3), x=st.lists(finite, min_size=3, max_size=3), b=finite
)
def test_neuron_is_activation_of_bias_plus_weighted_sum(name, w, x, b):
    n = Neuron(3, name, seed=0)
    n.set_parameters([*w, b])
    expected = ACTS[name](b + w[0] * x[0] + w[1] * x[1] + w[2] * x[2])
    assert n(x).data == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_neuron_is_one_dot_node_then_its_activation():
    n = Neuron(4, "tanh", seed=0)
    out = n([1.0, 2.0, 3.0, 4.0])
    assert out.op == "tanh"
    (pre,) = out._parents
    assert pre.op == "dot"
    assert set(pre._parents) == set(n.parameters())  # the inputs are constants
    assert Neuron(4, "linear", seed=0)([1.0] * 4).op == "dot"


def test_bias_is_the_weight_on_a_constant_one():
    n = Neuron(2, "linear", seed=3)
    with_bias = Neuron(3, "linear", bias=False, seed=0)
    with_bias.set_parameters([*(w.data for w in n.w), n.b.data])
    x = [0.7, -1.3]
    assert with_bias([*x, 1.0]).data == pytest.approx(n(x).data, rel=1e-15)
    assert len(with_bias.parameters()) == 3 and with_bias.b == 0.0


def test_micrograd_nonlin_keyword():
    assert Neuron(2, nonlin=True).activation == "relu"
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Neuron(2, "tanh", nonlin=True).activation == "tanh"
    assert Layer(2, 3, nonlin=False).neurons[2].nonlin is False
    assert Neuron(2).nonlin is True


def test_mlp_returns_a_value_for_one_output_and_a_list_otherwise():
    x = [0.5, -0.25]
    one = MLP(2, [4, 1], seed=0)(x)
    many = MLP(2, [4, 3], seed=0)(x)
    assert isinstance(one, Value)
    assert isinstance(many, list) and len(many) == 3 and all(isinstance(v, Value) for v in many)


def test_mlp_hidden_layers_are_relu_and_last_is_linear():
    model = MLP(2, [3, 3, 2], seed=0)
    assert [n.activation for layer in model.layers for n in layer.neurons] == (
        ["relu"] * 6 + ["linear"] * 2
    )
    tanh = MLP(2, [3, 1], "tanh", out_activation="sigmoid", seed=0)
    assert [layer.neurons[0].activation for layer in tanh.layers] == ["tanh", "sigmoid"]


def test_mlp_through_a_one_wide_hidden_layer():
    model = MLP(2, [1, 2], "linear", seed=0)
    model.set_parameters([2.0, 3.0, 1.0, 5.0, 0.0, -1.0, 1.0])  # h = 2a + 3b + 1
    out = model([1.0, 1.0])
    assert [v.data for v in out] == [30.0, -5.0]  # 5h, -h + 1


def test_inputs_may_be_values_and_receive_gradients():
    model = MLP(2, [3, 1], "tanh", seed=0)
    x = [Value(0.3), Value(-0.6)]
    model(x).backward()
    assert all(v.grad != 0.0 for v in x)


def test_same_seed_same_weights_and_global_random_untouched():
    state = random.getstate()
    a = MLP(3, [5, 2], seed=42)
    b = MLP(3, [5, 2], seed=42)
    c = MLP(3, [5, 2], seed=43)
    assert random.getstate() == state
    assert a.state_dict() == b.state_dict() != c.state_dict()
    rng = random.Random(7)
    assert Neuron(3, seed=rng).state_dict() != Neuron(3, seed=rng).state_dict()


def test_seed_1337_draws_the_weights_micrograds_demo_draws():
    theirs = micrograd_mlp(1337, 2, [16, 16, 1])
    ours = MLP(2, [16, 16, 1], seed=1337)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]


def test_same_weights_give_micrograds_loss_and_gradients():
    micrograd_nn = pytest.importorskip("micrograd.nn")
    theirs = micrograd_mlp(5, 2, [8, 8, 1])
    ours = MLP(2, [8, 8, 1], seed=0)
    ours.set_parameters(p.data for p in theirs.parameters())
    rng = random.Random(0)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(20)]
    y = [1 if a * b > 0 else -1 for a, b in X]
    # micrograd's demo loss, written as in its notebook
    scores = [theirs(list(map(micrograd_nn.Value, x))) for x in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
    their_loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in theirs.parameters())
    their_loss.backward()
    our_loss = hinge([ours(x) for x in X], y) + l2(ours, 1e-4)
    our_loss.backward()
    if sys.version_info < (3, 12):
        assert our_loss.data == their_loss.data  # same summation order: bitwise equal
    else:  # NOTE: from 3.12 the built-in sum() of floats is compensated, so a little closer
        assert our_loss.data == pytest.approx(their_loss.data, rel=1e-15)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("init, std", [("he", math.sqrt(2 / 50)), ("lecun", math.sqrt(1 / 50))])
def test_gaussian_inits_have_the_stated_spread(init, std):
    weights = [w.data for n in Layer(50, 40, init=init, seed=0).neurons for w in n.w]
    assert statistics.pstdev(weights) == pytest.approx(std, rel=0.05)
    assert abs(statistics.fmean(weights)) < 0.1 * std


def test_default_init_is_micrograds_uniform_and_zero_bias():
    layer = Layer(10, 30, seed=0)
    ws = [w.data for n in layer.neurons for w in n.w]
    assert all(-1.0 <= w <= 1.0 for w in ws) and min(ws) < -0.9 and max(ws) > 0.9
    assert all(n.b.data == 0.0 for n in layer.neurons)
    constant = Neuron(3, init=lambda rng, nin: 1.0 / nin)
    assert [w.data for w in constant.w] == [1 / 3] * 3


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_whole_mlp_loss_passes_gradcheck(activation):
    model = MLP(2, [4, 4, 1], activation, seed=0)
    neurons = [n for layer in model.layers for n in layer.neurons]
    rng = random.Random(1)
    # NOTE: nonzero biases, so no ReLU sits exactly on its kink (0 bias + dead inputs = 0.0)
    model.set_parameters(rng.uniform(-1, 1) for _ in model.parameters())
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(8)]
    y = [rng.choice([-1, 1]) for _ in X]

    def loss(*params):
        it = iter(params)
        for n in neurons:  # put the gradcheck leaves in as the parameters
            n.w = [next(it) for _ in n.w]
            n.b = next(it)
        return hinge([model(x) for x in X], y) + l2(model, 1e-2)

    result = gradcheck(loss, *[p.data for p in model.parameters()], tol=1e-6)
    assert result and len(result.analytic) == 37
    assert sum(g != 0.0 for g in result.analytic) > 20  # most of the network is live


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: Neuron(0), ValueError, "nin must be >= 1"),
        (lambda: Neuron(2.0), TypeError, "nin must be an int"),
        (lambda: Neuron(2, "swish"), ValueError, "unknown activation 'swish'"),
        (lambda: Neuron(2, nonlin="yes"), TypeError, "nonlin"),
        (lambda: Neuron(2, init="zeros"), ValueError, "unknown init"),
        (lambda: Layer(2, 0), ValueError, "nout must be >= 1"),
        (lambda: MLP(2, 16), TypeError, "list of layer sizes"),
        (lambda: MLP(2, []), TypeError, "list of layer sizes"),
        (lambda: MLP(2, [4, -1]), ValueError, "layer size must be >= 1"),
        (lambda: MLP(2, [4, 1], seed="x"), TypeError, "seed"),
    ],
)
def test_bad_construction_arguments_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_wrong_input_length_is_a_clear_error():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="str"):
        model(["a", "b"])


def test_without_a_seed_random_seed_reproduces_the_model_as_in_micrograd():
    state = random.getstate()
    try:
        random.seed(1337)
        a = MLP(2, [4, 1])
        random.seed(1337)
        b = MLP(2, [4, 1])
    finally:
        random.setstate(state)
    assert a.state_dict() == b.state_dict() == MLP(2, [4, 1], seed=1337).state_dict()


def test_a_layer_follows_edits_to_its_neurons_between_calls():
    layer = Layer(2, 3, seed=0)
    x = [0.5, -1.0]

    def expected() -> list[float]:
        return [n(x).data for n in layer.neurons]

    assert [v.data for v in layer(x)] == expected()
    layer.neurons[1].activation = "tanh"  # mixed activations: neuron by neuron
    assert [v.data for v in layer(x)] == expected()
    layer.neurons[1].activation = "relu"
    layer.neurons[0].w = [Value(-3.0), Value(2.0)]  # a new weight list
    layer.neurons[2].b = Value(5.0)  # a new bias
    assert [v.data for v in layer(x)] == expected() and layer(x)[0].data == 0.0
    layer.neurons[2] = Neuron(2, "linear", seed=4)  # a new neuron in the list
    assert [v.data for v in layer(x)] == expected()
    layer.neurons[0].w[1] = Value(7.0)  # a weight replaced inside its list
    assert [v.data for v in layer(x)] == expected()
