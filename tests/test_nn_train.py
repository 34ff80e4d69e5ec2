"""fit: reaches its targets, averages batches exactly, stops early, reports, fails clearly."""

from __future__ import annotations

import math
import sys
import warnings

import pytest
from helpers import assert_same_training, trained

from autograd import Value, gradcheck
from nn import (
    MLP,
    SGD,
    Adam,
    accuracy,
    binary_cross_entropy,
    cross_entropy,
    fit,
    hinge,
    make_moons,
    make_regression,
    make_spiral,
    mse,
    predict,
)


@pytest.mark.slow
def test_moons_reach_100_percent_within_100_steps_with_micrograds_recipe():
    X, y = make_moons(n=100, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1)
    history = fit(
        model, X, y, loss="hinge", l2=1e-4, steps=100, target_accuracy=1.0, progress=False
    )
    assert history.stopped_early and history.steps < 100
    assert history.accuracy[-1] == 1.0
    assert accuracy(predict(model, X), y) == 1.0  # checked again, outside fit


def test_epoch_loss_over_uneven_batches_equals_the_full_data_loss():
    X, y = make_moons(n=10, seed=0)
    model = MLP(2, [4, 1], seed=0)
    full_loss = hinge([model(x) for x in X], y).data
    full_acc = accuracy(predict(model, X), y)
    frozen = SGD(model, lr=0.0)  # lr 0: the model stays put, so every batch sees it
    history = fit(
        model, X, y, loss="hinge", optimizer=frozen, steps=8, batch_size=3, progress=False
    )
    assert len(history.loss) == 8 and len(history.epoch_loss) == 2  # batches of 3, 3, 3, 1
    assert history.epoch_loss == pytest.approx([full_loss, full_loss], rel=1e-12)
    assert history.epoch_accuracy == pytest.approx([full_acc, full_acc])
    assert history.loss != pytest.approx([full_loss] * 8)  # single batches differ


def test_a_batch_larger_than_the_data_is_the_whole_set():
    X, y = make_moons(n=12, seed=0)
    model = MLP(2, [4, 1], seed=0)
    full_loss = hinge([model(x) for x in X], y).data
    history = fit(
        model, X, y, optimizer=SGD(model, lr=0.0), steps=3, batch_size=100, progress=False
    )
    assert history.loss == pytest.approx([full_loss] * 3, rel=1e-12)
    assert len(history.epoch_loss) == 3


def test_full_batch_stop_happens_before_the_update_that_would_follow():
    X, y = make_moons(n=20, seed=0)
    model = MLP(2, [8, 1], seed=0)
    history = fit(model, X, y, steps=50, target_loss=10.0, progress=False)  # met at once
    assert history.stopped_early and history.steps == 0
    assert history.loss[0] == pytest.approx(hinge([model(x) for x in X], y).data)


def test_loss_history_and_l2_are_what_the_loss_functions_say():
    X, y = make_moons(n=8, seed=0)
    model = MLP(2, [3, 1], seed=0)
    from nn import l2

    expected = (hinge([model(x) for x in X], y) + l2(model, 0.01)).data
    history = fit(model, X, y, l2=0.01, steps=1, progress=False)
    assert history.loss == [pytest.approx(expected, rel=1e-12)]
    assert history.lr == [1.0] and history.steps == 1


def test_bce_accepts_minus_one_plus_one_labels_and_learns():
    X, y = make_moons(n=40, seed=2)
    model = MLP(2, [8, 1], seed=0)
    history = fit(model, X, y, loss="bce", optimizer=Adam(model, lr=0.05), steps=40, progress=False)
    ys01 = [(t + 1) // 2 for t in y]
    final = binary_cross_entropy([model(x) for x in X], ys01).data
    assert final < 0.5 * history.loss[0]
    assert history.accuracy[-1] > 0.8


def test_cross_entropy_on_a_spiral_learns_with_mini_batches():
    X, y = make_spiral(n=60, classes=3, seed=0)
    model = MLP(2, [12, 3], seed=0)
    history = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=Adam(model, lr=0.05),
        steps=60,
        batch_size=20,
        progress=False,
    )
    assert len(history.epoch_loss) == 20
    assert history.epoch_loss[-1] < 0.7 * history.epoch_loss[0]
    assert accuracy(predict(model, X), y) > 0.6


