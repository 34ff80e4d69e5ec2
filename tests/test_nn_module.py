"""Module: parameter discovery, names, zero_grad, train/eval, repr, state dicts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, Layer, Module, Neuron, load, save


class Pair(Module):
    """Two neurons in a dict, one shared scale parameter held twice, and a private Value."""

    def __init__(self) -> None:
        self.scale = Value(2.0)
        self.parts = {"left": Neuron(2, seed=0), "right": Neuron(2, seed=1)}
        self.again = self.scale  # the same Value under a second name: one parameter
        self._cache = Value(99.0)  # private: not a parameter
        self.note = "text"  # neither Value nor Module: ignored

    def forward(self, x):
        return self.scale * (self.parts["left"](x) + self.parts["right"](x))


def test_mlp_parameter_count_is_sum_over_neurons_of_inputs_plus_bias():
    model = MLP(2, [16, 16, 1], seed=0)
    assert len(model.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 == 337
    assert model.num_parameters() == 337


def test_parameters_is_a_list_in_neuron_order_weights_then_bias():
    layer = Layer(3, 2, seed=0)
    params = layer.parameters()
    assert isinstance(params, list)
    n0, n1 = layer.neurons
    assert params == [*n0.w, n0.b, *n1.w, n1.b]


def test_named_parameters_use_dotted_paths():
    model = MLP(2, [4, 4, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert "layers.1.neurons.3.w.1" in names
    assert names[-1] == "layers.2.neurons.0.b"
    assert len(set(names)) == len(names)
    p = dict(model.named_parameters())["layers.1.neurons.3.w.1"]
    assert p is model.layers[1].neurons[3].w[1]


def test_shared_value_and_dict_submodules_found_once_and_private_skipped():
    m = Pair()
    names = [n for n, _ in m.named_parameters()]
    assert names == [
        "scale",
        "parts.left.w.0",
        "parts.left.w.1",
        "parts.left.b",
        "parts.right.w.0",
        "parts.right.w.1",
        "parts.right.b",
    ]
    assert all(p is not m._cache for p in m.parameters())


def test_a_submodule_held_twice_is_counted_once():
    class Twice(Module):
        def __init__(self) -> None:
            self.a = Neuron(3, seed=0)
            self.b = (self.a, self.a)

    assert len(Twice().parameters()) == 4


def test_zero_grad_clears_every_parameter_after_backward():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_micrograd_style_grad_reset_and_builtin_sum_work():
    model = MLP(2, [3, 1], seed=0)
    out = sum(model(x) for x in ([1.0, 2.0], [0.5, -1.0]))  # builtin sum over Values
    out.backward()
    for p in model.parameters():
        p.grad = 0  # micrograd's way of zeroing
    out.backward()
    fresh = MLP(2, [3, 1], seed=0)
    sum(fresh(x) for x in ([1.0, 2.0], [0.5, -1.0])).backward()
    assert [p.grad for p in model.parameters()] == [p.grad for p in fresh.parameters()]


def test_train_and_eval_reach_every_submodule():
    model = MLP(2, [3, 3, 1], seed=0)
    assert model.eval() is model
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(TypeError):
        model.train("yes")


def test_modules_lists_the_tree_parents_first():
    model = MLP(2, [2, 1], seed=0)
    names = [n for n, _ in model.named_modules()]
    assert names == [
        "",
        "layers.0",
        "layers.0.neurons.0",
        "layers.0.neurons.1",
        "layers.1",
        "layers.1.neurons.0",
    ]


def test_repr_shows_tree_and_parameter_counts():
    text = repr(MLP(2, [16, 16, 1], seed=0))
    lines = text.splitlines()
    assert lines[0] == "MLP(2 -> 16 -> 16 -> 1, 337 parameters)"
    assert lines[1] == "  (layers.0): Layer(2 -> 16, relu, 48 parameters)"
    assert lines[3] == "  (layers.2): Layer(16 -> 1, linear, 17 parameters)"
    assert len(lines) == 4
    custom = repr(Pair()).splitlines()
    assert custom[0] == "Pair(7 parameters)"
    assert custom[1] == "  (parts.left): Neuron(2, relu, 3 parameters)"


def test_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="Empty"):

        class Empty(Module):
            pass

        Empty()(1.0)


def test_state_dict_round_trip_and_mismatch_leaves_model_unchanged():
    a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    before = b.state_dict()
    bad = dict(a.state_dict())
    bad.pop("layers.1.neurons.0.b")
    bad["layers.9.extra"] = 1.0
    with pytest.raises(ValueError, match="missing .*layers.1.neurons.0.b.*unexpected .*layers.9"):
        b.load_state_dict(bad)
    wrong_type = dict(a.state_dict(), **{"layers.0.neurons.0.w.0": "0.5"})
    with pytest.raises(TypeError, match="layers.0.neurons.0.w.0"):
        b.load_state_dict(wrong_type)
    assert b.state_dict() == before


def test_set_parameters_copies_values_in_parameter_order():
    model = MLP(2, [2, 1], seed=0)
    values = [float(i) / 10 for i in range(model.num_parameters())]
    model.set_parameters(iter(values))
    assert [p.data for p in model.parameters()] == values
    # layer 0, neuron 1: w = (0.3, 0.4), b = 0.5; the output neuron: w = (0.6, 0.7), b = 0.8
    assert model([1.0, 1.0]).data == pytest.approx(0.8 + 0.6 * (0.0 + 0.1 + 0.2) + 0.7 * 1.2)


@pytest.mark.parametrize(
    "values, error",
    [
        ([0.0] * 8, ValueError),
        ([0.0] * 10, ValueError),
        ([0.0] * 8 + [None], TypeError),
        ([0.0] * 8 + [float("nan")], ValueError),
        ([True] * 9, TypeError),
    ],
)
def test_set_parameters_rejects_bad_values_without_changing_anything(values, error):
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error):
        model.set_parameters(values)
    assert model.state_dict() == before


def test_overriding_forward_in_a_subclass_changes_what_calling_does():
    class Doubled(Neuron):
        def forward(self, x):
            return super().forward(x) * 2.0

    n = Doubled(2, "linear", seed=0)
    plain = Neuron(2, "linear", seed=0)
    assert n([1.0, 2.0]).data == 2.0 * plain([1.0, 2.0]).data


def test_a_micrograd_style_module_defining_call_keeps_it():
    class Old(Module):
        def __init__(self) -> None:
            self.w = Value(3.0)

        def __call__(self, x):
            return self.w * x

    assert Old()(2.0).data == 6.0 and len(Old().parameters()) == 1


class Holder(Module):
    """A module whose public attributes are given as keyword arguments."""

    def __init__(self, **attributes) -> None:
        vars(self).update(attributes)


@pytest.mark.parametrize(
    "attributes, clash",
    [
        ({"b.0": Value(1.0), "b": [Value(2.0)]}, "b.0"),
        ({"p": {1: Value(1.0), "1": Value(2.0)}}, "p.1"),
    ],
)
def test_two_parameters_with_one_name_are_refused_by_name_but_still_trained(attributes, clash):
    model = Holder(**attributes)
    assert [p.data for p in model.parameters()] == [1.0, 2.0]  # training needs no names
    for call in (model.named_parameters, model.state_dict, lambda: model.load_state_dict({})):
        with pytest.raises(ValueError, match=f"both named '{clash}'"):
            call()
    assert [p.data for p in model.parameters()] == [1.0, 2.0]


keys = st.one_of(st.integers(0, 2), st.sampled_from(["0", "1", "2", "x.0", "x"]))


@given(st.dictionaries(keys, st.floats(-1, 1), max_size=6))
def test_state_dict_either_refuses_a_clash_or_round_trips_every_parameter(entries):
    model = Holder(p={k: Value(v) for k, v in entries.items()}, x=[Value(0.5)])
    try:
        state = model.state_dict()
    except ValueError as e:
        assert "both named" in str(e)
        return
    assert len(state) == model.num_parameters()
    other = Holder(p={k: Value(9.0) for k in entries}, x=[Value(9.0)])
    other.load_state_dict(state)
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]


# --- every walk over modules is iterative: nesting deeper than Python's recursion limit ---


class Box(Module):
    """A module holding the next box, and maybe a parameter: a chain of nested modules."""

    def __init__(self, inner: Module | None, p: Value | None = None) -> None:
        self.p = p
        self.inner = inner


def nested(depth: int) -> Module:
    """``depth`` boxes, one inside the other; parameters in the innermost and the outermost
    (dotted names grow with depth, so a parameter in every box would make names quadratic)."""
    box = Box(None, Value(1.0))
    for _ in range(depth - 2):
        box = Box(box)
    return Box(box, Value(2.0))


def test_ten_thousand_nested_modules_are_walked_by_every_method(tmp_path):
    deep = nested(10_000)
    assert [p.data for p in deep.parameters()] == [2.0, 1.0]
    assert deep.num_parameters() == 2
    assert [n for n, _ in deep.named_parameters()] == ["p", "inner." * 9_999 + "p"]
    assert len(deep.modules()) == 10_000
    assert list(deep.state_dict().values()) == [2.0, 1.0]
    deep.load_state_dict({"p": 3.0, "inner." * 9_999 + "p": 4.0})
    deep.set_parameters([5.0, 6.0])
    deep.zero_grad()
    deep.eval()
    assert not any(m.training for m in deep.modules())
    assert len(deep.draw_groups("neuron")) == 2
    save(deep, tmp_path / "deep.json")
    again = load(tmp_path / "deep.json", nested(10_000))
    assert again.state_dict() == deep.state_dict() and again.p.data == 5.0


def test_parameters_nested_ten_thousand_lists_deep_are_found():
    class Lists(Module):
        def __init__(self) -> None:
            inner: list = [Value(1.0)]
            for _ in range(10_000):
                inner = [inner, Value(2.0)]
            self.ps = inner

    assert len(Lists().parameters()) == 10_001


def test_the_repr_of_modules_nested_past_the_recursion_limit_lists_them_all():
    # past the default limit of 1000 (each line counts its subtree, so repr is quadratic in depth)
    lines = repr(nested(1_100)).splitlines()
    assert len(lines) == 1_100
    assert lines[0] == "Box(2 parameters)"
    assert lines[1] == "  (inner): Box(1 parameters)"
    assert lines[-1] == "  " * 1_099 + "(inner): Box(1 parameters)"


def test_a_list_that_holds_itself_is_walked_once():
    class Loop(Module):
        def __init__(self) -> None:
            self.ps: list = [Value(1.0)]
            self.ps.append(self.ps)

    assert len(Loop().parameters()) == 1
