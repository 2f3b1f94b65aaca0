"""k-group baseline tests: one-way ANOVA (pooled and Welch) from summaries, Kruskal-Wallis.

Pure numpy/scipy. A printed baseline table with three or more arms often gives a one-way
ANOVA p (computable from each group's mean, SD and n) or a Kruskal-Wallis p (needs the data).
Because printed means and SDs are rounded, :func:`anova_extremes` gives the exact range of
the pooled ANOVA F over the rounding box of the inputs.

R equivalent: ``oneway.test(x ~ g, var.equal = TRUE / FALSE)``, ``kruskal.test(x, g)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["AnovaResult", "anova_extremes", "anova_from_summaries", "between_ss",
           "kruskal_wallis"]


@dataclass(frozen=True)
class AnovaResult:
    """F statistic, its degrees of freedom and p (arrays when the input has several rows)."""

    f: np.ndarray | float
    df1: np.ndarray | float
    df2: np.ndarray | float
    p: np.ndarray | float


def _rows(means, sds, ns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = np.atleast_2d(np.asarray(means, dtype=float))
    s = np.atleast_2d(np.asarray(sds, dtype=float))
    n = np.broadcast_to(np.atleast_2d(np.asarray(ns, dtype=float)), m.shape)
    if m.shape != s.shape:
        raise ValueError(f"means {m.shape} and SDs {s.shape} differ in shape")
    if m.shape[1] < 2:
        raise ValueError("a one-way ANOVA needs two or more groups")
    if not (np.isfinite(m).all() and np.isfinite(s).all() and np.isfinite(n).all()):
        raise ValueError("means, SDs and sizes must be finite")
    if (s < 0).any():
        raise ValueError("standard deviations must be non-negative")
    if (n < 2).any() or (n != np.round(n)).any():
        raise ValueError("each group needs a whole size n >= 2")
    return m, s, n


def between_ss(means, ns) -> np.ndarray:
    """Between-group sum of squares ``sum n_i (m_i - mbar)^2`` per row (``mbar`` weighted)."""
    m = np.atleast_2d(np.asarray(means, dtype=float))
    n = np.broadcast_to(np.atleast_2d(np.asarray(ns, dtype=float)), m.shape)
    grand = (n * m).sum(axis=1, keepdims=True) / n.sum(axis=1, keepdims=True)
    return (n * (m - grand) ** 2).sum(axis=1)


def anova_from_summaries(means, sds, ns, welch: bool = False) -> AnovaResult:
    """One-way ANOVA from each group's mean, SD (n - 1) and size.

    Parameters
    ----------
    means, sds : array-like, shape (k,) or (rows, k)
        Per group; several rows are evaluated at once (corners of a rounding box).
    ns : array-like, shape (k,)
        Group sizes (each >= 2).
    welch : bool
        Welch's heteroscedastic F (``oneway.test(var.equal = FALSE)``, R's default) instead of
        the classical pooled F.

    Returns
    -------
    AnovaResult
        Scalars for one row, arrays otherwise. A pooled F with zero within-group variance is
        ``inf`` (p 0) when the means differ and ``nan`` when they do not, as R.

    R equivalent: ``oneway.test(x ~ g, var.equal = !welch)`` on data with these summaries
    (``harness_anova_from_summaries`` in ``harness/r/stats.R`` computes it from them).
    """
    m, s, n = _rows(means, sds, ns)
    k = m.shape[1]
    if welch:
        if (s == 0).any():
            raise ValueError("Welch's ANOVA needs every SD > 0")
        w = n / s**2
        big_w = w.sum(axis=1, keepdims=True)
        mw = (w * m).sum(axis=1, keepdims=True) / big_w
        a = (w * (m - mw) ** 2).sum(axis=1) / (k - 1)
        lam = ((1 - w / big_w) ** 2 / (n - 1)).sum(axis=1)
        f = a / (1 + 2 * (k - 2) * lam / (k**2 - 1))
        df1 = np.full(f.shape, k - 1.0)
        df2 = (k**2 - 1) / (3 * lam)
    else:
        big_n = n.sum(axis=1)
        within = ((n - 1) * s**2).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = (between_ss(m, n) / (k - 1)) / (within / (big_n - k))
        df1, df2 = np.full(f.shape, k - 1.0), big_n - k
    p = stats.f.sf(f, df1, df2)
    one = m.shape[0] == 1 and np.ndim(means) == 1
    pick = (lambda a: float(a[0])) if one else (lambda a: a)
    return AnovaResult(pick(f), pick(df1), pick(df2), pick(p))


def _min_between(lo: np.ndarray, hi: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Means in [lo, hi] minimising the between-group sum of squares (exact).

    At the optimum every mean is the common value ``c`` clipped to its interval (KKT); on
    each stretch of ``c`` between breakpoints the clipped set is fixed and ``c`` equals the
    weighted mean of the clipped means, so the candidates are the breakpoints and those
    stretch solutions.
    """
    cands = set(lo.tolist()) | set(hi.tolist())
    points = sorted(cands)
    for a, b in zip(points[:-1], points[1:]):
        mid = (a + b) / 2
        fixed = (mid < lo) | (mid > hi)
        if fixed.any():
            v = np.clip(mid, lo, hi)[fixed]
            c = float((n[fixed] * v).sum() / n[fixed].sum())
            if a <= c <= b:
                cands.add(c)
    configs = np.array([np.clip(c, lo, hi) for c in sorted(cands)])
    return configs[int(np.argmin(between_ss(configs, n)))]


