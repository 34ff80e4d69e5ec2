"""``explore(root, by="layer")``: the page steps a layer at a time, as the classic tutorials do.

A value's *depth* is the most activations on a path from it to the output, itself included;
a layer is one depth: a neuron's net input and its activation share one (net_h1 and out_h1
have depth 2 in a 2-2-2 network, net_o1 and out_o1 depth 1, the error depth 0). A parameter
belongs to the deepest layer that uses it. Forward reveals layer by layer, deepest first (the hidden
layer, then the output layer, then the error); backward the other way (the output layer's δs,
then the hidden layer's), where δ = ∂E/∂net of each activation's input: the generalized delta
rule passes δ backward a layer at a time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from autograd.value import Value
from autograd.viz import format_number, op_kind
from autograd.viz.collapse import natural_key

from .formulas import expression
from .layout import Box
from .view import View, number

MAX_LISTED = 12  # values written out per layer in a caption
DELTA_RULE = (
    "the generalized delta rule: δ = ∂{E}/∂net for each net input of an activation, "
    "= (the activation's gradient) × (its slope); a weight's gradient is the δ of the net "
    "it feeds × the input it multiplies"
)


def depths(view: View) -> dict[Value, int]:
    """{value: activations on the longest path from it to the root, itself included}; a leaf
    gets the depth of the deepest value that takes it (one walk, outputs first)."""
    below: dict[Value, int] = {view.root: 0}  # the most any consumer has
    out: dict[Value, int] = {}
    for v in reversed(view.order):
        d = below.get(v, 0)
        if v._op:
            d += op_kind(v._op) == "activation"
        out[v] = d
        for p in v._parents:
            if below.get(p, -1) < d:
                below[p] = d
    return out


def is_net(v: Value, consumers: Mapping[Value, list[Value]]) -> bool:
    """A net input: a value an activation takes (its δ is the gradient there)."""
    return any(op_kind(c._op) == "activation" for c in consumers.get(v, ()))


def mark_deltas(view: View, boxes: list[Box]) -> None:
    """A net's box says its gradient is its δ: 'δ = grad 0.1385' (before layout, so it fits)."""
    acts = [a for a in view.order if a._op and op_kind(a._op) == "activation"]
    nets = {view.id(v) for a in acts for v in a._parents}
    for b in boxes:
        if b.id in nets and b.kind == "value":
            b.lines = [("δ = " + line if line.startswith("grad ") else line) for line in b.lines]


def layer_data(
    view: View, published: Mapping[str, float] | None, records: Mapping[str, Any]
) -> dict[str, Any]:
    """What the page needs to step by layer: each layer (its name, captions, the published
    numbers beside the engine's, the units lit), the forward and backward layer of each drawn
    unit and each value with a record, and which values are nets (have a δ)."""
    depth = depths(view)
    deepest = max(depth.values())
    levels = sorted(set(depth.values()), reverse=True)
    stage = {d: i for i, d in enumerate(levels)}  # 0: the first layer forward
    members: list[list[Value]] = [[] for _ in levels]
    for v in view.order:
        members[stage[depth[v]]].append(v)
    consumers: dict[Value, list[Value]] = {}
    for c in view.order:
        for p in c._parents:
            consumers.setdefault(p, []).append(c)
    root_name = view.names[view.root]
    net_ids = {view.id(v) for v in view.order if is_net(v, consumers)}
    names = _layer_names(members, root_name, deepest)
    by_name = _published(view, published)

    steps = []
    for i, vs in enumerate(members):
        steps.append(_forward(view, i, names[i], vs, by_name))
    for i in reversed(range(len(members))):
        steps.append(_backward(view, i, names[i], members[i], consumers, by_name, root_name))
    total = len(steps)
    for j, s in enumerate(steps):
        s["caption"] = f"step {j + 1} of {total}: {s['caption']}"
        vs = [v for v in members[s["layer"]] if v._op or s["phase"] == "backward"]
        s["units"] = list(dict.fromkeys(view.unit_of(v) for v in vs))
        shown = [v for v in vs if view.id(v) in records]
        if s["phase"] == "backward":  # the first δ backward makes, else its first value
            shown.sort(key=lambda v: (view.id(v) not in net_ids, view.backward.step_of(v) or 0))
        s["node"] = view.id(shown[0 if s["phase"] == "backward" else -1]) if shown else None

    units: dict[str, list[int]] = {}  # unit -> [forward layer (-1: known at the start), backward]
    for v in view.order:
        u = view.unit_of(v)
        f = stage[depth[v]] if v._op else -1
        b = stage[depth[v]]
        if u not in units:
            units[u] = [f, b]
        else:
            units[u] = [max(units[u][0], f), min(units[u][1], b)]
    nodes = {}
    for v in view.order:
        vid = view.id(v)
        if vid in records:
            nodes[vid] = [stage[depth[v]] if v._op else -1, stage[depth[v]]]
    return {
        "steps": steps,
        "units": units,
        "nodes": nodes,
        "nets": sorted(net_ids & nodes.keys()),
        "root": root_name,
    }


