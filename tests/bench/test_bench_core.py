"""pytest-benchmark measurements of the survival core, with baselines from the same run.

Run with ``pytest tests/bench --benchmark-only`` (or ``tox -e bench``); skipped in the ordinary
suite. Speed is recorded, never asserted here: ``harness bench`` reports the ratios against
their targets.
"""

import pytest

from harness.tools.bench import best_time
from harness.tools.benchmarks.core import tied_data

N = 10**5


@pytest.fixture(scope="module")
def data():
    return tied_data(N)


@pytest.mark.benchmark(group="kaplan-meier n=1e5")
def test_km(benchmark, data):
    from lifelines import KaplanMeierFitter

    from harness.core.km import KaplanMeier
    from harness.r import bridge as rbridge

    time, event, group = data
    fit = benchmark(lambda: KaplanMeier().fit(time, event, group))
    assert fit.n_ == N
    if rbridge.probe().ok:
        benchmark.extra_info["R survfit via bridge (s)"] = best_time(
            lambda: rbridge.evaluate("survival::survfit(survival::Surv(t, e) ~ g)$surv[1]",
                                     t=time, e=event, g=group), repeat=3)
    benchmark.extra_info["lifelines (s)"] = best_time(
        lambda: [KaplanMeierFitter().fit(time[group == g], event[group == g]) for g in (0, 1)],
        repeat=3)


@pytest.mark.benchmark(group="log-rank n=1e5")
def test_logrank(benchmark, data):
    from lifelines.statistics import logrank_test

    from harness.core.logrank import survdiff
    from harness.r import bridge as rbridge

    time, event, group = data
    res = benchmark(lambda: survdiff(time, event, group))
    assert res.chisq > 0
    if rbridge.probe().ok:
        benchmark.extra_info["R survdiff via bridge (s)"] = best_time(
            lambda: rbridge.evaluate("survival::survdiff(survival::Surv(t, e) ~ g)$chisq",
                                     t=time, e=event, g=group), repeat=3)
    benchmark.extra_info["lifelines (s)"] = best_time(
        lambda: logrank_test(time[group == 0], time[group == 1], event[group == 0],
                             event[group == 1]), repeat=3)
