"""step_through: one frame per node that gets a gradient, each a chain-rule sum of terms."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import reduce

import pytest
from helpers import bits
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import SMOOTH, programs, run

from autograd import (
    Value,
    step_through,
    topological_order,
)
from autograd.stepthrough import CURRENT
from autograd.viz import find_renderer


def example() -> tuple[Value, Value, Value]:
    """L = a*b + a*a with a = 2, b = -3: dL/da = b + 2a = 1, dL/db = a = 2."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    ab = a * b
    ab.label = "ab"
    aa = a * a
    aa.label = "aa"
    L = ab + aa
    L.label = "L"
    return a, b, L


@st.composite
def graphs(draw):
    """A random small expression DAG over 1-3 leaves, reusing nodes freely."""
    leaves = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 3)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 7))):
        a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        op = draw(st.sampled_from(["add", "mul", "sub", "tanh", "sigmoid", "square", "sin"]))
        v = {
            "add": lambda a=a, b=b: a + b,
            "mul": lambda a=a, b=b: a * b,
            "sub": lambda a=a, b=b: a - b,
            "tanh": lambda a=a, b=b: a.tanh(),
            "sigmoid": lambda a=a, b=b: a.sigmoid(),
            "square": lambda a=a, b=b: a * a,
            "sin": lambda a=a, b=b: a.sin(),
        }[op]()
        nodes.append(v)
    out = nodes[-1] + sum(nodes[len(leaves) : -1], 0.0) * 0.5
    return leaves, out


def test_one_frame_per_node_that_receives_a_gradient():
    a, b, L = example()
    steps = step_through(L)
    assert len(steps) == 5  # L, ab, aa, a, b
    assert {s.node for s in steps} == {a, b, L, *L._parents}


def test_frames_run_in_backward_order_and_each_uses_only_finished_gradients():
    _, _, L = example()
    steps = step_through(L)
    assert steps[0].node is L and steps[0].grad == 1.0 and steps[0].terms == ()
    done = set()
    for s in steps:
        assert all(t.consumer in done for t in s.terms)
        done.add(s.node)


def test_each_frame_is_the_sum_of_upstream_times_local_over_every_use():
    a, b, L = example()
    steps = step_through(L)
    (sa,) = [s for s in steps if s.node is a]
    assert sorted((t.upstream, t.local) for t in sa.terms) == [(1.0, -3.0), (1.0, 2.0), (1.0, 2.0)]
    assert sa.grad == 1.0  # b + 2a
    (sb,) = [s for s in steps if s.node is b]
    assert [(t.upstream, t.local, t.product) for t in sb.terms] == [(1.0, 2.0, 2.0)]


def test_the_caption_shows_the_chain_rule_sum_with_numbers():
    a, _, L = example()
    steps = step_through(L)
    k = next(i for i, s in enumerate(steps) if s.node is a)
    caption = steps.caption(k)
    assert caption.startswith(f"step {k + 1} of 5: grad a = ")
    assert "grad ab * dab/da" in caption and "grad aa * daa/da" in caption
    assert re.search(r"1\.0 \* \(-3\.0\)", caption)
    assert caption.endswith("= 1.0")
    assert "seed" in steps.caption(0)


@given(graphs(), st.floats(-3, 3).filter(lambda g: g != 0))
def test_the_last_frame_holds_exactly_the_gradients_of_backward(graph, seed):
    leaves, out = graph
    steps = step_through(out, seed)
    assert len(steps) == len(topological_order(out))
    out.backward(seed)
    final = steps.grads()
    assert set(final) == set(topological_order(out))
    for v, g in final.items():
        assert g == pytest.approx(v.grad, rel=1e-12, abs=1e-12)


def test_stepping_through_leaves_every_grad_untouched():
    a, b, L = example()
    step_through(L)
    assert (a.grad, b.grad, L.grad) == (0.0, 0.0, 0.0)


def test_a_non_value_root_is_a_type_error():
    with pytest.raises(TypeError, match="root must be a Value"):
        step_through(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="gradient must be a number"):
        step_through(Value(1.0), "1")  # type: ignore[arg-type]


# --- drawing the frames ---


def test_a_frame_lights_its_node_and_hides_gradients_not_yet_computed():
    a, b, L = example()
    steps = step_through(L)
    k = next(i for i, s in enumerate(steps) if s.node is a)
    source = steps.draw(k).source
    a_line = next(x for x in source.splitlines() if "{ a |" in x)
    assert CURRENT in a_line and "grad 1.0" in a_line
    done_before = {s.node.label for s in list(steps)[:k]}
    for line in source.splitlines():
        m = re.search(r"\{ (\w+) \|", line)
        if m and m[1] not in done_before and m[1] != "a":
            assert "grad ?" in line
    assert "1.0 * (-3.0)" in source  # the term on the edge it flows back along


