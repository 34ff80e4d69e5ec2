"""draw_dot: collapsing per neuron or layer, the node budget, and the grouping a model supplies."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from autograd import Value, dot, draw_dot
from autograd.viz import grad_color
from autograd.viz.collapse import natural_key

graphviz = pytest.importorskip("graphviz")

from helpers import (  # noqa: E402
    fill_of,
    group_nodes,
    layers_on,
    mlp_loss,
    needs_renderer,
    one_neuron,
    parse,
    rgb,
    small_graph,
)

# --- big graphs: collapsing, node budget, no recursion ---


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
    assert sorted(names, key=natural_key) == ["a.2", "a.2.x", "a.10.x", "b", "b.9", "b.10"]


@needs_renderer
def test_groups_are_drawn_top_to_bottom_in_natural_order():
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
