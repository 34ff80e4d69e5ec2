"""The explore page in headless Chromium: it loads cleanly, clicks, steps, quizzes, and a label
cannot inject a script. Skipped, with the reason, where Playwright or Chromium is missing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import browsers
import pytest
from browsers import chromium
from helpers import neuron

from autograd import Value
from autograd.explorer import explore

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Any:
    with chromium() as b:
        yield b


class Page(browsers.Page):
    """A saved explore page, with helpers to find its nodes and read its panels."""

    def node(self, nid: str) -> Any:
        """The node's box, with the whole graph in view (a page may open zoomed in)."""
        self.role("zoom-fit").click()
        return self.page.locator(f'.cr-graph [data-node="{nid}"]')

    def details(self) -> str:
        return str(self.role("details").inner_text())

    def current(self) -> list[str]:
        return list(
            self.page.eval_on_selector_all(
                ".cr-graph .cr-current", "els => els.map(e => e.getAttribute('data-node'))"
            )
        )


@pytest.fixture
def open_page(browser: Any, tmp_path: Path) -> Any:
    yield from browsers.explore_pages(browser, tmp_path, Page)


def node_id(root: Value, v: Value) -> str:
    from autograd import topological_order

    return f"n{topological_order(root).index(v)}"


def test_page_loads_without_errors_and_screenshot_is_written(open_page: Any, tmp_path: Path):
    o = neuron()
    p = open_page(o)
    assert p.page.locator(".cr-graph [data-node]").count() == 10
    shot = tmp_path / "explore.png"
    p.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    assert p.errors == []


def test_clicking_a_node_shows_its_local_derivative_with_numbers(open_page: Any):
    o = neuron()
    p = open_page(o)
    p.node(node_id(o, o)).click()
    text = p.details()
    assert "o = tanh(n)" in text
    assert "d tanh(n)/dn = 1 - tanh(n)² = 1 - 0.7071² = 0.5" in text
    assert p.errors == []


def test_clicking_a_reused_value_lists_each_path_and_their_sum(open_page: Any):
    a = Value(3.0, label="a")
    y = a * a + a  # dy/da = 2a + 1 = 7: three paths
    y.label = "y"
    p = open_page(y)
    p.node(node_id(y, a)).click()
    text = p.details()
    assert text.count("a → ") == 3
    assert "sum: 3.0 + 3.0 + 1.0 = 7.0" in text
    assert p.errors == []


def test_step_buttons_move_through_backward_from_the_output(open_page: Any):
    o = neuron()
    p = open_page(o)
    p.role("step-first").click()
    assert p.role("step-label").inner_text() == "step 0 of 10"
    assert p.current() == []
    p.role("step-next").click()
    assert p.current() == [node_id(o, o)]
    assert "grad o = 1.0 (the seed" in p.role("caption").inner_text()
    p.role("step-next").click()
    n = o._parents[0]
    assert p.current() == [node_id(o, n)]
    assert "= 1.0 * 0.5 = 0.5" in p.role("caption").inner_text()
    flowing = p.page.locator(".cr-edge.cr-flow")
    assert flowing.count() == 1
    assert flowing.get_attribute("data-to") == node_id(o, o)
    p.role("step-prev").click()
    assert p.current() == [node_id(o, o)]
    assert p.errors == []


def test_arrow_keys_step_too(open_page: Any):
    o = neuron()
    p = open_page(o)
    p.page.keyboard.press("Home")
    p.page.keyboard.press("ArrowRight")
    p.page.keyboard.press("ArrowRight")
    assert p.role("step-label").inner_text() == "step 2 of 10"
    p.page.keyboard.press("ArrowLeft")
    assert p.role("step-label").inner_text() == "step 1 of 10"


