"""fit(live=...): pictures drawn while training change nothing in it; outside Jupyter, the bar."""

from __future__ import annotations

import math

import pytest
from helpers import fresh_python

from nn import MLP, fit, make_moons, make_regression, make_spiral
from nn.live import LiveView, in_notebook


class FakeDisplay:
    """Stands in for IPython: remembers the first picture and every update of it."""

    def __init__(self) -> None:
        self.shown: list[bytes] = []

    def __call__(self, png: bytes) -> FakeDisplay:
        self.shown.append(png)
        return self

    def update(self, png: bytes) -> None:
        self.shown.append(png)


def bits(history) -> dict:
    """Every field of a History but its wall time, floats as exact hex."""
    out = {}
    for k, v in vars(history).items():
        if k == "seconds":
            continue
        out[k] = [float(x).hex() for x in v] if isinstance(v, list) else v
    return out


def train(live, **kw):
    X, y = make_moons(n=30, noise=0.1, seed=3)
    model = MLP(2, [8, 1], seed=3)
    history = fit(model, X, y, steps=6, batch_size=10, progress=False, live=live, **kw)
    return history, [p.data.hex() for p in model.parameters()]


@pytest.mark.parametrize("every", [2, None])
def test_live_training_gives_the_same_history_and_weights_bit_for_bit(every):
    plain = train(False)
    shown = FakeDisplay()
    watched = train(LiveView(every, display=shown))
    assert bits(watched[0]) == bits(plain[0])
    assert watched[1] == plain[1]
    assert shown.shown and all(png.startswith(b"\x89PNG") for png in shown.shown)


def test_every_n_steps_one_picture_then_updates_and_a_last_one():
    shown = FakeDisplay()
    view = LiveView(4, display=shown)
    train(view)
    assert len(shown.shown) == 3  # steps 0, 4, and the end
    assert view.frames == 3 and view.seconds > 0.0


def test_compiled_training_is_watched_the_same_way():
    plain = train(False, compile=True)
    shown = FakeDisplay()
    assert bits(train(LiveView(4, display=shown), compile=True)[0]) == bits(plain[0])
    assert len(shown.shown) == 3


def test_outside_jupyter_live_true_draws_nothing_and_trains_the_same():
    assert not in_notebook()
    assert bits(train(True)[0]) == bits(train(False)[0])


def test_one_input_regression_and_several_classes_draw_too():
    shown = FakeDisplay()
    cases = [
        (make_regression(n=20, noise=0.1, seed=1), MLP(1, [4, 1], seed=1), "mse"),
        (make_spiral(n=30, noise=0.1, seed=1), MLP(2, [4, 3], seed=1), "cross_entropy"),
    ]
    for (X, y), model, loss in cases:
        fit(model, X, y, loss=loss, steps=1, progress=False, live=LiveView(1, display=shown))
    assert len(shown.shown) == 4 and all(png.startswith(b"\x89PNG") for png in shown.shown)


def test_fit_with_live_off_does_not_import_nn_live():
    code = (
        "import sys, nn; m = nn.MLP(2, [1], seed=0); "
        "nn.fit(m, [[0.0, 1.0], [1.0, 0.0]], [-1, 1], steps=1, progress=False); "
        "assert 'nn.live' not in sys.modules"
    )
    fresh_python(code)


def test_bad_live_arguments_name_themselves():
    with pytest.raises(TypeError, match="fit: live must be"):
        train("yes")
    with pytest.raises(ValueError, match="every must be >= 1"):
        LiveView(0)
    with pytest.raises(TypeError, match="every must be an int"):
        LiveView(2.5)  # type: ignore[arg-type]


def test_a_zero_gradient_shows_as_the_floor_of_the_heat_map():
    from nn.live import _log

    assert _log(0.0) == -6.0 and _log(100.0) == 2.0 and math.isnan(_log(math.inf))
