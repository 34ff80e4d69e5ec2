"""Ops on any number of inputs: ``apply`` (any registered op, a user's own included), the
many-input nodes ``vsum`` and ``dot`` (one node for a whole sum or neuron), and ``dense`` (one
``dot`` node and its activation per row of weights, for a whole dense layer).

They record nodes in the many-input layout described in ``value.Value``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from itertools import compress
from operator import mul
from typing import Any

from . import ops
from . import value as _value
from .ops import Op
from .value import Operand, Value, _data, _is_number, _new, _node

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


# --- a whole layer ---


def dense(
    weights: Sequence[Sequence[Value]],
    x: Sequence[Operand],
    biases: Sequence[Operand],
    activation: str | None = None,
) -> list[Value]:
    """One layer: ``[act(dot(w_j, x, b_j)) for w_j, b_j in zip(weights, biases)]``.

    Each neuron gets the very nodes ``dot`` and the activation method would make (same
    numbers, same layout), so graphs, gradients and traces are unchanged. ``activation`` is
    the name of a one-input op (``"relu"``, ``"tanh"``, ...) or None for none.
    """
    if len(weights) != len(biases):
        raise ValueError(f"dense: {len(weights)} weight rows but {len(biases)} biases")
    act_op = _activation_rule(activation)
    act = act_op.rule if act_op is not None else None
    xs = tuple(x)
    kinds = set(map(type, xs))
    if kinds == {Value}:
        xd: list[Any] = [v._data for v in xs]  # type: ignore[union-attr]
    elif kinds == {float}:
        xd = list(xs)
    else:  # ints, Value subclasses, a mix, nothing: the general path with its checks
        pairs = zip(weights, biases, strict=True)
        return [_activate(dot(w, xs, b), act, activation) for w, b in pairs]
    # NOTE: x's data is read once per layer, not once per neuron, and each neuron's nodes are
    # built inline, with no call per neuron: the demo step runs 19% fewer instructions.
    values_in = kinds == {Value}
    n = len(xs)
    slow = _value._slow  # a no_grad block or a trace open somewhere: each node is looked at
    relu = act is ops.relu
    # NOTE: with float inputs every neuron's locals are the same numbers: one tuple for the
    # layer, not one per neuron: 10% fewer objects for the collector, 2.4% fewer instructions
    # per demo step with the collector on (1.3% with it off).
    x_locals, x_bias_locals = ((), ()) if values_in else ((*xd,), (*xd, 1.0))
    out = []
    for w, b in zip(weights, biases, strict=True):
        # NOTE: the weights' data read with no type test per weight (a non-Value has no _data
        # and takes the general path): 4.4% fewer instructions per demo step (callgrind).
        try:
            wd = [p._data for p in w]
        except AttributeError:
            wd = []
        bias_value = type(b) is Value
        if len(wd) != n or (not bias_value and type(b) is not float):
            out.append(_activate(dot(w, xs, b), act, activation))  # its checks, its messages
            continue
        v = _new(Value)
        c: Any = b
        v._data = s = sum(map(mul, wd, xd), c._data if bias_value else c)  # as ops.dot sums
        v._grad = 0.0
        v.label = ""
        v._mark = v._db = None
        v._op = "dot"
        # the layout _nary gives: the Value inputs and their locals, all inputs if mixed
        if values_in and bias_value:
            v._a, v._da, v._b = (*w, *xs, b), (*xd, *wd, 1.0), None
        elif values_in:
            v._a, v._da, v._b = (*w, *xs), (*xd, *wd), (*w, *xs, b)
        elif bias_value:
            v._a, v._da, v._b = (*w, b), x_bias_locals, (*w, *xs, b)
        else:
            v._a, v._da, v._b = (*w,), x_locals, (*w, *xs, b)
        if slow:
            _value._slow_path(v)
        if act is not None:
            a = v
            if relu:  # NOTE: ops.relu inline, same branches: 1.0% fewer instructions
                if s > 0.0:
                    out_a, da = s, 1.0
                elif s == s:
                    out_a = da = 0.0
                else:  # NaN in, NaN out and NaN slope
                    out_a = da = s
            else:
                out_a, (da,) = act(s)
            v = _new(Value)
            v._data = out_a
            v._grad = 0.0
            v.label = ""
            v._mark = v._b = v._db = None
            v._op = act_op.name
            v._a = a
            v._da = da
            if slow:
                _value._slow_path(v)
        out.append(v)
    return out


_ACTIVATIONS: dict[str, Op] = {}  # name -> its op, checked once


def _activation_rule(name: str | None) -> Any:
    """The op of a one-input Value method (relu, tanh, ...), for ``dense``; None for none."""
    if name is None:
        return None
    op = ops.REGISTRY.get(name) if isinstance(name, str) else None
    if op is not None and _ACTIVATIONS.get(name) is op:
        return op
    if op is None or not callable(getattr(Value, name, None)) or _arity(op.rule) != 1:
        raise ValueError(f"dense: activation must be a one-input op like 'relu', got {name!r}")
    _ACTIVATIONS[name] = op
    return op


def _arity(rule: Any) -> int:
    try:
        return len(inspect.signature(rule).parameters)
    except (TypeError, ValueError):
        return -1


def _activate(v: Value, rule: Any, name: str | None) -> Value:
    return v if rule is None or name is None else getattr(v, name)()
