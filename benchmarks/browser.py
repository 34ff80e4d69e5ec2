"""Headless Chromium for the page benchmarks and the browser tests: Debian's ``chromium``
through Playwright's Python package (the ``browser`` extra), with the flags that keep it off the
network."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """$CHROMIUM, else chromium (or chromium-browser) on PATH; None when there is none."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium, closed on exit; SystemExit saying what to install if the
    browser or Playwright is missing."""
    path = find_chromium()
    if path is None:
        raise SystemExit("needs chromium on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("needs Playwright: pip install -e '.[browser]'") from None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
