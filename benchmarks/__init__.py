"""Benchmarks: chainrule against micrograd (and plain floats) on the same work, in one process.

Run them all with ``python -m benchmarks`` (``--quick`` for a tiny size that tests use).
"""
