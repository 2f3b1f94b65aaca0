"""Kaplan-Meier estimator that reproduces R ``survival::survfit`` number for number.

Pure numpy; no I/O. Input is validated by :mod:`harness.core.survdata` (one place for every
estimator), so negative/NaN/infinite times, bad event codes, length mismatches and empty groups
raise ``ValueError`` there.

R equivalent: ``survfit(Surv(time, status) ~ group, data, conf.type = ..., conf.int = ...)``
(``stype = 1``, ``ctype = 1``, ``error = "greenwood"``, ``conf.lower = "usual"``: R's defaults).

How lifelines differs: ``lifelines.KaplanMeierFitter`` builds its pointwise interval on the
log(-log S) scale ("exponential Greenwood", R's ``conf.type = "log-log"``) while R's default is
``"log"``; lifelines also reports S = 1 at time 0 with a (1, 1) interval where R's log-log gives
NA. Both are pinned in ``tests/test_km.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from harness.core.survdata import SurvData, as_times

__all__ = ["CONF_TYPES", "KaplanMeier", "KMAtTimes", "confint", "z_value"]

#: The pointwise confidence interval transformations of R's ``survfit(conf.type = ...)``.
CONF_TYPES: tuple[str, ...] = ("plain", "log", "log-log", "logit", "arcsin")


def z_value(conf_level: float) -> float:
    """Two-sided normal quantile, ``qnorm(1 - (1 - conf.int) / 2)`` in R."""
    conf_level = float(conf_level)
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    return float(norm.ppf(1.0 - (1.0 - conf_level) / 2.0))


def confint(
    surv: np.ndarray, se_cumhaz: np.ndarray, conf_type: str = "log", conf_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise confidence limits of a survival curve, as R's ``survfit``.

    Parameters
    ----------
    surv : ndarray
        Survival estimates S.
    se_cumhaz : ndarray
        Standard error of the cumulative hazard, i.e. SE(S) / S (R's ``fit$std.err`` with
        ``logse = TRUE``).
    conf_type : {"plain", "log", "log-log", "logit", "arcsin"}
    conf_level : float

    Returns
    -------
    lower, upper : ndarray
        NaN where R gives NA/NaN: S = 0 for every type; S = 1 for "log-log", "logit" and
        "arcsin" (R computes 0 * Inf there); an infinite SE (all at risk died).

    Notes
    -----
    With z the normal quantile and s = SE of the cumulative hazard:

    * plain: S -/+ z s S, clipped to [0, 1];
    * log: exp(log S -/+ z s), upper clipped at 1;
    * log-log: exp(-exp(log(-log S) -/+ z s / log S)), i.e. S ** exp(+/- z s / log S);
    * logit: logit^-1(logit S -/+ z s / (1 - S));
    * arcsin: sin^2(asin(sqrt S) -/+ z s sqrt(S / (1 - S)) / 2), kept within [0, pi/2].

    R equivalent: ``survival:::survfit_confint(p, se, logse = TRUE, conf.type, conf.int)``
    (the formulas were implemented from the documentation of ``survfit.formula``, not copied).
    """
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    z = z_value(conf_level)
    p = np.asarray(surv, dtype=float)
    se = np.asarray(se_cumhaz, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = se * p * z
            return np.maximum(p - half, 0.0), np.minimum(p + half, 1.0)
        if conf_type == "log":
            xx = np.where(p == 0, np.nan, p)
            return np.exp(np.log(xx) - z * se), np.minimum(np.exp(np.log(xx) + z * se), 1.0)
        if conf_type == "log-log":
            xx = np.where((p == 0) | (p == 1), np.nan, p)
            half = z * se / np.log(xx)
            ll = np.log(-np.log(xx))
            return np.exp(-np.exp(ll - half)), np.exp(-np.exp(ll + half))
        if conf_type == "logit":
            xx = np.where(p == 0, np.nan, p)
            half = z * se * (1.0 + xx / (1.0 - xx))
            lg = np.log(p / (1.0 - p))
            return 1.0 - 1.0 / (1.0 + np.exp(lg - half)), 1.0 - 1.0 / (1.0 + np.exp(lg + half))
        # arcsin
        xx = np.where(p == 0, np.nan, p)
        half = 0.5 * z * se * np.sqrt(xx / (1.0 - xx))
        a = np.arcsin(np.sqrt(xx))
        return (
            np.sin(np.maximum(0.0, a - half)) ** 2,
            np.sin(np.minimum(np.pi / 2, a + half)) ** 2,
        )


@dataclass(frozen=True)
class KMAtTimes:
    """Kaplan-Meier estimates at requested times (one row per group and time).

    Attributes are numpy arrays of equal length; ``summary`` gives them as a DataFrame.
    ``reason`` is "" for a usable row, otherwise why the values are NaN.

    R equivalent: ``summary(fit, times = t, extend = extend)``.
    """

    group: np.ndarray
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    std_err: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    reason: np.ndarray
    conf_type: str
    conf_level: float

    @property
    def summary(self) -> pd.DataFrame:
        """The rows as a DataFrame (columns named after R's ``summary.survfit`` components)."""
        return pd.DataFrame(
            {
                "group": self.group,
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "survival": self.survival,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
                "reason": self.reason,
            }
        )


@dataclass
class _Curve:
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    std_err_cumhaz: np.ndarray
    n: int


def _curve(time: np.ndarray, event: np.ndarray) -> _Curve:
    """One KM curve at every distinct time (events and censorings), as ``survfit``."""
    return _curve_sorted(*_sorted(time, event))


def _curves(time: np.ndarray, event: np.ndarray, codes: np.ndarray, k: int) -> list[_Curve]:
    """One curve per group code 0..k-1 (one sort per group)."""
    if k == 1:
        return [_curve_sorted(*_sorted(time, event))]
    return [_curve_sorted(*_sorted(time[codes == j], event[codes == j])) for j in range(k)]


def _sorted(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times ascending with their events (quicksort: order within ties does not matter)."""
    order = np.argsort(time)
    return time[order], event[order]


def _curve_sorted(time: np.ndarray, event: np.ndarray) -> _Curve:
    """:func:`_curve` for times already sorted ascending (no second sort)."""
    if time.size == 0:
        empty = np.empty(0)
        return _Curve(empty, empty, empty, empty, empty, empty, 0)
    start = np.flatnonzero(np.r_[True, time[1:] != time[:-1]])
    ut = time[start]
    counts = np.diff(np.r_[start, time.size]).astype(float)
    d = np.add.reduceat(event.astype(float), start)
    at_risk = time.size - np.concatenate(([0.0], np.cumsum(counts)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod((at_risk - d) / at_risk)
        term = np.where(d > 0, d / (at_risk * (at_risk - d)), 0.0)
    se = np.sqrt(np.cumsum(term))
    return _Curve(ut, at_risk, d, counts - d, surv, se, int(time.size))


class KaplanMeier:
    """Kaplan-Meier (product-limit) estimator, lifelines-style ``fit`` returning ``self``.

    Parameters
    ----------
    conf_type : {"log", "plain", "log-log", "logit", "arcsin"}
        Pointwise interval transform, R's ``conf.type`` (R's default "log").
    conf_level : float
        R's ``conf.int`` (0.95).

    Attributes (after ``fit``)
    --------------------------
    time_, n_risk_, n_event_, n_censor_, survival_ : ndarray
        One entry per distinct observed time (events *and* censorings) as R's ``fit$time``,
        ``fit$n.risk``, ``fit$n.event``, ``fit$n.censor``, ``fit$surv``. For a grouped fit the
        groups are stacked in level order, exactly as R stacks strata.
    strata_ : ndarray
        Group label of each row (all ``None`` without groups), R's ``rep(names(fit$strata),
        fit$strata)``.
    std_err_ : ndarray
        Greenwood standard error of S itself, = R's ``summary(fit)$std.err``
        (``fit$std.err * fit$surv``); NaN where S = 0 (R gives NaN: Inf * 0).
    std_err_cumhaz_ : ndarray
        R's ``fit$std.err``: Greenwood SE of the cumulative hazard, i.e. SE(S) / S
        (sqrt of the cumulative sum of d / (n (n - d))); Inf once every subject at risk died.
    lower_, upper_ : ndarray
        Pointwise limits (R's ``fit$lower``, ``fit$upper``), NaN where R gives NA.
    levels_ : list
        Group labels in R's factor order (sorted); ``[None]`` without groups.
    groups_ : dict
        label -> fitted single-curve ``KaplanMeier`` (for a fit without groups, ``{None: self}``).
    n_ : int
        Number of rows (R's ``fit$n``, summed over groups).

    R equivalent: ``survfit(Surv(time, status) ~ 1 (or ~ group), conf.type = conf_type,
    conf.int = conf_level)``; ``fit(..., timefix=False)`` is ``survfit(..., timefix = FALSE)``
    (R equivalent of the default: survival::aeqSurv; timefix=TRUE default).

    How lifelines differs: ``KaplanMeierFitter`` always uses the log-log interval and adds a
    row at time 0; its ``timeline`` also lists all distinct times.
    """

    def __init__(self, conf_type: str = "log", conf_level: float = 0.95):
        if conf_type not in CONF_TYPES:
            raise ValueError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
        z_value(conf_level)  # validates
        self.conf_type = conf_type
        self.conf_level = float(conf_level)

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        data_or_time: Any,
        event: Any = None,
        group: Any = None,
        *,
        coding: str = "01",
        levels: Sequence[Any] | None = None,
        timefix: bool | None = None,
    ) -> KaplanMeier:
        """Fit the curve(s).

        Parameters
        ----------
        data_or_time : SurvData or array-like
            A validated :class:`~harness.core.survdata.SurvData`, or the times (then ``event`` is
            required).
        event : array-like, optional
            0/1 (or booleans; 1/2 with ``coding="12"``).
        group : array-like, optional
            Group labels: one curve per distinct label, in sorted order (R's factor order).
        coding : {"01", "12"}
        levels : sequence, optional
            Expected group labels; a listed level with no rows raises ``ValueError``.
        timefix : bool, optional
            Merge times equal up to rounding error over all rows (R's ``aeqSurv``; default
            True for arrays, R's ``survfit(..., timefix = TRUE)``). A ``SurvData`` carries its
            own setting: a different ``timefix`` here raises ``ValueError``.

        Returns
        -------
        KaplanMeier
            ``self``.

        Raises
        ------
        ValueError
            Anything :meth:`SurvData.from_arrays` rejects.
        """
        if isinstance(data_or_time, SurvData):
            if event is not None or group is not None:
                raise ValueError("pass either a SurvData or arrays (time, event, group), not both")
            if timefix is not None and bool(timefix) != data_or_time.timefix:
                raise ValueError(f"timefix={timefix!r} but the SurvData was built with "
                                 f"timefix={data_or_time.timefix}: set it when building it")
            data = data_or_time
        else:
            if event is None:
                raise ValueError("event is required when data_or_time is an array of times")
            data = SurvData.from_arrays(data_or_time, event, group, coding=coding, levels=levels,
                                        timefix=True if timefix is None else timefix)
        self.data_ = data
        codes, lv = data.group_codes()
        self.levels_ = list(lv)
        self.n_ = data.n
        curves = _curves(data.time, data.event, codes, len(lv))
        self._set(curves, lv)
        if data.group is None:
            self.groups_ = {None: self}
        else:
            self.groups_ = {}
            for label, c, sl in zip(lv, curves, self._slices):
                sub = KaplanMeier(self.conf_type, self.conf_level)
                sub._set([c], [label], limits=(self.lower_[sl], self.upper_[sl]))
                sub.levels_ = [label]
                sub.n_ = c.n
                sub.data_ = None
                sub.groups_ = {label: sub}
                self.groups_[label] = sub
        return self

    def _set(self, curves: list[_Curve], labels: list,
             limits: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        cat = lambda name: np.concatenate([getattr(c, name) for c in curves])  # noqa: E731
        self._curves = curves
        self.time_ = cat("time")
        self.n_risk_ = cat("n_risk")
        self.n_event_ = cat("n_event")
        self.n_censor_ = cat("n_censor")
        self.survival_ = cat("survival")
        self.std_err_cumhaz_ = cat("std_err_cumhaz")
        with np.errstate(invalid="ignore"):
            self.std_err_ = self.std_err_cumhaz_ * self.survival_
        self.strata_ = np.concatenate(
            [np.full(c.time.size, lab, dtype=object) for c, lab in zip(curves, labels)]
        )
        self.lower_, self.upper_ = limits if limits is not None else confint(
            self.survival_, self.std_err_cumhaz_, self.conf_type, self.conf_level
        )
        # per-curve slices into the stacked arrays
        ends = np.cumsum([c.time.size for c in curves])
        self._slices = [slice(int(e - c.time.size), int(e)) for e, c in zip(ends, curves)]

    def _check_fitted(self) -> None:
        if not hasattr(self, "time_"):
            raise ValueError("this KaplanMeier is not fitted yet: call fit() first")

    def curves(self):
        """Iterate ``(label, slice)`` over the groups: ``km.survival_[slice]`` is one curve."""
        self._check_fitted()
        return list(zip(self.levels_, self._slices))

    # ------------------------------------------------------------------ queries
    def at(self, times: Any, extend: bool = False) -> KMAtTimes:
        """Estimates at the given times, R's ``summary(fit, times = times, extend = extend)``.

        Parameters
        ----------
        times : array-like of float
            Non-negative times; sorted ascending as R does (R's event/censor counts are counted
            between consecutive requested times, so the order matters).
        extend : bool
            R's ``extend``. Without it, a time after a curve's last observed time (event or
            censoring) gives a row of NaN whose ``reason`` says so: R's ``summary`` silently
            drops such a time, and errors ("no points selected for one or more curves") when no
            time remains for a curve. With ``extend=True`` the last value is carried forward and
            n_risk is 0, as R.

        Returns
        -------
        KMAtTimes
            Rows per group (level order) then time. The curve is right-continuous: at an event
            time the drop is included; before the first observed time S = 1, SE = 0 and the
            limits are (1, 1) for every conf type (R's ``survfit0`` row at time 0).
            n_event / n_censor count events / censorings in (previous requested time, t] (from
            0 for the first), as R's ``summary``. ``std_err`` is the SE of S.

        R equivalent: ``summary(fit, times = times, extend = extend)``.
        """
        self._check_fitted()
        t = np.sort(as_times(np.atleast_1d(np.asarray(times, dtype=float)), name="times"))
        cols: dict[str, list] = {k: [] for k in KMAtTimes.__dataclass_fields__}
        for label, sl in self.curves():
            time = self.time_[sl]
            idx = np.searchsorted(time, t, side="right")  # number of distinct times <= t
            first_ge = np.searchsorted(time, t, side="left")
            n_risk_ext = np.append(self.n_risk_[sl], 0.0)
            beyond = (t > time[-1]) & (not extend)

            def pick(arr: np.ndarray, at_start: float) -> np.ndarray:
                full = np.concatenate(([at_start], arr))
                out = full[idx].astype(float)
                out[beyond] = np.nan
                return out

            cum_e = np.concatenate(([0.0], np.cumsum(self.n_event_[sl])))[idx]
            cum_c = np.concatenate(([0.0], np.cumsum(self.n_censor_[sl])))[idx]
            n_ev = np.diff(np.concatenate(([0.0], cum_e)))
            n_ce = np.diff(np.concatenate(([0.0], cum_c)))
            n_risk = n_risk_ext[first_ge].astype(float)
            for arr in (n_ev, n_ce, n_risk):
                arr[beyond] = np.nan
            cols["group"].append(np.full(t.size, label, dtype=object))
            cols["time"].append(t.copy())
            cols["n_risk"].append(n_risk)
            cols["n_event"].append(n_ev)
            cols["n_censor"].append(n_ce)
            cols["survival"].append(pick(self.survival_[sl], 1.0))
            cols["std_err"].append(pick(self.std_err_[sl], 0.0))
            cols["lower"].append(pick(self.lower_[sl], 1.0))
            cols["upper"].append(pick(self.upper_[sl], 1.0))
            reason = np.full(t.size, "", dtype=object)
            reason[beyond] = (
                f"after the last observed time {time[-1]:g}: R's summary(fit, times) drops this "
                "time (and errors if no time is left); use extend=True to carry S forward"
            )
            cols["reason"].append(reason)
        out = {k: np.concatenate(v) for k, v in cols.items() if v}
        return KMAtTimes(conf_type=self.conf_type, conf_level=self.conf_level, **out)

    def survival_at(self, times: Any, extend: bool = False) -> np.ndarray:
        """S(t) only (stacked per group), shorthand for ``self.at(times, extend).survival``."""
        return self.at(times, extend).survival

    @property
    def table(self) -> pd.DataFrame:
        """The fitted curve(s) as a DataFrame (one row per distinct time per group)."""
        self._check_fitted()
        return pd.DataFrame(
            {
                "group": self.strata_,
                "time": self.time_,
                "n_risk": self.n_risk_,
                "n_event": self.n_event_,
                "n_censor": self.n_censor_,
                "survival": self.survival_,
                "std_err": self.std_err_,
                "std_err_cumhaz": self.std_err_cumhaz_,
                "lower": self.lower_,
                "upper": self.upper_,
            }
        )

    def __repr__(self) -> str:
        state = f", groups={self.levels_!r}" if hasattr(self, "time_") else " (unfitted)"
        return f"KaplanMeier(conf_type={self.conf_type!r}, conf_level={self.conf_level}{state})"
