"""PyTorch (float64) as a second oracle. Skipped unless torch is importable; never required."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import CASES, SMOOTH, call_with, differentiable, programs, reals, run

from autograd import Value, gradients

torch = pytest.importorskip("torch")
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


def close(a: float, b: float, rel: float = 1e-10) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


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