@pytest.fixture
def renderer():
    if find_renderer() is None:
        pytest.skip("no Graphviz renderer (dot or graphviz-pure) installed")


def test_frames_save_as_svg_and_png_images(renderer, tmp_path):
    _, _, L = example()
    steps = step_through(L)
    svgs = steps.save_images(tmp_path / "svg")
    assert [p.name for p in svgs] == [f"step{k}.svg" for k in range(1, 6)]
    for p in svgs:
        assert ET.parse(p).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    pngs = steps.save_images(tmp_path / "png", format="png")
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    with pytest.raises(ValueError, match="format"):
        steps.save_images(tmp_path, format="gif")


def test_the_html_page_is_self_contained_with_one_svg_per_frame(renderer, tmp_path):
    _, _, L = example()
    steps = step_through(L)
    assert steps.to_html(tmp_path / "steps.html") == tmp_path / "steps.html"  # not the page
    page = (tmp_path / "steps.html").read_text(encoding="utf-8")
    assert page.count("<svg") == len(steps)
    assert page.count('class="caption"') == len(steps)
    assert 'type="range"' in page and "<script>" in page
    assert "src=" not in page and "<link" not in page  # nothing fetched from the network
    assert "grad a = " in page


def test_the_html_page_prints_each_caption_once(renderer):
    _, _, L = example()
    steps = step_through(L)
    page = steps.to_html()
    first = html.escape(steps.caption(0).splitlines()[0])
    assert page.count(first) == 1  # in the caption, not again inside the picture


def test_a_single_frame_keeps_its_caption_as_the_drawings_label():
    _, _, L = example()
    steps = step_through(L)
    assert "step 1 of" in steps.draw(0).source
    assert "step 1 of" not in steps.draw(0, caption=False).source


def test_drawing_every_frame_of_a_huge_graph_is_refused_up_front(tmp_path):
    x = Value(0.1)
    y = x
    for _ in range(500):
        y = y * 1.0
    steps = step_through(y)
    assert len(steps) == 501
    with pytest.raises(ValueError, match="501 frames"):
        steps.to_html()
    with pytest.raises(ValueError, match="501 frames"):
        steps.save_images(tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_frame_of_a_huge_graph_draws_the_part_around_its_step():
    x = Value(1.0, label="x")
    y = x
    for _ in range(5_000):
        y = y * 1.0001
    steps = step_through(y)
    assert len(steps) == 5_001
    last = steps.draw(len(steps) - 1)
    assert "{ x |" in last.source  # the current step's node is in the picture
    assert last.source.count("[label=") <= 320
    assert "around this step" in last.note


def test_steps_are_made_when_read_and_equal_the_recorded_gradients():
    _, _, L = example()
    steps = step_through(L)
    assert [s.grad for s in steps] == [steps[k].grad for k in range(len(steps))]
    assert steps.steps[1:3] == [steps[1], steps[2]]


# --- step_through is backward(), watched ---


def uses(order: list[Value]) -> dict[Value, int]:
    count: dict[Value, int] = {}
    for v in order:
        for p in v._parents:
            count[p] = count.get(p, 0) + 1
    return count


@settings(max_examples=60)
@given(
    programs(SMOOTH, max_inputs=3, max_steps=8),
    st.lists(st.floats(-2, 2), min_size=3, max_size=3),
    st.sampled_from([-1.75, 0.5, 3.0]),
)
def test_step_through_gradients_equal_backward_bit_for_bit_with_heavy_reuse(program, xs, seed):
    leaves = [Value(x) for x in xs[: program[0]]]
    x0 = leaves[0]
    root = run(program, leaves) + x0 * x0 * x0  # x0 is used three times and more
    order = topological_order(root)
    assert max(uses(order).values()) >= 3
    for k, v in enumerate(order):  # stale grads that neither may read or leave changed
        v.grad = 0.125 * (k + 1)
    before = [bits(v.grad) for v in order]

    steps = step_through(root, seed)

    assert [bits(v.grad) for v in order] == before  # step_through changes no .grad
    for v in order:
        v.grad = 0.0
    root.backward(seed)
    recorded = steps.grads()
    assert set(recorded) == set(order)
    assert {v: bits(g) for v, g in recorded.items()} == {v: bits(v.grad) for v in order}
    for s in steps.steps:  # each frame's sum of terms is the gradient, in backward's order
        if s.node is not root:
            total = reduce(lambda acc, t: acc + t.local * t.upstream, s.terms, 0.0)
            assert bits(total) == bits(s.grad)
    assert bits(steps.steps[0].grad) == bits(seed)


def test_step_through_a_node_used_four_times_sums_four_terms():
    a = Value(1.5, label="a")
    b = a * a + a.tanh() * a
    steps = step_through(b, -2.0)
    (frame,) = [s for s in steps if s.node is a]
    assert len(frame.terms) == 4
    b.backward(-2.0)
    assert bits(frame.grad) == bits(a.grad)
