"""explain: d output / d wrt as a sum over paths of products of local derivatives."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, explain, gradients
from autograd.explain import Explanation, count_paths


def test_a_times_b_plus_a_squared_has_three_paths_summing_to_b_plus_2a():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = a * b + a * a
    L.label = "L"
    ex = explain(L, a)
    assert len(ex.paths) == 3
    assert sorted(p.product for p in ex.paths) == [-3.0, 2.0, 2.0]
    assert ex.total == 1.0 == ex.engine
    assert ex.matches
    text = str(ex)
    assert text.startswith("dL/da: 3 paths from a to L")
    assert "product: (-3.0) * 1.0 = -3.0" in text
    assert "equal" in text and "DIFFERENT" not in text


def test_each_path_lists_the_local_derivative_of_every_edge():
    x = Value(0.5, label="x")
    y = x.tanh()
    y.label = "y"
    z = y * 3.0
    z.label = "z"
    (path,) = explain(z, x).paths
    assert path.nodes == (x, y, z)
    t = math.tanh(0.5)
    assert path.locals == pytest.approx((1 - t * t, 3.0))
    assert path.product == pytest.approx(3.0 * (1 - t * t))


@st.composite
def graphs(draw):
    """A random small expression DAG over 1-3 leaves, reusing nodes freely."""
    leaves = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 3)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 6))):
        a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        op = draw(st.sampled_from(["add", "mul", "sub", "tanh", "square", "cos", "relu"]))
        nodes.append(
            {
                "add": lambda a=a, b=b: a + b,
                "mul": lambda a=a, b=b: a * b,
                "sub": lambda a=a, b=b: a - b,
                "tanh": lambda a=a, b=b: a.tanh(),
                "square": lambda a=a, b=b: a * a,
                "cos": lambda a=a, b=b: a.cos(),
                "relu": lambda a=a, b=b: a.relu(),
            }[op]()
        )
    return leaves, nodes[-1]


@given(graphs(), st.data())
def test_the_sum_over_paths_equals_the_engine_gradient_on_random_graphs(graph, data):
    leaves, out = graph
    x = data.draw(st.sampled_from(leaves))
    ex = explain(out, x, max_paths=10_000)
    (expected,) = gradients(out, [x])
    scale = max([1.0] + [abs(p.product) for p in ex.paths])
    assert abs(ex.total - expected) <= 1e-9 * scale
    assert ex.engine == expected
    assert ex.matches
    assert len(ex.paths) == count_paths(out, x)


def test_too_many_paths_is_refused_with_the_count():
    x = Value(1.0, label="x")
    y = x
    for _ in range(12):  # each level doubles the paths: y + y
        y = y + y
    assert count_paths(y, x) == 2**12
    with pytest.raises(ValueError, match="4096 paths"):
        explain(y, x)
    assert len(explain(y, x, max_paths=5000).paths) == 4096


def test_an_input_that_is_not_used_has_no_paths_and_gradient_zero():
    x, unused = Value(1.0, label="x"), Value(2.0, label="u")
    y = x.exp()
    ex = explain(y, unused)
    assert ex.paths == () and ex.total == 0.0 == ex.engine
    assert "does not depend on u" in str(ex)


def test_the_output_with_respect_to_itself_is_one_empty_path():
    x = Value(1.0, label="x")
    ex = explain(x, x)
    assert len(ex.paths) == 1 and ex.total == 1.0 == ex.engine


def test_a_long_chain_is_explained_without_recursion():
    x = Value(0.1, label="x")
    y = x
    for _ in range(20_000):
        y = y * 1.0
    (path,) = explain(y, x).paths
    assert len(path.nodes) == 20_001 and path.product == 1.0


def test_unnamed_nodes_get_names_and_names_mapping_wins():
    w, x = Value(0.5), Value(2.0)
    y = w * x
    text = str(explain(y, w, names={w: "layers.0.neurons.0.w.0"}))
    assert "layers.0.neurons.0.w.0" in text


def test_non_values_are_type_errors():
    with pytest.raises(TypeError, match="output must be a Value"):
        explain(1.0, Value(1.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="wrt must be a Value"):
        explain(Value(1.0), 1.0)  # type: ignore[arg-type]


def test_max_paths_must_be_a_positive_int():
    x = Value(1.0)
    with pytest.raises(ValueError, match="max_paths"):
        explain(x.exp(), x, max_paths=0)


# --- the verdict when the gradient is not finite ---


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda x: x.sqrt() * 3, math.inf),  # the slope of sqrt at 0 is +inf
        (lambda x: x.sqrt() * -3, -math.inf),
        (lambda x: (s := x.sqrt()) * 3 - s * 3, math.nan),  # inf - inf on the paths; 0 * inf
        (lambda x: x.sqrt() * 3 - x.sqrt() * 3, math.nan),
    ],
)
def test_an_infinite_or_nan_gradient_found_both_ways_is_a_match(build, expected):
    x = Value(0.0, label="x")
    ex = explain(build(x), x)
    assert math.isnan(expected) or ex.total == expected == ex.engine
    assert not math.isnan(expected) or math.isnan(ex.total) and math.isnan(ex.engine)
    assert ex.matches
    assert "DIFFERENT" not in str(ex) and "equal" in str(ex)


def test_nan_from_a_nan_input_on_both_sides_is_a_match():
    x, y = Value(1.0, label="x"), Value(math.nan, label="y")
    ex = explain(x * y + x, x)
    assert math.isnan(ex.total) and math.isnan(ex.engine) and ex.matches


@pytest.mark.parametrize(
    "total, engine",
    [
        (math.inf, -math.inf),
        (math.inf, 1.0),
        (1.0, -math.inf),
        (math.nan, 1.0),
        (1.0, math.nan),
        (math.nan, math.inf),
        (1.0, 2.0),
    ],
)
def test_a_sum_and_an_engine_gradient_that_differ_are_not_a_match(total, engine):
    ex = Explanation((), total, engine, "")
    assert not ex.matches