def test_regression_with_mse_has_no_accuracy():
    X, y = make_regression(n=30, seed=0)
    model = MLP(1, [8, 1], "tanh", seed=0)
    history = fit(model, X, y, loss="mse", optimizer=Adam(model, lr=0.05), steps=50, progress=False)
    assert history.accuracy == [] and history.epoch_accuracy == []
    assert mse([model(x) for x in X], y).data < 0.5 * history.loss[0]
    with pytest.raises(ValueError, match="target_accuracy needs a classification loss"):
        fit(model, X, y, loss="mse", target_accuracy=0.9, progress=False)


def test_a_custom_loss_function_and_a_callback_that_stops():
    X, y = make_moons(n=10, seed=0)
    model = MLP(2, [3, 1], seed=0)
    calls = []
    history = fit(
        model,
        X,
        y,
        loss=lambda s, t: hinge(s, t) * 2.0,
        steps=10,
        callback=lambda step, h: calls.append(step) or step == 2,
        progress=False,
    )
    assert calls == [0, 1, 2] and history.steps == 3
    assert len(history.accuracy) == 3  # integer labels: accuracy is reported


def test_log_lines_and_progress_bar(capsys):
    X, y = make_moons(n=10, seed=0)
    fit(MLP(2, [3, 1], seed=0), X, y, steps=5, log_every=2, progress=True)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [line.split()[:2] for line in lines] == [["step", "0"], ["step", "2"], ["step", "4"]]
    assert "accuracy" in lines[0] and "lr 1" in lines[0]
    assert "5/5" in err  # tqdm's bar, on stderr


