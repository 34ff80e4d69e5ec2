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


# --- the loop over samples (autograd.trace_batch) for the losses of nn.losses ---


@pytest.fixture
def steps_made(monkeypatch):
    """The CompiledSteps made during the test, to see which replay each used."""
    made = []
    init = nn.compiled.CompiledStep.__init__

    def remembered(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(nn.compiled.CompiledStep, "__init__", remembered)
    return made


@pytest.mark.parametrize(
    ("loss", "sizes", "labels"),
    [
        ("hinge", [6, 1], None),
        ("bce", [5, 1], None),
        ("mse", [4, 2], "pairs"),
        ("cross_entropy", [6, 2], "classes"),
    ],
)
@pytest.mark.parametrize("batch_size", [None, 7])
def test_compiled_fit_of_each_loss_runs_the_loop_and_trains_the_eager_model(
    loss, sizes, labels, batch_size, steps_made
):
    X, y = make_moons(n=20, seed=0)
    if labels == "pairs":
        y = [[float(t), 1.0 - t] for t in y]
    if labels == "classes":
        y = [(t + 1) // 2 for t in y]
    kwargs = dict(loss=loss, steps=8, batch_size=batch_size, l2=1e-4)
    eager = trained(False, X, y, sizes, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = trained(True, X, y, sizes, **kwargs)
    assert_same_training(eager, compiled)
    (step,) = steps_made
    assert step.loop is not None and step.whole_because == "" and not step.traces


class Folded(nn.Module):
    """An MLP whose negative outputs are halved by a branch: a guard in the trace."""

    def __init__(self):
        self.mlp = nn.MLP(2, [6, 1], seed=1)

    def forward(self, x):
        s = self.mlp(x)
        return s if s > 0 else s * 0.5


def test_a_model_whose_branch_differs_between_samples_falls_back_to_the_whole_trace(
    steps_made,
):
    X, y = make_moons(n=20, seed=0)

    def trained(compile):
        model = Folded()
        with warnings.catch_warnings(record=True):  # the whole trace may give up too
            warnings.simplefilter("always")
            history = nn.fit(model, X, y, steps=6, progress=False, compile=compile, l2=1e-4)
        return history, [p.data for p in model.parameters()], [p.grad for p in model.parameters()]

    assert_same_training(trained(False), trained(True))
    (step,) = steps_made
    assert step.loop is None and "GuardError" in step.whole_because


def test_a_loss_of_ones_own_is_traced_whole_as_before(steps_made):
    X, y = make_moons(n=20, seed=0)

    def my_hinge(scores, labels):
        return nn.hinge(scores, labels)

    eager = trained(False, X, y, [6, 1], loss=my_hinge, steps=5, batch_size=7)
    compiled = trained(True, X, y, [6, 1], loss=my_hinge, steps=5, batch_size=7)
    assert_same_training(eager, compiled)
    (step,) = steps_made
    assert step.loop is None and sorted(step.traces) == [6, 7]
    assert "not one of nn.losses" in step.whole_because


# --- compile_step: the same, for a loop of one's own ---


def test_a_loop_of_ones_own_with_compile_step_trains_the_eager_model():
    X, y = make_moons(n=30, seed=2)

    def train(compile):
        model = nn.MLP(2, [8, 8, 1], seed=4)
        opt = nn.SGD(model.parameters(), lr=0.1)
        step = nn.compile_step(model, nn.hinge, l2=1e-4)
        out = []
        for k in range(5):
            Xb, yb = X[k * 6 : k * 6 + 6 + k], y[k * 6 : k * 6 + 6 + k]  # sizes 6 to 10
            model.zero_grad()
            if compile:
                loss, scores = step(Xb, yb)
            else:
                total = nn.hinge([model(x) for x in Xb], yb) + nn.l2(model, 1e-4)
                total.backward()
                loss, scores = total.data, [s.data for s in (model(x) for x in Xb)]
            opt.step()
            out.append((loss.hex(), [s.hex() for s in scores]))
        return out, [p.data.hex() for p in model.parameters()], step

    eager, compiled = train(False), train(True)
    assert compiled[:2] == eager[:2]
    assert compiled[2].compiled.loop is not None
    assert "for " in compiled[2].source


def test_compile_step_runs_eagerly_after_warning_when_the_replay_cannot_follow():
    X, y = make_moons(n=20, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    step = nn.compile_step(model, hinge_reading_data)
    with pytest.warns(RuntimeWarning, match="compile_step: the step cannot be traced"):
        loss, scores = step(X, y)
    assert step.eager and step.compiled is None
    assert loss == hinge_reading_data([model(x) for x in X], y).data
    assert len(scores) == 20 and isinstance(scores[0], float)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((3,), {}, TypeError, "model must be a Module"),
        ((nn.MLP(2, [1]), "hinge"), {}, TypeError, "loss must be a function"),
        ((nn.MLP(2, [1]),), {"l2": -1.0}, ValueError, "l2 must be a number >= 0"),
    ],
)
def test_bad_arguments_to_compile_step_are_named(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.compile_step(*args, **kwargs)


def test_bad_batches_to_a_compiled_step_are_named():
    step = nn.compile_step(nn.MLP(2, [1], seed=0))
    with pytest.raises(ValueError, match="3 rows but 2 labels"):
        step([[0.0, 1.0]] * 3, [1, -1])
    with pytest.raises(ValueError, match="empty batch"):
        step([], [])
    with pytest.raises(ValueError, match="labels must be -1 or"):
        step([[0.0, 1.0]], [0])
