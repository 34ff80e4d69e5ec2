"""The documentation site (mkdocs.yml) in headless Chromium, served from a local file server:
the API page has every public name, the live pages embedded in it respond to clicks, and no
page loads anything from another host. Uses the site .ci/run built ($CHAINRULE_SITE), else
builds one (needs the docs extra). Skipped, with the reason, where a tool is missing."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from browsers import chromium

import autograd
import nn

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = os.environ.get("CHAINRULE_SITE")
    if built and (Path(built) / "index.html").exists():
        return Path(built)
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("the site tests need the docs extra: pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("site")
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)]
    subprocess.run(cmd, cwd=ROOT, check=True)
    return out


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no line per request in the log
        pass


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


class Visit:
    """A page of the site, with its JS errors and every request to another host (refused)."""

    def __init__(self, browser: Any, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self.local_only)
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")

    def local_only(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()


@pytest.fixture
def visit(browser: Any, server: str) -> Iterator[Any]:
    visits: list[Visit] = []

    def open_(path: str) -> Visit:
        visits.append(Visit(browser, server + path))
        return visits[-1]

    yield open_
    for v in visits:
        v.page.close()


def test_api_page_has_an_entry_for_every_public_name(visit: Any):
    v = visit("api/")
    ids = v.page.eval_on_selector_all("h3[id]", "hs => hs.map(h => h.id)")
    names = {i.rsplit(".", 1)[-1] for i in ids}
    public = {n for n in [*autograd.__all__, *nn.__all__] if not n.startswith("__")}
    assert {"Value", "backward", "MLP", "fit", "explore", "draw_dot"} <= names
    assert public - names == set()
    text = v.page.locator("[id='autograd.value.Value']").locator("xpath=..").inner_text()
    assert "data" in text  # the docstring is rendered, not only the name
    assert v.errors == []


def test_every_kind_of_page_loads_nothing_from_another_host(visit: Any, tmp_path: Path):
    notebooks = [f"notebooks/{p.stem}/" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    for path in ["", "api/", "play/", "live/neuron.html", "live/moons.html", *notebooks]:
        v = visit(path)
        assert v.outside == [], path
        assert v.errors == [], path
    v.page.screenshot(path=str(tmp_path / "neuron.png"))


def test_notebook_page_shows_the_notebook_code(visit: Any):
    path = sorted((ROOT / "notebooks").glob("*.ipynb"))[0]
    cell = next(c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
    v = visit(f"notebooks/{path.stem}/")
    assert cell["source"][0].strip() in v.page.locator("article").inner_text()


def test_embedded_neuron_page_answers_a_click(visit: Any, tmp_path: Path):
    v = visit("play/")
    frame = v.page.frame_locator('iframe[data-page="neuron"]')
    nodes = frame.locator(".cr-graph [data-node]")
    assert nodes.count() == 10
    frame.locator('.cr-graph [data-node="n9"]').click()  # the output, last in topological order
    details = frame.locator('[data-role="details"]').inner_text()
    assert "tanh" in details and "0.7071" in details
    v.page.screenshot(path=str(tmp_path / "play.png"), full_page=True)
    assert v.errors == [] and v.outside == []


def test_embedded_moons_playground_trains_a_step(visit: Any, tmp_path: Path):
    v = visit("play/")
    frame = v.page.frame_locator('iframe[data-page="moons"]')
    loss = frame.locator('[data-role="loss"]')
    before = loss.get_attribute("data-value")
    frame.locator('[data-role="train-step"]').click()
    v.page.wait_for_function(
        "b => document.querySelector('iframe[data-page=moons]').contentDocument"
        ".querySelector('[data-role=loss]').getAttribute('data-value') !== b",
        arg=before,
    )
    assert float(loss.get_attribute("data-value")) < float(before)
    frame.locator('[data-role="boundary"]').wait_for()
    v.page.locator('iframe[data-page="moons"]').screenshot(path=str(tmp_path / "moons.png"))
    assert v.errors == [] and v.outside == []
