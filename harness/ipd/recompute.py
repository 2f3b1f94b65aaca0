"""Every statistic of a comparison recomputed from its pseudo-IPD set, in Python and R.

The survival core (:class:`harness.core.km.KaplanMeier`, :func:`harness.core.quantiles.median`
with Prism's rule, :func:`harness.core.hazard.hazard_ratio`, :func:`harness.core.logrank.survdiff`,
:func:`harness.core.logrank.gehan_breslow_wilcoxon`, :func:`harness.core.cox.coxph`) and R
``survival`` (``harness_ipd_stats`` in ``harness/r/ipd.R``) must agree to 1e-9.
:func:`recompute` is deterministic and cheap (the reconstruction's verification calls it for
every candidate); :func:`resampled` adds the seeded permutation p and bootstrap HR interval,
only where they are reported (:func:`harness.ipd.evaluate.evaluate`).

R equivalent: ``harness_ipd_stats`` (harness/r/ipd.R).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.core.agreement import agree, rel_diff
from harness.core.cox import coxph
from harness.core.hazard import hazard_ratio
from harness.core.km import KaplanMeier
from harness.core.logrank import gehan_breslow_wilcoxon, survdiff
from harness.core.quantiles import median
from harness.ipd.io import IPDSet
from harness.pack.comparisons import Spec

#: resampling statistics: Python only (the engine is checked against coin and boot in its
#: own tests); R is not asked for them here
RESAMPLED_KEYS = ("p_perm", "hr_boot_lower", "hr_boot_upper")


@dataclass
class Recomputed:
    python: dict[str, float]
    r: dict[str, float] | None = None

    def disagreements(self) -> list[str]:
        if self.r is None:
            return []
        out = []
        for k, v in self.python.items():
            if k in RESAMPLED_KEYS:
                continue
            rv = self.r.get(k)
            if rv is None:
                out.append(f"{k}: R returned nothing")
            elif not agree(v, rv):
                out.append(f"{k}: Python {v!r} vs R {rv!r} (rel. diff {rel_diff(v, rv):.2g})")
        return out


def times_of(spec: Spec) -> list[float]:
    """The times (pack unit) at which a comparison's printed rates and held-out numbers sit."""
    ts = {t.time for t in list(spec.targets) + list(spec.heldout) if t.time is not None}
    return sorted(ts)


def _km_values(t, e, g, labels: list[str], times: list[float]) -> dict[str, float]:
    out: dict[str, float] = {}
    multi = len(labels) > 1
    km = KaplanMeier().fit(t, e, g if multi else None)
    med = median(km, rule="prism")
    for lab, val in zip(med.group, med.estimate):
        out[f"median[{lab if multi else labels[0]}]"] = float(val)
    if times:
        at = km.at(times, extend=True)
        for lab, tt, s in zip(at.group, at.time, at.survival):
            key = f"rate[{lab}]@{tt:g}" if multi else f"rate@{tt:g}"
            out[key] = 100.0 * float(s)
        pooled = KaplanMeier().fit(t, e).at(times, extend=True)
        for tt, s in zip(pooled.time, pooled.survival):
            out[f"pooled_rate@{tt:g}"] = 100.0 * float(s)
            if multi:  # a printed whole-cohort rate targeted by a comparison of groups
                out[f"rate@{tt:g}"] = 100.0 * float(s)
            out[f"pct_time_gt@{tt:g}"] = 100.0 * float(np.sum(t > tt)) / t.size
            out[f"count_censored_gt@{tt:g}"] = float(np.sum((e == 0) & (t > tt)))
    return out


