"""Grouping from outside the engine: the op table's kinds and symbols, a model's draw_groups,
draw_dot's automatic limit on big graphs, and the Drawing's plain repr."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

import autograd
from autograd import Value, define_op, dot, draw_dot
from autograd.viz import MAX_NODES, op_kind, op_symbol
from autograd.viz.plan import op_table

graphviz = pytest.importorskip("graphviz")
nn = pytest.importorskip("nn")

from helpers import group_nodes, moons_loss, needs_renderer, parse  # noqa: E402


def neuron_through(act):
    """act(b + w . x) on one neuron named layers.0.neurons.0; returns (out, names)."""
    w, b = [Value(0.5), Value(-1.0)], Value(0.1)
    names = {wk: f"layers.0.neurons.0.w.{k}" for k, wk in enumerate(w)}
    names[b] = "layers.0.neurons.0.b"
    out = act(dot(w, [2.0, 0.25], b))
    out.backward()
    return out, names


def square_rule(a: float) -> tuple[float, tuple[float, ...]]:
    return a * a, (2.0 * a,)


def test_an_op_the_table_calls_an_activation_is_grouped_into_its_neuron(monkeypatch):
    sq = define_op("viz_test_square", square_rule)
    entry = op_table()["viz_test_square"]
    fields = {"rule": square_rule, "kind": "activation", "symbol": "sq"}
    monkeypatch.setitem(op_table(), "viz_test_square", SimpleNamespace(name=entry.name, **fields))
    out, names = neuron_through(sq)
    nodes, _ = parse(draw_dot(out, names=names, collapse="neuron").source)
    assert "{ layers.0.neurons.0 | data 0.7225 | grad 1.0 | 3 params, 2 ops }" in nodes.values()
    assert '"sq"' in draw_dot(out).source or "label=sq" in draw_dot(out).source


def test_a_user_op_defined_with_kind_activation_is_grouped_into_its_neuron():
    sq = define_op("viz_test_act", square_rule, kind="activation")
    out, names = neuron_through(sq)
    nodes, _ = parse(draw_dot(out, names=names, collapse="neuron").source)
    assert "{ layers.0.neurons.0 | data 0.7225 | grad 1.0 | 3 params, 2 ops }" in nodes.values()


def test_a_user_op_of_kind_function_stays_outside_the_neuron():
    sq = define_op("viz_test_plain", square_rule)
    out, names = neuron_through(sq)
    nodes, _ = parse(draw_dot(out, names=names, collapse="neuron").source)
    assert "{ layers.0.neurons.0 | data 0.85 | grad 1.7 | 3 params, 1 op }" in nodes.values()


def test_built_in_symbols_and_kinds_come_from_the_op_table():
    assert (op_symbol("add"), op_symbol("powv"), op_symbol("tanh")) == ("+", "^", "tanh")
    assert (op_kind("relu"), op_kind("dot"), op_kind("mul")) == (
        "activation",
        "reduction",
        "arithmetic",
    )


def test_constant_parameters_of_an_activation_show_in_its_label():
    y = Value(-2.0, label="x").leaky_relu(0.2)
    nodes, edges = parse(draw_dot(y).source)
    assert "leaky_relu(0.2)" in nodes.values()
    assert len(nodes) == 3 and len(edges) == 2  # x -> op -> out: the slope is no input node


def test_the_engine_never_names_nn_attributes():
    root = Path(autograd.__file__).parent
    hits = [
        f"{path.relative_to(root)}:{i}"
        for path in sorted(root.rglob("*.py"))
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"neurons|layers", line)
    ]
    assert hits == []


# --- nn supplies the groups: Module.draw_groups ---


def groups_of(model, level):
    return {name: model.draw_groups(level)[p] for name, p in model.named_parameters()}


def test_an_mlp_groups_parameters_by_neuron_and_by_layer():
    model = nn.MLP(2, [3, 1], seed=0)
    neuron, layer = groups_of(model, "neuron"), groups_of(model, "layer")
    assert neuron["layers.0.neurons.2.w.1"] == "layers.0.neurons.2"
    assert neuron["layers.1.neurons.0.b"] == "layers.1.neurons.0"
    assert layer["layers.0.neurons.2.w.1"] == "layers.0"
    assert set(layer.values()) == {"layers.0", "layers.1"}


def test_a_lone_layer_or_neuron_is_one_group_at_its_own_top_level():
    layer = nn.Layer(2, 3, seed=0)
    assert set(groups_of(layer, "layer").values()) == {"Layer"}
    assert set(groups_of(layer, "neuron").values()) == {f"neurons.{j}" for j in range(3)}
    assert set(groups_of(nn.Neuron(2, seed=0), "neuron").values()) == {"Neuron"}


def test_a_user_module_groups_under_the_module_that_holds_each_parameter():
    class Affine(nn.Module):
        def __init__(self) -> None:
            self.scale, self.shift = Value(2.0), Value(0.5)

    class Net(nn.Module):
        def __init__(self) -> None:
            self.blocks = {"first": Affine(), "second": Affine()}
            self.temperature = Value(1.0)

    groups = groups_of(Net(), "neuron")
    assert groups["blocks.first.scale"] == groups["blocks.first.shift"] == "blocks.first"
    assert groups["blocks.second.scale"] == "blocks.second"
    assert groups["temperature"] == "Net"
    with pytest.raises(ValueError, match="level"):
        Net().draw_groups("block")


def test_passing_the_model_as_names_collapses_by_its_own_groups():
    model = nn.MLP(2, [4, 3, 1], seed=0)
    X, y = nn.make_moons(n=6, seed=0)
    loss = nn.hinge([model(x) for x in X], y)
    loss.backward()
    source = draw_dot(loss, names=model, collapse="neuron").source
    assert sorted(group_nodes(source)) == sorted(set(model.draw_groups("neuron").values()))
    layers = group_nodes(draw_dot(loss, names=model, collapse="layer").source)
    assert layers == ["layers.0", "layers.1", "layers.2"]


# --- big graphs draw within a budget; the Drawing says what it is ---


@pytest.mark.slow
def test_the_readme_moons_loss_is_collapsed_and_cut_to_the_default_budget():
    loss, model = moons_loss()
    drawing = draw_dot(loss, names=model)
    nodes, edges = parse(drawing.source)
    assert len(nodes) <= MAX_NODES
    assert "collapsed per layer" in drawing.note and "max_nodes=None" in drawing.note
    assert "max_nodes=None" in drawing.source  # the note is the picture's label
    assert all(a in nodes and b in nodes for a, b in edges)
    unnamed = draw_dot(loss)
    assert len(parse(unnamed.source)[0]) <= MAX_NODES
    assert "cut at a budget of 300 nodes" in unnamed.note


@pytest.mark.slow
@needs_renderer
def test_the_readme_moons_loss_renders_to_a_small_svg():
    loss, model = moons_loss()
    svg = draw_dot(loss, names=model).pipe(format="svg")
    assert len(svg) <= 1_000_000


def test_a_drawing_says_what_it_is_in_a_plain_repl():
    x = Value(2.0, label="x")
    y = (x * 3.0 + 1.0).tanh()
    assert repr(draw_dot(y)) == (
        "<Drawing: 4 values, 3 ops; .source for DOT, .render(...) to save>"
    )
    cut = repr(draw_dot(y, max_nodes=3))
    assert cut.startswith("<Drawing: 4 values, 3 ops drawn as 3 nodes;")