def test_quiz_says_right_and_wrong_and_shows_the_working(open_page: Any, tmp_path: Path):
    o = neuron()
    p = open_page(o, quiz=True)
    assert p.role("quiz").is_hidden()  # step 0: nothing to ask yet
    p.role("step-next").click()
    assert p.role("quiz").is_visible()
    assert "grad o = do/do = ?" in p.role("quiz-question").inner_text()
    assert "its uses are highlighted" not in p.role("caption").inner_text()  # the output has none
    p.role("quiz-input").fill("1")
    p.role("quiz-check").click()
    assert p.role("quiz-result").inner_text().startswith("Right!")
    p.role("step-next").click()
    n = node_id(o, o._parents[0])
    assert "grad ?" in p.node(n).text_content()  # not revealed before the answer
    p.role("quiz-input").fill("0.7")
    p.role("quiz-check").click()
    assert p.role("quiz-feedback").inner_text().startswith("Not quite")
    assert "grad ?" in p.node(n).text_content()  # a wrong answer does not give it away
    p.role("quiz-reveal").click()
    assert "grad n = 0.5" in p.role("quiz-result").inner_text()
    assert "1.0 * 0.5 = 0.5" in p.role("caption").inner_text()  # the working
    assert p.page.locator("body").inner_text().count("1.0 * 0.5 = 0.5") == 1  # once, not twice
    assert "grad 0.5" in p.node(n).text_content()  # revealed after it
    p.role("step-next").click()
    p.role("quiz-input").fill("0.50004")  # within the tolerance
    p.page.keyboard.press("Enter")
    assert p.role("quiz-result").inner_text().startswith("Right!")
    assert "2 right first time, of 3 answered" in p.role("quiz-score").inner_text()
    p.page.screenshot(path=str(tmp_path / "quiz.png"))
    assert p.errors == []


def answer(p: Any, text: str) -> str:
    p.role("quiz-input").fill(text)
    p.role("quiz-check").click()
    return str(p.role("quiz-feedback").inner_text())


def mistake(p: Any) -> str:
    return str(p.role("quiz-feedback").get_attribute("data-mistake"))


def test_quiz_names_the_three_classic_mistakes_with_a_hint_not_the_answer(open_page: Any):
    o = neuron()  # grad n = 1 * (1 - o**2) = 0.5, with o = 0.7071
    p = open_page(o, quiz=True)
    p.role("step-next").click()
    answer(p, "1")
    p.role("step-next").click()
    text = answer(p, "0.7071")
    assert mistake(p) == "activation value" and "derivative" in text and "0.5" not in text
    text = answer(p, "-0.5")
    assert mistake(p) == "sign flip" and "sign" in text
    a = Value(3.0, label="a")
    y = a * a + a  # grad a = 3 + 3 + 1
    y.label = "y"
    q = open_page(y, quiz=True)
    for grad in ("1", "1"):  # y, then v1
        q.role("step-next").click()
        answer(q, grad)
    q.role("step-next").click()
    text = answer(q, "6")
    assert mistake(q) == "missing path" and "use by y" in text and "7" not in text
    text = answer(q, "4")
    assert mistake(q) == "missing path" and "v1" in text
    assert q.errors == [] and p.errors == []


def test_next_asks_before_it_tells(open_page: Any):
    o = neuron()
    p = open_page(o, quiz=True)
    p.role("step-next").click()
    p.role("step-next").click()  # not answered: stays
    assert "grad o = " in p.role("quiz-question").inner_text()
    assert "Answer this step first" in p.role("quiz-feedback").inner_text()
    p.role("step-last").click()
    assert "grad o = " in p.role("quiz-question").inner_text()
    assert p.errors == []


def test_local_quiz_asks_the_local_derivative_then_the_gradient_and_the_panel_has_the_factor(
    open_page: Any,
):
    o = neuron()
    p = open_page(o, quiz="local")
    p.role("step-next").click()
    answer(p, "1")
    p.role("step-next").click()
    assert "local derivative: do/dn = ?" in p.role("quiz-question").inner_text()
    panel = p.details()
    assert "grad o = 1.0" in panel and "1 - 0.7071² = ?" in panel  # the factor, not its value
    assert "= 0.5" not in panel
    answer(p, "0.5")
    assert "grad n = do/dn = ?" in p.role("quiz-question").inner_text()
    assert "0.5" in p.details()  # the local derivative, once answered
    answer(p, "1/2")
    assert p.role("quiz-result").inner_text().startswith("Right!")
    assert p.errors == []


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("1/2", True),
        ("-.5", False),
        ("1e-3", False),
        ("½", True),
        ("0.5", True),
        ("", None),
        ("abc", None),
        ("x" * 1000, None),
        ("1/0", None),
        ("−0.5", False),
    ],
)
def test_quiz_reads_every_kind_of_answer_or_says_what_it_wants(open_page: Any, text, accepted):
    o = neuron()
    p = open_page(o, quiz=True)
    p.role("step-next").click()
    answer(p, "1")
    p.role("step-next").click()  # grad n = 0.5
    feedback = answer(p, text)
    if accepted:
        assert p.role("quiz-result").inner_text().startswith("Right!")
    elif accepted is False:
        assert feedback.startswith("Not quite")
    else:
        assert "number" in feedback or "Dividing" in feedback
        assert len(feedback) < 200
    assert p.errors == []


