"""draw_dot: DOT of known graphs, escaping, number formatting, collapsing, rendering."""

from __future__ import annotations

import math
import random
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, dot, draw_dot, no_grad, viz
from autograd.viz import escape_record, find_renderer, format_number, grad_color, names_from

graphviz = pytest.importorskip("graphviz")

NODE = re.compile(r'^\t(\w+) \[label=(?:"((?:[^"\\]|\\.)*)"|(\S+?))[ \]]', re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)", re.M)


def parse(source: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Node id -> label, and the edges, from DOT source written by graphviz."""
    nodes = {m[1]: m[2] if m[2] is not None else m[3] for m in NODE.finditer(source)}
    return nodes, EDGE.findall(source)


def labelled(nodes: dict[str, str], text: str) -> str:
    (nid,) = [k for k, v in nodes.items() if text in v]
    return nid


def small_graph() -> tuple[Value, Value, Value, Value]:
    """c = a * b; d = c + 1.5, with d.backward(): hand-derived grads d/da = b, d/db = a."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + 1.5
    d.label = "d"
    d.backward()
    return a, b, c, d


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
    (mul,) = [k for k, v in nodes.items() if v == '"*"' or v == "*"]
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


def fill_of(source: str, text: str) -> str:
    line = next(x for x in source.splitlines() if text in x)
    return re.search(r'fillcolor="(#[0-9a-f]{6})"', line)[1]


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


@pytest.fixture
def renderer():
    if find_renderer() is None:
        pytest.skip("no Graphviz renderer (dot or graphviz-pure) installed")


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


NASTY = 'a|b {c} <d> "e" \\f'


def test_labels_with_special_characters_render_verbatim(renderer):
    a = Value(1.0, label=NASTY)
    b = a.tanh()
    b.label = "<html?>"
    svg = draw_dot(b).pipe(format="svg", encoding="utf-8")
    texts = svg_texts(svg)
    assert NASTY in texts
    assert "<html?>" in texts


def test_user_op_names_are_escaped_too(renderer):
    from autograd import define_op

    weird = define_op("<w|{x}>", lambda a: (2.0 * a, (2.0,)))
    y = weird(Value(1.0))
    assert "<w|{x}>" in svg_texts(draw_dot(y).pipe(format="svg", encoding="utf-8"))


# --- rendering without a system Graphviz ---


def test_rendering_to_svg_and_png_works(renderer, tmp_path):
    d = small_graph()[3]
    drawing = draw_dot(d)
    svg = drawing.pipe(format="svg", encoding="utf-8")
    assert "data -4.5" in svg_texts(svg) and "grad -3.0" in svg_texts(svg)
    out = Path(drawing.render(outfile=tmp_path / "graph.png"))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = drawing._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_graphviz_pure_next_to_the_interpreter_is_found_when_dot_is_not_on_path(monkeypatch):
    exe = Path(sys.executable).parent / "graphviz-pure"
    if not exe.exists():
        pytest.skip("graphviz-pure is not installed in this environment")
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    assert find_renderer() == str(exe)


def test_with_no_renderer_the_source_works_and_rendering_says_what_to_install(
    monkeypatch, tmp_path
):
    from graphviz.backend import dot_command

    monkeypatch.setattr(dot_command, "DOT_BINARY", Path("dot"))
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    monkeypatch.setattr(viz.sys, "executable", str(tmp_path / "python"))
    drawing = draw_dot(small_graph()[3])
    assert "data -4.5" in drawing.source
    with pytest.raises(viz.RendererNotFound, match="graphviz-pure"):
        drawing.pipe(format="svg")
    with pytest.raises(viz.RendererNotFound, match="graphviz-pure"):
        drawing.render(outfile=tmp_path / "g.svg")
    assert "graphviz-pure" in drawing._repr_mimebundle_()["text/plain"]


# --- big graphs: collapsing, node budget, no recursion ---


def mlp_loss(sizes: list[int], n_samples: int, use_dot: bool, seed: int = 0):
    """A hand-built MLP with nn-style parameter names and a hinge loss over a few samples."""
    rng = random.Random(seed)
    names: dict[Value, str] = {}
    layers = []
    for i, (nin, nout) in enumerate(zip(sizes, sizes[1:], strict=False)):
        layer = []
        for j in range(nout):
            w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
            b = Value(0.0)
            names.update({wk: f"layers.{i}.neurons.{j}.w.{k}" for k, wk in enumerate(w)})
            names[b] = f"layers.{i}.neurons.{j}.b"
            layer.append((w, b))
        layers.append(layer)
    losses = []
    for _ in range(n_samples):
        x = [Value(rng.uniform(-1, 1)) for _ in range(sizes[0])]
        for i, layer in enumerate(layers):
            if use_dot:
                acts = [dot(w, x, b) for w, b in layer]
            else:  # micrograd's neuron: a chain of adds
                acts = [sum((wk * xk for wk, xk in zip(w, x, strict=True)), b) for w, b in layer]
            x = [a.relu() for a in acts] if i < len(layers) - 1 else acts
        losses.append((1 + -rng.choice((-1, 1)) * x[0]).relu())
    loss = sum(losses, Value(0.0)) * (1.0 / n_samples)
    loss.backward()
    return loss, names


def group_nodes(source: str) -> list[str]:
    return re.findall(r'label="\{ (layers[\w.]*) \|', source)


@pytest.mark.parametrize("use_dot", [True, False])
def test_collapsing_per_neuron_gives_one_node_per_neuron(use_dot):
    loss, names = mlp_loss([2, 4, 3, 1], n_samples=3, use_dot=use_dot)
    groups = group_nodes(draw_dot(loss, names=names, collapse="neuron").source)
    assert sorted(groups) == sorted(
        [f"layers.0.neurons.{j}" for j in range(4)]
        + [f"layers.1.neurons.{j}" for j in range(3)]
        + ["layers.2.neurons.0"]
    )


def test_collapsing_per_layer_gives_one_node_per_layer_and_a_note():
    loss, names = mlp_loss([2, 4, 3, 1], n_samples=3, use_dot=False)
    drawing = draw_dot(loss, names=names, collapse="layer")
    assert sorted(group_nodes(drawing.source)) == ["layers.0", "layers.1", "layers.2"]
    assert "collapsed per layer" in drawing.note
    assert "collapsed per layer" in drawing.source  # the note is the graph's label


@pytest.mark.parametrize("budget", [10, 40, 120])
def test_the_collapsed_view_of_an_mlp_loss_stays_under_its_node_budget(budget):
    loss, names = mlp_loss([2, 8, 8, 1], n_samples=20, use_dot=False)
    drawing = draw_dot(loss, names=names, collapse="neuron", max_nodes=budget)
    nodes, edges = parse(drawing.source)
    assert len(nodes) <= budget
    assert "cut at a budget" in drawing.note
    ids = set(nodes)
    assert all(a in ids and b in ids for a, b in edges)  # no edge to a node that was cut
    assert any(v.startswith("{ data") and "grad 1.0" in v for v in nodes.values())  # the loss
    if budget > 18:  # 17 neurons: the groups are kept before anything else is
        assert len(group_nodes(drawing.source)) == 17


def test_a_graph_that_fits_its_budget_is_not_cut():
    d = small_graph()[3]
    drawing = draw_dot(d, max_nodes=100)
    assert drawing.note == ""
    assert "more nodes" not in drawing.source


def test_collapse_needs_names_and_a_known_level():
    loss, names = mlp_loss([2, 2, 1], n_samples=1, use_dot=True)
    with pytest.raises(ValueError, match="needs names"):
        draw_dot(loss, collapse="neuron")
    with pytest.raises(ValueError, match="'neuron' or 'layer'"):
        draw_dot(loss, names=names, collapse="bogus")
    with pytest.raises(TypeError, match="collapse"):
        draw_dot(loss, names=names, collapse=2.5)  # type: ignore[arg-type]


def deep_graph(n: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = x
    for i in range(n):
        y = (y * 0.5).tanh() if i % 2 else y + x
    return x, y


def test_a_graph_of_20000_nodes_draws_and_collapses_without_recursion_error():
    x, y = deep_graph(20_000)
    source = draw_dot(y).source
    assert source.count("shape=record") == 30_001  # x, then 1 node per even step, 2 per odd
    drawing = draw_dot(y, names={x: "layers.0.neurons.0.w.0"}, collapse="neuron", max_nodes=50)
    assert len(parse(drawing.source)[0]) <= 50
    assert len(parse(draw_dot(y, max_nodes=30, highlight=x).source)[0]) <= 30


def test_no_grad_values_draw_as_leaves():
    a = Value(1.0, label="a")
    with no_grad():
        b = a * 2.0
    nodes, edges = parse(draw_dot(b).source)
    assert len(nodes) == 1 and edges == []


def test_names_accepts_named_parameters_pairs_and_either_direction_of_mapping():
    w = Value(0.5)
    y = w * 2.0
    name = "layers.0.neurons.0.w.0"
    for names in ([(name, w)], {name: w}, {w: name}):
        assert name in draw_dot(y, names=names).source
    with pytest.raises(TypeError, match="pair a Value with a name"):
        draw_dot(y, names=[("a", "b")])


def test_an_nn_mlp_collapses_to_its_own_neurons_by_named_parameters():
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [4, 3, 1], seed=0)
    X, y = nn.make_moons(n=6, seed=0)
    loss = nn.hinge([model(x) for x in X], y)
    loss.backward()
    source = draw_dot(loss, names=model.named_parameters(), collapse="neuron").source
    neurons = {re.match(r"layers\.\d+\.neurons\.\d+", n)[0] for n, _ in model.named_parameters()}
    assert len(neurons) == 8
    assert sorted(group_nodes(source)) == sorted(neurons)


# --- collapsed groups: natural order, the value leaving each group, colour, inputs ---


def layers_on(x: list[float], sizes: list[int], seed: int = 0):
    """Hand-built ReLU layers (linear last) on float inputs, with nn-style parameter names."""
    rng = random.Random(seed)
    names: dict[Value, str] = {}
    acts: list = list(x)
    for i, nout in enumerate(sizes):
        layer = []
        for j in range(nout):
            w = [Value(rng.uniform(-1, 1)) for _ in acts]
            b = Value(rng.uniform(-0.5, 0.5))
            names.update({wk: f"layers.{i}.neurons.{j}.w.{k}" for k, wk in enumerate(w)})
            names[b] = f"layers.{i}.neurons.{j}.b"
            a = dot(w, acts, b)
            layer.append(a.relu() if i < len(sizes) - 1 else a)
        acts = layer
    return acts, names


def test_groups_are_listed_in_natural_order_neurons_2_before_neurons_10():
    outs, names = layers_on([0.3, -0.7], [12, 11, 1])
    outs[0].backward()
    groups = group_nodes(draw_dot(outs, names=names, collapse="neuron").source)
    expected = (
        [f"layers.0.neurons.{j}" for j in range(12)]
        + [f"layers.1.neurons.{j}" for j in range(11)]
        + ["layers.2.neurons.0"]
    )
    assert groups == expected


def test_natural_key_compares_digit_runs_as_numbers():
    names = ["b.10", "a.2.x", "b.9", "a.10.x", "a.2", "b"]
    assert sorted(names, key=viz.natural_key) == ["a.2", "a.2.x", "a.10.x", "b", "b.9", "b.10"]


def test_groups_are_drawn_top_to_bottom_in_natural_order(renderer):
    outs, names = layers_on([0.3, -0.7], [12, 11, 1])
    outs[0].backward()
    svg = draw_dot(outs, names=names, collapse="neuron").pipe(format="svg", encoding="utf-8")
    ns = "{http://www.w3.org/2000/svg}"
    top: dict[str, float] = {}  # group name -> y of its first text (SVG y grows downwards)
    for g in ET.fromstring(svg).iter(f"{ns}g"):
        texts = list(g.iter(f"{ns}text"))
        if g.get("class") == "node" and texts and texts[0].text.startswith("layers."):
            top[texts[0].text] = float(texts[0].get("y"))
    for layer, n in ((0, 12), (1, 11)):
        column = [f"layers.{layer}.neurons.{j}" for j in range(n)]
        assert sorted(column, key=top.__getitem__) == column


def one_neuron(x: list[float], w: list[float], b: float, upstream: float):
    """relu(b + w . x) as group layers.0.neurons.0, then backward from upstream * output."""
    ws = [Value(wk) for wk in w]
    bv = Value(b)
    out = dot(ws, x, bv).relu()
    names = {wk: f"layers.0.neurons.0.w.{k}" for k, wk in enumerate(ws)}
    names[bv] = "layers.0.neurons.0.b"
    loss = out * upstream
    loss.backward()
    return loss, names


def test_a_collapsed_neuron_shows_the_data_and_grad_of_its_output():
    # relu(0.1 + 0.5 * 2.0 + (-1.0) * 0.25) = 0.85; d loss / d out = -2.5
    loss, names = one_neuron([2.0, 0.25], [0.5, -1.0], 0.1, upstream=-2.5)
    nodes, _ = parse(draw_dot(loss, names=names, collapse="neuron").source)
    assert "{ layers.0.neurons.0 | data 0.85 | grad -2.5 | 3 params, 2 ops }" in nodes.values()
    nodes, _ = parse(draw_dot(loss, names=names, collapse="neuron", show_grad=False).source)
    assert "{ layers.0.neurons.0 | data 0.85 | 3 params, 2 ops }" in nodes.values()


def test_a_group_with_several_outputs_says_how_many_instead_of_one_value():
    w, b = Value(0.5), Value(0.0)
    names = {w: "layers.0.neurons.0.w.0", b: "layers.0.neurons.0.b"}
    y = [dot([w], [1.0], b).relu(), dot([w], [3.0], b).relu()]  # the neuron on two samples
    (label,) = [
        v
        for v in parse(draw_dot(y, names=names, collapse="neuron").source)[0].values()
        if "neurons.0" in v
    ]
    assert label == "{ layers.0.neurons.0 | 2 outputs | 2 params, 4 ops }"


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


@pytest.mark.parametrize("upstream", [3.0, -3.0, 0.0])
def test_a_groups_fill_follows_the_sign_of_its_output_grad(upstream):
    # the ReLU is on (output 0.85), so the params' grads are upstream * x: coloured either way
    loss, names = one_neuron([2.0, 0.25], [0.5, -1.0], 0.1, upstream=upstream)
    source = draw_dot(loss, names=names, collapse="neuron", color_grad=True).source
    r, g, b = rgb(fill_of(source, "layers.0.neurons.0"))
    if upstream > 0:
        assert b > r  # blue
    elif upstream < 0:
        assert r > b  # red
    else:
        assert (r, g, b) == (255, 255, 255)  # grad 0: no colour
    plain = draw_dot(loss, names=names, collapse="neuron").source
    assert fill_of(plain, "layers.0.neurons.0") == "#eeeeee"  # no color_grad: neutral grey


def test_groups_are_coloured_on_the_same_scale_as_ordinary_values():
    loss, names = one_neuron([2.0, 0.25], [0.5, -1.0], 0.1, upstream=-0.4)
    top = Value(1.0, label="top")
    total = loss + top * -4.0  # top.grad = -4: the largest |grad| of all
    total.backward()
    source = draw_dot(total, names=names, collapse="neuron", color_grad=True).source
    assert fill_of(source, "layers.0.neurons.0") == grad_color(-0.4, 4.0)
    assert fill_of(source, "{ top |") == grad_color(-4.0, 4.0)


def test_float_inputs_of_collapsed_neurons_are_drawn_once_each_with_an_edge_to_each_neuron():
    outs, names = layers_on([0.3, -0.7], [3, 1])
    outs[0].backward()
    nodes, edges = parse(draw_dot(outs, names=names, collapse="neuron").source)
    groups = {k for k, v in nodes.items() if v.startswith("{ layers.0.")}
    assert len(groups) == 3
    for text in ("0.3", "-0.7"):
        (nid,) = [k for k, v in nodes.items() if v == text]
        assert {b for a, b in edges if a == nid} == groups
