"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright's Python
package (Playwright's own browser download is never used). Importing this module skips the
importing test module, with the reason, where Playwright or Chromium is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need Playwright: pip install -e '.[browser]'"
)
CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
)
if CHROMIUM is None:
    pytest.skip(
        "browser tests need Chromium on PATH (apt-get install chromium) or $CHROMIUM",
        allow_module_level=True,
    )
# NOTE: without the background-networking flags Chromium dials Google's hosts at every start.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium, closed on exit."""
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


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
