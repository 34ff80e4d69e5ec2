"""The benchmark suite runs (tiny sizes) and its correctness checks pass; no timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmarks_print_the_table_and_match_micrograd():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "| benchmark" in out and "| micrograd" in out
    for row in ("demo step", "generic graph", "memory per node", "deepest chain"):
        assert row in out
    assert "same loss and gradients as micrograd" in out and "(limit 1e-12): OK" in out
    assert "compiled step equals eager step bit for bit: OK" in out
