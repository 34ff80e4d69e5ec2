"""nn.compiled: fit(compile=True) trains the eager model bit for bit, or says it cannot."""

from __future__ import annotations

import warnings

import pytest
from test_nn_train import assert_same_training, trained

from autograd import vsum
from autograd.tracing import Compiled
from nn import make_moons


def weighted(scores, labels):
    """The issue's loss: a label compared with == (a float eagerly, a Value if traced)."""
    terms = [
        (1.0 - t * s).relu() * (5.0 if t == 1 else 1.0) for s, t in zip(scores, labels, strict=True)
    ]
    return vsum(terms) * (1.0 / len(terms))


def test_a_loss_comparing_labels_with_eq_trains_the_eager_model_or_warns():
    X, y = make_moons(n=20, seed=0)
    eager = trained(False, X, y, [6, 1], loss=weighted, steps=8, batch_size=7)
    with pytest.warns(RuntimeWarning, match="== on a number"):
        compiled = trained(True, X, y, [6, 1], loss=weighted, steps=8, batch_size=7)
    assert_same_training(eager, compiled)


def test_labels_compared_by_order_are_guards_and_train_the_eager_model():
    def ordered(scores, labels):
        terms = [
            (1.0 - t * s).relu() * (5.0 if t > 0 else 1.0)
            for s, t in zip(scores, labels, strict=True)
        ]
        return vsum(terms) * (1.0 / len(terms))

    X, y = make_moons(n=20, seed=0)
    eager = trained(False, X, y, [6, 1], loss=ordered, steps=8, batch_size=7)
    with warnings.catch_warnings(record=True):  # a guard may fail on another batch: eager then
        warnings.simplefilter("always")
        compiled = trained(True, X, y, [6, 1], loss=ordered, steps=8, batch_size=7)
    assert_same_training(eager, compiled)


def test_a_replay_with_different_gradients_is_caught_on_each_new_batch_size(monkeypatch):
    """The check compares every parameter's gradient too, not only loss and scores."""
    replay = Compiled.backward

    def off_by_a_little(self, *args, **kwargs):
        out = replay(self, *args, **kwargs)
        target = self._plan.grad_targets[0]
        target._grad += 1e-9  # loss and scores stay right
        return out

    monkeypatch.setattr(Compiled, "backward", off_by_a_little)
    X, y = make_moons(n=20, seed=0)
    eager = trained(False, X, y, [6, 1], steps=6, batch_size=7, l2=1e-4)
    with pytest.warns(RuntimeWarning, match="different gradient"):
        compiled = trained(True, X, y, [6, 1], steps=6, batch_size=7, l2=1e-4)
    assert_same_training(eager, compiled)
