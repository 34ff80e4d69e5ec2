"""The page's engine (autograd/web) in headless Chromium against the Python engine: every op at
its kinks and domain edges, NaN and inf, the errors Python raises, and random graphs, all to
1e-12 relative (most agree to the last bit). Skipped where Playwright or Chromium is missing."""

from __future__ import annotations

import json
import math
import operator
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from browsers import chromium

from autograd import Value, apply, define_op, dot, topological_order, vsum
from autograd.ops import OPS
from autograd.web import ops_js, program, scripts
from autograd.web.program import number

pytestmark = pytest.mark.browser

REL = 1e-12


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A blank page with the engine and every built-in op loaded; page errors are kept."""
    path = tmp_path_factory.mktemp("web") / "engine.html"
    every_op = {"format": "chainrule-program/1", "ops": list(OPS)}
    path.write_text(f"<!DOCTYPE html><script>{scripts(every_op)}</script>", encoding="utf-8")
    with chromium() as browser:
        pg = browser.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        requests: list[str] = []
        pg.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else 0)
        pg.goto(path.as_uri())
        yield pg
        assert errors == [] and requests == []


# Runs a program in the page with new leaf values; every number comes back as Python's repr.
RUN = """([prog, changes]) => {
  const p = new chainrule.Program(prog);
  const r = chainrule.repr;
  try { p.run(changes.map(([leaf, x]) => [leaf, chainrule.number(x)])); }
  catch (e) { return {error: [e.kind, e.message, e.node], values: Array.from(p.values, r)}; }
  return {values: Array.from(p.values, r), grads: Array.from(p.grads, r)};
}"""


def run_js(page: Any, root: Value, changes: Sequence[tuple[Any, float]] = ()) -> dict[str, Any]:
    prog = json.loads(json.dumps(program(root)))  # as a page gets it
    return dict(page.evaluate(RUN, [prog, [[leaf, number(x)] for leaf, x in changes]]))


def rel_error(py: float, js: float) -> float:
    """0 when equal (NaN equals NaN, infinities equal only themselves), else |py-js|/max."""
    if py == js or (py != py and js != js):
        return 0.0
    if not (math.isfinite(py) and math.isfinite(js)):
        return math.inf
    return abs(py - js) / max(abs(py), abs(js))


def replay(root: Value, new: Sequence[float]) -> tuple[str, str, int] | None:
    """The first error in the page's order when the leaves of ``root`` take ``new``: each node's
    rule in topological order, as Python has it (None if every node is defined)."""
    order = topological_order(root)
    values: dict[Value, float] = {}
    for i, v in enumerate(order):
        if not v._op:
            values[v] = new[int(v.label[1:])]  # leaf x<k> takes new[k]
            continue
        args = [values[x] if isinstance(x, Value) else float(x) for x in v._inputs]
        try:
            values[v] = OPS[v._op].rule(*args)[0]
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            return type(e).__name__, str(e), i
    return None


def python_side(build: Callable[[], Value]) -> tuple[list[float], list[float]] | tuple[str, str]:
    """Each node's value and grad as Python computes them, or the error Python raises."""
    try:
        root = build()
    except (ValueError, ZeroDivisionError, OverflowError) as e:
        return type(e).__name__, str(e)
    order = topological_order(root)
    for v in order:
        v.grad = 0.0
    root.backward()
    return [v.data for v in order], [v.grad for v in order]


def assert_parity(
    page: Any,
    make: Callable[[Sequence[float]], Value],
    start: Sequence[float],
    new: Sequence[float],
) -> float:
    """Build at ``start``, move the leaves to ``new`` in the page, and compare with Python
    built at ``new``: values and grads to REL, or the same error. Returns the worst error."""
    root = make(start)
    used = {v.label for v in topological_order(root) if not v._op}  # a leaf may go unused
    js = run_js(page, root, [(f"x{k}", x) for k, x in enumerate(new) if f"x{k}" in used])
    py = python_side(lambda: make(new))
    if isinstance(py[0], str):
        assert "error" in js, f"Python raised {py}, the page gave {js}"
        assert js["error"] == list(replay(root, new) or ())  # the first in the page's order
        return 0.0
    assert "error" not in js, f"the page raised {js['error']}, Python did not"
    worst = 0.0
    for what, pys, jss in (("value", py[0], js["values"]), ("grad", py[1], js["grads"])):
        for i, (x, text) in enumerate(zip(pys, jss, strict=True)):
            err = rel_error(x, float(text))
            assert err <= REL, f"node {i} {what}: Python {x!r}, page {text}"
            worst = max(worst, err)
    return worst


