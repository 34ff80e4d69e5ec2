"""The classic 2-2-2 worked example of backpropagation, pinned to its published numbers.

Two inputs, two sigmoid hidden neurons, two sigmoid outputs, one shared bias per layer,
E = sum 1/2 (target - out)**2, one gradient-descent step with learning rate 0.5.
"""

from __future__ import annotations

import pytest

from autograd import Value, gradcheck

INPUTS = (0.05, 0.10)
WEIGHTS = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)  # w1 .. w8
BIASES = (0.35, 0.60)
TARGETS = (0.01, 0.99)


def total_error(w: list[Value], b: list[Value]) -> Value:
    i1, i2 = INPUTS
    h1 = (w[0] * i1 + w[1] * i2 + b[0]).sigmoid()
    h2 = (w[2] * i1 + w[3] * i2 + b[0]).sigmoid()
    o1 = (w[4] * h1 + w[5] * h2 + b[1]).sigmoid()
    o2 = (w[6] * h1 + w[7] * h2 + b[1]).sigmoid()
    t1, t2 = TARGETS
    return 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2


def test_total_error_before_training_is_the_published_0_298371109():
    e = total_error([Value(x) for x in WEIGHTS], [Value(x) for x in BIASES])
    assert e.data == pytest.approx(0.298371109, abs=5e-10)


def test_one_step_with_learning_rate_half_gives_the_published_weights():
    w = [Value(x) for x in WEIGHTS]
    b = [Value(x) for x in BIASES]
    total_error(w, b).backward()
    after = [p.data - 0.5 * p.grad for p in w]
    assert after[4] == pytest.approx(0.35891648, abs=5e-9)  # w5
    assert after[0] == pytest.approx(0.149780716, abs=5e-10)  # w1
    # the published intermediate gradients: dE/dw5 and dE/dw1
    assert w[4].grad == pytest.approx(0.082167041, abs=5e-10)
    assert w[0].grad == pytest.approx(0.000438568, abs=5e-10)


def test_the_engine_gradients_of_the_worked_example_match_finite_differences():
    def f(*params: Value) -> Value:
        return total_error(list(params[:8]), list(params[8:]))

    assert gradcheck(f, *WEIGHTS, *BIASES, tol=1e-7)


# --- nn.worked_example: the same network, named as the tutorial names it ---


def test_every_published_number_is_the_engines_rounded_to_the_digits_printed():
    from nn import worked_example
    from nn.worked import published_items

    ex = worked_example()
    after = ex.updated()
    for key, published in published_items().items():
        engine = after[key.removesuffix(" after")] if key.endswith(" after") else ex.engine(key)
        digits = len(repr(published).split(".")[1])
        assert round(engine, digits) == pytest.approx(published, abs=1e-12), key


def test_the_worked_example_names_each_quantity_as_the_tutorial_does():
    from nn import worked_example

    ex = worked_example()
    assert ex.values["net_h1"].data == pytest.approx(0.3775, abs=1e-15)
    assert ex.values["out_h1"].data == pytest.approx(0.593269992, abs=5e-10)
    assert ex.values["net_o1"].grad == pytest.approx(0.138498562, abs=5e-10)  # delta_o1
    assert ex.E_total.label == "E_total" and ex.values["out_o1"].label == "out_o1"
    assert "published" in ex.compare() and "grad w5" in ex.compare()


def test_the_worked_example_page_steps_by_layer_with_the_published_numbers_beside():
    from nn import worked_example

    page = worked_example().explore().to_html()
    data = page_data(page)["by_layer"]
    names = [(s["phase"], s["name"]) for s in data["steps"]]
    assert names == [
        ("forward", "layer 1 (hidden)"),
        ("forward", "layer 2 (output)"),
        ("forward", "the output E_total"),
        ("backward", "the output E_total"),
        ("backward", "layer 2 (output)"),
        ("backward", "layer 1 (hidden)"),
    ]
    hidden, output = data["steps"][0], data["steps"][4]
    assert "net_h1 = w1·0.05 + w2·0.1 + b1 = 0.3775" in hidden["caption"]
    assert "generalized delta rule" in output["caption"]
    assert "δ net_o1 = ∂E_total/∂net_o1" in output["caption"]
    assert ["grad w5", 0.082167041, pytest.approx(0.082167040564, abs=1e-12)] in output["published"]


def page_data(page: str) -> dict:
    import json
    import re

    m = re.search(r'<script type="application/json" data-role="data">(.*?)</script>', page, re.S)
    assert m is not None
    return json.loads(m.group(1))
