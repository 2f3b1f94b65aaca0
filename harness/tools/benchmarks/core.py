"""Survival-core benchmarks: KM and log-rank on n = 10^5 with ties vs R and lifelines."""

from __future__ import annotations

import numpy as np

from harness.tools.bench import BenchResult, best_time, compare, register


def tied_data(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exponential times rounded to whole months (many ties), ~30% censored, two groups."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n)
    time = np.ceil(rng.exponential(24.0 * np.where(group == 1, 1.3, 1.0)))
    event = rng.random(n) > 0.3
    return time, event.astype(int), group


@register("km")
def bench_km(quick: bool) -> list[BenchResult]:
    from harness.core.km import KaplanMeier
    from harness.r import bridge as rbridge

    n = 10**4 if quick else 10**5
    time, event, group = tied_data(n)
    ours = best_time(lambda: KaplanMeier().fit(time, event, group), repeat=5, min_time=0.2)
    base = {}
    if rbridge.probe().ok:
        fit = "survival::survfit(survival::Surv(t, e) ~ g)$surv[1]"
        base["R survfit via bridge"] = best_time(
            lambda: rbridge.evaluate(fit, t=time, e=event, g=group), repeat=3)
    from lifelines import KaplanMeierFitter

    def lifelines_km():
        for g in (0, 1):
            KaplanMeierFitter().fit(time[group == g], event[group == g])

    base["lifelines KaplanMeierFitter"] = best_time(lifelines_km, repeat=3)
    return compare(f"Kaplan-Meier, 2 groups, n={n:.0e}", ours, base,
                   {"R survfit via bridge": 5.0})


@register("logrank")
def bench_logrank(quick: bool) -> list[BenchResult]:
    from harness.core.logrank import survdiff
    from harness.r import bridge as rbridge

    n = 10**4 if quick else 10**5
    time, event, group = tied_data(n)
    ours = best_time(lambda: survdiff(time, event, group), repeat=5, min_time=0.2)
    base = {}
    if rbridge.probe().ok:
        call = "survival::survdiff(survival::Surv(t, e) ~ g)$chisq"
        base["R survdiff via bridge"] = best_time(
            lambda: rbridge.evaluate(call, t=time, e=event, g=group), repeat=3)
    from lifelines.statistics import logrank_test

    base["lifelines logrank_test"] = best_time(
        lambda: logrank_test(time[group == 0], time[group == 1], event[group == 0],
                             event[group == 1]), repeat=3)
    return compare(f"log-rank, 2 groups, n={n:.0e}", ours, base,
                   {"R survdiff via bridge": 5.0})
