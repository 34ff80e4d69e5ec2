import os

import pytest
from hypothesis import HealthCheck, settings

# Timing is noisy on shared machines: no deadlines. In CI, the same examples every run.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The README's doctest trains the moons model for 100 steps (about 10 s): marked slow, so
    `pytest -m "not slow"` leaves it out; the plain `pytest` line still runs it."""
    for item in items:
        if item.path.name == "README.md":
            item.add_marker(pytest.mark.slow)
