"""The playground page in headless Chromium: it steps, plays, takes a learning rate, resets,
hands out its weights, matches Python's SGD loop, survives bad input, asks the network for
nothing; and, once, its weights reach the Python model through a real JupyterLab."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from browsers import chromium

import nn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Any:
    with chromium() as b:
        yield b


def moons(n: int = 40) -> tuple[list[list[float]], list[int]]:
    X, y = nn.make_moons(n, noise=0.1, seed=1)
    return [list(r) for r in X], list(y)


def mlp() -> nn.MLP:
    return nn.MLP(2, [8, 8, 1], seed=3)


class Page:
    """A saved playground in a tab, with every page error, console error and request kept."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1100, "height": 760})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())
        self.role("loss").wait_for()

    def role(self, name: str) -> Any:
        return self.page.locator(f'[data-role="{name}"]')

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.role("train-step").click()

    def weights(self) -> dict[str, float]:
        return dict(json.loads(self.role("weights").get_attribute("data-json")))

    def loss(self) -> float:
        return float(self.role("loss").get_attribute("data-value"))

    def steps(self) -> int:
        return int(self.page.locator(".crp-steps").inner_text().split()[-1])

    def set_lr(self, text: str) -> None:
        self.role("lr").fill(text)
        self.role("lr").press("Enter")

    def message(self) -> str:
        return str(self.role("message").inner_text())

    def network_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file:", "data:"))]


@pytest.fixture
def open_page(browser: Any, tmp_path: Path) -> Any:
    pages: list[Page] = []

    def load(pg: nn.Playground) -> Page:
        path = tmp_path / f"playground{len(pages)}.html"
        pg.to_html(path)
        pages.append(Page(browser, path))
        return pages[-1]

    yield load
    for p in pages:
        p.page.close()


def python_sgd(model: nn.Module, X: Any, y: Any, lr: float, steps: int, l2: float = 0.0) -> None:
    """The loop the page must equal: full batch, hinge + l2, plain SGD."""
    params = model.parameters()
    for _ in range(steps):
        model.zero_grad()
        total = nn.hinge([model(x) for x in X], y)
        if l2:
            total = total + nn.l2(params, l2)
        total.backward()
        for p in params:
            p.data -= lr * p.grad


def max_relative_error(a: dict[str, float], b: dict[str, float]) -> float:
    assert a.keys() == b.keys()
    return max(abs(a[k] - b[k]) / max(abs(b[k]), 1e-300) for k in a)


def test_page_draws_everything_without_errors_or_network_and_screenshot_is_written(
    open_page: Any, tmp_path: Path
):
    X, y = moons()
    p = open_page(nn.playground(mlp(), X, y))
    assert p.page.locator(".crp-neuron").count() == 2 + 8 + 8 + 1
    assert p.page.locator(".crp-edge").count() == 2 * 8 + 8 * 8 + 8
    assert p.page.locator(".crp-point").count() == len(X)
    assert p.role("boundary").get_attribute("d").startswith("M")
    p.step(30)
    shot = tmp_path / "playground.png"
    p.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    assert p.errors == [] and p.network_requests() == []


def test_twenty_steps_in_the_page_equal_pythons_sgd_loop(open_page: Any):
    X, y = moons()
    model = mlp()
    p = open_page(nn.playground(model, X, y, lr=0.05, l2=1e-3))
    p.step(20)
    assert p.steps() == 20
    python_sgd(model, X, y, lr=0.05, steps=20, l2=1e-3)
    assert max_relative_error(p.weights(), model.state_dict()) <= 1e-9
    total = nn.hinge([model(x) for x in X], y) + nn.l2(model, 1e-3)
    assert p.loss() == pytest.approx(total.data, rel=1e-9)
    assert p.errors == []