def test_a_label_cannot_inject_a_script_and_odd_labels_show_as_text(open_page: Any):
    evil = "</script><script>window.__pwned=1</script>"
    a = Value(1.0, label=evil)
    b = Value(2.0, label="quote \" ' & <b>bold</b>\nnew line\x00nul")
    c = Value(3.0, label="x" * 5000)
    d = Value(4.0, label="same")
    e = Value(5.0, label="same")
    y = (a * b + c) * d + e
    y.label = "<img src=x onerror=window.__pwned=2>"
    p = open_page(y)
    assert p.page.evaluate("window.__pwned") is None
    assert p.page.locator("script").count() == 2  # the data and the page's own script
    assert p.page.locator(".cr-graph img, .cr-graph b").count() == 0
    p.node(node_id(y, a)).click()
    assert evil in p.details()
    p.node(node_id(y, b)).click()
    assert "<b>bold</b>" in p.details() and "␀" in p.details()
    p.node(node_id(y, y)).click()
    assert p.page.evaluate("window.__pwned") is None
    assert "same#" in p.page.locator(".cr-graph").text_content()  # two 'same' told apart
    assert p.errors == []


def test_notebook_output_runs_the_page_in_an_iframe(browser: Any, tmp_path: Path):
    host = tmp_path / "notebook.html"
    host.write_text("<!DOCTYPE html><body>" + explore(neuron())._repr_html_() + "</body>")
    p = Page(browser, host)
    frame = p.page.frame_locator("iframe")
    frame.locator('[data-role="step-first"]').click()
    frame.locator('[data-role="step-next"]').click()
    assert frame.locator('[data-role="step-label"]').inner_text() == "step 1 of 10"
    p.page.close()
    assert p.errors == []


def test_a_big_model_is_collapsed_and_a_group_expands_on_click(open_page: Any):
    from nn import MLP, hinge, make_moons

    X, y = make_moons(n=4, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1)
    loss = hinge([model(x) for x in X], y)
    p = open_page(loss, names=model)
    assert "collapsed per neuron" in p.role("note").inner_text()
    group = p.page.locator('.cr-graph .cr-group:has-text("layers.1.neurons.4")').first
    p.role("zoom-fit").click()
    group.click()
    text = p.details()
    assert text.startswith("layers.1.neurons.4") and "values collapsed into one box" in text
    assert "layers.1.neurons.4.w.0" in text
    assert p.page.locator(".cr-details .cr-group-drawing [data-node]").count() == 12
    assert p.errors == []


def test_wheel_zooms_drag_pans_and_play_steps_on(open_page: Any):
    o = neuron()
    p = open_page(o)
    graph = p.page.locator(".cr-graph > svg")
    before = graph.get_attribute("viewBox")
    box = p.role("viewport").bounding_box()
    p.page.mouse.move(box["x"] + 30, box["y"] + 30)  # empty space, away from the nodes
    p.page.mouse.wheel(0, -400)
    zoomed = graph.get_attribute("viewBox")
    assert float(zoomed.split()[2]) < float(before.split()[2])  # narrower: zoomed in
    p.page.mouse.down()
    p.page.mouse.move(box["x"] + 130, box["y"] + 80)
    p.page.mouse.up()
    panned = graph.get_attribute("viewBox")
    assert panned.split()[2:] == zoomed.split()[2:] and panned.split()[:2] != zoomed.split()[:2]
    p.role("step-first").click()
    p.role("step-play").click()
    p.page.wait_for_function(
        "document.querySelector('[data-role=\"step-label\"]').textContent.startsWith('step 2 ')"
    )
    p.role("step-play").click()  # pause
    assert p.errors == []


