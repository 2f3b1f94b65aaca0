"""Two-sample weighted log-rank tests, max-combo and permutation log-rank for a chunk.

For every trial (row of a :class:`~harness.simulate.riskset.RiskTable`), with weights
``w_t`` from :func:`harness.core.cells.risk_weights` (the one home of the weight table):

    U = sum_t w_t (d1_t - d_t n1_t / n_t)
    V = sum_t w_t^2 d_t (n_t - d_t) / (n_t - 1) (n1_t / n_t) (1 - n1_t / n_t)

``Z = U / sqrt(V)`` (positive: more events on the experimental arm than expected),
``chisq = Z^2`` on 1 df: ``survdiff``'s two-group chi-square. ``V = 0`` (no informative event
time) makes the test undefined (NaN), which the summary counts.

R equivalent: ``survdiff(Surv(time, status) ~ group, rho = rho)`` for log-rank and Peto;
the Gehan-Breslow-Wilcoxon, Tarone-Ware and Fleming-Harrington statistics have no
``survival`` option and are computed in R from ``survfit``'s risk table
(``harness_sim_reanalyse`` in ``harness/r/simulate.R``).
"""

from __future__ import annotations

import numpy as np
from scipy import special
from scipy.stats import qmc

from harness.core.cells import risk_weights
from harness.simulate.riskset import RiskTable

#: the four components of the max-combo test (Lin et al. 2020): FH(rho, gamma), in the order
#: the Genz integration handles best (the nearly collinear FH(0,0) and FH(1,0) not first)
MAXCOMBO = ((0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (1.0, 1.0))
#: quasi-Monte Carlo points (scrambled Sobol, fixed seed) for the max-combo p-value; measured
#: against 2^15 points on 1000 trials (HR 2, n = 64): largest absolute error 0.002
MAXCOMBO_POINTS = 512
#: first pass: every trial with this many points (largest error measured 0.015); only the
#: trials whose first-pass p is below :data:`MAXCOMBO_REFINE` get the full integral
MAXCOMBO_SCREEN = 64
MAXCOMBO_REFINE = 0.25
#: seed of the scrambled Sobol points of the max-combo MVN probability: a neutral constant that
#: only fixes the QMC points (so a trial's max-combo p is reproducible), not tied to any study
_SOBOL_SEED = 12345


def p_from_z(z: np.ndarray) -> np.ndarray:
    """Two-sided normal p ``2 (1 - Phi(|z|))`` (= ``pchisq(z^2, 1, lower = FALSE)``)."""
    return special.erfc(np.abs(z) / np.sqrt(2.0))


def _parts(rt: RiskTable) -> tuple[np.ndarray, np.ndarray]:
    """``d1 - d p1`` and ``c p1 (1 - p1)`` per cell (0 off cells)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(rt.cell, rt.n1 / rt.n, 0.0)
        c = np.where(rt.cell & (rt.n > 1), rt.d * (rt.n - rt.d) / (rt.n - 1), 0.0)
    return np.where(rt.cell, rt.d1 - rt.d * p1, 0.0), c * p1 * (1.0 - p1)


def weights(rt: RiskTable, test: str, rho: float = 0.0, gamma: float = 0.0,
            s_left: np.ndarray | None = None) -> np.ndarray:
    """``w_t`` at each position (used only at cells)."""
    if test in ("peto", "fleming-harrington") and s_left is None:
        s_left = rt.s_left()
    return risk_weights(test, rt.n, s_left, rho, gamma)


def weighted_z(rt: RiskTable, test: str, rho: float = 0.0, gamma: float = 0.0,
               s_left: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(Z, V)`` of one weighted test for every trial; Z is NaN where ``V = 0``."""
    ome, v = _parts(rt)
    w = weights(rt, test, rho, gamma, s_left)
    u = (w * ome).sum(axis=1)
    var = (w * w * v).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, u / np.sqrt(var), np.nan)
    return z, var


