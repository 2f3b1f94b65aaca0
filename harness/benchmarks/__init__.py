"""Benchmark definitions; importing this package registers them in :mod:`harness.bench`."""

from harness.benchmarks import core  # noqa: F401

try:  # resampling benchmarks live beside the resampling engine
    from harness.benchmarks import resampling  # noqa: F401
except ImportError:  # pragma: no cover - until the module exists
    pass

from harness.benchmarks import simulate  # noqa: F401,E402  (harness simulate on Dask)
