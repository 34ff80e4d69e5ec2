"""Toy datasets and batching: seeded, shaped as documented, exact batches."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import (
    DATASETS,
    batches,
    make_circles,
    make_moons,
    make_regression,
    make_spiral,
    make_xor,
    train_test_split,
)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_same_seed_same_data_other_seed_other_data_global_random_untouched(name):
    make = DATASETS[name]
    state = random.getstate()
    assert make(n=40, seed=3) == make(n=40, seed=3)
    assert make(n=40, seed=3) != make(n=40, seed=4)
    assert random.getstate() == state


@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_every_dataset_has_n_rows_of_floats(name, n):
    X, y = DATASETS[name](n=n, seed=0)
    assert len(X) == len(y) == n
    width = 1 if name == "regression" else 2
    assert all(len(row) == width and all(type(v) is float for v in row) for row in X)


def test_two_class_sets_use_minus_one_plus_one_balanced():
    for make in (make_moons, make_circles, make_xor):
        _, y = make(n=100, seed=0)
        assert Counter(y) == {-1: 50, 1: 50}


def test_moons_without_noise_lie_on_the_two_half_circles():
    X, y = make_moons(n=50, noise=0.0, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        if label == -1:  # upper moon: unit circle about (0, 0), b >= 0
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower moon: unit circle about (1, 0.5), below its centre
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_circles_without_noise_have_radius_one_and_factor():
    X, y = make_circles(n=60, noise=0.0, factor=0.3, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == -1 else 0.3)


def test_xor_label_is_plus_one_where_the_signs_differ_at_low_noise():
    X, y = make_xor(n=80, noise=0.05, seed=0)
    assert all(
        (a > 0) != (b > 0) if label == 1 else (a > 0) == (b > 0)
        for (a, b), label in zip(X, y, strict=True)
    )


def test_spiral_has_k_classes_spread_evenly():
    X, y = make_spiral(n=100, classes=4, seed=0)
    assert Counter(y) == {0: 25, 1: 25, 2: 25, 3: 25}
    assert all(math.hypot(a, b) <= 1.0 + 1e-12 for a, b in X)  # radius runs 0 to 1


def test_regression_is_a_noisy_sine():
    X, y = make_regression(n=200, noise=0.0, seed=0)
    assert all(-3.0 <= x <= 3.0 and t == math.sin(x) for (x,), t in zip(X, y, strict=True))
    X, y = make_regression(n=2000, noise=0.1, seed=0)
    residuals = [t - math.sin(x) for (x,), t in zip(X, y, strict=True)]
    assert math.sqrt(sum(r * r for r in residuals) / len(residuals)) == pytest.approx(0.1, rel=0.1)


@given(n=st.integers(1, 60), size=st.one_of(st.none(), st.integers(1, 80)), shuffle=st.booleans())
def test_batches_cover_every_row_once_with_only_the_last_smaller(n, size, shuffle):
    X = [[float(i)] for i in range(n)]
    y = list(range(n))
    got = list(batches(X, y, size, shuffle=shuffle, seed=1))
    sizes = [len(yb) for _, yb in got]
    full = n if size is None else min(size, n)
    assert all(s == full for s in sizes[:-1]) and 0 < sizes[-1] <= full
    assert sorted(i for _, yb in got for i in yb) == y
    assert all(xb == [[float(i)] for i in yb] for xb, yb in got)  # rows stay with their labels
    if not shuffle:
        assert [i for _, yb in got for i in yb] == y


def test_batch_larger_than_data_is_one_batch():
    X, y = make_moons(n=10, seed=0)
    (only,) = list(batches(X, y, batch_size=64))
    assert sorted(map(tuple, only[0])) == sorted(map(tuple, X))


def test_train_test_split_returns_sklearns_order_and_partitions_the_data():
    X, y = make_moons(n=50, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (37, 13, 37, 13)  # ceil
    rows = {tuple(x): t for x, t in zip(X, y, strict=True)}
    assert all(rows[tuple(x)] == t for x, t in zip(X_test, y_test, strict=True))
    assert sorted(map(tuple, X_train + X_test)) == sorted(map(tuple, X))
    assert train_test_split(X, y, test_size=0.25, seed=0)[1] == X_test  # seeded
    assert train_test_split(X, y, 0.25, seed=1)[1] != X_test


def test_train_test_split_takes_a_row_count_and_can_keep_the_order():
    X, y = [[float(i)] for i in range(6)], list(range(6))
    assert train_test_split(X, y, test_size=2, shuffle=False) == (X[:4], X[4:], y[:4], y[4:])
    assert len(train_test_split(X, y)[1]) == 2  # scikit-learn's default: 25%, rounded up


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: make_moons(n=0), ValueError, "n must be >= 1"),
        (lambda: make_moons(n=2.5), TypeError, "n must be an int"),
        (lambda: make_moons(noise=-1.0), ValueError, "noise must be >= 0"),
        (lambda: make_circles(factor=1.5), ValueError, "factor"),
        (lambda: make_spiral(classes=1), ValueError, "classes"),
        (lambda: make_xor(seed="a"), TypeError, "seed"),
        (lambda: list(batches([[1.0]], [1, 2])), ValueError, "1 rows but y has 2"),
        (lambda: list(batches([[1.0]], [1], 0)), ValueError, "batch_size must be >= 1"),
        (
            lambda: list(
                batches([], []),
            ),
            ValueError,
            "no data",
        ),
        (lambda: train_test_split([[1.0]] * 4, [1] * 4, 1.0), ValueError, "test_size must be"),
        (lambda: train_test_split([[1.0]] * 4, [1] * 4, 4), ValueError, "4 of 4 rows"),
        (lambda: train_test_split([[1.0]] * 4, [1] * 4, "a"), TypeError, "test_size must be"),
    ],
)
def test_bad_data_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_shuffled_batches_depend_on_the_seed_and_keep_order_without_shuffle():
    X, y = [[float(i)] for i in range(20)], list(range(20))

    def order(**kw):
        return [i for _, yb in batches(X, y, 6, **kw) for i in yb]

    assert order(seed=1) == order(seed=1) != order(seed=2)
    assert order(seed=1) != y and sorted(order(seed=1)) == y
    assert order(shuffle=False) == y
