"""The engine's layout: no import cycle between value and graph, and one version."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import autograd

ROOT = Path(autograd.__file__).parent.parent


# --- no import cycle, a version ---


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(modules imported at runtime, modules imported only under TYPE_CHECKING), relative ones
    named with their dots (``.value``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    runtime, checking = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = {"." * node.level + (node.module or "")}
        elif isinstance(node, ast.Import):
            names = {alias.name for alias in node.names}
        else:
            continue
        (checking if id(node) in typing_only else runtime).update(names)
    return runtime, checking


def test_graph_imports_value_only_for_type_checking():
    runtime, checking = imports_of(ROOT / "autograd" / "graph.py")
    assert ".value" not in runtime and "autograd.value" not in runtime
    assert ".value" in checking


def test_value_imports_graph_at_the_top_level():
    tree = ast.parse((ROOT / "autograd" / "value.py").read_text(encoding="utf-8"))
    top = {"." * n.level + (n.module or "") for n in tree.body if isinstance(n, ast.ImportFrom)}
    assert ".graph" in top
    runtime, _ = imports_of(ROOT / "autograd" / "value.py")
    assert ".graph" in runtime


def test_version_is_the_one_in_pyproject():
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is new in Python 3.11")
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    assert autograd.__version__ == project["version"]
