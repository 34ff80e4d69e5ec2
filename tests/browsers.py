"""Headless Chromium for the browser tests (launched as ``benchmarks.browser`` does). Importing
this module skips the importing test module, with the reason, where Playwright or Chromium is
missing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import Value, explore
from benchmarks.browser import chromium, find_chromium

pytest.importorskip(
    "playwright.sync_api", reason="browser tests need Playwright: pip install -e '.[browser]'"
)
if find_chromium() is None:
    pytest.skip(
        "browser tests need Chromium on PATH (apt-get install chromium) or $CHROMIUM",
        allow_module_level=True,
    )

__all__ = ["chromium", "Page", "explore_pages"]


class Page:
    """A saved page opened in a new tab, keeping its page errors, console errors and every
    request for anything but a local file (a page must not touch the network) in ``errors``."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 720})
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on(
            "request", lambda r: None if r.url.startswith("file:") else self.errors.append(r.url)
        )
        self.page.goto(path.as_uri())

    def role(self, name: str) -> Any:
        return self.page.locator(f'[data-role="{name}"]')


def explore_pages(
    browser: Any, folder: Path, page: Callable[[Any, Path], Any]
) -> Iterator[Callable[..., Any]]:
    """For a fixture: ``load(root, **explore_kwargs)`` saves ``explore(root)`` into ``folder``
    and opens it as ``page(browser, path)``; every page opened is closed afterwards."""
    pages: list[Any] = []

    def load(root: Value, **kw: Any) -> Any:
        path = folder / f"explore{len(pages)}.html"
        explore(root, **kw).to_html(path)
        pages.append(page(browser, path))
        return pages[-1]

    yield load
    for p in pages:
        p.page.close()
