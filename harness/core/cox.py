"""Cox proportional hazards regression (right-censored data), numpy Newton-Raphson.

Partial likelihood with tied event times handled by

* ``"efron"`` (R's default): at a time with ``d`` events, the ``l``-th (``l = 0..d-1``) risk
  denominator is ``sum_R r - (l/d) sum_D r``;
* ``"breslow"``: every tied event sees the full risk set;
* ``"exact"``: the exact (discrete, conditional-logistic) partial likelihood
  ``prod_t exp(sum_D x'b) / sum_{|Q| = d, Q in R} exp(sum_Q x'b)``. The denominator and its
  first and second derivatives are computed with the recursion over the risk set
  ``B(m, j) = B(m, j-1) + r_j B(m-1, j-1)`` (Gail, Lubin & Rubinstein 1981), in
  ``O(n_risk * d * p^2)`` per tied time, any number of covariates. Limits: one Python loop
  over risk-set members at each *tied* event time (untied times are vectorised), so it is
  meant for data sets up to a few thousand rows; the sums are scaled by the largest risk
  score in the set so they do not overflow.

Optional strata (separate baseline hazards, summed log-likelihood).

Newton-Raphson starts at ``beta = 0`` (R's default), halves the step whenever the
log-likelihood decreases (as ``coxph.fit``), and stops when the relative change of the
log-likelihood is below ``eps`` *and* the step is below ``sqrt(eps)`` relative, with
``eps = 1e-14`` by default, which is tighter than R's default ``1e-9``. Coefficients agree with
``coxph(..., control = coxph.control(eps = 1e-12, iter.max = 50))`` to about 1e-12 relative;
with R's defaults the agreement is about 1e-8 to 1e-10 only, because R stops earlier.
Covariates are centred before fitting (as R does); this changes neither coefficients nor the
partial likelihood.

Non-convergence: when the likelihood increases monotonically towards an asymptote (a group
with no events, a covariate that separates the events) the coefficient diverges; the fit then
reports ``converged = False`` and ``infinite`` flags per coefficient, following R's test
``|U' var| > eps`` relative to the coefficient (R warns "coefficient may be infinite" and
returns a large finite value).

R equivalent: ``summary(coxph(Surv(time, status) ~ x1 + x2 + strata(s), ties = ...))``.
lifelines: ``CoxPHFitter`` supports Efron only, no exact method; it standardises covariates
and stops on its own criterion (step norm < 1e-7 by default), so coefficients agree with R to
about 1e-7, not 1e-12; its ``penalizer`` defaults to 0 (unpenalised, as here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from harness.core.cells import Cells as _Cells
from harness.core.cells import level_codes as _codes
from harness.core.cells import risk_cells as _cells
from harness.core.cells import suffix_within as _suffix_within
from harness.core.survdata import SurvData

__all__ = ["CoxResult", "Test", "coxph"]

_TIES = ("efron", "breslow", "exact")


@dataclass(frozen=True)
class Test:
    """A chi-square test: statistic, degrees of freedom, p-value."""

    chisq: float
    df: int
    p_value: float


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model (the content of ``summary(coxph(...))``).

    Attributes
    ----------
    names : tuple of str
    coef, se, z, p : ndarray
        Coefficients, standard errors ``sqrt(diag(var))``, Wald ``z = coef/se``, two-sided p.
    var : ndarray, shape (p, p)
        Inverse information at the estimate.
    loglik : tuple of float
        Log partial likelihood at ``beta = 0`` and at the estimate (R's ``fit$loglik``).
    wald, score, lr : Test
        ``summary(coxph)$waldtest``, ``$sctest``, ``$logtest``.
    n, nevent : int
    ties : str
    iterations : int
    converged : bool
    infinite : ndarray of bool
        Coefficients that appear to diverge (R's "coefficient may be infinite").
    conf_level : float
    """

    names: tuple
    coef: np.ndarray
    se: np.ndarray
    z: np.ndarray
    p: np.ndarray
    var: np.ndarray
    loglik: tuple
    wald: Test
    score: Test
    lr: Test
    n: int
    nevent: int
    ties: str
    iterations: int
    converged: bool
    infinite: np.ndarray
    conf_level: float = 0.95
    score_vector: np.ndarray = field(default=None, repr=False)

    @property
    def hr(self) -> np.ndarray:
        return np.exp(self.coef)

    @property
    def ci(self) -> np.ndarray:
        """``exp(coef -/+ z se)``, shape (p, 2), as ``summary(coxph)$conf.int``."""
        q = stats.norm.ppf(0.5 + self.conf_level / 2)
        with np.errstate(over="ignore"):  # a diverging coefficient gives inf, as R prints Inf
            return np.exp(np.column_stack([self.coef - q * self.se, self.coef + q * self.se]))

    @property
    def summary(self) -> pd.DataFrame:
        pct = f"{100 * self.conf_level:g}%"
        ci = self.ci
        frame = pd.DataFrame(
            {
                "coef": self.coef,
                "exp(coef)": self.hr,
                "se(coef)": self.se,
                "z": self.z,
                "p": self.p,
                f"lower {pct}": ci[:, 0],
                f"upper {pct}": ci[:, 1],
            },
            index=pd.Index(list(self.names), name="covariate"),
        )
        frame.attrs.update(
            loglik=self.loglik, wald=self.wald, score=self.score, lr=self.lr, ties=self.ties,
            n=self.n, nevent=self.nevent, converged=self.converged,
        )
        return frame


