"""draw_dot: rendering with dot or graphviz-pure, reprs, and big graphs drawn within a budget."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autograd import Value, draw_dot, no_grad
from autograd.viz import find_renderer, render

graphviz = pytest.importorskip("graphviz")

from helpers import (  # noqa: E402
    deep_graph,
    fresh_python,
    needs_renderer,
    parse,
    small_graph,
    svg_texts,
)


def test_importing_autograd_leaves_the_drawing_code_and_graphviz_unimported():
    code = (
        "import sys, autograd; "
        "loaded = {'autograd.viz.plan', 'autograd.viz.draw', 'graphviz'} & set(sys.modules); "
        "assert not loaded, loaded; "
        "from autograd.viz import draw_dot, find_renderer"
    )
    fresh_python(code)


# --- rendering without a system Graphviz ---


@needs_renderer
def test_rendering_to_svg_and_png_works(tmp_path):
    d = small_graph()[3]
    drawing = draw_dot(d)
    svg = drawing.pipe(format="svg", encoding="utf-8")
    assert "data -4.5" in svg_texts(svg) and "grad -3.0" in svg_texts(svg)
    out = Path(drawing.render(outfile=tmp_path / "graph.png"))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = drawing._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


@needs_renderer
def test_a_notebook_picture_prints_no_renderer_warnings(capsys):
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    drawing = draw_dot(a * b)  # '×' made graphviz-pure warn about its width under every picture
    assert "<svg" in drawing._repr_mimebundle_()["image/svg+xml"]
    assert capsys.readouterr().err == ""


def test_graphviz_pure_next_to_the_interpreter_is_found_when_dot_is_not_on_path(monkeypatch):
    exe = Path(sys.executable).parent / "graphviz-pure"
    if not exe.exists():
        pytest.skip("graphviz-pure is not installed in this environment")
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    assert find_renderer() == str(exe)


def test_with_no_renderer_the_source_works_and_rendering_says_what_to_install(
    monkeypatch, tmp_path
):
    from graphviz.backend import dot_command

    monkeypatch.setattr(dot_command, "DOT_BINARY", Path("dot"))
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    monkeypatch.setattr(render.sys, "executable", str(tmp_path / "python"))
    drawing = draw_dot(small_graph()[3])
    assert "data -4.5" in drawing.source
    with pytest.raises(render.RendererNotFound, match="graphviz-pure"):
        drawing.pipe(format="svg")
    with pytest.raises(render.RendererNotFound, match="graphviz-pure"):
        drawing.render(outfile=tmp_path / "g.svg")
    assert "graphviz-pure" in drawing._repr_mimebundle_()["text/plain"]


@pytest.mark.slow
def test_a_graph_of_20000_nodes_draws_and_collapses_without_recursion_error():
    x, y = deep_graph(20_000)
    source = draw_dot(y, max_nodes=None).source
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
