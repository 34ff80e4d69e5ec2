"""Tracing: what it cannot follow, it refuses (issue 11). The rest of this file now lives in the
tests of the modules it covers; these move with the tracing redesign (issue 15, item 1)."""

from __future__ import annotations

import warnings

import pytest

from autograd import (
    TraceError,
    Value,
    dot,
    no_grad,
    trace,
    vsum,
)

# --- tracing: what it cannot follow, it refuses ---


def test_trace_refuses_detach_of_a_traced_value():
    with pytest.raises(TraceError, match="detach"):
        trace(lambda x: x * x.detach(), 2.0)


def test_trace_refuses_reading_data_of_a_traced_value():
    with pytest.raises(TraceError, match=r"\.data"):
        trace(lambda x: x * x.data, 2.0)
    with pytest.raises(TraceError, match=r"\.data"):
        trace(lambda x: x * (1.0 if x.data > 0 else 0.0), 2.0)


def test_trace_refuses_float_of_a_traced_value():
    with pytest.raises(TraceError, match="float"):
        trace(lambda x: x * float(x), 2.0)


def test_after_a_refused_trace_values_behave_as_before():
    with pytest.raises(TraceError):
        trace(lambda x: x * float(x), 2.0)
    v = Value(1.5)
    assert (v.data, float(v), v.detach().data, v > 1.0) == (1.5, 1.5, 1.5, True)


def test_trace_refuses_a_node_computed_outside_the_function():
    w = Value(2.0)
    u = w * w
    with pytest.raises(TraceError, match="computed outside"):
        trace(lambda x: x * u, 3.0)


def test_a_detached_outside_node_is_a_constant_that_replays_read_live():
    w = Value(2.0)
    u = (w * w).detach()
    c = trace(lambda x: x * u, 3.0)
    assert c.value_and_grad(3.0) == (12.0, (4.0,)) == ((3.0 * u).data, (u.data,))
    u.data = 10.0
    assert c.value_and_grad(3.0) == (30.0, (10.0,))


def test_an_outside_leaf_is_read_live_and_gets_its_gradient():
    w = Value(2.0)
    c = trace(lambda x: x * w * w, 3.0)
    w.data = 5.0
    assert c(3.0) == 75.0
    c.backward(3.0)
    assert w.grad == 30.0  # d/dw x w² = 2 x w


def test_an_empty_dot_inside_a_trace_is_zero():
    c = trace(lambda x: x + dot([], []), 2.0)
    assert c(5.0) == 5.0
    assert c.value_and_grad(5.0) == (5.0, (1.0,))
    alone = trace(lambda x: dot([], []) + vsum([]), 2.0)
    assert alone(1.0) == 0.0


def hinge_reading_data(scores, labels):
    """A hinge loss whose clipping reads .data: the trace cannot follow it."""
    margins = [1 - y * s for s, y in zip(scores, labels, strict=True)]
    return vsum([m * (1.0 if m.data > 0 else 0.0) for m in margins]) * (1.0 / len(scores))


def detached_scale(scores, labels):
    """A hinge loss divided by a detached copy of itself plus one: a constant to backward."""
    total = vsum([(1 - y * s).relu() for s, y in zip(scores, labels, strict=True)])
    return total / (total.detach() + 1.0)


@pytest.mark.parametrize("loss", [hinge_reading_data, detached_scale])
@pytest.mark.parametrize("batch_size", [None, 10])
def test_compiled_fit_of_a_loss_that_reads_data_warns_and_trains_as_eager_fit(loss, batch_size):
    nn = pytest.importorskip("nn")

    def trained(compile):
        model = nn.MLP(2, [6, 1], seed=1)
        history = nn.fit(
            model, X, y, loss=loss, steps=12, batch_size=batch_size, progress=False, compile=compile
        )
        return history, [p.data for p in model.parameters()]

    X, y = nn.make_moons(n=23, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eager = trained(False)
    with pytest.warns(RuntimeWarning, match="TraceError.*training eagerly") as caught:
        compiled = trained(True)
    assert len(caught) == 1
    assert compiled[0].loss == eager[0].loss
    assert compiled[1] == eager[1]
    assert eager[0].loss[-1] < eager[0].loss[0]  # and it trained


def test_trace_refuses_a_value_computed_inside_no_grad_within_the_function():
    def f(x):
        with no_grad():
            frozen = x * 2.0  # its data depends on x, but no graph says how
        return x * frozen

    with pytest.raises(TraceError, match="inside no_grad"):
        trace(f, 3.0)
    assert trace(lambda x: x * Value(2.0), 3.0)(5.0) == 10.0  # a constant made inside is fine
