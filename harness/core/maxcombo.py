"""The max-combo test: the largest ``|Z|`` over several Fleming-Harrington tests, two groups,
optionally stratified, with its multivariate-normal p-value.

For each component ``k`` (a Fleming-Harrington ``G(rho_k, gamma_k)`` weight ``w_k(t)`` of
:data:`harness.core.cells.WEIGHTS`, the pooled Kaplan-Meier computed within each stratum)
and the second group ``j`` (``levels[1]``) against the first:

    U_k       = sum_t w_k(t) (d_jt - d_t n_jt / n_t)
    C_kl      = sum_t w_k(t) w_l(t) d_t (n_t - d_t) / (n_t - 1) (n_jt / n_t) (1 - n_jt / n_t)
    Z_k       = U_k / sqrt(C_kk),   corr = C_kl / sqrt(C_kk C_ll)

summed over strata (the covariance of the weighted score processes under the null). The
statistic is ``max_k |Z_k|``; its two-sided p-value is ``1 - P(max_k |Z_k| < zmax)`` for
``Z ~ N(0, corr)`` (:func:`harness.core.mvn.mvn_box_error`, with an error estimate). Default
components: FH(0,0), FH(0,1), FH(1,0), FH(1,1) (Lin et al. 2020).

A component whose variance is 0 (e.g. FH(0,1) when every event falls at the first event time:
its weight ``1 - S(t-)`` is 0 there) has no Z: it is reported as NaN and left out of the max and
of the integral (``defined`` says which were used); with none left the p-value is NaN.

R equivalent: none in ``survival``; the components' ``Z_k^2`` are ``survdiff``'s chi-square for
FH(rho, 0) and the R loop of ``tests/results/conventions.R`` (``maxcombo_r``) otherwise, the
p-value ``1 - mvtnorm::pmvnorm(-zmax, zmax, corr = corr)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.core.cells import cell_weights, check_weights, level_codes, risk_cells, suffix_within
from harness.core.logrank import _prepare, hypergeometric_factor
from harness.core.mvn import mvn_box_error

__all__ = ["MAXCOMBO_TESTS", "MaxComboResult", "maxcombo"]

#: the default components, FH(rho, gamma)
MAXCOMBO_TESTS: tuple[tuple[float, float], ...] = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))


@dataclass(frozen=True)
class MaxComboResult:
    """Result of :func:`maxcombo`.

    Attributes
    ----------
    tests : tuple of (rho, gamma)
        The components, in order.
    levels : tuple
        The two group labels; ``z`` is for ``levels[1]`` against ``levels[0]``.
    u : ndarray, shape (K,)
        Weighted ``O - E`` of ``levels[1]``.
    covariance, corr : ndarray, shape (K, K)
        Covariance of the ``u`` and the correlation of the ``z``.
    z : ndarray, shape (K,)
        ``u / sqrt(diag(covariance))`` (NaN where the variance is 0).
    defined : ndarray of bool
        Components with a positive variance (those in the max and the integral).
    statistic : float
        ``max |z|`` over the defined components.
    p_value, p_error : float
        ``1 - P(max |Z| < statistic)`` and its integration error (3.5 standard errors of
        the randomised quasi-Monte Carlo mean).
    """

    tests: tuple
    levels: tuple
    u: np.ndarray
    covariance: np.ndarray
    corr: np.ndarray
    z: np.ndarray
    defined: np.ndarray
    statistic: float
    p_value: float
    p_error: float


def _components(data, g, tests) -> tuple[np.ndarray, np.ndarray]:
    """``U`` (K,) and ``C`` (K, K) summed over the cells of every stratum."""
    s_codes, s_levels = level_codes(data.strata, data.n)
    cells = risk_cells(data.time, s_codes, len(s_levels))
    m = cells.time.size
    ev = data.event.astype(float)
    rows = np.bincount(cells.inverse, minlength=m).astype(float)
    rows1 = np.bincount(cells.inverse, weights=(g == 1).astype(float), minlength=m)
    d = np.bincount(cells.inverse, weights=ev, minlength=m)
    d1 = np.bincount(cells.inverse, weights=ev * (g == 1), minlength=m)
    n = suffix_within(rows, cells)
    n1 = suffix_within(rows1, cells)
    p1 = n1 / n
    w = np.stack([cell_weights("fleming-harrington", n, d, cells.start, r, gm)
                  for r, gm in tests])  # (K, m)
    u = w @ (d1 - d * p1)
    v = hypergeometric_factor(n, d) * p1 * (1.0 - p1)
    return u, (w * v) @ w.T


def maxcombo(
    time: Any,
    event: Any,
    group: Any,
    strata: Any = None,
    *,
    tests: Sequence[tuple[float, float]] = MAXCOMBO_TESTS,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    points: int = 2**16,
    replicates: int = 10,
) -> MaxComboResult:
    """Max-combo test over Fleming-Harrington components (two groups, optional strata).

    Parameters
    ----------
    time, event, group, strata, coding, levels
        As :func:`harness.core.logrank.weighted_logrank`; exactly two groups.
    tests : sequence of (rho, gamma)
        The FH components (default FH(0,0), FH(0,1), FH(1,0), FH(1,1)).
    points, replicates : int
        Sobol points per replicate and independent scramblings for the p-value
        (:func:`harness.core.mvn.mvn_box_error`).

    Returns
    -------
    MaxComboResult

    Raises
    ------
    ValueError
        Not exactly two groups, no component, or an invalid ``(rho, gamma)``.

    Notes
    -----
    R equivalent: ``maxcombo_r`` in ``tests/results/conventions.R`` (the components written
    out as a loop over event times, then ``1 - mvtnorm::pmvnorm(-zmax, zmax, corr = corr)``);
    nphRCT / simtrial are not in Debian. SAS: no max-combo in LIFETEST.
    """
    pairs = [tuple(float(v) for v in t) for t in tests]
    if not pairs or any(len(t) != 2 for t in pairs):
        raise ValueError(f"tests must be a non-empty sequence of (rho, gamma) pairs, got {tests!r}")
    for r, gm in pairs:
        check_weights("fleming-harrington", r, gm)
    data, g, lv = _prepare(time, event, group, strata, coding, levels)
    if len(lv) != 2:
        raise ValueError(f"the max-combo test compares two groups, got {len(lv)}: {lv!r}")
    u, cov = _components(data, g, pairs)
    sd = np.sqrt(np.diag(cov))
    ok = sd > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(ok, u / sd, np.nan)
        corr = cov / np.outer(sd, sd)
    if not ok.any():
        stat, p, err = float("nan"), float("nan"), float("nan")
    else:
        stat = float(np.abs(z[ok]).max())
        inside, err = mvn_box_error(corr[np.ix_(ok, ok)], stat, points, replicates)
        p = float(min(1.0, max(0.0, 1.0 - inside)))
    return MaxComboResult(tests=tuple(pairs), levels=tuple(lv), u=u, covariance=cov, corr=corr,
                          z=z, defined=ok, statistic=stat, p_value=p, p_error=err)
