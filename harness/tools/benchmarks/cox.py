"""Cox benchmark: ``coxph`` (efron) on n = 10^5 with ties vs R's ``coxph`` and lifelines.

R is timed through the bridge on the same data in the same run (issue 13 asks for >= 10x).
"""

from __future__ import annotations

from harness.tools.bench import BenchResult, best_time, compare, register
from harness.tools.benchmarks.core import tied_data


@register("cox")
def bench_cox(quick: bool) -> list[BenchResult]:
    from harness.core.cox import coxph
    from harness.r import bridge as rbridge

    n = 10**4 if quick else 10**5
    time, event, group = tied_data(n)
    x = group.astype(float)
    ours = best_time(lambda: coxph(time, event, x, ties="efron"), repeat=5, min_time=0.2)
    base = {}
    if rbridge.probe().ok:
        call = "coef(survival::coxph(survival::Surv(t, e) ~ g, ties = 'efron'))"
        base["R coxph via bridge"] = best_time(
            lambda: rbridge.evaluate(call, t=time, e=event, g=x), repeat=3)
    import pandas as pd
    from lifelines import CoxPHFitter

    df = pd.DataFrame({"t": time, "e": event, "g": x})
    base["lifelines CoxPHFitter"] = best_time(
        lambda: CoxPHFitter().fit(df, "t", "e"), repeat=1)
    return compare(f"Cox efron, 1 covariate, n={n:.0e}", ours, base,
                   {"R coxph via bridge": 10.0})
