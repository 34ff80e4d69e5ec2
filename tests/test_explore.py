"""explore's page without a browser: arguments, formulas, paths, escaping, big graphs, the card."""

from __future__ import annotations

import html
import json
import re

import pytest
from helpers import fresh_python, neuron

from autograd import Value, define_op, topological_order
from autograd.explorer import explore, script_json, value_card
from autograd.explorer.formulas import local_formulas


def page_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" data-role="data">(.*?)</script>', page, re.S)
    assert m is not None
    return json.loads(m.group(1))


@pytest.mark.parametrize("root", [None, 1.0, [Value(1.0)], "x"])
def test_root_that_is_not_a_value_is_a_type_error(root):
    with pytest.raises(TypeError, match="explore: root must be a Value"):
        explore(root)


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"quiz": 1}, TypeError),
        ({"max_nodes": 1}, ValueError),
        ({"max_nodes": 2.5}, TypeError),
        ({"collapse": "neurons"}, ValueError),
        ({"names": "abc"}, TypeError),
    ],
)
def test_bad_arguments_name_themselves(kw, error):
    with pytest.raises(error, match="explore"):
        explore(neuron(), **kw)


def test_a_lone_leaf_is_one_node_and_one_step():
    page = explore(Value(3.0, label="x")).to_html()
    data = page_data(page)
    assert list(data["nodes"]) == ["n0"]
    assert [s["grad"] for s in data["steps"]] == [1.0]
    assert page.count('data-node="n0"') == 1


def test_tanh_formula_has_the_numbers_plugged_in():
    data = page_data(explore(neuron()).to_html())
    o = data["nodes"][data["root"]]
    assert o["expr"] == "o = tanh(n)"
    assert o["formulas"] == ["d tanh(n)/dn = 1 - tanh(n)² = 1 - 0.7071² = 0.5"]


@pytest.mark.parametrize(
    ("op", "inputs", "out", "local", "line"),
    [
        ("mul", [("a", 2.0, True), ("b", -3.0, True)], -6.0, [-3.0, 2.0], "dy/da = b = -3.0"),
        ("mul", [("a", 2.0, True), ("2.0", 2.0, False)], 4.0, [2.0], "d (a·2.0)/da = 2.0"),
        (
            "pow",
            [("a", 3.0, True), ("2.0", 2.0, False)],
            9.0,
            [6.0],
            "d (a^2.0)/da = 2.0·a^(2.0-1)",
        ),
        ("relu", [("a", 0.0, True)], 0.0, [0.0], "= 1 if 0 > 0 else 0 = 0"),
        ("div", [("a", 1.0, True), ("b", 4.0, True)], 0.25, [0.25, -1 / 16], "= 1/4.0 = 0.25"),
    ],
)
def test_local_formula_per_op(op, inputs, out, local, line):
    lines = local_formulas(op, "y", out, inputs, local)
    assert any(line in x for x in lines), lines


def test_an_op_added_by_define_op_shows_its_formula_from_the_table():
    cube = define_op(
        "cube_formula_test", lambda a: (a**3, (3 * a * a,)), formula=("3·{0}²",), display="{0}³"
    )
    y = cube(Value(2.0, label="a"))
    data = page_data(explore(y).to_html())
    assert data["nodes"][data["root"]]["formulas"] == ["d a³/da = 3·a² = 3·2.0² = 12.0"]
    assert data["nodes"][data["root"]]["expr"] == "v1 = a³"


def test_an_op_added_to_the_table_alone_shows_its_formula(monkeypatch):
    from autograd import ops
    from autograd.nary import apply

    op = ops.Op("halve_table_test", lambda a: (a / 2, (0.5,)), formula=("1/2",), display="{0}/2")
    monkeypatch.setitem(ops.REGISTRY, op.name, op)
    y = apply(op, Value(3.0, label="a"))
    data = page_data(explore(y).to_html())
    assert data["nodes"][data["root"]]["formulas"] == ["d (a/2)/da = 1/2 = 0.5"]


