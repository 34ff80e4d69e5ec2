"""PyTorch (float64) as a second oracle: each op, random graphs, second derivatives, and training
(losses x optimizers) step for step. Skipped, with the reason, unless torch is importable."""

from __future__ import annotations

import pytest
from helpers import NEEDS_TORCH, all_close, close, inputs, mlps, torch_flat
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import CASES, SMOOTH, call_with, differentiable, programs, reals, run

import nn
from autograd import Value, gradients

pytestmark = pytest.mark.torch
torch = pytest.importorskip("torch", reason=NEEDS_TORCH)
F = torch.nn.functional

# The same op in torch, for every op that has a direct counterpart.
TORCH = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "pow": lambda a, k: a**k,
    "powv": lambda a, b: a**b,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": lambda a: F.softplus(a, threshold=1000.0),  # torch is linear past 20 by default
    "relu": torch.relu,
    "leaky_relu": lambda a, s: F.leaky_relu(a, s),
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "sum": lambda *t: torch.stack(t).sum(),
    "dot": lambda *args: (
        args[-1]
        + sum(w * x for w, x in zip(args[: len(args) // 2], args[len(args) // 2 : -1], strict=True))
    ),
}


def tensor(x: float):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("name", sorted(TORCH))
@settings(max_examples=30)
@given(data=st.data())
def test_each_op_matches_torch(name, data):
    xs = data.draw(CASES[name].inputs)
    n = differentiable(name, xs)
    ours = [Value(x) for x in xs[:n]]
    theirs = [tensor(x) for x in xs[:n]]
    out = call_with(name, ours, xs)
    ref = TORCH[name](*theirs, *xs[n:])
    ((out + 1) ** 2).backward()
    ((ref + 1) ** 2).backward()
    assert close(out.data, ref.item())
    for v, t in zip(ours, theirs, strict=True):
        assert close(v.grad, t.grad.item())


@pytest.mark.parametrize("x", [0.0, -0.0])
@pytest.mark.parametrize("name", ["relu", "abs"])
def test_kinks_match_torch(name, x):
    ours, theirs = Value(x), tensor(x)
    call_with(name, [ours], (x,)).backward()
    TORCH[name](theirs).backward()
    assert ours.grad == theirs.grad.item()


@settings(max_examples=60)
@given(data=st.data())
def test_random_graphs_match_torch(data):
    program = data.draw(programs(SMOOTH + ("relu",)))
    xs = data.draw(st.lists(reals(-2, 2), min_size=program[0], max_size=program[0]))
    ours = [Value(x) for x in xs]
    theirs = [tensor(x) for x in xs]
    out, ref = run(program, ours), run(program, theirs)
    assume(abs(out.data) < 1e6)
    out.backward(gradient=0.5)
    ref.backward(torch.tensor(0.5, dtype=torch.float64))
    assert close(out.data, ref.item())
    for v, t in zip(ours, theirs, strict=True):
        assert close(v.grad, t.grad.item())


@given(reals(-2, 2), reals(-2, 2))
def test_second_derivatives_match_torch(x, y):
    def f(a, b):
        return (a * b).tanh() * a.exp() + (a - b).sigmoid() * b**3

    ours = [Value(x), Value(y)]
    first = gradients(f(*ours), ours, create_graph=True)
    theirs = [tensor(x), tensor(y)]
    ref_first = torch.autograd.grad(f(*theirs), theirs, create_graph=True)
    for i in range(2):
        second = gradients(first[i], ours)
        ref_second = torch.autograd.grad(ref_first[i], theirs, retain_graph=True)
        assert close(first[i].data, ref_first[i].item())
        for s, r in zip(second, ref_second, strict=True):
            assert close(s, r.item())


# --- training: our losses and optimizers against torch's, step for step ---
# Each loss is written in torch as PyTorch users write it; each optimizer is the torch.optim one
# with the same hyperparameters. Where nn's definition differs from torch's, the test below
# says how (L2 in the loss vs weight_decay; the defaults); everything else is the same formula.

STEPS = 5


def _hinge(data, n, k):
    ys = data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n))
    return ys, lambda out: torch.relu(
        1.0 - torch.tensor(ys, dtype=torch.float64) * out[:, 0]
    ).mean()


def _mse(data, n, k):
    ts = data.draw(st.lists(st.lists(reals(-2, 2), min_size=k, max_size=k), min_size=n, max_size=n))
    theirs = torch.tensor(ts, dtype=torch.float64)
    return ([t[0] for t in ts] if k == 1 else ts), lambda out: F.mse_loss(out, theirs)


def _bce(data, n, k):
    ts = data.draw(st.lists(reals(0, 1), min_size=n, max_size=n))
    theirs = torch.tensor(ts, dtype=torch.float64)
    return ts, lambda out: F.binary_cross_entropy_with_logits(out[:, 0], theirs)


