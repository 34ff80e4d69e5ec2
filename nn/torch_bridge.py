"""The bridge to PyTorch: ``to_torch`` exports an MLP as a ``torch.nn.Sequential``, ``from_torch``
brings one back. torch is optional and imported only inside these two functions.

An ``nn.Layer`` becomes ``Linear(nin, nout)`` (row j of its weight is neuron j's ``w``, its bias
the neurons' ``b``) followed by the layer's activation; a linear layer gets no activation module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autograd import Value

from .layers import MLP, Layer, Neuron
from .module import Module

if TYPE_CHECKING:
    import torch

INSTALL = (
    "pip install torch --index-url https://download.pytorch.org/whl/cpu (the CPU build), "
    "then pip install -e '.[torch]'"
)
LEAKY_SLOPE = 0.01  # Value.leaky_relu's default, the slope nn's "leaky_relu" uses

# Our activation name -> the name of its torch.nn module ("linear" has none).
TORCH_ACTIVATIONS = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyReLU",
    "linear": None,
}


def _require_torch(caller: str) -> None:
    try:
        import torch  # noqa: F401
    except ImportError as e:
        raise ImportError(f"{caller} needs PyTorch, which is not installed: {INSTALL}") from e


# --- export ---


def to_torch(model: Module, dtype: torch.dtype | None = None) -> torch.nn.Sequential:
    """``model`` (an ``nn.MLP`` or ``nn.Layer``) as a ``torch.nn.Sequential`` with its weights.

    The result computes the same function: Linear layers, each followed by the layer's
    activation (ReLU, Tanh, Sigmoid, LeakyReLU(0.01); none for "linear").

    Args:
        dtype: a floating torch dtype, default ``torch.float64``, in which every weight is
            exact; in float32 the weights are rounded.

    Raises:
        TypeError: for any other Module, or one whose parts were replaced by other code.
        ValueError: for a layer whose neurons differ in activation or in having a bias.
        ImportError: if torch is not installed.
    """
    _require_torch("nn.to_torch")
    import torch

    dtype = torch.float64 if dtype is None else dtype
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"to_torch: dtype must be a floating torch dtype, got {dtype!r}")
    layers = _layers_of(model)
    modules: list[Any] = []
    for i, layer in enumerate(layers):
        where = f"layers.{i}" if isinstance(model, MLP) else type(model).__name__
        activation, bias = _layer_kind(layer, where)
        if i and layer.nin != layers[i - 1].nout:
            raise ValueError(
                f"to_torch: {where} takes {layer.nin} inputs but layers.{i - 1} "
                f"gives {layers[i - 1].nout}"
            )
        # NB: made on the meta device, as torch.nn.utils.skip_init does: no throwaway random
        # init, so torch's global RNG is left as it was
        linear = torch.nn.Linear(layer.nin, layer.nout, bias, device="meta", dtype=dtype)
        linear = linear.to_empty(device="cpu")
        rows = [
            [_weight(w, f"{where}.neurons.{j}.w") for w in n.w] for j, n in enumerate(layer.neurons)
        ]
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(rows, dtype=torch.float64))
            if bias:
                b = [_weight(n.b, f"{where}.neurons.{j}.b") for j, n in enumerate(layer.neurons)]
                linear.bias.copy_(torch.tensor(b, dtype=torch.float64))
        modules.append(linear)
        if activation == "leaky_relu":
            modules.append(torch.nn.LeakyReLU(LEAKY_SLOPE))
        elif TORCH_ACTIVATIONS[activation] is not None:
            modules.append(getattr(torch.nn, str(TORCH_ACTIVATIONS[activation]))())
    return torch.nn.Sequential(*modules)


def _layers_of(model: Any) -> list[Layer]:
    """The model's layers, after checking it is a plain MLP or Layer with nothing added."""
    if isinstance(model, Layer) and _plain(model, Layer):
        layers = [model]
    elif isinstance(model, MLP) and _plain(model, MLP):
        if not isinstance(model.layers, (list, tuple)) or not model.layers:
            raise TypeError("to_torch: the MLP's layers must be a non-empty list of nn.Layer")
        layers = list(model.layers)
        for i, layer in enumerate(layers):
            if not (isinstance(layer, Layer) and _plain(layer, Layer)):
                raise TypeError(
                    f"to_torch: cannot export layers.{i} ({type(layer).__name__}): "
                    "only nn.Layer (a Linear layer and its activation) has a torch counterpart"
                )
    else:
        raise TypeError(
            f"to_torch: cannot export {type(model).__name__}: only nn.MLP and nn.Layer "
            "(Linear layers and their activations) have a torch counterpart"
        )
    inside = {p for layer in layers for p in layer.parameters()}
    for name, p in model.named_parameters():
        if p not in inside:
            raise TypeError(
                f"to_torch: {type(model).__name__} has a parameter outside its layers, "
                f"{name!r}, that a torch Sequential would lose"
            )
    return layers


