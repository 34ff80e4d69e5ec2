"""The editable explore page in headless Chromium: change a leaf (typed or dragged) and every
node's value and gradient is Python's at the new values; the nudge check; a gradient-descent
step; reset; step-through and the quiz after an edit; bad input answered in the page; a user op
without JavaScript makes the page read-only. Skipped where Playwright or Chromium is missing."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import browsers
import pytest
from browsers import chromium

from autograd import Value, define_op, explore, topological_order
from autograd.viz.format import format_factor, format_number

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Any:
    with chromium() as b:
        yield b


class Page(browsers.Page):
    """A saved explore page, with what ``drawn`` reads off it."""

    def drawn(self) -> dict[str, tuple[str, str]]:
        """{node id: (data-value, data-grad)} for every drawn node."""
        rows = self.page.eval_on_selector_all(
            ".cr-graph [data-node]",
            "els => els.map(e => [e.getAttribute('data-node'), e.getAttribute('data-value'),"
            " e.getAttribute('data-grad')])",
        )
        return {nid: (v, g) for nid, v, g in rows}

    def type_value(self, text: str) -> None:
        box = self.role("value-input")
        box.fill(text)
        box.press("Enter")

    def pick(self, node: str) -> None:
        self.page.locator(f'.cr-graph [data-node="{node}"]').click()


@pytest.fixture
def open_page(browser: Any, tmp_path: Path) -> Any:
    yield from browsers.explore_pages(browser, tmp_path, Page)


def neuron(x1: float = 2.0, w1: float = -3.0) -> tuple[Value, dict[str, Value]]:
    """o = tanh(x1*w1 + x2*w2 + b), micrograd's neuron, with its leaves by label."""
    leaves = {
        "x1": Value(x1, label="x1"),
        "x2": Value(0.0, label="x2"),
        "w1": Value(w1, label="w1"),
        "w2": Value(1.0, label="w2"),
        "b": Value(6.8813735870195432, label="b"),
    }
    n = leaves["x1"] * leaves["w1"] + leaves["x2"] * leaves["w2"] + leaves["b"]
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, leaves


def python_numbers(root: Value) -> dict[str, tuple[float, float]]:
    """{node id: (data, grad)} as the Python engine has them, ids as the page numbers them."""
    order = topological_order(root)
    for v in order:
        v.grad = 0.0
    root.backward()
    return {f"n{i}": (v.data, v.grad) for i, v in enumerate(order)}


def assert_matches(page: Page, root: Value) -> None:
    py = python_numbers(root)
    drawn = page.drawn()
    assert drawn, "no drawn nodes"
    for nid, (value, grad) in drawn.items():
        for x, text in ((py[nid][0], value), (py[nid][1], grad)):
            y = float(text)
            assert x == y or abs(x - y) <= 1e-12 * max(abs(x), abs(y)), (nid, x, text)


def node_of(root: Value, v: Value) -> str:
    return f"n{topological_order(root).index(v)}"


def test_every_drawn_node_carries_its_value_and_grad_in_full_precision(open_page: Any):
    o, _ = neuron()
    p = open_page(o)
    assert_matches(p, o)
    assert p.drawn()[node_of(o, o)] == (repr(o.data), "1.0")
    assert p.errors == []


def test_typing_a_leaf_value_recomputes_every_node_as_python_does(open_page: Any, tmp_path: Path):
    o, leaves = neuron()
    p = open_page(o)
    p.pick(node_of(o, leaves["w1"]))
    assert p.role("value-input").input_value() == "-3.0"
    p.type_value("-2.5")
    moved, _ = neuron(w1=-2.5)
    assert_matches(p, moved)
    assert float(p.role("edit-output").get_attribute("data-value")) == moved.data
    assert "grad " in p.page.locator(f'.cr-graph [data-node="{node_of(o, o)}"]').text_content()
    p.page.screenshot(path=str(tmp_path / "after-edit.png"))
    assert p.errors == []


def test_the_nudge_check_sets_predicted_against_actual_change(open_page: Any):
    o, leaves = neuron()
    p = open_page(o)
    p.pick(node_of(o, leaves["x1"]))
    grad_x1 = python_numbers(o)[node_of(o, leaves["x1"])][1]  # -1.5
    p.type_value("2.001")
    nudge = p.role("nudge")
    predicted = float(nudge.get_attribute("data-predicted"))
    actual = float(nudge.get_attribute("data-actual"))
    assert predicted == pytest.approx(grad_x1 * 0.001, rel=1e-9)
    assert actual == neuron(x1=2.001)[0].data - o.data
    assert abs(actual - predicted) < 0.01 * abs(predicted)  # a small nudge: close to the slope
    text = nudge.inner_text()
    assert "predicted Δo = grad × Δx1 = (-1.5) × 1e-03" in text and "actual Δo" in text
    assert p.errors == []


