"""nn.compiled: fit(compile=True) trains the eager model bit for bit, or says it cannot."""

from __future__ import annotations

import warnings

import pytest
from helpers import assert_same_training, trained

import nn
from autograd import vsum
from autograd.batch import BatchCompiled
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
    """The check compares every parameter's gradient too, not only loss and scores: the loop
    gives way to the whole trace, and that to eager training."""

    def off_by_a_little(replay, targets):
        def backward(self, *args, **kwargs):
            out = replay(self, *args, **kwargs)
            targets(self)[0]._grad += 1e-9  # loss and scores stay right
            return out

        return backward

    monkeypatch.setattr(
        Compiled, "backward", off_by_a_little(Compiled.backward, lambda c: c._plan.grad_targets)
    )
    monkeypatch.setattr(
        BatchCompiled, "backward", off_by_a_little(BatchCompiled.backward, lambda c: c.targets)
    )
    X, y = make_moons(n=20, seed=0)
    eager = trained(False, X, y, [6, 1], steps=6, batch_size=7, l2=1e-4)
    with pytest.warns(RuntimeWarning, match="different gradient"):
        compiled = trained(True, X, y, [6, 1], steps=6, batch_size=7, l2=1e-4)
    assert_same_training(eager, compiled)


def hinge_reading_data(scores, labels):
    """A hinge loss whose clipping reads .data: the trace cannot follow it."""
    margins = [1 - y * s for s, y in zip(scores, labels, strict=True)]
    return vsum([m * (1.0 if m.data > 0 else 0.0) for m in margins]) * (1.0 / len(scores))


def detached_scale(scores, labels):
    """A hinge loss divided by a detached copy of itself plus one: a constant to backward."""
    total = vsum([(1 - y * s).relu() for s, y in zip(scores, labels, strict=True)])
    return total / (total.detach() + 1.0)


@pytest.mark.parametrize("loss", [hinge_reading_data, detached_scale])
@pytest.mark.parametrize("batch_size", [None, 10])
def test_compiled_fit_of_a_loss_that_reads_data_warns_and_trains_as_eager_fit(loss, batch_size):
    def trained(compile):
        model = nn.MLP(2, [6, 1], seed=1)
        history = nn.fit(
            model, X, y, loss=loss, steps=12, batch_size=batch_size, progress=False, compile=compile
        )
        return history, [p.data for p in model.parameters()]

    X, y = nn.make_moons(n=23, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eager = trained(False)
    with pytest.warns(RuntimeWarning, match="TraceError.*training eagerly") as caught:
        compiled = trained(True)
    assert len(caught) == 1
    assert compiled[0].loss == eager[0].loss
    assert compiled[1] == eager[1]
    assert eager[0].loss[-1] < eager[0].loss[0]  # and it trained
