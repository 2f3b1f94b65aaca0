"""Benchmark definitions; importing this package registers them in :mod:`harness.tools.bench`."""

from harness.tools.benchmarks import (  # noqa: F401
    audit,
    conventions,
    core,
    cox,
    ranges,
    resampling,
    simulate,
)
