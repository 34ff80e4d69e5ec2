"""What `dir()` and tab completion show of the two packages: their public names."""

from __future__ import annotations

import autograd
import nn


def test_dir_autograd_lists_the_lazily_loaded_drawing_functions():
    assert {"draw_dot", "step_through", "explore", "Value", "backward"} <= set(dir(autograd))


def test_dir_autograd_hides_names_imported_for_its_own_use():
    assert not {"Any", "annotations"} & set(dir(autograd))


def test_every_name_dir_lists_can_be_read():
    for package in (autograd, nn):
        assert set(package.__all__) <= set(dir(package))
        for name in package.__all__:
            getattr(package, name)
