"""micrograd code runs on chainrule with only the imports changed, and gives micrograd's numbers."""

from __future__ import annotations

import pytest
from helpers import micrograd_mlp, readme_expression

import autograd
import nn

micrograd_engine = pytest.importorskip("micrograd.engine")


def test_readme_expression_matches_micrograd_to_the_last_bits():
    ours = readme_expression(autograd.Value)
    theirs = readme_expression(micrograd_engine.Value)
    assert ours == pytest.approx(theirs, rel=1e-13)


def demo_steps(Value, model, X, y, steps):
    """The demo notebook's training loop, written against whichever engine is passed in."""
    history = []
    for k in range(steps):
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        accuracy = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores, strict=True)) / len(y)
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        history.append((total.data, accuracy))
    return history


@pytest.mark.slow  # 20 steps of the demo in both engines, about 5 s
def test_demo_notebook_loop_trains_identically_from_micrograds_seeded_weights():
    X, y = nn.make_moons(n=40, noise=0.1, seed=3)
    theirs = micrograd_mlp(1337, 2, [16, 16, 1])
    ours = nn.MLP(2, [16, 16, 1], seed=1337)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]

    ours_history = demo_steps(autograd.Value, ours, X, y, steps=4)
    theirs_history = demo_steps(micrograd_engine.Value, theirs, X, y, steps=4)

    for (our_loss, our_acc), (their_loss, their_acc) in zip(
        ours_history, theirs_history, strict=True
    ):
        assert our_loss == pytest.approx(their_loss, rel=1e-12)
        assert our_acc == their_acc
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert p.data == pytest.approx(q.data, rel=1e-12, abs=1e-15)


def test_single_output_mlp_returns_a_value_and_parameters_are_a_list():
    model = nn.MLP(3, [4, 1], seed=0)
    out = model([1.0, 2.0, 3.0])
    assert isinstance(out, autograd.Value)
    assert isinstance(model.parameters(), list)
    assert len(model.parameters()) == (3 + 1) * 4 + (4 + 1) * 1
    for p in model.parameters():
        p.grad = 0  # micrograd's way of zeroing
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