def anova_extremes(mean_lo, mean_hi, sd_lo, sd_hi, ns) -> tuple[np.ndarray, np.ndarray]:
    """The inputs giving the smallest and the largest pooled F over a rounding box.

    F = (B / (k - 1)) / (W / (N - k)) with B depending on the means only and W on the SDs
    only. W is smallest at the lower SDs and largest at the upper ones. B is convex in the
    means, so its maximum is at a corner of the box (all 2^k are tried, k <= 16) and its
    minimum is found exactly by :func:`_min_between`.

    Returns
    -------
    (min_config, max_config) : ndarray, shape (2, k) each
        Rows ``[means, sds]`` of the configuration with the smallest F (largest p) and the
        one with the largest F (smallest p).
    """
    lo, hi = np.asarray(mean_lo, float), np.asarray(mean_hi, float)
    slo, shi, n = np.asarray(sd_lo, float), np.asarray(sd_hi, float), np.asarray(ns, float)
    k = lo.size
    if k > 16:
        raise ValueError(f"{k} groups: the corner search is limited to 16")
    bits = (np.arange(2**k)[:, None] >> np.arange(k)) & 1
    corners = np.where(bits == 1, hi, lo)
    worst = corners[int(np.argmax(between_ss(corners, n)))]
    best = _min_between(lo, hi, n)
    return np.vstack([best, shi]), np.vstack([worst, slo])


def kruskal_wallis(values, groups) -> tuple[float, float, float]:
    """Kruskal-Wallis rank-sum test with the tie correction: (statistic, df, p).

    R equivalent: ``kruskal.test(values, factor(groups))`` (chi-square approximation, mid-ranks
    for ties, statistic divided by ``1 - sum(t^3 - t) / (N^3 - N)``).
    """
    x = np.asarray(values, dtype=float)
    g = np.asarray(groups).astype(str)
    if x.shape != g.shape:
        raise ValueError("values and groups differ in length")
    if not np.isfinite(x).all():
        raise ValueError("values must be finite (drop missing rows first)")
    levels = np.unique(g)
    if levels.size < 2:
        raise ValueError("a Kruskal-Wallis test needs two or more groups")
    if np.ptp(x) == 0:
        raise ValueError("all values are equal: the Kruskal-Wallis statistic is undefined")
    h, p = stats.kruskal(*(x[g == lv] for lv in levels))
    return float(h), float(levels.size - 1), float(p)