LOSS_DATA = {
    "hinge": lambda X, y: y,
    "bce": lambda X, y: [(t + 1) // 2 for t in y],
    "mse": lambda X, y: [float(t) for t in y],
}


@pytest.mark.parametrize("loss", ["hinge", "bce", "mse", "cross_entropy"])
def test_every_loss_trains_in_the_page_as_in_python(open_page: Any, loss: str):
    if loss == "cross_entropy":
        X, y = nn.make_spiral(30, classes=3, seed=1)
        X, y = [list(r) for r in X], list(y)

        def model_() -> nn.MLP:
            return nn.MLP(2, [6, 3], seed=2)
    else:
        X, y = moons()
        y = LOSS_DATA[loss](X, y)

        def model_() -> nn.MLP:
            return nn.MLP(2, [6, 1], seed=2)

    model = model_()
    p = open_page(nn.playground(model, X, y, loss=loss, lr=0.05))
    assert p.role("train-step").is_enabled() and p.page.locator(".crp-notes").inner_text() == ""
    p.step(10)
    params = model.parameters()
    for _ in range(10):
        model.zero_grad()
        nn.train.LOSSES[loss]([model(x) for x in X], y).backward()
        for q in params:
            q.data -= 0.05 * q.grad
    assert max_relative_error(p.weights(), model.state_dict()) <= 1e-9
    assert p.role("boundary").get_attribute("d").startswith("M")
    assert p.errors == []


def test_a_step_moves_the_weights_the_loss_and_the_boundary(open_page: Any):
    X, y = moons()
    model = mlp()
    p = open_page(nn.playground(model, X, y, lr=0.1))
    w0, loss0, d0 = p.weights(), p.loss(), p.role("boundary").get_attribute("d")
    assert w0 == model.state_dict()
    p.step()
    assert p.steps() == 1 and p.weights() != w0 and p.loss() < loss0
    assert p.role("boundary").get_attribute("d") != d0
    assert p.errors == []


def test_play_trains_until_paused(open_page: Any):
    X, y = moons()
    p = open_page(nn.playground(mlp(), X, y))
    p.role("train-play").click()
    p.page.wait_for_function("document.querySelector('.crp-steps').textContent !== 'step 0'")
    p.page.wait_for_timeout(300)
    p.role("train-play").click()
    n = p.steps()
    assert n >= 2
    p.page.wait_for_timeout(200)
    assert p.steps() == n
    assert p.errors == []


def test_learning_rate_field_takes_a_new_rate_and_refuses_zero_or_negative(open_page: Any):
    X, y = moons()
    model = mlp()
    p = open_page(nn.playground(model, X, y, lr=0.1))
    for bad in ("0", "-0.5", "abc", ""):
        p.set_lr(bad)
        assert "learning rate must be a number > 0" in p.message()
        assert "still using 0.1" in p.message()
    p.step()  # still at 0.1
    python_sgd(model, X, y, lr=0.1, steps=1)
    assert max_relative_error(p.weights(), model.state_dict()) <= 1e-12
    p.set_lr("0.02")
    p.step()
    python_sgd(model, X, y, lr=0.02, steps=1)
    assert max_relative_error(p.weights(), model.state_dict()) <= 1e-12
    assert p.errors == []


def test_reset_brings_back_the_models_weights_and_loss(open_page: Any):
    X, y = moons()
    model = mlp()
    p = open_page(nn.playground(model, X, y))
    loss0 = p.loss()
    p.step(5)
    p.role("reset").click()
    assert p.weights() == model.state_dict() and p.loss() == loss0 and p.steps() == 0
    assert p.errors == []


def test_a_step_that_makes_the_loss_non_finite_stops_and_keeps_the_last_weights(open_page: Any):
    X, y = moons()
    p = open_page(nn.playground(mlp(), X, y))
    p.step(2)
    kept = p.weights()
    p.set_lr("1e308")
    p.role("train-play").click()
    p.page.wait_for_function("document.querySelector('[data-role=message]').textContent !== ''")
    assert "training stopped" in p.message() and "still those of step 2" in p.message()
    assert p.weights() == kept and p.steps() == 2
    assert p.role("train-play").inner_text() == "▶ play"
    p.set_lr("0.1")
    p.step()  # still usable
    assert p.steps() == 3 and p.errors == []


def test_weights_json_loads_into_the_model_with_load_state_dict(open_page: Any):
    X, y = moons()
    model = mlp()
    p = open_page(nn.playground(model, X, y))
    p.step(3)
    text = p.page.locator(".crp-weights textarea").input_value()
    assert json.loads(text) == p.weights()
    fresh = mlp()
    fresh.load_state_dict(json.loads(text))
    assert fresh.state_dict() == p.weights()
    assert p.role("download").get_attribute("download") == "weights.json"
    assert json.loads(unquote(p.role("download").get_attribute("href").split(",", 1)[1])) == (
        p.weights()
    )
    p.page.locator(".crp-weights summary").click()  # the panel opens
    p.role("copy").click()
    assert "on the clipboard" in p.message() or "press Ctrl+C" in p.message()
    assert p.errors == []


def test_a_ten_thousand_parameter_model_says_what_it_cannot_show_and_stays_usable(
    open_page: Any,
):
    X, y = moons(100)
    p = open_page(nn.playground(nn.MLP(2, [98, 98, 1], seed=0), X, y))
    notes = p.page.locator(".crp-notes").inner_text()
    assert "10,095 parameters" in notes and "draws up to 64" in notes
    assert p.role("train-step").is_disabled() and p.role("train-play").is_disabled()
    assert p.role("boundary").count() == 1 and p.page.locator(".crp-point").count() == 100
    assert len(p.weights()) == 10_095
    assert p.errors == [] and p.network_requests() == []


# --- the kernel sync, in a real JupyterLab ---


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_jupyterlab_widget_sends_its_weights_to_the_python_model_on_apply(
    browser: Any, tmp_path: Path
):
    for module in ("jupyterlab", "anywidget", "ipykernel", "nbformat"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"the JupyterLab test needs {module}: pip install -e '.[browser]'")
    import nbformat

    cells = [
        "import nn\n"
        "X, y = nn.make_moons(30, noise=0.1, seed=1)\n"
        "model = nn.MLP(2, [4, 1], seed=0)\n"
        "before = model.state_dict()\n"
        "pg = nn.playground(model, X, y, lr=0.1)\n"
        "pg",
        "print('UNCHANGED' if model.state_dict() == before else 'CHANGED', pg.steps)",
        "pg.apply()\n"
        "ref = nn.MLP(2, [4, 1], seed=0)\n"
        "for _ in range(pg.steps):\n"
        "    ref.zero_grad()\n"
        "    nn.hinge([ref(x) for x in X], y).backward()\n"
        "    for q in ref.parameters():\n"
        "        q.data -= 0.1 * q.grad\n"
        "a, b = model.state_dict(), ref.state_dict()\n"
        "err = max(abs(a[k] - b[k]) / abs(b[k]) for k in a)\n"
        "print('APPLIED' if err <= 1e-9 else f'DIFFERENT {err}', pg.steps)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, tmp_path / "sync.ipynb")
    port, token = free_port(), "chainrule-test-token"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path}", f"--LabApp.workspaces_dir={tmp_path / 'ws'}",
            "--allow-root", "--LabApp.extension_manager=readonly", "--LabApp.news_url=",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        deadline = time.monotonic() + 60
        while True:  # wait for the server to listen
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no jupyter lab"
                time.sleep(0.3)
        page.goto(f"http://127.0.0.1:{port}/lab/tree/sync.ipynb?token={token}")
        cells_ = page.locator(".jp-NotebookPanel .jp-Cell")
        cells_.nth(2).wait_for(timeout=60_000)
        # a cell run before the kernel is up is dropped: wait for it to say Idle
        page.locator(".jp-StatusBar-TextItem", has_text="| Idle").wait_for(timeout=60_000)

        def run(i: int) -> None:
            cells_.nth(i).locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")

        run(0)
        step = page.locator('.jp-OutputArea [data-role="train-step"]')
        step.wait_for(timeout=60_000)
        for _ in range(3):
            step.click()
        page.wait_for_function(
            "document.querySelector('.jp-OutputArea .crp-steps').textContent === 'step 3'"
        )
        page.wait_for_timeout(500)  # the last step's weights reach the kernel
        run(1)
        out1 = cells_.nth(1).locator(".jp-OutputArea-output")
        out1.wait_for(timeout=30_000)
        assert out1.inner_text().strip() == "UNCHANGED 3"
        run(2)
        out2 = cells_.nth(2).locator(".jp-OutputArea-output")
        out2.wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "jupyterlab.png"))
        assert out2.inner_text().strip() == "APPLIED 3"
        assert [e for e in errors if "crp" in e or "playground" in e] == []
    finally:
        page.close()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
