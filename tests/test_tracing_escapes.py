"""Every way a number can leave the graph inside a traced function is recorded or refused."""

from __future__ import annotations

import random
import threading

import pytest

from autograd import Value, define_op, dot, grad, gradients, no_grad, vsum
from autograd.tracing import GuardError, TracedNumber, TraceError, is_tracing, trace


def test_a_gradient_taken_inside_f_is_recomputed_on_replay():
    def f(x):
        (g,) = gradients(x * x, [x])
        return x * g

    c = trace(f, 2.0)
    assert c(3.0) == 18.0  # it froze g = 4 before: 12.0
    x = Value(3.0)
    y = f(x)
    y.backward()
    assert c.value_and_grad(3.0) == (y.data, (x.grad,))  # g is a constant to backward, as eagerly


def test_grad_inside_f_is_recomputed_on_replay():
    def f(x):
        return x * grad(lambda t: t * t * t)(x)  # 3 x^2, a float eagerly

    assert trace(f, 1.0)(2.0) == 2.0 * 12.0


def test_create_graph_through_relu_at_a_sign_change_is_right_or_refused():
    def f(x):
        (g,) = gradients(x.relu() * x, [x], create_graph=True)
        return g

    c = trace(f, 2.0)
    with pytest.raises(GuardError):
        c(-1.0)  # it gave 2 * relu'(2) * ... baked in before
    assert trace(f, 2.0, retrace=True)(-1.0) == f(Value(-1.0)).data


@pytest.mark.parametrize("op", ["relu", "abs", "leaky_relu"])
def test_create_graph_kinks_become_guards(op):
    def f(x):
        (g,) = gradients(getattr(x, op)(), [x], create_graph=True)
        return g * x

    c = trace(f, 2.0)
    assert c.guards  # the kink is a guard, not a constant
    assert c(3.0) == f(Value(3.0)).data


def test_a_value_exponent_under_create_graph_replays_or_is_refused():
    def f(x, y):
        (gy,) = gradients(x**y, [y], create_graph=True)
        return gy

    c = trace(f, 2.0, 3.0)
    assert c(5.0, 1.5) == f(Value(5.0), Value(1.5)).data
    with pytest.raises(GuardError):
        c(0.0, 2.0)  # d/dy at x = 0 is the other branch


def test_backward_inside_f_is_refused_so_a_maml_step_cannot_freeze_gradients():
    w = Value(0.5)

    def inner_step(x):
        loss = (w * x - 1.0) ** 2
        loss.backward()
        return (w - 0.1 * w.grad) * x

    with pytest.raises(TraceError, match=r"backward\(\) of a Value at .*test_tracing_escapes"):
        trace(inner_step, 2.0)

    def inner_step_by_gradients(x):
        loss = (w * x - 1.0) ** 2
        (g,) = gradients(loss, [w], create_graph=True)
        return (w - 0.1 * g) * x

    c = trace(inner_step_by_gradients, 2.0)
    assert c(3.0) == inner_step_by_gradients(Value(3.0)).data


@pytest.mark.parametrize(
    "escape, what",
    [
        (lambda x: x * x.data, "reading .data"),
        (lambda x: x * x.grad, "reading .grad"),
        (lambda x: x * float(x), "float()"),
        (lambda x: x * x.detach(), "detach()"),
        (lambda x: x * int(x), "float()"),  # int() of a Value goes through __float__? no: refused
    ],
)
def test_reads_of_the_number_are_refused_naming_what_and_where(escape, what):
    with pytest.raises((TraceError, TypeError)) as caught:
        trace(escape, 2.0)
    if isinstance(caught.value, TraceError):
        assert what in str(caught.value) and "test_tracing_escapes.py" in str(caught.value)


def test_writes_of_data_and_grad_inside_f_are_refused():
    w = Value(1.0)

    def f(x):
        w.data = 3.0
        return x * w

    with pytest.raises(TraceError, match="setting .data"):
        trace(f, 2.0)
    assert w.data == 1.0

    def g(x):
        w.grad = 0.0
        return x * w

    with pytest.raises(TraceError, match="setting .grad"):
        trace(g, 2.0)


def test_repr_and_str_inside_a_trace_show_no_number():
    seen = []

    def f(x):
        y = x * 2.0
        seen.extend([repr(y), str(y), f"{y}"])
        return y

    trace(f, 1.5)
    assert seen == ["Value(<traced>, op='mul')"] * 3
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"  # outside, as before