def maxcombo(rt: RiskTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Max-combo test: ``max_k |Z_k|`` over FH(0,1), FH(1,0), FH(0,0), FH(1,1).

    Returns ``(zmax, p, z, corr)``: ``z`` (b, 4) the component statistics, ``corr`` (b, 4, 4)
    their correlation (from ``Cov(U_k, U_l) = sum_t w_k w_l c_t p1 (1 - p1)``), and the
    two-sided p ``1 - P(max |Z| < zmax)`` for ``Z ~ N(0, corr)``, computed by Genz's
    separation of variables with scrambled-Sobol points (a fixed seed, so deterministic):
    :data:`MAXCOMBO_SCREEN` points for every trial, then :data:`MAXCOMBO_POINTS` for those
    whose first value is below :data:`MAXCOMBO_REFINE` (absolute error up to about 0.002
    there, about 0.02 above it, where no rejection at alpha <= 0.2 depends on it).
    Undefined (NaN) when any component's variance is 0.

    R equivalent: the ``z`` and ``corr`` from ``survfit``'s risk table, then
    ``1 - mvtnorm::pmvnorm(-zmax, zmax, corr = corr)`` (also a randomised quadrature).
    """
    ome, v = _parts(rt)
    s_left = rt.s_left()
    w = np.stack([weights(rt, "fleming-harrington", r, g, s_left) for r, g in MAXCOMBO])
    u = (w * ome).sum(axis=2).T  # (b, 4)
    cov = np.einsum("kbn,lbn,bn->bkl", w, w, v)
    sd = np.sqrt(np.einsum("bkk->bk", cov))
    ok = (sd > 0).all(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(ok[:, None], u / sd, np.nan)
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    zmax = np.abs(z).max(axis=1)
    p = np.full(zmax.shape, np.nan)
    if ok.any():
        c_ok, z_ok = corr[ok], zmax[ok]
        p_ok = 1.0 - mvn_box(c_ok, z_ok, MAXCOMBO_SCREEN)
        fine = p_ok < MAXCOMBO_REFINE
        if fine.any():
            p_ok[fine] = 1.0 - mvn_box(c_ok[fine], z_ok[fine], MAXCOMBO_POINTS)
        p[ok] = p_ok
    return zmax, p, z, corr


def _chol(c: np.ndarray) -> np.ndarray:
    """Batched lower Cholesky factor of PSD matrices (diagonal floored for singular ones)."""
    b, k, _ = c.shape
    L = np.zeros_like(c)
    for j in range(k):  # loop over the 4 coordinates only
        s = c[:, j, j] - (L[:, j, :j] ** 2).sum(axis=1)
        L[:, j, j] = np.sqrt(np.maximum(s, 0.0))
        for i in range(j + 1, k):
            num = c[:, i, j] - (L[:, i, :j] * L[:, j, :j]).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                L[:, i, j] = np.where(L[:, j, j] > 1e-10, num / L[:, j, j], 0.0)
    return L


def mvn_box(corr: np.ndarray, h: np.ndarray, points: int = MAXCOMBO_POINTS) -> np.ndarray:
    """``P(|Z_k| < h for all k)``, ``Z ~ N(0, corr)``, per row (Genz 1992, vectorised)."""
    b, k, _ = corr.shape
    L = _chol(corr)
    w = qmc.Sobol(k - 1, scramble=True, seed=_SOBOL_SEED).random(points)  # (M, k-1)
    ndtr, ndtri = special.ndtr, special.ndtri
    out = np.empty(b)
    step = max(1, 2**17 // points)
    for a in range(0, b, step):  # blocks of trials bound the memory
        Lb, hb = L[a:a + step], h[a:a + step, None]
        lii = np.maximum(Lb[:, 0, 0], 1e-12)[:, None]
        d, e = ndtr(-hb / lii), ndtr(hb / lii)
        f = np.broadcast_to(e - d, (Lb.shape[0], points)).copy()
        ys = []
        for i in range(1, k):
            ys.append(ndtri(np.clip(d + w[:, i - 1] * (e - d), 1e-300, 1 - 1e-16)))
            s = sum(Lb[:, i, j][:, None] * ys[j] for j in range(i))
            lii = np.maximum(Lb[:, i, i], 1e-12)[:, None]
            d, e = ndtr((-hb - s) / lii), ndtr((hb - s) / lii)
            f *= e - d
        out[a:a + step] = f.mean(axis=1)
    return out


def logrank_scores(rt: RiskTable) -> np.ndarray:
    """Per-patient log-rank scores ``a_i = delta_i - sum_{t <= t_i} d_t / n_t`` (sorted order);
    ``sum_i g_i a_i = O1 - E1``. Fixed under relabelling, so permuted ``O - E`` are a product.

    Same scores as :func:`harness.core.logrank.logrank_scores` (one trial at a time there).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        haz = np.where(rt.cell, rt.d / rt.n, 0.0)
    cum = np.take_along_axis(np.cumsum(haz, axis=1), rt.end_of, axis=1)
    return rt.event - cum


def permutation_logrank(rt: RiskTable, rng: np.random.Generator, B: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo permutation log-rank test of every trial: ``(|O1 - E1|, p)``.

    ``B`` random relabellings (``n1`` experimental labels among ``n``) are drawn once per
    chunk and shared by its trials (each trial's test is a valid permutation test; the
    trials' p-values are then slightly dependent). ``p = (1 + #{|U_b| >= |U|}) / (B + 1)``,
    ``U = O1 - E1`` (coin's statistic: its permutation variance is fixed, so ``|U|`` orders
    the permutations as the standardised statistic does).

    R equivalent: ``coin::logrank_test(Surv(time, status) ~ group,
    distribution = approximate(nresample = B))`` (its own random permutations).
    """
    a = logrank_scores(rt)
    u = (a * rt.group).sum(axis=1)
    n = a.shape[1]
    n1 = int(rt.group[0].sum())
    labels = rng.permuted(np.tile(np.r_[np.ones(n1), np.zeros(n - n1)], (B, 1)), axis=1)
    up = a @ labels.T  # (b, B)
    tol = 1e-9 * np.maximum(1.0, np.abs(u))[:, None]
    count = (np.abs(up) >= np.abs(u)[:, None] - tol).sum(axis=1)
    return np.abs(u), (1.0 + count) / (B + 1.0)