def test_op_without_a_formula_shows_its_recorded_number():
    cube = define_op("cube_explore_test", lambda a: (a**3, (3 * a * a,)))
    y = cube(Value(2.0, label="a"))
    data = page_data(explore(y).to_html())
    assert data["nodes"][data["root"]]["formulas"] == ["dv1/da = 12.0"]


def test_reused_value_lists_every_path_and_the_sum_is_its_gradient():
    a = Value(3.0, label="a")
    y = a * a + a
    data = page_data(explore(y).to_html())
    paths = data["nodes"]["n0"]["paths"]
    assert len(paths["list"]) == 3
    assert sorted(p["product"] for p in paths["list"]) == [1.0, 3.0, 3.0]
    assert paths["total"] == data["nodes"]["n0"]["grad"] == 7.0


def test_steps_follow_step_through_and_hide_the_answer_in_the_question():
    data = page_data(explore(neuron(), quiz=True).to_html())
    assert data["quiz"] is True
    assert [s["grad"] for s in data["steps"]][:2] == [1.0, pytest.approx(0.5)]
    q = data["steps"][1]["question"]
    assert q == "step 2 of 10: grad n = grad o * do/dn = ?"


def test_labels_are_escaped_in_the_drawing_and_the_json():
    a = Value(1.0, label="</script><script>alert(1)</script>")
    b = Value(2.0, label="q \" & ' <i>\nline\x00")
    y = a * b
    page = explore(y).to_html()
    assert "<script>alert(1)" not in page
    assert "<i>" not in page
    assert "\x00" not in page
    assert "\u2028" not in script_json(["\u2028"])
    names = {r["name"] for r in page_data(page)["nodes"].values()}
    assert "</script><script>alert(1)</script>" in names
    assert "q \" & ' <i>\nline␀" in names
    assert html.escape("q \" & ' <i>␤line␀") in page  # the drawing: newline as a picture


def test_a_long_label_is_cut_in_the_drawing_but_kept_in_the_panel():
    y = Value(1.0, label="x" * 5000) * 2.0
    page = explore(y).to_html()
    assert "x" * 27 + "…" in page
    assert len(page_data(page)["nodes"]["n0"]["name"]) == 2000


def test_colliding_names_are_told_apart():
    a, b = Value(1.0, label="w"), Value(2.0, label="w")
    data = page_data(explore(a * b).to_html())
    assert {data["nodes"]["n0"]["name"], data["nodes"]["n1"]["name"]} == {"w#0", "w#1"}


def test_nan_and_inf_travel_as_strings():
    x = Value(float("inf"), label="x")
    data = page_data(explore(x * 0.0).to_html())
    assert data["nodes"]["n0"]["data"] == "inf"
    assert data["nodes"]["n1"]["data"] == "nan"


def test_a_big_graph_without_names_is_cut_near_the_output():
    x = Value(0.5, label="x")
    y = x
    for _ in range(300):
        y = y * 1.001
    e = explore(y, max_nodes=50)
    page = e.to_html()
    assert page.count('class="cr-node ') == 50
    assert 'data-node="more"' in page
    assert "252 values not shown" in e.note
    assert "252 values not shown" in repr(e)


def test_to_html_writes_the_page_and_repr_html_embeds_it(tmp_path):
    e = explore(neuron())
    path = tmp_path / "page.html"
    assert e.to_html(path) == path  # the path, not 26 KB of page for a REPL to print
    assert path.read_text(encoding="utf-8") == e.to_html()
    frame = e._repr_html_()
    assert frame.startswith("<iframe srcdoc=")
    assert html.unescape(re.search(r'srcdoc="(.*?)"', frame, re.S).group(1)) == e.html
    assert "http://" not in e.html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in e.html


def test_value_card_shows_label_data_grad_and_op():
    a = Value(2.0, label="<a>")
    y = a * 3.0
    y.backward()
    card = value_card(a)
    assert "&lt;a&gt;" in card and "data <b>2.0</b>" in card and "grad <b>3.0</b>" in card
    assert "leaf" in card
    assert "op mul of 1 value" in value_card(y)


