"""The editable explore page in Chromium: one edit of a weight on the README's moons loss
(7,142 values), recomputed by the page's engine (autograd/web) and redrawn.

Run ``python -m benchmarks.web_edit`` (needs the ``browser`` extra and Debian's chromium). Prints
the recompute time per edit (median and worst of 30, from the page's own ``data-ms``: engine
forward + backward and the page's redraw) and the worst relative difference of the page's
values and gradients from Python's after the edits are undone. No timing is asserted anywhere.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

import nn
from autograd import explore, topological_order
from autograd.web import program
from benchmarks.browser import chromium


def main(argv: list[str]) -> int:
    X, y = nn.make_moons(n=100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    loss = nn.hinge([model(x) for x in X], y) + nn.l2(model, 1e-4)
    loss.backward()
    nodes = len(topological_order(loss))
    path = Path(tempfile.mkdtemp()) / "moons.html"
    explore(loss, names=model).to_html(path)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(path.as_uri())
        times = []
        box = page.locator('[data-role="value-input"]')
        start = box.input_value()
        for k in range(30):
            box.fill(repr(float(start) + 0.001 * (k + 1)))
            box.press("Enter")
            times.append(float(page.locator('[data-role="edit"]').get_attribute("data-ms")))
        page.locator('[data-role="reset"]').click()
        prog = program(loss)
        js = page.evaluate(
            """() => { const p = new chainrule.Program(document.querySelector(
              '[data-role="data"]') && JSON.parse(document.querySelector('[data-role="data"]')
              .textContent).edit.program); p.forward(); p.backward();
              return [Array.from(p.values), Array.from(p.grads)]; }"""
        )
    order = topological_order(loss)
    worst = 0.0
    for py, got in ((prog["values"], js[0]), ([v.grad for v in order], js[1])):
        for a, b in zip(py, got, strict=True):
            if a != b:
                worst = max(worst, abs(a - b) / max(abs(a), abs(b)))
    print(
        f"moons loss: {nodes} values; an edit recomputes and redraws in "
        f"{statistics.median(times):.1f} ms (median of 30), worst {max(times):.1f} ms"
    )
    print(f"page vs Python, every value and gradient: worst relative difference {worst:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
