"""Cox proportional hazards regression (right-censored data), as R's ``coxph`` computes it.

Partial likelihood with tied event times handled by

* ``"efron"`` (R's default): at a time with ``d`` events, the ``k``-th (``k = 1..d``) risk
  denominator is ``sum_{later or censored here} r + (k/d) sum_{dead here} r``;
* ``"breslow"``: every tied event sees the full risk set;
* ``"exact"``: the exact (discrete, conditional-logistic) partial likelihood
  ``prod_t exp(sum_D x'b) / sum_{|Q| = d, Q in R} exp(sum_Q x'b)``, its denominator and
  derivatives by the elementary-symmetric recursion over the risk set (Gail, Lubin &
  Rubinstein 1981), vectorised over the risk sets (:mod:`harness.core.coxlik`).

Optional strata (separate baseline hazards, summed log-likelihood).

The fit follows R's ``coxph.fit`` / ``coxexact.fit`` step for step (:mod:`harness.core.coxfit`):

* covariates whose values all lie in {-1, 0, 1} are used as they are (R's
  ``nocenter = c(-1, 0, 1)``); the others are centred and scaled (efron/breslow: by
  ``n / sum |x - mean|``; exact: by the standard deviation), which changes neither the
  coefficients nor the likelihood, only the rounding and the Cholesky tolerance;
* Newton-Raphson from ``init`` (default 0), step-halving when the log-likelihood decreases or
  the point is not finite (an overflowing ``exp``), convergence when the relative change of the
  log-likelihood is at most ``eps`` (R's ``coxph.control``: ``eps = 1e-9``, ``iter.max = 20``);
* a generalised Cholesky with ``toler.chol = .Machine$double.eps^0.75``: a column found
  redundant (collinear with others within the risk sets, constant, or without information) is
  **aliased**: coefficient NaN (R's NA) with variance 0, left out of the tests' degrees of
  freedom. A covariate that is constant within the risk set of every event has no information
  in exact arithmetic; that is decided exactly from the data (rounding would otherwise leave a
  ~1e-17 information and an SE of 1e8);
* a coefficient is flagged **infinite** (R: "Loglik converged before variable j; coefficient
  may be infinite") when the fit converged but the next Newton step ``|U var|`` for it is still
  above ``eps`` and above ``sqrt(eps) |coef|``; the coefficient reported is where R stops
  (e.g. -20.38), with the warning;
* after ``iter.max`` iterations without convergence the fit is returned with
  ``converged = False`` and R's warning "Ran out of iterations and did not converge" (plus
  "one or more coefficients may be infinite" when the linear predictor exceeds 500).

Warnings are issued as :class:`CoxWarning` and kept in :attr:`CoxResult.warnings`. The result
never holds NaN other than for aliased coefficients (and their z and p), and, as R, the z, p
and Wald test of a fit that ran out of iterations at coefficient 0 with variance 0 (0/0); a
fit that R cannot produce (no events, non-finite start) raises ``ValueError``.

The likelihood-ratio statistic is computed from per-event differences of the log-likelihood
terms, not as the difference of two sums near ``|loglik|`` (on 1e5 rows the difference of the
sums loses ~1e-10 absolute; R's ``logtest`` has that error: compare with a tolerance of
``1e-9 * LR + 1e-12 * (|loglik0| + |loglik1|)``; on a 48,638-row set R's LR is 1.6e-7 off the
exactly summed terms, this one 4e-14).

R equivalent: ``summary(coxph(Surv(time, status) ~ x1 + x2 + strata(s), ties = ...))``, with
the same ``control = coxph.control(eps, iter.max)``.
lifelines: ``CoxPHFitter`` supports Efron only, no exact method; it standardises covariates
and stops on its own criterion (step norm < 1e-7 by default), so coefficients agree with R to
about 1e-7, not 1e-12; its ``penalizer`` defaults to 0 (unpenalised, as here).
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from harness.core.cells import level_codes as _codes
from harness.core.coxfit import TOLER_CHOL, Chol, NewtonResult, newton
from harness.core.coxlik import Sorted, lr_statistic, without_information
from harness.core.survdata import SurvData

__all__ = ["CoxResult", "CoxWarning", "Test", "coxph"]


class CoxWarning(RuntimeWarning):
    """R's coxph warnings: an infinite coefficient, no convergence."""

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
    aliased : ndarray of bool
        Redundant columns: coefficient NaN (R's NA), variance 0.
    warnings : tuple of str
        R's warnings for this fit (also issued as :class:`CoxWarning`).
    flag : int
        R's ``coxfit$flag``: the rank of the information, -2 converged while halving,
        1000 ran out of iterations.
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
    aliased: np.ndarray = field(default=None, repr=False)
    warnings: tuple = ()
    flag: int = 0

    @property
    def hr(self) -> np.ndarray:
        return np.exp(self.coef)

    @property
    def ci(self) -> np.ndarray:
        """``exp(coef -/+ z se)``, shape (p, 2), as ``summary(coxph)$conf.int``."""
        q = stats.norm.ppf(0.5 + self.conf_level / 2)
        with np.errstate(over="ignore", invalid="ignore"):  # inf as R prints Inf; NA stays NA
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


def _transform(x: np.ndarray, ties: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R's centring and scaling: returns (x', means, factor) with ``x' = (x - means) * factor``.

    Columns within {-1, 0, 1} are left alone (``nocenter``); efron/breslow scale by
    ``n / sum |x - mean|`` (``coxfit6``), exact by ``1 / sd`` (``scale()`` in ``coxexact.fit``).
    """
    p = x.shape[1]
    means, factor = np.zeros(p), np.ones(p)
    for j in range(p):
        col = x[:, j]
        if np.isin(col, (-1.0, 0.0, 1.0)).all():
            continue
        means[j] = col.mean()
        c = col - means[j]
        if ties == "exact":
            sd = c.std(ddof=1) if c.size > 1 else 0.0
            factor[j] = 1.0 / sd if sd > 0 else 1.0
        else:
            s = np.abs(c).sum()
            factor[j] = c.size / s if s > 0 else 1.0
    return (x - means) * factor, means, factor


def _chi2_sf(stat: float, df: int) -> float:
    """``pchisq(stat, df, lower.tail = FALSE)``, with R's point mass at 0 for ``df = 0``."""
    if df == 0:
        return 1.0 if stat <= 0 else 0.0
    return float(special.chdtrc(df, stat))  # = stats.chi2.sf, without its call overhead


def _r_warnings(fit: NewtonResult, coef: np.ndarray, u: np.ndarray, var: np.ndarray,
                lp_max: float, ties: str, eps: float, toler_inf: float,
                iter_max: int, sas_stop: bool = False) -> tuple[np.ndarray, list[str]]:
    """R's ``coxph.fit`` test for infinite coefficients and its warnings (after a stop by
    SAS's criterion only the ran-out warning: R's test reads R's own stopping rule)."""
    p = coef.size
    infinite = np.zeros(p, bool)
    msgs: list[str] = []
    if iter_max <= 1:
        return infinite, msgs
    with np.errstate(invalid="ignore", over="ignore"):
        spread = np.abs(u @ var)
    if fit.flag == 1000:
        msgs.append("Ran out of iterations and did not converge")
        if ties != "exact" and (lp_max > 500 or not np.isfinite(spread).all()):
            msgs.append("one or more coefficients may be infinite")
        return infinite, msgs
    if sas_stop:
        return infinite, msgs
    with np.errstate(invalid="ignore"):
        infinite = (spread > eps) & (spread > toler_inf * np.abs(coef))
    if ties != "exact":
        infinite |= ~np.isfinite(u)
    if infinite.any():
        which = ",".join(str(i + 1) for i in np.flatnonzero(infinite))
        what = "beta" if ties == "exact" else "coefficient"
        msgs.append(f"Loglik converged before variable {which}; {what} may be infinite.")
    return infinite, msgs


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
    eps: float = 1e-9,
    max_iter: int = 20,
    init: Sequence[float] | None = None,
    toler_chol: float = TOLER_CHOL,
    timefix: bool = True,
    gconv: float | None = None,
) -> CoxResult:
    """Fit a Cox proportional hazards model by Newton-Raphson, as R's ``coxph``.

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
    eps, max_iter, toler_chol : float, int, float
        R's ``coxph.control(eps, iter.max, toler.chol)``; defaults are R's (``1e-9``, 20,
        ``.Machine$double.eps^0.75``); ``toler.inf = sqrt(eps)`` as R.
    init : sequence of float, optional
        Starting values (default 0); the score test and ``loglik[0]`` are evaluated there, as R.
    timefix : bool
        Merge times equal up to rounding error over all rows, strata pooled (R's ``aeqSurv``):
        R's ``coxph.control(timefix = TRUE)`` default.
    gconv : float, optional
        Stop at SAS's relative gradient criterion ``g' I^-1 g / (|log L| + 1e-6) < gconv``
        instead of R's ``eps`` rule (efron and breslow ties). SAS: PROC PHREG's default is
        ``GCONV=1E-8``; a Wald statistic printed after that looser stop can differ from R's in
        the last digits. R has no such option.

    Returns
    -------
    CoxResult
        Aliased columns have coefficient NaN and variance 0; an infinite coefficient or a fit
        that ran out of iterations carries R's warning (:attr:`CoxResult.warnings`).

    Raises
    ------
    ValueError
        Invalid input (from SurvData or the covariate checks), unknown ``ties``, no events,
        starting values whose ``exp`` overflows.

    Notes
    -----
    R equivalent: ``summary(coxph(Surv(time, status) ~ x + strata(s), ties = ties,
    control = coxph.control(eps = eps, iter.max = max_iter)))``: ``coefficients``,
    ``waldtest``, ``sctest`` (score), ``logtest`` (likelihood ratio), ``loglik``. With
    ``ties = "breslow"`` and one binary covariate, the score test equals the log-rank
    chi-square of ``survdiff``. ``timefix=False`` is ``coxph.control(timefix = FALSE)``;
    R equivalent of the default: survival::aeqSurv; timefix=TRUE default.
    """
    if ties not in _TIES:
        raise ValueError(f"ties must be one of {', '.join(_TIES)}; got {ties!r}")
    if not (0 < conf_level < 1):
        raise ValueError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    if not (eps > 0) or int(max_iter) != max_iter or max_iter < 0:
        raise ValueError(f"eps must be > 0 and max_iter a whole number >= 0; got {eps}, "
                         f"{max_iter}")
    data = SurvData.from_arrays(time, event, None, strata, coding=coding, timefix=timefix)
    if not data.event.any():
        raise ValueError("no events: the Cox partial likelihood is constant (R's coxph "
                         "returns every coefficient as NA)")
    xm, cols = _as_matrix(x, data.n, names)
    p = xm.shape[1]
    xt, means, factor = _transform(xm, ties)
    s_codes, _ = _codes(data.strata, data.n)
    srt = Sorted.build(data.time, data.event, xt, s_codes)
    flat = without_information(srt)
    b0 = np.zeros(p) if init is None else np.asarray(init, dtype=float).reshape(p)
    if init is not None:
        with np.errstate(over="ignore"):
            lp0 = np.exp((xm - means) @ b0)
        if lp0.max() == np.inf or lp0.max() == 0:
            raise ValueError("initial values lead to overflow or underflow of the exp function")
    if gconv is not None and not gconv > 0:
        raise ValueError(f"gconv must be > 0, got {gconv!r}")
    fit = newton(srt, b0 / factor, ties, eps, int(max_iter), flat, toler_chol, gconv)
    return _result(fit, data, xm, cols, means, factor, ties, eps, int(max_iter),
                   b0, conf_level, toler_chol, sas_stop=gconv is not None)


