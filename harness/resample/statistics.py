"""The statistics, vectorised over resamples (one row per permutation or bootstrap replicate).

Permutations
------------
With the rows sorted once by (stratum, time) (the risk-set cells of
:mod:`harness.core.cells`), the pooled risk sets, event counts and weights ``w_t`` do not
change when the labels are permuted. Hence ``O_j - E_j = sum_i L_ij a_i`` with fixed
per-subject scores ``a_i`` (:func:`harness.core.logrank.subject_scores`; one matrix product
for all permutations), while the hypergeometric variance
``V_jl = sum_t w_t^2 d_t (n_t - d_t) / (n_t - 1) p_jt (delta_jl - p_lt)`` with
``p_jt = n_jt / n_t`` needs the numbers at risk per group, ``n_jt``, which are suffix sums of
the label indicators (a reverse cumulative sum, or a row loop for small data). The chi-square
is then exactly ``survdiff``'s for every permuted labelling. The Mantel-Haenszel log HR is
:func:`harness.core.hazard.mh_log_hr` of the same ``O - E`` and ``V``; the Cox coefficient is
:func:`harness.core.cox_binary.cox_binary_log_hr` of the per-group numbers at risk and events.

Bootstrap
---------
A resample is a vector of row indices; ``bincount`` of (replicate, cell, group, event) gives
the rows and events per cell, a reverse cumulative sum the numbers at risk, from which the
Kaplan-Meier curve (median, survival at a time, RMST) or the two-group hazard ratios follow for
all replicates at once.

R equivalent: ``survdiff`` / ``coin::logrank_test`` on each permuted labelling;
``survfit`` / ``coxph`` on each ``boot::censboot`` resample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.core.cells import cell_weights, risk_cells
from harness.core.cox_binary import cox_binary_log_hr
from harness.core.hazard import mh_log_hr
from harness.core.logrank import hypergeometric_factor, subject_scores, two_group_logrank
from harness.core.survdata import SurvData
from harness.resample.kernels import sfc64_state, two_group_permutations

#: Tolerance of the median rule (``quantile.survfit``'s ``tolerance``).
_TOL_Q = float(np.sqrt(np.finfo(float).eps))
#: Above this many rows the row loop of :meth:`PermutationStatistics.risk_t` is off.
ROW_LOOP_LIMIT = 5000


# ============================================================================================
# rows sorted into risk-set cells
# ============================================================================================
@dataclass(frozen=True)
class SortedRows:
    """Rows sorted by (stratum, time), with their cells (:func:`harness.core.cells.risk_cells`)."""

    order: np.ndarray  # original row of each sorted row
    time: np.ndarray
    event: np.ndarray  # float 0/1
    stratum: np.ndarray  # stratum code per sorted row
    cell: np.ndarray  # cell index per sorted row
    cell_start: np.ndarray  # first sorted row of each cell
    cell_stop: np.ndarray  # one past the last row of each cell
    strat_stop: np.ndarray  # for each cell: one past the last row of its stratum
    first_cell: np.ndarray  # for each cell: the first cell of its stratum
    n_t: np.ndarray  # pooled number at risk per cell
    d_t: np.ndarray  # pooled events per cell


def sort_rows(time: np.ndarray, event: np.ndarray, s_codes: np.ndarray,
              n_strata: int) -> SortedRows:
    """Sort the rows by cell (stable: ties keep their order) and count per cell."""
    cells = risk_cells(time, s_codes, n_strata)
    m = cells.time.size
    order = np.argsort(cells.inverse, kind="stable")
    cell = cells.inverse[order]
    per_cell = np.bincount(cells.inverse, minlength=m)
    cell_stop = np.cumsum(per_cell)
    cell_start = cell_stop - per_cell
    strat_stop = cell_stop[cells.stop - 1]
    e = event[order].astype(float)
    n_t = (strat_stop - cell_start).astype(float)
    d_t = np.bincount(cell, weights=e, minlength=m)
    return SortedRows(order, time[order], e, s_codes[order], cell, cell_start, cell_stop,
                      strat_stop, cells.start, n_t, d_t)


def suffix_sum(L: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """``sum(L[:, start_e:stop_e])`` for every e, via one cumulative sum (b, n) -> (b, m)."""
    b, n = L.shape
    cs = np.zeros((b, n + 1))
    np.cumsum(L, axis=1, out=cs[:, 1:])
    return cs[:, stop] - cs[:, start]


# ============================================================================================
# permutations
# ============================================================================================
class PermutationStatistics:
    """Everything fixed under permutation of labels, and the statistic for label matrices.

    Parameters
    ----------
    data : SurvData
    g : ndarray of int
        Group code per row (``0..k-1``).
    k : int
    s_codes : ndarray of int
        Stratum code per row (``0..n_strata-1``); labels are permuted within strata.
    n_strata : int
    weights, rho, gamma
        A validated weight of :data:`harness.core.cells.WEIGHTS` and its exponents.
    statistic : {"chisq", "coin", "mh_hr", "cox_hr"}
    """

    def __init__(self, data: SurvData, g: np.ndarray, k: int, s_codes: np.ndarray,
                 n_strata: int, weights: str, rho: float, gamma: float, statistic: str):
        self.k, self.statistic = k, statistic
        sd = sort_rows(data.time, data.event, s_codes, n_strata)
        self.sd = sd
        self.g = g[sd.order]  # labels in sorted order
        self.n = sd.time.size
        w = cell_weights(weights, sd.n_t, sd.d_t, sd.first_cell, rho, gamma)
        ev = sd.d_t > 0
        self.ecell = np.flatnonzero(ev)
        nt, dt = sd.n_t[ev], sd.d_t[ev]
        self.nt, self.dt, self.w = nt, dt, w[ev]
        self.A = self.w**2 * hypergeometric_factor(nt, dt)
        self.a_n, self.a_n2 = self.A / nt, self.A / nt**2
        # per-subject scores a_i (sorted order), cumulative within the stratum
        self.scores = subject_scores(w, sd.d_t, sd.n_t, sd.first_cell, sd.cell, sd.event)
        self.start = sd.cell_start[self.ecell]
        self.stop = sd.strat_stop[self.ecell]
        self.cstop = sd.cell_stop[self.ecell]
        # the strata are runs of sorted rows: [s_start[s], s_stop[s])
        first = np.ones(self.n, bool)
        np.not_equal(sd.stratum[1:], sd.stratum[:-1], out=first[1:])
        self.s_start = np.flatnonzero(first)
        self.s_stop = np.append(self.s_start[1:], self.n)
        # the event cell starting at each sorted row, else -1 (risk_t's row plan, the kernel)
        self.ecell_at = np.full(self.n, -1, np.int32)
        self.ecell_at[self.start] = np.arange(self.ecell.size)
        self._plan = None  # the kernel's per-stratum plan for sample_two, built on first use
        self._rowplan = None  # the row plan of risk_t, built on first use
        if statistic == "coin":
            self.cov_inv = self._coin_cov_inv()

    def _row_plan(self) -> list:
        """Row plan for :meth:`risk_t`: rows from last to first,
        ``(row, event cell starting at the row or -1, last row of its stratum)``."""
        if self._rowplan is None:
            n = self.n
            last_of_stratum = np.zeros(n, bool)
            last_of_stratum[self.s_stop - 1] = True
            rows = np.arange(n - 1, -1, -1)
            self._rowplan = list(zip(rows.tolist(), self.ecell_at[rows].tolist(),
                                     last_of_stratum[rows].tolist()))
        return self._rowplan

    def _coin_cov_inv(self) -> np.ndarray:
        """Inverse permutation covariance of ``T_j = sum_{i in j} a_i``, summed over strata
        (a pseudo-inverse: 0 for a variance of 0)."""
        k = self.k
        cov = np.zeros((k, k))
        for lo, hi in zip(self.s_start.tolist(), self.s_stop.tolist()):
            ns = hi - lo
            if ns < 2:
                continue
            a = self.scores[lo:hi]
            sig2 = np.square(a - a.mean()).mean()
            nj = np.bincount(self.g[lo:hi], minlength=k).astype(float)
            cov += ns / (ns - 1) * sig2 * (np.diag(nj) - np.outer(nj, nj) / ns)
        if k == 2:  # what pinv gives a 1 x 1 matrix, without its SVD
            c = cov[1, 1]
            return np.array([[1.0 / c if c > 0 else 0.0]])
        return np.linalg.pinv(cov[1:, 1:])

    # ---------------------------------------------------------------------------------
    def counts(self, L: np.ndarray):
        """For indicator rows L (b, n): (O - E, n_j at event cells, d_j at event cells);
        ``n_j`` is None for coin's statistic, ``d_j`` None but for the Cox hazard ratio."""
        # cumulative sums and einsum, not BLAS products: OpenBLAS threads oversubscribe the
        # cores on these thin products
        ome = np.einsum("bi,i->b", L, self.scores)
        nj = None if self.statistic == "coin" else suffix_sum(L, self.start, self.stop)
        dj = None
        if self.statistic == "cox_hr":
            dj = suffix_sum(L * self.sd.event[None, :], self.start, self.cstop)
        return ome, nj, dj

    def variance_two(self, n1: np.ndarray) -> np.ndarray:
        """Hypergeometric ``V`` of two groups for rows of group-1 numbers at risk (b, me)."""
        p = n1 / self.nt
        return (self.A * p * (1 - p)).sum(axis=1)

    def risk_t(self, LT: np.ndarray) -> np.ndarray:
        """Numbers at risk at the event cells, (me, b), from indicators in (n, b) layout.

        A loop over the rows accumulating whole rows of length b: for moderate n this beats
        ``cumsum`` along an axis and BLAS products (which oversubscribe the cores).
        """
        out = np.empty((self.ecell.size, LT.shape[1]))
        acc = np.zeros(LT.shape[1])
        for r, e, reset in self._row_plan():
            if reset:
                acc[:] = 0.0
            acc += LT[r]
            if e >= 0:
                out[e] = acc
        return out

    def _kernel_plan(self) -> tuple:
        """Per-stratum bounds, draws, flips and score totals, the event cell starting at
        each row, and the variance terms per event cell
        (:func:`harness.resample.kernels.two_group_permutations`)."""
        if self._plan is None:
            s_start, s_stop = self.s_start.astype(np.int64), self.s_stop.astype(np.int64)
            n1 = np.add.reduceat((self.g == 1).astype(np.int64), s_start)
            size = s_stop - s_start
            flip = (n1 > size - n1).astype(np.int64)
            take = np.where(flip == 1, size - n1, n1).astype(np.int64)
            total = np.add.reduceat(self.scores, s_start)
            self._plan = (s_start, s_stop, take, flip, total, self.ecell_at, self.a_n,
                          self.a_n2)
        return self._plan

    def sample_two(self, seed: np.random.SeedSequence, m: int) -> np.ndarray:
        """Draw ``m`` permutations and return their statistics (two groups, chisq / coin).

        Per stratum, a partial Fisher-Yates shuffle draws the smaller group's rows
        (:func:`harness.resample.kernels.two_group_permutations`, compiled; exactly uniform
        bounded integers from ``numpy.random.SFC64(seed)``), so a permutation costs as many
        random numbers as the smaller group has rows; ``O - E`` is the sum of the drawn rows'
        scores and (chisq) the variance one pass over the rows. Work is linear in ``n m``,
        memory in ``n + m``.
        """
        chisq = self.statistic != "coin"
        pairs = m + (m & 1)  # the kernel makes permutations in pairs
        ome = np.empty(pairs)
        v = np.empty(pairs if chisq else 0)
        two_group_permutations(self.scores, *self._kernel_plan(), chisq, sfc64_state(seed),
                               ome, v)
        ome, v = ome[:m], v[:m]
        if not chisq:
            return ome * ome * self.cov_inv[0, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(v > 0, ome * ome / v, 0.0)

    def evaluate_two(self, LT: np.ndarray) -> np.ndarray:
        """Fast path for two groups: LT (n, b) is the indicator of the second group."""
        if self.statistic not in ("chisq", "coin") or self.n > ROW_LOOP_LIMIT:
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
            return np.abs(mh_log_hr(ome[:, 0], self.variance_two(parts[0][1])))
        if self.statistic == "cox_hr":
            n1, d1 = parts[0][1], parts[0][2]
            return np.abs(cox_binary_log_hr(n1, nt - n1, d1, dt - d1))
        # chisq with the hypergeometric variance
        if k == 2:
            v = self.variance_two(parts[0][1])
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(v > 0, ome[:, 0] ** 2 / v, 0.0)
        P = np.stack([p[1] for p in parts], axis=2) / nt[None, :, None]  # (b, me, k-1)
        return self._chisq_k(G.shape[0], ome, P)

    def _chisq_k(self, b: int, ome: np.ndarray, P: np.ndarray) -> np.ndarray:
        """survdiff's k-group chi-square for every row, from ``O - E`` and ``p_jt``."""
        k = self.k
        V = np.einsum("e,bej->bj", self.A, P)
        V = np.einsum("bj,jl->bjl", V, np.eye(k - 1)) - np.einsum("e,bej,bel->bjl", self.A, P, P)
        # E_j > 0 for every group: survdiff drops group 0 and solves the rest
        wd = self.w * self.dt
        E = np.einsum("e,bej->bj", wd, P)
        E0 = wd.sum() - E.sum(axis=1)
        ok = (E > 0).all(axis=1) & (E0 > 0)
        out = np.empty(b)
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
                est = float(np.exp(mh_log_hr(ome[0], self.variance_two(n1)[0])))
            else:
                est = float(np.exp(cox_binary_log_hr(n1, self.nt - n1, d1, self.dt - d1)[0]))
        return stat, est


# ============================================================================================
# bootstrap
# ============================================================================================
class BootstrapStatistics:
    """Per-replicate statistics from resample index matrices (original row indices).

    Parameters
    ----------
    data : SurvData
    g : ndarray of int
        Group code per row (zeros without groups).
    k : int
        Number of groups (1 without groups).
    statistic : {"median", "survival", "rmst", "mh_hr", "cox_hr"}
    at, tau : float or None
        Time for ``"survival"``, truncation time for ``"rmst"``.
    per_group : bool
        One column per group (median / survival / rmst with groups), else one pooled column.
    """

    def __init__(self, data: SurvData, g: np.ndarray, k: int, statistic: str,
                 at: float | None, tau: float | None, per_group: bool):
        self.statistic, self.k, self.at, self.tau = statistic, k, at, tau
        self.n = data.n
        cells = risk_cells(data.time, np.zeros(data.n, np.intp), 1)
        self.times = cells.time
        self.m = cells.time.size
        self.cell = cells.inverse.astype(np.int64)
        self.g = g.astype(np.int64)
        self.ev = data.event.astype(np.int64)
        self.per_group = per_group

    def counts(self, I: np.ndarray):
        """Rows, events and numbers at risk per (replicate, cell, group): three (b, m, k)."""
        b = I.shape[0]
        m, k = self.m, self.k
        key = np.arange(b, dtype=np.int64)[:, None] * m + self.cell[I]
        key = (key * k + self.g[I]) * 2 + self.ev[I]
        C = np.bincount(key.ravel(), minlength=b * m * k * 2).reshape(b, m, k, 2).astype(float)
        dead = C[..., 1]
        rows = C[..., 0] + dead  # (a reduction over an axis of 2 is several times slower)
        # harness.core.cells.suffix_within (one stratum) along the cell axis of every replicate
        risk = np.cumsum(rows[:, ::-1], axis=1)[:, ::-1]
        return rows, dead, risk

    def _median(self, S: np.ndarray, has: np.ndarray, xmax: np.ndarray) -> np.ndarray:
        """``quantile(survfit(...), 0.5)``'s rule for every row of curves ``S`` (b, m)."""
        x = self.times
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
            return self._median(S, has, xmax)
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
        """The statistic's columns for every resample (row of ``I``): (b, p)."""
        rows, dead, risk = self.counts(I)
        if self.statistic in ("median", "survival", "rmst"):
            if self.per_group:
                return np.stack([self.one_sample(rows[..., j], dead[..., j], risk[..., j])
                                 for j in range(self.k)], axis=1)
            return self.one_sample(rows.sum(2), dead.sum(2), risk.sum(2))[:, None]
        n1, n0 = risk[..., 1], risk[..., 0]
        d1, d0 = dead[..., 1], dead[..., 0]
        if self.statistic == "mh_hr":
            return np.exp(mh_log_hr(*two_group_logrank(n1, n1 + n0, d1, d1 + d0)))[:, None]
        keep = (d1 + d0).any(axis=0)
        beta = cox_binary_log_hr(n1[:, keep], n0[:, keep], d1[:, keep], d0[:, keep])
        beta[np.isinf(beta)] = np.nan  # infinite coefficient: undefined, counted
        return np.exp(beta)[:, None]
