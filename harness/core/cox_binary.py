"""Cox model with one binary covariate from per-group counts, Efron ties, vectorised.

:func:`harness.core.cox.coxph` fits any design from the rows; with a single 0/1 covariate its
Efron partial likelihood depends on the data only through the numbers at risk and events of
each group at each event time. :func:`cox_binary_log_hr` maximises that likelihood for many
data sets at once (one row each: every permutation or bootstrap replicate of
:mod:`harness.resample`), by a Newton-Raphson iteration run simultaneously on all rows, with
step halving when the log-likelihood decreases (as ``coxph.fit``).

At an event time with ``d = d1 + d0`` events, the ``l``-th (``l = 0..d-1``) Efron denominator
is ``(n0 - l/d d0) + r (n1 - l/d d1)`` with ``r = exp(beta)``; the log-likelihood is
``beta D1 - sum log(denominators)``.

R equivalent: ``coxph(Surv(time, status) ~ group, ties = "efron")``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cox_binary_log_hr"]


def cox_binary_log_hr(n1: np.ndarray, n0: np.ndarray, d1: np.ndarray, d0: np.ndarray,
                      tol: float = 1e-13, max_iter: int = 60) -> np.ndarray:
    """Efron partial-likelihood MLE of the log HR (group 1 vs 0) for each row.

    Parameters
    ----------
    n1, n0, d1, d0 : ndarray, shape (b, m)
        Numbers at risk and events of group 1 and group 0 at each of ``m`` event times, for
        ``b`` data sets (e.g. resamples); any stratum mix, the partial likelihood being a sum
        over event times.
    tol, max_iter
        Newton-Raphson stops when every step is below ``tol`` relative to the coefficient.

    Returns
    -------
    ndarray, shape (b,)
        The log hazard ratio; ``+inf`` / ``-inf`` when the likelihood is monotone (the MLE
        does not exist: R's "coefficient may be infinite"), NaN when no event time has both
        groups at risk.

    Notes
    -----
    R equivalent: ``coef(coxph(Surv(time, status) ~ group, ties = "efron"))`` with a 0/1
    ``group`` (``+ strata(s)`` when the cells come from several strata), for each data set.
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
