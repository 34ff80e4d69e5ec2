"""Shared by the torch tests: random MLPs (hypothesis), the skip reason, and parameters of a
torch Sequential read in ``nn``'s order (per neuron: its weights, then its bias)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from strategies import away_from_zero, reals

import nn

NEEDS_TORCH = "needs PyTorch (pip install 'chainrule[torch]'); .ci/torch runs these tests"
ACTIVATIONS = sorted(nn.ACTIVATIONS)


@st.composite
def mlps(draw: st.DrawFn, nout: int | None = None, max_nout: int = 3) -> nn.MLP:
    """An MLP of 1-3 layers with any activation per layer, biases or not per layer, no weight 0."""
    nin = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 5), max_size=2))
    last = nout if nout is not None else draw(st.integers(1, max_nout))
    model = nn.MLP(
        nin,
        [*hidden, last],
        activation=draw(st.sampled_from(ACTIVATIONS)),
        out_activation=draw(st.sampled_from(ACTIVATIONS)),
        bias=draw(st.booleans()),
        init=draw(st.sampled_from(sorted(nn.INITS))),
        seed=draw(st.integers(0, 2**16)),
    )
    if draw(st.booleans()):  # also layers that differ from each other
        for layer in model.layers:
            act, bias = draw(st.sampled_from(ACTIVATIONS)), draw(st.booleans())
            for n in layer.neurons:
                n.activation = act
                if not bias:
                    n.b = 0.0
    # NOTE: biases drawn away from 0, not left at nn's 0.0. A parameter at exactly 0 whose
    # gradient should cancel to 0 (balanced labels) gets 0 in one engine and 1 ulp in the other,
    # and Adam's L2 weight decay, normalised by sqrt(v), grows that to an O(lr) step.
    for p in model.parameters():
        if p.data == 0.0:
            p.data = draw(away_from_zero(0.05, 1.0))
    return model


def inputs(nin: int, max_rows: int = 5) -> st.SearchStrategy[list[list[float]]]:
    return st.lists(
        st.lists(reals(-2, 2), min_size=nin, max_size=nin), min_size=1, max_size=max_rows
    )


def torch_flat(net: Any, grad: bool = False) -> list[float]:
    """The Sequential's weights (or their .grad) in the order of ``nn`` ``parameters()``."""
    out: list[float] = []
    for m in net:
        if type(m).__name__ != "Linear":
            continue
        w = m.weight.grad if grad else m.weight
        b = None if m.bias is None else (m.bias.grad if grad else m.bias)
        for j in range(m.out_features):
            out.extend(w[j].tolist())
            if b is not None:
                out.append(b[j].item())
    return out


def close(a: float, b: float, rel: float = 1e-10) -> bool:
    """|a - b| <= rel * max(1, |a|, |b|): relative, but absolute near 0."""
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def all_close(xs: list[float], ys: list[float], rel: float = 1e-10) -> bool:
    return len(xs) == len(ys) and all(close(x, y, rel) for x, y in zip(xs, ys, strict=True))