def test_every_value_in_the_graph_gets_a_record_in_a_small_graph():
    o = neuron()
    data = page_data(explore(o).to_html())
    assert len(data["nodes"]) == len(topological_order(o))


def test_explore_is_exported_lazily():
    code = (
        "import sys, autograd; assert 'autograd.explorer' not in sys.modules; "
        "assert 'explore' in autograd.__all__; from autograd import explore; "
        "assert explore.__module__ == 'autograd.explorer'"
    )
    fresh_python(code)


def test_every_use_of_a_value_is_its_own_edge_and_parallel_edges_are_apart():
    a = Value(2.0, label="a")
    y = a * a + a
    y.label = "y"
    page = explore(y).to_html()
    edges = re.findall(r'data-from="(\w+)" data-to="(\w+)" data-use="(\d)" d="([^"]+)"', page)
    pairs = [(f, t) for f, t, _, _ in edges]
    assert pairs.count(("n0", "n1")) == 2 and pairs.count(("n0", "n2")) == 1
    twin = [d for f, t, _, d in edges if (f, t) == ("n0", "n1")]
    assert twin[0] != twin[1]  # drawn apart, not on top of each other


def test_an_edge_that_skips_a_column_bends_around_the_box_in_between():
    a = Value(2.0, label="a")
    y = a * a + a
    page = explore(y).to_html()
    (d,) = re.findall(r'data-from="n0" data-to="n2" data-use="0" d="([^"]+)"', page)
    box = re.search(
        r'data-node="n1".*?class="cr-box" x="([\d.]+)" y="([\d.]+)" '
        r'width="([\d.]+)" height="([\d.]+)"',
        page,
    )
    assert box is not None
    top, height = float(box.group(2)), float(box.group(4))
    controls = [float(p.split(",")[1]) for p in d.replace("M", "").replace("C", " ").split()]
    assert max(controls[1:3]) < top or min(controls[1:3]) > top + height


def test_the_page_has_a_legend_for_gradient_sign_and_highlight():
    page = explore(neuron()).to_html()
    legend = page[page.index('data-role="legend"') :][:2000]
    for words in ("grad &gt; 0", "grad &lt; 0", "a path to the output"):
        assert words in legend
    from autograd.viz import legend as colours

    assert colours.PATH not in (colours.POSITIVE, colours.NEGATIVE)


def test_a_value_used_once_is_not_called_a_value_used_more_than_once():
    data = page_data(explore(neuron()).to_html())
    w1 = next(r for r in data["nodes"].values() if r["name"] == "w1")
    assert w1["uses"] == 1
    a = Value(2.0, label="a")
    y = a * a + a
    data = page_data(explore(y).to_html())
    assert data["nodes"]["n0"]["uses"] == 3


def test_max_nodes_none_draws_everything_as_in_draw_dot():
    y = Value(1.0)
    for _ in range(200):
        y = y * 1.001
    e = explore(y, max_nodes=None)
    assert e.note == "" and e.steps == 201
    assert e.to_html().count('class="cr-node ') == 201


def test_a_cut_graph_steps_once_per_drawn_box_and_says_which_backward_step():
    y = Value(1.0)
    for _ in range(300):
        y = y * 1.001
    data = page_data(explore(y, max_nodes=50).to_html())
    steps = data["steps"]
    assert len(steps) == 49 and data["total_steps"] == 301
    assert [s["backward"] for s in steps] == list(range(1, 50))
    for j, s in enumerate(steps):
        assert s["caption"].startswith(f"step {j + 1} of 49: ")  # the label's own numbering


def test_a_collapsed_model_steps_through_every_group():
    from nn import MLP, hinge, make_moons

    X, t = make_moons(n=20, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1)
    loss = hinge([model(p) for p in X], t)
    data = page_data(explore(loss, names=model).to_html())
    stepped = {s["unit"] for s in data["steps"]}
    assert set(data["groups"]) <= stepped  # every neuron box is reached by stepping
    assert data["total_steps"] > len(data["steps"])


