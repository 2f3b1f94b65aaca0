"""Resampling engine: permutation tests and the case bootstrap for censored data.

Two routines, both vectorised over resamples with numpy, memory bounded by processing the
resamples in chunks, optionally on several threads, reproducible from an integer seed:

* :func:`permutation_test`: the weighted log-rank family (log-rank, Peto / G-rho,
  Fleming-Harrington, Gehan-Breslow-Wilcoxon, Tarone-Ware), the Mantel-Haenszel and the Cox
  hazard ratio, for k groups and strata (labels are permuted within strata), by complete
  enumeration when the number of distinct label arrangements is small and by Monte Carlo
  otherwise.
* :func:`bootstrap`: case resampling (``boot::censboot(sim = "ordinary")``, optionally
  stratified by group) of the median, the Kaplan-Meier survival at a time, the RMST, the
  Mantel-Haenszel and the Cox hazard ratio, with the normal, basic, percentile and BCa intervals
  computed exactly as ``boot::boot.ci``.

How the permutation statistics are vectorised
---------------------------------------------
With the rows sorted once by (stratum, time), the pooled risk sets, event counts and weights
``w_t`` do not change when the labels are permuted. Hence ``O_j - E_j = sum_i L_ij a_i`` with
fixed per-subject scores ``a_i = w(t_i) delta_i - sum_{t <= t_i} w_t d_t / n_t`` (one matrix
product for all permutations), while the hypergeometric variance
``V_jl = sum_t w_t^2 d_t (n_t - d_t) / (n_t - 1) p_jt (delta_jl - p_lt)`` with
``p_jt = n_jt / n_t`` needs the numbers at risk per group, ``n_jt``, which are suffix sums of
the label indicators (a reverse cumulative sum, or a product with the fixed at-risk
indicator matrix for small data). The chi-square is then exactly ``survdiff``'s for every
permuted labelling. The Cox statistic (one binary covariate, Efron ties) is obtained by a
Newton-Raphson iteration run simultaneously for all resamples from the per-group numbers at
risk and events at each event time.

Random numbers
--------------
The resamples are generated in blocks whose size depends only on ``n`` and ``B``; block ``i``
uses ``numpy.random.default_rng(SeedSequence(seed).spawn(...)[i])``. The result therefore
depends on ``seed`` only, not on the number of threads. ``seed=None`` draws fresh entropy and
records it in the result (``seed`` attribute), so every run can be repeated.

R equivalent: ``coin::logrank_test(..., distribution = approximate(nresample = B))`` and
``survdiff`` on permuted labels; ``boot::censboot(data, statistic, R = B, sim = "ordinary")``
with ``boot::boot.ci(..., type = c("norm", "basic", "perc", "bca"))``.
"""

from __future__ import annotations

import itertools
import math
import numbers
import os
import sys
import time as _time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from harness.core.survdata import SurvData

__all__ = [
    "BOOTSTRAP_STATISTICS",
    "INTERVAL_TYPES",
    "PERMUTATION_STATISTICS",
    "BootstrapResult",
    "PermutationResult",
    "boot_intervals",
    "bootstrap",
    "norm_inter",
    "permutation_statistics",
    "permutation_test",
]

_TESTS = ("logrank", "peto", "fleming-harrington", "gehan-breslow", "tarone-ware")
#: Statistics :func:`permutation_test` can permute.
PERMUTATION_STATISTICS = ("chisq", "coin", "mh_hr", "cox_hr")
#: Statistics :func:`bootstrap` can resample.
BOOTSTRAP_STATISTICS = ("median", "survival", "rmst", "mh_hr", "cox_hr")
#: ``boot.ci`` interval types, with boot's component names.
INTERVAL_TYPES = ("normal", "basic", "percent", "bca")

#: Elements per working array in one chunk (about 16 MB of float64).
_BUDGET = 2_000_000
_REL_TIES = 1e-10
_TOL_Q = float(np.sqrt(np.finfo(float).eps))


# ============================================================================================
# argument checks, seeds, chunks, progress
# ============================================================================================
def _check_B(B: Any) -> int:
    if isinstance(B, bool) or not isinstance(B, numbers.Integral):  # ValueError by design
        raise ValueError(f"B (number of resamples) must be an integer >= 1, got {B!r}")  # noqa: TRY004
    if int(B) < 1:
        raise ValueError(f"B (number of resamples) must be an integer >= 1, got {B!r}")
    return int(B)


def _check_seed(seed: Any) -> int:
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(  # noqa: TRY004 (ValueError for every bad argument, by design)
            f"seed must be an integer (or None for fresh entropy), got {seed!r} of type "
            f"{type(seed).__name__}"
        )
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _check_conf(conf_level: Any) -> float:
    c = float(conf_level)
    if not 0.0 < c < 1.0:
        raise ValueError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    return c


def _blocks(B: int, rows: int) -> list[tuple[int, int]]:
    rows = max(1, min(rows, B))
    return [(a, min(a + rows, B)) for a in range(0, B, rows)]


def _n_jobs(n_jobs: int | None, work: float) -> int:
    if n_jobs is None:
        # threads pay off only on large work (numpy releases the GIL inside its kernels)
        return min(2, os.cpu_count() or 1) if work >= 2e5 else 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer or None, got {n_jobs!r}")
    return int(n_jobs)


class _Progress:
    """Plain-text progress on stderr (``label: 37% (3700/10000)``), throttled to 5 Hz."""

    def __init__(self, total: int, label: str, enabled: bool | None):
        if enabled is None:
            enabled = bool(getattr(sys.stderr, "isatty", lambda: False)())
        self.enabled = enabled and total > 0
        self.total, self.label, self.done, self.last = total, label, 0, 0.0
        self.start = _time.perf_counter()

    def update(self, k: int) -> None:
        self.done += k
        if not self.enabled:
            return
        now = _time.perf_counter()
        if now - self.last >= 0.2 or self.done >= self.total:
            self.last = now
            pct = 100.0 * self.done / self.total
            sys.stderr.write(
                f"\r{self.label}: {pct:5.1f}% ({self.done}/{self.total}, "
                f"{now - self.start:.1f} s)"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _run(blocks, fn: Callable[[int, int, int], Any], jobs: int, progress: _Progress) -> list:
    """Run ``fn(i, a, b)`` over blocks, in order, on ``jobs`` threads, updating progress."""
    out: list = [None] * len(blocks)
    if jobs <= 1 or len(blocks) == 1:
        for i, (a, b) in enumerate(blocks):
            out[i] = fn(i, a, b)
            progress.update(b - a)
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(fn, i, a, b) for i, (a, b) in enumerate(blocks)]
            for i, fut in enumerate(futures):
                out[i] = fut.result()
                progress.update(blocks[i][1] - blocks[i][0])
    progress.close()
    return out


# ============================================================================================
# sorted data and cells
# ============================================================================================
@dataclass(frozen=True)
class _Sorted:
    """Rows sorted by (stratum, time), with (stratum, time) cells and pooled quantities."""

    order: np.ndarray  # original row of each sorted row
    time: np.ndarray
    event: np.ndarray  # float 0/1
    stratum: np.ndarray  # stratum code per sorted row
    cell: np.ndarray  # cell index per sorted row
    cell_start: np.ndarray  # first sorted row of each cell
    cell_stop: np.ndarray  # one past the last row of each cell
    strat_stop: np.ndarray  # for each cell: one past the last row of its stratum
    n_t: np.ndarray  # pooled number at risk per cell
    d_t: np.ndarray  # pooled events per cell