def test_three_uses_of_a_value_are_three_visible_edges_and_a_legend_shows(
    open_page: Any, tmp_path: Path
):
    a = Value(3.0, label="a")
    y = a * a + a
    y.label = "y"
    p = open_page(y)
    edges = p.page.eval_on_selector_all(
        '.cr-graph .cr-edge[data-from="n0"]',
        "els => els.map(e => { const b = e.getBBox(); return [e.getAttribute('data-to'), "
        "Math.round(b.y), Math.round(b.height)]; })",
    )
    assert sorted(to for to, _, _ in edges) == ["n1", "n1", "n2"]
    assert len({(to, y0, h) for to, y0, h in edges}) == 3  # no edge drawn on top of another
    assert p.role("legend").is_visible()
    assert "grad < 0" in p.role("legend").inner_text()
    p.page.screenshot(path=str(tmp_path / "edges.png"))
    assert p.errors == []


def test_opening_a_collapsed_group_in_a_quiz_shows_no_gradient_not_yet_answered(
    open_page: Any, tmp_path: Path
):
    from nn import MLP, hinge, make_moons

    X, y = make_moons(n=4, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1)
    loss = hinge([model(x) for x in X], y)
    p = open_page(loss, names=model, quiz=True)
    p.role("step-next").click()
    group = p.page.locator('.cr-graph .cr-group:has-text("layers.1.neurons.4")').first
    p.role("zoom-fit").click()
    group.click()
    drawing = p.page.locator(".cr-details .cr-group-drawing").inner_text()
    table = p.page.locator(".cr-details table").inner_text()
    assert re.search(r"grad -?\d", drawing) is None and re.search(r"grad -?\d", table) is None
    p.page.screenshot(path=str(tmp_path / "quiz_group.png"))
    assert p.errors == []


def test_a_collapsed_model_steps_to_every_box_with_an_honest_label(open_page: Any):
    from nn import MLP, hinge, make_moons

    X, y = make_moons(n=4, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1)
    loss = hinge([model(x) for x in X], y)
    p = open_page(loss, names=model)
    label = p.role("step-label").inner_text()
    m = re.match(r"step (\d+) of (\d+) \(one per box; backward: step (\d+) of (\d+)\)", label)
    assert m is not None, label
    assert m.group(1) == m.group(2) and int(m.group(4)) > int(m.group(2))
    caption = p.role("caption").inner_text()
    assert caption.startswith(f"step {m.group(1)} of {m.group(2)}: ")  # label and caption agree
    assert p.errors == []


# --- by layer: the 2-2-2 worked example ---


def graph_text(p: Page, nid: str) -> str:
    return str(p.page.locator(f'.cr-graph [data-node="{nid}"]').text_content())


def test_the_worked_example_steps_forward_then_back_a_layer_at_a_time(browser: Any, tmp_path):
    from nn import worked_example

    ex = worked_example()
    path = ex.explore().to_html(tmp_path / "worked.html")
    p = Page(browser, path)
    order = __import__("autograd").topological_order(ex.E_total)
    out_h1 = f"n{order.index(ex.values['out_h1'])}"
    w5 = f"n{order.index(ex.values['w5'])}"
    assert p.role("step-label").inner_text() == "step 0 of 6: before the forward pass"
    assert "data ?" in graph_text(p, out_h1)  # not computed yet
    assert "generalized delta rule" in p.role("caption").inner_text()
    p.role("step-next").click()
    label = p.role("step-label").inner_text()
    assert label == "step 1 of 6: forward, layer 1 (hidden)"
    assert p.role("caption").inner_text().startswith(label)
    assert "data 0.5933" in graph_text(p, out_h1) and "grad ?" in graph_text(p, out_h1)
    published = p.role("published")
    assert published.is_visible()
    row = published.locator('tr[data-key="out_h1"]').inner_text().split()
    assert row[:3] == ["out_h1", "0.593269992", "0.5932699921071872"]
    for _ in range(4):
        p.role("step-next").click()
    assert p.role("step-label").inner_text() == "step 5 of 6: backward, layer 2 (output)"
    caption = p.role("caption").inner_text()
    assert "generalized delta rule" in caption and "δ net_o1 = ∂E_total/∂net_o1" in caption
    assert "grad 0.0822" in graph_text(p, w5)
    row = published.locator('tr[data-key="grad w5"]').inner_text().split()
    assert row[0:4] == ["grad", "w5", "0.082167041", "0.08216704056423078"]
    assert float(row[4]) == pytest.approx(0.08216704056423078 - 0.082167041, rel=0.1)
    heads = published.locator("th").all_inner_texts()
    assert heads == ["", "published", "engine", "difference"]
    p.page.locator('[data-role="details"]').wait_for()
    assert "δ = ∂E_total/∂net_o1" in p.role("details").inner_text()  # the panel shows δ
    net_o1 = f"n{order.index(ex.values['net_o1'])}"
    net_h1 = f"n{order.index(ex.values['net_h1'])}"
    assert "δ = grad 0.1385" in graph_text(p, net_o1)  # and so does the box
    assert "δ = grad ?" in graph_text(p, net_h1)  # the hidden layer's δ: not yet
    p.role("step-next").click()
    text = p.page.locator(".cr-graph").text_content()
    assert "?" not in text  # every value and every gradient reached
    assert p.errors == []


