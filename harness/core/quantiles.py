"""Median and other quantiles of a Kaplan-Meier curve, with the rules of several programs.

Every rule reads the same fitted :class:`harness.core.km.KaplanMeier`; they differ only where the
step curve is exactly flat at the target survival 1 - p, where it never reaches it, and in how
the confidence interval is made. ``probs`` are quantiles of the event-time distribution, as in
R's ``quantile.survfit``: ``p = 0.5`` is the median (S = 0.5), ``p = 0.25`` the first quartile
(S = 0.75).

A quantile a curve never reaches is NaN (R's NA) with the reason in ``reason``; nothing raises
and nothing is made up.

Rules
-----
``"R"``
    ``quantile.survfit`` (and the median column of ``print(survfit)`` in all but one corner
    case, see below). The estimate is the first time the curve is at or below 1 - p; when the
    curve is flat at exactly 1 - p (within ``sqrt(.Machine$double.eps)``) over [a, b) it is the
    midpoint (a + b) / 2, b being the next drop, or the curve's last observed time when the
    curve ends flat. The limits apply the same rule to the pointwise bands ``fit$lower`` and
    ``fit$upper`` of the fit's ``conf.type``.
    Corner case: when a curve *ends* flat at exactly 1 - p, ``quantile()`` gives (a + last
    time) / 2 but ``print(fit)`` / ``summary(fit)$table`` (``survival:::survmean``) gives a.
    This module follows ``quantile()``; the difference is pinned in the tests.
``"prism"``
    GraphPad Prism: "the time at which the staircase survival curve crosses 50% survival";
    "if the survival curve is horizontal at 50% survival ... Prism follows the suggestion of
    Machin and reports that the median survival is the average of" the first and last times
    at 50% (the example: flat between 9 and 17 months -> 13). A curve that ends flat at 50%
    uses the curve's last time (Prism knowledge base #1800: a control curve at 50% from day 1
    ending on day 2 -> 1.5; fixed in Prism 6). Sources: GraphPad Prism Statistics Guide,
    "Interpreting results: median survival" (graphpad.com/guides/prism/latest/statistics/
    stat_interpreting_results_ratio_of_.htm), FAQ #44 and #1800. The point estimate therefore
    equals R's. Interval: Prism >= 10.5 reports Brookmeyer-Crowley limits with the
    complementary log-log transform (same guide page); earlier versions give none. Implemented
    as :func:`brookmeyer_crowley` with ``"log-log"`` (see ``"sas"`` for its details).
``"spss"``
    IBM SPSS ``KM``: the estimate is the smallest event time with S <= 1 - p. Its standard
    error is the large-sample formula of Klein & Moeschberger (2003), Practical Note 3 of
    section 4.5, which the "KM" chapter of the IBM SPSS Statistics Algorithms manual uses
    (as summarised in the Cross Validated answer "Kaplan Meier using survfit: confidence
    interval of the median", which quotes that manual: a uniform-kernel density estimate
    from the 55th/45th percentiles for the median)::

        SE(t_p) = SE_greenwood(S(t_p)) / f(t_p),
        f(t_p)  = (S(u) - S(l)) / (l - u),
        u = max{t_j : S(t_j) >= 1 - p + 0.05},  l = min{t_j : S(t_j) <= 1 - p - 0.05}

    (t_j event times, with time 0 / S = 1 as a candidate for u), and the interval is
    t_p -/+ z SE (not truncated at 0, as SPSS prints it). NaN with a reason when l does not
    exist. Caveat: the manual itself could not be retrieved here; the formula above is the
    documented Klein-Moeschberger estimator, cited by that secondary source as SPSS's.
``"lifelines"``
    ``KaplanMeierFitter.median_survival_time_`` / ``lifelines.utils.qth_survival_time``: the
    first time with S <= 1 - p, compared exactly (no tolerance); the limits are the same rule
    applied to the bands (``median_survival_times(kmf.confidence_interval_)``). lifelines
    returns ``inf`` for a quantile never reached; here it is NaN with a reason.
``"sas"``
    SAS PROC LIFETEST: q_p = min{t_j : S(t_j) < 1 - p} (strict inequality); "if S(t) is
    exactly equal to 1 - p from t_j to t_{j+1}", q_p = (t_j + t_{j+1}) / 2; when S never falls
    strictly below 1 - p the quantile "cannot be estimated" (missing) - also when the curve
    ends flat at exactly 1 - p, where R and Prism average with the last time. Interval:
    Brookmeyer & Crowley (1982) as generalised by Klein & Moeschberger, the set of event times
    t with |g(S(t)) - g(1 - p)| <= z g'(S(t)) SE(S(t)), with ``CONFTYPE=LOGLOG`` by default.
    Source: SAS/STAT User's Guide, The LIFETEST Procedure, "Computational Formulas:
    Product-Limit Method" (support.sas.com/documentation/cdl/en/statug/63033/HTML/default/
    statug_lifetest_a0000000260.htm). The lower limit is the first event time of that set,
    the upper limit the event time following its last member (NaN when that member is the last
    event time), which is how statsmodels' ``SurvfuncRight.quantile_ci`` reads the SAS text.

Exact float equality at 1 - p: "prism", "spss" and "sas" use R's tolerance
``sqrt(machine eps)`` so that a product such as 0.75 * (2/3) = 0.49999999999999994 counts as
0.5; "lifelines" compares exactly, like lifelines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.core.km import KaplanMeier, z_value

__all__ = ["RULES", "QuantileResult", "quantiles", "median", "brookmeyer_crowley"]

RULES: tuple[str, ...] = ("R", "prism", "spss", "lifelines", "sas")
TOL = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True)
class QuantileResult:
    """Quantiles of one or more curves under one rule (one row per group and probability).

    ``se`` is only defined for the "spss" rule (NaN otherwise). ``reason`` is "" for a fully
    determined row, otherwise it says which of estimate / lower / upper is NaN and why.
    """

    group: np.ndarray
    prob: np.ndarray
    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    se: np.ndarray
    reason: np.ndarray
    rule: str
    conf_type: str
    conf_level: float

    @property
    def summary(self) -> pd.DataFrame:
        """Rows as a DataFrame (group, prob, estimate, lower, upper, se, reason)."""
        return pd.DataFrame(
            {
                "group": self.group,
                "prob": self.prob,
                "estimate": self.estimate,
                "lower": self.lower,
                "upper": self.upper,
                "se": self.se,
                "reason": self.reason,
            }
        )


# ---------------------------------------------------------------------------- R's rule
def _approx_constant_right(x: np.ndarray, y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """R's ``approx(x, y, v, method = "constant", f = 1, rule = 1)$y`` (NA pairs dropped)."""
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    out = np.full(v.shape, np.nan)
    if x.size == 0:
        return out
    inside = (v >= x[0]) & (v <= x[-1])
    j = np.searchsorted(x, v[inside], side="left")  # first x >= v
    out[inside] = y[j]  # exact hit: y[j]; strictly between x[j-1] and x[j]: y[j] (f = 1)
    return out


