"""The confidence intervals of ``boot::boot.ci``: normal, basic, percentile and BCa.

From the replicates of one statistic (non-finite ones dropped, as ``boot.ci`` does), the
statistic on the original data and, for BCa, the empirical influence values.

R equivalent: ``boot::boot.ci(boot.out, conf = conf_level, type = c("norm", "basic", "perc",
"bca"))`` and ``boot:::norm.inter``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from harness.resample.args import check_conf

#: ``boot.ci`` interval types, with boot's component names.
INTERVAL_TYPES = ("normal", "basic", "percent", "bca")


def norm_inter(t: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, bool]:
    """``boot:::norm.inter``: quantiles of the finite ``t`` at ``alpha``.

    Order statistic ``(R + 1) alpha`` when it is an integer, else interpolation between the
    neighbouring order statistics on the normal quantile scale; the extreme order statistic
    when ``(R + 1) alpha`` falls outside ``[1, R]``. Returns the values and whether an
    extreme order statistic was used (boot warns "extreme order statistics used as
    endpoints").
    """
    t = np.sort(np.asarray(t, float)[np.isfinite(t)])
    R = t.size
    alpha = np.asarray(alpha, float)
    rk = (R + 1) * alpha
    extreme = bool(not np.all((rk > 1) & (rk < R)))
    k = np.trunc(rk).astype(np.int64)
    out = np.empty(alpha.size)
    for i in range(alpha.size):
        if k[i] == rk[i] and 0 < k[i] <= R:
            out[i] = t[k[i] - 1]
        elif k[i] <= 0:
            out[i] = t[0]
        elif k[i] >= R:
            out[i] = t[R - 1]
        else:
            z = special.ndtri(alpha[i])
            z1 = special.ndtri(k[i] / (R + 1))
            z2 = special.ndtri((k[i] + 1) / (R + 1))
            tk, tk1 = t[k[i] - 1], t[k[i]]
            out[i] = tk + (z - z1) / (z2 - z1) * (tk1 - tk)
    return out, extreme


def boot_intervals(
    t0: float,
    t: np.ndarray,
    conf_level: float = 0.95,
    types: Sequence[str] = INTERVAL_TYPES,
    L: np.ndarray | None = None,
) -> dict[str, tuple[float, float, str]]:
    """The intervals of ``boot::boot.ci`` from one statistic's replicates.

    Parameters
    ----------
    t0 : float
        The statistic on the original data.
    t : ndarray
        Replicates; non-finite ones are dropped, as ``boot.ci`` does.
    conf_level : float
    types : subset of {"normal", "basic", "percent", "bca"}
    L : ndarray, optional
        Empirical influence values (needed for "bca"; :func:`bootstrap` computes them as
        ``empinf(boot.out, type = "reg")``, boot.ci's default).

    Returns
    -------
    dict
        type -> (lower, upper, note); NaN limits with the reason in ``note`` where boot.ci
        gives no interval (all replicates equal, infinite BCa adjustment, ...).

    Notes
    -----
    * normal: ``t0 - bias -/+ qnorm((1 + conf) / 2) sd(t)`` with ``bias = mean(t) - t0``;
    * basic: ``2 t0 - norm.inter(t, (1 + c(conf, -conf)) / 2)``;
    * percent: ``norm.inter(t, (1 + c(-conf, conf)) / 2)``;
    * bca: ``w = qnorm(mean(t < t0))``, ``a = sum(L^3) / (6 sum(L^2)^1.5)``,
      ``norm.inter(t, pnorm(w + (w + z) / (1 - a (w + z))))`` with ``z = qnorm(alpha)``.

    R equivalent: ``boot.ci(boot.out, conf = conf_level, type = c("norm", "basic", "perc",
    "bca"))``.
    """
    conf = check_conf(conf_level)
    t_all = np.asarray(t, float)
    tf = t_all[np.isfinite(t_all)]
    out: dict[str, tuple[float, float, str]] = {}
    nan = float("nan")
    if tf.size == 0:
        return {ty: (nan, nan, "no finite replicate") for ty in types}
    mean = tf.mean()
    eps = min(1e-8, mean / 1e6)
    if np.all(np.abs(tf - mean) < eps):
        why = ("all finite replicates are equal: boot.ci returns NULL"
               if tf.size == t_all.size else
               "all finite replicates are equal and some are NA: boot.ci stops")
        return {ty: (nan, nan, why) for ty in types}
    for ty in types:
        if ty not in _INTERVALS:
            raise ValueError(f"interval type must be one of {INTERVAL_TYPES}; got {ty!r}")
        out[ty] = _INTERVALS[ty](t0, tf, mean, conf, L)
    return out


_EXTREME = "extreme order statistics used as endpoints"
_NAN = float("nan")


def _normal(t0, tf, mean, conf, L) -> tuple[float, float, str]:
    """``t0 - bias -/+ qnorm((1 + conf) / 2) sd(t)``."""
    if tf.size < 2:
        return (_NAN, _NAN, "fewer than two finite replicates")
    bias = mean - t0
    merr = np.sqrt(np.var(tf, ddof=1)) * special.ndtri((1 + conf) / 2)
    return (t0 - bias - merr, t0 - bias + merr, "")


def _basic(t0, tf, mean, conf, L) -> tuple[float, float, str]:
    """``2 t0 - norm.inter(t, (1 + c(conf, -conf)) / 2)``."""
    qq, ext = norm_inter(tf, (1 + np.array([conf, -conf])) / 2)
    return (2 * t0 - qq[0], 2 * t0 - qq[1], _EXTREME if ext else "")


def _percent(t0, tf, mean, conf, L) -> tuple[float, float, str]:
    """``norm.inter(t, (1 + c(-conf, conf)) / 2)``."""
    qq, ext = norm_inter(tf, (1 + np.array([-conf, conf])) / 2)
    return (qq[0], qq[1], _EXTREME if ext else "")


def _bca(t0, tf, mean, conf, L) -> tuple[float, float, str]:
    """``norm.inter(t, pnorm(w + (w + z) / (1 - a (w + z))))``."""
    w = special.ndtri(np.sum(tf < t0) / tf.size)
    if not np.isfinite(w):
        return (_NAN, _NAN, "estimated adjustment 'w' is infinite (boot.ci stops)")
    if L is None or not np.all(np.isfinite(L)):
        return (_NAN, _NAN, ("influence values unavailable: "
                             "estimated adjustment 'a' is NA (boot.ci stops)"))
    a = np.sum(L**3) / (6 * np.sum(L**2) ** 1.5)
    if not np.isfinite(a):
        return (_NAN, _NAN, "estimated adjustment 'a' is NA (boot.ci stops)")
    z = special.ndtri((1 + np.array([-conf, conf])) / 2)
    adj = special.ndtr(w + (w + z) / (1 - a * (w + z)))
    qq, ext = norm_inter(tf, adj)
    return (qq[0], qq[1], _EXTREME if ext else "")


_INTERVALS = {"normal": _normal, "basic": _basic, "percent": _percent, "bca": _bca}