# --------------------------------------------------------------------------------------------
class _Model:
    """Data arranged for fast evaluation of the log partial likelihood and its derivatives."""

    def __init__(self, time, event, x, strata_codes, n_strata, ties):
        self.x = x
        self.event = event
        self.ties = ties
        self.cells: _Cells = _cells(time, strata_codes, n_strata)
        c = self.cells
        m = c.time.size
        self.m = m
        self.d = np.bincount(c.inverse, weights=event.astype(float), minlength=m)
        self.ev_cells = np.flatnonzero(self.d > 0)
        de = self.d[self.ev_cells].astype(np.intp)
        # one row per event for the Efron expansion: its cell and its fraction l/d
        self.rep_cell = np.repeat(self.ev_cells, de)
        starts = np.cumsum(de) - de
        within = np.arange(de.sum()) - np.repeat(starts, de)
        self.frac = within / np.repeat(de, de)
        self.xdead = x[event].sum(axis=0)
        if ties == "exact":
            self.tied = [int(i) for i in self.ev_cells[de > 1]]
            order = np.argsort(c.inverse, kind="stable")
            self.rows_by_cell = np.split(order, np.cumsum(np.bincount(c.inverse, minlength=m))[:-1])

    def _cellsum(self, values: np.ndarray) -> np.ndarray:
        """Sum of per-row values (n, ...) within each cell -> (m, ...)."""
        flat = values.reshape(values.shape[0], -1)
        out = np.empty((self.m, flat.shape[1]))
        for j in range(flat.shape[1]):  # loop over covariate entries only
            out[:, j] = np.bincount(self.cells.inverse, weights=flat[:, j], minlength=self.m)
        return out.reshape((self.m,) + values.shape[1:])

    def evaluate(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Log partial likelihood, score vector and information matrix at ``beta``."""
        x = self.x
        p = x.shape[1]
        eta = x @ beta
        # scale within the whole data set for overflow safety (cancels in every ratio)
        shift = eta.max()
        r = np.exp(eta - shift)
        rx = r[:, None] * x
        rxx = rx[:, :, None] * x[:, None, :]
        ev = self.event
        c0 = self._cellsum(r)
        c1 = self._cellsum(rx)
        c2 = self._cellsum(rxx)
        s0 = _suffix_within(c0, self.cells)
        s1 = _suffix_within(c1, self.cells)
        s2 = _suffix_within(c2, self.cells)
        evf = ev.astype(float)
        d0 = self._cellsum(r * evf)
        d1 = self._cellsum(rx * evf[:, None])
        d2 = self._cellsum(rxx * evf[:, None, None])

        rc = self.rep_cell
        if self.ties == "efron":
            f = self.frac
        else:
            f = np.zeros(rc.size)
        if self.ties == "exact":
            # untied event cells by the ordinary formula; tied cells replaced below
            single = self.d[rc] == 1
            rc = rc[single]
            f = f[single]
        a0 = s0[rc] - f * d0[rc]
        a1 = s1[rc] - f[:, None] * d1[rc]
        a2 = s2[rc] - f[:, None, None] * d2[rc]
        loglik = float(eta[ev].sum() - (np.log(a0) + shift).sum())
        mean = a1 / a0[:, None]
        score = self.xdead - mean.sum(axis=0)
        info = (a2 / a0[:, None, None]).sum(axis=0) - mean.T @ mean
        if self.ties == "exact":
            ll_e, u_e, i_e = self._exact_tied(eta)
            loglik += ll_e
            score = score + u_e
            info = info + i_e
        return loglik, score, info.reshape(p, p)

    def _exact_tied(self, eta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        x = self.x
        p = x.shape[1]
        c = self.cells
        ll = 0.0
        u = np.zeros(p)
        info = np.zeros((p, p))
        for cell in self.tied:
            d = int(self.d[cell])
            # risk set: rows in cells of the same stratum at or after this cell
            risk = np.concatenate(self.rows_by_cell[cell:c.stop[cell]])
            e = eta[risk]
            shift = e.max()
            rr = np.exp(e - shift)
            xr = x[risk]
            b0 = np.zeros(d + 1)
            b0[0] = 1.0
            b1 = np.zeros((d + 1, p))
            b2 = np.zeros((d + 1, p, p))
            for j in range(risk.size):  # recursion over risk-set members (tied times only)
                a, xj = rr[j], xr[j]
                # update m = d..1 from the previous column (use old values: slice copies)
                o0, o1, o2 = b0[:-1].copy(), b1[:-1].copy(), b2[:-1].copy()
                b2[1:] += a * (
                    o2 + xj[None, :, None] * o1[:, None, :] + o1[:, :, None] * xj[None, None, :]
                    + np.outer(xj, xj)[None] * o0[:, None, None]
                )
                b1[1:] += a * (o1 + xj[None, :] * o0[:, None])
                b0[1:] += a * o0
            B, B1, B2 = b0[d], b1[d], b2[d]
            # the numerator terms x'b of the dead are already in evaluate()
            ll -= float(np.log(B) + d * shift)
            u -= B1 / B
            info += B2 / B - np.outer(B1, B1) / B**2
        return ll, u, info


def _as_matrix(x: Any, n: int, names: Sequence[str] | None) -> tuple[np.ndarray, tuple]:
    if isinstance(x, pd.Series):
        x = x.to_frame()
    if isinstance(x, pd.DataFrame):
        cols = tuple(str(c) for c in x.columns)
        try:
            arr = x.to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"covariates must be numeric: {exc}") from None
    else:
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"covariates must be numeric: {exc}") from None
        if arr.ndim == 1:
            arr = arr[:, None]
        cols = tuple(f"x{i + 1}" for i in range(arr.shape[1])) if arr.ndim == 2 else ()
    if arr.ndim != 2:
        raise ValueError(f"covariates must be a vector or a matrix, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(
            f"length mismatch: time has {n} values, covariates have {arr.shape[0]} rows")
    if arr.shape[1] == 0:
        raise ValueError("no covariates")
    if not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr).all(axis=1))[:5].tolist()
        raise ValueError(f"covariates have missing or infinite values at rows {bad}")
    if names is not None:
        if len(names) != arr.shape[1]:
            raise ValueError(f"{len(names)} names for {arr.shape[1]} covariates")
        cols = tuple(str(s) for s in names)
    return arr, cols


def _without_information(time: np.ndarray, event: np.ndarray, x: np.ndarray,
                         strata: np.ndarray) -> np.ndarray:
    """Covariates that are constant within every event's risk set (zero information).

    Decided exactly from the data (running min and max of each covariate over the risk set
    ``time >= t`` within the stratum), not from a rounded information matrix: R's coxph then
    reports the coefficient as NA with variance 0.
    """
    varies = np.zeros(x.shape[1], dtype=bool)
    for s in np.unique(strata):
        m = strata == s
        t, e, xs = time[m], event[m], x[m]
        if not e.any():
            continue
        order = np.argsort(-t, kind="stable")
        t_desc, x_desc = t[order], xs[order]
        hi = np.maximum.accumulate(x_desc, axis=0)
        lo = np.minimum.accumulate(x_desc, axis=0)
        # last position (in descending time) of the risk set of each event time
        last = np.searchsorted(-t_desc, -np.unique(t[e]), side="right") - 1
        varies |= (hi[last] > lo[last]).any(axis=0)
    return ~varies


def coxph(
    time: Any,
    event: Any,
    x: Any,
    strata: Any = None,
    *,
    ties: str = "efron",
    names: Sequence[str] | None = None,
    coding: str = "01",
    conf_level: float = 0.95,
    eps: float = 1e-14,
    max_iter: int = 100,
    init: Sequence[float] | None = None,
) -> CoxResult:
    """Fit a Cox proportional hazards model by Newton-Raphson.

    Parameters
    ----------
    time, event : array-like
        Validated by :class:`harness.core.survdata.SurvData` (``coding="12"`` for R's 1/2).
    x : array-like or DataFrame, shape (n,) or (n, p)
        Numeric covariates (code factors as 0/1 dummies yourself, reference level = 0).
    strata : array-like, optional
        Stratum labels (``+ strata(s)`` in R).
    ties : {"efron", "breslow", "exact"}
    names : sequence of str, optional
        Covariate names (default: DataFrame columns or ``x1..xp``).
    conf_level : float
        For :attr:`CoxResult.ci`.
    eps, max_iter : float, int
        Convergence: relative log-likelihood change below ``eps`` and relative step below
        ``sqrt(eps)``.
    init : sequence of float, optional
        Starting values (default 0); the score test and ``loglik[0]`` are evaluated there, as R.

    Returns
    -------
    CoxResult

    Raises
    ------
    ValueError
        Invalid input (from SurvData or the covariate checks), unknown ``ties``, no events, a
        constant covariate or collinear covariates (singular information).

    Notes
    -----
    R equivalent: ``summary(coxph(Surv(time, status) ~ x + strata(s), ties = ties,
    control = coxph.control(eps = 1e-12, iter.max = 50)))``: ``coefficients``,
    ``waldtest``, ``sctest`` (score), ``logtest`` (likelihood ratio), ``loglik``. With
    ``ties = "breslow"`` and one binary covariate, the score test equals the log-rank
    chi-square of ``survdiff``.
    """
    if ties not in _TIES:
        raise ValueError(f"ties must be one of {', '.join(_TIES)}; got {ties!r}")
    if not (0 < conf_level < 1):
        raise ValueError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    data = SurvData.from_arrays(time, event, None, strata, coding=coding)
    if not data.event.any():
        raise ValueError("no events: the Cox partial likelihood is constant")
    xm, cols = _as_matrix(x, data.n, names)
    const = np.ptp(xm, axis=0) == 0
    if const.any():
        raise ValueError(f"covariate(s) {[cols[i] for i in np.flatnonzero(const)]} are constant")
    xc = xm - xm.mean(axis=0)
    if np.linalg.matrix_rank(xc) < xc.shape[1]:
        raise ValueError(f"covariates {list(cols)} are collinear: the model is not identifiable")
    s_codes, s_levels = _codes(data.strata, data.n)
    model = _Model(data.time, data.event, xc, s_codes, len(s_levels), ties)
    p = xc.shape[1]
    beta = np.zeros(p) if init is None else np.asarray(init, dtype=float).reshape(p)

    ll0, u0, i0 = model.evaluate(beta)
    flat = _without_information(data.time, data.event, xc, s_codes)
    try:
        if flat.any():  # exact zero information; rounding would otherwise hide it
            raise np.linalg.LinAlgError
        score_chisq = float(u0 @ np.linalg.solve(i0, u0))
    except np.linalg.LinAlgError:
        raise ValueError(
            "the information matrix is singular at the start: no event has a risk set in which "
            "the covariates vary (R's coxph reports the coefficient as NA with variance 0 here)"
        ) from None
    ll, u, info = ll0, u0, i0
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is reported as iterations)
        try:
            step = np.linalg.solve(info, u)
        except np.linalg.LinAlgError:
            break
        new = beta + step
        ll_new, u_new, i_new = model.evaluate(new)
        halvings = 0
        while (not np.isfinite(ll_new) or ll_new < ll - 1e-12 * abs(ll)) and halvings < 30:
            step = step / 2
            new = beta + step
            ll_new, u_new, i_new = model.evaluate(new)
            halvings += 1
        rel_ll = abs(1.0 - ll / ll_new) if ll_new != 0 else abs(ll - ll_new)
        rel_step = np.max(np.abs(step) / np.maximum(1.0, np.abs(new)))
        beta, ll, u, info = new, ll_new, u_new, i_new
        if rel_ll <= eps and rel_step <= np.sqrt(eps):
            converged = True
            break
        if rel_ll == 0.0 and rel_step > np.sqrt(eps):
            # flat likelihood with a moving coefficient: diverging
            break

    try:
        var = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        var = np.full((p, p), np.nan)
    infinite = np.zeros(p, bool)
    with np.errstate(invalid="ignore"):
        spread = np.abs(u @ var)
        # R (coxph.fit): |U var| > eps and > toler.inf |coef|,
        # defaults eps = 1e-9, toler.inf = sqrt(eps)
        infinite = (spread > 1e-9) & (spread > np.sqrt(1e-9) * np.abs(beta))
        infinite |= ~np.isfinite(beta)
        if not converged:
            infinite |= np.abs(beta) > 20
    # rounding can make U exactly 0 far out on a monotone likelihood; then check directly that
    # moving a large coefficient one more unit outwards does not lower the log-likelihood
    for j in np.flatnonzero(~infinite & (np.abs(beta) > 10)):
        probe = beta.copy()
        probe[j] += np.sign(beta[j])
        if model.evaluate(probe)[0] >= ll - 1e-10 * abs(ll):
            infinite[j] = True
    if infinite.any():
        converged = False
    se = np.sqrt(np.diag(var))
    z = beta / se
    pz = 2 * stats.norm.sf(np.abs(z))
    try:
        wald = float(beta @ np.linalg.solve(var, beta))
    except np.linalg.LinAlgError:
        wald = float("nan")
    lr = 2.0 * (ll - ll0)
    return CoxResult(
        names=cols,
        coef=beta,
        se=se,
        z=z,
        p=pz,
        var=var,
        loglik=(ll0, ll),
        wald=Test(wald, p, float(stats.chi2.sf(wald, p))),
        score=Test(score_chisq, p, float(stats.chi2.sf(score_chisq, p))),
        lr=Test(lr, p, float(stats.chi2.sf(lr, p))),
        n=data.n,
        nevent=int(data.event.sum()),
        ties=ties,
        iterations=it,
        converged=converged,
        infinite=infinite,
        conf_level=conf_level,
        score_vector=u,
    )
