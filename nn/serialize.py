"""save and load: a model's parameters as JSON, named as ``named_parameters`` names them.

Floats are written with ``repr``, the shortest text that reads back as the same float, so a
round trip is exact. No pickle: loading a file never runs code from it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from typing import Any

from autograd import Value

from .layers import MLP, Layer, Neuron
from .module import Module

FORMAT, VERSION = "chainrule.nn", 1
PathLike = str | os.PathLike[str]
_REBUILD: dict[str, Callable[..., Module]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}


def save(model: Module, path: PathLike) -> None:
    """Write the model's parameters (and, for Neuron/Layer/MLP, its shape) to ``path`` as JSON."""
    if not isinstance(model, Module):
        raise TypeError(f"save: expected a Module, got {type(model).__name__}")
    state = model.state_dict()
    for name, x in state.items():
        if not math.isfinite(x):
            raise ValueError(f"save: parameter {name} is {x!r}; only finite values can be saved")
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "class": type(model).__name__,
        "config": _config(model),
        "parameters": state,
    }
    text = json.dumps(doc, indent=1, allow_nan=False)
    # NOTE: write a temporary file and rename it, so a failed save never leaves half a file.
    tmp = f"{os.fspath(path)}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path: PathLike, model: Module | None = None) -> Module:
    """Read a file written by ``save`` into ``model``, or else into a rebuilt Neuron/Layer/MLP.

    Raises ValueError if the file is not a chainrule model or its parameter names do not match
    the model's; the model is then left unchanged.
    """
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"load: {os.fspath(path)} is not a chainrule model file ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"load: {os.fspath(path)} is not a chainrule model file (no format tag)")
    if doc.get("version") != VERSION:
        raise ValueError(
            f"load: {os.fspath(path)} has format version {doc.get('version')!r}; "
            f"this chainrule reads version {VERSION}"
        )
    state = doc.get("parameters")
    if not isinstance(state, dict):
        raise ValueError(f"load: {os.fspath(path)} has no parameter table")
    if model is None:
        model = _rebuild(path, doc.get("class"), doc.get("config"))
    elif not isinstance(model, Module):
        raise TypeError(f"load: model must be a Module, got {type(model).__name__}")
    try:
        model.load_state_dict(state)
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {os.fspath(path)} does not match the model: {e}") from None
    return model


def _config(model: Module) -> dict[str, Any] | None:
    """Constructor arguments that rebuild the model's shape (None for other Module classes)."""
    if type(model) is Neuron:
        return {"nin": model.nin, "activation": model.activation, "bias": _has_bias([model])}
    if type(model) is Layer:
        return {
            "nin": model.nin,
            "nout": model.nout,
            "activation": _one_activation(model),
            "bias": _has_bias(model.neurons),
        }
    if type(model) is MLP:
        *hidden, last = model.layers
        acts = {_one_activation(layer) for layer in hidden}
        if len(acts) > 1 or None in acts or _one_activation(last) is None:
            return None
        return {
            "nin": model.sizes[0],
            "nouts": model.sizes[1:],
            "activation": acts.pop() if acts else "relu",
            "out_activation": _one_activation(last),
            "bias": _has_bias([n for layer in model.layers for n in layer.neurons]),
        }
    return None


def _one_activation(layer: Layer) -> str | None:
    acts = {n.activation for n in layer.neurons}
    return acts.pop() if len(acts) == 1 else None


def _has_bias(neurons: list[Neuron]) -> bool | None:
    flags = {isinstance(n.b, Value) for n in neurons}
    return flags.pop() if len(flags) == 1 else None


def _rebuild(path: PathLike, cls: Any, config: Any) -> Module:
    if cls not in _REBUILD or not isinstance(config, dict) or None in config.values():
        raise ValueError(
            f"load: {os.fspath(path)} holds a {cls!s} that cannot be rebuilt from the file; "
            "build the model yourself and pass it: load(path, model)"
        )
    try:
        return _REBUILD[cls](**config, seed=0)
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {os.fspath(path)} has a bad model config ({e})") from None
