"""The notebooks as files: stripped of outputs, importing only the package, referenced by their
real names; and the check tools/run_notebooks.py runs on each executed notebook, that numbers
quoted in prose are computed or used by its cells."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def load_runner():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools/run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = load_runner()


def notebook(*cells: tuple[str, str, str]) -> dict:
    """A notebook of (kind, source, printed output) cells, as nbclient leaves it."""
    out = []
    for kind, source, printed in cells:
        cell = {"cell_type": kind, "source": source}
        if kind == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": printed}]
        out.append(cell)
    return {"cells": out}


def test_a_quoted_result_is_backed_by_a_printed_number_at_the_precision_it_is_written_with():
    nb = notebook(
        ("markdown", "The loss falls to 0.0625 and the error to about 3.5e-05.", ""),
        ("code", "print(loss, err)", "0.06254100901699267 3.5102e-05\n"),
    )
    assert runner.unbacked_numbers(nb) == []


def test_a_quoted_number_no_cell_computes_is_reported():
    nb = notebook(
        ("markdown", "The graph holds about 900 values; the loss is 0.061.", ""),
        ("code", "print(len(order), loss)", "883 0.06254\n"),
    )
    assert runner.unbacked_numbers(nb) == ["900", "0.061"]


def test_inputs_in_the_code_back_the_prose_that_states_them():
    nb = notebook(
        ("markdown", "10,000 steps with a learning rate of 0.5 and 16 neurons.", ""),
        ("code", "for step in range(10_000):\n    lr = 0.5\nMLP(2, [16, 1])", ""),
    )
    assert runner.unbacked_numbers(nb) == []


def test_percentages_are_backed_by_fractions_and_names_with_digits_are_not_numbers():
    nb = notebook(
        ("markdown", "Accuracy 95% after the update of w1, h_2 and x^3 in 2 steps.", ""),
        ("code", "print(acc)", "0.95\n"),
    )
    assert runner.unbacked_numbers(nb) == []
    assert runner.quoted_numbers("w1 x^3 h_2 2 02 v10 12.5% 1e-6") == [
        ("12.5%", 12.5, 0.05, True),
        ("1e-6", 1e-6, 0.5e-6, False),
    ]


def test_committed_notebooks_carry_no_outputs():
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        assert not runner.has_outputs(nb), path.name


IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w]+)", re.M)
ALLOWED = {"autograd", "nn", "math", "random", "time", "tempfile", "pathlib", "matplotlib", "torch"}


def test_notebooks_import_only_the_package_and_a_few_helpers():
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert set(IMPORT.findall(code)) <= ALLOWED, path.name


NAMED = re.compile(r"notebooks/(\d\d_\w+?)(?:\.ipynb)?\b")


def test_every_notebook_named_in_docs_ci_and_tools_exists():
    names = {p.stem for p in NOTEBOOKS}
    texts = [
        *ROOT.glob("docs/*.md"),
        *ROOT.glob(".ci/*"),
        *ROOT.glob("tools/*.py"),
        ROOT / "README.md",
    ]
    for text in texts:
        for name in NAMED.findall(text.read_text()):
            assert name in names, f"{text.name} names notebooks/{name}"


LEARNING_PATH = [
    "01_derivatives",
    "02_a_neuron",
    "03_playground",
    "04_why_backward",
    "05_worked_example",
    "06_gradient_descent",
    "07_moons_classifier",
    "08_mse_vs_cross_entropy",
    "09_backprop_through_time",
    "10_higher_order_and_custom_ops",
    "11_explore",
    "12_to_pytorch",
]


def test_the_notebooks_are_the_learning_path_in_order():
    names = [p.stem for p in NOTEBOOKS]
    # 03_playground is written by the playground work; every other name is fixed here
    assert [n for n in names if n != "03_playground"] == [
        n for n in LEARNING_PATH if n != "03_playground"
    ]


def test_the_pytorch_notebook_says_it_needs_torch_and_ci_runs_it_by_name():
    nb = json.loads((ROOT / "notebooks/12_to_pytorch.ipynb").read_text())
    assert nb["metadata"]["chainrule"]["requires"] == ["torch"]
    assert "notebooks/12_to_pytorch.ipynb" in (ROOT / ".ci/torch").read_text()
