"""nn.playground on the Python side: what it refuses, what it leaves alone (the model), the spec
it hands the page, the saved page, and the weights coming back through the widget."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

import nn
from autograd import Value
from nn.playground import MAX_DRAWN, Playground, playground


def moons(n: int = 20) -> tuple[list[list[float]], list[int]]:
    X, y = nn.make_moons(n, noise=0.1, seed=1)
    return [list(r) for r in X], list(y)


def small() -> nn.MLP:
    return nn.MLP(2, [4, 1], seed=0)


# --- what it refuses ---


@pytest.mark.parametrize(
    "X, words",
    [
        ([[1.0, 2.0, 3.0]], "row 0 has 3 values"),
        ([[1.0]], "row 0 has 1 values"),
        ([1.0, 2.0], "row 0 is float"),
        ([], "X is empty"),
        ([[0.0, math.nan]], "finite numbers"),
        ([[0.0, math.inf]], "finite numbers"),
        ([[0.0, "1"]], "finite numbers"),
    ],
)
def test_refuses_data_that_is_not_2d_points(X, words):
    with pytest.raises(ValueError, match="playground") as e:
        playground(small(), X, [1] * max(len(X), 1))
    assert words in str(e.value)


def test_refuses_x_that_is_not_a_list():
    with pytest.raises(TypeError, match="X must be a list of 2-D points"):
        playground(small(), "points", [1])


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, math.nan, math.inf])
def test_refuses_a_learning_rate_that_is_not_positive_and_finite(lr):
    X, y = moons()
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0"):
        playground(small(), X, y, lr=lr)


def test_refuses_wrong_types_and_values_with_the_callers_words():
    X, y = moons()
    with pytest.raises(TypeError, match="lr must be a number"):
        playground(small(), X, y, lr="0.1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0"):
        playground(small(), X, y, l2=-1.0)
    with pytest.raises(ValueError, match="unknown loss 'svm'"):
        playground(small(), X, y, loss="svm")
    with pytest.raises(ValueError, match="20 points but y has 3 labels"):
        playground(small(), X, y[:3])
    with pytest.raises(TypeError, match="model must be a Module"):
        playground(lambda x: x, X, y)  # type: ignore[arg-type]


def test_refuses_a_model_that_does_not_take_two_inputs():
    X, y = moons()
    with pytest.raises(ValueError, match="must take 2 inputs"):
        playground(nn.MLP(3, [4, 1]), X, y)


def test_hinge_labels_are_checked_by_the_loss_with_its_advice():
    X, y = moons()
    with pytest.raises(ValueError, match=r"labels must be -1 or \+1.*2 \* y - 1"):
        playground(small(), X, [(t + 1) // 2 for t in y])


# --- the model is left alone ---


def test_making_and_saving_a_playground_changes_nothing_in_the_model(tmp_path: Path):
    X, y = moons()
    model = small()
    for i, p in enumerate(model.parameters()):
        p.grad = 0.5 + i
    before = [(p.data, p.grad) for p in model.parameters()]
    pg = playground(model, X, y, l2=1e-3)
    pg.to_html(tmp_path / "pg.html")
    pg.state_dict()["layers.0.neurons.0.w.0"] = 99.0
    assert [(p.data, p.grad) for p in model.parameters()] == before


def test_state_dict_without_a_page_is_the_models_weights_as_a_copy():
    X, y = moons()
    model = small()
    pg = playground(model, X, y)
    sd = pg.state_dict()
    assert sd == model.state_dict()
    sd["layers.1.neurons.0.b"] = 7.0
    assert pg.state_dict() == model.state_dict()
    assert pg.steps == 0


# --- what the page is given ---


def test_spec_holds_the_data_the_labels_the_names_and_both_programs():
    X, y = moons()
    model = small()
    pg = playground(model, X, y, loss="hinge", l2=1e-4, lr=0.05)
    s = pg.spec
    assert s["points"] == X and s["labels"] == [float(t) for t in y]
    assert s["names"] == list(model.state_dict()) and s["init"] == list(model.state_dict().values())
    assert (s["lr"], s["l2"], s["loss"], s["classes"], s["threshold"]) == (
        0.05,
        1e-4,
        "hinge",
        1,
        0.0,
    )
    assert s["train"] is not None and s["probe"] is not None
    layers = s["network"]["layers"]
    assert [len(layer) for layer in layers] == [4, 1]
    first = layers[0][0]
    assert [s["names"][i] for i in first["w"]] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
    ]
    assert s["names"][first["b"]] == "layers.0.neurons.0.b" and first["act"] == "relu"
    x0, x1, y0, y1 = s["box"]
    assert x0 < min(p[0] for p in X) and x1 > max(p[0] for p in X)
    assert y0 < min(p[1] for p in X) and y1 > max(p[1] for p in X)
    assert s["notes"] == []


def test_bce_takes_minus_one_plus_one_labels_as_zero_one_like_fit():
    X, y = moons()
    pg = playground(small(), X, y, loss="bce")
    assert sorted(set(pg.spec["labels"])) == [0.0, 1.0]


def test_mse_boundary_is_the_midpoint_of_the_targets():
    X, y = moons()
    pg = playground(small(), X, [(t + 1) / 2 for t in y], loss="mse")
    assert pg.spec["threshold"] == 0.5


def test_a_model_of_ten_thousand_parameters_is_shown_but_not_trained_and_says_why():
    X, y = moons(100)
    model = nn.MLP(2, [98, 98, 1], seed=0)
    assert model.num_parameters() >= 10_000
    pg = playground(model, X, y)
    assert pg.spec["train"] is None and pg.spec["network"] is None
    text = " ".join(pg.spec["notes"])
    assert f"{model.num_parameters():,} parameters" in text and "nn.fit" in text
    assert f"up to {MAX_DRAWN}" in text
    assert "<!DOCTYPE html>" in pg.to_html()


def test_a_module_that_is_not_an_mlp_trains_but_its_network_is_not_drawn():
    class Two(nn.Module):
        def __init__(self) -> None:
            self.w = [Value(0.5), Value(-0.25)]

        def forward(self, x):
            return self.w[0] * x[0] + self.w[1] * x[1]

    X, y = moons()
    pg = playground(Two(), X, y)
    assert pg.spec["network"] is None and pg.spec["train"] is not None
    assert "only its output is drawn" in pg.spec["notes"][0]


# --- the saved page ---


def test_to_html_writes_one_self_contained_page(tmp_path: Path):
    X, y = moons()
    pg = playground(small(), X, y)
    path = tmp_path / "pg.html"
    assert pg.to_html(path) == path  # the path, not the page, for a REPL to show
    page = path.read_text(encoding="utf-8")
    assert page == pg.to_html()
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert 'data-role="train-step"' not in page  # built by the script, not written in the HTML
    assert "standalone(" in page and "crp-spec" in page
    spec = page.split('id="crp-spec">')[1].split("</script>")[0]
    assert json.loads(spec.replace("<\\/", "</"))["names"] == pg.spec["names"]


def test_repr_says_what_it_is_and_how_to_save_it():
    X, y = moons()
    text = repr(playground(small(), X, y))
    assert "17 parameters, 20 points" in text and ".to_html(path)" in text


# --- the widget: weights come back only when asked ---


def test_widget_weights_reach_the_model_only_through_apply():
    pytest.importorskip("anywidget", reason="the widget needs anywidget")
    X, y = moons()
    model = small()
    pg = playground(model, X, y)
    w = pg.widget()
    assert pg.widget() is w and json.loads(w.spec)["names"] == pg.spec["names"]
    before = model.state_dict()
    trained = {name: v + 1.0 for name, v in before.items()}
    w.weights = trained  # what the page sends after a step
    w.steps = 3
    assert pg.state_dict() == trained and pg.steps == 3
    assert model.state_dict() == before
    pg.apply()
    assert model.state_dict() == trained


def test_apply_of_bad_weights_changes_nothing():
    pytest.importorskip("anywidget", reason="the widget needs anywidget")
    X, y = moons()
    model = small()
    pg = playground(model, X, y)
    before = model.state_dict()
    pg.widget().weights = {"layers.0.neurons.0.w.0": 1.0}
    with pytest.raises(ValueError, match="sent 1 weights for 17 parameters"):
        pg.apply()
    assert model.state_dict() == before


def test_without_anywidget_jupyter_shows_the_saved_page_in_an_iframe(monkeypatch):
    module = sys.modules["nn.playground"]  # nn.playground is the function

    def missing() -> None:
        raise ImportError("no anywidget")

    monkeypatch.setattr(module, "_widget_class", missing)
    bundle = playground(small(), *moons())._repr_mimebundle_()
    assert bundle["text/html"].startswith("<iframe srcdoc=") and "crp-spec" in bundle["text/html"]
    assert "Playground: 17 parameters" in bundle["text/plain"]


def test_playground_is_exported_from_nn():
    assert nn.playground is playground and isinstance(playground(small(), *moons()), Playground)
