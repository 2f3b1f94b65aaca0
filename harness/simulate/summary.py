"""Operating characteristics per scenario x analysis, streamed from the chunk store.

Each chunk file is read once and reduced to sums (counts, sum of estimates, of squares, ...);
the sums are added in plan order, so the summary does not depend on the number of workers
or the order chunks were computed in, and memory does not grow with the number of trials.

Definitions (``N`` = trials of the scenario):

* ``rejection``: share of the ``N`` trials with ``p <= alpha`` (an undefined test counts as
  not rejecting); Monte Carlo SE ``sqrt(r (1 - r) / N)``. Size under H0, power under H1.
* ``undefined``: trials where the analysis gave no value (a test with no informative event
  time, an infinite Cox estimate, a median not reached); counted, never dropped silently.
* ``mean``, ``bias``, ``rmse``, ``emp_se``: over trials with a finite estimate, against
  ``truth``; hazard ratios on the log scale (``mean`` is then the geometric mean HR, ``bias``
  and ``rmse`` are of log HR). ``truth`` is stated in ``estimand``.
* ``coverage`` (with its MC SE) and ``width`` of the confidence interval, over trials with a
  finite interval (log scale for HRs).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from harness.simulate.distributions import true_median, true_rmst
from harness.simulate.engine import stored
from harness.simulate.study import Analysis, Scenario, Study

HR_KINDS = ("hr-mantel-haenszel", "hr-logrank", "hr-cox")
_SUMS = ("n", "undefined", "reject", "n_est", "sx", "sxx", "se2", "n_ci", "cover", "width")


def truth(scenario: Scenario, analysis: Analysis) -> tuple[float | None, str]:
    """The true value of the analysis' estimand in the scenario, and what it is."""
    k = analysis.kind
    if k in HR_KINDS:
        if scenario.true_hr is None:
            return None, ("none: the hazards are not proportional, so no single true HR "
                          "(give true_hr in the scenario to compare against a chosen value)")
        what = {"hr-cox": "Cox partial-likelihood HR: the generating hazard ratio under "
                          "proportional hazards",
                "hr-mantel-haenszel": "generating hazard ratio; exp((O-E)/V) is a one-step "
                                      "approximation of it, not the Cox MLE",
                "hr-logrank": "generating hazard ratio; (O1/E1)/(O0/E0) approximates it"}[k]
        return float(scenario.true_hr), what + " (log scale)"
    if k == "rmst-difference":
        v = true_rmst(scenario.experimental, analysis.tau) - true_rmst(scenario.control,
                                                                        analysis.tau)
        return v, f"true RMST difference up to tau = {analysis.tau:g} (experimental - control)"
    if k == "median-bootstrap":
        arm = scenario.experimental if analysis.arm == "experimental" else scenario.control
        m = true_median(arm)
        if not math.isfinite(m):
            return None, f"none: the {analysis.arm} arm's true survival never falls to 1/2"
        return m, f"true median of the {analysis.arm} arm"
    return None, "test (no estimand)"


def _chunk_sums(g: pd.DataFrame, kind: str, alpha: float, tv: float | None) -> np.ndarray:
    p = g["p"].to_numpy()
    est = g["estimate"].to_numpy()
    lo, hi = g["lower"].to_numpy(), g["upper"].to_numpy()
    if kind in HR_KINDS:
        with np.errstate(divide="ignore", invalid="ignore"):
            est, lo, hi = np.log(est), np.log(lo), np.log(hi)
        tv = None if tv is None else math.log(tv)
    primary = est if kind in ("rmst-difference", "median-bootstrap") or kind in HR_KINDS else p
    fe = np.isfinite(est)
    fc = np.isfinite(lo) & np.isfinite(hi)
    x = est[fe]
    se2 = float(((x - tv) ** 2).sum()) if tv is not None else 0.0
    cover = int(((lo[fc] <= tv) & (tv <= hi[fc])).sum()) if tv is not None else 0
    with np.errstate(invalid="ignore"):
        reject = int((p <= alpha).sum())
    return np.array([len(g), int((~np.isfinite(primary)).sum()), reject, int(fe.sum()),
                     float(x.sum()), float((x * x).sum()), se2, int(fc.sum()), cover,
                     float((hi[fc] - lo[fc]).sum())])


def summarise(study: Study, out: str | Path) -> pd.DataFrame:
    """One row per scenario x analysis (see the module docstring for the columns)."""
    kinds = {a.id: a for a in study.analyses}
    truths = {(s.id, a.id): truth(s, a) for s in study.scenarios for a in study.analyses}
    acc: dict[tuple[str, str], np.ndarray] = {}
    for chunk, path in stored(study, out):
        frame = pd.read_parquet(path)
        for aid, g in frame.groupby("analysis", sort=False):
            key = (chunk.scenario_id, aid)
            part = _chunk_sums(g, kinds[aid].kind, study.alpha, truths[key][0])
            acc[key] = acc[key] + part if key in acc else part
    rows = []
    for s in study.scenarios:
        for a in study.analyses:
            rows.append(_row(s, a, acc[(s.id, a.id)], truths[(s.id, a.id)], study))
    return pd.DataFrame(rows)


def _row(s: Scenario, a: Analysis, v: np.ndarray, tr: tuple, study: Study) -> dict:
    d = dict(zip(_SUMS, v.tolist()))
    n = d["n"]
    tv, what = tr
    is_hr = a.kind in HR_KINDS
    has_est = a.kind not in ("logrank", "gehan-breslow", "tarone-ware", "peto",
                             "fleming-harrington", "maxcombo", "permutation")
    r = d["reject"] / n
    row = {"scenario": s.id, "analysis": a.id, "kind": a.kind, "trials": int(n),
           "null": s.null, "family": s.family, "effect": s.effect,
           "rejection": r if a.kind != "median-bootstrap" else None,
           "rejection_mc_se": math.sqrt(r * (1 - r) / n) if a.kind != "median-bootstrap"
           else None,
           "undefined": int(d["undefined"]), "undefined_share": d["undefined"] / n,
           "truth": tv, "estimand": what, "scale": "log" if is_hr else "natural"}
    if has_est and d["n_est"] > 0:
        m = d["sx"] / d["n_est"]
        var = max(d["sxx"] / d["n_est"] - m * m, 0.0)
        ltv = None if tv is None else (math.log(tv) if is_hr else tv)
        row.update(mean=math.exp(m) if is_hr else m, emp_se=math.sqrt(var),
                   bias=None if ltv is None else m - ltv,
                   rmse=None if ltv is None else math.sqrt(d["se2"] / d["n_est"]))
    if has_est and d["n_ci"] > 0:
        cov = d["cover"] / d["n_ci"] if tv is not None else None
        row.update(coverage=cov,
                   coverage_mc_se=None if cov is None else math.sqrt(cov * (1 - cov) / d["n_ci"]),
                   width=d["width"] / d["n_ci"], ci_trials=int(d["n_ci"]))
    for k in ("mean", "emp_se", "bias", "rmse", "coverage", "coverage_mc_se", "width",
              "ci_trials"):
        row.setdefault(k, None)
    return row
