"""What the README says of the code is what the code holds: its op table is the table heading
autograd/ops.py (which names every built-in op; a failing test prints the table to paste), and
its size claim is the budget tests/test_core_size.py enforces."""

from __future__ import annotations

import re
from pathlib import Path

from autograd import ops

README = Path(__file__).resolve().parent.parent / "README.md"


def cells(line: str) -> list[str]:
    """The cells of one table row, `\\|` unescaped, each stripped."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [p.replace("\\|", "|").strip() for p in parts]


def table_rows(text: str) -> list[list[str]]:
    """A plain-text table's rows; a row whose first cell is empty continues the row above."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-"):
            continue
        row = cells(line)
        if row[0]:
            rows.append(row)
        else:
            rows[-1] = [a if not b else f"{a}; {b}" for a, b in zip(rows[-1], row, strict=True)]
    return rows


def docstring_rows() -> list[list[str]]:
    return table_rows(ops.__doc__ or "")


def readme_rows() -> list[list[str]]:
    """The table under the README's '## The ops' heading."""
    section = README.read_text(encoding="utf-8").split("## The ops", 1)[1].split("\n## ", 1)[0]
    return [cells(x) for x in section.splitlines() if x.startswith("|") and "---" not in x]


def markdown(rows: list[list[str]]) -> str:
    head, body = rows[0], rows[1:]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def test_cells_unescape_a_pipe_and_continuation_rows_join():
    assert cells(r"| abs | \|a\| | 1 |") == ["abs", "|a|", "1"]
    text = "| op | out |\n|----|----|\n| pow | a ** k |\n|     | 0 ** 0 = 1 |\n| neg | -a |"
    assert table_rows(text) == [["op", "out"], ["pow", "a ** k; 0 ** 0 = 1"], ["neg", "-a"]]


def test_readme_op_table_is_the_ops_docstring_table():
    expected = docstring_rows()
    assert readme_rows() == expected, "README's table should read:\n" + markdown(expected)


def test_the_op_table_names_every_built_in_op():
    named = {name.strip() for row in docstring_rows()[1:] for name in row[0].split(",")}
    assert named == set(ops.OPS)


def test_readme_states_the_line_budget_the_core_size_test_holds():
    from test_core_size import BUDGET, CORE

    text = " ".join(README.read_text(encoding="utf-8").split())
    claim = re.search(r"Its core \(([^)]*)\) is at most (\d+) lines of Python code", text)
    assert claim is not None
    assert int(claim[2]) == BUDGET
    assert [Path(name.strip(" `")).name for name in claim[1].split(",")] == list(CORE)


def quick_start_lines() -> list[str]:
    """The commands in the code block under the README's '## Quick start' heading."""
    section = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_stays_under_two_hundred_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) < 200


def test_quick_start_is_two_lines_each_in_a_venv_of_its_own():
    demo, test = quick_start_lines()
    for line in (demo, test):
        assert line.startswith("python3 -m venv .venv/"), line
    assert "nn.demo" in demo and "pytest" in test


def test_ci_runs_the_quick_start_test_line_verbatim():
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert quick_start_lines()[1] in ci.splitlines()
