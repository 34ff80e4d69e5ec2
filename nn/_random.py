"""Seeds to random number generators: every random draw in ``nn`` goes through one of these."""

from __future__ import annotations

import random

Seed = int | random.Random | None


def make_rng(seed: Seed, *, default: random.Random | None = None) -> random.Random:
    """A ``random.Random`` for ``seed``: an int seeds a private generator, a Random is used as is.

    ``None`` gives ``default``; when that is None too, the module-level ``random`` generator, so
    that ``random.seed(1337)`` before building a model reproduces it, as it does in micrograd.
    """
    if seed is None:
        if default is not None:
            return default
        return random  # type: ignore[return-value]  # its functions share the global generator
    if isinstance(seed, random.Random):
        return seed
    if seed is random:  # type: ignore[comparison-overlap]  # the global generator, passed down
        return random  # type: ignore[return-value]
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}")
    return random.Random(seed)