def test_dragging_a_leaf_recomputes_as_it_moves(open_page: Any):
    o, leaves = neuron()
    p = open_page(o)
    p.pick(node_of(o, leaves["b"]))
    drag = p.role("value-drag")
    box = drag.bounding_box()
    p.page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2)
    value = float(p.role("value-input").input_value())
    assert value < leaves["b"].data  # left of the middle: smaller
    x = dict(leaves)
    x["b"] = Value(value)
    n = x["x1"] * x["w1"] + x["x2"] * x["w2"] + x["b"]
    assert_matches(p, n.tanh())
    assert p.errors == []


def test_a_descent_step_moves_the_named_parameters_by_minus_lr_grad(open_page: Any):
    o, leaves = neuron()
    params = {k: leaves[k] for k in ("w1", "w2", "b")}
    loss = (o - 0.2) ** 2
    p = open_page(loss, names={v: k for k, v in params.items()})
    before = loss.data
    p.role("lr").fill("0.05")
    p.role("descend").click()
    py = python_numbers(loss)
    stepped = {k: v.data - 0.05 * py[node_of(loss, v)][1] for k, v in leaves.items()}
    for k in ("x1", "x2"):  # inputs, not parameters: they stay
        stepped[k] = leaves[k].data
    fresh = dict(zip(leaves, [Value(stepped[k]) for k in leaves], strict=True))
    n = fresh["x1"] * fresh["w1"] + fresh["x2"] * fresh["w2"] + fresh["b"]
    new_loss = (n.tanh() - 0.2) ** 2
    assert_matches(p, new_loss)
    after = float(p.role("edit-output").get_attribute("data-value"))
    assert after == new_loss.data and after < before
    assert "(down)" in p.role("edit-message").inner_text()
    assert p.errors == []


def test_without_names_a_step_moves_every_leaf(open_page: Any):
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    y = a * b
    p = open_page(y)
    p.role("descend").click()  # lr 0.1: a -= 0.1 * 2, b -= 0.1 * 1
    drawn = p.drawn()
    assert drawn[node_of(y, a)][0] == repr(1.0 - 0.1 * 2.0)
    assert drawn[node_of(y, b)][0] == repr(2.0 - 0.1 * 1.0)
    assert p.errors == []


def test_reset_restores_the_values_python_computed(open_page: Any):
    o, leaves = neuron()
    p = open_page(o)
    original = p.drawn()
    p.pick(node_of(o, leaves["w1"]))
    p.type_value("4")
    assert p.drawn() != original
    p.role("reset").click()
    assert p.drawn() == original
    assert p.role("value-input").input_value() == "-3.0"
    assert p.errors == []


@pytest.mark.parametrize(
    "typed, says",
    [
        ("", "the box is empty"),
        ("abc", '"abc" is not one'),
        ("inf", "inf and nan cannot be typed in"),
        ("NaN", "inf and nan cannot be typed in"),
        ("1e400", "beyond the largest float"),
        ("1,5", '"1,5" is not one'),
    ],
)
def test_bad_values_are_refused_with_a_message_and_nothing_changes(
    open_page: Any, typed: str, says: str
):
    o, leaves = neuron()
    p = open_page(o)
    original = p.drawn()
    p.pick(node_of(o, leaves["w1"]))
    p.type_value(typed)
    assert says in p.role("edit-message").inner_text()
    assert p.drawn() == original
    p.type_value("-2.5")  # and the page still works
    assert_matches(p, neuron(w1=-2.5)[0])
    assert p.errors == []


def test_a_value_an_op_refuses_is_named_and_nothing_changes(open_page: Any):
    x = Value(2.0, label="x")
    y = (x * 1.5).log()
    p = open_page(y)
    original = p.drawn()
    p.type_value("-1")
    text = p.role("edit-message").inner_text()
    assert "ValueError, log: input must be > 0, got -1.5" in text and "Nothing changed" in text
    assert p.drawn() == original
    assert p.errors == []


@pytest.mark.parametrize("lr", ["0", "-0.1", "x", ""])
def test_a_learning_rate_that_is_not_positive_is_refused(open_page: Any, lr: str):
    o, _ = neuron()
    p = open_page(o)
    original = p.drawn()
    p.role("lr").fill(lr)
    p.role("descend").click()
    assert "The learning rate must be a positive number" in p.role("edit-message").inner_text()
    assert p.drawn() == original
    assert p.errors == []


def test_a_step_that_makes_the_output_non_finite_is_undone_and_said(open_page: Any):
    w = Value(1.0, label="w")
    y = (w * w).exp()  # d/dw = 2w e^(w^2): a big step overflows exp
    p = open_page(y)
    original = p.drawn()
    p.role("lr").fill("1000")
    p.role("descend").click()
    text = p.role("edit-message").inner_text()
    assert "Not applied" in text and "exp" in text and "Nothing changed" in text
    assert p.drawn() == original
    p.role("lr").fill("0.01")
    p.role("descend").click()
    assert "(down)" in p.role("edit-message").inner_text()
    assert p.errors == []