def _findq(x: np.ndarray, y: np.ndarray, p: np.ndarray, tol: float = TOL) -> np.ndarray:
    """R survival's internal quantile finder (``findq``) on a cumulative curve y = 1 - S."""
    if np.all(np.isnan(y)) or np.nanmax(y) < np.min(p):
        return np.full(p.shape, np.nan)
    xmax = x[-1]
    # drop duplicated y values (NaN equal to NaN), keeping the first of each
    _, first = np.unique(np.where(np.isnan(y), np.inf, y), return_index=True)
    keep = np.zeros(y.size, bool)
    keep[first] = True
    x, y = x[keep], y[keep]
    idx = np.arange(1, y.size + 1, dtype=float)
    i1 = _approx_constant_right(y + tol, idx, p)
    i2 = _approx_constant_right(y - tol, idx, p)
    with np.errstate(invalid="ignore"):
        a = np.where(np.isnan(i1), np.nan, x[np.nan_to_num(i1, nan=1).astype(int) - 1])
        b = np.where(np.isnan(i2), np.nan, x[np.nan_to_num(i2, nan=1).astype(int) - 1])
    q = (a + b) / 2
    q[p == 0] = x[0]
    if not np.isnan(y[-1]):
        last = np.abs(p - y[-1]) < tol
        q[last] = (a[last] + xmax) / 2
    return q


# ---------------------------------------------------------------------------- other rules
def _first_at_or_below(time: np.ndarray, s: np.ndarray, target: float, tol: float) -> float:
    hit = np.flatnonzero(s <= target + tol)
    return float(time[hit[0]]) if hit.size else np.nan


