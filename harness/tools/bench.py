"""Benchmarks with baselines timed in the same run, reported as ratios.

Each benchmark times our routine and one or more baselines (R through the bridge, lifelines,
coin, boot) on the same data in the same process, and reports ``ratio = baseline_s /
ours_s`` (above 1: ours is faster). ``harness bench`` prints them; the pytest-benchmark
suite in ``tests/bench/`` measures the same routines. Speed is never asserted in unit tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from tabulate import tabulate


@dataclass(frozen=True)
class BenchResult:
    """One comparison: our time against one baseline's, same data, same run.

    Attributes
    ----------
    benchmark : str
        What was timed (routine and size, e.g. ``logrank n=1e5``).
    ours_s, baseline_s : float
        Best wall time of several repeats, in seconds.
    baseline : str
        The baseline's name (``R survdiff via bridge``, ``lifelines``...).
    ratio : float
        ``baseline_s / ours_s``.
    target : float or None
        The ratio the issue asks for (``None``: reported only).
    note : str
    """

    benchmark: str
    ours_s: float
    baseline: str
    baseline_s: float
    ratio: float
    target: float | None = None
    note: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.ratio >= self.target


def best_time(fn: Callable[[], object], repeat: int = 5, min_time: float = 0.0) -> float:
    """Best wall time of ``repeat`` calls (after one warm-up call).

    With ``min_time``, keeps calling until that much time has been spent, so very fast
    routines are timed over enough calls.
    """
    fn()
    best = float("inf")
    spent, calls = 0.0, 0
    while calls < repeat or spent < min_time:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best = min(best, dt)
        spent += dt
        calls += 1
    return best


def compare(benchmark: str, ours_s: float, baselines: dict[str, float],
            targets: dict[str, float] | None = None, note: str = "") -> list[BenchResult]:
    """Build one :class:`BenchResult` per baseline."""
    targets = targets or {}
    return [
        BenchResult(benchmark, ours_s, name, base_s, base_s / ours_s, targets.get(name), note)
        for name, base_s in baselines.items()
    ]


#: name -> function(quick: bool) -> list[BenchResult]; filled by harness.tools.benchmarks.*
BENCHMARKS: dict[str, Callable[[bool], list[BenchResult]]] = {}


def register(name: str):
    """Decorator adding a benchmark function to :data:`BENCHMARKS`."""

    def deco(fn: Callable[[bool], list[BenchResult]]):
        BENCHMARKS[name] = fn
        return fn

    return deco


def run_all(quick: bool = False, only: list[str] | None = None,
            isolate: bool = True) -> list[BenchResult]:
    """Run every registered benchmark (or those named in ``only``).

    With ``isolate`` (the default) each benchmark runs in a fresh Python process (and R
    session): what one leaves behind (a large heap, worker processes winding down, R's
    memory) then cannot slow the next, on either side of its ratio. Seen before this: the
    permutation and Cox ratios 30-40% lower right after the 10^5-case audit and the pack
    reconstruction than when run on their own.
    """
    import harness.tools.benchmarks  # noqa: F401  (registers the benchmarks)

    names = [name for name in BENCHMARKS if not only or name in only]
    if not isolate:
        return [r for name in names for r in BENCHMARKS[name](quick)]
    return [r for name in names for r in _run_isolated(name, quick)]


def _run_isolated(name: str, quick: bool) -> list[BenchResult]:
    """One benchmark in a child process (``python -m harness.tools.bench NAME``)."""
    cmd = [sys.executable, "-m", "harness.tools.bench", name] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"benchmark {name!r} failed in its process (exit "
                           f"{proc.returncode}): {last}")
    return [BenchResult(**{k: v for k, v in row.items() if k != "met"})
            for row in json.loads(proc.stdout)]


def _plain(row: dict) -> dict:
    """numpy scalars (a ratio of numpy floats, a comparison of them) as Python values."""
    return {k: v.item() if hasattr(v, "item") else v for k, v in row.items()}


def render(results: list[BenchResult], fmt: str = "table") -> str:
    if fmt == "json":
        return json.dumps([_plain({**asdict(r), "met": r.met}) for r in results], indent=2)
    rows = [
        [r.benchmark, f"{r.ours_s * 1e3:.3g} ms", r.baseline, f"{r.baseline_s * 1e3:.4g} ms",
         f"{r.ratio:.3g}x", "-" if r.target is None else f">= {r.target:g}x",
         {None: "-", True: "yes", False: "NO"}[r.met]]
        for r in results
    ]
    return tabulate(rows, headers=["benchmark", "ours", "baseline", "baseline time", "ratio",
                                   "target", "met"])


def _child(argv: list[str]) -> int:
    """``python -m harness.tools.bench NAME [--quick]``: one benchmark, its results as JSON."""
    import harness.tools.benchmarks  # noqa: F401  (registers the benchmarks)
    from harness.tools import bench  # the registry (this file runs as __main__)

    name, quick = argv[0], "--quick" in argv[1:]
    print(bench.render(bench.BENCHMARKS[name](quick), "json"))
    return 0


if __name__ == "__main__":  # pragma: no cover (run by _run_isolated)
    sys.exit(_child(sys.argv[1:]))