def _layer_kind(layer: Layer, where: str) -> tuple[str, bool]:
    """The layer's one activation and whether its neurons have biases; mixtures are refused."""
    neurons = layer.neurons
    if not isinstance(neurons, (list, tuple)) or not neurons:
        raise ValueError(
            f"to_torch: {where} has no neurons (its list is empty); a torch Linear needs at "
            "least one output: give it neurons, or drop the layer"
        )
    for j, n in enumerate(neurons):
        if not (isinstance(n, Neuron) and _plain(n, Neuron)):
            raise TypeError(
                f"to_torch: cannot export {where}.neurons.{j} ({type(n).__name__}): "
                "only nn.Neuron has a torch counterpart"
            )
        if len(n.w) != layer.nin:
            raise ValueError(
                f"to_torch: {where}.neurons.{j} has {len(n.w)} weights, neurons.0 has {layer.nin}"
            )
    activations = list(dict.fromkeys(n.activation for n in neurons))
    if len(activations) > 1:
        raise ValueError(
            f"to_torch: {where} mixes activations ({', '.join(activations)}); a torch "
            "layer applies one activation to all its outputs"
        )
    biases = {isinstance(n.b, Value) for n in neurons}
    if len(biases) > 1:
        raise ValueError(
            f"to_torch: {where} mixes neurons with and without a bias; a torch Linear "
            "has a bias for every output or for none"
        )
    if not biases.pop():
        for j, n in enumerate(neurons):
            if n.b != 0.0:
                raise ValueError(
                    f"to_torch: {where}.neurons.{j} has a constant bias {n.b!r}; "
                    "a Linear without bias adds 0"
                )
        return activations[0], False
    return activations[0], True


def _weight(w: Any, where: str) -> float:
    if not isinstance(w, Value):
        raise TypeError(f"to_torch: {where} is a {type(w).__name__}, not a Value parameter")
    return w.data


def _plain(obj: Any, cls: type[Module]) -> bool:
    """True unless obj's class changed what cls computes (a user forward or __call__)."""
    kind = type(obj)
    return kind.forward is cls.forward and kind.__call__ is cls.__call__


# --- import ---


def from_torch(module: torch.nn.Module) -> MLP:
    """An ``nn.MLP`` with exactly the weights of a ``torch.nn.Sequential`` of Linear layers,
    each followed by at most one of ReLU, Tanh, Sigmoid, LeakyReLU(0.01) or Identity.

    Layers may differ in activation and in having a bias; the weights are converted to float
    exactly (float64, float32, float16 and bfloat16 all are). ``from_torch(to_torch(m))``
    has the same weights as ``m``, bit for bit.

    Raises:
        TypeError: for anything but such a Sequential, naming the module it cannot convert.
        ValueError: for layers whose sizes do not chain, or a LeakyReLU of another slope.
        ImportError: if torch is not installed.
    """
    _require_torch("nn.from_torch")
    import torch

    supported = "Linear, ReLU, Tanh, Sigmoid, LeakyReLU(0.01), Identity"
    if type(module) is not torch.nn.Sequential:
        raise TypeError(
            f"from_torch: expected a torch.nn.Sequential of {supported}, "
            f"got {type(module).__name__}"
        )
    by_class = {
        getattr(torch.nn, cls): name for name, cls in TORCH_ACTIVATIONS.items() if cls is not None
    }
    by_class[torch.nn.Identity] = "linear"
    specs: list[tuple[Any, str]] = []  # (Linear, activation name)
    for name, m in module.named_children():
        kind = type(m)
        if kind is torch.nn.Linear:
            _check_linear(m, name, specs)
            specs.append((m, "linear"))
        elif kind in by_class:
            act = by_class[kind]
            if not specs:
                raise TypeError(
                    f"from_torch: module {name} ({kind.__name__}) comes before any Linear"
                )
            if specs[-1][1] != "linear":
                raise TypeError(
                    f"from_torch: module {name} ({kind.__name__}) follows another activation; "
                    "an nn.Layer has one"
                )
            if kind is torch.nn.LeakyReLU and m.negative_slope != LEAKY_SLOPE:
                raise ValueError(
                    f"from_torch: module {name} (LeakyReLU) has slope {m.negative_slope!r}; "
                    f"nn's leaky_relu has {LEAKY_SLOPE}"
                )
            if kind is not torch.nn.Identity:
                specs[-1] = (specs[-1][0], act)
        else:
            raise TypeError(
                f"from_torch: unsupported module {name} ({kind.__name__}); supported: {supported}"
            )
    if not specs:
        raise TypeError("from_torch: the Sequential has no Linear layer")
    nin = specs[0][0].in_features
    model = MLP(nin, [lin.out_features for lin, _ in specs], seed=0)
    for layer, (linear, act) in zip(model.layers, specs, strict=True):
        rows = linear.weight.detach().to(device="cpu", dtype=torch.float64).tolist()
        bias = None
        if linear.bias is not None:
            bias = linear.bias.detach().to(device="cpu", dtype=torch.float64).tolist()
        for j, n in enumerate(layer.neurons):
            n.activation = act
            for w, x in zip(n.w, rows[j], strict=True):
                w.data = x
            if bias is None:
                n.b = 0.0  # as Neuron(bias=False) has it: a constant, not a parameter
            elif isinstance(n.b, Value):  # always: the MLP was made with biases
                n.b.data = bias[j]
    return model


def _check_linear(m: Any, name: str, specs: list[tuple[Any, str]]) -> None:
    w = m.weight
    if w.is_complex() or not w.is_floating_point() or w.is_meta:
        raise TypeError(f"from_torch: module {name} (Linear) has {w.dtype} weights on {w.device}")
    sizes = f"in_features={m.in_features}, out_features={m.out_features}"
    if tuple(w.shape) != (m.out_features, m.in_features):
        raise ValueError(
            f"from_torch: module {name} (Linear) has a weight of shape {tuple(w.shape)}, but "
            f"{sizes} means ({m.out_features}, {m.in_features}); make the sizes agree"
        )
    if m.bias is not None and tuple(m.bias.shape) != (m.out_features,):
        raise ValueError(
            f"from_torch: module {name} (Linear) has a bias of shape {tuple(m.bias.shape)}, but "
            f"{sizes} means ({m.out_features},); make the sizes agree"
        )
    if specs and specs[-1][0].out_features != m.in_features:
        raise ValueError(
            f"from_torch: module {name} (Linear) takes {m.in_features} inputs but the layer "
            f"before gives {specs[-1][0].out_features}"
        )
