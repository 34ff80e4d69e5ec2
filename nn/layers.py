"""Neuron, Layer and MLP: micrograd's three building blocks, with a choice of activation and init.

A Neuron is one ``autograd.dot`` node (``b + sum_i w_i x_i``, summed left to right as micrograd
does) followed by its activation. The bias is an ordinary parameter: the weight on a constant 1.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from autograd import Value, dense, dot

from ._random import Seed, make_rng
from .module import Module

Input = Value | float
Init = str | Callable[[random.Random, int], float]

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,  # slope 0.01
    "linear": None,
}

# The activations autograd.dense builds inline (a one-input op each, or none).
_DENSE = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "linear": None}
_ACTIVATION_OF, _W, _B = attrgetter("_activation"), attrgetter("w"), attrgetter("b")
# Counts the attribute assignments on every Neuron: a Layer's plan for dense stays valid while
# this count and the Layer's list of neurons are unchanged.
_neuron_edits = 0

INITS: dict[str, Callable[[random.Random, int], float]] = {
    "uniform": lambda rng, nin: rng.uniform(-1.0, 1.0),  # micrograd's: w ~ U(-1, 1)
    "he": lambda rng, nin: rng.gauss(0.0, math.sqrt(2.0 / nin)),  # for relu: Var w = 2 / nin
    "lecun": lambda rng, nin: rng.gauss(0.0, math.sqrt(1.0 / nin)),  # for tanh: Var w = 1 / nin
}


class Neuron(Module):
    """One unit: ``activation(b + sum_i w_i x_i)``."""

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        nonlin: bool | None = None,
        bias: bool = True,
        init: Init = "uniform",
        seed: Seed = None,
    ) -> None:
        nin = _size("Neuron", "nin", nin)
        draw = _init(init)
        rng = make_rng(seed)
        self.w = [Value(float(draw(rng, nin))) for _ in range(nin)]
        # NOTE: without a bias, b is the constant 0.0: not a Value, so not a parameter.
        self.b: Input = Value(0.0) if bias else 0.0
        self.activation = _activation(activation, nonlin)

    def __setattr__(self, name: str, value: Any) -> None:
        global _neuron_edits
        _neuron_edits += 1
        super().__setattr__(name, value)

    @property
    def activation(self) -> str:
        return self._activation

    @activation.setter
    def activation(self, name: str) -> None:
        self._act = ACTIVATIONS[_activation(name, None)]
        self._activation = name

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the activation is linear."""
        return self._act is not None

    @property
    def nin(self) -> int:
        return len(self.w)

    def forward(self, x: Sequence[Input]) -> Value:
        act = dot(self.w, x, self.b)
        f = self._act
        return act if f is None else f(act)

    def extra_repr(self) -> str:
        return f"{self.nin}, {self.activation}"


class Layer(Module):
    """``nout`` neurons that all see the same inputs; one output is returned as a Value."""

    _repr_children = False

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        nonlin: bool | None = None,
        bias: bool = True,
        init: Init = "uniform",
        seed: Seed = None,
    ) -> None:
        nin = _size("Layer", "nin", nin)
        nout = _size("Layer", "nout", nout)
        rng = make_rng(seed)
        act = _activation(activation, nonlin)
        self.neurons = [Neuron(nin, act, bias=bias, init=init, seed=rng) for _ in range(nout)]

    @property
    def nin(self) -> int:
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        return len(self.neurons)

    def forward(self, x: Sequence[Input] | Input) -> Value | list[Value]:
        if isinstance(x, (Value, int, float)):
            x = [x]  # the previous layer had one neuron
        elif type(x) is not list:
            x = list(x)
        neurons = self.neurons
        if len(x) != len(neurons[0].w):
            raise ValueError(f"Layer: expected {self.nin} inputs, got {len(x)}")
        plan = self._plan
        # NOTE: the plan (each neuron's w and b, the activation) is kept from the last call while
        # no Neuron attribute was set and the list holds the same neurons (== on Modules is
        # identity): 5.7% fewer instructions per demo step (callgrind).
        if plan is None or plan[0] != _neuron_edits or plan[1] != neurons:
            plan = self._plan = self._make_plan()
        if plan[2] is not None:
            # NOTE: one engine call for the whole layer (autograd.dense), not one per neuron:
            # the demo step runs 19% fewer instructions.
            out = dense(plan[2], x, plan[3], plan[4])
        else:  # a neuron of its own kind, or mixed activations: each neuron on its own
            out = [n(x) for n in neurons]
        return out[0] if len(out) == 1 else out

    _plan: tuple[Any, ...] | None = None

    def _make_plan(self) -> tuple[Any, ...]:
        """(edit count, neurons, weight rows, biases, activation) for dense; rows None when
        the neurons cannot go through dense (a kind of their own, mixed activations)."""
        neurons = self.neurons
        acts = set(map(_ACTIVATION_OF, neurons))
        act = acts.pop() if len(acts) == 1 else ""
        if act in _DENSE and set(map(type, neurons)) == {Neuron}:
            rows, biases = list(map(_W, neurons)), list(map(_B, neurons))
            return _neuron_edits, [*neurons], rows, biases, _DENSE[act]
        return _neuron_edits, [*neurons], None, None, None

    def extra_repr(self) -> str:
        return f"{self.nin} -> {self.nout}, {self.neurons[0].activation}"


class MLP(Module):
    """Layers in sequence: ``activation`` on the hidden layers, ``out_activation`` on the last."""

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        *,
        out_activation: str = "linear",
        bias: bool = True,
        init: Init = "uniform",
        seed: Seed = None,
    ) -> None:
        nin = _size("MLP", "nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(
                f"MLP: nouts must be a non-empty list of layer sizes like [16, 16, 1], "
                f"got {nouts!r}"
            )
        sizes = [nin] + [_size("MLP", "layer size", n) for n in nouts]
        hidden = _activation(activation, None)
        last = _activation(out_activation, None)
        rng = make_rng(seed)
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                hidden if i < len(nouts) - 1 else last,
                bias=bias,
                init=init,
                seed=rng,
            )
            for i in range(len(nouts))
        ]

    def forward(self, x: Sequence[Input]) -> Value | list[Value]:
        out: Any = x
        for layer in self.layers:
            out = layer(out)
        return out  # type: ignore[no-any-return]

    @property
    def sizes(self) -> list[int]:
        return [self.layers[0].nin] + [layer.nout for layer in self.layers]

    def extra_repr(self) -> str:
        return " -> ".join(map(str, self.sizes))


def _size(owner: str, what: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{owner}: {what} must be an int, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{owner}: {what} must be >= 1, got {n}")
    return n


def _activation(name: Any, nonlin: bool | None) -> str:
    """Check an activation name; micrograd's ``nonlin=False`` means linear."""
    if nonlin is not None and not isinstance(nonlin, bool):
        raise TypeError(f"nonlin must be True or False, got {type(nonlin).__name__}")
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}")
    if nonlin is None:
        return name
    if not nonlin:
        return "linear"
    return "relu" if name == "linear" else name


def _init(init: Init) -> Callable[[random.Random, int], float]:
    if callable(init):
        return init
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose from {', '.join(INITS)} or a function")
    return INITS[init]
