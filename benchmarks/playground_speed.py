"""The playground in Chromium: MLP(2, [8, 8, 1]) trained on 100 moons points in the page.

Run ``python -m benchmarks.playground_speed`` (needs the ``browser`` extra and Debian's
chromium). Prints the steps per second while playing (the page aims at 60, redrawing network,
heat maps, boundary and loss curve once per animation frame); how long a click waits while it
plays (the delay of a task queued every 50 ms, 40 times: median and worst); the time of one
step (the update, then the engine's forward and backward at the new weights) and of one
redraw; and the worst relative difference of the page's weights from the Python loop's after
20 steps. No timing is asserted anywhere.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

import nn
from benchmarks.browser import chromium


def main(argv: list[str]) -> int:
    X, y = nn.make_moons(n=100, noise=0.1, seed=1)
    model = nn.MLP(2, [8, 8, 1], seed=1)
    path = Path(tempfile.mkdtemp()) / "playground.html"
    nn.playground(model, X, y, lr=0.1).to_html(path)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(path.as_uri())
        root = page.locator(".crp")
        steps, draws = [], []
        for _ in range(20):
            page.locator('[data-role="train-step"]').click()
            steps.append(float(root.get_attribute("data-step-ms")))
            draws.append(float(root.get_attribute("data-draw-ms")))
        weights = json.loads(page.locator('[data-role="weights"]').get_attribute("data-json"))
        page.locator('[data-role="reset"]').click()
        play = page.locator('[data-role="train-play"]')
        play.click()
        t0 = page.evaluate("performance.now()")
        page.wait_for_timeout(3000)
        wait = page.evaluate(
            """() => new Promise((done) => {
              const waits = [];
              const probe = () => {
                const t = performance.now();
                setTimeout(() => {
                  waits.push(performance.now() - t);
                  if (waits.length < 40) setTimeout(probe, 50);
                  else done(waits.sort((a, b) => a - b));
                }, 0);
              };
              probe();
            })"""
        )
        play.click()
        seconds = (page.evaluate("performance.now()") - t0) / 1000
        played = int(page.locator(".crp-steps").inner_text().split()[-1])
    params = model.parameters()
    for _ in range(20):
        model.zero_grad()
        nn.hinge([model(x) for x in X], y).backward()
        for q in params:
            q.data -= 0.1 * q.grad
    ref = model.state_dict()
    worst = max(abs(weights[k] - ref[k]) / abs(ref[k]) for k in ref if ref[k])
    print(
        f"MLP(2, [8, 8, 1]) on 100 points: {played / seconds:.1f} steps/s while playing "
        f"({played} steps in {seconds:.1f} s); a click waits {statistics.median(wait):.0f} ms "
        f"(median; worst {wait[-1]:.0f} ms) while it plays"
    )
    print(
        f"one step {statistics.median(steps):.2f} ms, one redraw {statistics.median(draws):.1f} ms "
        "(medians of 20)"
    )
    print(f"page vs Python after 20 steps: worst relative difference {worst:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
