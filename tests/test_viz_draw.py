"""draw_dot: DOT of known graphs, colour, highlight, escaping and number formatting."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, define_op, draw_dot
from autograd.viz import (
    escape_record,
    format_number,
    grad_color,
    names_from,
)

graphviz = pytest.importorskip("graphviz")

from helpers import (  # noqa: E402
    fill_of,
    labelled,
    needs_renderer,
    parse,
    small_graph,
    svg_texts,
)

# --- the DOT source of a known graph ---


def test_each_value_is_a_record_with_label_data_and_grad():
    a, b, c, d = small_graph()
    nodes, _ = parse(draw_dot(d).source)
    assert "{ a | data 2.0 | grad -3.0 }" in nodes.values()
    assert "{ b | data -3.0 | grad 2.0 }" in nodes.values()
    assert "{ c | data -6.0 | grad 1.0 }" in nodes.values()
    assert "{ d | data -4.5 | grad 1.0 }" in nodes.values()


def test_edges_run_from_inputs_through_the_op_node_to_the_output():
    a, b, c, d = small_graph()
    nodes, edges = parse(draw_dot(d).source)
    na, nb, nc, nd = (labelled(nodes, f"{{ {x} |") for x in "abcd")
    (mul,) = [k for k, v in nodes.items() if v in ('"×"', "×")]
    (add,) = [k for k, v in nodes.items() if v == '"+"' or v == "+"]
    (const,) = [k for k, v in nodes.items() if v == "1.5"]
    assert set(edges) == {(na, mul), (nb, mul), (mul, nc), (nc, add), (const, add), (add, nd)}


def test_left_to_right_by_default_and_top_to_bottom_on_request():
    d = small_graph()[3]
    assert "rankdir=LR" in draw_dot(d).source
    assert "rankdir=TB" in draw_dot(d, rankdir="TB").source
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(d, rankdir="up")


def test_show_grad_false_hides_every_gradient():
    d = small_graph()[3]
    source = draw_dot(d, show_grad=False).source
    assert "grad" not in source
    assert "data -4.5" in source


def test_a_value_used_twice_gets_two_edges_into_its_op():
    a = Value(3.0, label="a")
    y = a * a
    _, edges = parse(draw_dot(y).source)
    assert len(edges) == 3  # a -> *, a -> *, * -> y


def test_names_mapping_replaces_labels_and_works_with_named_parameters_pairs():
    w, x = Value(0.5, label="ignored"), Value(2.0)
    y = w * x
    names = names_from([("layers.0.neurons.3.w.1", w)])
    source = draw_dot(y, names=names).source
    assert "layers.0.neurons.3.w.1" in source
    assert "ignored" not in source


def test_several_roots_draw_one_graph_with_shared_nodes_once():
    a = Value(1.0, label="shared")
    y1, y2 = a.exp(), a.sin()
    nodes, _ = parse(draw_dot([y1, y2]).source)
    assert sum("shared" in v for v in nodes.values()) == 1
    assert sum(v.startswith("{") for v in nodes.values()) == 3


def test_bad_arguments_are_clear_errors():
    d = small_graph()[3]
    with pytest.raises(TypeError, match="root must be a Value"):
        draw_dot(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="names"):
        draw_dot(d, names=["a"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(d, max_nodes=1)
    with pytest.raises(ValueError, match="not in the graph"):
        draw_dot(d, highlight=Value(1.0))


# --- colour and highlight ---


def test_color_grad_paints_positive_blue_negative_red_and_zero_white():
    a, b, c, d = small_graph()  # a.grad = -3, b.grad = 2
    z = Value(1.0, label="z")
    e = d + z * 0.0  # z.grad = 0
    e.backward()
    source = draw_dot(e, color_grad=True).source
    ra, ga, ba = (int(fill_of(source, "{ a |")[i : i + 2], 16) for i in (1, 3, 5))
    rb, gb, bb = (int(fill_of(source, "{ b |")[i : i + 2], 16) for i in (1, 3, 5))
    assert ra > ba  # negative: red
    assert bb > rb  # positive: blue
    assert fill_of(source, "{ z |") == "#ffffff"


def test_larger_gradients_get_deeper_colours():
    assert grad_color(1.0, 1.0) < grad_color(0.01, 1.0)  # darker hex = smaller channel values
    assert grad_color(-1.0, 1.0) != grad_color(1.0, 1.0)


def test_highlight_marks_exactly_the_path_from_the_input_to_the_output():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    u = x.exp()
    u.label = "u"
    v = y.sin()
    v.label = "v"
    out = u + v
    out.label = "out"
    source = draw_dot(out, highlight=x).source
    lit = {
        line.split("{ ")[1].split(" |")[0]
        for line in source.splitlines()
        if "penwidth=2.5" in line and "{ " in line
    }
    assert lit == {"x", "u", "out"}
    assert sum("penwidth=2.5" in line and "->" in line for line in source.splitlines()) == 4


# --- robustness: escaping and number formatting ---


@pytest.mark.parametrize(
    "x, text",
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1.0"),
        (-6.0, "-6.0"),
        (24.70408163265306, "24.7041"),
        (2.5e-05, "2.5e-05"),
        (-1.25e-07, "-1.25e-07"),
        (1234567.0, "1.235e+06"),
        (0.001, "1e-03"),
        (0.5, "0.5"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
    ],
)
def test_numbers_print_readably_at_every_scale(x, text):
    assert format_number(x) == text


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != 0.0))
def test_a_nonzero_number_never_prints_as_zero_and_keeps_four_digits(x):
    s = format_number(x)
    assert float(s) != 0.0
    assert float(s) == pytest.approx(x, rel=2e-3, abs=0.0 if abs(x) < 0.01 else 6e-5)


def test_a_tiny_gradient_shows_in_scientific_notation_in_the_drawing():
    x = Value(1.0, label="x")
    y = x * 2.5e-05
    y.backward()
    assert "grad 2.5e-05" in draw_dot(y).source


def test_record_escaping_covers_every_special_character():
    assert escape_record('a|b{c}<d>"e"\\') == 'a\\|b\\{c\\}\\<d\\>\\"e\\"\\\\'
    assert escape_record("two\nlines") == "two\\nlines"


NASTY = 'a|b {c} <d> "e" \\f'


@needs_renderer
def test_labels_with_special_characters_render_verbatim():
    a = Value(1.0, label=NASTY)
    b = a.tanh()
    b.label = "<html?>"
    svg = draw_dot(b).pipe(format="svg", encoding="utf-8")
    texts = svg_texts(svg)
    assert NASTY in texts
    assert "<html?>" in texts


@needs_renderer
def test_user_op_names_are_escaped_too():

    weird = define_op("<w|{x}>", lambda a: (2.0 * a, (2.0,)))
    y = weird(Value(1.0))
    assert "<w|{x}>" in svg_texts(draw_dot(y).pipe(format="svg", encoding="utf-8"))


def test_a_huge_chain_is_planned_only_as_far_as_it_is_drawn(monkeypatch):
    from autograd.viz import plan as plan_module

    x = Value(1.0, label="x")
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.backward()
    calls = 0
    real = plan_module.format_number

    def counting(v: float) -> str:
        nonlocal calls
        calls += 1
        return real(v)

    monkeypatch.setattr(plan_module, "format_number", counting)
    drawing = draw_dot(y)
    nodes, _ = parse(drawing.source)
    assert len(nodes) <= 300
    assert "values not shown" in drawing.note
    assert calls < 1_000  # labels for what is drawn, not for 20,001 values


def test_draw_dot_names_a_models_nets_and_activations():
    from nn import MLP

    model = MLP(2, [2, 1], activation="tanh", seed=1)
    src = draw_dot(model([0.5, -0.5]), names=model).source
    assert "{ layers.0.neurons.1.net |" in src and "{ layers.0.neurons.1.out |" in src
    assert "{ out |" in src
