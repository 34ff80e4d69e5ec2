"""Labels of any text are shown: a lone surrogate (which no UTF-8 file can hold) is drawn as
U+FFFD in draw_dot, explore, step_through and explain, never a UnicodeEncodeError."""

from __future__ import annotations

import pytest
from helpers import needs_renderer

from autograd import (
    Value,
    draw_dot,
    explain,
    explore,
    step_through,
)


def graph(label: str) -> tuple[Value, Value]:
    x = Value(1.0, label=label)
    y = (x * 2.0).tanh()
    y.label = "out" + label
    y.backward()
    return x, y


@pytest.mark.parametrize("label", ["\ud800", "a\udfffb", "\udc80\ud800"])
def test_a_lone_surrogate_label_is_written_as_the_replacement_character(tmp_path, label):
    x, y = graph(label)
    page = explore(y, title=label).to_html(tmp_path / "e.html").read_text(encoding="utf-8")
    steps = step_through(y, names={x: label})
    steps_page = steps.to_html(tmp_path / "s.html", title=label).read_text(encoding="utf-8")
    text = str(explain(y, x))
    source = draw_dot(y).source
    for shown in (page, steps_page, text, source, steps.caption(-1)):
        assert "\ufffd" in shown
        shown.encode("utf-8")  # would raise UnicodeEncodeError with a surrogate left in
    assert (tmp_path / "e.html").read_text(encoding="utf-8") == page


@needs_renderer
def test_a_lone_surrogate_label_renders_to_svg():
    _, y = graph("\ud800")
    svg = draw_dot(y).pipe(format="svg", encoding="utf-8")
    assert "\ufffd" in svg


# --- control characters ---


@pytest.mark.parametrize("label", ["a\x00b", "esc\x1b", "del\x7f"], ids=repr)
def test_a_control_character_in_a_label_is_drawn_as_its_picture_and_renders(label):
    from autograd import draw_dot
    from autograd.viz import find_renderer

    (control,) = [c for c in label if ord(c) < 0x20 or c == "\x7f"]
    picture = "\u2421" if control == "\x7f" else chr(0x2400 + ord(control))
    drawing = draw_dot((Value(1.0, label=label) * 2.0).tanh())
    assert control not in drawing.source and picture in drawing.source
    if find_renderer() is not None:
        assert b"<svg" in drawing.pipe(format="svg")
