"""Names a drawing shows for Values: from a mapping, ``(name, Value)`` pairs, or a model.

A *model* here is any object with ``named_parameters() -> Iterable[(name, Value)]`` (an
``nn.Module``, or your own class); see ``collapse.GroupedModel`` for the grouping hook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from ..value import Value
from .format import writable


@runtime_checkable
class NamedModel(Protocol):
    """Anything that names its parameters, as ``nn.Module`` does."""

    def named_parameters(self) -> Iterable[tuple[str, Value]]: ...


Names = Mapping[Value, str] | Mapping[str, Value] | Iterable[tuple[str, Value]] | NamedModel | None


def name_of(v: Value, names: Mapping[Value, str] | None) -> str:
    """The name a drawing shows for v: from ``names``, else its ``label``, else ''; lone
    surrogates ('\\ud800', which no file or page can hold) shown as U+FFFD."""
    if names is not None:
        n = names.get(v)
        if n:
            return writable(str(n))
    return writable(v.label)


def names_from(named: Iterable[tuple[str, Value]] | Mapping[str, Value]) -> dict[Value, str]:
    """{Value: name} from ``model.named_parameters()`` (pairs or a {name: Value} dict)."""
    pairs = named.items() if isinstance(named, Mapping) else named
    return {v: n for n, v in pairs}


def as_names(names: Names, caller: str) -> dict[Value, str] | None:
    """{Value: name} from a {Value: name} or {name: Value} mapping, (name, Value) pairs such as
    ``model.named_parameters()``, or a model itself; a clear TypeError for anything else."""
    if names is None:
        return None
    if isinstance(names, NamedModel) and not isinstance(names, Mapping):
        names = names.named_parameters()
    if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
        raise TypeError(
            f"{caller}: names must map Values to names (or be a model or its "
            f"named_parameters()), got {type(names).__name__}"
        )
    pairs: Iterable[Any] = names.items() if isinstance(names, Mapping) else names
    out: dict[Value, str] = {}
    for pair in pairs:
        try:
            a, b = pair
        except (TypeError, ValueError):
            raise TypeError(
                f"{caller}: names must hold (name, Value) pairs, got {pair!r}"
            ) from None
        if isinstance(a, Value) and not isinstance(b, Value):
            out[a] = str(b)
        elif isinstance(b, Value) and not isinstance(a, Value):
            out[b] = str(a)
        else:
            raise TypeError(f"{caller}: names must pair a Value with a name, got {pair!r}")
    return out


def auto_names(order: list[Value], names: Mapping[Value, str] | None = None) -> dict[Value, str]:
    """A name for every node: from ``names`` or its label, else ``v<k>`` by position in order."""
    return {v: name_of(v, names) or f"v{i}" for i, v in enumerate(order)}
