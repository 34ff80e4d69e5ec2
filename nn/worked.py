"""The classic 2-2-2 worked example of backpropagation, with the tutorial's published numbers.

Matt Mazur's "A Step by Step Backpropagation Example": inputs i1, i2 = 0.05, 0.10; two sigmoid
hidden neurons h1, h2 sharing bias b1; two sigmoid outputs o1, o2 sharing b2; targets 0.01,
0.99; error E_total = E_o1 + E_o2 with E_o = 1/2 (target - out_o)**2. Each neuron is named as
the tutorial names it: net_h1 = w1 i1 + w2 i2 + b1 (one ``dot`` node), out_h1 = sigmoid(net_h1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autograd import Value, dot

INPUTS = {"i1": 0.05, "i2": 0.10}
WEIGHTS = {f"w{k + 1}": x for k, x in enumerate((0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55))}
BIASES = {"b1": 0.35, "b2": 0.60}
TARGETS = {"o1": 0.01, "o2": 0.99}
LEARNING_RATE = 0.5

# The tutorial's numbers as it prints them (rounded there to 9 or so digits). Keys are the
# names the explorer shows: a value's name for its data, "grad <name>" for dE_total/d<name>.
PUBLISHED: dict[str, float] = {
    "net_h1": 0.3775,
    "out_h1": 0.593269992,
    "out_h2": 0.596884378,
    "net_o1": 1.105905967,
    "out_o1": 0.75136507,
    "out_o2": 0.772928465,
    "E_o1": 0.274811083,
    "E_o2": 0.023560026,
    "E_total": 0.298371109,
    "grad out_o1": 0.74136507,
    "grad net_o1": 0.138498562,
    "grad w5": 0.082167041,
    "grad out_h1": 0.036350306,
    "grad w1": 0.000438568,
}
# ... and the weights after one step of gradient descent with learning rate 0.5
PUBLISHED_AFTER: dict[str, float] = {
    "w1": 0.149780716,
    "w2": 0.19956143,
    "w3": 0.24975114,
    "w4": 0.29950229,
    "w5": 0.35891648,
    "w6": 0.408666186,
    "w7": 0.511301270,
    "w8": 0.561370121,
}


class WorkedExample:
    """The 2-2-2 network after one forward and one backward pass: every quantity by its
    tutorial name in ``values`` (``net_h1``, ``out_o1``, ``E_total``, the weights ``w1`` ...)."""

    def __init__(self) -> None:
        p = {n: Value(x, label=n) for n, x in (WEIGHTS | BIASES).items()}
        i = list(INPUTS.values())
        v: dict[str, Value] = dict(p)
        for name, (wa, wb), bias, xs in (
            ("h1", ("w1", "w2"), "b1", i),
            ("h2", ("w3", "w4"), "b1", i),
            ("o1", ("w5", "w6"), "b2", None),
            ("o2", ("w7", "w8"), "b2", None),
        ):
            ins: list[Any] = xs if xs is not None else [v["out_h1"], v["out_h2"]]
            v[f"net_{name}"] = dot([p[wa], p[wb]], ins, p[bias])
            v[f"out_{name}"] = v[f"net_{name}"].sigmoid()
        for o, t in TARGETS.items():
            v[f"E_{o}"] = 0.5 * (t - v[f"out_{o}"]) ** 2
        v["E_total"] = v["E_o1"] + v["E_o2"]
        for name, x in v.items():
            x.label = name
        v["E_total"].backward()
        self.values = v
        self.E_total = v["E_total"]
        self.params = p
        self.published = dict(PUBLISHED)

    def engine(self, key: str) -> float:
        """The engine's number for a key of ``published``: a value's data, or 'grad <name>'."""
        if key.startswith("grad "):
            return self.values[key.removeprefix("grad ")].grad
        return self.values[key].data

    def updated(self, lr: float = LEARNING_RATE) -> dict[str, float]:
        """The weights after one step of gradient descent, w - lr * dE/dw (nothing is changed)."""
        return {n: w.data - lr * w.grad for n, w in self.params.items() if n.startswith("w")}

    def compare(self) -> str:
        """Each published number beside the engine's, and their difference."""
        rows = [(k, x, self.engine(k)) for k, x in self.published.items()]
        rows += [(f"{k} after", x, self.updated()[k]) for k, x in PUBLISHED_AFTER.items()]
        lines = [f"{'':14}{'published':>14}{'engine':>20}{'difference':>12}"]
        lines += [f"{k:14}{p:14.9f}{e:20.15f}{e - p:12.1e}" for k, p, e in rows]
        return "\n".join(lines)

    def explore(self, **kw: Any) -> Any:
        """``autograd.explore(E_total, by='layer', published=...)``: the page, layer by layer."""
        from autograd import explore

        options: dict[str, Any] = {"by": "layer", "published": self.published}
        options.update(kw)
        return explore(self.E_total, **options)

    def __repr__(self) -> str:
        return f"<WorkedExample: 2-2-2 sigmoid net, E_total = {self.E_total.data:.9f}>"


def worked_example() -> WorkedExample:
    """The tutorial's 2-2-2 network, forward and backward done (see ``WorkedExample``)."""
    return WorkedExample()


def published_items() -> Mapping[str, float]:
    """Every published number: PUBLISHED and the weights after one step ('w5 after')."""
    return PUBLISHED | {f"{k} after": x for k, x in PUBLISHED_AFTER.items()}