def test_the_random_module_inside_f_is_refused():
    with pytest.raises(TraceError, match="random module"):
        trace(lambda x: x * random.random(), 1.0)


def test_a_private_generator_inside_f_is_frozen_as_documented():
    rng = random.Random(0)
    c = trace(lambda x: x * rng.random(), 1.0)
    first = random.Random(0).random()
    assert c(2.0) == 2.0 * first  # the number drawn while tracing, every time


def test_calling_a_compiled_function_inside_a_trace_is_refused():
    inner = trace(lambda x: x * x, 1.0)
    with pytest.raises(TraceError, match="compiled function"):
        trace(lambda x: x + inner(2.0), 1.0)


@pytest.mark.parametrize(
    "use, what",
    [
        (lambda t: 5.0 if t == 1 else 1.0, "=="),
        (lambda t: 5.0 if t != 1 else 1.0, "!="),
        (lambda t: 5.0 if t else 1.0, "truth"),
        (lambda t: {1.0: 5.0}.get(t, 1.0), "hashing"),
        (lambda t: [5.0, 1.0][t], "int()"),
    ],
)
def test_a_number_argument_refuses_what_a_float_does_differently(use, what):
    with pytest.raises(TraceError, match=what):
        trace(lambda s, t: s * use(t), 2.0, 1.0, numbers=[1])


def test_a_number_argument_computes_and_compares_like_a_value():
    c = trace(lambda s, t: s * t if t > 0.5 else -s, 2.0, 1.0, numbers=[1])
    assert c(3.0, 2.0) == 6.0
    with pytest.raises(GuardError):
        c(3.0, 0.0)


def test_a_gradient_inside_f_is_a_traced_number():
    kinds = []

    def f(x):
        (g,) = gradients(x * x, [x])
        kinds.append(type(g))
        return x + g

    trace(f, 1.0)
    assert kinds == [TracedNumber]
    assert type(gradients(Value(1.0) * 2.0, [Value(1.0)])[0]) is float  # outside: floats


def test_is_tracing_is_true_only_inside_f_and_only_in_its_thread():
    inside, other = [], []

    def f(x):
        inside.append(is_tracing())
        t = threading.Thread(target=lambda: other.append((is_tracing(), Value(2.0).data)))
        t.start()
        t.join()
        return x

    trace(f, 1.0)
    assert inside == [True] and other == [(False, 2.0)] and not is_tracing()


def test_a_node_keeps_the_op_it_was_built_with_when_the_op_is_redefined():
    scale = define_op("test_escapes.scale", lambda a: (2.0 * a, (2.0,)), lambda out, a: (2.0,))
    x = Value(3.0)
    y = scale(x) * x  # d/dx = 4x, d2/dx2 = 4
    define_op("test_escapes.scale", lambda a: (5.0 * a, (5.0,)), lambda out, a: (5.0,))
    (g,) = gradients(y, [x], create_graph=True)
    assert g.data == 12.0  # with the op redefined, it gave 5 * 3 + 6 = 21 before
    (h,) = gradients(g, [x])
    assert h == 4.0
    assert y.op == "mul" and y._parents[0].op == "test_escapes.scale"


def test_a_trace_refuses_graphs_past_its_node_limit_and_the_limit_can_be_raised():
    def f(x):
        for _ in range(50):
            x = x * 1.0
        return x

    with pytest.raises(TraceError, match="more than 20 nodes.*max_nodes"):
        trace(f, 1.0, max_nodes=20)
    assert trace(f, 2.0, max_nodes=100)(3.0) == 3.0


def test_no_grad_and_traces_share_the_slow_path_and_leave_it_closed():
    from autograd import value

    with no_grad():
        assert value._slow == 1
    trace(lambda x: x * x, 1.0)
    with pytest.raises(TraceError):
        trace(lambda x: x * float(x), 1.0)
    assert value._slow == 0


# --- what a trace cannot follow, it refuses; Values from outside f ---


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


def test_trace_refuses_a_value_computed_inside_no_grad_within_the_function():
    def f(x):
        with no_grad():
            frozen = x * 2.0  # its data depends on x, but no graph says how
        return x * frozen

    with pytest.raises(TraceError, match="inside no_grad"):
        trace(f, 3.0)
    assert trace(lambda x: x * Value(2.0), 3.0)(5.0) == 10.0  # a constant made inside is fine