def test_fit_works_without_tqdm(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` fail
    X, y = make_moons(n=10, seed=0)
    history = fit(MLP(2, [3, 1], seed=0), X, y, steps=3, progress=True)
    assert history.steps == 3
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"steps": -1}, ValueError, "steps must be >= 0"),
        ({"steps": 2.5}, TypeError, "steps must be an int"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"loss": "svm"}, ValueError, "unknown loss 'svm'"),
        ({"loss": 3}, TypeError, "loss must be a name or a function"),
        ({"l2": -1.0}, ValueError, "l2 must be a number >= 0"),
        ({"compile": "yes"}, TypeError, "compile must be True or False"),
    ],
)
def test_bad_fit_arguments_are_named_and_leave_the_model_alone(kwargs, error, match):
    X, y = make_moons(n=10, seed=0)
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=match):
        fit(model, X, y, progress=False, **kwargs)
    assert model.state_dict() == before


def test_something_that_is_not_a_model_is_named():
    with pytest.raises(TypeError, match="model must be a Module, got list"):
        fit([1.0], [[0.0]], [1], progress=False)


def test_empty_data_says_there_is_no_training_data():
    with pytest.raises(ValueError, match="fit: no training data: X is empty"):
        fit(MLP(2, [1], seed=0), [], [], progress=False)


def test_mismatched_data_is_named():
    with pytest.raises(ValueError, match="X has 2 rows but y has 1 labels"):
        fit(MLP(2, [1], seed=0), [[0.0, 0.0]] * 2, [1], progress=False)


def test_mini_batches_are_reshuffled_every_epoch_and_cover_the_data():
    X = [[float(i), 0.0] for i in range(9)]
    y = list(range(9))  # the labels name the rows
    seen = []

    def record(scores, targets):
        seen.append(list(targets))
        return scores[0] * 0.0

    model = MLP(2, [1], seed=0)
    fit(
        model,
        X,
        y,
        loss=record,
        optimizer=SGD(model, lr=0.0),
        steps=6,
        batch_size=4,
        progress=False,
    )
    assert [len(b) for b in seen] == [4, 4, 1, 4, 4, 1]
    first, second = sum(seen[:3], []), sum(seen[3:], [])
    assert sorted(first) == sorted(second) == y
    assert first != second


# --- fit(compile=True): the same training, replayed on floats ---


@pytest.mark.filterwarnings("error")  # no fallback to eager: the trace did the training
def test_compiled_fit_of_the_demo_recipe_equals_eager_fit_bit_for_bit():
    X, y = make_moons(n=100, noise=0.1, seed=1)
    eager = trained(False, X, y, [16, 16, 1], loss="hinge", l2=1e-4, steps=20)
    assert_same_training(eager, trained(True, X, y, [16, 16, 1], loss="hinge", l2=1e-4, steps=20))
    assert eager[0].loss[-1] < 0.5 * eager[0].loss[0]  # and it trained


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    "make, sizes, kwargs",
    [  # each with a last, smaller batch: a second trace, for that size
        (lambda: make_moons(n=23, seed=0), [6, 1], {"loss": "hinge", "batch_size": 5}),
        (lambda: make_moons(n=23, seed=0), [6, 1], {"loss": "bce", "batch_size": 10}),
        (lambda: make_spiral(n=30, seed=0), [8, 3], {"loss": "cross_entropy", "batch_size": 8}),
        (lambda: make_regression(n=17, seed=0), [6, 1], {"loss": "mse", "batch_size": 4}),
        # stops early, leaving .grad from the step before, as eager fit does
        (lambda: make_moons(n=23, seed=0), [6, 1], {"loss": "hinge", "target_accuracy": 0.75}),
    ],
)
def test_compiled_fit_follows_eager_fit_through_changing_batches(make, sizes, kwargs):
    X, y = make()
    kwargs |= {"optimizer": lambda m: Adam(m, lr=0.05), "steps": 25, "l2": 1e-3}
    eager = trained(False, X, y, sizes, **kwargs)
    assert_same_training(eager, trained(True, X, y, sizes, **kwargs))
    assert eager[0].stopped_early == ("target_accuracy" in kwargs)


def test_targets_may_be_values_the_loss_and_the_prediction_gradients_are_unchanged():
    s, t = [0.3, -1.2, 2.0], [1, -1, -1]
    for loss, targets in ((hinge, t), (binary_cross_entropy, [1, 0, 0.25]), (mse, [0.5, 2, -1])):
        by_number, by_value = [Value(x) for x in s], [Value(x) for x in s]
        a, b = loss(by_number, targets), loss(by_value, [Value(x) for x in targets])
        a.backward()
        b.backward()
        assert a.data == b.data
        assert [p.grad for p in by_number] == [p.grad for p in by_value]
    z = [[Value(0.2), Value(-1.0), Value(1.5)], [Value(0.4), Value(0.1), Value(-0.3)]]
    assert cross_entropy(z, [2, 0]).data == cross_entropy(z, [Value(2), Value(0.0)]).data
    with pytest.raises(ValueError, match="hinge: labels must be -1 or \\+1, got 0"):
        hinge([Value(0.5)], [Value(0.0)])
    with pytest.raises(ValueError, match="out of range for 3 classes"):
        cross_entropy(z, [2, Value(3.0)])
    with pytest.raises(TypeError, match="class index"):
        cross_entropy(z, [2, Value(0.5)])


def test_gradients_reach_value_targets():
    assert gradcheck(lambda s, t: mse([s, s * 2.0], [t, 1.0]), 0.3, -0.4)
    assert gradcheck(lambda s, t: binary_cross_entropy(s, t), 0.7, 0.25)


def test_a_branch_on_the_data_falls_back_to_eager_with_one_warning():
    X, y = make_moons(n=23, seed=0)

    def clipped(scores, labels):  # max() compares Values: the trace turns it into a guard
        return sum(max(1.0 - t * s, 0.0) for s, t in zip(scores, labels, strict=True)) * 0.1

    kwargs = {"loss": clipped, "batch_size": 5, "steps": 12}
    eager = trained(False, X, y, [6, 1], **kwargs)
    with pytest.warns(RuntimeWarning, match="GuardError.*training eagerly") as caught:
        compiled = trained(True, X, y, [6, 1], **kwargs)
    assert len(caught) == 1
    assert_same_training(eager, compiled)


@pytest.mark.parametrize(
    "loss, why",
    [
        (lambda s, t: hinge(s, t) * float(s[0]), "cannot be traced .TraceError"),
        # labels are traced as TracedNumbers: == on one is refused, not identity
        (lambda s, t: hinge(s, [1 if u == 1 else -1 for u in t]), "TraceError.*== on a number"),
    ],
)
def test_a_loss_the_trace_cannot_follow_falls_back_to_eager(loss, why):
    X, y = make_moons(n=12, seed=0)
    eager = trained(False, X, y, [4, 1], loss=loss, steps=6)
    with pytest.warns(RuntimeWarning, match=why):
        compiled = trained(True, X, y, [4, 1], loss=loss, steps=6)
    assert_same_training(eager, compiled)


def test_compiled_fit_checks_every_label_before_training():
    X, y = make_moons(n=12, seed=0)
    y[-1] = 0  # in the last mini-batch: an eager fit would meet it after two updates
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="hinge: labels must be -1 or \\+1, got 0"):
        fit(model, X, y, batch_size=5, steps=5, progress=False, compile=True)
    assert model.state_dict() == before


# --- optimizers fit cannot use, said before training ---


def test_an_optimizer_class_instead_of_an_optimizer_is_refused_with_how_to_make_one():
    X, y = make_moons(n=10, seed=0)
    with pytest.raises(TypeError, match=r"fit: optimizer is the class SGD.*SGD\(model.param"):
        fit(MLP(2, [3, 1], seed=0), X, y, optimizer=SGD, steps=2, progress=False)


def test_an_optimizer_over_another_models_parameters_is_refused():
    X, y = make_moons(n=10, seed=0)
    model, other = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"fit: the optimizer updates none of the model's"):
        fit(model, X, y, optimizer=SGD(other.parameters(), lr=0.1), steps=2, progress=False)
    assert model.state_dict() == before


# --- no silent divergence ---


def diverging_run(steps=40, **kwargs):
    """The issue's run: a tanh MLP on the regression set at micrograd's lr (4.9e50 by step 40)."""
    X, y = make_regression(n=40, seed=0)
    model = MLP(1, [8, 1], activation="tanh", seed=0)
    return model, fit(model, X, y, loss="mse", steps=steps, progress=False, **kwargs)


def test_a_diverging_fit_warns_once_naming_the_step_and_what_to_try_and_stops():
    with pytest.warns(RuntimeWarning) as caught:
        model, history = diverging_run()
    (warning,) = [w for w in caught if "diverg" in str(w.message)]
    text = str(warning.message)
    step = history.diverged
    assert step is not None and f"at step {step}" in text
    assert "smaller lr" in text and "init" in text and "on_divergence" in text
    assert history.stopped_early and history.steps == step == len(history.loss) - 1
    assert all(math.isfinite(p.data) for p in model.parameters())
    assert max(history.loss[:step]) < 1e3 * history.loss[0] <= history.loss[step]


def test_on_divergence_warn_keeps_training_and_ignore_says_nothing():
    with pytest.warns(RuntimeWarning, match="diverg"):
        _, warned = diverging_run(on_divergence="warn", steps=20)
    assert warned.diverged is not None and warned.steps == 20 and not warned.stopped_early
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, quiet = diverging_run(on_divergence="ignore", steps=20)
    assert quiet.diverged is None and quiet.loss == warned.loss


def test_a_non_finite_loss_stops_before_the_update_even_when_only_warning():
    X, y = [[1.0], [2.0]], [1.0, 2.0]
    model = MLP(1, [1], seed=0)

    calls = []

    def loss_fn(scores, targets):
        calls.append(1)
        loss = mse(scores, targets)
        return loss * math.inf if len(calls) == 4 else loss

    with pytest.warns(RuntimeWarning, match=r"loss inf at step 3 is not finite"):
        history = fit(model, X, y, loss=loss_fn, steps=10, progress=False, on_divergence="warn")
    assert history.diverged == 3 and history.steps == 3 and history.stopped_early


def test_a_training_run_that_converges_does_not_warn():
    X, y = make_moons(n=30, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(MLP(2, [8, 1], seed=0), X, y, steps=30, progress=False)
    assert history.diverged is None


@pytest.mark.parametrize("bad", ["loud", None, True])
def test_on_divergence_must_be_one_of_three_words(bad):
    X, y = make_moons(n=10, seed=0)
    with pytest.raises(ValueError, match="on_divergence must be 'stop', 'warn' or 'ignore'"):
        fit(MLP(2, [1], seed=0), X, y, steps=1, progress=False, on_divergence=bad)


def test_a_compiled_fit_stops_at_the_same_diverging_step_with_the_same_weights():
    with pytest.warns(RuntimeWarning, match="diverg"):
        eager_model, eager = diverging_run()
    with pytest.warns(RuntimeWarning, match="diverg"):
        compiled_model, compiled = diverging_run(compile=True)
    assert (compiled.loss, compiled.diverged, compiled.steps) == (
        eager.loss,
        eager.diverged,
        eager.steps,
    )
    assert compiled_model.state_dict() == eager_model.state_dict()