def test_a_graph_past_the_editable_limit_is_read_only_and_says_nothing_wrong(monkeypatch):
    import autograd.explorer as explorer_module

    monkeypatch.setattr(explorer_module, "MAX_EDITABLE", 5)
    y = Value(1.0)
    for _ in range(10):
        y = y * 1.001
    page = explore(y).to_html()
    assert page_data(page)["edit"] is None
    assert "chainrule.Program" not in page  # the engine is not shipped either


# --- by layer ---


def test_by_layer_has_two_steps_per_layer_and_every_value_in_one():
    from helpers import moons_loss

    loss, model = moons_loss(8)
    data = page_data(explore(loss, names=model, by="layer").to_html())["by_layer"]
    steps = data["steps"]
    assert [s["phase"] for s in steps] == ["forward"] * 4 + ["backward"] * 4
    assert [s["name"] for s in steps[:3]] == ["layer 1 (hidden)", "layer 2 (hidden)"] + [
        "layer 3 (output)"
    ]
    counts = [int(re.search(r": (\d+) gradients", s["caption"]).group(1)) for s in steps[4:]]
    assert sum(counts) == len(topological_order(loss))  # backward reaches every value
    for j, s in enumerate(steps):
        assert s["caption"].startswith(f"step {j + 1} of 8: {s['phase']}, {s['name']}")


def test_by_layer_marks_each_activations_input_as_a_net_with_a_delta():
    x = Value(0.5, label="x")
    w = Value(2.0, label="w")
    net = x * w
    net.label = "net"
    out = net.sigmoid()
    out.label = "out"
    data = page_data(explore(out, by="layer").to_html())["by_layer"]
    index = topological_order(out)
    assert data["nets"] == [f"n{index.index(net)}"]
    assert len(data["steps"]) == 2  # one layer: forward, backward


@pytest.mark.parametrize(
    ("kw", "error", "text"),
    [
        ({"by": "neuron"}, ValueError, "by must be 'step' or 'layer'"),
        ({"by": "layer", "quiz": True}, ValueError, "quiz"),
        ({"published": {"a": 1.0}}, ValueError, "by='layer'"),
        ({"by": "layer", "published": {"zz": 1.0}}, ValueError, "no value in the graph"),
        ({"by": "layer", "published": {"a": float("nan")}}, TypeError, "finite number"),
        ({"by": "layer", "published": {"grad a": "1"}}, TypeError, "finite number"),
        ({"by": "layer", "published": [1.0]}, TypeError, "must map names"),
    ],
)
def test_bad_by_layer_arguments_say_what_is_wrong(kw, error, text):
    a = Value(1.0, label="a")
    with pytest.raises(error, match=re.escape(text)):
        explore(a.tanh(), **kw)


# --- names from the model ---


def test_a_models_neurons_name_their_net_and_activation_and_the_output_is_out():
    from nn import MLP

    model = MLP(2, [3, 1], seed=1)
    y = model([0.5, 0.5])
    data = page_data(explore(y, names=model).to_html())
    names = {r["name"] for r in data["nodes"].values()}
    assert {"layers.0.neurons.2.net", "layers.0.neurons.2.out", "out"} <= names
    assert not any(re.fullmatch(r"v\d+", n) for n in names)


def test_a_label_wins_over_the_name_a_model_gives():
    from nn import MLP

    model = MLP(2, [2, 1], seed=1)
    y = model([0.5, 0.5])
    y.label = "score"
    data = page_data(explore(y, names=model).to_html())
    names = {r["name"] for r in data["nodes"].values()}
    assert "score" in names and "out" not in names


def test_a_cut_page_says_its_steps_skip_values_and_by_layer_counts_its_own_steps():
    from helpers import moons_loss

    loss, model = moons_loss(8)
    cut = explore(loss, names=model, max_nodes=30)
    assert "steps go one drawn box at a time (by='layer' reaches every value)" in cut.note
    assert explore(loss, names=model, by="layer").steps == 8
