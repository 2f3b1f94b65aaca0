"""Estimators with confidence intervals for a chunk of trials (experimental vs control).

Each returns arrays over trials: ``estimate``, ``lower``, ``upper`` (on the natural scale)
and a two-sided Wald ``p``. Hazard ratios are experimental / control.

* Mantel-Haenszel (Prism): ``exp((O1 - E1) / V)``, CI ``exp((O1-E1)/V -/+ z / sqrt(V))``, p
  the log-rank p (as :func:`harness.core.hazard.hazard_ratio`).
* logrank method: ``(O1/E1) / (O0/E0)``, CI ``exp(ln HR -/+ z sqrt(1/E1 + 1/E0))``.
* Cox, Efron ties: the partial-likelihood MLE from the vectorised Newton iteration of the
  survival core (:func:`harness.core.cox_binary.cox_binary_log_hr`), its SE from the Efron
  information at the MLE, Wald CI and p. A monotone likelihood (the MLE is infinite, R's
  "coefficient may be infinite") is undefined.
* RMST difference at ``tau``: Kaplan-Meier areas, the variance R's ``print(survfit,
  rmean = tau)`` uses (as :mod:`harness.core.rmst`), normal CI.
* Median with a percentile bootstrap CI: the Kaplan-Meier median (R's rule) of one arm and
  the 2.5% / 97.5% quantiles of its ``B`` case-resampled medians (resamples drawn once per
  chunk and shared by its trials); a median not reached is undefined.

R equivalent: ``survdiff`` (O, E, V), ``coxph(..., ties = "efron")``, ``summary(survfit(...),
rmean = tau)$table``, ``boot::censboot`` + ``boot.ci(type = "perc")``.
"""

from __future__ import annotations

import numpy as np

from harness.core.cox_binary import cox_binary_log_hr
from harness.simulate.riskset import RiskTable, km_median
from harness.simulate.weighted import _parts, p_from_z


def _wald(log_est: np.ndarray, se: np.ndarray, z: float) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", over="ignore"):
        return {"estimate": np.exp(log_est), "lower": np.exp(log_est - z * se),
                "upper": np.exp(log_est + z * se), "p": p_from_z(log_est / se),
                "statistic": log_est / se}


def hr_mantel_haenszel(rt: RiskTable, z: float) -> dict[str, np.ndarray]:
    ome, v = _parts(rt)
    u, var = ome.sum(axis=1), v.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_hr = np.where(var > 0, u / var, np.nan)
        return _wald(log_hr, 1.0 / np.sqrt(var), z)


