"""Rendering DOT: find a renderer (``dot`` on PATH, else ``graphviz-pure``) and the Drawing class.

``graphviz`` is imported on first use only, so importing ``autograd.viz`` never needs it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "install graphviz-pure (`pip install graphviz-pure`, part of chainrule's `viz` extra) "
    "or a system Graphviz that puts `dot` on PATH"
)


def find_renderer() -> str | None:
    """The program that renders DOT here: ``dot`` on PATH, else ``graphviz-pure``, else None."""
    dot = shutil.which("dot")
    if dot:
        return dot
    exe = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    beside = Path(sys.executable).parent / exe  # the venv's bin (or Scripts) directory
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("graphviz-pure")


class RendererNotFound(RuntimeError):
    """No program to turn DOT source into an image; the DOT ``.source`` is still available."""


def _use_renderer() -> None:
    """Point the ``graphviz`` package at a renderer unless it already has one."""
    from graphviz.backend import dot_command

    if dot_command.DOT_BINARY != Path("dot"):
        return  # chosen by the user, or by an earlier call: leave it
    found = find_renderer()
    if found is None:
        raise RendererNotFound(f"no Graphviz renderer found: {INSTALL_HINT}")
    if Path(found).name not in ("dot", "dot.exe"):
        dot_command.DOT_BINARY = Path(found)


def import_graphviz() -> Any:
    """The ``graphviz`` module, or an ImportError that says how to install it."""
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing needs the graphviz package: pip install -e '.[viz]' "
            "(or pip install graphviz graphviz-pure)"
        ) from None
    return graphviz


_drawing_class: Any = None


def new_drawing(**kwargs: Any) -> Any:
    """A ``Drawing``: a graphviz.Digraph that finds its renderer by itself when asked to render."""
    global _drawing_class
    if _drawing_class is None:
        gv = import_graphviz()

        class Drawing(gv.Digraph):  # type: ignore[name-defined,misc]
            """A Digraph of a chainrule graph; ``note`` says what was collapsed or cut."""

            note = ""
            summary = ""  # e.g. '12 values, 5 ops', for the plain-REPL repr
            _showing = False  # True while Jupyter asks for the picture

            def pipe(self, *args: Any, **kw: Any) -> Any:
                _use_renderer()
                if self._showing:  # NOTE: graphviz-pure warns about the width of '×' and other
                    kw.setdefault("quiet", True)  # non-ASCII glyphs: noise under a notebook cell
                return super().pipe(*args, **kw)

            def render(self, *args: Any, **kw: Any) -> Any:
                _use_renderer()
                return super().render(*args, **kw)

            def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kw: Any) -> Any:
                self._showing = True
                try:
                    return super()._repr_mimebundle_(include, exclude, **kw)
                except RendererNotFound as e:  # still useful in a notebook: say what to do
                    return {"text/plain": f"{e}\n\n{self.source}"}
                finally:
                    self._showing = False

            def __repr__(self) -> str:
                what = f"{self.summary}; " if self.summary else ""
                return f"<Drawing: {what}.source for DOT, .render(...) to save>"

        _drawing_class = Drawing
    return _drawing_class(**kwargs)
