"""Ops on any number of inputs: ``apply`` (any registered op, a user's own included) and the
many-input nodes ``vsum`` and ``dot`` (one node for a whole sum or neuron).

They record nodes in the many-input layout described in ``value.Value``.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress
from typing import Any

from . import ops
from .ops import Op
from .value import Operand, Value, _data, _is_number, _node

# --- a node keeps its op ---


class OpName(str):
    """A user op's name as each node it makes keeps it (``v._op == "cube"``), carrying the Op
    itself in ``.op``: a node keeps the op it was built with, even when the op is redefined.
    (Built-in ops cannot be redefined: their nodes keep the plain name.)"""

    op: Op


def keyed(op: Op) -> Op:
    """``op`` with its name an OpName that points back at it."""
    name = OpName(op.name)
    op = op._replace(name=name)
    name.op = op
    return op


def op_of(name: str) -> Op:
    """The Op a node was made with, from its ``_op`` (by name if it is a plain string)."""
    op: Op | None = getattr(name, "op", None)
    return op if op is not None else ops.REGISTRY[name]


def apply(op: Op, *inputs: Operand) -> Value:
    """Apply any registered op to Values and numbers; numbers are constants, not parents.

    The node takes the many-input layout (see ``Value``) whatever the number of inputs.
    """
    if not isinstance(op, Op):
        raise TypeError(f"apply() takes an Op, got {type(op).__name__}")
    for x in inputs:
        if not isinstance(x, Value) and not _is_number(x):
            raise TypeError(f"{op.name}: unsupported operand type {type(x).__name__!r}")
    full = tuple(x if isinstance(x, Value) else float(x) for x in inputs)
    out, local = op.rule(*(_data(x) for x in full))
    # trailing constant parameters (pow's k, leaky_relu's slope) may go without a local
    if len(local) > len(inputs) or any(isinstance(x, Value) for x in inputs[len(local) :]):
        raise ValueError(
            f"{op.name}: rule returned {len(local)} local derivatives for {len(inputs)} inputs"
        )
    parents = tuple(x for x in full if isinstance(x, Value))
    locals_ = tuple(d for x, d in zip(full, local, strict=False) if isinstance(x, Value))
    # keep the full input tuple only when constants are mixed in (higher order needs them)
    name = op.name if type(op.name) is OpName else keyed(op).name  # the node keeps its op
    return _node(out, name, parents, locals_, None if parents == full else full, None)


# --- many inputs as one node ---


def vsum(terms: Iterable[Operand], start: Operand = 0.0) -> Value:
    """start + sum of terms as a single node, with local derivative 1 for each Value term."""
    items = [*terms]
    if isinstance(start, Value) or not _is_number(start) or float(start) != 0.0:
        items.insert(0, start)
    if not items:
        return Value(0.0)
    return _nary(_SUM, tuple(items))


def dot(w: Iterable[Operand], x: Iterable[Operand], bias: Operand = 0.0) -> Value:
    """bias + sum_i w_i * x_i as a single node: one local derivative per Value input."""
    if type(w) is not list and type(w) is not tuple:
        w = list(w)
    if type(x) is not list and type(x) is not tuple:
        x = list(x)
    if len(w) != len(x):
        raise ValueError(f"dot: {len(w)} weights but {len(x)} inputs")
    return _nary(_DOT, (*w, *x, bias))


_SUM, _DOT = ops.OPS["sum"], ops.OPS["dot"]


def _nary(op: Op, inputs: tuple[Any, ...]) -> Value:
    """``apply`` for the built-in n-ary ops, fast when the inputs are Values and floats.

    The rule is called once on all the inputs and its local derivatives are kept as returned;
    all-Value inputs (a hidden layer's neuron) cost one comprehension. Other inputs (ints,
    Value subclasses, wrong types) take the general path, with its checks and error messages.
    """
    data = [x._data for x in inputs if type(x) is Value]
    if len(data) == len(inputs):  # all Values
        out, local = op.rule(*data)
        return _node(out, op.name, inputs, local, None, None)
    data, parents, mask = [], [], []  # Values and float constants: one pass sorts them
    for x in inputs:
        if type(x) is Value:
            data.append(x._data)
            parents.append(x)
            mask.append(True)
        elif type(x) is float:
            data.append(x)
            mask.append(False)
        else:
            return apply(op, *inputs)
    out, local = op.rule(*data)
    return _node(out, op.name, (*parents,), (*compress(local, mask),), inputs, None)
