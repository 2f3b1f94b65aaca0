"""Two-group hazard ratios as GraphPad Prism computes them, and their inverse.

Prism (Knowledgebase article #1226, "Hazard ratio from survival analysis", and the Prism
statistics guide "The hazard ratio"; both after Machin, Cheung & Parmar, *Survival Analysis*,
ch. 3) reports two hazard ratios from the log-rank quantities ``O``, ``E`` and the
hypergeometric variance ``V`` of the first group:

* Mantel-Haenszel: ``HR = exp((O1 - E1) / V)``, CI ``exp((O1 - E1)/V +/- z / sqrt(V))``
* logrank:         ``HR = (O1/E1) / (O2/E2)``, CI ``exp(ln HR +/- z sqrt(1/E1 + 1/E2))``

Group convention: the hazard ratio is *numerator group / reference group*. ``O1, E1`` belong to
the numerator group. Prism reports the ratio of its first data-set column to the second and its
reciprocal; here the numerator is chosen explicitly (default: the second of the two sorted
labels, i.e. R's convention where the first factor level is the reference, as in
``coxph(Surv(time, status) ~ group)``), and :attr:`HazardRatio.reciprocal` gives the other
direction. ``V`` is the same for both groups, so the reciprocal of the MH HR is exactly the MH
HR with the groups swapped, and its CI is the reciprocal CI.

R equivalent: none packaged; ``O``, ``E``, ``V`` are ``survdiff(Surv(time, status) ~ group)``'s
``obs``, ``exp`` and ``var[1, 1]`` (two-sided normal ``z``). ``coxph`` with ``ties="exact"``
gives a score test equal to the log-rank chi-square (with ``"breslow"`` only when no event
times are tied), and, when no event times are tied, the Breslow
one-step estimate from 0 is the MH log hazard ratio (with ties Breslow's information at 0 is
``sum d n1 n0 / n^2``, not the hypergeometric ``V``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from harness.core.logrank import survdiff
from harness.core.printed_ci import log_centre, mh_from_ci

__all__ = ["HazardRatio", "RecoveredMH", "hazard_ratio", "mh_log_hr", "recover_mh"]

_METHODS = ("mantel-haenszel", "logrank")


def _z(conf_level: float) -> float:
    conf_level = float(conf_level)
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    return float(stats.norm.ppf(0.5 + conf_level / 2.0))


def mh_log_hr(o_minus_e: Any, variance: Any) -> np.ndarray:
    """Mantel-Haenszel log hazard ratio ``(O1 - E1) / V``, elementwise; NaN where ``V <= 0``.

    Vectorised (e.g. one value per resample); :func:`hazard_ratio` uses it for one data set,
    :mod:`harness.resample` for every permutation or bootstrap replicate (with ``O - E`` and
    ``V`` from :func:`harness.core.logrank.two_group_logrank`).

    Notes
    -----
    R equivalent: ``fit <- survdiff(Surv(time, status) ~ group);
    (fit$obs[2] - fit$exp[2]) / fit$var[2, 2]``.
    """
    v = np.asarray(variance, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, np.asarray(o_minus_e, dtype=float) / v, np.nan)


@dataclass(frozen=True)
class HazardRatio:
    """A two-group hazard ratio with its confidence interval.

    Attributes
    ----------
    method : {"mantel-haenszel", "logrank"}
    numerator, reference
        Group labels; ``hr`` is hazard(numerator) / hazard(reference).
    hr, lower, upper : float
    conf_level : float
    log_hr, se_log_hr : float
        ``ln hr`` and the standard error used for the interval.
    observed, expected : tuple of float
        ``(O, E)`` of (numerator, reference) from the log-rank test.
    variance : float
        Hypergeometric variance ``V`` (the same for both groups).
    """

    method: str
    numerator: Any
    reference: Any
    hr: float
    lower: float
    upper: float
    conf_level: float
    log_hr: float
    se_log_hr: float
    observed: tuple
    expected: tuple
    variance: float

    @property
    def reciprocal(self) -> HazardRatio:
        """The same ratio with the groups swapped (reference / numerator)."""
        return HazardRatio(
            self.method, self.reference, self.numerator, 1.0 / self.hr, 1.0 / self.upper,
            1.0 / self.lower, self.conf_level, -self.log_hr, self.se_log_hr,
            self.observed[::-1], self.expected[::-1], self.variance,
        )

    @property
    def summary(self) -> pd.DataFrame:
        pct = f"{100 * self.conf_level:g}%"
        rows = [self, self.reciprocal]
        return pd.DataFrame(
            {
                "HR": [r.hr for r in rows],
                f"lower {pct}": [r.lower for r in rows],
                f"upper {pct}": [r.upper for r in rows],
                "ln(HR)": [r.log_hr for r in rows],
                "SE ln(HR)": [r.se_log_hr for r in rows],
            },
            index=pd.Index(
                [f"{r.numerator}/{r.reference}" for r in rows], name=f"HR ({self.method})"
            ),
        )


def hazard_ratio(
    time: Any,
    event: Any,
    group: Any,
    *,
    numerator: Any = None,
    method: str = "mantel-haenszel",
    conf_level: float = 0.95,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
) -> HazardRatio:
    """Prism's two-group hazard ratio (Mantel-Haenszel or logrank method).

    Parameters
    ----------
    time, event, group : array-like
        Validated by :class:`harness.core.survdata.SurvData`; exactly two groups.
    numerator : label, optional
        Group whose hazard is on top. Default: the second sorted label (the first is the
        reference, R's convention). To reproduce Prism's "first column / second column",
        pass the first column's label.
    method : {"mantel-haenszel", "logrank"}
        ``exp((O1-E1)/V)`` or ``(O1/E1)/(O2/E2)``; see the module docstring.
    conf_level : float
        Two-sided, normal quantile ``z``.
    timefix : bool
        As :func:`harness.core.logrank.survdiff` (R's ``survdiff(..., timefix = TRUE)``).

    Returns
    -------
    HazardRatio

    Raises
    ------
    ValueError
        Not exactly two groups; unknown method or numerator; ``V = 0`` (MH) or an ``O`` or
        ``E`` of zero (logrank), where the ratio or its interval is undefined.

    Notes
    -----
    R equivalent: from ``fit <- survdiff(Surv(time, status) ~ group)``:
    ``exp((fit$obs[2]-fit$exp[2]) / fit$var[2,2])`` (MH) and
    ``(fit$obs[2]/fit$exp[2]) / (fit$obs[1]/fit$exp[1])`` (logrank). lifelines has no
    equivalent (its hazard ratios come from ``CoxPHFitter``).
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}; got {method!r}")
    z = _z(conf_level)
    res = survdiff(time, event, group, coding=coding, levels=levels, timefix=timefix)
    if len(res.levels) != 2:
        raise ValueError(
            f"a hazard ratio compares exactly two groups; found {len(res.levels)}: "
            f"{list(res.levels)!r}"
        )
    if numerator is None:
        i = 1
    else:
        if numerator not in res.levels:
            raise ValueError(
                f"numerator {numerator!r} is not a group; groups are {list(res.levels)!r}")
        i = res.levels.index(numerator)
    j = 1 - i
    o = (float(res.observed[i]), float(res.observed[j]))
    e = (float(res.expected[i]), float(res.expected[j]))
    v = float(res.variance[i, i])
    if method == "mantel-haenszel":
        if not v > 0:
            raise ValueError(
                "the log-rank variance V is 0: the Mantel-Haenszel hazard ratio is undefined")
        log_hr = float(mh_log_hr(o[0] - e[0], v))
        se = 1.0 / np.sqrt(v)
    else:
        if min(o) <= 0 or min(e) <= 0:
            raise ValueError(
                f"logrank hazard ratio undefined: observed {o}, expected {e} (a zero in O or E)"
            )
        log_hr = np.log((o[0] / e[0]) / (o[1] / e[1]))
        se = float(np.sqrt(1.0 / e[0] + 1.0 / e[1]))
    return HazardRatio(
        method=method,
        numerator=res.levels[i],
        reference=res.levels[j],
        hr=float(np.exp(log_hr)),
        lower=float(np.exp(log_hr - z * se)),
        upper=float(np.exp(log_hr + z * se)),
        conf_level=float(conf_level),
        log_hr=float(log_hr),
        se_log_hr=float(se),
        observed=o,
        expected=e,
        variance=v,
    )


@dataclass(frozen=True)
class RecoveredMH:
    """``O - E`` and ``V`` recovered from a printed HR and CI under the MH convention.

    Attributes
    ----------
    o_minus_e, variance : float
        ``(O - E)`` of the numerator group and the log-rank variance.
    log_hr : float
        The log-midpoint of the interval, ``(ln lower + ln upper) / 2``, used as ``ln HR``.
    se_log_hr : float
        ``ln(upper / HR_mid) / z``.
    asymmetry : float
        ``ln(printed HR) - log_hr``: 0 for an exact MH interval, otherwise a measure of the
        rounding of the printed numbers (or a sign they were not computed this way).
    chisq : float
        ``(O - E)^2 / V``, the log-rank chi-square the printed numbers imply.
    """

    o_minus_e: float
    variance: float
    log_hr: float
    se_log_hr: float
    asymmetry: float
    chisq: float

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "O-E": [self.o_minus_e],
                "V": [self.variance],
                "ln(HR)": [self.log_hr],
                "SE": [self.se_log_hr],
                "asymmetry": [self.asymmetry],
                "chisq": [self.chisq],
            }
        )


