"""Optimizers and schedules: hand-computed steps, known minima, state, errors."""

from __future__ import annotations

import json
import math

import pytest

from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    AdamW,
    CosineDecay,
    ExponentialDecay,
    LinearDecay,
    StepDecay,
    load,
    save,
)


def loss_step(opt, params, f):
    """One training step on the scalar function f(params)."""
    opt.zero_grad()
    f(*params).backward()
    opt.step()


# --- hand-computed steps ---


def test_sgd_plain_step_is_p_minus_lr_grad():
    p = Value(3.0)
    opt = SGD([p], lr=0.1)
    loss_step(opt, [p], lambda p: p * p)  # grad 6
    assert p.data == pytest.approx(3.0 - 0.6)


def test_sgd_momentum_and_weight_decay_two_steps_by_hand():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    # step 1: g = 2p + 0.5 p = 2.5; v = 2.5; p = 1 - 0.25 = 0.75
    loss_step(opt, [p], lambda p: p * p)
    assert p.data == pytest.approx(0.75)
    # step 2: g = 2.5 * 0.75 = 1.875; v = 0.9 * 2.5 + 1.875 = 4.125; p = 0.75 - 0.4125
    loss_step(opt, [p], lambda p: p * p)
    assert p.data == pytest.approx(0.3375)
    assert opt.velocity == [pytest.approx(4.125)]


def test_sgd_nesterov_step_by_hand():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.5, nesterov=True)
    loss_step(opt, [p], lambda p: 3.0 * p)  # g = 3; v = 3; step uses g + mu v = 4.5
    assert p.data == pytest.approx(1.0 - 0.45)


def test_adam_first_steps_by_hand():
    p = Value(2.0)
    opt = Adam([p], lr=0.1, betas=(0.5, 0.75), eps=0.0)
    loss_step(opt, [p], lambda p: p * p)  # g = 4: m^ = 4, v^ = 16 -> step = lr * 1
    assert p.data == pytest.approx(1.9)
    # g = 3.8; m = 0.5*2 + 0.5*3.8 = 2.9 (m = 0.5 * 4 = 2 after step 1); m^ = 2.9 / 0.75
    # v = 0.75 * 4 + 0.25 * 14.44 = 6.61; v^ = 6.61 / (1 - 0.5625)
    loss_step(opt, [p], lambda p: p * p)
    step = 0.1 * (2.9 / 0.75) / math.sqrt(6.61 / 0.4375)
    assert p.data == pytest.approx(1.9 - step, rel=1e-12)


def test_adam_step_size_is_lr_whatever_the_gradient_scale():
    for scale in (1e-3, 1.0, 1e3):
        p = Value(0.0)
        opt = Adam([p], lr=0.01)
        loss_step(opt, [p], lambda p, s=scale: s * p)
        assert p.data == pytest.approx(-0.01 * scale / (scale + 1e-8), rel=1e-12)  # lr g/(|g|+eps)


def test_adamw_decay_is_decoupled_but_adam_decay_is_in_the_gradient():
    p, q = Value(1.0), Value(1.0)
    w, a = AdamW([p], lr=0.1, weight_decay=0.5), Adam([q], lr=0.1, weight_decay=0.5)
    loss_step(w, [p], lambda p: p * 0.0)  # zero loss gradient: only the decay acts
    loss_step(a, [q], lambda q: q * 0.0)
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5)  # p -= lr wd p, Adam step on g = 0 is 0
    assert q.data == pytest.approx(1.0 - 0.1, rel=1e-6)  # g = wd p: Adam's first step is lr


# --- known minima ---

TARGET = (3.0, -1.0)


def bowl(x, y):  # minimum 0 at (3, -1), badly conditioned
    return (x - 3.0) ** 2 + 10.0 * (y + 1.0) ** 2


@pytest.mark.parametrize(
    "make, steps",
    [
        (lambda ps: SGD(ps, lr=0.04), 300),
        (lambda ps: SGD(ps, lr=0.02, momentum=0.9), 300),
        (lambda ps: SGD(ps, lr=0.02, momentum=0.9, nesterov=True), 300),
        (lambda ps: Adam(ps, lr=CosineDecay(0.3, 0.001, 500)), 500),
        (lambda ps: AdamW(ps, lr=CosineDecay(0.3, 0.001, 500), weight_decay=0.0), 500),
    ],
)
def test_optimizers_find_the_minimum_of_a_quadratic_bowl(make, steps):
    ps = [Value(0.0), Value(0.0)]
    opt = make(ps)
    for _ in range(steps):
        loss_step(opt, ps, bowl)
    assert [p.data for p in ps] == pytest.approx(TARGET, abs=1e-3)
    assert opt.steps == steps


