"""Module: the base class for models. It finds parameters and submodules by walking attributes.

A parameter is any ``Value`` held in a public attribute, directly or inside a list, tuple or dict;
a submodule is any ``Module`` held the same way. Attributes named ``_like_this`` are skipped.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from autograd import Value


class Module:
    """Base class: parameters(), named_parameters(), zero_grad(), train()/eval(); call = forward."""

    training: bool = True  # a class default, so subclasses need not call super().__init__()
    _repr_children: bool = True  # False: repr stays one line (a Layer does not list its neurons)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # NOTE: calling a class that defines forward goes straight to it (one Python call less
        # per neuron per sample); a class that defines __call__ itself, micrograd-style, keeps it.
        if "forward" in vars(cls) and "__call__" not in vars(cls):
            cls.__call__ = cls.forward  # type: ignore[method-assign]

    # --- walking the attributes ---

    def _members(self) -> Iterator[tuple[str, Value | Module]]:
        """(name, Value or Module) for each public attribute, lists and dicts opened, in order."""
        for name, obj in vars(self).items():
            if not name.startswith("_"):
                yield from _flatten(name, obj)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules with their attribute names (``layers.0``)."""
        for name, obj in self._members():
            if isinstance(obj, Module):
                yield name, obj

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and every submodule below it, each once, parents first."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(_join(name, n), m) for n, m in module.named_children()]
            stack.extend(reversed(children))

    def modules(self) -> list[Module]:
        return [m for _, m in self.named_modules()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) in attribute order, each parameter once.

        Names are attribute paths with list indices: ``layers.0.neurons.3.w.1``. Two different
        parameters may never share a name (say ``{"b.0": v, "b": [w]}``, or dict keys 1 and
        "1"): that raises ValueError naming the clash, because ``state_dict`` and ``save`` would
        keep only one of them. ``parameters()`` does not need names and never raises for it.
        """
        named = self._named_parameters()
        seen: set[str] = set()
        for name, _ in named:
            if name in seen:
                raise ValueError(
                    f"{type(self).__name__}: two different parameters are both named {name!r} "
                    "(an attribute or dict key holding a dot, or dict keys such as 1 and '1'); "
                    "rename one, so that state_dict and save cannot overwrite one with the other"
                )
            seen.add(name)
        return named

    def _named_parameters(self) -> list[tuple[str, Value]]:
        """named_parameters without the check that the names are unique."""
        out: list[tuple[str, Value]] = []
        seen_values: set[Value] = set()
        seen_modules = {id(self)}
        # NOTE: a stack of member iterators, not recursion: nesting has no depth limit
        stack: list[tuple[str, Iterator[tuple[str, Value | Module]]]] = [("", self._members())]
        while stack:
            prefix, members = stack[-1]
            for name, obj in members:
                if isinstance(obj, Value):
                    if obj not in seen_values:  # Values hash by identity
                        seen_values.add(obj)
                        out.append((_join(prefix, name), obj))
                elif id(obj) not in seen_modules:
                    seen_modules.add(id(obj))
                    stack.append((_join(prefix, name), obj._members()))
                    break
            else:
                stack.pop()
        return out

    def parameters(self) -> list[Value]:
        """Every parameter once, in a fixed order (for a Neuron: the weights, then the bias)."""
        return [p for _, p in self._named_parameters()]

    def num_parameters(self) -> int:
        return len(self._named_parameters())

    # --- training helpers ---

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (leaf gradients accumulate across backwards)."""
        for p in self.parameters():
            p.grad = 0.0

    def train(self, mode: bool = True) -> Module:
        """Put this module and all submodules in training mode (``mode=False``: evaluation)."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__}")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    # --- parameters as plain numbers (saving, loading, copying weights in) ---

    def state_dict(self) -> dict[str, float]:
        """{dotted name: value} for every parameter."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set parameters from ``{name: number}``; the names must match exactly.

        Everything is checked before anything is written, so a bad ``state`` changes nothing.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a dict, got {type(state).__name__}")
        named = self.named_parameters()
        names = [n for n, _ in named]
        missing = [n for n in names if n not in state]
        if missing or len(state) != len(names):
            known = set(names)  # NOTE: built once, so a load is linear in the parameter count
            unexpected = [n for n in state if n not in known]
            raise ValueError(
                f"load_state_dict: the names do not match {type(self).__name__} "
                f"({len(names)} parameters, {len(state)} given); "
                f"missing {_preview(missing)}, unexpected {_preview(unexpected)}"
            )
        values = [_number(state[n], n) for n in names]
        for (_, p), x in zip(named, values, strict=True):
            p.data = x

    def set_parameters(self, values: Iterable[float]) -> None:
        """Set every parameter, in ``parameters()`` order, from a flat sequence of numbers.

        ``model.set_parameters(p.data for p in other.parameters())`` copies another model's
        weights, micrograd's included (its order is the same: each neuron's weights, then bias).
        """
        params = self.parameters()
        xs = [_number(x, f"value {i}") for i, x in enumerate(values)]
        if len(xs) != len(params):
            raise ValueError(
                f"set_parameters: {type(self).__name__} has {len(params)} parameters, "
                f"got {len(xs)} values"
            )
        for p, x in zip(params, xs, strict=True):
            p.data = x

    # --- repr: the tree, with parameter counts ---

    def extra_repr(self) -> str:
        """What goes inside the parentheses of this module's repr line, before the count."""
        return ""

    def __repr__(self) -> str:
        return "\n".join(self._repr_lines())

    def _repr_lines(self) -> list[str]:
        lines = []
        shown: set[int] = set()  # a module held twice lists its children once
        stack: list[tuple[int, str, Module]] = [(0, "", self)]  # NOTE: no recursion, any depth
        while stack:
            depth, name, module = stack.pop()
            extra = module.extra_repr()
            head = f"{type(module).__name__}({extra + ', ' if extra else ''}"
            lines.append(f"{'  ' * depth}{name}{head}{module.num_parameters()} parameters)")
            if module._repr_children and id(module) not in shown:
                shown.add(id(module))
                children = [(depth + 1, f"({n}): ", m) for n, m in module.named_children()]
                stack.extend(reversed(children))
        return lines

    # --- drawing: the group of each parameter (draw_dot's collapse) ---

    def draw_groups(self, level: str) -> dict[Value, str]:
        """{parameter: group name} for ``draw_dot(root, names=model, collapse=level)``.

        'neuron': the module that directly holds the parameter (in an MLP, its Neuron);
        'layer': that module's parent (a Layer), or the holder itself when it is this model.
        Groups are module paths (``layers.0.neurons.3``); this model itself is its class name.
        """
        if level not in ("neuron", "layer"):
            raise ValueError(f"draw_groups: level must be 'neuron' or 'layer', got {level!r}")
        out: dict[Value, str] = {}
        parent_of: dict[str, str] = {}
        for path, module in self.named_modules():
            for name, obj in module._members():
                if isinstance(obj, Module):
                    parent_of.setdefault(_join(path, name), path)
                elif obj not in out:
                    holder = path if level == "neuron" else parent_of.get(path, path)
                    out[obj] = holder or type(self).__name__
        return out