def _sas_point(time: np.ndarray, s: np.ndarray, target: float) -> tuple[float, str]:
    below = np.flatnonzero(s < target - TOL)
    if below.size == 0:
        if np.any(np.abs(s - target) <= TOL):
            return np.nan, "curve ends flat at exactly S = 1-p: SAS's strict rule leaves it missing"
        return np.nan, f"curve never falls below S = {target:g}"
    equal = np.flatnonzero(np.abs(s[: below[0]] - target) <= TOL)
    if equal.size:
        return (time[equal[0]] + time[below[0]]) / 2, ""
    return float(time[below[0]]), ""


def brookmeyer_crowley(
    time: np.ndarray,
    surv: np.ndarray,
    se_surv: np.ndarray,
    p: float,
    conf_level: float = 0.95,
    transform: str = "log-log",
) -> tuple[float, float, str]:
    """Brookmeyer-Crowley interval of the p-th quantile from event-time KM values.

    Parameters
    ----------
    time, surv, se_surv : ndarray
        Event times, S and Greenwood SE of S at those times.
    p : float
        Quantile of the event-time distribution (target survival 1 - p).
    transform : {"log-log", "linear", "log", "logit", "arcsin"}
        g of SAS's ``CONFTYPE=`` (LOGLOG default; Prism uses the complementary log-log, the
        same g(S) = log(-log S)).

    Returns
    -------
    lower, upper, reason

    R equivalent: none in ``survival`` (``survfit``'s median limits invert the pointwise
    bands instead); SAS ``PROC LIFETEST ... CONFTYPE=``.
    """
    z = z_value(conf_level)
    g, dg = {
        "log-log": (lambda s: np.log(-np.log(s)), lambda s: 1.0 / (s * np.log(s))),
        "linear": (lambda s: s, lambda s: np.ones_like(s)),
        "log": (np.log, lambda s: 1.0 / s),
        "logit": (lambda s: np.log(s / (1 - s)), lambda s: 1.0 / (s * (1 - s))),
        "arcsin": (
            lambda s: np.arcsin(np.sqrt(s)),
            lambda s: 1.0 / (2 * np.sqrt(s * (1 - s))),
        ),
    }[transform]
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.abs(g(surv) - g(np.array(1.0 - p))) / np.abs(dg(surv) * se_surv)
    inside = np.flatnonzero(stat <= z)
    if inside.size == 0:
        return np.nan, np.nan, "no event time satisfies the Brookmeyer-Crowley inequality"
    lo = float(time[inside[0]])
    if inside[-1] + 1 < time.size:
        return lo, float(time[inside[-1] + 1]), ""
    return lo, np.nan, "upper limit not reached (SAS: missing; Prism: +infinity)"


def _spss(time, s, se, target, z) -> tuple[float, float, float, float, str]:
    est = _first_at_or_below(time, s, target, TOL)
    if np.isnan(est):
        return (np.nan,) * 4 + (f"curve never falls to S = {target:g}",)
    k = int(np.flatnonzero(time == est)[0])
    tt = np.concatenate(([0.0], time))
    ss = np.concatenate(([1.0], s))
    up = np.flatnonzero(ss >= target + 0.05 - TOL)
    lo = np.flatnonzero(ss <= target - 0.05 + TOL)
    if lo.size == 0:
        return est, np.nan, np.nan, np.nan, (
            f"SE undefined: the curve never falls to S = {target - 0.05:g} (needed for the "
            "density estimate)"
        )
    u, l_ = up[-1], lo[0]
    f = (ss[u] - ss[l_]) / (tt[l_] - tt[u])
    sd = se[k] / f
    return est, est - z * sd, est + z * sd, sd, ""


