"""Random small programs using the ways out of the graph: a replay equals eager, or is refused."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, gradients
from autograd.tracing import GuardError, TraceError, trace

# each step maps the running Value x (and the input a) to a new Value, eagerly and traced alike
STEPS = {
    "mul": lambda x, a: x * a,
    "tanh": lambda x, a: x.tanh(),
    "relu": lambda x, a: x.relu() + a,
    "branch": lambda x, a: x * 2.0 if x > 0.0 else x - a,  # a guard
    "max": lambda x, a: max(x, a),  # guards
    "grad": lambda x, a: x + gradients(x * x * a, [a])[0],  # a float eagerly
    "grad_graph": lambda x, a: gradients(x.relu() * x * a, [a], create_graph=True)[0] + x,
    "abs_graph": lambda x, a: x * gradients(abs(x * a), [a], create_graph=True)[0],
    "data": lambda x, a: x * x.data,  # refused
    "float": lambda x, a: x + float(a),  # refused
    "detach": lambda x, a: x * a.detach(),  # refused
}
SAFE = sorted(STEPS)

OUTCOMES = {"refused": 0, "replayed": 0}
numbers = st.floats(-3.0, 3.0, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


def program(names):
    def f(a):
        x = a
        for name in names:
            x = STEPS[name](x, a)
        return x

    return f


def eager(f, a):
    x = Value(a)
    y = f(x)
    (g,) = gradients(y, [x])
    return y.data, g


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(SAFE), min_size=1, max_size=5), numbers, numbers)
def test_a_replay_on_new_inputs_equals_eager_or_is_refused(names, at, new):
    f = program(names)
    try:
        c = trace(f, at)
        value, (grad,) = c.value_and_grad(new)
    except (TraceError, GuardError):
        OUTCOMES["refused"] += 1
        return
    OUTCOMES["replayed"] += 1
    want_value, want_grad = eager(f, new)
    same = lambda u, v: (math.isnan(u) and math.isnan(v)) or u.hex() == v.hex()  # noqa: E731
    assert same(value, want_value) and same(grad, want_grad), names


def test_the_programs_were_both_replayed_and_refused():
    """(run after the property above) both outcomes occur, so neither side is vacuous."""
    test_a_replay_on_new_inputs_equals_eager_or_is_refused()
    assert OUTCOMES["refused"] > 0 and OUTCOMES["replayed"] > 0, OUTCOMES