def test_stepping_the_readme_loss_by_layer_reaches_every_gradient(open_page: Any):
    from helpers import moons_loss

    loss, model = moons_loss()
    p = open_page(loss, names=model, by="layer")
    p.role("zoom-fit").click()
    p.page.locator(".cr-graph .cr-group").first.click()  # before forward: no value shown yet
    rows = [line.split("\t") for line in p.details().splitlines() if line.count("\t") == 3]
    computed = [r for r in rows if r[1] != "leaf"]  # a parameter's value is known from the start
    assert computed and all(r[2] == "data ?" for r in computed)
    n = int(p.role("step-label").inner_text().split(" of ")[1].split(":")[0])
    for k in range(1, n + 1):
        p.role("step-next").click()
        label = p.role("step-label").inner_text()
        assert label.startswith(f"step {k} of {n}: ")
        assert p.role("caption").inner_text().startswith(label)  # label and caption agree
    assert p.role("step-next").is_disabled()
    assert "?" not in p.page.locator(".cr-graph").text_content()
    assert p.errors == []


# --- real models: every step, names from the model, readable text ---


def test_one_mlp_forward_with_no_budget_steps_through_every_value(open_page: Any):
    from nn import MLP

    model = MLP(2, [16, 16, 1], seed=1)
    y = model([0.5, 0.5])
    p = open_page(y, names=model, max_nodes=None)
    assert p.role("step-label").inner_text() == "step 402 of 402"
    p.role("step-first").click()
    p.role("step-next").click()
    assert p.role("step-label").inner_text() == "step 1 of 402"
    assert p.role("caption").inner_text().startswith("step 1 of 402: grad out = 1.0")
    text = p.page.locator(".cr-graph").text_content()
    assert "layers.0.neurons.3.net" in text and "layers.1.neurons.0.out" in text
    assert p.errors == []


def text_px(p: Page, nid: str) -> dict[str, float]:
    """The rendered box of a node's name, and whether it lies inside the graph's viewport."""
    return dict(
        p.page.evaluate(
            """id => {
              const t = document.querySelector(`.cr-graph [data-node="${id}"] .cr-name`);
              const r = t.getBoundingClientRect();
              const v = document.querySelector('[data-role="viewport"]').getBoundingClientRect();
              return {h: r.height, inside: +(r.left >= v.left && r.right <= v.right &&
                                             r.top >= v.top && r.bottom <= v.bottom)};
            }""",
            nid,
        )
    )


def test_a_big_graph_opens_with_readable_text_and_fit_all_shows_it_whole(open_page: Any):
    from helpers import moons_loss

    loss, model = moons_loss()
    p = open_page(loss, names=model)
    root = node_id(loss, loss)
    opened = text_px(p, root)
    assert opened["h"] >= 10 and opened["inside"]  # the output, legible at first display
    p.role("zoom-fit").click()
    assert text_px(p, root)["h"] < 10  # the whole graph: too small to read, but all there
    assert float(p.role("viewport").get_attribute("data-scale")) < 10 / 12
    assert p.errors == []