def test_weight_decay_moves_the_minimum_where_the_maths_says():
    # minimise (x - 3)**2 + (wd / 2) x**2 with wd = 1: x* = 6 / 3 = 2
    x = Value(0.0)
    opt = SGD([x], lr=0.1, weight_decay=1.0)
    for _ in range(300):
        loss_step(opt, [x], lambda x: (x - 3.0) ** 2)
    assert x.data == pytest.approx(2.0, abs=1e-9)


def test_optimizer_trains_an_mlp_on_a_tiny_regression():
    model = MLP(1, [8, 1], "tanh", seed=0)
    X, y = [[-1.0], [0.0], [1.0]], [1.0, 0.0, 1.0]
    opt = Adam(model, lr=0.05)
    first = None
    for _ in range(200):
        loss = sum((model(x) - t) ** 2 for x, t in zip(X, y, strict=True))
        first = loss.data if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.data < 1e-3 < first


# --- state, schedules ---


def test_state_lives_in_the_optimizer_not_on_the_values():
    p = Value(1.0)
    opt = Adam([p, p], lr=0.1)  # a repeated parameter is stepped once
    assert opt.params == [p]
    loss_step(opt, [p], lambda p: p * p)
    assert len(opt.m) == len(opt.v) == 1 and opt.m[0] != 0.0
    assert not hasattr(p, "__dict__")  # nothing can be patched onto a Value


def test_schedule_is_evaluated_at_the_step_count():
    p = Value(0.0)
    seen = []
    opt = SGD([p], lr=lambda k: seen.append(k) or 0.5**k)
    for _ in range(3):
        p.grad = 1.0
        opt.step()
    assert seen == [0, 1, 2]
    assert p.data == pytest.approx(-(1 + 0.5 + 0.25))
    assert opt.lr == 0.125


@pytest.mark.parametrize(
    "schedule, expected",
    [
        (LinearDecay(1.0, 0.1, 100), [1.0, 1.0 - 0.9 * 50 / 100, 0.1 + 0.9 / 100, 0.1, 0.1]),
        (StepDecay(1.0, 2, 0.5), [1.0, 1.0, 0.5, 0.5, 0.25]),
        (ExponentialDecay(2.0, 0.5), [2.0, 1.0, 0.5, 0.25, 0.125]),
        (
            CosineDecay(1.0, 0.0, 4),
            [1.0, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2, 0.0],
        ),
    ],
)
def test_schedules_by_hand(schedule, expected):
    ks = [0, 50, 99, 100, 150] if isinstance(schedule, LinearDecay) else [0, 1, 2, 3, 4]
    assert [schedule(k) for k in ks] == pytest.approx(expected)


def test_linear_decay_is_micrograds_rate_exactly():
    sched = LinearDecay(1.0, 0.1, 100)
    assert all(sched(k) == 1.0 - 0.9 * k / 100 for k in range(100))


# --- errors: named, and nothing changed ---


def test_nan_gradient_raises_and_changes_no_parameter():
    a, b = Value(1.0), Value(2.0)
    opt = Adam([a, b], lr=0.1)
    a.grad, b.grad = 1.0, math.nan
    with pytest.raises(FloatingPointError, match="parameter 1 has gradient nan"):
        opt.step()
    assert (a.data, b.data, opt.steps, opt.m) == (1.0, 2.0, 0, [0.0, 0.0])


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda p: SGD(p, lr=-0.1), ValueError, "lr must be in"),
        (lambda p: SGD(p, lr="0.1"), TypeError, "lr must be a number"),
        (lambda p: SGD(p, lr=10**400), ValueError, "lr must be in"),
        (lambda p: SGD(p, momentum=1.5), ValueError, "momentum"),
        (lambda p: SGD(p, nesterov=True), ValueError, "nesterov needs momentum"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), ValueError, "betas\\[1\\]"),
        (lambda p: Adam(p, betas=0.9), TypeError, "pair"),
        (lambda p: AdamW(p, weight_decay=math.nan), ValueError, "weight_decay"),
        (lambda p: SGD([], lr=0.1), ValueError, "empty"),
        (lambda p: SGD([1.0], lr=0.1), TypeError, "must be Values"),
        (lambda p: SGD(p[0], lr=0.1), TypeError, "one Value"),
    ],
)
def test_bad_hyperparameters_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make([Value(1.0)])


def test_a_schedule_giving_a_bad_rate_is_caught_before_any_update():
    p = Value(1.0)
    opt = SGD([p], lr=lambda k: -1.0)
    p.grad = 1.0
    with pytest.raises(ValueError, match="schedule gave lr -1.0 at step 0"):
        opt.step()
    assert p.data == 1.0


# --- saving and resuming ---


def regression_step(model, opt, X, y):
    opt.zero_grad()
    loss = sum(((model(x) - t) ** 2 for x, t in zip(X, y, strict=True)), Value(0.0))
    loss.backward()
    opt.step()


