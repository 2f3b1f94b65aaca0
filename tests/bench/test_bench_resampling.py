"""pytest-benchmark measurements of the resampling engine, with baselines timed in the same
test and stored in ``benchmark.extra_info`` (seconds). Run with ``pytest tests/bench
--benchmark-only``; skipped in the ordinary suite. Speed is recorded, never asserted.
"""

import numpy as np
import pytest

from harness.tools.bench import best_time
from harness.tools.benchmarks.resampling import lung_subset


def _once(fn) -> float:
    import time

    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


@pytest.mark.benchmark(group="permutation log-rank B=1e4 n=64")
def test_permutation_logrank(benchmark):
    from lifelines.statistics import logrank_test

    from harness.r import bridge as rbridge
    from harness.resample import permutation_test

    t, e, g = lung_subset(64)
    res = benchmark(lambda: permutation_test(t, e, g, B=10**4, seed=1))
    assert res.method == "monte-carlo" and 0 < res.p_value <= 1
    if rbridge.probe().ok:
        benchmark.extra_info["coin approximate (s)"] = best_time(
            lambda: rbridge.call("harness_coin_logrank", t, e, g, 10**4), repeat=3)
        labels = np.array([np.random.default_rng(i).permutation(g) for i in range(200)])
        benchmark.extra_info["survdiff loop, scaled to 1e4 (s)"] = _once(
            lambda: rbridge.call("harness_survdiff_loop", t, e, labels)) * 10**4 / 200
    rng = np.random.default_rng(0)

    def ll():
        for _ in range(50):
            gg = rng.permutation(g)
            logrank_test(t[gg == 1], t[gg == 2], e[gg == 1], e[gg == 2])

    benchmark.extra_info["lifelines loop, scaled to 1e4 (s)"] = _once(ll) * 10**4 / 50


@pytest.mark.benchmark(group="bootstrap median B=2000 n=44")
def test_bootstrap_median(benchmark):
    from lifelines import KaplanMeierFitter

    from harness.r import bridge as rbridge
    from harness.resample import bootstrap

    t, e, _ = lung_subset(44)
    res = benchmark(lambda: bootstrap(t, e, statistic="median", B=2000, seed=1))
    assert res.B == 2000
    if rbridge.probe().ok:
        benchmark.extra_info["boot::censboot + boot.ci (s)"] = _once(
            lambda: rbridge.call("harness_censboot_median", t, e, 2000))
    rng = np.random.default_rng(0)

    def ll():
        for _ in range(100):
            i = rng.integers(0, 44, 44)
            _ = KaplanMeierFitter().fit(t[i], e[i]).median_survival_time_

    benchmark.extra_info["lifelines loop, scaled to 2000 (s)"] = _once(ll) * 2000 / 100


@pytest.mark.benchmark(group="resampling scaling")
@pytest.mark.parametrize("routine,n,B", [("permutation", 64, 10**5), ("permutation", 10**5, 10**3),
                                         ("bootstrap", 64, 10**5), ("bootstrap", 10**5, 10**3)])
def test_scaling(benchmark, routine, n, B):
    from harness.resample import bootstrap, permutation_test
    from harness.tools.benchmarks.resampling import measure, simulated

    t, e, g = simulated(n)
    if routine == "permutation":
        benchmark.pedantic(lambda: permutation_test(t, e, g, B=B, seed=1, progress=False),
                           rounds=1, iterations=1)
    else:
        benchmark.pedantic(lambda: bootstrap(t, e, statistic="median", B=B, seed=1,
                                             progress=False), rounds=1, iterations=1)
    benchmark.extra_info["peak MiB (tracemalloc)"] = measure(routine, n, B)[1]
