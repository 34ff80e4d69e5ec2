"""define_op: a user's own op, first order from its float rule, higher order from its graph form."""

from __future__ import annotations

import math

import pytest
from helpers import bits, parse
from hypothesis import given
from strategies import reals

from autograd import (
    Op,
    Value,
    apply,
    define_op,
    grad,
    gradcheck,
    gradients,
    no_grad,
    ops,
    trace,
    value_and_grad,
)
from autograd.ops import REGISTRY

# Defined once at import: the registry is global, and a second op with the same name is an error.


def _cube(a: float):
    """cube(a) = a**3; d/da = 3 a**2."""
    return a**3, (3 * a * a,)


cube = define_op("test_cube", _cube, lambda out, a: (3 * a * a,))
cube_first_order_only = define_op("test_cube_rule_only", _cube)


def _hypot(a: float, b: float):
    out = math.hypot(a, b)
    return out, (a / out, b / out)


hypot = define_op("test_hypot", _hypot, lambda out, a, b: (a / out, b / out))


def _prod3(a: float, b: float, c: float):
    return a * b * c, (b * c, a * c, a * b)


prod3 = define_op("test_prod3", _prod3, lambda out, a, b, c: (b * c, a * c, a * b))


def _scale(a: float, k: float):  # k is a constant: one local derivative for two inputs
    return k * a, (k,)


scale = define_op("test_scale", _scale, lambda out, a, k: (k,))


def _safe_log(a: float):
    if a <= 0:
        raise ValueError(f"test_safe_log: input must be > 0, got {a!r}")
    return math.log(a), (1 / a,)


safe_log = define_op("test_safe_log", _safe_log, lambda out, a: (1 / a,))


# --- first order ---


def test_a_custom_op_records_one_node_with_its_name():
    x = Value(2.0)
    y = cube(x)
    assert (y.data, y.op, y._parents, y._local) == (8.0, "test_cube", (x,), (12.0,))
    assert REGISTRY["test_cube"].rule(2.0) == _cube(2.0)
    assert cube.__name__ == "test_cube" and "a**3" in cube.__doc__


@given(reals(-3, 3))
def test_custom_op_gradients_pass_gradcheck_inside_bigger_graphs(x):
    gradcheck(lambda v: (cube_first_order_only(v.sin()) + v) ** 2, x)


@given(reals(0.5, 3), reals(0.5, 3), reals(-3, 3))
def test_many_input_custom_ops_pass_gradcheck(a, b, c):
    gradcheck(lambda a, b, c: prod3(a, hypot(b, c), a * 2), a, b, c)


def test_numbers_are_constants_for_custom_ops_too():
    x = Value(3.0)
    y = prod3(x, 2, x)
    assert (y.data, y._parents, y._inputs) == (18.0, (x, x), (x, 2.0, x))
    y.backward()
    assert x.grad == 12.0
    z = scale(x, 5)
    assert (z.data, z._parents, z._local) == (15.0, (x,), (5.0,))


def test_no_grad_covers_custom_ops():
    with no_grad():
        y = cube(Value(2.0))
    assert (y.data, y.op) == (8.0, "")


def test_apply_takes_an_op_record_directly():
    op = Op("test_unregistered_double", lambda a: (2 * a, (2.0,)))
    x = Value(1.5)
    apply(op, x).backward()
    assert x.grad == 2.0


# --- higher order through the graph form ---


@given(reals(-3, 3))
def test_higher_derivatives_come_from_the_graph_form(x):
    assert grad(cube)(x) == pytest.approx(3 * x * x, rel=1e-12, abs=1e-12)
    assert grad(grad(cube))(x) == pytest.approx(6 * x, rel=1e-12, abs=1e-12)
    assert grad(grad(grad(cube)))(x) == 6.0


@given(reals(-3, 3), reals(0.5, 3))
def test_second_derivatives_of_a_two_input_custom_op_pass_gradcheck(a, b):
    for i in range(2):
        gradcheck(
            lambda a, b, i=i: gradients(hypot(a, b) * a, [a, b], create_graph=True)[i],
            a,
            b,
            tol=1e-5,
        )


def test_higher_order_without_a_graph_form_says_what_is_missing():
    with pytest.raises(NotImplementedError, match="test_cube_rule_only.*graph"):
        grad(grad(cube_first_order_only))(1.0)
    assert grad(cube_first_order_only)(2.0) == 12.0


# --- errors ---


def test_a_built_in_name_cannot_be_taken():
    with pytest.raises(ValueError, match="'mul' is a built-in op"):
        define_op("mul", lambda a, b: (a * b, (b, a)))
    assert (Value(2.0) * 3.0).data == 6.0  # and the built-in still works


def test_redefining_your_own_op_replaces_it_as_when_a_cell_is_run_again():
    first = define_op("test_redefined", lambda a: (2.0 * a, (2.0,)))
    second = define_op("test_redefined", lambda a: (3.0 * a, (3.0,)))
    assert first(Value(1.0)).data == 2.0
    assert second(Value(1.0)).data == 3.0
    assert grad(lambda x: second(x))(5.0) == 3.0


def test_a_missing_derivative_for_a_value_input_is_reported_not_dropped():
    half = define_op("test_half_rule", lambda a, b: (a * b, (b,)))
    assert half(Value(2.0), 3.0).data == 6.0  # a trailing constant needs no local
    with pytest.raises(ValueError, match="test_half_rule.*1 local derivatives for 2 inputs"):
        half(Value(2.0), Value(3.0))