# --- every op, at its kinks and domain edges ---

NAN, INF = math.nan, math.inf
SPECIAL = [NAN, INF, -INF, 0.0, -0.0]
UNARY_POINTS = {
    "neg": [1.5, -2.0],
    "exp": [0.5, -745.2, 709.0, 709.8, 1000.0],
    "log": [0.5, 1e-300, 1.0, -1.0],
    "sqrt": [4.0, 2.0, 5e-324, -1.0, -1e-300],
    "tanh": [0.5, -20.0, 1e-9],
    "sigmoid": [0.5, -0.5, 800.0, -800.0, 36.0, -36.0, 1e-17],
    "softplus": [0.5, -0.5, 800.0, -800.0, 40.0, -40.0],
    "relu": [1.5, -1.5, 5e-324, -5e-324],
    "abs": [1.5, -1.5],
    "sin": [0.5, 1e22, -3.0],
    "cos": [0.5, 1e22, -3.0],
}
BINARY_POINTS = {
    "add": [(1.5, 2.25), (1e308, 1e308), (INF, -INF)],
    "sub": [(1.5, 2.25), (INF, INF)],
    "mul": [(1.5, -2.0), (0.0, INF), (1e200, 1e200)],
    "div": [(1.0, 3.0), (1.0, 0.0), (0.0, 0.0), (-1.0, -0.0), (1e-300, 1e300), (INF, 2.0)],
    "powv": [
        (2.0, 0.5),
        (0.5, -3.0),
        (0.0, 2.0),
        (0.0, 0.5),
        (0.0, -1.0),
        (-1.0, 2.0),
        (1.0, INF),
        (2.0, 2000.0),
        (1e-5, 3.5),
        (INF, 2.0),
    ],
}
POW_POINTS = [  # (a, k): pow's k is a constant
    (2.0, 3.0),
    (-2.0, 3.0),
    (-2.0, 2.0),
    (2.0, 0.5),
    (-2.0, 0.5),
    (0.0, 0.5),
    (0.0, 1.0),
    (0.0, 2.0),
    (0.0, -1.0),
    (-0.0, 3.0),
    (5.0, 0.0),
    (NAN, 0.0),
    (NAN, 2.0),
    (2.0, NAN),
    (1.0, INF),
    (2.0, INF),
    (0.5, INF),
    (-2.0, INF),
    (10.0, 400.0),
    (-10.0, 401.0),
    (10.0, 308.0),
    (1e-10, -2.0),
    (3.0, -0.5),
    (INF, 2.0),
    (-INF, 3.0),
    (0.1, 1e-300),
]
LEAKY_POINTS = [(1.5, 0.01), (-1.5, 0.01), (0.0, 0.01), (-0.0, 0.2), (NAN, 0.01), (-INF, 0.1)]


def _points(name: str) -> list[tuple[float, ...]]:
    if name in UNARY_POINTS:
        return [(x,) for x in UNARY_POINTS[name] + SPECIAL]
    if name in BINARY_POINTS:
        pairs = [(x, 1.5) for x in SPECIAL] + [(1.5, x) for x in SPECIAL]
        return BINARY_POINTS[name] + pairs
    if name == "pow":
        return POW_POINTS
    if name == "leaky_relu":
        return LEAKY_POINTS
    if name == "sum":
        return [
            (1.0, 2.0, 3.0),
            (1e16, 1.0, -1e16),
            (0.1, 0.2, 0.3, 0.4),
            (NAN, 1.0),
            (INF, -INF),
            (-0.0, -0.0),
            (1e308, 1e308, -1e308),
        ]
    return [
        (0.5, -1.5, 2.0, 3.0, 0.25),
        (1e16, 1.0, 1.0, -1e16, 1.0),
        (INF, 1.0, 0.0, 2.0, 0.0),
        (NAN, 1.0, 1.0, 1.0, 1.0),
        (-0.0, 1.0, 0.0, 1.0, -0.0),
        (1e200, 1e200, 1e200, 1.0, 0.0),
    ]