def recover_mh(hr: float, lower: float, upper: float, conf_level: float = 0.95) -> RecoveredMH:
    """Invert the Mantel-Haenszel hazard ratio: printed HR and CI -> ``O - E`` and ``V``.

    Under the MH convention ``ln HR = (O-E)/V`` and the CI is ``ln HR +/- z / sqrt(V)``, so
    ``V = (z / ln(upper / HR))^2`` and ``O - E = V ln HR``. The centre is taken as the
    log-midpoint of the interval (the printed HR is usually rounded more coarsely than its
    information content), and the half-width as ``ln(upper / midpoint)``; the difference between
    the printed HR and the midpoint is returned as ``asymmetry``.

    Raises
    ------
    ValueError
        Non-positive or non-finite numbers, ``lower >= upper``, or an HR outside its interval.

    Notes
    -----
    R equivalent: ``V <- (qnorm(0.975) / log(upper / exp(mean(log(c(lower, upper))))))^2``.
    """
    vals = np.array([hr, lower, upper], dtype=float)
    if not np.isfinite(vals).all() or (vals <= 0).any():
        raise ValueError(f"HR and CI must be finite and > 0, got {hr!r}, {lower!r}, {upper!r}")
    if not lower < upper:
        raise ValueError(f"lower ({lower!r}) must be below upper ({upper!r})")
    if not lower <= hr <= upper:
        raise ValueError(f"HR {hr!r} is outside its interval [{lower!r}, {upper!r}]")
    z = _z(conf_level)  # validates the level
    mh = mh_from_ci(lower, upper, conf_level)
    mid, half = log_centre(lower, upper)
    return RecoveredMH(
        o_minus_e=float(mh["o_minus_e"]),
        variance=float(mh["v"]),
        log_hr=float(mid),
        se_log_hr=float(half / z),
        asymmetry=float(np.log(hr) - mid),
        chisq=float(mh["chisq"]),
    )
