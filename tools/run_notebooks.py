"""Execute every notebooks/*.ipynb in a temporary copy; exit non-zero if any cell fails.

Usage: python tools/run_notebooks.py [notebook ...]

The kernel is this interpreter (sys.executable), so run it with the project's venv python. It
prints one line per notebook with its time, and also fails when a committed notebook still
carries outputs (they are kept stripped). Needs the `notebooks` extra: nbclient, nbformat,
ipykernel. A notebook whose metadata lists ``"chainrule": {"requires": ["torch"]}`` is skipped,
with the reason printed, where such a module is not installed (.ci/torch runs 08 with torch).
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


def has_outputs(nb) -> bool:
    """True if any code cell of the notebook still has outputs or an execution count."""
    return any(
        c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
        for c in nb.cells
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