RESUMABLE = [
    lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3, nesterov=True),
    lambda ps: SGD(ps, lr=LinearDecay(0.1, 0.01, 10)),
    lambda ps: Adam(ps, lr=0.01, weight_decay=1e-3),
    lambda ps: AdamW(ps, lr=CosineDecay(0.02, 0.001, 10), betas=(0.8, 0.99)),
]


@pytest.mark.parametrize("make", RESUMABLE)
def test_a_resumed_run_equals_an_uninterrupted_one_bit_for_bit(tmp_path, make):
    X = [[0.1 * i, 1.0 - 0.2 * i] for i in range(5)]
    y = [math.sin(i) for i in range(5)]
    k, n = 3, 4
    straight = MLP(2, [3, 1], "tanh", seed=0)
    opt = make(straight.parameters())
    for _ in range(k):
        regression_step(straight, opt, X, y)
    save(straight, tmp_path / "m.json")
    state_text = json.dumps(opt.state_dict(), allow_nan=False)
    for _ in range(n):
        regression_step(straight, opt, X, y)

    resumed = load(tmp_path / "m.json", MLP(2, [3, 1], "tanh", seed=1))
    opt2 = make(resumed.parameters())
    opt2.load_state_dict(json.loads(state_text))
    assert opt2.steps == k
    for _ in range(n):
        regression_step(resumed, opt2, X, y)
    assert [p.data.hex() for p in resumed.parameters()] == [
        p.data.hex() for p in straight.parameters()
    ]


def test_state_dict_is_plain_data_and_loading_replaces_the_hyperparameters():
    ps = [Value(1.0), Value(-2.0)]
    opt = Adam(ps, lr=0.5, betas=(0.5, 0.6), eps=1e-6)
    loss_step(opt, ps, lambda a, b: a * a + b)
    state = opt.state_dict()
    assert state == json.loads(json.dumps(state))
    assert state["steps"] == 1 and state["hyper"]["betas"] == [0.5, 0.6]
    other = Adam([Value(0.0), Value(0.0)])
    other.load_state_dict(state)
    assert (other.lr, other.betas, other.eps, other.m, other.v) == (
        0.5,
        (0.5, 0.6),
        1e-6,
        opt.m,
        opt.v,
    )


def corrupt(state, path, value):
    *outer, last = path
    for key in outer:
        state = state[key]
    if value is DELETE:
        del state[last]
    else:
        state[last] = value


DELETE = object()


@pytest.mark.parametrize(
    "path, value, error, match",
    [
        (["optimizer"], "Adam", ValueError, "from 'Adam', not SGD"),
        (["format"], "chainrule.nn", ValueError, "format tag is 'chainrule.nn'"),
        (["steps"], True, TypeError, "steps must be an int"),
        (["steps"], -1, TypeError, "steps must be an int"),
        (["hyper", "momentum"], 2.0, ValueError, r"momentum must be in \[0.0, 1.0\]"),
        (["hyper", "nesterov"], 1, TypeError, "nesterov must be true or false"),
        (["hyper", "lr"], "fast", TypeError, "lr must be a number"),
        (["hyper", "lr"], 10**400, ValueError, "lr must be in"),
        (["hyper", "dampening"], 0.0, ValueError, r"unexpected \['dampening'\]"),
        (["buffers", "velocity"], [0.0], ValueError, "'velocity' must list 2 numbers, got 1"),
        (["buffers", "velocity", 1], "0.5", TypeError, r"velocity\[1\] must be a number"),
        (["buffers", "velocity", 1], 1e400, ValueError, r"velocity\[1\] must be finite"),
        (["buffers", "velocity", 1], 10**400, ValueError, r"velocity\[1\] must be finite"),
        (["buffers"], DELETE, ValueError, r"missing \['buffers'\]"),
    ],
)
def test_a_bad_optimizer_state_is_named_and_changes_nothing(path, value, error, match):
    ps = [Value(1.0), Value(2.0)]
    opt = SGD(ps, lr=0.1, momentum=0.9)
    loss_step(opt, ps, lambda a, b: a * b)
    state = json.loads(json.dumps(opt.state_dict()))
    corrupt(state, path, value)
    fresh = SGD([Value(1.0), Value(2.0)], lr=0.3, momentum=0.5)
    with pytest.raises(error, match=match):
        fresh.load_state_dict(state)
    assert (fresh.steps, fresh.lr, fresh.momentum, fresh.velocity) == (0, 0.3, 0.5, [0.0, 0.0])


@pytest.mark.parametrize("make", [SGD, Adam, AdamW])
def test_passing_the_parameters_method_uncalled_says_to_call_it(make):
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(
        TypeError, match=rf"{make.__name__}: params is a method.*call it.*parameters\(\)"
    ):
        make(model.parameters, lr=0.1)
