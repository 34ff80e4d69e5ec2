"""MkDocs hooks for chainrule's site (mkdocs.yml): the parts made at build time.

- the navigation: the tutorial pages of docs/ in reading order, then the notebooks, then the API;
- the API reference (api.md): one mkdocstrings entry for every public name of autograd and nn;
- the notebooks (notebooks/*.ipynb, or the executed copies in $CHAINRULE_NOTEBOOKS when set),
  rendered by mkdocs-jupyter;
- the live pages (live/*.html): self-contained pages made by the package itself, embedded in
  docs/play.md, so a reader can play with them with nothing installed.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")
# The tutorial pages in reading order; a page not named here still appears, after these.
READING_ORDER = (
    "engine.md",
    "nn.md",
    "visualisation.md",
    "play.md",
    "tracing.md",
    "performance.md",
    "coming-from-micrograd.md",
    "pytorch.md",
)
# A script or stylesheet from another host (nbconvert's MathJax, for one): the site loads
# nothing from the network, and the notebooks use no TeX.
EXTERNAL = re.compile(r"""<(script|link)\b[^>]*\b(src|href)=["']https?://[^>]*>(\s*</script>)?""")
# nbconvert's loader for widget outputs, which fetches the widget manager from a CDN; a widget
# (the playground's) then shows its text form, and docs/play.md has the live page.
WIDGET_LOADER = re.compile(
    r"<script>\s*\(function\(\) \{\s*function addWidgetsRenderer\(\).*?</script>", re.S
)


def public_names(package: str) -> list[str]:
    """The names a package exports (its __all__), without dunders such as __version__."""
    module = importlib.import_module(package)
    return [name for name in module.__all__ if not name.startswith("__")]


def api_target(package: str, name: str) -> str:
    """Where mkdocstrings finds a public name: its defining module for functions and classes."""
    obj = getattr(importlib.import_module(package), name)
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str) and module.startswith(PACKAGES):
        return f"{module}.{qualname}"
    return f"{package}.{name}"  # a constant: mkdocstrings follows the package's import


def api_markdown() -> str:
    """The API reference page: a section per package, an entry per public name."""
    lines = [
        "# API reference",
        "",
        "Every public name of `autograd` and `nn`, from its docstring.",
        "",
    ]
    for package in PACKAGES:
        doc = (importlib.import_module(package).__doc__ or "").strip().splitlines()[0]
        lines += [f"## `{package}`", "", doc, ""]
        for name in public_names(package):
            lines += [
                f"::: {api_target(package, name)}",
                "    options:",
                "      heading_level: 3",
                f"      toc_label: {name}",
                "",
            ]
    return "\n".join(lines)


def notebook_dir() -> Path:
    """The executed notebooks if $CHAINRULE_NOTEBOOKS names their folder (tools/run_notebooks.py
    --keep DIR/notebooks writes them), else the sources (kept without outputs)."""
    executed = os.environ.get("CHAINRULE_NOTEBOOKS")
    return Path(executed) if executed else ROOT / "notebooks"


def notebooks() -> list[str]:
    return sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def live_pages() -> dict[str, str]:
    """The self-contained pages a reader plays with on docs/play.md, by file name."""
    from autograd import Value, explore

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    import nn

    X, y = nn.make_moons(100, noise=0.1, seed=1)
    moons = nn.playground(nn.MLP(2, [8, 8, 1], seed=0), X, y, lr=0.1)
    return {"neuron.html": explore(o).to_html(), "moons.html": moons.to_html()}


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    docs = Path(config.docs_dir)
    present = sorted(p.name for p in docs.glob("*.md") if p.name != "index.md")
    ordered = [n for n in READING_ORDER if n in present] + [
        n for n in present if n not in READING_ORDER
    ]
    config.nav = [
        {"Home": "index.md"},
        {"Guide": ordered},
        {"Notebooks": [f"notebooks/{name}" for name in notebooks()]},
        {"API reference": "api.md"},
    ]
    return config


@event_priority(100)  # before mkdocs-jupyter looks for notebooks among the files
def on_files(files: Files, config: MkDocsConfig) -> Files:
    files.append(File.generated(config, "api.md", content=api_markdown()))
    executed = notebook_dir()
    if executed.name != "notebooks":  # the notebooks' pages are notebooks/NAME/ on the site
        raise ValueError(f"CHAINRULE_NOTEBOOKS must name a folder called notebooks: {executed}")
    for name in notebooks():
        # A notebook that was not run (torch missing, say) is shown from its source.
        source = executed if (executed / name).exists() else ROOT / "notebooks"
        # NOTE: a real File (not File.generated): mkdocs-jupyter reads it through src_dir.
        files.append(
            File(
                f"notebooks/{name}",
                src_dir=str(source.parent),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    for name, html in live_pages().items():
        files.append(File.generated(config, f"live/{name}", content=html))
    return files


def on_post_page(output: str, page: Page, config: MkDocsConfig, **_: Any) -> str:
    return WIDGET_LOADER.sub("", EXTERNAL.sub("", output))
