"""Losses: each takes a prediction (or a batch of them) and targets and returns a Value.

A batch loss is the mean over its samples, summed as one ``vsum`` node. Everything that
exponentiates goes through log-sum-exp or softplus, so no logit is too large.

| loss                  | one sample                          | targets                |
|-----------------------|-------------------------------------|------------------------|
| mse                   | (p - t)**2 (mean over outputs too)  | numbers                |
| hinge                 | max(0, 1 - y s)                     | y in {-1, +1}          |
| binary_cross_entropy  | softplus(z) - t z = -log sigma(±z)  | t in [0, 1]            |
| cross_entropy         | logsumexp(z) - z_y                  | class index y          |
| l2 (regulariser)      | alpha * sum_i p_i**2                | -                      |

Targets may also be Values (``fit(compile=True)`` traces them as inputs): the value is the
same, and the gradient reaches them too. cross_entropy picks z_y with the op ``nn.pick``, so a
class index may be a Value as well.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from autograd import Value, define_op, dot, vsum
from autograd.tracing import is_tracing

from .module import Module

Scalar = Value | float


# --- log-sum-exp as one node ---


def _logsumexp_rule(*z: float) -> tuple[float, tuple[float, ...]]:
    """log sum_i e**z_i; d/dz_i = softmax_i = e**(z_i - out)."""
    m = max(z)
    # NOTE: shift by the max so every exponent is <= 0: nothing overflows, one term is exactly 1.
    exps = [math.exp(x - m) for x in z]
    s = sum(exps)
    return m + math.log(s), tuple(e / s for e in exps)


_LOGSUMEXP_JS = """(...z) => {
  let m = z[0];
  for (let i = 1; i < z.length; i++) if (z[i] > m) m = z[i];  // Python's max
  const exps = z.map((x) => Math.exp(x - m));
  const s = pysum(0, exps, 0);
  return [m + Math.log(s), exps.map((e) => e / s)];
}"""

_logsumexp = define_op(
    "nn.logsumexp",
    _logsumexp_rule,
    lambda out, *z: tuple((x - out).exp() for x in z),
    js=_LOGSUMEXP_JS,
)


def logsumexp(z: Sequence[Scalar]) -> Value:
    """log(sum_i e**z_i), computed stably, as a single node."""
    z = list(z)
    if not z:
        raise ValueError("logsumexp: needs at least one value")
    return _logsumexp(*z)


def _pick_rule(k: float, *z: float) -> tuple[float, tuple[float, ...]]:
    """z_k for a whole number k: d/dz_i = 1 if i == k else 0; d/dk = 0 (k only chooses)."""
    if not (k.is_integer() and 0 <= k < len(z)):
        raise ValueError(f"pick: index {k!r} out of range for {len(z)} values")
    i = int(k)
    return z[i], (0.0, *(1.0 if j == i else 0.0 for j in range(len(z))))


def _pick_expr(out: Value, k: Value, *z: Value) -> tuple[float, ...]:
    """_pick_rule's locals by comparisons (guards in a trace), not by reading k's data."""
    return (0.0, *(1.0 if k >= j and k <= j else 0.0 for j in range(len(z))))


_PICK_JS = """(k, ...z) => {
  if (!(Number.isInteger(k) && 0 <= k && k < z.length)) {
    throw fail("ValueError", `pick: index ${repr(k)} out of range for ${z.length} values`);
  }
  return [z[k], [0, ...z.map((_, j) => (j === k ? 1 : 0))]];
}"""

_pick = define_op("nn.pick", _pick_rule, _pick_expr, js=_PICK_JS)


def softmax(z: Sequence[Scalar]) -> list[Value]:
    """e**z_i / sum_j e**z_j for each i (a probability vector)."""
    lse = logsumexp(z)
    return [(x - lse).exp() for x in z]


# --- losses ---


def mse(predictions: Any, targets: Any) -> Value:
    """Mean squared error: mean of (p - t)**2 over every sample (and every output of a sample)."""
    return _mean(_mse_terms(predictions, targets))


def _mse_terms(predictions: Any, targets: Any) -> list[Value]:
    preds, ts = _pairs("mse", predictions, targets, vector=True)
    return [(p - t) ** 2 for p, t in zip(preds, ts, strict=True)]


def hinge(scores: Any, labels: Any) -> Value:
    """The SVM max-margin loss: mean of max(0, 1 - y s), labels y in {-1, +1}."""
    return _mean(_hinge_terms(scores, labels))


def _hinge_terms(scores: Any, labels: Any) -> list[Value]:
    ss, ys = _pairs("hinge", scores, labels)
    for y in map(_checkable, ys):
        if y is not None and y != 1.0 and y != -1.0:
            raise ValueError(
                f"hinge: labels must be -1 or +1, got {y!r} (for 0/1 labels pass 2 * y - 1)"
            )
    return [(1.0 - y * s).relu() for s, y in zip(ss, ys, strict=True)]


def binary_cross_entropy(logits: Any, targets: Any) -> Value:
    """Mean of -[t log sigma(z) + (1 - t) log(1 - sigma(z))] = softplus(z) - t z, from logits z."""
    return _mean(_bce_terms(logits, targets))


def _bce_terms(logits: Any, targets: Any) -> list[Value]:
    zs, ts = _pairs("binary_cross_entropy", logits, targets)
    for t in map(_checkable, ts):
        if t is not None and not 0.0 <= t <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: targets must be in [0, 1], got {t!r} "
                "(for -1/+1 labels pass (y + 1) / 2)"
            )
    return [z.softplus() - t * z for z, t in zip(zs, ts, strict=True)]


def cross_entropy(logits: Any, targets: Any) -> Value:
    """Softmax cross-entropy from logits: mean of logsumexp(z) - z_y over the batch.

    ``logits`` is one sample's list of class scores with an int ``targets``, or a batch: a
    list of such lists with a list of ints. A target may be a Value holding a class index.
    """
    if _is_int(targets) or isinstance(targets, Value):
        logits, targets = [logits], [targets]
    return _mean(_cross_entropy_terms(logits, targets))


def _cross_entropy_terms(logits: Any, targets: Any) -> list[Value]:
    batch, ys = _batch("cross_entropy", logits, targets)
    terms = []
    for i, (z, y) in enumerate(zip(batch, ys, strict=True)):
        if isinstance(z, (Value, numbers.Real)) or not isinstance(z, Iterable):
            raise TypeError(f"cross_entropy: sample {i} must be a list of class scores, got {z!r}")
        z = list(z)
        k = _checkable(y)  # (inside a trace, nn.pick checks a Value's index on every replay)
        if isinstance(y, Value) and k is not None and k.is_integer():
            k = int(k)
        if k is not None and not _is_int(k):
            raise TypeError(f"cross_entropy: target {i} must be a class index (int), got {y!r}")
        if k is not None and not 0 <= k < len(z):
            raise ValueError(f"cross_entropy: target {k} out of range for {len(z)} classes")
        # NOTE: z_y by an op, not z[y]: a trace (fit(compile=True)) then varies y as an input
        # and its graph, and so its order of summation, is the same for every y
        terms.append(logsumexp(z) - _pick(y, *z))
    return terms


def l2(parameters: Module | Iterable[Value], alpha: float = 1e-4) -> Value:
    """alpha * sum_i p_i**2 over the parameters (a Module or a list of Values), as one node."""
    params = parameters.parameters() if isinstance(parameters, Module) else list(parameters)
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"l2: parameters must be Values, got {type(p).__name__}")
    # NOTE: dot(p, p) is sum p_i * p_i in micrograd's order; each p gets p * g twice: 2 p g.
    return alpha * dot(params, params)


def sample_terms(loss: Any) -> Any:
    """For a loss of this module, the function ``(prediction, target) -> terms`` of one sample,
    whose mean over the batch's terms is the loss (``loss(ps, ts)`` is ``_mean`` of all of
    them, in order); None for any other function."""
    terms = next((t for f, t in _TERMS.items() if f is loss), None)
    if terms is None:
        return None
    return lambda prediction, target: terms([prediction], [target])


_TERMS = {
    mse: _mse_terms,
    hinge: _hinge_terms,
    binary_cross_entropy: _bce_terms,
    cross_entropy: _cross_entropy_terms,
}


# --- batches of (prediction, target) ---


def _mean(terms: list[Value]) -> Value:
    return vsum(terms) * (1.0 / len(terms))


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _checkable(x: Any) -> Any:
    """x's number for a check that can only raise; None for a Value while a trace runs (a
    trace refuses reading data; fit(compile=True) checks its labels eagerly first)."""
    if isinstance(x, Value):
        return None if is_tracing() else x.data
    return x


def _target(name: str, t: Any) -> Scalar:
    if isinstance(t, Value):
        return t
    if isinstance(t, bool) or not isinstance(t, numbers.Real):
        raise TypeError(f"{name}: targets must be numbers, got {type(t).__name__} {t!r}")
    return float(t)


def _prediction(name: str, p: Any) -> Value:
    if isinstance(p, Value):
        return p
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{name}: predictions must be Values or numbers, got {type(p).__name__}")
    return Value(float(p))


def _batch(name: str, predictions: Any, targets: Any) -> tuple[list[Any], list[Any]]:
    if isinstance(predictions, (str, bytes)) or not isinstance(predictions, Iterable):
        raise TypeError(f"{name}: predictions must be a list, got {type(predictions).__name__}")
    if isinstance(targets, (str, bytes)) or not isinstance(targets, Iterable):
        raise TypeError(f"{name}: targets must be a list, got {type(targets).__name__}")
    preds, ts = list(predictions), list(targets)
    if len(preds) != len(ts):
        raise ValueError(f"{name}: {len(preds)} predictions but {len(ts)} targets")
    if not preds:
        raise ValueError(f"{name}: empty batch")
    return preds, ts


def _pairs(
    name: str, predictions: Any, targets: Any, vector: bool = False
) -> tuple[list[Value], list[Scalar]]:
    """Flatten a sample or a batch into aligned (prediction Value, target) lists; a target is
    a float, or a Value when one was given."""
    if isinstance(predictions, (Value, numbers.Real)):
        return [_prediction(name, predictions)], [_target(name, targets)]
    preds, ts = _batch(name, predictions, targets)
    out_p: list[Value] = []
    out_t: list[Scalar] = []
    for p, t in zip(preds, ts, strict=True):
        if vector and not isinstance(p, (Value, numbers.Real)):
            sub_p, sub_t = _batch(name, p, t)
            out_p.extend(_prediction(name, q) for q in sub_p)
            out_t.extend(_target(name, u) for u in sub_t)
        else:
            out_p.append(_prediction(name, p))
            out_t.append(_target(name, t))
    return out_p, out_t
