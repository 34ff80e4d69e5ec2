"""save/load under hostile files: every truncation, every field mutated, failing writes.

Each bad file must give a clear ValueError or TypeError (never RecursionError, OverflowError or
a bare KeyError), leave the model it was loaded into unchanged, and a failing save no file.
"""

from __future__ import annotations

import json
import os
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import MLP, load, save

DELETE = "<delete>"
# Replacements written into the JSON text as they are: literals no float can hold, deep lists.
RAW = ["1e400", "-1e400", "1" + "0" * 400, "9" * 5000, "NaN", "Infinity", "[" * 40 + "]" * 40]
REPLACEMENTS = ["x", "", [], [[[1.5]]], {}, {"a": {"b": [1]}}, True, False, None, 0, -1, 2.5]


def valid_document(tmp_path):
    save(MLP(1, [1, 1], seed=0), tmp_path / "good.json")
    return json.loads((tmp_path / "good.json").read_text())


def paths(doc, prefix=()):
    """Every place in the document: each container and each leaf."""
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from paths(v, (*prefix, i))


def mutated_text(doc, path, replacement):
    """The document as JSON with the value at ``path`` replaced (or deleted)."""
    doc = json.loads(json.dumps(doc))
    if not path:
        return replacement if replacement in RAW else json.dumps(replacement)
    *outer, last = path
    target = doc
    for key in outer:
        target = target[key]
    if replacement == DELETE:
        del target[last]
        return json.dumps(doc)
    target[last] = "@@RAW@@" if replacement in RAW else replacement
    text = json.dumps(doc)
    return text.replace('"@@RAW@@"', replacement) if replacement in RAW else text


def assert_refused(path, model):
    before = model.state_dict()
    with pytest.raises((ValueError, TypeError)):
        load(path, model)
    assert model.state_dict() == before
    with pytest.raises((ValueError, TypeError)):
        load(path)


def test_every_truncation_of_a_valid_file_is_refused_cleanly(tmp_path):
    valid_document(tmp_path)
    text = (tmp_path / "good.json").read_text().rstrip()
    target = MLP(1, [1, 1], seed=1)
    for n in range(len(text)):
        (tmp_path / "cut.json").write_text(text[:n])
        assert_refused(tmp_path / "cut.json", target)


def check_mutation(tmp_path, doc, path, replacement):
    if path[:1] == ("parameters",) and len(path) == 2 and type(replacement) in (int, float):
        replacement = "x"  # another finite number is a valid weight, not a corruption
    text = mutated_text(doc, path, replacement)
    if (replacement == DELETE and not path) or _loads(text) == doc:
        return  # not a change
    (tmp_path / "bad.json").write_text(text)
    assert_refused(tmp_path / "bad.json", MLP(1, [1, 1], seed=1))


@settings(max_examples=25)
@given(data=st.data())
def test_mutating_any_field_is_refused_cleanly(tmp_path_factory, data):
    tmp_path = tmp_path_factory.mktemp("mut")
    doc = valid_document(tmp_path)
    path = data.draw(st.sampled_from(list(paths(doc))), label="path")
    replacement = data.draw(st.sampled_from([DELETE, *RAW, *REPLACEMENTS]), label="new")
    check_mutation(tmp_path, doc, path, replacement)


def test_every_field_mutated_every_way_is_refused_cleanly(tmp_path):
    doc = valid_document(tmp_path)
    for path in paths(doc):
        for replacement in [DELETE, *RAW, *REPLACEMENTS]:
            check_mutation(tmp_path, doc, path, replacement)


def _loads(text):
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


@pytest.mark.parametrize("where", ["write", "fsync", "chmod", "replace"])
def test_a_save_failing_at_any_step_leaves_no_file(tmp_path, where):
    model = MLP(1, [1, 1], seed=0)
    if where == "write":
        patch = mock.patch("nn.serialize.os.fdopen", side_effect=OSError("disk full"))
    else:
        patch = mock.patch(f"nn.serialize.os.{where}", side_effect=OSError("disk full"))
    with patch, pytest.raises(OSError, match="disk full"):
        save(model, tmp_path / "m.json")
    assert os.listdir(tmp_path) == []
