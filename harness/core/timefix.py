"""R's ``timefix``: times equal up to floating-point rounding are merged before any fit.

``survival::aeqSurv`` is called by ``survfit``, ``survdiff`` and ``coxph`` (``timefix = TRUE``
by default: ``survfit(..., timefix =)``, ``survdiff(..., timefix =)``,
``coxph(..., control = coxph.control(timefix =))``). Its rule (survival 3.5-3, read from
``survival::aeqSurv``), with ``tol = sqrt(.Machine$double.eps)`` (1.49e-8):

1. ``y``: the sorted distinct finite times;
2. consecutive values are *tied* when ``diff(y) <= tol`` **or** ``diff(y) / mean(abs(y)) <=
   tol`` (an absolute and a relative test, the relative one against the mean of the distinct
   times, not of the pair);
3. the cut points are the first value and every value not tied to its predecessor, so a run of
   values each within ``tol`` of the next collapses to its *smallest* value even when its ends
   are further apart;
4. every time is replaced by the largest cut point ``<=`` it (``findInterval``).

Nothing changes when no pair is tied. :func:`aeq_times` is the one implementation; it is
applied by :meth:`harness.core.survdata.SurvData.from_arrays` (``timefix=True``), the entry
point of every estimator, to all rows of a fit at once (groups and strata pooled), as R
applies it to the model's whole response.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["TOLERANCE", "aeq_times", "r_mean"]

#: R's default ``tolerance = sqrt(.Machine$double.eps)``
TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def r_mean(x: np.ndarray) -> float:
    """The mean as R's ``mean.default`` computes it (C ``do_summary``).

    A long double sum divided by n, then one refinement pass ``s += sum(x - s) / n`` in long
    double, rounded to double (R's value bit for bit in the tests, also where long double
    cancellation makes it differ from the exact mean).

    R equivalent: ``mean(x)``.
    """
    xl = np.asarray(x, dtype=np.longdouble)
    n = xl.size
    s = xl.sum() / n
    if np.isfinite(s):
        s = s + (xl - s).sum() / n
    return float(s)


def aeq_times(time: Any, tolerance: float = TOLERANCE) -> np.ndarray:
    """Merge times equal within floating-point tolerance, as R's ``aeqSurv``.

    Parameters
    ----------
    time : array-like of float
        Finite times (right-censored follow-up; validation of the data happens in
        :class:`~harness.core.survdata.SurvData`).
    tolerance : float
        R's ``tolerance`` (default ``sqrt(.Machine$double.eps)``); ``<= 0`` returns the times
        unchanged, as R.

    Returns
    -------
    ndarray of float
        The times with every tied run replaced by its smallest value. When nothing is tied
        the input array itself is returned (no copy).

    Raises
    ------
    ValueError
        A non-finite or non-numeric tolerance, or non-finite times.

    Notes
    -----
    R equivalent: ``survival::aeqSurv(Surv(time, status))[, 1]``; ``timefix=TRUE`` default
    (``survfit``, ``survdiff``, ``coxph.control``). One sort of the distinct times,
    O(n log n), no loop over rows.
    """
    try:
        tol = float(tolerance)
    except (TypeError, ValueError):
        raise ValueError(f"invalid value for tolerance: {tolerance!r}") from None
    if not np.isfinite(tol):
        raise ValueError(f"invalid value for tolerance: {tolerance!r}")
    t = np.asarray(time, dtype=float)
    if tol <= 0 or t.size < 2:
        return t
    if not np.isfinite(t).all():
        raise ValueError("aeq_times needs finite times (R's aeqSurv maps them oddly)")
    y = np.sort(t)
    first = np.empty(y.size, dtype=bool)  # first row of each distinct value, in sorted order
    first[0] = True
    np.not_equal(y[1:], y[:-1], out=first[1:])
    y = y[first]  # the distinct times, sorted
    if y.size < 2:
        return t
    tied = _tied(y, np.diff(y), tol)
    if not tied.any():  # the usual case: one sort, no copy
        return t
    is_cut = np.concatenate(([True], ~tied))
    cut_of_unique = y[is_cut][np.cumsum(is_cut) - 1]
    # map rows through a sort permutation: cache-friendly, unlike a binary search per row
    # (3x faster on 10^6 continuous times with ~7500 merged pairs)
    order = np.argsort(t)
    out = np.empty_like(t)
    out[order] = cut_of_unique[np.cumsum(first) - 1]
    return out


def _tied(y: np.ndarray, dy: np.ndarray, tol: float) -> np.ndarray:
    """R's ``(dy <= tol) | (dy / mean(abs(y)) <= tol)``.

    The mean is first taken by numpy (relative error ~1e-16); R's long double mean
    (:func:`r_mean`) is computed only when a gap lies within 1e-9 of the threshold, where
    the last bits of the mean could decide. Same answer, without the long double pass."""
    tied = dy <= tol
    absy = y if y[0] >= 0 else np.abs(y)
    mean = float(np.mean(absy))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = dy / mean
        if np.any(np.abs(rel - tol) <= 1e-9 * tol):
            rel = dy / r_mean(absy)
    return tied | (rel <= tol)
