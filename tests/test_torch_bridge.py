"""nn.to_torch / nn.from_torch: same function, same gradients, exact weights, clear refusals.

Tests marked ``torch`` skip (with the reason) where torch is missing; the others pin what the
bridge does without it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import NEEDS_TORCH, all_close, fresh_python, inputs, mlps, torch_flat
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value
from nn.torch_bridge import TORCH_ACTIVATIONS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason=NEEDS_TORCH)


# --- without torch ---


def test_import_nn_does_not_import_torch():
    code = "import sys, nn, autograd; print('torch' in sys.modules)"
    assert fresh_python(code).strip() == "False"


@pytest.mark.parametrize("convert", [nn.to_torch, nn.from_torch])
def test_without_torch_the_error_says_what_to_install(convert, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match=r"needs PyTorch.*whl/cpu.*pip install -e '\.\[torch\]'"):
        convert(nn.MLP(2, [1], seed=0))


def test_every_activation_has_a_torch_counterpart():
    assert set(TORCH_ACTIVATIONS) == set(nn.ACTIVATIONS)


# --- export: the same function ---


@pytest.mark.torch
@settings(max_examples=60)
@given(data=st.data())
def test_export_gives_the_same_outputs_and_gradients(torch, data):
    model = data.draw(mlps())
    nin, nout = model.sizes[0], model.sizes[-1]
    X = data.draw(inputs(nin))
    net = nn.to_torch(model)
    xs = [[Value(v) for v in row] for row in X]
    outs = [model(row) for row in xs]
    outs = [[o] if nout == 1 else o for o in outs]
    loss = sum((o + 1.0) ** 2 * 0.5 for row in outs for o in row)  # upstream grad != 1
    loss.backward()
    Xt = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    ref = net(Xt)
    ((ref + 1.0) ** 2 * 0.5).sum().backward()
    assert all_close([o.data for row in outs for o in row], ref.flatten().tolist())
    assert all_close([p.grad for p in model.parameters()], torch_flat(net, grad=True))
    assert all_close([v.grad for row in xs for v in row], Xt.grad.flatten().tolist())


@pytest.mark.torch
@settings(max_examples=60)
@given(model=mlps())
def test_round_trip_keeps_every_weight_bit_for_bit(torch, model):
    back = nn.from_torch(nn.to_torch(model))
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert back.sizes == model.sizes
    shape = [[(n.activation, isinstance(n.b, Value)) for n in la.neurons] for la in model.layers]
    assert [[(n.activation, isinstance(n.b, Value)) for n in la.neurons] for la in back.layers] == (
        shape
    )


@pytest.mark.torch
def test_export_maps_each_activation_to_its_module(torch):
    model = nn.MLP(2, [3, 3, 3, 3, 1], seed=0)
    for layer, act in zip(
        model.layers, ["relu", "tanh", "sigmoid", "leaky_relu", "linear"], strict=True
    ):
        for n in layer.neurons:
            n.activation = act
    net = nn.to_torch(model)
    names = [type(m).__name__ for m in net]
    assert names == ["Linear", "ReLU", "Linear", "Tanh", "Linear", "Sigmoid"] + [
        "Linear",
        "LeakyReLU",
        "Linear",
    ]
    assert net[7].negative_slope == 0.01
    assert all(p.dtype == torch.float64 for p in net.parameters())


@pytest.mark.torch
def test_export_of_a_layer_and_of_a_bias_free_mlp(torch):
    net = nn.to_torch(nn.Layer(3, 2, "tanh", seed=0))
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh"]
    net = nn.to_torch(nn.MLP(3, [2, 1], bias=False, seed=0))
    assert all(m.bias is None for m in net if isinstance(m, torch.nn.Linear))


@pytest.mark.torch
def test_float32_export_rounds_each_weight_once(torch):
    model = nn.MLP(3, [4, 2], seed=0)
    net = nn.to_torch(model, dtype=torch.float32)
    expected = torch.tensor([p.data for p in model.parameters()], dtype=torch.float32)
    assert torch_flat(net) == expected.tolist()


@pytest.mark.torch
def test_export_leaves_torchs_random_state_alone(torch):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    nn.to_torch(nn.MLP(4, [8, 8, 1], seed=0))
    assert torch.equal(torch.rand(3), expected)


# --- import: torch's weights, exactly ---


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
def test_import_takes_torch_weights_exactly(torch, dtype):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 4),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 4, bias=False),
        torch.nn.Identity(),
        torch.nn.Linear(4, 2),
        torch.nn.LeakyReLU(),
    ).to(getattr(torch, dtype))
    model = nn.from_torch(net)
    assert [p.data for p in model.parameters()] == torch_flat(net.double())
    assert [la.neurons[0].activation for la in model.layers] == ["tanh", "linear", "leaky_relu"]
    x = [0.5, -1.0, 2.0]
    expected = net.double()(torch.tensor(x, dtype=torch.float64)).tolist()
    assert all_close([o.data for o in model(x)], expected)


@pytest.mark.torch
def test_import_of_an_export_in_float32_returns_the_same_net(torch):
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    again = nn.to_torch(nn.from_torch(net), dtype=torch.float32)
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), again.parameters(), strict=True))


# --- refusals, each naming the part ---


class Affine(nn.Module):
    def __init__(self) -> None:
        self.w = Value(2.0)

    def forward(self, x):
        return self.w * x[0]


class ScaledMLP(nn.MLP):
    def forward(self, x):
        return super().forward(x) * 2.0


class MLPWithTemperature(nn.MLP):
    def __init__(self) -> None:
        super().__init__(2, [2, 1], seed=0)
        self.temperature = Value(1.0)


def _mixed_activations() -> nn.MLP:
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[1].activation = "tanh"
    return model


def _mixed_bias() -> nn.MLP:
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[0].b = 0.0
    return model


def _constant_bias() -> nn.MLP:
    model = nn.MLP(2, [3, 1], bias=False, seed=0)
    model.layers[0].neurons[2].b = 0.5
    return model


def _user_layer() -> nn.MLP:
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[1] = Affine()
    return model


def _constant_weight() -> nn.MLP:
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[1].w[0] = 0.5
    return model


def _emptied_layer() -> nn.MLP:
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[0].neurons.clear()
    return model


def _broken_chain() -> nn.MLP:
    model = nn.MLP(2, [3, 1], seed=0)
    model.layers[1] = nn.Layer(4, 1, seed=0)
    return model


@pytest.mark.torch
@pytest.mark.parametrize(
    "make, error, match",
    [
        (Affine, TypeError, "cannot export Affine: only nn.MLP and nn.Layer"),
        (lambda: nn.Neuron(2, seed=0), TypeError, "cannot export Neuron"),
        (lambda: ScaledMLP(2, [1], seed=0), TypeError, "cannot export ScaledMLP"),
        (MLPWithTemperature, TypeError, "parameter outside its layers, 'temperature'"),
        (_mixed_activations, ValueError, r"layers.0 mixes activations \(relu, tanh\)"),
        (_mixed_bias, ValueError, "layers.0 mixes neurons with and without a bias"),
        (_constant_bias, ValueError, "layers.0.neurons.2 has a constant bias 0.5"),
        (_user_layer, TypeError, r"cannot export layers.1 \(Affine\)"),
        (_constant_weight, TypeError, "layers.0.neurons.1.w is a float"),
        (_broken_chain, ValueError, "layers.1 takes 4 inputs but layers.0 gives 3"),
        (_emptied_layer, ValueError, r"layers.0 has no neurons \(its list is empty\)"),
    ],
)
def test_export_refuses_what_torch_cannot_express(torch, make, error, match):
    with pytest.raises(error, match=match):
        nn.to_torch(make())


@pytest.mark.torch
def test_export_refuses_a_non_float_dtype(torch):
    with pytest.raises(TypeError, match="floating torch dtype, got torch.int64"):
        nn.to_torch(nn.MLP(2, [1], seed=0), dtype=torch.int64)


def _reshaped_linear(t):
    import torch

    linear = t.Linear(2, 3)
    linear.weight = t.Parameter(torch.zeros(3, 5))  # in_features still says 2
    return [linear]


def _reshaped_bias(t):
    import torch

    linear = t.Linear(2, 3)
    linear.bias = t.Parameter(torch.zeros(2))
    return [linear]


@pytest.mark.torch
@pytest.mark.parametrize(
    "modules, error, match",
    [
        (
            lambda t: [t.Linear(2, 3), t.Dropout(), t.Linear(3, 1)],
            TypeError,
            r"module 1 \(Dropout\)",
        ),
        (lambda t: [t.Linear(2, 3), t.GELU()], TypeError, r"unsupported module 1 \(GELU\)"),
        (lambda t: [t.Sequential(t.Linear(2, 1))], TypeError, r"module 0 \(Sequential\)"),
        (lambda t: [t.ReLU(), t.Linear(2, 1)], TypeError, r"0 \(ReLU\) comes before any Linear"),
        (lambda t: [t.Linear(2, 1), t.ReLU(), t.Tanh()], TypeError, r"2 \(Tanh\) follows another"),
        (lambda t: [t.Linear(2, 1), t.LeakyReLU(0.2)], ValueError, r"\(LeakyReLU\) has slope 0.2"),
        (lambda t: [t.Linear(2, 3), t.Linear(4, 1)], ValueError, r"1 \(Linear\) takes 4 inputs"),
        (lambda t: [], TypeError, "has no Linear layer"),
        (_reshaped_linear, ValueError, r"0 \(Linear\) has a weight of shape \(3, 5\), but"),
        (_reshaped_bias, ValueError, r"0 \(Linear\) has a bias of shape \(2,\), but"),
    ],
)
def test_import_refuses_unsupported_modules_by_name(torch, modules, error, match):
    with pytest.raises(error, match=match):
        nn.from_torch(torch.nn.Sequential(*modules(torch.nn)))


@pytest.mark.torch
def test_import_refuses_anything_but_a_sequential(torch):
    with pytest.raises(TypeError, match="expected a torch.nn.Sequential .*, got Linear"):
        nn.from_torch(torch.nn.Linear(2, 1))