def _named(view: View, v: Value) -> bool:
    """v has a name of its own (from names or its label), not a made-up v<k>."""
    return v in getattr(view.names, "fixed", {})


def _layer_names(members: list[list[Value]], root_name: str, deepest: int) -> list[str]:
    """'layer 1 (hidden)' ... 'layer n (output)'; a last layer with no activation and no
    parameter (the error) is named by the output."""
    n = len(members)
    last = members[-1]
    error_only = n > 1 and not any(
        (v._op and op_kind(v._op) == "activation") or not v._op for v in last
    )
    count = n - 1 if error_only else n
    out = [f"layer {i + 1} ({'output' if i == count - 1 else 'hidden'})" for i in range(count)]
    if error_only:
        out.append(f"the output {root_name}")
    return out


def _published(view: View, published: Mapping[str, float] | None) -> dict[str, list[Any]]:
    """{key: [published, engine]} for each published number, 'grad x' keys for gradients."""
    if published is None:
        return {}
    if not isinstance(published, Mapping):
        raise TypeError(
            f"explore: published must map names to numbers, got {type(published).__name__}"
        )
    named = {view.names[v]: v for v in view.order}
    out: dict[str, list[Any]] = {}
    for key, x in published.items():
        if not isinstance(key, str):
            raise TypeError(f"explore: published keys must be names, got {key!r:.40}")
        grad = key.startswith("grad ")
        v = named.get(key.removeprefix("grad ") if grad else key)
        if v is None:
            raise ValueError(
                f"explore: published names {key!r:.60}, but no value in the graph is called "
                f"that (keys are names, or 'grad <name>' for a gradient)"
            )
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise TypeError(
                f"explore: published[{key!r:.40}] must be a finite number, got {x!r:.40}"
            )
        engine = view.grads[v] if grad else v.data
        out[key] = [float(x), number(engine), v]
    return out


def _rows(keys: list[str], by_name: Mapping[str, list[Any]]) -> list[list[Any]]:
    return [[k, by_name[k][0], by_name[k][1]] for k in keys]


def _forward(
    view: View, i: int, name: str, vs: list[Value], by_name: Mapping[str, list[Any]]
) -> dict[str, Any]:
    ops = [v for v in vs if v._op]
    named = sorted((v for v in ops if _named(view, v)), key=lambda v: natural_key(view.names[v]))
    named = named or ops
    source = "the inputs and parameters" if i == 0 else "the layer before"
    lines = [f"forward, {name}: {len(ops)} values computed from {source}"]
    for v in named[:MAX_LISTED]:
        ins = [
            view.names[x] if isinstance(x, Value) else format_number(float(x))
            for x in v._inputs
            if x is not None
        ]
        lines.append(f"{view.names[v]} = {expression(v._op, ins)} = {format_number(v.data)}")
    if len(ops) > min(len(named), MAX_LISTED):
        lines.append(f"… and {len(ops) - min(len(named), MAX_LISTED)} more values in this layer")
    keys = [k for k, (_, _, v) in by_name.items() if not k.startswith("grad ") and v in set(ops)]
    return {
        "phase": "forward",
        "layer": i,
        "name": name,
        "caption": "\n".join(lines),
        "published": _rows(keys, by_name),
    }


def _backward(
    view: View,
    i: int,
    name: str,
    vs: list[Value],
    consumers: Mapping[Value, list[Value]],
    by_name: Mapping[str, list[Any]],
    root_name: str,
) -> dict[str, Any]:
    back = view.backward
    nets = [v for v in vs if is_net(v, consumers)]
    named = [v for v in vs if v not in nets and _named(view, v)]
    listed = (nets + named)[:MAX_LISTED] or vs[-MAX_LISTED:]  # unnamed: the first backward does
    ks = sorted(k for v in listed if (k := back.step_of(v)) is not None)
    lines = [f"backward, {name}: {len(vs)} gradients"]
    if nets:
        lines.append(DELTA_RULE.format(E=root_name))
    for k, s in zip(ks, back.make_steps(ks), strict=True):
        body = back._caption(k, s).split(": ", 1)[1]
        if s.node in nets:
            body = f"δ {view.names[s.node]} = ∂{root_name}/∂{view.names[s.node]}:\n{body}"
        lines.append(body)
    if len(vs) > len(ks):
        lines.append(f"… and {len(vs) - len(ks)} more gradients in this layer")
    members = set(vs)
    keys = [k for k, (_, _, v) in by_name.items() if k.startswith("grad ") and v in members]
    return {
        "phase": "backward",
        "layer": i,
        "name": name,
        "caption": "\n".join(lines),
        "published": _rows(keys, by_name),
    }