@pytest.mark.parametrize("name", ["", None, 3])
def test_the_name_must_be_a_non_empty_string(name):
    with pytest.raises(ValueError, match="name"):
        define_op(name, _cube)


def test_a_rule_with_the_wrong_number_of_derivatives_is_reported():
    bad = define_op("test_bad_arity", lambda a, b, c: (a, (1.0,)))
    with pytest.raises(ValueError, match="test_bad_arity.*1 local derivatives for 3 inputs"):
        bad(Value(1.0), Value(2.0), Value(3.0))


def test_a_rule_that_returns_a_non_number_is_reported():
    bad = define_op("test_bad_output", lambda a: ("1", (1.0,)))
    with pytest.raises(TypeError, match="test_bad_output.*str"):
        bad(Value(1.0))


def test_non_number_inputs_are_reported_with_the_op_name():
    with pytest.raises(TypeError, match="test_cube.*str"):
        cube("2")


def test_domain_errors_from_the_rule_pass_through_and_record_nothing():
    x = Value(-1.0)
    with pytest.raises(ValueError, match="test_safe_log.*-1.0"):
        safe_log(x)
    assert (x.data, x.grad) == (-1.0, 0.0)


def test_apply_wants_an_op():
    with pytest.raises(TypeError, match="Op"):
        apply(_cube, Value(1.0))


# --- a rule that returns the wrong shape ---


def test_define_op_whose_rule_returns_a_bare_float_raises_a_type_error_naming_the_op():
    doubled = define_op("hardening_bare_float", lambda a: 2.0 * a)
    with pytest.raises(TypeError, match="hardening_bare_float.*out, local"):
        doubled(Value(1.0))
    strings = define_op("hardening_str_local", lambda a: (a, ("1",)))
    with pytest.raises(TypeError, match="hardening_str_local.*str"):
        strings(Value(1.0))


# --- a user op is drawn, grouped, compiled and differentiated twice like a built-in ---


def cube_rule(a: float) -> ops.Rule:
    """a ** 3; d/da = 3 a ** 2."""
    return a * a * a, (3.0 * a * a,)


user_cube = define_op(
    "redesign_cube", cube_rule, lambda out, a: (3.0 * a * a,), kind="activation", symbol="cube³"
)


def cube_of_neuron():
    """user_cube(b + w . x) on the one neuron of MLP(2, [1]) (a linear layer), after backward."""
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [1], seed=3)
    out = user_cube(model([0.5, -1.0]))
    out.backward()
    return out, model


def test_a_user_op_is_drawn_with_its_symbol():
    pytest.importorskip("graphviz")
    from autograd import draw_dot

    out, _ = cube_of_neuron()
    source = draw_dot(out).source
    assert '[label="cube³" shape=ellipse]' in source
    assert "redesign_cube" not in source


def test_a_user_activation_is_grouped_into_the_neuron_it_follows():
    pytest.importorskip("graphviz")
    from autograd import draw_dot

    out, model = cube_of_neuron()
    nodes, _ = parse(draw_dot(out, names=model, collapse="neuron").source)
    (group,) = [label for label in nodes.values() if "layers.0.neurons.0" in label]
    assert "3 params, 2 ops" in group  # the dot and the user's activation
    assert "cube³" not in nodes.values()  # no op node left outside the neuron


def test_a_user_activation_of_kind_function_stays_outside_the_neuron():
    pytest.importorskip("graphviz")
    nn = pytest.importorskip("nn")
    from autograd import draw_dot

    plain = define_op("redesign_cube_plain", cube_rule, kind="function", symbol="c3")
    model = nn.MLP(2, [1], seed=3)
    out = plain(model([0.5, -1.0]))
    nodes, _ = parse(draw_dot(out, names=model, collapse="neuron").source)
    assert "c3" in nodes.values()
    assert any("3 params, 1 op " in label for label in nodes.values())


def cube_program(x, y):
    return user_cube(x * y + x.sin()) + user_cube(y) * x


@pytest.mark.parametrize("point", [(0.7, -1.3), (-2.0, 0.25), (1.5, 1.5)])
def test_a_user_op_compiles_to_the_eager_value_and_gradients_bit_for_bit(point):
    compiled = trace(cube_program, 0.3, 0.9)  # traced at one point, replayed at others
    eager_value, eager_grads = value_and_grad(cube_program, argnums=(0, 1))(*point)
    value, (gx, gy) = compiled.value_and_grad(*point)
    assert bits(value) == bits(eager_value) == bits(compiled(*point))
    assert (bits(gx), bits(gy)) == tuple(map(bits, eager_grads))
    assert "rule_redesign_cube" in compiled.source  # called by its rule, from the registry


@pytest.mark.parametrize("x", [-1.7, -0.4, 0.3, 2.1])
def test_a_user_op_differentiates_twice_like_finite_differences_of_its_first_derivative(x):
    def f(x):
        return user_cube(x.sin() * 1.5)

    first, second = grad(f), grad(grad(f))
    h = 1e-5
    numeric = (first(x + h) - first(x - h)) / (2 * h)
    assert second(x) == pytest.approx(numeric, rel=1e-6, abs=1e-8)
    # by hand: f' = 3 (1.5 sin x)**2 * 1.5 cos x
    assert first(x) == pytest.approx(3 * (1.5 * math.sin(x)) ** 2 * 1.5 * math.cos(x), rel=1e-12)


def test_the_user_op_is_one_registry_entry_with_every_view():
    entry = ops.REGISTRY["redesign_cube"]
    assert (entry.kind, entry.symbol) == ("activation", "cube³")
    assert entry.rule(2.0) == (8.0, (12.0,))
    assert user_cube.op is entry