def _sort(time: np.ndarray, event: np.ndarray, s_codes: np.ndarray) -> _Sorted:
    order = np.lexsort((time, s_codes))
    t, e, s = time[order], event[order].astype(float), s_codes[order]
    new = np.ones(t.size, bool)
    new[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    cell_start = np.flatnonzero(new)
    cell = np.cumsum(new) - 1
    cell_stop = np.append(cell_start[1:], t.size)
    s_cell = s[cell_start]
    s_last = np.searchsorted(s, s_cell, side="right")
    n_t = (s_last - cell_start).astype(float)
    d_t = np.bincount(cell, weights=e, minlength=cell_start.size)
    return _Sorted(order, t, e, s, cell, cell_start, cell_stop, s_last, n_t, d_t)


def _weights(sd: _Sorted, test: str, rho: float, gamma: float) -> np.ndarray:
    """Weight of each cell, as :mod:`harness.core.logrank` defines them (pooled within stratum)."""
    n, d = sd.n_t, sd.d_t
    if test == "logrank":
        return np.ones(n.size)
    if test == "gehan-breslow":
        return n.copy()
    if test == "tarone-ware":
        return np.sqrt(n)
    # S(t-) of the pooled Kaplan-Meier within the stratum
    with np.errstate(divide="ignore", invalid="ignore"):
        lf = np.where((d > 0) & (d < n), np.log1p(-d / n), 0.0)
    excl = np.cumsum(lf) - lf
    first = np.r_[True, sd.stratum[sd.cell_start[1:]] != sd.stratum[sd.cell_start[:-1]]]
    start_of = np.maximum.accumulate(np.where(first, np.arange(n.size), 0))
    s_left = np.exp(excl - excl[start_of])
    w = s_left**rho if rho != 0 else np.ones(n.size)
    if test == "fleming-harrington" and gamma != 0:
        w = w * (1.0 - s_left) ** gamma
    return w


def _suffix_sum(L: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """``sum(L[:, start_e:stop_e])`` for every e, via one cumulative sum (b, n) -> (b, m)."""
    b, n = L.shape
    cs = np.zeros((b, n + 1))
    np.cumsum(L, axis=1, out=cs[:, 1:])
    return cs[:, stop] - cs[:, start]


# ============================================================================================
# vectorised Cox (one binary covariate, Efron ties) and MH
# ============================================================================================
def _cox_binary(n1: np.ndarray, n0: np.ndarray, d1: np.ndarray, d0: np.ndarray,
                tol: float = 1e-13, max_iter: int = 60) -> np.ndarray:
    """Efron partial-likelihood MLE of the log HR (group 1 vs 0) for each row.

    Inputs are (b, m): numbers at risk and events per group at each event time (any stratum
    mix; the partial likelihood is a sum over event times). Returns beta (b,), ``+inf`` /
    ``-inf`` when the likelihood is monotone (the MLE does not exist: R's "coefficient may be
    infinite"), NaN when no event time has both groups at risk.
    """
    d = d1 + d0
    dmax = int(d.max()) if d.size else 0
    D1 = d1.sum(axis=1)
    # limits of the score U(b) = D1 - E1(b) for b -> +inf / -inf (integer valued)
    u_hi = D1 - (d * (n1 > 0)).sum(axis=1)
    u_lo = D1 - (d * (n0 <= 0)).sum(axis=1)
    finite = (u_hi < -0.5) & (u_lo > 0.5)
    beta = np.zeros(n1.shape[0])
    beta[~finite & (u_hi > -0.5)] = np.inf
    beta[~finite & (u_lo < 0.5)] = -np.inf
    beta[~finite & (u_hi > -0.5) & (u_lo < 0.5)] = np.nan
    rows = np.flatnonzero(finite)
    if rows.size == 0:
        return beta
    n1f, n0f, d1f, d0f, df = n1[rows], n0[rows], d1[rows], d0[rows], d[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_d = np.where(df > 0, 1.0 / df, 0.0)
    fracs = [(l, np.where(df > l, l * inv_d, np.nan)) for l in range(dmax)]

    def evaluate(b: np.ndarray):
        r = np.exp(b)[:, None]
        ll = b * d1f.sum(axis=1)
        u = d1f.sum(axis=1).copy()
        info = np.zeros(b.size)
        for _, f in fracs:
            live = ~np.isnan(f)
            ff = np.where(live, f, 0.0)
            a1 = r * (n1f - ff * d1f)
            den = (n0f - ff * d0f) + a1
            with np.errstate(divide="ignore", invalid="ignore"):
                q = np.where(live, a1 / den, 0.0)
                lg = np.where(live, np.log(np.where(live, den, 1.0)), 0.0)
            ll -= lg.sum(axis=1)
            u -= q.sum(axis=1)
            info += (q * (1.0 - q)).sum(axis=1)
        return ll, u, info

    b = np.zeros(rows.size)
    ll, u, info = evaluate(b)
    active = np.ones(rows.size, bool)
    for _ in range(max_iter):
        step = np.where(active, u / info, 0.0)
        new = b + step
        ll_new, u_new, i_new = evaluate(new)
        for _h in range(30):
            worse = active & (ll_new < ll - 1e-12 * np.abs(ll))
            if not worse.any():
                break
            step = np.where(worse, step / 2, step)
            new = b + step
            ll_new, u_new, i_new = evaluate(new)
        b, ll, u, info = new, ll_new, u_new, i_new
        active &= np.abs(step) > tol * np.maximum(1.0, np.abs(b))
        if not active.any():
            break
    # one more Newton step on the converged rows polishes the last bits
    beta[rows] = b + np.where(info > 0, u / info, 0.0)
    return beta


def _mh_log_hr(n1, n, d1, d) -> np.ndarray:
    """(O1 - E1) / V of the two-group log-rank at the given cells, per row; NaN when V = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, n1 / n, 0.0)
        c = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    ome = (d1 - d * p).sum(axis=1)
    v = (c * p * (1.0 - p)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, ome / v, np.nan)


# ============================================================================================
# permutation tests
# ============================================================================================
@dataclass(frozen=True)
class PermutationResult:
    """Result of a permutation test.

    Attributes
    ----------
    test : str
        Weight family (``"logrank"``, ``"peto"``, ``"fleming-harrington"``,
        ``"gehan-breslow"``, ``"tarone-ware"``); ``"mh"`` / ``"cox"`` for the hazard ratios.
    statistic : str
        ``"chisq"`` (survdiff's chi-square with the hypergeometric variance, recomputed for
        every arrangement), ``"coin"`` (coin's standardised statistic: the same ``O - E`` over
        the permutation variance, fixed for all arrangements), ``"mh_hr"`` (``|ln HR_MH|``)
        or ``"cox_hr"`` (``|ln HR_Cox|``, Efron ties).
    observed : float
        The statistic on the observed labels.
    estimate : float
        ``chisq`` / ``coin``: the same as ``observed``; hazard ratios: the signed HR of the
        second level vs the first (R's reference level).
    p_value : float
        Exact: ``#(T >= observed) / N``; Monte Carlo: ``(b + 1) / (B + 1)``.
    method : {"exact", "monte-carlo"}
    resamples : int
        Arrangements enumerated (exact) or permutations drawn (Monte Carlo).
    exceed : int
        Arrangements with ``T >= observed`` (relative tolerance 1e-10 for ties).
    mc_se : float
        Monte Carlo standard error ``sqrt(p (1 - p) / B)`` with ``p = exceed / B``; 0 for exact.
    undefined : int
        Resamples where the statistic is undefined (NaN: e.g. V = 0); excluded from both the
        count and ``B`` (``p = (b + 1) / (B - undefined + 1)``). Infinite Cox coefficients
        (monotone likelihood) count as ``+inf``: at least as extreme as any finite value.
    arrangements : int
        Number of distinct label arrangements (product over strata of multinomials).
    seed : int or None
        The integer seed (``None`` for exact enumeration).
    levels : tuple
    distribution : ndarray
        The statistic for every resample (in generation order).

    R equivalent: ``coin::logrank_test(Surv(time, status) ~ group | strata, distribution =
    approximate(nresample = B))`` (``statistic = "coin"``); ``survdiff`` on each permuted
    labelling (``statistic = "chisq"``).
    """

    test: str
    statistic: str
    observed: float
    estimate: float
    p_value: float
    method: str
    resamples: int
    exceed: int
    mc_se: float
    undefined: int
    arrangements: int
    seed: int | None
    levels: tuple
    rho: float = 0.0
    gamma: float = 0.0
    distribution: np.ndarray = field(default=None, repr=False)

    @property
    def summary(self) -> pd.DataFrame:
        """One row: test, statistic, observed, p, method, resamples, MC SE, undefined."""
        return pd.DataFrame(
            {
                "test": [self.test],
                "statistic": [self.statistic],
                "observed": [self.observed],
                "estimate": [self.estimate],
                "p": [self.p_value],
                "method": [self.method],
                "resamples": [self.resamples],
                "exceed": [self.exceed],
                "mc_se": [self.mc_se],
                "undefined": [self.undefined],
                "arrangements": [self.arrangements],
                "seed": [self.seed],
            }
        )


class _PermEngine:
    """Everything fixed under permutation of labels, and the statistic for label matrices."""

    def __init__(self, data: SurvData, g: np.ndarray, k: int, s_codes: np.ndarray,
                 test: str, rho: float, gamma: float, statistic: str):
        self.k, self.statistic = k, statistic
        sd = _sort(data.time, data.event, s_codes)
        self.sd = sd
        self.g = g[sd.order]  # labels in sorted order
        self.n = sd.time.size
        w = _weights(sd, test, rho, gamma)
        ev = sd.d_t > 0
        self.ecell = np.flatnonzero(ev)
        nt, dt = sd.n_t[ev], sd.d_t[ev]
        self.nt, self.dt, self.w = nt, dt, w[ev]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(nt > 1, dt * (nt - dt) / (nt - 1), 0.0)
        self.A = self.w**2 * c
        self.a_n, self.a_n2 = self.A / nt, self.A / nt**2
        # per-subject scores a_i (sorted order), cumulative within the stratum
        inc = w * sd.d_t / sd.n_t
        cum = np.cumsum(inc)
        first = np.r_[0, np.flatnonzero(np.diff(sd.stratum[sd.cell_start])) + 1]
        sfirst = np.zeros(sd.n_t.size, np.intp)
        sfirst[first] = first
        sfirst = np.maximum.accumulate(sfirst)
        cum_within = cum - np.r_[0.0, cum][sfirst]
        self.scores = w[sd.cell] * sd.event - cum_within[sd.cell]
        self.start = sd.cell_start[self.ecell]
        self.stop = sd.strat_stop[self.ecell]
        self.cstop = sd.cell_stop[self.ecell]
        me = self.ecell.size
        # row plan for risk_t: rows from last to first, (row, event-cell index or -1, reset)
        self.rowplan = None
        self._sel = None  # per-row (remaining, n1 target) for sample_two, built on first use
        if self.n <= 5000:
            ecell_of_start = np.full(self.n, -1)
            ecell_of_start[self.start] = np.arange(me)
            last_of_stratum = np.r_[sd.stratum[1:] != sd.stratum[:-1], True]
            self.rowplan = [
                (r, int(ecell_of_start[r]), bool(last_of_stratum[r]))
                for r in range(self.n - 1, -1, -1)
            ]
            # for selection sampling: group-2 count and size of the stratum ending at row r
            self.n1_at_reset = np.zeros(self.n)
            self.size_at_reset = np.zeros(self.n)
            for s in np.unique(sd.stratum):
                rows_s = np.flatnonzero(sd.stratum == s)
                self.n1_at_reset[rows_s[-1]] = (self.g[rows_s] == 1).sum()
                self.size_at_reset[rows_s[-1]] = rows_s.size
        if statistic == "coin":
            # permutation covariance of T_j = sum_{i in j} a_i, summed over strata
            cov = np.zeros((k, k))
            for s in np.unique(sd.stratum):
                rows_s = sd.stratum == s
                ns = rows_s.sum()
                if ns < 2:
                    continue
                a = self.scores[rows_s]
                sig2 = np.mean((a - a.mean()) ** 2)
                nj = np.bincount(self.g[rows_s], minlength=k).astype(float)
                cov += ns / (ns - 1) * sig2 * (np.diag(nj) - np.outer(nj, nj) / ns)
            self.cov_inv = np.linalg.pinv(cov[1:, 1:])

    # ---------------------------------------------------------------------------------
    def counts(self, L: np.ndarray):
        """For indicator rows L (b, n): (O - E, n_j at event cells, d_j at event cells)."""
        # cumulative sums and einsum, not BLAS products: OpenBLAS threads oversubscribe the
        # cores on these thin products
        ome = np.einsum("bi,i->b", L, self.scores)
        nj = _suffix_sum(L, self.start, self.stop)
        dj = None
        if self.statistic == "cox_hr":
            dj = _suffix_sum(L * self.sd.event[None, :], self.start, self.cstop)
        return ome, nj, dj

    def risk_t(self, LT: np.ndarray) -> np.ndarray:
        """Numbers at risk at the event cells, (me, b), from indicators in (n, b) layout.

        A loop over the rows accumulating whole rows of length b: for moderate n this beats
        ``cumsum`` along an axis and BLAS products (which oversubscribe the cores).
        """
        out = np.empty((self.ecell.size, LT.shape[1]))
        acc = np.zeros(LT.shape[1])
        for r, e, reset in self.rowplan:
            if reset:
                acc[:] = 0.0
            acc += LT[r]
            if e >= 0:
                out[e] = acc
        return out

    def sample_two(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """Draw ``m`` permutations and return their statistics (two groups, chisq / coin).

        Selection sampling (Knuth's algorithm S) row by row from the last sorted row, within
        each stratum: row ``r`` joins the second group with probability ``needed /
        remaining``, which gives every subset of the stratum's size ``n1`` the same
        probability. The numbers at risk and ``O - E`` are accumulated in the same pass.

        The uniforms are single precision (a selection probability is off by at most 2^-24
        relative); indicators and counts are small integers, exact in float32, and every sum
        that forms the statistic is accumulated in float64.
        """
        if self._sel is None:
            rem = np.empty(self.n, np.float32)
            tgt = np.empty(self.n, np.float32)
            left, target = 0.0, 0.0
            for r, _, reset in self.rowplan:
                if reset:
                    left, target = self.size_at_reset[r], self.n1_at_reset[r]
                rem[r], tgt[r] = left, target
                left -= 1.0
            self._sel = (rem[:, None], tgt)
        rem, tgt = self._sel
        # u * remaining, overwritten row by row by the 0/1 indicator of the second group
        LT = rng.random((self.n, m), dtype=np.float32)
        LT *= rem
        n1 = np.empty((self.ecell.size, m), np.float32)
        acc = np.zeros(m, np.float32)  # taken so far in the stratum
        for r, e, reset in self.rowplan:
            if reset:
                acc[:] = 0.0
            row = LT[r]
            # take row r when u * remaining < needed, i.e. u * remaining + taken < n1
            row += acc
            np.less(row, tgt[r], out=row)
            acc += row
            if e >= 0:
                n1[e] = acc
        # einsum, not BLAS: OpenBLAS threads oversubscribe the cores on these thin products
        ome = np.einsum("i,ib->b", self.scores, LT, dtype=np.float64)
        if self.statistic == "coin":
            return ome * ome * self.cov_inv[0, 0]
        v = np.einsum("e,eb->b", self.a_n, n1, dtype=np.float64)
        n1 *= n1
        v -= np.einsum("e,eb->b", self.a_n2, n1, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(v > 0, ome * ome / v, 0.0)

    def evaluate_two(self, LT: np.ndarray) -> np.ndarray:
        """Fast path for two groups: LT (n, b) is the indicator of the second group."""
        if self.statistic not in ("chisq", "coin") or self.rowplan is None:
            return self.evaluate(np.ascontiguousarray(LT.T).astype(np.int8))
        # einsum, not BLAS: OpenBLAS threads oversubscribe the cores on these thin products
        ome = np.einsum("i,ib->b", self.scores, LT)
        if self.statistic == "coin":
            return ome * ome * self.cov_inv[0, 0]
        n1 = self.risk_t(LT)
        v = self.a_n @ n1 - self.a_n2 @ (n1 * n1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(v > 0, ome * ome / v, 0.0)

    def evaluate(self, G: np.ndarray) -> np.ndarray:
        """Statistic for every row of the label-code matrix G (b, n), sorted order."""
        k = self.k
        parts = [self.counts((G == j).astype(float)) for j in range(1, k)]
        ome = np.stack([p[0] for p in parts], axis=1)  # (b, k-1)
        if self.statistic == "coin":
            return np.einsum("bj,jl,bl->b", ome, self.cov_inv, ome)
        nt, dt = self.nt, self.dt
        if self.statistic == "mh_hr":
            n1 = parts[0][1]
            d1_minus = ome[:, 0]  # O1 - E1
            p = n1 / nt
            v = (self.A * p * (1 - p)).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.abs(np.where(v > 0, d1_minus / v, np.nan))
        if self.statistic == "cox_hr":
            n1, d1 = parts[0][1], parts[0][2]
            return np.abs(_cox_binary(n1, nt - n1, d1, dt - d1))
        # chisq with the hypergeometric variance
        P = np.stack([p[1] for p in parts], axis=2) / nt[None, :, None]  # (b, me, k-1)
        if k == 2:
            p = P[:, :, 0]
            v = (self.A * p * (1 - p)).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(v > 0, ome[:, 0] ** 2 / v, 0.0)
        V = np.einsum("e,bej->bj", self.A, P)
        V = np.einsum("bj,jl->bjl", V, np.eye(k - 1)) - np.einsum("e,bej,bel->bjl", self.A, P, P)
        # E_j > 0 for every group: survdiff drops group 0 and solves the rest
        wd = self.w * self.dt
        E = np.einsum("e,bej->bj", wd, P)
        E0 = wd.sum() - E.sum(axis=1)
        ok = (E > 0).all(axis=1) & (E0 > 0)
        out = np.empty(G.shape[0])
        if ok.any():
            try:
                sol = np.linalg.solve(V[ok], ome[ok][:, :, None])[:, :, 0]
                out[ok] = (ome[ok] * sol).sum(axis=1)
            except np.linalg.LinAlgError:
                ok[:] = False
        for r in np.flatnonzero(~ok):
            out[r] = self._chisq_general(ome[r], E[r], E0[r], V[r])
        return out

    @staticmethod
    def _chisq_general(ome, E, E0, V) -> float:
        """survdiff's rule for one row: drop groups with E == 0, then the first remaining."""
        k = E.size + 1
        Ef = np.r_[E0, E]
        Of = np.r_[-ome.sum(), ome]
        Vf = np.zeros((k, k))
        Vf[1:, 1:] = V
        Vf[0, 1:] = Vf[1:, 0] = -V.sum(axis=1)
        Vf[0, 0] = V.sum()
        keep = Ef > 0
        if keep.sum() < 2:
            return 0.0
        u = Of[keep][1:]
        vv = Vf[np.ix_(keep, keep)][1:, 1:]
        return float(u @ np.linalg.pinv(vv) @ u)

    def observed(self) -> tuple[float, float]:
        """(statistic, signed estimate) on the observed labels."""
        G = self.g[None, :]
        stat = float(self.evaluate(G)[0])
        est = stat
        if self.statistic in ("mh_hr", "cox_hr"):
            L = (G == 1).astype(float)
            ome, n1, d1 = self.counts(L)
            if self.statistic == "mh_hr":
                p = n1 / self.nt
                v = (self.A * p * (1 - p)).sum(axis=1)
                est = float(np.exp(ome[0] / v[0])) if v[0] > 0 else float("nan")
            else:
                if d1 is None:
                    d1 = _suffix_sum(L * self.sd.event[None, :], self.start, self.cstop)
                est = float(np.exp(_cox_binary(n1, self.nt - n1, d1, self.dt - d1)[0]))
        return stat, est


def _multinomial(counts: Sequence[int]) -> int:
    out, total = 1, 0
    for c in counts:
        total += int(c)
        out *= math.comb(total, int(c))
    return out


def _labelings(codes: np.ndarray, k: int) -> np.ndarray:
    """All distinct arrangements of the multiset ``codes`` (rows), as an int8 matrix."""
    n = codes.size
    counts = np.bincount(codes, minlength=k)
    # assign groups 1..k-1 successively to combinations of still-free positions (group 0 rest)
    states = [(np.zeros(n, np.int8), np.arange(n))]
    for j in range(1, k):
        nxt = []
        for lab, fr in states:
            for comb in itertools.combinations(range(fr.size), int(counts[j])):
                new = lab.copy()
                new[fr[list(comb)]] = j
                nxt.append((new, np.delete(fr, comb)))
        states = nxt
    return np.array([s[0] for s in states], dtype=np.int8)


def _labelings_two(n: int, n1: int) -> np.ndarray:
    """All 0/1 arrangements with ``n1`` ones (fast path for two groups)."""
    total = math.comb(n, n1)
    idx = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n), n1)),
                      dtype=np.int32, count=total * n1).reshape(total, n1)
    out = np.zeros((total, n), np.int8)
    np.put_along_axis(out, idx.astype(np.intp), 1, axis=1)
    return out


def _perm_setup(time, event, group, strata, test, rho, gamma, statistic, coding, levels):
    if test not in _TESTS:
        raise ValueError(f"test must be one of {', '.join(_TESTS)}; got {test!r}")
    if statistic not in PERMUTATION_STATISTICS:
        raise ValueError(
            f"statistic must be one of {', '.join(PERMUTATION_STATISTICS)}; got {statistic!r}")
    for name, v in (("rho", rho), ("gamma", gamma)):
        if not np.isfinite(float(v)) or float(v) < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    if test == "peto" and rho == 0:
        rho = 1.0
    if group is None:
        raise ValueError("group is required: a permutation test compares at least two groups")
    data = SurvData.from_arrays(time, event, group, strata, coding=coding, levels=levels)
    if levels is not None:
        lv = list(levels)
        index = {v: i for i, v in enumerate(lv)}
        g = np.fromiter((index[v] for v in data.group.tolist()), np.intp, data.n)
    else:
        g, lv = data.group_codes()
    k = len(lv)
    if k < 2:
        raise ValueError(f"only one group ({lv[0]!r}): a permutation test needs at least two")
    if statistic in ("mh_hr", "cox_hr"):
        if k != 2:
            raise ValueError(f"statistic={statistic!r} needs exactly two groups, got {k}")
        test, rho, gamma = "logrank", 0.0, 0.0
    if data.strata is None:
        s_codes = np.zeros(data.n, np.intp)
    else:
        _, s_codes = np.unique(data.strata, return_inverse=True)
        s_codes = s_codes.reshape(-1)
    eng = _PermEngine(data, g, k, s_codes, test, float(rho), float(gamma), statistic)
    return eng, lv, test, float(rho), float(gamma)


def permutation_statistics(
    time: Any,
    event: Any,
    group: Any,
    labels: Any,
    strata: Any = None,
    *,
    test: str = "logrank",
    rho: float = 0.0,
    gamma: float = 0.0,
    statistic: str = "chisq",
    coding: str = "01",
    levels: Sequence[Any] | None = None,
) -> np.ndarray:
    """The permutation statistic for given relabellings (rows of ``labels``).

    Parameters
    ----------
    time, event, group, strata, test, rho, gamma, statistic, coding, levels
        As :func:`permutation_test`; ``group`` fixes the levels and their sizes.
    labels : array-like, shape (b, n)
        Each row a labelling of the rows (values among the group levels, same group sizes
        per stratum for a permutation, though any labelling with every level present works
        for ``"chisq"``).

    Returns
    -------
    ndarray (b,)
        E.g. ``survdiff(Surv(time, status) ~ labels[i, ])$chisq`` for ``statistic="chisq"``.

    R equivalent: ``apply(labels, 1, function(g) survdiff(Surv(time, status) ~ g)$chisq)``.
    """
    eng, lv, *_ = _perm_setup(time, event, group, strata, test, rho, gamma, statistic,
                              coding, levels)
    lab = np.asarray(labels)
    if lab.ndim != 2 or lab.shape[1] != eng.n:
        raise ValueError(f"labels must have shape (b, {eng.n}), got {lab.shape}")
    index = {v: i for i, v in enumerate(lv)}
    try:
        codes = np.vectorize(lambda v: index[v], otypes=[np.int8])(lab)
    except KeyError as exc:
        raise ValueError(f"label {exc.args[0]!r} is not a group level {lv!r}") from None
    return eng.evaluate(codes[:, eng.sd.order])


def permutation_test(
    time: Any,
    event: Any,
    group: Any,
    strata: Any = None,
    *,
    test: str = "logrank",
    rho: float = 0.0,
    gamma: float = 0.0,
    statistic: str = "chisq",
    B: int = 10_000,
    seed: int | None = None,
    method: str = "auto",
    exact_limit: int = 200_000,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> PermutationResult:
    """Permutation test of equal survival across groups (labels permuted within strata).

    Parameters
    ----------
    time, event, group : array-like
        Validated by :class:`harness.core.survdata.SurvData`; at least two groups.
    strata : array-like, optional
        Labels are permuted within each stratum; O, E and V are summed over strata with the
        weights computed within each (as ``survdiff(... + strata(s))``).
    test : {"logrank", "peto", "fleming-harrington", "gehan-breslow", "tarone-ware"}
        Weights as in :mod:`harness.core.logrank` (``"peto"`` uses ``rho``, default 1 when 0 is
        given; ``"fleming-harrington"`` uses ``rho`` and ``gamma``).
    statistic : {"chisq", "coin", "mh_hr", "cox_hr"}
        See :class:`PermutationResult`. ``"mh_hr"`` and ``"cox_hr"`` need two groups and use
        the log-rank weights (``test`` is then ignored).
    B : int
        Monte Carlo resamples (>= 1).
    seed : int or None
        Seed of the generator (``None``: fresh entropy, recorded in the result).
    method : {"auto", "exact", "monte-carlo"}
        ``"auto"``: complete enumeration when the number of distinct arrangements is at most
        ``exact_limit``, Monte Carlo otherwise.
    exact_limit : int
    n_jobs : int or None
        Threads (default: 2 on large work, else 1). The result does not depend on it.
    progress : bool or None
        Progress text on stderr (default: only when stderr is a terminal).

    Returns
    -------
    PermutationResult

    Raises
    ------
    ValueError
        Bad data (from :class:`SurvData`), fewer than two groups, a level with no rows, B < 1,
        a seed that is not an integer, an unknown test / statistic / method, ``method="exact"``
        beyond ``exact_limit``, or a statistic undefined on the observed data.

    Notes
    -----
    R equivalent: ``coin::logrank_test(Surv(time, status) ~ group, distribution =
    approximate(nresample = B))`` for ``statistic="coin"`` (coin's ``type = "logrank"`` and
    ``"Gehan-Breslow"`` have the same ``O - E``; coin's ``"Prentice"`` is not survdiff's
    ``rho = 1``); ``sapply(perms, function(g) survdiff(Surv(time, status) ~ g)$chisq)`` for
    ``statistic="chisq"``. coin divides ``O - E`` by the permutation variance
    ``n/(n-1) mean((a - abar)^2) (diag(n_j) - n_j n_l / n)`` of the scores, survdiff by the
    hypergeometric variance, which changes with the labels; so the two p-values differ
    (slightly) even for the same permutations.
    """
    if method not in ("auto", "exact", "monte-carlo"):
        raise ValueError(f"method must be 'auto', 'exact' or 'monte-carlo'; got {method!r}")
    B = _check_B(B)
    eng, lv, test, rho, gamma = _perm_setup(time, event, group, strata, test, rho, gamma,
                                            statistic, coding, levels)
    k = eng.k
    obs, est = eng.observed()
    if not np.isfinite(obs) and not np.isinf(obs):
        raise ValueError(
            f"the {statistic} statistic is undefined on the observed data (e.g. no event time "
            "with both groups at risk)")
    s_sorted = eng.sd.stratum
    strata_ids = np.unique(s_sorted)
    arrangements = 1
    for s in strata_ids:
        arrangements *= _multinomial(np.bincount(eng.g[s_sorted == s], minlength=k))
    use_exact = method == "exact" or (method == "auto" and arrangements <= exact_limit)
    if method == "exact" and arrangements > exact_limit:
        raise ValueError(
            f"{arrangements} label arrangements exceed exact_limit={exact_limit}: "
            "raise exact_limit or use Monte Carlo")
    tol = _REL_TIES * abs(obs) if np.isfinite(obs) else 0.0
    rows_per = max(1, min(4096, _BUDGET // max(eng.n, 1 + eng.ecell.size) // max(1, k - 1)))

    if use_exact:
        tables = []
        for s in strata_ids:
            codes = eng.g[s_sorted == s]
            cnt = np.bincount(codes, minlength=k)
            if k == 2:
                tables.append(_labelings_two(codes.size, int(cnt[1])))
            else:
                tables.append(_labelings(codes, k))
        sizes = [t.shape[0] for t in tables]
        total = int(np.prod(sizes, dtype=object))
        pos = [np.flatnonzero(s_sorted == s) for s in strata_ids]
        blocks = _blocks(total, rows_per)

        def work(i, a, b):
            gi = np.arange(a, b, dtype=np.int64)
            G = np.empty((b - a, eng.n), np.int8)
            rem = gi
            for tab, p, size in zip(tables[::-1], pos[::-1], sizes[::-1]):
                G[:, p] = tab[rem % size]
                rem = rem // size
            return eng.evaluate(G)

        jobs = _n_jobs(n_jobs, float(total) * eng.n)
        dist = np.concatenate(_run(blocks, work, jobs, _Progress(total, "exact", progress)))
        defined = ~np.isnan(dist)
        exceed = int((dist[defined] >= obs - tol).sum())
        n_def = int(defined.sum())
        return PermutationResult(
            test=test, statistic=statistic, observed=obs, estimate=est,
            p_value=exceed / n_def if n_def else float("nan"), method="exact",
            resamples=total, exceed=exceed, mc_se=0.0, undefined=int(total - n_def),
            arrangements=arrangements, seed=None, levels=tuple(lv), rho=float(rho),
            gamma=float(gamma), distribution=dist,
        )

    seed = _check_seed(seed)
    if k == 2 and eng.rowplan is not None and statistic in ("chisq", "coin"):
        rows_per = max(1, min(16384, _BUDGET // (2 * eng.n)))
    nb = -(-B // rows_per)
    blocks = _blocks(B, -(-B // nb))  # balanced blocks; their sizes depend on n and B only
    children = np.random.SeedSequence(seed).spawn(len(blocks))
    pos = [np.flatnonzero(s_sorted == s) for s in strata_ids]
    base = eng.g.astype(np.int8)

    n1_s = [int((base[p] == 1).sum()) for p in pos]

    def work(i, a, b):
        rng = np.random.default_rng(children[i])
        m = b - a
        if k == 2 and eng.rowplan is not None and statistic in ("chisq", "coin"):
            return eng.sample_two(rng, m)
        if k == 2:
            # a uniformly random subset of size n1 per stratum: the n1 smallest of iid keys
            LT = np.zeros((eng.n, m))
            for p, n1 in zip(pos, n1_s):
                if n1 == 0:
                    continue
                if n1 == p.size:
                    LT[p] = 1.0
                    continue
                keys = rng.random((m, p.size))
                kth = np.partition(keys, n1 - 1, axis=1)[:, n1 - 1]
                mask = keys <= kth[:, None]
                if p.size == eng.n:
                    LT = np.ascontiguousarray(mask.T, dtype=float)
                else:
                    LT[p] = mask.T
            return eng.evaluate_two(LT)
        if len(pos) == 1:
            keys = rng.random((m, eng.n))
            G = base[np.argsort(keys, axis=1)]
        else:
            G = np.empty((m, eng.n), np.int8)
            for p in pos:
                keys = rng.random((m, p.size))
                G[:, p] = base[p][np.argsort(keys, axis=1)]
        return eng.evaluate(G)

    jobs = _n_jobs(n_jobs, float(B) * eng.n * (k - 1))
    dist = np.concatenate(_run(blocks, work, jobs, _Progress(B, "permutations", progress)))
    defined = ~np.isnan(dist)
    n_def = int(defined.sum())
    exceed = int((dist[defined] >= obs - tol).sum())
    phat = exceed / n_def if n_def else float("nan")
    return PermutationResult(
        test=test, statistic=statistic, observed=obs, estimate=est,
        p_value=(exceed + 1) / (n_def + 1), method="monte-carlo", resamples=B, exceed=exceed,
        mc_se=float(np.sqrt(phat * (1 - phat) / n_def)) if n_def else float("nan"),
        undefined=int(B - n_def), arrangements=arrangements, seed=seed, levels=tuple(lv),
        rho=float(rho), gamma=float(gamma), distribution=dist,
    )


# ============================================================================================
# boot.ci's intervals
# ============================================================================================
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
            z = stats.norm.ppf(alpha[i])
            z1 = stats.norm.ppf(k[i] / (R + 1))
            z2 = stats.norm.ppf((k[i] + 1) / (R + 1))
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
    conf = _check_conf(conf_level)
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
        if ty == "normal":
            if tf.size < 2:
                out[ty] = (nan, nan, "fewer than two finite replicates")
                continue
            bias = mean - t0
            merr = np.sqrt(np.var(tf, ddof=1)) * stats.norm.ppf((1 + conf) / 2)
            out[ty] = (t0 - bias - merr, t0 - bias + merr, "")
        elif ty == "basic":
            qq, ext = norm_inter(tf, (1 + np.array([conf, -conf])) / 2)
            out[ty] = (2 * t0 - qq[0], 2 * t0 - qq[1],
                       "extreme order statistics used as endpoints" if ext else "")
        elif ty == "percent":
            qq, ext = norm_inter(tf, (1 + np.array([-conf, conf])) / 2)
            out[ty] = (qq[0], qq[1], "extreme order statistics used as endpoints" if ext else "")
        elif ty == "bca":
            w = stats.norm.ppf(np.sum(tf < t0) / tf.size)
            if not np.isfinite(w):
                out[ty] = (nan, nan, "estimated adjustment 'w' is infinite (boot.ci stops)")
                continue
            if L is None or not np.all(np.isfinite(L)):
                out[ty] = (nan, nan, ("influence values unavailable: "
                           "estimated adjustment 'a' is NA (boot.ci stops)"))
                continue
            a = np.sum(L**3) / (6 * np.sum(L**2) ** 1.5)
            if not np.isfinite(a):
                out[ty] = (nan, nan, "estimated adjustment 'a' is NA (boot.ci stops)")
                continue
            z = stats.norm.ppf((1 + np.array([-conf, conf])) / 2)
            adj = stats.norm.cdf(w + (w + z) / (1 - a * (w + z)))
            qq, ext = norm_inter(tf, adj)
            out[ty] = (qq[0], qq[1], "extreme order statistics used as endpoints" if ext else "")
        else:
            raise ValueError(f"interval type must be one of {INTERVAL_TYPES}; got {ty!r}")
    return out


# ============================================================================================
# bootstrap
# ============================================================================================
@dataclass(frozen=True)
class BootstrapResult:
    """Case-resampling bootstrap of a censored-data statistic.

    Attributes
    ----------
    statistic : str
        ``"median"``, ``"survival"`` (KM at ``time``), ``"rmst"`` (up to ``tau``),
        ``"mh_hr"`` or ``"cox_hr"`` (second level vs first).
    columns : tuple of str
        One label per column of ``t`` (one per group for median / survival / rmst with
        groups, as ``boot``'s ``t`` matrix).
    t0 : ndarray (p,)
    t : ndarray (B, p)
        Replicates, NaN where the statistic is undefined on a resample (median not reached,
        time after the last observation, a group absent or without events for a hazard
        ratio, an infinite Cox coefficient).
    undefined : ndarray of int (p,)
        Number of NaN replicates per column. As ``boot.ci``, every interval is computed from
        the finite replicates only (``R`` = the finite count); they are never silently
        replaced.
    intervals : DataFrame
        One row per column and interval type: ``column``, ``type``, ``conf``, ``lower``,
        ``upper``, ``note``.
    influence : ndarray (p, n) or None
        Empirical influence values used by BCa (``empinf(type = "reg")``).
    conf_level : float
    B : int
    seed : int or None
        ``None`` when the resample indices were given.
    stratified : bool
        Resampled within groups (``censboot(..., strata = group)``).
    indices : ndarray (B, n) or None
        0-based resample indices, kept with ``return_indices=True``.

    R equivalent: ``b <- censboot(data, statistic, R = B, strata = group, sim = "ordinary");
    boot.ci(b, conf = conf_level, type = c("norm", "basic", "perc", "bca"), index = j)``.
    """

    statistic: str
    columns: tuple
    t0: np.ndarray
    t: np.ndarray = field(repr=False)
    undefined: np.ndarray
    intervals: pd.DataFrame = field(repr=False)
    influence: np.ndarray | None = field(repr=False)
    conf_level: float
    B: int
    seed: int | None
    stratified: bool
    indices: np.ndarray | None = field(default=None, repr=False)

    @property
    def bias(self) -> np.ndarray:
        """``mean(t) - t0`` over finite replicates (boot's printed bias, with NA removed)."""
        means = [np.nanmean(np.where(np.isfinite(c), c, np.nan)) for c in self.t.T]
        return np.array(means) - self.t0

    @property
    def std_error(self) -> np.ndarray:
        """``sd(t)`` over finite replicates."""
        return np.array([np.std(c[np.isfinite(c)], ddof=1) if np.isfinite(c).sum() > 1
                         else np.nan for c in self.t.T])

    @property
    def summary(self) -> pd.DataFrame:
        """One row per column: t0, bias, SE, undefined, and lower/upper of each interval."""
        frame = pd.DataFrame(
            {"t0": self.t0, "bias": self.bias, "std_error": self.std_error,
             "undefined": self.undefined, "B": self.B},
            index=pd.Index(list(self.columns), name="column"),
        )
        for ty in INTERVAL_TYPES:
            rows = self.intervals[self.intervals["type"] == ty].set_index("column")
            if len(rows):
                frame[f"{ty}_lower"] = rows["lower"].reindex(frame.index).to_numpy()
                frame[f"{ty}_upper"] = rows["upper"].reindex(frame.index).to_numpy()
        return frame


class _BootEngine:
    """Per-replicate statistics from resample index matrices (original row indices)."""

    def __init__(self, data: SurvData, g: np.ndarray, k: int, statistic: str,
                 at: float | None, tau: float | None, per_group: bool):
        self.statistic, self.k, self.at, self.tau = statistic, k, at, tau
        self.n = data.n
        ut, inv = np.unique(data.time, return_inverse=True)
        self.times = ut
        self.m = ut.size
        self.cell = inv.reshape(-1).astype(np.int64)
        self.g = g.astype(np.int64)
        self.ev = data.event.astype(np.int64)
        self.per_group = per_group

    def counts(self, I: np.ndarray):
        b = I.shape[0]
        m, k = self.m, self.k
        key = np.arange(b, dtype=np.int64)[:, None] * m + self.cell[I]
        key = (key * k + self.g[I]) * 2 + self.ev[I]
        C = np.bincount(key.ravel(), minlength=b * m * k * 2).reshape(b, m, k, 2).astype(float)
        rows = C.sum(axis=3)
        dead = C[..., 1]
        risk = np.cumsum(rows[:, ::-1], axis=1)[:, ::-1]
        return rows, dead, risk

    def one_sample(self, rows, dead, risk) -> np.ndarray:
        """Median / survival / RMST of one curve per row: arrays (b, m)."""
        b = rows.shape[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            S = np.cumprod(np.where(risk > 0, (risk - dead) / risk, 1.0), axis=1)
        present = rows > 0
        has = present.any(axis=1)
        last = self.m - 1 - np.argmax(present[:, ::-1], axis=1)
        xmax = np.where(has, self.times[last], np.nan)
        x = self.times
        if self.statistic == "median":
            y = 1.0 - S
            ymax = y[:, -1]
            ia = np.argmax(y >= 0.5 - _TOL_Q, axis=1)
            okb = (y >= 0.5 + _TOL_Q).any(axis=1)
            ib = np.argmax(y >= 0.5 + _TOL_Q, axis=1)
            a = x[ia]
            q = np.where(okb, (a + x[ib]) / 2, np.nan)
            flat_end = np.abs(0.5 - ymax) < _TOL_Q
            q = np.where(flat_end, (a + xmax) / 2, q)
            q[ymax < 0.5] = np.nan
            q[~has] = np.nan
            return q
        if self.statistic == "survival":
            j = np.searchsorted(x, self.at, side="right") - 1
            s = np.ones(b) if j < 0 else S[:, j].copy()
            s[~(self.at <= xmax)] = np.nan  # after the last observation (R drops the time)
            return s
        # rmst
        K = int(np.searchsorted(x, self.tau, side="right"))
        widths = np.diff(np.r_[0.0, x[:K], self.tau])
        heights = np.hstack([np.ones((b, 1)), S[:, :K]])
        r = heights @ widths
        first = np.argmax(present, axis=1)
        r[~has | (self.tau < x[first])] = np.nan  # R: truncation point < smallest time
        return r

    def evaluate(self, I: np.ndarray) -> np.ndarray:
        rows, dead, risk = self.counts(I)
        if self.statistic in ("median", "survival", "rmst"):
            if self.per_group:
                return np.stack([self.one_sample(rows[..., j], dead[..., j], risk[..., j])
                                 for j in range(self.k)], axis=1)
            return self.one_sample(rows.sum(2), dead.sum(2), risk.sum(2))[:, None]
        n1, n0 = risk[..., 1], risk[..., 0]
        d1, d0 = dead[..., 1], dead[..., 0]
        if self.statistic == "mh_hr":
            return np.exp(_mh_log_hr(n1, n1 + n0, d1, d1 + d0))[:, None]
        keep = (d1 + d0).any(axis=0)
        beta = _cox_binary(n1[:, keep], n0[:, keep], d1[:, keep], d0[:, keep])
        beta[np.isinf(beta)] = np.nan  # infinite coefficient: undefined, counted
        return np.exp(beta)[:, None]


def bootstrap(
    time: Any,
    event: Any,
    group: Any = None,
    *,
    statistic: str = "median",
    at: float | None = None,
    tau: float | None = None,
    B: int = 2000,
    seed: int | None = None,
    stratify: bool = False,
    conf_level: float = 0.95,
    types: Sequence[str] = INTERVAL_TYPES,
    indices: np.ndarray | None = None,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    n_jobs: int | None = None,
    progress: bool | None = None,
    return_indices: bool = False,
) -> BootstrapResult:
    """Case-resampling bootstrap with ``boot.ci``'s intervals.

    Parameters
    ----------
    time, event : array-like
        Validated by :class:`harness.core.survdata.SurvData`.
    group : array-like, optional
        Required for the hazard ratios (two groups); for median / survival / rmst it gives one
        statistic per group (columns of ``t``).
    statistic : {"median", "survival", "rmst", "mh_hr", "cox_hr"}
        ``"median"``: R's ``quantile(survfit(...), 0.5)`` rule; ``"survival"``: the KM at
        ``at`` (``summary(fit, times = at)$surv``); ``"rmst"``: RMST up to ``tau``
        (``summary(fit, rmean = tau)``); ``"mh_hr"``: ``exp((O1 - E1) / V)``;
        ``"cox_hr"``: ``exp(coef(coxph(Surv ~ group)))``, Efron ties.
    at, tau : float
        Time for ``"survival"``, truncation time for ``"rmst"``.
    B : int
        Replicates (>= 1).
    seed : int or None
    stratify : bool
        Resample within groups (``censboot(..., strata = group)``).
    conf_level : float
    types : subset of {"normal", "basic", "percent", "bca"}
    indices : ndarray (B, n), optional
        0-based resample indices to use instead of the generator (e.g. ``boot.array(b,
        indices = TRUE) - 1`` from R), for exact comparisons.
    n_jobs, progress
        As :func:`permutation_test`.
    return_indices : bool
        Keep the (B, n) matrix of 0-based resample indices in the result (``indices``), e.g.
        to recompute the replicates in R (``d[idx[k, ] + 1, ]``).

    Returns
    -------
    BootstrapResult

    Raises
    ------
    ValueError
        Bad data, B < 1, a non-integer seed, a group without rows, a missing ``at`` /
        ``tau``, a hazard ratio without exactly two groups, ``indices`` of the wrong shape or
        range, or a statistic undefined on the original data.

    Notes
    -----
    R equivalent: ``censboot(d, function(d) quantile(survfit(Surv(time, status) ~ 1, d),
    0.5, conf.int = FALSE), R = B, sim = "ordinary")`` then ``boot.ci(b, type = c("norm",
    "basic", "perc", "bca"))``. boot.ci's BCa uses ``empinf(b, type = "reg")`` (regression
    of the replicates on the resampling frequencies; boot's default for ordinary
    bootstraps, not the jackknife); it is reproduced here from the frequencies of the
    resamples, over the finite replicates (as ``empinf.reg``). It needs more finite
    replicates than rows and at most 4000 rows, otherwise BCa is NaN with the reason.
    """
    if statistic not in BOOTSTRAP_STATISTICS:
        raise ValueError(
            f"statistic must be one of {', '.join(BOOTSTRAP_STATISTICS)}; got {statistic!r}")
    types = tuple(types)
    for ty in types:
        if ty not in INTERVAL_TYPES:
            raise ValueError(f"interval type must be one of {INTERVAL_TYPES}; got {ty!r}")
    conf = _check_conf(conf_level)
    data = SurvData.from_arrays(time, event, group, coding=coding, levels=levels)
    if data.group is not None:
        if levels is not None:
            lv = list(levels)
            index = {v: i for i, v in enumerate(lv)}
            g = np.fromiter((index[v] for v in data.group.tolist()), np.intp, data.n)
        else:
            g, lv = data.group_codes()
    else:
        g, lv = np.zeros(data.n, np.intp), [None]
    k = len(lv)
    if statistic in ("mh_hr", "cox_hr") and (data.group is None or k != 2):
        raise ValueError(f"statistic={statistic!r} needs a group with exactly two levels")
    if stratify and data.group is None:
        raise ValueError("stratify=True needs a group to resample within")
    at_v = tau_v = None
    if statistic == "survival":
        if at is None or not np.isfinite(float(at)) or float(at) < 0:
            raise ValueError(f"statistic='survival' needs a finite time at >= 0, got {at!r}")
        at_v = float(at)
    if statistic == "rmst":
        if tau is None or not np.isfinite(float(tau)) or float(tau) <= 0:
            raise ValueError(f"statistic='rmst' needs a finite tau > 0, got {tau!r}")
        tau_v = float(tau)
    per_group = data.group is not None and statistic in ("median", "survival", "rmst")
    eng = _BootEngine(data, g, k, statistic, at_v, tau_v, per_group)
    n = data.n
    if statistic in ("mh_hr", "cox_hr"):
        columns = (f"HR {lv[1]}/{lv[0]}",)
    elif per_group:
        columns = tuple(f"{statistic}[{v}]" for v in lv)
    else:
        columns = (statistic,)
    t0 = eng.evaluate(np.arange(n)[None, :])[0]
    if not np.all(np.isfinite(t0)):
        bad = [c for c, v in zip(columns, t0) if not np.isfinite(v)]
        raise ValueError(
            f"the statistic is undefined on the original data for {bad} (e.g. the median is "
            "not reached, or a group has no events): a bootstrap of it is meaningless")

    strata = g if stratify else np.zeros(n, np.intp)
    pos = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    if indices is not None:
        I_all = np.asarray(indices)
        if I_all.ndim != 2 or I_all.shape[1] != n:
            raise ValueError(f"indices must have shape (B, {n}), got {I_all.shape}")
        if I_all.dtype.kind not in "iu" or I_all.min() < 0 or I_all.max() >= n:
            raise ValueError(f"indices must be integers in [0, {n - 1}] (0-based)")
        B = I_all.shape[0]
        seed_v = None
    else:
        B = _check_B(B)
        seed_v = _check_seed(seed)
    p = len(columns)
    out_of = np.array([q[0] for q in pos])
    inc = np.setdiff1d(np.arange(n), out_of)
    want_L = "bca" in types and n <= 4000 and B > n
    m_cells = eng.m * k * 2
    rows_per = max(1, min(4096, _BUDGET // max(n, m_cells)))
    blocks = _blocks(B, rows_per)
    children = (np.random.SeedSequence(seed_v).spawn(len(blocks)) if indices is None
                else [None] * len(blocks))

    def work(i, a, b):
        if indices is None:
            rng = np.random.default_rng(children[i])
            if len(pos) == 1:
                I = rng.integers(0, n, (b - a, n))
            else:
                I = np.empty((b - a, n), np.int64)
                for q in pos:
                    I[:, q] = q[rng.integers(0, q.size, (b - a, q.size))]
        else:
            I = I_all[a:b].astype(np.int64)
        tt = eng.evaluate(I)
        if return_indices:
            kept[i] = I.astype(np.int32)
        sums = None
        if want_L:
            F = np.bincount((np.arange(b - a)[:, None] * n + I).ravel(),
                            minlength=(b - a) * n).reshape(b - a, n).astype(float) - 1.0
            sums = []
            for c in range(p):
                fin = np.isfinite(tt[:, c])
                Fc, tc = F[fin], tt[fin, c] - t0[c]
                sums.append((int(fin.sum()), Fc.sum(0), Fc.T @ Fc, Fc.T @ tc, tc.sum()))
        return tt, sums

    kept: list = [None] * len(blocks)
    jobs = _n_jobs(n_jobs, float(B) * max(n, m_cells))
    res = _run(blocks, work, jobs, _Progress(B, "bootstrap", progress))
    t = np.concatenate([r[0] for r in res], axis=0)
    undefined = (~np.isfinite(t)).sum(axis=0)
    influence = None
    L_notes = [""] * p
    if want_L:
        influence = np.full((p, n), np.nan)
        for c in range(p):
            N = sum(r[1][c][0] for r in res)
            if N <= inc.size + 1:
                L_notes[c] = (f"{N} finite replicates for {inc.size} regression columns: "
                              "empinf(type='reg') is singular (boot.ci stops)")
                continue
            Sf = sum(r[1][c][1] for r in res)
            Sff = sum(r[1][c][2] for r in res)
            Sft = sum(r[1][c][3] for r in res)
            St = sum(r[1][c][4] for r in res)
            mf, mt = Sf / N, St / N
            Cff = Sff / N - np.outer(mf, mf)
            Cft = Sft / N - mf * mt
            A = Cff[np.ix_(inc, inc)]
            if np.linalg.cond(A) > 1e12:
                L_notes[c] = "regression for empinf(type='reg') is singular (boot.ci stops)"
                continue
            beta = np.linalg.solve(A, Cft[inc])
            ns = np.array([q.size for q in pos])[np.searchsorted(np.unique(strata), strata)]
            l = np.zeros(n)
            l[inc] = beta * ns[inc]
            for q in pos:
                l[q] -= l[q].mean()
            influence[c] = l
    elif "bca" in types:
        why = (f"n = {n} rows with B = {B}: influence values by regression need B > n "
               "and n <= 4000 (boot's glm would give NA coefficients and boot.ci stop)")
        L_notes = [why] * p
    rows = []
    for c in range(p):
        L = influence[c] if influence is not None else None
        iv = boot_intervals(float(t0[c]), t[:, c], conf, types, L)
        for ty in types:
            lo, hi, note = iv[ty]
            if ty == "bca" and L_notes[c] and not note.startswith("all"):
                note = L_notes[c]
            if undefined[c]:
                note = "; ".join(x for x in (note, f"{undefined[c]} NA replicates dropped") if x)
            rows.append({"column": columns[c], "type": ty, "conf": conf, "lower": lo,
                         "upper": hi, "note": note})
    return BootstrapResult(
        statistic=statistic, columns=columns, t0=t0, t=t, undefined=undefined,
        intervals=pd.DataFrame(rows), influence=influence, conf_level=conf, B=B,
        seed=seed_v, stratified=bool(stratify),
        indices=np.concatenate(kept, axis=0) if return_indices else None,
    )
