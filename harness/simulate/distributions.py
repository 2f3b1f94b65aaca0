"""Event-time distributions of the simulation arms: sampling and true values.

Every arm is described by a *base* cumulative hazard ``H(t)`` (exponential ``rate t``,
Weibull ``(t / scale)^shape``, piecewise exponential: piecewise linear with the given change
points), an optional cure fraction ``c`` and a hazard-ratio multiplier ``hr``:

    S(t) = (c + (1 - c) exp(-H(t)))^hr

so ``hr`` gives proportional hazards relative to the same arm with ``hr = 1`` (a cure
fraction becomes ``c^hr``). Times are drawn by inversion from a unit exponential ``x``:
``S(T) = exp(-x / hr)``; when that is at or below ``c^hr`` the patient is cured (``T = inf``,
censored by the follow-up).

R equivalent: ``rexp``, ``rweibull``, ``qpwexp``-style inversion (no packaged function in
base R); the true median is ``T`` at ``x = hr ln 2`` and the true RMST is
``integrate(S, 0, tau)``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate

from harness.simulate.study import Arm


def _base_inverse(arm: Arm, y: np.ndarray) -> np.ndarray:
    """``H^{-1}(y)`` of the base cumulative hazard (``inf`` beyond a zero last hazard)."""
    if arm.dist == "exponential":
        return y / arm.rates[0]
    if arm.dist == "weibull":
        return arm.scale * y ** (1.0 / arm.shape)
    rates = np.asarray(arm.rates, float)
    edges = np.concatenate(([0.0], arm.breaks))
    h_at = np.concatenate(([0.0], np.cumsum(rates[:-1] * np.diff(edges))))
    k = np.searchsorted(h_at, y, side="right") - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        t = edges[k] + (y - h_at[k]) / rates[k]
    return np.where(rates[k] > 0, t, np.inf)


def _base_cumhaz(arm: Arm, t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, float)
    if arm.dist == "exponential":
        return arm.rates[0] * t
    if arm.dist == "weibull":
        return (t / arm.scale) ** arm.shape
    rates = np.asarray(arm.rates, float)
    edges = np.concatenate(([0.0], arm.breaks, [np.inf]))
    widths = np.clip(t[..., None] - edges[:-1], 0.0, np.diff(edges))
    return (widths * rates).sum(axis=-1)


def times_from_exponential(arm: Arm, x: np.ndarray) -> np.ndarray:
    """Event times from unit-exponential draws ``x`` (inversion; ``inf`` = cured)."""
    y = x / arm.hr  # -log S_base-with-cure at T
    if arm.cure > 0:
        s = np.exp(-y)
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = np.where(s > arm.cure, (s - arm.cure) / (1.0 - arm.cure), 1.0)
        t = _base_inverse(arm, -np.log(inner))
        return np.where(s > arm.cure, t, np.inf)
    return _base_inverse(arm, y)


def survival(arm: Arm, t: np.ndarray) -> np.ndarray:
    """True ``S(t)`` of the arm."""
    base = np.exp(-_base_cumhaz(arm, t))
    return (arm.cure + (1.0 - arm.cure) * base) ** arm.hr


def true_median(arm: Arm) -> float:
    """True median survival (``inf`` when the arm never falls to 1/2)."""
    return float(times_from_exponential(arm, np.array([math.log(2.0)]))[0])


def true_rmst(arm: Arm, tau: float) -> float:
    """True restricted mean survival time ``integral_0^tau S(t) dt``."""
    pts = [b for b in arm.breaks if 0 < b < tau] or None
    val, _ = integrate.quad(lambda u: float(survival(arm, np.array(u))), 0.0, tau,
                            points=pts, limit=200, epsabs=1e-11, epsrel=1e-11)
    return float(val)
