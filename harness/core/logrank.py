"""The weighted log-rank family for k groups, with optional strata.

All tests share one computation. At every distinct event time ``t`` (within a stratum) let
``n_t`` be the number at risk, ``d_t`` the number of events, ``n_jt`` and ``d_jt`` the same in
group ``j`` and ``w_t`` the weight of the test. Then

* observed  ``O_j = sum_t w_t d_jt``  (weighted, as ``survdiff`` reports it for ``rho > 0``)
* expected  ``E_j = sum_t w_t d_t n_jt / n_t``
* variance  ``V_jk = sum_t w_t^2 d_t (n_t - d_t) / (n_t - 1) * (n_jt/n_t) (delta_jk - n_kt/n_t)``
  (the hypergeometric, Mantel-Haenszel variance; the factor is 0 when ``n_t = 1``)

summed over strata. The chi-square is ``(O-E)' V^- (O-E)`` computed as R's ``survdiff`` does:
groups with ``E_j = 0`` are dropped, then the first remaining group, and the rest is solved;
``df`` = (number of groups with ``E_j > 0``) - 1. If the reduced matrix is singular (R's
``solve`` then stops with "system is exactly singular") the Moore-Penrose inverse is used and
``singular`` is set on the result.

Weights ``w_t``: the table :data:`harness.core.cells.WEIGHTS` (log-rank, Peto & Peto /
G-rho, Fleming-Harrington, Gehan-Breslow-Wilcoxon, Tarone-Ware, SAS's Peto-Peto and modified
Peto-Peto, the modestly weighted test), the one home of the weights; ``weights=`` takes its keys.

Everything is vectorised: one sort (``np.unique``) of the (stratum, time) keys, ``bincount``
for the per-cell counts, reverse cumulative sums for the risk sets; no Python loop over event
times.

R equivalent: ``survival::survdiff(Surv(time, status) ~ group + strata(s), rho = rho)``
(chi-square on ``k - 1`` df); the other weights have no ``survdiff`` option, see the function
docstrings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from harness.core.cells import (
    cell_weights,
    check_weights,
    level_codes,
    risk_cells,
    suffix_within,
)
from harness.core.survdata import SurvData

__all__ = [
    "LogRankResult",
    "survdiff",
    "weighted_logrank",
    "fleming_harrington",
    "gehan_breslow_wilcoxon",
    "tarone_ware",
    "logrank_scores",
    "hypergeometric_factor",
    "subject_scores",
    "two_group_logrank",
]


def hypergeometric_factor(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``d (n - d) / (n - 1)`` per cell, 0 where ``n = 1``: the tie factor of the log-rank variance.

    Notes
    -----
    R equivalent: the factor of ``survdiff``'s variance ``d (n - d) / (n - 1) * n_j/n (1 - n_j/n)``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 1, d * (n - d) / (n - 1), 0.0)


def two_group_logrank(n1: np.ndarray, n: np.ndarray, d1: np.ndarray,
                      d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``O1 - E1`` and ``V`` of the two-group log-rank from counts per cell, vectorised.

    Parameters
    ----------
    n1, n, d1, d : ndarray, shape (..., m)
        Number at risk in group 1 and pooled, events in group 1 and pooled, at ``m`` cells
        (e.g. one row per resample).

    Returns
    -------
    o_minus_e, variance : ndarray, shape (...)
        Summed over the last axis (cells); ``V`` is the hypergeometric variance.

    Notes
    -----
    R equivalent: ``fit <- survdiff(Surv(time, status) ~ group)``;
    ``fit$obs[2] - fit$exp[2]`` and ``fit$var[2, 2]`` for each row.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, n1 / n, 0.0)
    c = hypergeometric_factor(n, d)
    return (d1 - d * p).sum(axis=-1), (c * p * (1.0 - p)).sum(axis=-1)


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogRankResult:
    """Result of a (weighted, possibly stratified) k-sample log-rank test.

    Attributes
    ----------
    test : str
        The weight: a key of :data:`harness.core.cells.WEIGHTS` (``"logrank"``, ``"peto"``
        (G-rho), ``"fleming-harrington"``, ``"gehan-breslow"``, ``"tarone-ware"``).
    levels : tuple
        Group labels in sorted order (R's factor order); arrays below follow it.
    n, events : ndarray of int
        Rows and (unweighted) events per group.
    observed, expected : ndarray of float
        Weighted observed and expected (summed over strata), as ``survdiff``'s ``obs``/``exp``.
    variance : ndarray, shape (k, k)
        As ``survdiff``'s ``var``.
    chisq, df, p_value
        The k-sample chi-square on ``df`` degrees of freedom.
    observed_by_stratum, expected_by_stratum : ndarray, shape (k, n_strata)
        Per stratum (one column when unstratified), as ``survdiff``'s ``obs``/``exp`` matrices.
    singular : bool
        True when the reduced variance matrix was singular and a pseudo-inverse was used
        (R's ``survdiff`` stops with an error there).
    t_star, s_star : float or None
        The modestly weighted test's ``t*`` / ``s*`` (None for the other weights).
    """

    test: str
    levels: tuple
    n: np.ndarray
    events: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    chisq: float
    df: int
    p_value: float
    rho: float = 0.0
    gamma: float = 0.0
    observed_by_stratum: np.ndarray = field(default=None, repr=False)
    expected_by_stratum: np.ndarray = field(default=None, repr=False)
    strata_levels: tuple = ()
    singular: bool = False
    t_star: float | None = None
    s_star: float | None = None

    @property
    def o_minus_e(self) -> np.ndarray:
        return self.observed - self.expected

    @property
    def summary(self) -> pd.DataFrame:
        """One row per group: N, events, O, E, (O-E)^2/E, (O-E)^2/V (``print.survdiff``)."""
        ome = self.o_minus_e
        with np.errstate(divide="ignore", invalid="ignore"):
            oe2e = ome**2 / self.expected
            oe2v = ome**2 / np.diag(self.variance)
        frame = pd.DataFrame(
            {
                "N": self.n,
                "Events": self.events,
                "Observed": self.observed,
                "Expected": self.expected,
                "(O-E)^2/E": oe2e,
                "(O-E)^2/V": oe2v,
            },
            index=pd.Index(list(self.levels), name="group"),
        )
        frame.attrs.update(test=self.test, chisq=self.chisq, df=self.df, p=self.p_value)
        return frame


# --------------------------------------------------------------------------------------------
# computation
# --------------------------------------------------------------------------------------------
def _prepare(time, event, group, strata, coding, levels,
             timefix: bool = True) -> tuple[SurvData, np.ndarray, list]:
    if group is None:
        raise ValueError("group is required: a log-rank test compares at least two groups")
    data = SurvData.from_arrays(time, event, group, strata, coding=coding, levels=levels,
                                timefix=timefix)
    if levels is not None:
        lv = list(levels)
        index = {v: i for i, v in enumerate(lv)}
        g = np.fromiter((index[v] for v in data.group.tolist()), np.intp, data.n)
    else:
        g, lv = level_codes(data.group, data.n)
    if len(lv) < 2:
        raise ValueError(f"only one group ({lv[0]!r}): a log-rank test needs at least two")
    return data, g, lv


def _compute(data: SurvData, g: np.ndarray, levels: list, test: str, rho: float,
             gamma: float, t_star: float | None = None, s_star: float | None = None
             ) -> LogRankResult:
    k = len(levels)
    s_codes, s_levels = level_codes(data.strata, data.n)
    n_strata = len(s_levels)
    cells = risk_cells(data.time, s_codes, n_strata)
    m = cells.time.size
    ev = data.event.astype(float)
    flat = cells.inverse * k + g
    rows = np.bincount(flat, minlength=m * k).reshape(m, k).astype(float)
    dead = np.bincount(flat, weights=ev, minlength=m * k).reshape(m, k)
    n_jt = suffix_within(rows, cells)
    n_t = n_jt.sum(axis=1)
    d_t = dead.sum(axis=1)
    w = cell_weights(test, n_t, d_t, cells.start, rho, gamma, time=cells.time,
                     t_star=t_star, s_star=s_star)

    keep = d_t > 0
    w, n_jt, n_t, d_t, dead = w[keep], n_jt[keep], n_t[keep], d_t[keep], dead[keep]
    cstrat = cells.stratum[keep]
    p = n_jt / n_t[:, None]
    obs_c = w[:, None] * dead
    exp_c = (w * d_t)[:, None] * p
    a = w**2 * hypergeometric_factor(n_t, d_t)
    var = np.diag((a[:, None] * p).sum(axis=0)) - (p * a[:, None]).T @ p

    obs_s = np.zeros((k, n_strata))
    exp_s = np.zeros((k, n_strata))
    for j in range(k):  # loop over groups only
        obs_s[j] = np.bincount(cstrat, weights=obs_c[:, j], minlength=n_strata)
        exp_s[j] = np.bincount(cstrat, weights=exp_c[:, j], minlength=n_strata)
    obs = obs_s.sum(axis=1)
    exp = exp_s.sum(axis=1)
    chisq, df, singular = _chisq(obs, exp, var)
    n_g = np.bincount(g, minlength=k)
    events = np.bincount(g, weights=ev, minlength=k).astype(int)
    return LogRankResult(
        test=test,
        levels=tuple(levels),
        n=n_g,
        events=events,
        observed=obs,
        expected=exp,
        variance=var,
        chisq=chisq,
        df=df,
        # df = 0 (one group with expected events): R's pchisq(0, 0, lower.tail = FALSE) = 1,
        # a point mass at 0, as survdiff's $pvalue; df = -1 (no events): NaN, as R
        p_value=(float(stats.chi2.sf(chisq, df)) if df > 0
                 else (1.0 if chisq <= 0 else 0.0) if df == 0 else float("nan")),
        rho=float(rho),
        gamma=float(gamma),
        observed_by_stratum=obs_s,
        expected_by_stratum=exp_s,
        strata_levels=tuple(s_levels),
        singular=singular,
        t_star=None if t_star is None else float(t_star),
        s_star=None if s_star is None else float(s_star),
    )


def _chisq(obs: np.ndarray, exp: np.ndarray, var: np.ndarray) -> tuple[float, int, bool]:
    """``survdiff``'s chi-square: drop E == 0 groups and the first remaining one, solve."""
    keep = exp > 0
    df = int(keep.sum()) - 1
    if keep.sum() < 2:
        return 0.0, df, False
    u = (obs - exp)[keep][1:]
    vv = var[np.ix_(keep, keep)][1:, 1:]
    singular = False
    try:
        if np.linalg.cond(vv) > 1.0 / np.finfo(float).eps:
            raise np.linalg.LinAlgError
        chisq = float(u @ np.linalg.solve(vv, u))
    except np.linalg.LinAlgError:
        singular = True
        chisq = float(u @ np.linalg.pinv(vv) @ u)
    return chisq, df, singular


def weighted_logrank(
    time: Any,
    event: Any,
    group: Any,
    strata: Any = None,
    *,
    weights: str = "logrank",
    rho: float = 0.0,
    gamma: float = 0.0,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    t_star: float | None = None,
    s_star: float | None = None,
    timefix: bool = True,
) -> LogRankResult:
    """Weighted k-sample log-rank test (any member of the family).

    Parameters
    ----------
    time, event : array-like
        Follow-up times and event indicators (validated by :class:`harness.core.survdata.SurvData`).
    group : array-like
        Group labels; at least two distinct values.
    strata : array-like, optional
        Stratum labels; O, E and V are summed over strata, weights are computed within each.
    weights : str
        A key of :data:`harness.core.cells.WEIGHTS` (``"logrank"``, ``"peto"``,
        ``"fleming-harrington"``, ``"gehan-breslow"``, ``"tarone-ware"``, SAS's
        ``"peto-peto"`` and ``"modified-peto"``, ``"modestly-weighted"``). ``"peto"`` uses
        ``rho`` (``rho=1`` is ``survdiff``'s Peto & Peto, left-continuous pooled KM);
        ``"fleming-harrington"`` uses ``rho`` and ``gamma``.
    rho, gamma : float
        Exponents, >= 0; a non-zero exponent the weight does not use raises ``ValueError``.
    coding : {"01", "12"}
        Event coding (``"12"`` for R's 1 = censored / 2 = event).
    levels : sequence, optional
        Group order; every level must have rows (otherwise ``ValueError``).
    t_star, s_star : float, optional
        ``"modestly-weighted"`` only (exactly one): ``w = 1 / max(S(t-), S(t*))`` or
        ``1 / max(S(t-), s*)``.
    timefix : bool
        Merge times equal up to rounding error, groups and strata pooled (R's ``aeqSurv``;
        ``survdiff(..., timefix = TRUE)`` is R's default). coin does not merge: pass
        ``timefix=False`` to compare the coin-only weights with coin.

    Returns
    -------
    LogRankResult

    Notes
    -----
    R equivalent: ``survdiff(Surv(time, status) ~ group, rho = rho)`` for ``"logrank"`` and
    ``"peto"``; the others are ``coin::logrank_test(..., type = "Gehan-Breslow" |
    "Tarone-Ware" | "Fleming-Harrington")`` up to the variance: coin's centered linear
    statistic equals ``O - E`` here, but coin divides by the permutation variance of the
    scores, not the hypergeometric variance used here (and by survdiff and Prism).

    lifelines: ``multivariate_logrank_test(weightings=...)`` uses the same variance; its
    ``"peto"`` weight is Peto's modified survival ``prod(1 - d/(n+1))`` *including* the current
    time (``"peto-peto"`` here), so it differs from survdiff's ``rho = 1``.

    SAS: LIFETEST ``TEST=PETO`` / ``MODPETO`` are ``"peto-peto"`` / ``"modified-peto"``
    (the documented rank statistic ``v_k`` is this ``O - E``), ``FLEMING(p, q)`` is
    ``"fleming-harrington"`` (the Kaplan-Meier at the previous event time, ``S(t-)``).
    """
    spec, rho, gamma = check_weights(weights, rho, gamma, t_star=t_star, s_star=s_star)
    data, g, lv = _prepare(time, event, group, strata, coding, levels, timefix)
    return _compute(data, g, lv, spec.name, rho, gamma, t_star, s_star)


def survdiff(
    time: Any,
    event: Any,
    group: Any,
    strata: Any = None,
    *,
    rho: float = 0.0,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
) -> LogRankResult:
    """G-rho family test, as R's ``survdiff``: ``rho = 0`` log-rank, ``rho = 1`` Peto & Peto.

    Weight ``S(t-)^rho`` with ``S`` the pooled Kaplan-Meier within the stratum.

    Parameters
    ----------
    time, event, group, strata, coding, levels, timefix
        As :func:`weighted_logrank`.
    rho : float
        >= 0.

    Returns
    -------
    LogRankResult
        ``observed``/``expected`` are weighted for ``rho > 0``, as ``survdiff`` prints them.

    Notes
    -----
    R equivalent: ``survdiff(Surv(time, status) ~ group + strata(s), rho = rho)``; chi-square
    on ``k - 1`` df. R equivalent of ``timefix``: survival::aeqSurv; timefix=TRUE default
    (``timefix=False`` is ``survdiff(..., timefix = FALSE)``, which survival 3.5-3 cannot run
    from a formula: its ``model.frame`` receives the flag; see harness/r/timefix.R).

    lifelines: ``logrank_test`` / ``multivariate_logrank_test`` agree for ``rho = 0``
    (lifelines has no strata); lifelines' ``weightings="peto"`` is not ``rho = 1``.
    """
    return weighted_logrank(
        time, event, group, strata,
        weights="logrank" if rho == 0 else "peto", rho=rho, coding=coding, levels=levels,
        timefix=timefix,
    )


def fleming_harrington(
    time: Any,
    event: Any,
    group: Any,
    strata: Any = None,
    *,
    rho: float = 0.0,
    gamma: float = 0.0,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
) -> LogRankResult:
    """Fleming-Harrington G(rho, gamma): weight ``S(t-)^rho (1 - S(t-))^gamma``.

    Notes
    -----
    R equivalent: ``survdiff(..., rho = rho)`` when ``gamma = 0``; otherwise none in
    ``survival``. ``coin::logrank_test(..., type = "Fleming-Harrington", rho = rho,
    gamma = gamma)`` has the same ``O - E`` (its centered linear statistic) but a permutation
    variance. lifelines: ``weightings="fleming-harrington", p=rho, q=gamma`` agrees.
    """
    return weighted_logrank(
        time, event, group, strata,
        weights="fleming-harrington", rho=rho, gamma=gamma, coding=coding, levels=levels,
        timefix=timefix,
    )


def gehan_breslow_wilcoxon(
    time: Any,
    event: Any,
    group: Any,
    strata: Any = None,
    *,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
) -> LogRankResult:
    """Gehan-Breslow-Wilcoxon test (GraphPad Prism's name): weight = number at risk ``n_t``.

    Notes
    -----
    R equivalent: none in ``survival``; ``coin::logrank_test(..., type = "Gehan-Breslow")``
    has the same ``O - E`` but a permutation variance. lifelines:
    ``weightings="wilcoxon"`` agrees.
    """
    return weighted_logrank(
        time, event, group, strata, weights="gehan-breslow", coding=coding, levels=levels,
        timefix=timefix,
    )


def tarone_ware(
    time: Any,
    event: Any,
    group: Any,
    strata: Any = None,
    *,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
) -> LogRankResult:
    """Tarone-Ware test: weight ``sqrt(n_t)``.

    Notes
    -----
    R equivalent: none in ``survival``; ``coin::logrank_test(..., type = "Tarone-Ware")``
    has the same ``O - E`` but a permutation variance. lifelines:
    ``weightings="tarone-ware"`` agrees.
    """
    return weighted_logrank(
        time, event, group, strata, weights="tarone-ware", coding=coding, levels=levels,
        timefix=timefix,
    )


def logrank_scores(
    time: Any,
    event: Any,
    *,
    weights: str = "logrank",
    rho: float = 0.0,
    gamma: float = 0.0,
    coding: str = "01",
    t_star: float | None = None,
    s_star: float | None = None,
    timefix: bool = True,
) -> np.ndarray:
    """Per-subject weighted log-rank scores ``a_i = w(t_i) delta_i - sum_{t <= t_i} w_t d_t / n_t``.

    Summed over a group they give that group's ``O - E``; they are what
    ``coin::logrank_test`` permutes, so ``(O-E)^2 / [n1 n0 / (n (n-1)) sum a_i^2]`` is coin's
    asymptotic statistic for two groups (unstratified). ``timefix`` as
    :func:`weighted_logrank` (coin itself does not merge near-equal times).
    """
    spec, rho, gamma = check_weights(weights, rho, gamma, t_star=t_star, s_star=s_star)
    data = SurvData.from_arrays(time, event, coding=coding, timefix=timefix)
    cells = risk_cells(data.time, np.zeros(data.n, np.intp), 1)
    m = cells.time.size
    rows = np.bincount(cells.inverse, minlength=m).astype(float)
    d = np.bincount(cells.inverse, weights=data.event.astype(float), minlength=m)
    n = suffix_within(rows, cells)
    w = cell_weights(spec.name, n, d, cells.start, rho, gamma, time=cells.time,
                     t_star=t_star, s_star=s_star)
    return subject_scores(w, d, n, cells.start, cells.inverse, data.event)


def subject_scores(w: np.ndarray, d: np.ndarray, n: np.ndarray, start: np.ndarray,
                   cell: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Weighted log-rank score of every row, ``w(t_i) delta_i - sum_{t <= t_i} w_t d_t / n_t``.

    Parameters
    ----------
    w, d, n : ndarray
        Weight, pooled events and pooled number at risk per cell.
    start : ndarray of int
        First cell of each cell's stratum (the sum restarts in every stratum).
    cell, event : ndarray
        Cell index and event indicator of each row.

    Notes
    -----
    R equivalent: summed over a group, ``survdiff``'s ``obs - exp`` (for ``rho = 0``) and,
    up to sign, ``statistic(coin::logrank_test(...), "centered")``.
    """
    cum = np.cumsum(w * d / n)
    within = cum - np.r_[0.0, cum][start]
    return w[cell] * event - within[cell]