def _op_graph(name: str) -> tuple[Callable[[Sequence[float]], Value], int]:
    """``name`` applied to Value leaves (pow's k and leaky_relu's slope stay constants), times
    an upstream factor 3 so that a rule ignoring the incoming gradient shows. Also the number
    of leading inputs that are leaves."""
    nconst = 1 if name in ("pow", "leaky_relu") else 0

    def make(xs: Sequence[float]) -> Value:
        n = len(xs) - nconst
        leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs[:n])]
        if name == "sum":
            out = vsum(leaves)
        elif name == "dot":
            m = (len(leaves) - 1) // 2
            out = dot(leaves[:m], leaves[m : 2 * m], leaves[-1])
        else:
            out = apply(OPS[name], *leaves, *xs[n:])
        return out * 3.0

    return make, nconst


@pytest.mark.parametrize("name", list(OPS))
def test_every_op_agrees_with_python_at_its_kinks_domain_edges_nan_and_inf(page: Any, name: str):
    make, nconst = _op_graph(name)
    for point in _points(name):
        safe = [0.5] * (len(point) - nconst) + list(point[len(point) - nconst :])
        assert_parity(page, make, safe, point)


def test_relu_abs_and_leaky_relu_kinks_are_exact(page: Any):
    for name, point, slope in (("relu", 0.0, 0.0), ("abs", 0.0, 0.0), ("abs", -0.0, 0.0)):
        x = Value(0.5)
        js = run_js(page, apply(OPS[name], x), [(0, point)])
        assert js["grads"][0] == repr(slope)
    x = Value(0.5)
    js = run_js(page, x.leaky_relu(0.2), [(0, 0.0)])
    assert js["grads"][0] == "0.2" and js["values"][1] == "0.0"


def test_a_refused_input_names_the_op_and_changes_nothing(page: Any):
    x = Value(2.0, label="x")
    y = (x * 1.5).log() + x
    js = run_js(page, y, [(0, -1.0)])
    assert js["error"] == ["ValueError", "log: input must be > 0, got -1.5", 2]
    assert js["values"] == [repr(v.data) for v in topological_order(y)]  # still x = 2


def test_a_user_op_without_js_makes_the_program_read_only(page: Any):
    double = define_op("test_web_double", lambda a: (2.0 * a, (2.0,)))
    y = double(Value(3.0)) + 1.0
    prog = program(y)
    assert prog["missing"] == ["test_web_double"]
    state = page.evaluate(
        """(prog) => { const p = new chainrule.Program(prog);
        try { p.forward(); return [p.editable, p.why, "ran"]; }
        catch (e) { return [p.editable, p.why, e.message]; } }""",
        prog,
    )
    assert state[0] is False
    assert '"test_web_double" has no JavaScript form (define_op(..., js=...))' in state[1]
    assert state[2].endswith(state[1])  # forward refuses, saying why


def test_a_user_op_with_js_runs_in_the_page(page: Any, tmp_path: Path):
    cube = define_op(
        "test_web_cube", lambda a: (a**3, (3 * a * a,)), js="(a) => [a * a * a, [3 * a * a]]"
    )
    x = Value(1.5)
    y = cube(x) * 2.0
    prog = program(y)
    assert prog["missing"] == []
    text = scripts(prog)
    js = page.evaluate(
        """([text, prog]) => { (0, eval)(text); const p = new chainrule.Program(prog);
        p.run([[0, -2.0]]); return [p.output, p.leafGrad(0)]; }""",
        [text, prog],
    )
    assert js == [2.0 * (-2.0) ** 3, 2.0 * 3 * 4.0]


# --- random graphs ---

