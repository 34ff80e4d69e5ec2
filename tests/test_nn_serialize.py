"""save/load: exact round trips, rebuilt models, clear errors that leave the model unchanged."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, Layer, Module, Neuron, load, save

any_finite = st.floats(allow_nan=False, allow_infinity=False)


@given(st.lists(any_finite, min_size=9, max_size=9))
def test_round_trip_is_bit_exact_for_any_finite_floats(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("rt") / "m.json"
    model = MLP(2, [2, 1], seed=0)
    model.set_parameters(values)
    save(model, path)
    again = load(path, MLP(2, [2, 1], seed=1))
    got = [p.data for p in again.parameters()]
    assert [math.copysign(1.0, g) for g in got] == [math.copysign(1.0, v) for v in values]
    assert got == values


def test_load_without_a_model_rebuilds_the_same_mlp(tmp_path):
    model = MLP(3, [5, 4, 2], "tanh", out_activation="sigmoid", seed=7)
    save(model, tmp_path / "m.json")
    again = load(tmp_path / "m.json")
    assert isinstance(again, MLP) and again is not model
    assert repr(again) == repr(model)
    assert again.state_dict() == model.state_dict()
    x = [0.1, -0.2, 0.3]
    assert [v.data for v in again(x)] == [v.data for v in model(x)]


@pytest.mark.parametrize(
    "make", [lambda: Neuron(4, "leaky_relu", seed=0), lambda: Layer(3, 2, bias=False, seed=0)]
)
def test_neurons_and_layers_rebuild_too(tmp_path, make):
    model = make()
    save(model, str(tmp_path / "m.json"))
    again = load(str(tmp_path / "m.json"))
    assert type(again) is type(model) and repr(again) == repr(model)
    assert again.state_dict() == model.state_dict()


def test_file_is_plain_json_with_named_parameters(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    save(model, tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["format"] == "chainrule.nn" and doc["class"] == "MLP"
    assert doc["config"]["nouts"] == [2, 1]
    assert list(doc["parameters"]) == [name for name, _ in model.named_parameters()]


def test_loading_into_a_different_shape_names_the_mismatch_and_changes_nothing(tmp_path):
    save(MLP(2, [4, 1], seed=0), tmp_path / "m.json")
    other = MLP(2, [3, 1], seed=0)
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"does not match the model.*missing.*unexpected"):
        load(tmp_path / "m.json", other)
    assert other.state_dict() == before


@pytest.mark.parametrize(
    "text, match",
    [
        ("not json", "not a chainrule model file"),
        ('{"hello": 1}', "no format tag"),
        ("[1, 2]", "no format tag"),
        ('{"format": "chainrule.nn", "version": 99, "parameters": {}}', "version 99"),
        ('{"format": "chainrule.nn", "version": 1}', "no parameter table"),
        (
            '{"format": "chainrule.nn", "version": 1, "class": "MLP", "config": {"nin": 2}, '
            '"parameters": {}}',
            "bad model config",
        ),
        (
            '{"format": "chainrule.nn", "version": 1, "class": "Mine", "config": null, '
            '"parameters": {}}',
            "cannot be rebuilt",
        ),
    ],
)
def test_bad_files_get_one_clear_error(tmp_path, text, match):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load(path)


def test_a_non_number_in_the_file_is_reported_with_its_name(tmp_path):
    model = MLP(2, [1], seed=0)
    save(model, tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    doc["parameters"]["layers.0.neurons.0.w.1"] = "0.5"
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="layers.0.neurons.0.w.1"):
        load(tmp_path / "m.json", model)


def test_custom_modules_save_and_load_into_an_instance(tmp_path):
    class Scale(Module):
        def __init__(self) -> None:
            self.k = Value(1.5)
            self.inner = Neuron(2, seed=0)

        def forward(self, x):
            return self.k * self.inner(x)

    m = Scale()
    save(m, tmp_path / "s.json")
    with pytest.raises(ValueError, match="pass it: load\\(path, model\\)"):
        load(tmp_path / "s.json")
    fresh = Scale()
    fresh.k.data = 0.0
    assert load(tmp_path / "s.json", fresh).k.data == 1.5


def test_save_refuses_nan_and_writes_nothing(tmp_path):
    model = MLP(2, [1], seed=0)
    model.parameters()[1].data = math.nan
    with pytest.raises(ValueError, match="layers.0.neurons.0.w.1 is nan"):
        save(model, tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TypeError, match="expected a Module"):
        save([1.0], tmp_path / "m.json")
