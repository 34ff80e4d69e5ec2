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
    assert (
        len(shown.shown) == 2
    )  # one step, one picture and all(png.startswith(b"\x89PNG") for png in shown.shown)


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


class FakeClock:
    """Seconds that move only when told: each training step (fit's callback) and each picture
    take as long as the test says, whatever the machine is doing."""

    def __init__(self, per_step: float) -> None:
        self.now = 0.0
        self.per_step = per_step

    def __call__(self) -> float:
        return self.now

    def step(self, step, history) -> bool:
        self.now += self.per_step
        return False


class TimedView(LiveView):
    """A LiveView whose pictures cost ``draw`` fake seconds and no real drawing."""

    def __init__(self, clock: FakeClock, draw: float, **kw) -> None:
        super().__init__(display=FakeDisplay(), clock=clock, **kw)
        self.draw, self.drawn = draw, []

    def render(self, step, history) -> bytes:
        self.clock.now += self.draw
        self.drawn.append(step)
        return b"\x89PNG"


def run_timed(view: TimedView, steps: int = 100):
    X, y = make_moons(n=10, noise=0.1, seed=3)
    fit(MLP(2, [2, 1], seed=3), X, y, steps=steps, progress=False, live=view,
        callback=view.clock.step)  # fmt: skip
    return view.drawn


def test_a_100_step_run_of_fast_steps_shows_a_picture_every_interval_and_the_last():
    clock = FakeClock(per_step=0.0625)  # 6.25 s of training (binary fractions: exact sums)
    drawn = run_timed(TimedView(clock, draw=0.0))
    assert drawn == list(range(0, 100, 4)) + [99]  # 0.2 s is 4 steps: 26 pictures


def test_slow_pictures_are_drawn_less_often_so_drawing_stays_near_a_third_of_the_run():
    clock = FakeClock(per_step=0.0625)
    view = TimedView(clock, draw=0.375)  # each picture costs 6 steps' time: wait 12 after it
    drawn = run_timed(view)
    # the first picture's cost (imports, making the figure) does not set the wait
    assert drawn == [0, 4, 16, 28, 40, 52, 64, 76, 88, 99]
    assert view.seconds / clock.now <= 0.4


def test_a_longer_interval_means_fewer_pictures():
    drawn = run_timed(TimedView(FakeClock(per_step=0.0625), draw=0.0, interval=1.0))
    assert drawn == list(range(0, 100, 16)) + [99]


def test_the_last_step_is_not_drawn_twice():
    drawn = run_timed(TimedView(FakeClock(per_step=0.0625), draw=0.0), steps=9)
    assert drawn == [0, 4, 8]


def test_the_loss_panel_has_labelled_axes_and_a_legend():
    view = LiveView(1, display=FakeDisplay())
    train(view)
    ax = view._figure.loss_ax
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "training accuracy"]
    legend = view._figure.boundary_ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["score > 0", "score < 0", "score = 0"]


def test_the_boundary_uses_the_explorers_blue_for_positive_and_red_for_negative():
    from matplotlib.colors import to_hex

    from autograd.viz.legend import NEGATIVE, POSITIVE

    view = LiveView(1, display=FakeDisplay())
    train(view)
    handles = view._figure.boundary_ax.get_legend().legend_handles
    assert [to_hex(h.get_color()) for h in handles[:2]] == [POSITIVE, NEGATIVE]
    X, y = make_moons(n=30, noise=0.1, seed=3)
    dots = view._figure.boundary_ax.collections[0].get_facecolors()
    expected = [POSITIVE if t > 0 else NEGATIVE for t in y]
    assert [to_hex(c) for c in dots] == expected


def test_bad_interval_names_itself():
    with pytest.raises(ValueError, match="interval must be >= 0"):
        LiveView(interval=-1.0)
    with pytest.raises(TypeError, match="interval must be seconds"):
        LiveView(interval="0.2")  # type: ignore[arg-type]