def recompute(data: IPDSet, spec: Spec, numerator: str | None, use_r: bool = True
              ) -> Recomputed:
    """Every deterministic statistic of the comparison from the set, in Python (and R).

    Keys: ``median[G]``; ``rate[G]@t`` and ``rate@t`` (percent); with two groups ``hr``,
    ``ci_lower``, ``ci_upper``, ``o_minus_e``, ``v`` (Mantel-Haenszel, numerator / other),
    ``hr_logrank``, ``hr_cox``, ``cox_p``; ``p`` (log-rank), ``p_peto``, ``gbw_p``; held-out
    ``gbw_p``, ``pooled_rate@t``, ``pct_time_gt@t``, ``count_censored_gt@t``. The resampled
    variants are :func:`resampled`.
    """
    labels = list(spec.labels)
    t, e, g = data.time, data.event, data.group
    times = times_of(spec)
    multi = len(labels) > 1
    out = _km_values(t, e, g, labels, times)
    if multi:
        out["p"] = float(survdiff(t, e, g).p_value)
        out["p_peto"] = float(survdiff(t, e, g, rho=1).p_value)
        out["gbw_p"] = float(gehan_breslow_wilcoxon(t, e, g).p_value)
    if multi and len(labels) == 2 and numerator is not None:
        mh = hazard_ratio(t, e, g, numerator=numerator, method="mantel-haenszel")
        lr = hazard_ratio(t, e, g, numerator=numerator, method="logrank")
        out.update(hr=mh.hr, ci_lower=mh.lower, ci_upper=mh.upper,
                   o_minus_e=mh.observed[0] - mh.expected[0], v=mh.variance,
                   hr_logrank=lr.hr)
        x = (g == numerator).astype(float)
        cox = coxph(t, e, x, ties="efron", eps=1e-12, max_iter=50)  # as ipd.R
        out["hr_cox"] = float(cox.hr[0])
        out["cox_p"] = float(cox.p[0])
    res = Recomputed(out)
    if use_r:
        from harness.r import bridge as rbridge

        r = rbridge.call("harness_ipd_stats", t, e.astype(int), [str(x) for x in g],
                         labels, numerator if numerator is not None else "",
                         np.asarray(times, float))
        res.r = {str(k): float(v) for k, v in _flatten(r).items()}
    return res


def resampled(data: IPDSet, spec: Spec, numerator: str | None) -> dict[str, float]:
    """The seeded resampling variants (``spec.resampling_seed``): ``p_perm`` with two or more
    groups, ``hr_boot_lower`` / ``hr_boot_upper`` with two groups and an HR direction."""
    t, e, g = data.time, data.event, data.group
    out: dict[str, float] = {}
    if len(spec.labels) > 1:
        out["p_perm"] = permutation_p(t, e, g, spec.resampling_seed)
    if len(spec.labels) == 2 and numerator is not None:
        out.update(bootstrap_hr(t, e, g, numerator, spec.resampling_seed))
    return out


def permutation_p(t: np.ndarray, e: np.ndarray, g: np.ndarray, seed: int) -> float:
    """Log-rank permutation p (exact when the arrangements are few, else 10^4 resamples)."""
    from harness.resample import permutation_test

    return float(permutation_test(t, e, g, weights="logrank", B=10_000, seed=seed,
                                  progress=False).p_value)


def bootstrap_hr(t: np.ndarray, e: np.ndarray, g: np.ndarray, numerator: str,
                 seed: int) -> dict[str, float]:
    """BCa bootstrap interval of the Mantel-Haenszel HR (numerator / other group).

    The bootstrap's HR is the second level over the first, so the levels are ordered to put
    ``numerator`` second; a bound that cannot be computed is reported as NaN.
    """
    from harness.resample import bootstrap

    other = next(x for x in sorted(set(g.tolist())) if x != numerator)
    boot = bootstrap(t, e, g, statistic="mh_hr", B=2000, seed=seed,
                     levels=[other, numerator], types=("bca",), progress=False)
    row = boot.intervals.iloc[0]
    return {"hr_boot_lower": float(row["lower"]), "hr_boot_upper": float(row["upper"])}


def _flatten(r: Any) -> dict[str, float]:
    if isinstance(r, dict):
        return {k: float(np.asarray(v).reshape(-1)[0]) for k, v in r.items()}
    raise TypeError(f"unexpected R result {type(r).__name__}")