# ---------------------------------------------------------------------------- public API
def quantiles(
    km: KaplanMeier, probs: Sequence[float] | float = (0.25, 0.5, 0.75), rule: str = "R"
) -> QuantileResult:
    """Quantiles (default quartiles) with confidence limits, for each group of a KM fit.

    Parameters
    ----------
    km : KaplanMeier
        A fitted estimator; its ``conf_type`` / ``conf_level`` give the bands used by the "R"
        and "lifelines" rules (and the z of the "spss" interval).
    probs : float or sequence of float in [0, 1]
        Quantiles of the event-time distribution (0.5 = median).
    rule : {"R", "prism", "spss", "lifelines", "sas"}
        See the module documentation.

    Returns
    -------
    QuantileResult
        One row per group (level order) and probability; NaN with a ``reason`` where a value
        is not reached/defined.

    R equivalent: ``quantile(fit, probs, conf.int = TRUE)`` (rule "R"), e.g.
    ``quantile(survfit(Surv(time, status) ~ sex, lung), c(.25, .5, .75))``.
    How lifelines differs: see rule "lifelines" (first S <= 1 - p, ``inf`` when never reached).
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    p = np.atleast_1d(np.asarray(probs, dtype=float))
    if p.ndim != 1 or p.size == 0 or np.isnan(p).any() or ((p < 0) | (p > 1)).any():
        raise ValueError(f"probs must be probabilities in [0, 1], got {probs!r}")
    if not hasattr(km, "time_"):
        raise ValueError("the KaplanMeier is not fitted yet: call fit() first")
    z = z_value(km.conf_level)
    rows: dict[str, list] = {k: [] for k in ("group", "prob", "est", "lo", "hi", "se", "why")}
    for label, sl in km.curves():
        time, s = km.time_[sl], km.survival_[sl]
        lower, upper = km.lower_[sl], km.upper_[sl]
        ev = km.n_event_[sl] > 0
        et, es, ese = time[ev], s[ev], km.std_err_[sl][ev]
        if rule == "R":
            x = np.concatenate(([0.0], time))
            est = _findq(x, np.concatenate(([0.0], 1 - s)), p)
            lo = _findq(x, np.concatenate(([0.0], 1 - lower)), p)
            hi = _findq(x, np.concatenate(([0.0], 1 - upper)), p)
            se = np.full(p.size, np.nan)
            why = [_why(e, a, b, 1 - q, "R") for e, a, b, q in zip(est, lo, hi, p)]
        else:
            est, lo, hi, se, why = [], [], [], [], []
            for q in p:
                target = 1.0 - q
                if rule == "spss":
                    e, a, b, sd, w = _spss(et, es, ese, target, z)
                elif rule == "lifelines":
                    e = _first_at_or_below(time, s, target, 0.0)
                    a = _first_at_or_below(time, lower, target, 0.0)
                    b = _first_at_or_below(time, upper, target, 0.0)
                    sd, w = np.nan, _why(e, a, b, target, "lifelines")
                elif rule == "sas":
                    e, w = _sas_point(et, es, target)
                    a, b, w2 = brookmeyer_crowley(et, es, ese, q, km.conf_level, "log-log")
                    sd, w = np.nan, "; ".join(x for x in (w, w2) if x)
                else:  # prism
                    e = float(_findq(np.concatenate(([0.0], time)),
                                     np.concatenate(([0.0], 1 - s)), np.array([q]))[0])
                    a, b, w2 = brookmeyer_crowley(et, es, ese, q, km.conf_level, "log-log")
                    w = ""
                    if np.isnan(e):
                        w = f"curve never falls to S = {target:g} (Prism: undefined)"
                    sd, w = np.nan, "; ".join(x for x in (w, w2) if x)
                est.append(e), lo.append(a), hi.append(b), se.append(sd), why.append(w)
        rows["group"].append(np.full(p.size, label, dtype=object))
        rows["prob"].append(p.copy())
        rows["est"].append(np.asarray(est, float))
        rows["lo"].append(np.asarray(lo, float))
        rows["hi"].append(np.asarray(hi, float))
        rows["se"].append(np.asarray(se, float))
        rows["why"].append(np.asarray(why, dtype=object))
    cat = {k: np.concatenate(v) for k, v in rows.items()}
    return QuantileResult(
        group=cat["group"], prob=cat["prob"], estimate=cat["est"], lower=cat["lo"],
        upper=cat["hi"], se=cat["se"], reason=cat["why"], rule=rule,
        conf_type=km.conf_type, conf_level=km.conf_level,
    )


def _why(est: float, lo: float, hi: float, target: float, who: str) -> str:
    parts = []
    if np.isnan(est):
        parts.append(f"estimate: the curve never reaches S = {target:g} ({who}: NA)")
    if np.isnan(lo):
        parts.append(f"lower: the lower band never reaches S = {target:g}")
    if np.isnan(hi):
        parts.append(f"upper: the upper band never reaches S = {target:g}")
    return "; ".join(parts)


def median(km: KaplanMeier, rule: str = "R") -> QuantileResult:
    """Median survival with confidence limits, ``quantiles(km, 0.5, rule)``.

    R equivalent: ``quantile(fit, 0.5)`` / the median, 0.95LCL and 0.95UCL columns of
    ``print(fit)`` (``summary(fit)$table``).
    How lifelines differs: ``median_survival_time_`` is the first time with S <= 0.5 (no
    midpoint on a flat segment at 0.5) and is ``inf`` when not reached.
    """
    return quantiles(km, 0.5, rule)
