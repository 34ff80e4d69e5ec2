"""Optimizers: SGD (momentum, weight decay), Adam, AdamW. They read ``p.grad``, write ``p.data``.

State (velocities, moments) lives in the optimizer, in lists aligned with its parameters, never on
the Values; ``state_dict()`` gives it as JSON-able data and ``load_state_dict`` resumes from it.
``lr`` is a number or a schedule ``k -> lr`` (see ``nn.schedules``), k = steps taken.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from autograd import Value

from .module import Module

LR = float | Callable[[int], float]
STATE_FORMAT = "chainrule.optim"


class Optimizer:
    """Base class: holds the parameters, the learning rate (or schedule) and the step count."""

    def __init__(self, params: Module | Iterable[Value], lr: LR) -> None:
        name = type(self).__name__
        if isinstance(params, Module):
            params = params.parameters()
        elif isinstance(params, Value):
            raise TypeError(f"{name}: params must be a list of Values or a Module, got one Value")
        elif callable(params):
            raise TypeError(
                f"{name}: params is a method or function, not the parameters; call it: "
                f"{name}(model.parameters(), ...)"
            )
        ps: list[Value] = []
        seen: set[Value] = set()
        for p in params:
            if not isinstance(p, Value):
                raise TypeError(f"{name}: params must be Values, got {type(p).__name__}")
            if p not in seen:
                seen.add(p)
                ps.append(p)
        if not ps:
            raise ValueError(f"{name}: got an empty list of parameters")
        if not callable(lr):
            lr = _hyper(name, "lr", lr, low=0.0)
        self.params = ps
        self.schedule = lr
        self.steps = 0  # how many times step() has run; a schedule sees this as k

    @property
    def lr(self) -> float:
        """The learning rate the next ``step()`` will use."""
        if not callable(self.schedule):
            return self.schedule
        lr = self.schedule(self.steps)
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0.0 <= lr < math.inf:
            raise ValueError(f"{type(self).__name__}: schedule gave lr {lr!r} at step {self.steps}")
        return float(lr)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``.grad``; a NaN or inf gradient changes nothing."""
        lr = self.lr
        for i, p in enumerate(self.params):
            if not math.isfinite(p.grad):
                label = f" {p.label!r}" if p.label else ""
                raise FloatingPointError(
                    f"{type(self).__name__}.step: parameter {i}{label} has gradient {p.grad!r}; "
                    "no parameter was changed"
                )
        self._update(lr)
        self.steps += 1

    def _update(self, lr: float) -> None:
        raise NotImplementedError

    # --- saving and resuming ---

    _hyper_names: tuple[str, ...] = ()  # constructor arguments besides params and lr
    _buffer_names: tuple[str, ...] = ()  # per-parameter lists of floats, aligned with params

    def state_dict(self) -> dict[str, Any]:
        """The state as plain JSON data: step count, hyper-parameters and per-parameter buffers.

        ``lr`` is recorded as a number, or as None for a schedule (a schedule is code, not data:
        the optimizer that loads the state keeps its own). Parameters are not named: the
        buffers follow the order of ``params``, as in PyTorch.
        """
        hyper: dict[str, Any] = {"lr": None if callable(self.schedule) else self.schedule}
        for name in self._hyper_names:
            x = getattr(self, name)
            hyper[name] = list(x) if isinstance(x, tuple) else x
        return {
            "format": STATE_FORMAT,
            "optimizer": type(self).__name__,
            "steps": self.steps,
            "hyper": hyper,
            "buffers": {name: list(getattr(self, name)) for name in self._buffer_names},
        }

    def load_state_dict(self, state: Any) -> None:
        """Resume from ``state_dict()`` output (perhaps through JSON): steps, buffers, hyper-params.

        The hyper-parameters in ``state`` replace this optimizer's (PyTorch does the same); an
        ``lr`` of None keeps this optimizer's lr or schedule. Everything is checked first, so a
        bad ``state`` raises TypeError/ValueError and changes nothing.
        """
        name = type(self).__name__
        where = f"{name}.load_state_dict"
        if not isinstance(state, dict):
            raise TypeError(f"{where}: expected a dict, got {type(state).__name__}")
        _keys(where, "state", state, {"format", "optimizer", "steps", "hyper", "buffers"})
        if state["format"] != STATE_FORMAT:
            raise ValueError(
                f"{where}: format tag is {state['format']!r}, expected {STATE_FORMAT!r}"
            )
        if state["optimizer"] != name:
            raise ValueError(f"{where}: the state is from {state['optimizer']!r}, not {name}")
        steps = state["steps"]
        if type(steps) is not int or steps < 0:
            raise TypeError(f"{where}: steps must be an int >= 0, got {steps!r}")
        hyper, buffers = state["hyper"], state["buffers"]
        if not isinstance(hyper, dict) or not isinstance(buffers, dict):
            raise TypeError(f"{where}: hyper and buffers must be dicts")
        _keys(where, "hyper", hyper, {"lr", *self._hyper_names})
        _keys(where, "buffers", buffers, set(self._buffer_names))
        kwargs = dict(hyper)
        if kwargs["lr"] is None:
            kwargs["lr"] = self.schedule
        if "nesterov" in kwargs and type(kwargs["nesterov"]) is not bool:
            raise TypeError(f"{where}: nesterov must be true or false, got {kwargs['nesterov']!r}")
        try:  # the constructor's own checks validate the hyper-parameters
            fresh = type(self)(self.params, **kwargs)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{where}: bad hyper-parameters in the state ({e})") from None
        n = len(self.params)
        lists: dict[str, list[float]] = {}
        for b, xs in buffers.items():
            if not isinstance(xs, list) or len(xs) != n:
                got = f"{len(xs)} values" if isinstance(xs, list) else type(xs).__name__
                raise ValueError(f"{where}: buffer {b!r} must list {n} numbers, got {got}")
            lists[b] = [_finite(where, f"{b}[{i}]", x) for i, x in enumerate(xs)]
        self.schedule = fresh.schedule
        for h in self._hyper_names:
            setattr(self, h, getattr(fresh, h))
        for b, values in lists.items():
            setattr(self, b, values)
        self.steps = steps

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.schedule!r})"