def _flatten(name: str, obj: Any) -> Iterator[tuple[str, Any]]:
    """(dotted name, Value or Module) inside obj, lists, tuples and dicts opened, in order."""
    if isinstance(obj, (Value, Module)):
        yield name, obj
        return
    # NOTE: a stack of item iterators, not recursion: lists may nest any depth; a container
    # already open (a list holding itself) is skipped
    opened: list[int] = []
    open_ids: set[int] = set()
    stack: list[Iterator[tuple[str, Any]]] = [iter(((name, obj),))]
    while stack:
        for key, item in stack[-1]:
            if isinstance(item, (Value, Module)):  # NOTE: no nested generator per weight
                yield key, item
            elif isinstance(item, (list, tuple, dict)) and id(item) not in open_ids:
                pairs = item.items() if isinstance(item, dict) else enumerate(item)
                stack.append(_named_items(key, pairs))
                opened.append(id(item))
                open_ids.add(id(item))
                break
        else:
            stack.pop()
            if opened:
                open_ids.discard(opened.pop())


def _named_items(prefix: str, pairs: Iterable[tuple[Any, Any]]) -> Iterator[tuple[str, Any]]:
    for k, x in pairs:
        yield f"{prefix}.{k}", x


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _preview(names: list[str], k: int = 3) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:k])
    return f"[{shown}{', ...' if len(names) > k else ''}] ({len(names)})"


def _number(x: Any, what: str) -> float:
    """A finite int or float as a float, else a clear error naming ``what``."""
    if type(x) is float and math.isfinite(x):  # the common case, without the ABC check
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what}: expected a number, got {type(x).__name__} {x!r}")
    try:
        y = float(x)
    except OverflowError:  # an int beyond the float range
        y = math.inf
    if not math.isfinite(y):
        shown = f"an integer of {x.bit_length()} bits" if isinstance(x, int) else repr(x)
        raise ValueError(f"{what}: expected a finite number, got {shown}")
    return y
