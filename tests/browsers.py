"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright's Python
package (Playwright's own browser download is never used). Importing this module skips the
importing test module, with the reason, where Playwright or Chromium is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
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