def _result(fit: NewtonResult, data: SurvData, xm: np.ndarray, cols: tuple,
            means: np.ndarray, factor: np.ndarray, ties: str, eps: float, iter_max: int,
            b0: np.ndarray, conf_level: float, toler_chol: float,
            sas_stop: bool = False) -> CoxResult:
    """R's ``coxph.fit`` post-processing and ``summary.coxph`` tests."""
    coef = fit.beta * factor
    u = fit.final.score / factor
    var = fit.var * np.outer(factor, factor)
    p = coef.size
    aliased = np.zeros(p, bool)
    if fit.flag < p and iter_max > 0:
        aliased = np.diag(var) == 0
    lp_max = 0.0  # the largest linear predictor matters only to a fit that ran out
    if fit.flag == 1000:
        with np.errstate(over="ignore", invalid="ignore"):
            lp_max = float(((xm - means) @ coef).max())
    infinite, msgs = _r_warnings(fit, coef, u, var, lp_max, ties, eps, np.sqrt(eps), iter_max,
                                 sas_stop)
    for m in msgs:
        _warnings.warn(m, CoxWarning, stacklevel=3)
    if not (np.isfinite(coef).all() and np.isfinite(var).all()
            and np.isfinite(fit.final.loglik)):
        raise ValueError(
            "the Cox fit did not reach a finite point (the partial likelihood overflowed); "
            "R's coxph returns NaN or stops here")
    coef = np.where(aliased, np.nan, coef)
    keep = ~aliased
    df = int(keep.sum())
    se = np.sqrt(np.diag(var))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = coef / se
    pz = np.where(np.isnan(z), np.nan, 2 * special.ndtr(-np.abs(z)))  # = stats.norm.sf
    delta = (coef - b0)[keep]
    vk = var[np.ix_(keep, keep)]
    if df == 1:  # R's coxph.wtest: b^2 / var (NaN for 0/0 when a fit ran out at coef 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            wald = float(delta[0] ** 2 / vk[0, 0])
    else:  # generalised Cholesky solve (0 when df = 0)
        wald = float(delta @ Chol.of(vk, toler_chol).solve(delta)) if df else 0.0
    lr = lr_statistic(fit.start, fit.final)
    sc = fit.score_test
    return CoxResult(
        names=cols, coef=coef, se=se, z=z, p=pz, var=var,
        loglik=(fit.start.loglik, fit.final.loglik),
        wald=Test(wald, df, _chi2_sf(wald, df)),
        score=Test(sc, df, _chi2_sf(sc, df)),
        lr=Test(lr, df, _chi2_sf(lr, df)),
        n=data.n, nevent=int(data.event.sum()), ties=ties, iterations=fit.iterations,
        converged=fit.flag != 1000, infinite=infinite, conf_level=conf_level,
        score_vector=u, aliased=aliased, warnings=tuple(msgs), flag=int(fit.flag),
    )
