"""The demo end to end on tiny settings, its flag errors, and what importing nn loads."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import warnings

import pytest

from nn import ACTIVATIONS, DATASETS, MLP, load
from nn.demo import build_parser, main, score, train

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TINY = ["--n", "16", "--steps", "3", "--hidden", "4", "--quiet"]


def run(*code_or_args: str, module: bool = False) -> subprocess.CompletedProcess:
    argv = (
        [sys.executable, "-m", "nn.demo", *code_or_args]
        if module
        else [sys.executable, "-c", code_or_args[0]]
    )
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def test_demo_as_a_module_writes_both_pngs_and_the_model(tmp_path):
    proc = run(*TINY, "--out", str(tmp_path), module=True)
    assert proc.returncode == 0, proc.stderr
    for name in ("decision_boundary.png", "loss.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG_MAGIC
    model = load(tmp_path / "model.json")
    assert isinstance(model, MLP) and model.sizes == [2, 4, 1]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("moons: 16 points")
    assert "accuracy" in lines[1] and lines[-1].startswith("wrote ")


@pytest.mark.parametrize(
    "extra, picture",
    [
        (["--dataset", "spiral", "--n", "30", "--optimizer", "adam"], "decision_boundary.png"),
        (["--dataset", "regression", "--optimizer", "adamw", "--activation", "tanh"], "fit.png"),
        (["--dataset", "xor", "--loss", "bce", "--batch-size", "5"], "decision_boundary.png"),
    ],
)
def test_demo_other_datasets_in_process(tmp_path, capsys, extra, picture):
    assert main([*TINY, *extra, "--out", str(tmp_path)]) == 0
    assert (tmp_path / picture).read_bytes()[:8] == PNG_MAGIC
    assert (tmp_path / "loss.png").exists()
    assert "wrote" in capsys.readouterr().out


def test_missing_matplotlib_is_reported_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    assert main([*TINY, "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert "pip install -e '.[plot]'" in captured.err and "--no-plot" in captured.err
    assert captured.out == "" and not (tmp_path / "out").exists()  # nothing trained or written


def test_demo_no_plot_writes_the_model_and_its_graph_but_no_png(tmp_path, capsys):
    out = tmp_path / "new" / "dir"
    assert main([*TINY, "--no-plot", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["graph.dot", "graph.svg", "model.json"]


def test_demo_graph_names_every_neuron_and_renders_as_svg(tmp_path, capsys):
    assert main([*TINY, "--no-plot", "--out", str(tmp_path)]) == 0
    source = (tmp_path / "graph.dot").read_text()
    for name in ("layers.0.neurons.0", "layers.0.neurons.3", "layers.1.neurons.0"):
        assert name in source
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.filterwarnings("error")  # no fallback to eager training
@pytest.mark.parametrize("extra", [[], ["--dataset", "spiral", "--batch-size", "5"]])
def test_demo_compile_flag_trains_the_very_same_model(tmp_path, capsys, extra):
    eager, compiled = tmp_path / "eager", tmp_path / "compiled"
    assert main([*TINY, *extra, "--no-plot", "--out", str(eager)]) == 0
    assert main([*TINY, *extra, "--no-plot", "--compile", "--out", str(compiled)]) == 0
    assert (compiled / "model.json").read_text() == (eager / "model.json").read_text()
    out = capsys.readouterr().out
    assert "trained 3 steps (compiled) in" in out
    model = load(compiled / "model.json")
    assert model.state_dict() != MLP(2, model.sizes[1:], seed=1).state_dict()  # it trained


def test_demo_prints_progress_lines(tmp_path, capsys):
    main(["--n", "16", "--steps", "4", "--hidden", "4", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert [line.split()[1] for line in out.splitlines() if line.startswith("step")] == [
        "0",
        "1",
        "2",
        "3",
    ]


@pytest.mark.parametrize(
    "flags, named",
    [
        (["--steps", "abc"], "argument --steps"),
        (["--steps", "0"], "argument --steps"),
        (["--hidden", "16,x"], "argument --hidden"),
        (["--lr", "-1"], "argument --lr"),
        (["--dataset", "mnist"], "argument --dataset"),
    ],
)
def test_bad_flag_values_get_a_one_line_error(capsys, flags, named):
    with pytest.raises(SystemExit) as exc:
        main(flags)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"python -m nn.demo: error: {named}")
    assert not any("Traceback" in line for line in err)


def test_unwritable_output_folder_is_a_flag_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SystemExit):
        main([*TINY, "--out", str(blocker / "sub")])
    assert "argument --out: cannot create" in capsys.readouterr().err


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    flags = ("--dataset", "--hidden", "--steps", "--optimizer", "--seed", "--out", "--lr")
    for flag in (*flags, "--compile"):
        assert flag in text


# --- import hygiene ---

CHECK_IMPORTS = """
import json, logging, sys
handlers = list(logging.getLogger().handlers)
import autograd, nn, nn.demo
from nn import MLP, fit, make_moons
X, y = make_moons(20, seed=0)
fit(MLP(2, [4, 1], seed=0), X, y, steps=2, progress=False)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "tqdm", "numpy"))
same = logging.getLogger().handlers == handlers and not logging.getLogger("nn").handlers
sys.stderr.write(json.dumps({"heavy": heavy, "logging_untouched": same}))
"""


def test_importing_nn_loads_no_matplotlib_or_tqdm_and_prints_nothing():
    proc = run(CHECK_IMPORTS)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    report = json.loads(proc.stderr)
    assert report == {"heavy": [], "logging_untouched": True}


# --- the demo's defaults train every combination it offers ---

# (final loss below, score at least; score is training accuracy, or 1 - MSE for regression)
# stated for the demo's defaults (100 points, 100 steps, 16,16 hidden, seed 1), measured
# with margin; sigmoid hidden layers (on Adam, the demo's default for them) learn slowest.
STATED = {
    "binary": (0.1, 0.98),
    "spiral": (0.3, 0.9),
    "regression": (0.1, 0.9),
    "binary sigmoid": (0.6, 0.8),
    "spiral sigmoid": (0.7, 0.6),
    "regression sigmoid": (0.1, 0.9),
}
COMBINATIONS = [
    (dataset, loss, activation)
    for dataset in sorted(DATASETS)
    for loss in (["hinge", "bce"] if dataset not in ("spiral", "regression") else [None])
    for activation in [a for a in ACTIVATIONS if a != "linear"]
]


@pytest.mark.slow
@pytest.mark.parametrize("dataset, loss, activation", COMBINATIONS)
def test_the_demos_defaults_train_every_dataset_loss_and_activation(dataset, loss, activation):
    argv = ["--dataset", dataset, "--activation", activation, "--quiet", "--compile"]
    args = build_parser().parse_args(argv + (["--loss", loss] if loss else []))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a divergence warning fails the test
        with contextlib.redirect_stdout(io.StringIO()):
            model, X, y, history, task = train(args)
    kind = dataset if dataset in ("spiral", "regression") else "binary"
    max_loss, min_score = STATED[f"{kind} sigmoid" if activation == "sigmoid" else kind]
    result = score(model, X, y, task)
    assert history.diverged is None and history.steps == 100
    assert history.loss[-1] < max_loss < history.loss[0]
    assert (1.0 - result if task == "regression" else result) >= min_score