def test_stepping_pans_to_keep_the_current_step_in_view(open_page: Any):
    from helpers import moons_loss

    loss, model = moons_loss()
    p = open_page(loss, names=model)
    p.role("step-first").click()
    for _ in range(40):
        p.role("step-next").click()
    (current,) = p.current()
    box = p.page.locator(f'.cr-graph [data-node="{current}"] .cr-box').bounding_box()
    view = p.role("viewport").bounding_box()
    assert view["x"] <= box["x"] and box["x"] + box["width"] <= view["x"] + view["width"]
    assert view["y"] <= box["y"] and box["y"] + box["height"] <= view["y"] + view["height"]
    assert box["height"] >= 30  # still zoomed in: three lines of legible text
    assert p.errors == []


def test_the_current_step_is_outlined_even_on_an_editable_leaf(open_page: Any):
    o = neuron()
    p = open_page(o)  # at the last step: grad b, a leaf the edit panel can change
    b = p.page.locator(".cr-graph .cr-current")
    assert b.get_attribute("data-node") == node_id(o, o._parents[0]._parents[1])
    stroke = b.locator(".cr-box").evaluate("e => getComputedStyle(e).stroke")
    assert stroke == "rgb(255, 179, 0)"  # the legend's "this step's value", not the leaf's green
    assert p.errors == []


def test_a_gradient_descent_step_waits_until_the_quiz_is_done(open_page: Any):
    o = neuron()
    p = open_page(o, quiz=True)
    p.role("step-next").click()
    answer(p, "1")
    p.role("step-next").click()
    before = p.details()
    p.role("descend").click()  # would move each weight by lr × its grad: the answers
    assert "Finish the quiz first" in p.role("edit-message").inner_text()
    assert p.details() == before and "grad ?" in p.node(node_id(o, o._parents[0])).text_content()
    for _ in range(8):  # steps 2 to 9, then the last
        p.role("quiz-reveal").click()
        p.role("step-next").click()
    p.role("quiz-reveal").click()
    p.role("descend").click()
    assert "(down)" in p.role("edit-message").inner_text()
    assert p.errors == []


def test_quiz_hints_fit_the_question_and_go_away_with_it(open_page: Any):
    o = neuron()
    p = open_page(o, quiz=True)
    p.role("step-next").click()
    text = answer(p, "0")  # the output: no uses to add up, its gradient is the seed
    assert "is the output" in text and "seed" in text and "each use" not in text
    answer(p, "1")
    assert p.role("quiz-feedback").get_attribute("data-mistake") == ""
    p.role("step-next").click()
    assert p.role("quiz-input").input_value() == ""  # a new question, an empty field
    a = Value(3.0, label="a")
    y = a * a + a  # grad a = 1 + 3 + 3: every factor positive
    y.label = "y"
    q = open_page(y, quiz=True)
    for grad in ("1", "1"):
        q.role("step-next").click()
        answer(q, grad)
    q.role("step-next").click()
    text = answer(q, "1")  # only the use by y: both uses by v1 left out
    assert mistake(q) == "missing path" and "2 uses by v1" in text and "v1 and v1" not in text
    text = answer(q, "-7")
    assert mistake(q) == "sign flip" and "no factor" in text and "find the negative" not in text
    answer(q, "7")
    assert mistake(q) == ""
    assert p.errors == [] and q.errors == []


def test_local_quiz_asks_at_most_three_local_derivatives_then_the_gradient(open_page: Any):
    a = Value(2.0, label="a")
    y = a * 1.0 + a * 2.0 + a * 3.0 + a * 4.0 + a * 5.0  # a has five uses, locals 1..5
    y.label = "y"
    p = open_page(y, quiz="local")
    for _ in range(12):  # show the answers before a's step
        p.role("step-next").click()
        if "/da" in p.role("quiz-question").inner_text():
            break
        p.role("quiz-reveal").click()
    asked = []
    for local in ("1", "2", "3"):
        asked.append(p.role("quiz-question").inner_text())
        answer(p, local)
    assert "use 1 of the first 3; a has 5" in asked[0] and "use 3 of the first 3" in asked[2]
    assert p.role("quiz-question").inner_text().startswith("grad a = dy/da")
    answer(p, "15")
    assert p.role("quiz-result").inner_text().startswith("Right!")
    assert p.errors == []
