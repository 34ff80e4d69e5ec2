"""Losses: hand-computed values, gradcheck, stability at large logits, clear errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, gradcheck, gradients
from nn import (
    MLP,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l2,
    logsumexp,
    mse,
    softmax,
)

logit = st.floats(-20.0, 20.0, allow_nan=False)


def vals(*xs):
    return [Value(x) for x in xs]


# --- values by hand ---


def test_mse_by_hand():
    assert mse(vals(1.0, 2.0, 4.0), [0.0, 2.0, 1.0]).data == pytest.approx((1 + 0 + 9) / 3)
    assert mse(Value(3.0), 1).data == 4.0
    # vector outputs: the mean is over every output of every sample
    assert mse([vals(1.0, 0.0), vals(0.0, 0.0)], [[0.0, 0.0], [0.0, 2.0]]).data == 5 / 4


def test_hinge_by_hand_is_micrograds_svm_loss():
    scores, labels = vals(2.0, 0.5, -0.25, 0.1), [1, 1, 1, -1]
    # max(0, 1 - y s): 0, 0.5, 1.25, 1.1
    assert hinge(scores, labels).data == pytest.approx((0 + 0.5 + 1.25 + 1.1) / 4)


def test_binary_cross_entropy_by_hand():
    z, t = 0.8, 1.0
    expected = -math.log(1 / (1 + math.exp(-z)))
    assert binary_cross_entropy(Value(z), t).data == pytest.approx(expected, rel=1e-14)
    p = 1 / (1 + math.exp(1.5))
    both = -(0.3 * math.log(p) + 0.7 * math.log(1 - p))  # soft target 0.3 at z = -1.5
    assert binary_cross_entropy([Value(-1.5)], [0.3]).data == pytest.approx(both, rel=1e-13)


def test_cross_entropy_by_hand():
    z = [1.0, 2.0, 0.5]
    expected = -math.log(math.exp(2.0) / sum(math.exp(v) for v in z))
    assert cross_entropy(vals(*z), 1).data == pytest.approx(expected, rel=1e-14)
    batch = cross_entropy([vals(*z), vals(0.0, 0.0, 0.0)], [1, 2])
    assert batch.data == pytest.approx((expected + math.log(3)) / 2, rel=1e-14)


def test_l2_by_hand_and_its_gradient_is_two_alpha_p():
    ps = vals(1.0, -2.0, 3.0)
    reg = l2(ps, alpha=0.5)
    assert reg.data == 0.5 * 14
    reg.backward()
    assert [p.grad for p in ps] == [1.0, -2.0, 3.0]
    model = MLP(2, [2, 1], seed=0)
    assert l2(model).data == pytest.approx(1e-4 * sum(p.data**2 for p in model.parameters()))


def test_softmax_sums_to_one_and_logsumexp_of_one_value_is_itself():
    probs = softmax(vals(1.0, 2.0, 3.0))
    assert sum(p.data for p in probs) == pytest.approx(1.0)
    assert probs[2].data == pytest.approx(math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3)))
    assert logsumexp([Value(0.7)]).data == 0.7


# --- gradients: finite differences, and the closed forms ---


@given(st.lists(logit, min_size=2, max_size=5), st.integers(0, 4), st.floats(0.1, 3.0))
def test_cross_entropy_gradient_is_softmax_minus_onehot(z, y, upstream):
    y %= len(z)
    zs = [Value(v) for v in z]
    loss = cross_entropy(zs, y)
    grads = gradients(loss, zs, gradient=upstream)
    m = max(z)
    e = [math.exp(v - m) for v in z]
    for i, g in enumerate(grads):
        assert g == pytest.approx(upstream * (e[i] / sum(e) - (i == y)), abs=1e-12)


@pytest.mark.parametrize(
    "f, xs",
    [
        (lambda a, b, c: mse([a, b, c], [0.5, -1.0, 2.0]), (1.0, 2.0, -3.0)),
        (lambda a, b, c: hinge([a, b, c], [1, -1, 1]), (0.3, 0.2, -0.7)),
        (lambda a, b, c: binary_cross_entropy([a, b, c], [1.0, 0.0, 0.25]), (2.0, -0.5, 0.1)),
        (lambda a, b, c: cross_entropy([a, b, c], 2), (0.2, -1.0, 1.5)),
        (lambda a, b, c: cross_entropy([[a, b], [c, a]], [0, 1]), (0.2, -1.0, 1.5)),
        (lambda a, b, c: l2([a, b, c], 0.1), (0.2, -1.0, 1.5)),
        (lambda a, b, c: (logsumexp([a, b, c]) * 3.0) ** 2, (0.2, -1.0, 1.5)),
        (lambda a, b, c: softmax([a, b, c])[1] * 7.0, (0.2, -1.0, 1.5)),
    ],
)
def test_losses_pass_gradcheck(f, xs):
    assert gradcheck(f, *xs)


def test_logsumexp_second_derivative_matches_finite_differences():
    from autograd import grad

    def f(a):
        return logsumexp([a, Value(0.3), a * 2.0])

    second = grad(grad(f))(0.4)
    h = 1e-4
    first = grad(f)
    numeric = (first(0.4 + h) - first(0.4 - h)) / (2 * h)
    assert second == pytest.approx(numeric, rel=1e-6)


# --- stability: no overflow, no NaN at large logits ---


@given(st.floats(30.0, 700.0))
def test_binary_cross_entropy_is_stable_for_large_logits(z):
    right = binary_cross_entropy(Value(z), 1.0)
    wrong = binary_cross_entropy(Value(z), 0.0)
    assert 0.0 <= right.data < 1e-12
    assert wrong.data == pytest.approx(z, rel=1e-12)  # -log(1 - sigma(z)) ~ z
    neg = binary_cross_entropy(Value(-z), 1.0)
    assert neg.data == pytest.approx(z, rel=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    z = vals(1000.0, 0.0, -1000.0)
    loss = cross_entropy(z, 1)
    assert loss.data == pytest.approx(1000.0)
    loss.backward()
    assert [v.grad for v in z] == pytest.approx([1.0, -1.0, 0.0])
    assert cross_entropy(vals(1000.0, 1000.0), 0).data == pytest.approx(math.log(2))


# --- bad input ---


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: hinge(vals(0.5), [0]), ValueError, "labels must be -1 or \\+1"),
        (
            lambda: binary_cross_entropy(vals(0.5), [-1]),
            ValueError,
            "targets must be in \\[0, 1\\]",
        ),
        (lambda: cross_entropy(vals(0.5, 1.0), 2), ValueError, "out of range for 2 classes"),
        (lambda: cross_entropy([vals(0.5, 1.0)], [0.5]), TypeError, "class index"),
        (lambda: cross_entropy(vals(0.5, 1.0), [0, 1]), TypeError, "list of class scores"),
        (lambda: mse(vals(1.0, 2.0), [1.0]), ValueError, "2 predictions but 1 targets"),
        (lambda: mse([], []), ValueError, "empty batch"),
        (lambda: mse(vals(1.0), ["a"]), TypeError, "targets must be numbers"),
        (lambda: hinge(["a"], [1]), TypeError, "predictions must be Values or numbers"),
        (lambda: mse(["a"], [1.0]), TypeError, "predictions must be a list, got str"),
        (lambda: hinge(Value(1.0), None), TypeError, "targets must be numbers"),
        (lambda: l2([1.0, 2.0]), TypeError, "parameters must be Values"),
        (lambda: logsumexp([]), ValueError, "at least one"),
    ],
)
def test_bad_loss_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_losses_do_not_touch_prediction_values():
    ps = vals(0.2, -0.4)
    before = [(p.data, p.grad) for p in ps]
    with pytest.raises(ValueError):
        hinge(ps, [1, 0])
    for f, t in ((mse, [1.0, 2.0]), (hinge, [1, -1]), (binary_cross_entropy, [0.0, 1.0])):
        f(ps, t)
    assert [(p.data, p.grad) for p in ps] == before