class SGD(Optimizer):
    """g = grad + wd p;  v = mu v + g;  p -= lr v  (PyTorch's SGD without dampening).

    With ``nesterov`` the step uses g + mu v instead of v.
    """

    _hyper_names = ("momentum", "weight_decay", "nesterov")
    _buffer_names = ("velocity",)

    def __init__(
        self,
        params: Module | Iterable[Value],
        lr: LR = 0.1,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _hyper("SGD", "momentum", momentum, low=0.0, high=1.0)
        self.weight_decay = _hyper("SGD", "weight_decay", weight_decay, low=0.0)
        if nesterov and not self.momentum:
            raise ValueError("SGD: nesterov needs momentum > 0")
        self.nesterov = bool(nesterov)
        self.velocity = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        mu, wd, v = self.momentum, self.weight_decay, self.velocity
        for i, p in enumerate(self.params):
            g = p.grad
            if wd:
                g += wd * p.data
            if mu:
                v[i] = mu * v[i] + g
                g = g + mu * v[i] if self.nesterov else v[i]
            p.data -= lr * g


class Adam(Optimizer):
    """m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g**2;  p -= lr m^ / (sqrt(v^) + eps).

    m^ = m / (1 - b1**t), v^ = v / (1 - b2**t) at step t = 1, 2, ...; ``weight_decay`` adds
    wd p to the gradient (L2, as PyTorch's Adam does). For decoupled decay use AdamW.
    """

    _decoupled = False
    _hyper_names = ("betas", "eps", "weight_decay")
    _buffer_names = ("m", "v")

    def __init__(
        self,
        params: Module | Iterable[Value],
        lr: LR = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (b1, b2), got {betas!r}")
        self.betas = (
            _hyper(name, "betas[0]", betas[0], low=0.0, high=1.0, high_open=True),
            _hyper(name, "betas[1]", betas[1], low=0.0, high=1.0, high_open=True),
        )
        self.eps = _hyper(name, "eps", eps, low=0.0)
        self.weight_decay = _hyper(name, "weight_decay", weight_decay, low=0.0)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        b1, b2 = self.betas
        t = self.steps + 1
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t  # bias corrections
        wd, eps, m, v = self.weight_decay, self.eps, self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad
            if wd:
                if self._decoupled:
                    p.data -= lr * wd * p.data
                else:
                    g += wd * p.data
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + eps)


class AdamW(Adam):
    """Adam with decoupled weight decay: p -= lr wd p, then the Adam step (Loshchilov & Hutter)."""

    _decoupled = True

    def __init__(
        self,
        params: Module | Iterable[Value],
        lr: LR = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


def _hyper(
    owner: str,
    what: str,
    x: object,
    *,
    low: float,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A hyperparameter as a float, checked to lie in its range (a clear ValueError if not)."""
    y = _float(owner, what, x)
    too_low = y <= low if low_open else y < low
    too_high = y >= high if high_open else y > high
    if too_low or too_high or not math.isfinite(y):
        lo, hi = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{owner}: {what} must be in {lo}{low}, {high}{hi}, got {y!r}")
    return y


def _keys(where: str, what: str, d: dict[str, Any], expected: set[str]) -> None:
    """Refuse missing or unknown keys, naming them."""
    if set(d) != expected:
        missing, extra = sorted(expected - set(d)), sorted(set(d) - expected, key=str)
        raise ValueError(f"{where}: {what} keys differ: missing {missing}, unexpected {extra}")


def _finite(where: str, what: str, x: Any) -> float:
    y = _float(where, what, x)
    if not math.isfinite(y):
        raise ValueError(f"{where}: {what} must be finite, got {y!r}")
    return y


def _float(where: str, what: str, x: object) -> float:
    """An int or float as a float (inf for an int beyond the float range), else TypeError."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{where}: {what} must be a number, got {type(x).__name__} {x!r}")
    try:
        return float(x)
    except OverflowError:
        return math.inf
