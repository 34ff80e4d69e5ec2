"""Toy datasets, made in code from a seed (no downloads, no numpy), and a mini-batch iterator.

Each ``make_*`` returns ``(X, y)``: X a list of points (lists of floats), y a list of labels.
Two-class sets use labels -1/+1 (micrograd's demo convention), k-class sets 0..k-1.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ._random import Seed, make_rng

Dataset = tuple[list[list[float]], list[Any]]


def make_moons(n: int = 100, noise: float = 0.1, seed: Seed = 0) -> Dataset:
    """Two interleaving half circles: the upper one labelled -1, the lower one +1."""
    n, noise, rng = _check("make_moons", n, noise, seed)
    n_upper = n // 2
    points: list[tuple[float, float, int]] = []
    for t in _linspace(0.0, math.pi, n_upper):
        points.append((math.cos(t), math.sin(t), -1))
    for t in _linspace(0.0, math.pi, n - n_upper):
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1))
    return _finish(points, noise, rng)


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = 0) -> Dataset:
    """A circle of radius ``factor`` (label +1) inside one of radius 1 (label -1)."""
    n, noise, rng = _check("make_circles", n, noise, seed)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor!r}")
    n_outer = n // 2
    points: list[tuple[float, float, int]] = []
    for radius, count, label in ((1.0, n_outer, -1), (factor, n - n_outer, 1)):
        for i in range(count):
            t = 2.0 * math.pi * i / count
            points.append((radius * math.cos(t), radius * math.sin(t), label))
    return _finish(points, noise, rng)


def make_spiral(n: int = 300, classes: int = 3, noise: float = 0.2, seed: Seed = 0) -> Dataset:
    """``classes`` interleaved spiral arms (labels 0..classes-1), as in CS231n's example."""
    n, noise, rng = _check("make_spiral", n, noise, seed)
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise ValueError(f"make_spiral: classes must be an int >= 2, got {classes!r}")
    points: list[tuple[float, float, int]] = []
    for k in range(classes):
        count = n // classes + (1 if k < n % classes else 0)
        for r, t in zip(
            _linspace(0.0, 1.0, count), _linspace(4.0 * k, 4.0 * (k + 1), count), strict=True
        ):
            t += rng.gauss(0.0, noise)  # the noise is on the angle
            points.append((r * math.sin(t), r * math.cos(t), k))
    return _finish(points, 0.0, rng)


def make_xor(n: int = 100, noise: float = 0.3, seed: Seed = 0) -> Dataset:
    """Four blobs around (+-1, +-1); label +1 where the signs differ (x XOR y), else -1."""
    n, noise, rng = _check("make_xor", n, noise, seed)
    corners = ((1.0, 1.0, -1), (-1.0, -1.0, -1), (1.0, -1.0, 1), (-1.0, 1.0, 1))
    points = [corners[i % 4] for i in range(n)]
    return _finish(points, noise, rng)


def make_regression(n: int = 100, noise: float = 0.1, seed: Seed = 0) -> Dataset:
    """A curve to fit: x uniform in [-3, 3] (X holds [x]), y = sin(x) + Gaussian noise."""
    n, noise, rng = _check("make_regression", n, noise, seed)
    xs = sorted(rng.uniform(-3.0, 3.0) for _ in range(n))
    return [[x] for x in xs], [math.sin(x) + rng.gauss(0.0, noise) for x in xs]


DATASETS: dict[str, Callable[..., Dataset]] = {
    "moons": make_moons,
    "circles": make_circles,
    "spiral": make_spiral,
    "xor": make_xor,
    "regression": make_regression,
}


# --- batching ---


def batches(
    X: Sequence[Any],
    y: Sequence[Any],
    batch_size: int | None = None,
    *,
    shuffle: bool = True,
    seed: Seed = 0,
) -> Iterator[tuple[list[Any], list[Any]]]:
    """One pass over the data in mini-batches ``(Xb, yb)``; the last may be smaller.

    ``batch_size=None`` (or one at least ``len(X)``) gives the whole set as one batch.
    """
    n = _check_pair("batches", X, y)
    size = n if batch_size is None else _batch_size("batches", batch_size)
    order = list(range(n))
    if shuffle:
        make_rng(seed, default=random.Random()).shuffle(order)
    for start in range(0, n, size):
        idx = order[start : start + size]
        yield [X[i] for i in idx], [y[i] for i in idx]


def train_test_split(
    X: Sequence[Any],
    y: Sequence[Any],
    test_size: float | int = 0.25,
    seed: Seed = 0,
    *,
    shuffle: bool = True,
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """Split into ``(X_train, X_test, y_train, y_test)``, scikit-learn's order and defaults.

    ``test_size`` is a fraction in (0, 1), rounded up to whole rows (ceil(n * test_size)), or
    a number of rows; both parts must be non-empty. The rows are shuffled first (from ``seed``)
    unless ``shuffle=False``, which keeps the last rows for the test set.
    """
    n = _check_pair("train_test_split", X, y)
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)):
        raise TypeError(
            f"train_test_split: test_size must be a fraction or a row count, got "
            f"{type(test_size).__name__}"
        )
    if isinstance(test_size, int):
        n_test = test_size
    elif 0.0 < test_size < 1.0:
        n_test = math.ceil(n * test_size)
    else:
        raise ValueError(
            f"train_test_split: test_size must be a fraction in (0, 1) or a row count, "
            f"got {test_size!r}"
        )
    if not 1 <= n_test < n:
        raise ValueError(
            f"train_test_split: test_size {test_size!r} gives {n_test} of {n} rows for testing; "
            "the train and test sets must both be non-empty"
        )
    order = list(range(n))
    if shuffle:
        make_rng(seed, default=random.Random()).shuffle(order)
    train, test = order[: n - n_test], order[n - n_test :]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


# --- helpers ---


def _linspace(a: float, b: float, n: int) -> list[float]:
    if n == 1:
        return [a]
    return [a + (b - a) * i / (n - 1) for i in range(n)]


def _finish(points: list[tuple[float, float, int]], noise: float, rng: random.Random) -> Dataset:
    """Add Gaussian noise to each point, shuffle, and split into X and y."""
    noisy = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise), c) for x, y, c in points]
    rng.shuffle(noisy)
    return [[x, y] for x, y, _ in noisy], [c for _, _, c in noisy]


def _check(name: str, n: Any, noise: Any, seed: Seed) -> tuple[int, float, random.Random]:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name}: n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"{name}: n must be >= 1, got {n}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)):
        raise TypeError(f"{name}: noise must be a number, got {type(noise).__name__}")
    if not 0.0 <= noise < math.inf:
        raise ValueError(f"{name}: noise must be >= 0, got {noise!r}")
    # NOTE: seed=None means fresh entropy here (data should never depend on the global RNG).
    return n, float(noise), make_rng(seed, default=random.Random())


def _check_pair(name: str, X: Sequence[Any], y: Sequence[Any]) -> int:
    if len(X) != len(y):
        raise ValueError(f"{name}: X has {len(X)} rows but y has {len(y)} labels")
    if not len(X):
        raise ValueError(f"{name}: no data")
    return len(X)


def _batch_size(name: str, batch_size: Any) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise TypeError(
            f"{name}: batch_size must be an int or None, got {type(batch_size).__name__}"
        )
    if batch_size < 1:
        raise ValueError(f"{name}: batch_size must be >= 1, got {batch_size}")
    return batch_size
