"""How the resamples are run: seeded blocks, threads, progress.

The resamples are generated in blocks whose size depends only on ``n`` and ``B``; block ``i``
uses ``numpy.random.default_rng(SeedSequence(seed).spawn(...)[i])`` (or another generator
seeded by that child: the compiled sampler's SFC64). The result therefore
depends on ``seed`` only, not on the number of threads. Memory is bounded by the block size
(:data:`BUDGET` elements per working array).
"""

from __future__ import annotations

import numbers
import os
import sys
import threading
import time as _time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

_CPUS = os.cpu_count() or 1
#: Elements per working array in one chunk (about 16 MB of float64).
BUDGET = 2_000_000


def blocks(B: int, rows: int) -> list[tuple[int, int]]:
    """``[(a, b), ...]`` covering ``0..B`` in blocks of ``rows`` (the last may be shorter)."""
    rows = max(1, min(rows, B))
    return [(a, min(a + rows, B)) for a in range(0, B, rows)]


def block_seeds(seed: int | None, count: int) -> list:
    """One independent ``SeedSequence`` per block, spawned from ``seed``."""
    return np.random.SeedSequence(seed).spawn(count)


def n_jobs(jobs: int | None, work: float) -> int:
    """Threads to use: ``jobs`` when given, else 2 on large work (>= 2e5 elements), else 1."""
    if jobs is None:
        # threads pay off only on large work (numpy releases the GIL inside its kernels)
        return min(2, _CPUS) if work >= 2e5 else 1
    if isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral) or jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer or None, got {jobs!r}")
    return int(jobs)


class Progress:
    """Plain-text progress on stderr (``label: 37% (3700/10000)``), throttled to 5 Hz."""

    def __init__(self, total: int, label: str, enabled: bool | None):
        if enabled is None:
            enabled = bool(getattr(sys.stderr, "isatty", lambda: False)())
        self.enabled = enabled and total > 0
        self.total, self.label, self.done, self.last = total, label, 0, 0.0
        self.start = _time.perf_counter()

    def update(self, k: int) -> None:
        self.done += k
        if not self.enabled:
            return
        now = _time.perf_counter()
        if now - self.last >= 0.2 or self.done >= self.total:
            self.last = now
            pct = 100.0 * self.done / self.total
            sys.stderr.write(
                f"\r{self.label}: {pct:5.1f}% ({self.done}/{self.total}, "
                f"{now - self.start:.1f} s)"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def run(parts: list[tuple[int, int]], fn: Callable[[int, int, int], Any], jobs: int,
        progress: Progress) -> list:
    """Run ``fn(i, a, b)`` over the blocks, results in block order, on ``jobs`` threads.

    With several threads the calling thread works too, beside ``jobs - 1`` threads of a
    pool kept for the process; each takes the next block not yet taken.
    """
    out: list = [None] * len(parts)
    if jobs <= 1 or len(parts) == 1:
        for i, (a, b) in enumerate(parts):
            out[i] = fn(i, a, b)
            progress.update(b - a)
        progress.close()
        return out
    todo = iter(range(len(parts)))
    lock = threading.Lock()

    def drain() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            a, b = parts[i]
            out[i] = fn(i, a, b)
            with lock:
                progress.update(b - a)

    helpers = [_pool(jobs - 1).submit(drain) for _ in range(min(jobs, len(parts)) - 1)]
    try:
        drain()
    finally:
        for h in helpers:
            h.result()
    progress.close()
    return out


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(jobs: int) -> ThreadPoolExecutor:
    """A thread pool of ``jobs`` workers, kept for the process (starting threads costs about
    as much as a small test's permutations)."""
    with _POOLS_LOCK:
        if jobs not in _POOLS:
            _POOLS[jobs] = ThreadPoolExecutor(max_workers=jobs,
                                              thread_name_prefix=f"harness-resample-{jobs}")
        return _POOLS[jobs]
