"""Doctests of docs pages and the README: an example that imports torch marks its page `torch`,
so it runs where torch is installed (.ci/torch) and skips, saying why, where it is not. (Here,
not in tests/conftest.py, so that `pytest docs/pytorch.md` alone sees it too.)"""

from __future__ import annotations

import importlib.util

import pytest

NO_TORCH = "needs PyTorch (pip install -e '.[torch]'); .ci/torch runs these examples"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    no_torch = importlib.util.find_spec("torch") is None
    for item in items:
        test = getattr(item, "dtest", None)  # a doctest item
        if test is not None and any("import torch" in ex.source for ex in test.examples):
            item.add_marker(pytest.mark.torch)
            if no_torch:
                item.add_marker(pytest.mark.skip(reason=NO_TORCH))