def _cross_entropy(data, n, k):
    ys = data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    return ys, lambda out: F.cross_entropy(out, torch.tensor(ys))


# name: (our loss, targets and torch's loss drawn for n rows of k outputs, strategy for k)
LOSSES = {
    "hinge": (nn.hinge, _hinge, st.just(1)),
    "mse": (nn.mse, _mse, st.integers(1, 3)),
    "bce": (nn.binary_cross_entropy, _bce, st.just(1)),
    "cross_entropy": (nn.cross_entropy, _cross_entropy, st.integers(2, 4)),
}

# name: (ours, torch's), both called with a list of parameters.
OPTIMIZERS = {
    # NB: PyTorch's SGD also has `dampening`; nn.SGD is PyTorch's with dampening=0 (its default).
    "sgd_momentum": (
        lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
    ),
    "sgd_nesterov_decay": (
        lambda ps: nn.SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.01, nesterov=True),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.01, nesterov=True),
    ),
    "adam": (lambda ps: nn.Adam(ps, lr=0.01), lambda ps: torch.optim.Adam(ps, lr=0.01)),
    # eps this large shows where it sits: outside the root of the corrected v, as in PyTorch
    "adam_large_eps": (
        lambda ps: nn.Adam(ps, lr=0.01, eps=0.1),
        lambda ps: torch.optim.Adam(ps, lr=0.01, eps=0.1),
    ),
    "adam_weight_decay": (  # L2: wd * p added to the gradient, as torch's Adam does
        lambda ps: nn.Adam(ps, lr=0.01, weight_decay=0.1),
        lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1),
    ),
    "adamw": (  # decoupled: p -= lr * wd * p before the Adam step
        lambda ps: nn.AdamW(ps, lr=0.01, weight_decay=0.1),
        lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    ),
}


def train_both(data, loss_name, make_optimizers, l2=0.0):
    """Train a drawn MLP here and its export in torch for STEPS steps; return both weight lists."""
    ours_loss, draw_targets, nouts = LOSSES[loss_name]
    k = data.draw(nouts)
    model = data.draw(mlps(nout=k))
    X = data.draw(inputs(model.sizes[0], max_rows=6))
    targets, theirs_loss = draw_targets(data, len(X), k)
    net = nn.to_torch(model)
    Xt = torch.tensor(X, dtype=torch.float64)
    ours_opt, theirs_opt = make_optimizers(model.parameters(), list(net.parameters()))
    for step in range(STEPS):
        loss = ours_loss([model(x) for x in X], targets)
        ours_opt.zero_grad()
        (loss + nn.l2(model, alpha=l2) if l2 else loss).backward()
        ours_opt.step()
        ref = theirs_loss(net(Xt))
        theirs_opt.zero_grad()
        ref.backward()
        theirs_opt.step()
        assert close(loss.data, ref.item()), f"loss at step {step}"
    return [p.data for p in model.parameters()], torch_flat(net)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("loss", sorted(LOSSES))
@settings(max_examples=15)
@given(data=st.data())
def test_training_matches_torch_step_for_step(loss, optimizer, data):
    ours, theirs = OPTIMIZERS[optimizer]
    weights, expected = train_both(data, loss, lambda ps, ts: (ours(ps), theirs(ts)))
    assert all_close(weights, expected)


@settings(max_examples=20)
@given(data=st.data(), alpha=reals(1e-4, 0.1))
def test_l2_in_the_loss_is_torchs_weight_decay_twice_as_large(data, alpha):
    # nn.l2 adds alpha * sum p**2, whose gradient is 2 alpha p: torch's weight_decay=2 alpha.
    weights, expected = train_both(
        data,
        "hinge",
        lambda ps, ts: (
            nn.SGD(ps, lr=0.1, momentum=0.9),
            torch.optim.SGD(ts, lr=0.1, momentum=0.9, weight_decay=2 * alpha),
        ),
        l2=alpha,
    )
    assert all_close(weights, expected)


def test_optimizer_defaults_against_torchs():
    p = [Value(1.0)]
    t = [torch.zeros(1, dtype=torch.float64, requires_grad=True)]
    adam, torch_adam = nn.Adam(p), torch.optim.Adam(t).defaults
    assert (adam.lr, adam.betas, adam.eps, adam.weight_decay) == (
        torch_adam["lr"],
        torch_adam["betas"],
        torch_adam["eps"],
        torch_adam["weight_decay"],
    )
    assert nn.AdamW(p).weight_decay == torch.optim.AdamW(t).defaults["weight_decay"] == 0.01
    # The one difference: nn.SGD's lr defaults to micrograd's scale, 0.1; torch's to 0.001.
    assert (nn.SGD(p).lr, torch.optim.SGD(t).defaults["lr"]) == (0.1, 0.001)
