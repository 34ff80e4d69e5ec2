"""Execute every notebooks/*.ipynb in a temporary copy; exit non-zero if any cell fails.

Usage: python tools/run_notebooks.py [notebook ...]

The kernel is this interpreter (sys.executable), so run it with the project's venv python. It
prints one line per notebook with its time, and also fails when a committed notebook still
carries outputs (they are kept stripped), and when its prose quotes a number that neither its
code nor its executed outputs hold (see ``unbacked_numbers``). Needs the `notebooks` extra:
nbclient, nbformat, ipykernel. A notebook whose metadata lists ``"chainrule": {"requires":
["torch"]}`` is skipped, with the reason printed, where such a module is not installed
(.ci/torch runs 12_to_pytorch with torch).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "chainrule-python"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --- prose numbers ---

NUMBER = re.compile(r"(?<![\w.^/])(\d{1,3}(?:[,_]\d{3})+|\d+)(\.\d+)?(?:[eE]([-+]?\d+))?(%?)(?!\w)")


def quoted_numbers(text: str) -> list[tuple[str, float, float, bool]]:
    """Each number written in text as (as written, value, half a unit in its last digit, is a
    percentage). Signs are dropped; so are names with digits (w1, x^3, h_2) and whole numbers
    below 10."""
    found = []
    for m in NUMBER.finditer(text):
        digits, frac, exp, percent = m.group(1), m.group(2) or "", m.group(3), m.group(4)
        if not frac and not exp and int(digits.replace(",", "").replace("_", "")) < 10:
            continue  # 0 to 9 (also 02, a notebook's number): too common to be a claim
        power = int(exp) if exp else 0
        value = float(digits.replace(",", "").replace("_", "") + frac) * 10.0**power
        half = 0.5 * 10.0 ** (power - max(len(frac) - 1, 0))
        found.append((m.group(0), value, half, bool(percent)))
    return found


def source(cell) -> str:
    """A cell's source as one string (nbformat joins it; the JSON on disk may hold lines)."""
    text = cell.get("source", "")
    return text if isinstance(text, str) else "".join(text)


def cell_text(cell) -> str:
    """A code cell's source and the text of its outputs (streams, text/plain results)."""
    parts = [source(cell)]
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        parts.append("".join(out.get("data", {}).get("text/plain", "")))
        parts.append("".join(out.get("traceback", [])))
    return "\n".join(parts)


def unbacked_numbers(nb) -> list[str]:
    """The numbers the notebook's markdown quotes that no code cell or executed output holds.

    A quoted number is backed when some number in the code or the outputs rounds to it at the
    precision it is written with (0.7071 is backed by 0.70710678; 3.5e-05 by 3.5102e-05; 95% by
    95% or by 0.95). So a result stated in prose must be computed and printed by the notebook,
    and an input stated in prose must be the one the code uses.
    """
    backing = [
        value
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for _, value, _, _ in quoted_numbers(cell_text(cell))
    ]
    missing = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for written, value, half, percent in quoted_numbers(source(cell)):
            scales = (1.0, 100.0) if percent else (1.0,)
            tolerance = half * (1 + 1e-9)
            if not any(abs(b * k - value) <= tolerance for b in backing for k in scales):
                missing.append(written)
    return missing


def has_outputs(nb) -> bool:
    """True if any code cell of the notebook still has outputs or an execution count."""
    return any(
        c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)
        for c in nb["cells"]
    )


def missing_modules(nb) -> list[str]:
    """The modules a notebook declares it needs (metadata chainrule.requires) that are absent."""
    needs = nb.metadata.get("chainrule", {}).get("requires", [])
    return [name for name in needs if importlib.util.find_spec(name) is None]


def kernel_manager(kernels: Path):
    """A KernelManager whose only kernel is this interpreter running ipykernel."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    if not (kernels / KERNEL).exists():
        write_kernel_spec(kernels / KERNEL, overrides={"display_name": "chainrule (this python)"})
    specs = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
    return KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)


def run(path: Path, workdir: Path, kernels: Path, timeout: int, keep: Path | None) -> str | None:
    """Execute one notebook inside workdir; return None on success, else the error."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        km=kernel_manager(kernels),
        timeout=timeout,
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's own warnings; cell errors
    except CellExecutionError as e:  # arrive as messages
        text = ANSI.sub("", str(e)).strip()  # no terminal colours in the one-line report
        return text.splitlines()[-1] if text else repr(e)
    except Exception as e:  # a dead kernel, a timeout: still one line per notebook
        return f"{type(e).__name__}: {e}"
    finally:
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, keep / path.name)
    missing = unbacked_numbers(nb)
    if missing:
        return "prose quotes numbers no cell computes or prints: " + ", ".join(missing)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--keep", type=Path, help="also write the executed notebooks here")
    args = parser.parse_args(argv)
    try:
        import nbformat
    except ImportError:
        print("run_notebooks: install the notebooks extra: pip install -e '.[notebooks]'")
        return 2
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not paths:
        print("run_notebooks: no notebooks found")
        return 1
    failed = skipped = 0
    total = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="chainrule-notebooks-") as tmp:
        work, kernels = Path(tmp) / "notebooks", Path(tmp) / "kernels"
        work.mkdir()
        kernels.mkdir()
        for path in paths:
            missing = missing_modules(nbformat.read(path, as_version=4))
            if missing:
                skipped += 1
                print(f"skip          {path.name}  -- needs {', '.join(missing)} (not installed)")
                continue
            copy = work / path.name
            shutil.copy(path, copy)
            start = time.perf_counter()
            error = run(copy, work, kernels, args.timeout, args.keep)
            seconds = time.perf_counter() - start
            left = sorted(p.name for p in work.iterdir() if p.suffix != ".ipynb")
            if left:  # run from notebooks/, these files would land in the working tree
                wrote = "wrote into its own folder (use a temporary one): " + ", ".join(left)
                error = wrote if error is None else f"{error}; {wrote}"
            for name in left:  # a clean folder for the next notebook
                leftover = work / name
                if leftover.is_dir():
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()
            if error is None and has_outputs(nbformat.read(path, as_version=4)):
                error = "committed with outputs (strip them)"
            failed += error is not None
            status = "ok  " if error is None else "FAIL"
            print(f"{status} {seconds:6.1f}s  {path.name}" + (f"  -- {error}" if error else ""))
            sys.stdout.flush()
    ran = len(paths) - skipped
    note = f", {skipped} skipped" if skipped else ""
    print(f"{ran - failed}/{ran} notebooks ran in {time.perf_counter() - total:.1f}s{note}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
