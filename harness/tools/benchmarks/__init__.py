"""Benchmark definitions; importing this package registers them in :mod:`harness.tools.bench`."""

from harness.tools.benchmarks import (
    core,  # noqa: F401
    cox,  # noqa: F401
)

try:  # resampling benchmarks live beside the resampling engine
    from harness.tools.benchmarks import resampling  # noqa: F401
except ImportError:  # pragma: no cover - until the module exists
    pass