def test_step_through_captions_follow_the_new_numbers(open_page: Any):
    o, leaves = neuron()
    p = open_page(o)
    p.pick(node_of(o, leaves["b"]))
    p.type_value("0")  # n = -6, tanh'(n) = 1 - tanh(-6)^2
    p.role("step-first").click()
    p.role("step-next").click()
    p.role("step-next").click()
    local = 1.0 - math.tanh(-6.0) ** 2
    caption = p.role("caption").inner_text()
    assert caption.startswith("step 2 of 10: grad n = grad o * do/dn")
    assert f"= 1.0 * {format_factor(local)} = {format_number(local)}" in caption
    assert p.errors == []


def test_the_quiz_checks_answers_against_the_new_gradients(open_page: Any):
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    y = a * b
    y.label = "y"
    p = open_page(y, quiz=True)
    p.pick(node_of(y, a))
    p.type_value("5")  # now grad b = a = 5
    hidden = p.drawn()
    assert hidden[node_of(y, b)][1] == "?"  # no answer leaks through the hook
    assert p.role("nudge").get_attribute("data-predicted") == "?"  # nor through the nudge
    assert "grad ×" not in p.role("nudge").inner_text().split("(")[0]
    p.role("step-next").click()
    p.role("quiz-input").fill("1")
    p.role("quiz-check").click()
    p.role("step-next").click()
    asked = p.role("quiz-question").inner_text()
    answer = "5" if "grad b" in asked else "4"
    p.role("quiz-input").fill(answer)
    p.role("quiz-check").click()
    assert p.role("quiz-result").inner_text().startswith("Right!")
    assert p.errors == []


def test_a_user_op_without_javascript_makes_the_page_read_only_and_says_why(open_page: Any):
    twice = define_op("test_edit_twice", lambda a: (2.0 * a, (2.0,)))
    x = Value(1.5, label="x")
    y = twice(x) + 1.0
    p = open_page(y)
    text = p.role("edit-message").inner_text()
    assert text.startswith("Read-only:") and '"test_edit_twice" has no JavaScript form' in text
    assert p.role("value-input").is_disabled() and p.role("descend").is_disabled()
    assert p.drawn()[node_of(y, y)] == ("4.0", "1.0")  # Python's numbers, still shown
    assert p.errors == []


def test_a_user_op_with_broken_javascript_is_read_only_not_a_page_error(open_page: Any):
    broken = define_op("test_edit_broken", lambda a: (a, (1.0,)), js="(a) => [a </script>")
    p = open_page(broken(Value(1.0)) * 2.0)
    assert "does not run" in p.role("edit-message").inner_text()
    assert p.role("step-label").inner_text().startswith("step ")  # the rest of the page runs
    assert p.errors == []


def test_a_user_op_with_javascript_is_editable(open_page: Any):
    cube = define_op(
        "test_edit_cube", lambda a: (a**3, (3 * a * a,)), js="(a) => [a ** 3, [3 * a * a]]"
    )
    x = Value(1.5, label="x")
    p = open_page(cube(x))
    p.type_value("2")
    assert p.drawn()[node_of(cube(x), x)] == ("2.0", "12.0")
    assert p.errors == []


def test_editing_works_in_the_notebook_iframe(browser: Any, tmp_path: Path):
    o, _ = neuron()
    host = tmp_path / "notebook.html"
    host.write_text("<!DOCTYPE html><body>" + explore(o)._repr_html_() + "</body>")
    p = Page(browser, host)
    frame = p.page.frame_locator("iframe")
    frame.locator('[data-role="value-input"]').fill("1")
    frame.locator('[data-role="value-input"]').press("Enter")
    assert frame.locator('[data-role="nudge"]').inner_text().startswith("Δ")
    p.page.close()
    assert p.errors == []


def test_a_collapsed_model_page_steps_like_the_python_sgd_loop(open_page: Any):
    import nn

    X, y = nn.make_moons(n=6, noise=0.1, seed=1)

    def loss_of(model: nn.MLP) -> Value:
        return nn.hinge([model(x) for x in X], y) + nn.l2(model, 1e-4)

    model = nn.MLP(2, [16, 16, 1], seed=1)
    loss = loss_of(model)
    p = open_page(loss, names=model)
    assert "collapsed" in p.role("note").inner_text()
    p.role("descend").click()  # lr 0.1
    model.zero_grad()
    loss.backward()
    for q in model.parameters():
        q.data -= 0.1 * q.grad
    after = float(p.role("edit-output").get_attribute("data-value"))
    assert after == loss_of(model).data
    assert p.errors == []