BINARY = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "powv": operator.pow,
}
UNARY = ["neg", "exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "relu", "abs", "sin", "cos"]


def random_graph(seed: int, nleaves: int = 4, nnodes: int = 30) -> Callable[..., Value]:
    """A graph made by ``seed`` (ops, wiring, constants), to build at any leaf values: values
    are reused (fan-out), constants mixed in on either side, sums and dots included."""
    rng = random.Random(seed)
    plan: list[tuple[Any, ...]] = []
    for k in range(nnodes):
        avail = nleaves + k
        kind = rng.choice(["unary", "binary", "const", "pow", "sum", "dot", "leaky"])
        pick = [rng.randrange(avail) for _ in range(5)]
        plan.append(
            (
                kind,
                rng.choice(UNARY),
                rng.choice(list(BINARY)),
                pick,
                rng.choice([2.0, -0.5, 3.0, 0.0, 1e-3]),
                rng.random() < 0.5,
            )
        )

    def build(xs: Sequence[float]) -> Value:
        vs: list[Value] = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
        for kind, un, bi, pick, c, flip in plan:
            a, b = vs[pick[0]], vs[pick[1]]
            if kind == "unary":
                vs.append(apply(OPS[un], a))
            elif kind == "binary":  # the two-input layout, or the many-input one
                vs.append(BINARY[bi](a, b) if flip else apply(OPS[bi], a, b))
            elif kind == "const":  # a constant on either side: 2.0 - x, x / 3.0
                vs.append(BINARY[bi](c, a) if flip else BINARY[bi](a, c))
            elif kind == "pow":
                vs.append(a ** (2.0 if flip else 3.0))
            elif kind == "sum":
                vs.append(vsum([vs[i] for i in pick[:4]], c))
            elif kind == "dot":
                vs.append(dot([vs[i] for i in pick[:2]], [vs[pick[2]], c], vs[pick[3]]))
            else:
                vs.append(a.leaky_relu(0.1))
        return vsum(vs[nleaves:]) * 0.7  # every node reaches the output

    return build


@pytest.mark.parametrize("seed", range(40))
def test_random_graphs_agree_with_python_values_grads_and_errors(page: Any, seed: int):
    rng = random.Random(1000 + seed)
    build = random_graph(seed)
    special = [0.0, -0.0, NAN, INF, -INF, 1e-300, 1e300]
    for trial in range(6):
        start = [rng.uniform(0.2, 1.5) for _ in range(4)]
        try:
            build(start)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue  # no graph to start from; the next start
        new = [rng.uniform(-3, 3) if trial < 4 else rng.choice(special) for _ in range(4)]
        assert_parity(page, build, start, new)


def test_a_neuron_and_a_moons_loss_agree_to_the_last_bit(page: Any):
    import nn

    X, y = nn.make_moons(n=20, noise=0.1, seed=3)
    model = nn.MLP(2, [8, 8, 1], seed=2)
    loss = nn.hinge([model(x) for x in X], y) + 1e-4 * vsum(p * p for p in model.parameters())
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    order = topological_order(loss)
    js = run_js(page, loss)
    assert js["values"] == [repr(v.data) for v in order]
    assert js["grads"] == [repr(v.grad) for v in order]


def neumaier_sum(xs: Sequence[float], start: float) -> float:
    """CPython 3.12's sum() of floats (bltinmodule.c), written out: the reference for the
    compensated JavaScript on any Python."""
    f, c = start, 0.0
    for x in xs:
        t = f + x
        c += (f - t) + x if abs(f) >= abs(x) else (x - t) + f
        f = t
    return f + c if c and math.isfinite(c) else f


def test_compensated_sums_follow_cpython_3_12_on_any_python(browser_page: Any):
    rng = random.Random(7)
    cases = [[0.1] * 10, [1.0, 1e100, 1.0, -1e100], [1e308, 1e308, -1e308], [math.inf, 1.0]]
    cases += [
        [rng.uniform(-1, 1) * 10 ** rng.randint(-20, 20) for _ in range(30)] for _ in range(50)
    ]
    got = browser_page.evaluate(
        """(cases) => cases.map((xs) => {
          const nums = xs.map(chainrule.number);
          const s = chainrule.ops.sum(...nums)[0];
          const d = chainrule.ops.dot(...nums, ...nums.map(() => 1), 0.5)[0];
          return [chainrule.repr(s), chainrule.repr(d)]; })""",
        [[number(x) for x in xs] for xs in cases],
    )
    for xs, (s, d) in zip(cases, got, strict=True):
        assert s == repr(0.0 + xs[0] if len(xs) == 1 else neumaier_sum(xs[1:], 0.0 + xs[0]))
        assert d == repr(neumaier_sum([x * 1.0 for x in xs], 0.5))
    assert got[0][0] == "1.0"  # sum([0.1] * 10), as Python 3.12 has it


@pytest.fixture
def browser_page(page: Any, tmp_path: Path) -> Any:
    """A second page in the same browser, with the ops written for a compensated sum()."""
    path = tmp_path / "compensated.html"
    text = scripts({"ops": []}).split("// Generated")[0] + ops_js(["sum", "dot"], compensated=True)
    path.write_text(f"<!DOCTYPE html><script>{text}</script>", encoding="utf-8")
    pg = page.context.browser.new_page()
    pg.goto(path.as_uri())
    yield pg
    pg.close()
