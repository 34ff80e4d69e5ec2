"""The editable explore page's data on the Python side: which leaves a descent step moves, the
value a collapsed box shows, and the engine in the page. The page runs in test_edit_browser.py."""

from __future__ import annotations

import json
import re

import nn
from autograd import Value, explore, topological_order


def page_data(html: str) -> dict:
    text = re.search(r'<script type="application/json" data-role="data">(.*?)</script>', html, re.S)
    assert text is not None
    return json.loads(text[1])


def test_a_step_moves_the_named_parameters_or_every_leaf_when_none_are_named():
    x, w, b = Value(2.0, label="x"), Value(-1.0, label="w"), Value(0.5, label="b")
    y = (x * w + b).tanh()
    order = topological_order(y)
    named = page_data(explore(y, names={w: "w", b: "b"}).to_html())["edit"]
    assert sorted(named["params"]) == sorted([order.index(w), order.index(b)])
    every = page_data(explore(y).to_html())["edit"]
    assert sorted(every["params"]) == sorted(order.index(v) for v in (x, w, b))
    assert every["program"]["grads"][order.index(w)] == 2.0 * (1 - y.data**2)


def test_a_collapsed_box_shows_the_value_its_group_hands_on():
    X, y = nn.make_moons(n=4, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    loss = nn.hinge([model(x) for x in X], y)
    data = page_data(explore(loss, names=model).to_html())
    groups = data["edit"]["groups"]
    assert groups and set(groups) == set(data["groups"])
    assert all(isinstance(i, int) for i in groups.values())


def test_the_page_carries_the_engine_and_only_the_ops_the_graph_uses():
    y = Value(1.0).exp() * 2.0
    html = explore(y).to_html()
    assert "class Program" in html and "chainrule.defineOps(" in html
    assert '"exp": (a) =>' in html and '"log": (a) =>' not in html
    assert html.count("<script") == 2  # the data, and one script: explore, engine, ops, edit
