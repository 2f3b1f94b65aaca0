"""Newton-Raphson for the Cox model, step for step as R's ``coxph.fit`` / ``coxexact.fit``.

What R does (``survival`` 3.5, read from its documentation and sources, reimplemented here):

* **Generalised Cholesky** (``cholesky2``): ``A = L D L'`` without pivoting; a pivot that is not
  finite or is below ``toler_chol * max(diag A)`` (``toler.chol = .Machine$double.eps^0.75``)
  is set to 0 and its column is skipped. Solving and inverting use only the kept columns; the
  skipped ones get step 0 and variance 0 (R then reports the coefficient as NA). The rank is
  returned, negative when a pivot is below ``-8 * tolerance`` (not non-negative definite).
* **Efron/Breslow** (``coxfit6``): start at ``init``; score test from the first information;
  each iteration evaluates ``newbeta``; it has converged when the point is finite and
  ``|1 - best/newlk| <= eps``; otherwise a non-finite point or ``newlk < best`` triggers
  step-halving ``newbeta = (newbeta + h * beta) / (h + 1)`` with ``h`` counting consecutive
  halvings; else the point is accepted and a Newton step taken. After ``iter_max`` iterations
  without convergence the last accepted point is returned (flag 1000, "Ran out of iterations").
* **Exact** (``coxexact``, survival 3.5-3): convergence only when not halving; halving moves
  half-way back to the previous point; after ``iter_max`` iterations the last accepted point
  is returned (the last evaluated one when ``iter_max = 1``).

The variance returned in the "ran out of iterations" case is the proper inverse information at
the returned point. (R's ``coxfit6`` inverts a stale factorisation there, so for more than one
covariate R's variance is not the inverse information: a documented difference, pinned by a
test.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular

from harness.core.coxlik import Eval, Sorted, evaluate

__all__ = ["TOLER_CHOL", "Chol", "NewtonResult", "newton"]

TOLER_CHOL = float(np.finfo(float).eps ** 0.75)  # R: .Machine$double.eps^0.75


@dataclass(frozen=True)
class Chol:
    """``L D L'`` of a symmetric matrix with R's rule for redundant columns."""

    lower: np.ndarray  # unit lower triangular, kept columns only
    d: np.ndarray  # pivots of the kept columns
    keep: np.ndarray  # bool, columns not deemed redundant
    rank: int  # signed as R's cholesky2 (negative: not non-negative definite)

    @classmethod
    def of(cls, a: np.ndarray, toler: float = TOLER_CHOL) -> Chol:
        m = np.array(a, dtype=float)
        n = m.shape[0]
        diag = np.diag(m)
        pos = diag[np.isfinite(diag) & (diag > 0)]
        keep = np.zeros(n, bool)
        if pos.size == 0:
            return cls(np.zeros((0, 0)), np.zeros(0), keep, 0)
        eps = float(pos.max()) * toler
        nonneg = True
        for i in range(n):
            piv = m[i, i]
            if not np.isfinite(piv) or piv < eps:
                if piv < -8 * eps:
                    nonneg = False
                continue
            keep[i] = True
            col = m[i + 1:, i] / piv
            m[i + 1:, i + 1:] -= np.outer(col, col) * piv
            m[i + 1:, i] = col
        idx = np.flatnonzero(keep)
        low = np.tril(m[np.ix_(idx, idx)], -1) + np.eye(idx.size)
        rank = int(idx.size) * (1 if nonneg else -1)
        return cls(low, m[idx, idx], keep, rank)

    def solve(self, y: np.ndarray) -> np.ndarray:
        out = np.zeros_like(y, dtype=float)
        if self.d.size:
            z = solve_triangular(self.lower, y[self.keep], lower=True, unit_diagonal=True)
            out[self.keep] = solve_triangular(self.lower.T, z / self.d, lower=False,
                                              unit_diagonal=True)
        return out

    def inverse(self) -> np.ndarray:
        n = self.keep.size
        out = np.zeros((n, n))
        if self.d.size:
            linv = solve_triangular(self.lower, np.eye(self.d.size), lower=True,
                                    unit_diagonal=True)
            out[np.ix_(self.keep, self.keep)] = (linv.T / self.d) @ linv
        return out


@dataclass(frozen=True)
class NewtonResult:
    beta: np.ndarray  # transformed scale
    start: Eval  # at init
    final: Eval  # at beta
    score_test: float
    iterations: int
    flag: int  # R's flag: rank (negative if not NND), -2 converged while halving, 1000 ran out
    var: np.ndarray  # inverse information at beta (transformed scale)


def _masked(ev: Eval, flat: np.ndarray) -> Eval:
    """Zero the information of columns with none in exact arithmetic (see ``cox``)."""
    if not flat.any():
        return ev
    info = ev.info.copy()
    info[flat, :] = 0.0
    info[:, flat] = 0.0
    score = ev.score.copy()
    score[flat] = 0.0
    return Eval(ev.loglik, score, info, ev.eta_dead, ev.log_denom)


def _rel_change(best: float, new: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.abs(1.0 - np.float64(best) / np.float64(new)))


def sas_gconv(ev: Eval, chol: Chol) -> float:
    """SAS's relative gradient criterion at a point: ``g' H^-1 g / (|log L| + 1e-6)``.

    PROC PHREG (and LOGISTIC) stop Newton-Raphson when it falls below ``GCONV=`` (default
    1e-8). The quadratic form is invariant to the centring and scaling of the covariates.
    """
    return float(ev.score @ chol.solve(ev.score)) / (abs(float(ev.loglik)) + 1e-6)


def newton(srt: Sorted, init: np.ndarray, ties: str, eps: float, iter_max: int,
           flat: np.ndarray, toler: float = TOLER_CHOL,
           gconv: float | None = None) -> NewtonResult:
    """Fit as ``coxfit6`` (efron, breslow) or ``coxexact`` (exact); see the module docstring.

    With ``gconv`` the iteration stops instead at the first point whose SAS relative gradient
    criterion (:func:`sas_gconv`) is below it (SAS PHREG's default rule, GCONV=1e-8); the
    step-halving is R's.
    """
    ev = lambda b: _masked(evaluate(srt, b, ties), flat)
    start = ev(init)
    chol = Chol.of(start.info, toler)
    step = chol.solve(start.score)
    score_test = float(start.score @ step)
    if iter_max == 0 or not np.isfinite(start.loglik):
        return NewtonResult(init, start, start, score_test, 0, chol.rank, chol.inverse())
    if gconv is not None and sas_gconv(start, chol) < gconv:  # converged at the start
        return NewtonResult(init, start, start, score_test, 0, chol.rank, chol.inverse())
    if ties == "exact":
        if gconv is not None:
            raise ValueError("the SAS convergence criterion is implemented for efron and "
                             "breslow ties (SAS's TIES=EXACT is another likelihood)")
        return _newton_exact(ev, init, start, step, score_test, eps, iter_max, toler)
    beta, best, cur = init.copy(), start.loglik, start
    newbeta = beta + step
    halving = 0
    it = 1
    while it <= iter_max:
        new = ev(newbeta)
        chol = Chol.of(new.info, toler)
        done = (sas_gconv(new, chol) < gconv if gconv is not None and new.loglik >= best
                else _rel_change(best, new.loglik) <= eps if gconv is None else False)
        if new.finite and done:
            flag = -2 if halving else chol.rank
            return NewtonResult(newbeta, start, new, score_test, it, flag, chol.inverse())
        if not new.finite or new.loglik < best:
            halving += 1
            newbeta = (newbeta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best, cur, beta = new.loglik, new, newbeta
            newbeta = newbeta + chol.solve(new.score)
        it += 1
    # ran out of iterations: the last accepted point
    return NewtonResult(beta, start, cur, score_test, it, 1000, Chol.of(cur.info, toler).inverse())


def _newton_exact(ev, init, start, step, score_test, eps, iter_max, toler) -> NewtonResult:
    oldbeta, beta = init.copy(), init + step
    best = start.loglik
    halving = False
    new = start
    for it in range(1, iter_max + 1):
        new = ev(beta)
        chol = Chol.of(new.info, toler)
        if new.finite and _rel_change(best, new.loglik) <= eps and not halving:
            return NewtonResult(beta, start, new, score_test, it, chol.rank, chol.inverse())
        if it == iter_max:
            break
        if not new.finite or new.loglik < best:
            halving = True
            beta = (oldbeta + beta) / 2.0
        else:
            halving = False
            best = new.loglik
            oldbeta, beta = beta, beta + chol.solve(new.score)
    if iter_max > 1:  # R goes back to the last accepted point
        beta, new = oldbeta, ev(oldbeta)
    return NewtonResult(beta, start, new, score_test, iter_max, 1000,
                        Chol.of(new.info, toler).inverse())
