"""explore on big graphs costs what the page shows: formula lines, names and terms are written
for the shown nodes and steps only, and what is left out is counted."""

from __future__ import annotations

from typing import Any

import pytest
from test_explore import page_data

import nn
from autograd import Value, vsum
from autograd.explorer import explore
from autograd.explorer import formulas as formulas_module
from autograd.explorer import view as view_module
from autograd.explorer.formulas import expression, local_formulas
from autograd.explorer.view import MAX_INPUTS, MAX_TERMS


def counting_lines(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Patch the view's local_formulas to count the lines it writes; returns the counter."""
    written = [0]
    real = view_module.local_formulas

    def counted(*args: Any, **kw: Any) -> list[str]:
        lines = real(*args, **kw)
        written[0] += len(lines)
        return lines

    monkeypatch.setattr(view_module, "local_formulas", counted)
    return written


def moons_loss(n: int) -> tuple[Value, nn.MLP]:
    X, y = nn.make_moons(n=n, noise=0.1, seed=1)
    model = nn.MLP(2, [4, 4, 1], seed=1)
    loss = nn.hinge([model(x) for x in X], y) + nn.l2(model, 1e-4)
    loss.backward()
    return loss, model


def test_a_sum_of_many_inputs_writes_only_the_lines_the_page_shows(monkeypatch):
    xs = [Value(float(i), label=f"x{i}") for i in range(1000)]
    total = vsum([x * 0.5 for x in xs])
    written = counting_lines(monkeypatch)
    data = page_data(explore(total).html)
    shown = sum(len(r.get("formulas", [])) for r in data["nodes"].values())
    uses = sum(len(s["uses"]) for s in data["steps"])
    more = sum(1 for r in data["nodes"].values() for f in r.get("formulas", []) if "more" in f)
    assert written[0] == shown - more + uses  # every line written is on the page
    root = data["nodes"][data["root"]]
    assert root["formulas"][-1] == f"… and {1000 - MAX_INPUTS} more inputs"
    assert len(root["formulas"]) == MAX_INPUTS + 1


def test_a_sum_of_many_inputs_names_only_the_inputs_it_writes(monkeypatch):
    xs = [Value(float(i)) for i in range(2000)]
    total = vsum([x * 0.5 for x in xs])
    named = [0]
    real = formulas_module._group

    def counted(name: str) -> str:
        named[0] += 1
        return real(name)

    monkeypatch.setattr(formulas_module, "_group", counted)
    explore(total)
    assert named[0] < 2000  # before: every input's name, once per step that showed the sum


def test_a_collapsed_model_writes_local_derivatives_only_for_shown_nodes(monkeypatch):
    written = counting_lines(monkeypatch)
    counts = []
    for n in (40, 160):
        loss, model = moons_loss(n)
        written[0] = 0
        e = explore(loss, names=model)
        data = page_data(e.html)
        shown = sum(len(r.get("formulas", [])) for r in data["nodes"].values())
        uses = sum(len(s["uses"]) for s in data["steps"])
        assert "cut at a budget" in e.note
        assert written[0] <= shown + uses
        counts.append(written[0])
    assert counts[1] <= counts[0] * 1.1  # 4x the samples, not 4x the lines


def test_a_step_with_many_terms_writes_some_and_counts_the_rest_exactly():
    w = Value(0.5, label="w")
    y = vsum([w * float(i + 1) for i in range(40)])
    data = page_data(explore(y).html)
    (step,) = [s for s in data["steps"] if data["nodes"][s["node"]]["name"] == "w"]
    assert len(step["terms"]) == len(step["uses"]) == MAX_TERMS
    assert step["more_terms"] == 40 - MAX_TERMS
    assert "(24 more terms)" in step["caption"] and "(24 more terms) = ?" in step["question"]
    y.backward()
    assert step["grad"] == w.grad  # bit for bit: the sum of all 40 terms, not of those written
    assert "1.0 * 16.0 + … (24 more terms)" in step["caption"]


def test_a_step_with_few_terms_has_no_count():
    a = Value(2.0, label="a")
    y = a * a + a
    data = page_data(explore(y).html)
    assert all("more_terms" not in s for s in data["steps"])


@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_chosen_formula_lines_are_the_same_as_all_lines(n):
    xs = [Value(float(i) - 3.0, label=f"x{i}") for i in range(n)]
    for node in (vsum(xs), vsum([x * 2.0 for x in xs]), xs[0].tanh(), xs[0] ** 3):
        inputs = [
            (x.label, x.data, True) if isinstance(x, Value) else (str(x), float(x), False)
            for x in node._inputs
        ]
        every = local_formulas(node._op, "y", node.data, inputs, node._local)
        for k in range(len(every)):
            assert local_formulas(node._op, "y", node.data, inputs, node._local, [k]) == [every[k]]


def test_an_expression_cut_at_a_limit_starts_as_the_whole_one():
    names = [f"x{i}" for i in range(500)]
    whole = expression("sum", names)
    cut = expression("sum", names, limit=300)
    assert len(whole) > 2000 and 300 < len(cut) < 320 and whole.startswith(cut)
    assert expression("sum", names[:3], limit=300) == "x0 + x1 + x2"


def test_the_scale_benchmark_runs_quick_and_prints_a_row_per_size(capsys):
    from benchmarks import explore_scale

    assert explore_scale.main(["--quick"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "explore s" in lines[0] and "draw_dot s" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == [str(n) for n in explore_scale.QUICK]


@pytest.mark.parametrize("draw", ["explore", "draw_dot"])
def test_a_collapsed_picture_groups_the_graph_once_per_level(monkeypatch, draw):
    from autograd import draw_dot
    from autograd.viz import collapse as collapse_module

    loss, model = moons_loss(40)
    levels: list[str] = []
    real = collapse_module.assign_groups

    def counted(order: Any, seeds: Any) -> Any:
        levels.append("walk")
        return real(order, seeds)

    monkeypatch.setattr(collapse_module, "assign_groups", counted)
    picture = explore(loss, names=model) if draw == "explore" else draw_dot(loss, names=model)
    assert "collapsed per layer" in picture.note
    assert len(levels) == 2  # neuron (for the values' names and the summary), then layer


def test_parents_read_from_the_slots_equal_the_parents_property():
    from autograd.viz.collapse import parents_of

    a, b = Value(2.0), Value(-3.0)
    for v in (a, a * b, a * a, 2.0 - a, a - 2.0, a.tanh(), vsum([a, b, a]), a**2, a * 0.5):
        assert parents_of(v) == v._parents
