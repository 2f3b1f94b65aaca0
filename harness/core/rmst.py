"""Restricted mean survival time (RMST) up to tau, its standard error, and two-group differences.

RMST(tau) = integral_0^tau S(t) dt of the Kaplan-Meier step curve (carried forward at its last
value when tau is past the last observed time), with R's variance

    Var = sum over event times t_i <= tau of  A_i^2 * d_i / (n_i (n_i - d_i)),
    A_i = integral_{t_i}^{tau} S(t) dt,

a term being 0 when n_i = d_i (everyone at risk dies), as ``survival:::survmean`` (no
n / (n - 1) correction).

R equivalent: ``summary(survfit(Surv(time, status) ~ g), rmean = tau)$table[, c("rmean",
"se(rmean)")]`` (``print(fit, rmean = tau)`` prints the same numbers).
How lifelines differs: ``lifelines.utils.restricted_mean_survival_time(kmf, t=tau,
return_variance=True)`` integrates the same curve but its variance is not Greenwood's
(it integrates the squared survival instead), so its SE differs from R's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from harness.core.km import KaplanMeier, z_value

__all__ = ["RMSTResult", "RMSTDifference", "rmst", "rmst_difference"]


@dataclass(frozen=True)
class RMSTResult:
    """RMST per group (level order): ``group``, ``tau``, ``rmst``, ``se``, ``note``."""

    group: np.ndarray
    tau: float
    rmst: np.ndarray
    se: np.ndarray
    note: np.ndarray

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"group": self.group, "tau": self.tau, "rmst": self.rmst, "se": self.se,
             "note": self.note}
        )


@dataclass(frozen=True)
class RMSTDifference:
    """RMST(group_a) - RMST(group_b) with SE sqrt(se_a^2 + se_b^2), normal CI and p-value."""

    group_a: Any
    group_b: Any
    tau: float
    difference: float
    se: float
    lower: float
    upper: float
    p_value: float
    conf_level: float

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


def _rmst_one(time, surv, n_risk, n_event, tau: float) -> tuple[float, float]:
    keep = time <= tau
    t = np.concatenate(([0.0], time[keep], [tau]))
    s = np.concatenate(([1.0], surv[keep]))  # height on each interval (t[k], t[k+1]]
    rect = np.diff(t) * s
    mean = float(rect.sum())
    # area from each kept time to tau: reverse cumulative sum of the rectangles after it
    tail = np.cumsum(rect[::-1])[::-1][1:]  # tail[i] = integral from time[keep][i] to tau
    n, d = n_risk[keep], n_event[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where((n - d) == 0, 0.0, d / (n * (n - d)))
    return mean, float(np.sqrt(np.sum(tail**2 * h)))


def rmst(km: KaplanMeier, tau: float) -> RMSTResult:
    """Restricted mean survival time up to ``tau`` with its standard error, per group.

    Parameters
    ----------
    km : KaplanMeier
        Fitted estimator (its conf_type does not matter).
    tau : float
        Truncation time, >= 0. Past a curve's last observed time the curve is carried
        forward at its last value, as R does.

    Returns
    -------
    RMSTResult

    Raises
    ------
    ValueError
        ``tau`` negative, NaN or infinite; ``km`` not fitted.

    Notes
    -----
    R's ``summary(fit, rmean = tau)`` stops with "Truncation point for the mean time in state
    is < smallest survival" when tau is below the smallest observed time (of all groups); the
    value is then simply tau (S = 1 on [0, tau]) with SE 0, which is returned here with a note.

    R equivalent: ``summary(fit, rmean = tau)$table[, "rmean"]`` and ``[, "se(rmean)"]``.
    """
    tau = float(tau)
    if not np.isfinite(tau) or tau < 0:
        raise ValueError(f"tau must be a finite non-negative time, got {tau!r}")
    if not hasattr(km, "time_"):
        raise ValueError("the KaplanMeier is not fitted yet: call fit() first")
    groups, means, ses, notes = [], [], [], []
    below_all = tau < km.time_.min()
    for label, sl in km.curves():
        m, s = _rmst_one(km.time_[sl], km.survival_[sl], km.n_risk_[sl], km.n_event_[sl], tau)
        groups.append(label)
        means.append(m)
        ses.append(s)
        note = ""
        if below_all:
            note = "tau is before the first observed time: R's summary(rmean=) stops here"
        elif tau > km.time_[sl][-1]:
            note = f"tau is after this curve's last time {km.time_[sl][-1]:g}: S carried forward"
        notes.append(note)
    return RMSTResult(np.array(groups, dtype=object), tau, np.array(means), np.array(ses),
                      np.array(notes, dtype=object))


def rmst_difference(
    km: KaplanMeier, tau: float, group_a: Any = None, group_b: Any = None,
    conf_level: float = 0.95,
) -> RMSTDifference:
    """Difference of RMST between two groups with SE, normal CI and two-sided p-value.

    Parameters
    ----------
    km : KaplanMeier
        Fitted with groups.
    tau : float
    group_a, group_b : labels, optional
        Defaults: the second level minus the first (``levels_[1] - levels_[0]``), the usual
        "treatment minus control" order when the control is the first level.
    conf_level : float

    Returns
    -------
    RMSTDifference
        difference = RMST_a - RMST_b, se = sqrt(se_a^2 + se_b^2) (independent groups),
        limits difference -/+ z se, p = 2 (1 - Phi(|difference| / se)).

    R equivalent: from two ``summary(fit, rmean = tau)$table`` rows,
    ``d <- rm[2] - rm[1]; se <- sqrt(sum(se^2)); d + c(-1, 1) * qnorm(0.975) * se``
    (survRM2's ``rmst2`` gives the same difference; its SE uses a different variance).
    """
    if not hasattr(km, "time_"):
        raise ValueError("the KaplanMeier is not fitted yet: call fit() first")
    lv = km.levels_
    if len(lv) < 2 or lv == [None]:
        raise ValueError("rmst_difference needs a KaplanMeier fitted with at least two groups")
    a = lv[1] if group_a is None else group_a
    b = lv[0] if group_b is None else group_b
    for g in (a, b):
        if g not in lv:
            raise ValueError(f"group {g!r} is not among the fitted groups {lv!r}")
    if a == b:
        raise ValueError("group_a and group_b must differ")
    res = rmst(km, tau)
    ia, ib = lv.index(a), lv.index(b)
    diff = float(res.rmst[ia] - res.rmst[ib])
    se = float(np.hypot(res.se[ia], res.se[ib]))
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = float(2 * norm.sf(abs(diff) / se)) if se > 0 else np.nan
    return RMSTDifference(a, b, float(tau), diff, se, diff - z * se, diff + z * se, p,
                          float(conf_level))