def hr_logrank(rt: RiskTable, z: float) -> dict[str, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        e1 = np.where(rt.cell, rt.d * rt.n1 / rt.n, 0.0).sum(axis=1)
    o1 = rt.d1.sum(axis=1)
    o0, e0 = rt.d.sum(axis=1) - o1, rt.d.sum(axis=1) - e1
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (o1 > 0) & (o0 > 0) & (e1 > 0) & (e0 > 0)
        log_hr = np.where(ok, np.log((o1 / e1) / (o0 / e0)), np.nan)
        return _wald(log_hr, np.sqrt(1.0 / e1 + 1.0 / e0), z)


def efron_information(beta: np.ndarray, n1, n0, d1, d0) -> np.ndarray:
    """Efron observed information of one binary covariate at ``beta`` (per row).

    ``sum_t sum_{l < d_t} q (1 - q)``, ``q = r (n1 - f d1) / ((n0 - f d0) + r (n1 - f d1))``,
    ``f = l / d_t``, ``r = exp(beta)``. R equivalent: ``1 / fit$var`` of ``coxph(ties =
    "efron")``.
    """
    d = d1 + d0
    r = np.exp(beta)[:, None]
    info = np.zeros(beta.shape)
    for l in range(int(d.max()) if d.size else 0):  # loop over tie multiplicity only
        live = d > l
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(live, l / d, 0.0)
            a1 = r * (n1 - f * d1)
            q = np.where(live, a1 / ((n0 - f * d0) + a1), 0.0)
        info += (q * (1.0 - q)).sum(axis=1)
    return info


def hr_cox(rt: RiskTable, z: float) -> dict[str, np.ndarray]:
    cell = rt.cell
    n1 = np.where(cell, rt.n1, 0.0)
    n0 = np.where(cell, rt.n0, 0.0)
    d1 = np.where(cell, rt.d1, 0.0)
    d0 = np.where(cell, rt.d0, 0.0)
    beta = cox_binary_log_hr(n1, n0, d1, d0)
    fin = np.isfinite(beta)
    info = np.full(beta.shape, np.nan)
    if fin.any():
        info[fin] = efron_information(beta[fin], n1[fin], n0[fin], d1[fin], d0[fin])
    beta = np.where(fin, beta, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _wald(beta, 1.0 / np.sqrt(info), z)


def rmst_difference(rt: RiskTable, tau: float, z: float) -> dict[str, np.ndarray]:
    """RMST(experimental) - RMST(control) up to ``tau`` with R's variance."""
    t = rt.time
    tc = np.minimum(t, tau)
    width = np.diff(np.concatenate([np.zeros((t.shape[0], 1)), tc], axis=1), axis=1)
    tail_w = np.maximum(tau - t[:, -1], 0.0)
    means, variances = [], []
    for n_g, d_g in ((rt.n0, rt.d0), (rt.n1, rt.d1)):
        live = rt.cell & (d_g > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(live, 1.0 - d_g / n_g, 1.0)
        s_after = np.cumprod(factor, axis=1)
        s_before = np.concatenate([np.ones((t.shape[0], 1)), s_after[:, :-1]], axis=1)
        area = s_before * width
        total = area.sum(axis=1) + s_after[:, -1] * tail_w
        # area from each position's time to tau
        after = total[:, None] - np.cumsum(area, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.where(live & (n_g > d_g) & (t <= tau), d_g / (n_g * (n_g - d_g)), 0.0)
        means.append(total)
        variances.append((after**2 * h).sum(axis=1))
    diff = means[1] - means[0]
    se = np.sqrt(variances[0] + variances[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"estimate": diff, "lower": diff - z * se, "upper": diff + z * se,
                "p": p_from_z(diff / se), "statistic": diff / se}


def median_bootstrap(time: np.ndarray, event: np.ndarray, rng: np.random.Generator, B: int,
                     conf_level: float) -> dict[str, np.ndarray]:
    """KM median of each row (one arm, unsorted) with a percentile bootstrap interval."""
    order = np.argsort(time, axis=1, kind="stable")
    t = np.take_along_axis(time, order, axis=1)
    e = np.take_along_axis(event, order, axis=1)
    b, m = t.shape
    est = km_median(t, e)
    idx = np.sort(rng.integers(0, m, (B, m)), axis=1)  # sorted indices keep rows sorted
    a = (1.0 - conf_level) / 2.0
    lower, upper = np.empty(b), np.empty(b)
    step = max(1, 2**20 // (B * m))
    for s in range(0, b, step):  # blocks of trials bound the memory
        tb = t[s:s + step][:, idx].reshape(-1, m)
        eb = e[s:s + step][:, idx].reshape(-1, m)
        med = km_median(tb, eb).reshape(-1, B)
        med = np.where(np.isnan(med), np.inf, med)  # not reached: beyond the follow-up
        with np.errstate(invalid="ignore"):  # inf - inf between two unreached medians
            q = np.quantile(med, [a, 1.0 - a], axis=1, method="linear")
        lower[s:s + step], upper[s:s + step] = q[0], q[1]
    with np.errstate(invalid="ignore"):
        lower = np.where(np.isfinite(lower), lower, np.nan)
        upper = np.where(np.isfinite(upper), upper, np.nan)
    return {"estimate": est, "lower": lower, "upper": upper,
            "p": np.full(b, np.nan), "statistic": np.full(b, np.nan)}
