"""Risk sets of a whole chunk of trials at once: (trials x patients) arrays, sorted per row.

Each row (one trial) is sorted by time once. Tied times form a block; every quantity of the
log-rank family is evaluated at the *last* position of each block (``end``), where the
block's totals are complete, and is zero elsewhere, so sums over event times are plain sums
over axis 1. Numbers at risk come from the block's first position (``n - start``);
event counts per block are differences of cumulative sums. No Python loop over trials or
event times.

R equivalent: ``survfit(Surv(time, status) ~ group)``'s ``n.risk``/``n.event`` per trial.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RiskTable:
    """Sorted trials with per-block counts (all arrays (b, n), zero off the block ends).

    Attributes
    ----------
    time : sorted times; ``event`` 0/1 and ``group`` 0/1 (1 = experimental) in the same order.
    end : True at the last position of each tied-time block.
    cell : ``end`` and at least one event there (the event times of the log-rank sums).
    n, n1 : numbers at risk (pooled, experimental) at the block's time.
    d, d1 : events (pooled, experimental) of the block, at its end position; 0 elsewhere.
    end_of : index of the end position of each position's block.
    """

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray
    end: np.ndarray
    cell: np.ndarray
    n: np.ndarray
    n1: np.ndarray
    d: np.ndarray
    d1: np.ndarray
    end_of: np.ndarray

    @property
    def n0(self) -> np.ndarray:
        return self.n - self.n1

    @property
    def d0(self) -> np.ndarray:
        return self.d - self.d1

    def s_left(self) -> np.ndarray:
        """Pooled Kaplan-Meier ``S(t-)`` at each block end (as ``survdiff``'s weights)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            lf = np.where(self.cell & (self.d < self.n), np.log1p(-self.d / self.n), 0.0)
        return np.exp(np.cumsum(lf, axis=1) - lf)


def _blocks(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b, n = t.shape
    new = np.ones((b, n), bool)
    new[:, 1:] = t[:, 1:] != t[:, :-1]
    idx = np.arange(n)
    start = np.maximum.accumulate(np.where(new, idx, 0), axis=1)
    end = np.ones((b, n), bool)
    end[:, :-1] = new[:, 1:]
    end_of = np.minimum.accumulate(np.where(end, idx, n)[:, ::-1], axis=1)[:, ::-1]
    return start, end, end_of


def _block_total(x: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    cs = np.cumsum(x, axis=1)
    before = np.take_along_axis(cs - x, start, axis=1)
    return np.where(end, cs - before, 0.0)


def risk_table(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> RiskTable:
    """Sort each trial and count, per tied-time block, at risk and events (pooled and arm 1).

    Parameters
    ----------
    time, event : ndarray (b, n)
    group : ndarray (n,) or (b, n), 0 = control, 1 = experimental
    """
    order = np.argsort(time, axis=1, kind="stable")
    t = np.take_along_axis(time, order, axis=1)
    e = np.take_along_axis(event, order, axis=1).astype(float)
    g = (np.broadcast_to(group, time.shape) if group.ndim == 1 else group)
    g = np.take_along_axis(np.asarray(g), order, axis=1).astype(float)
    n_all = time.shape[1]
    start, end, end_of = _blocks(t)
    n = (n_all - start).astype(float)
    cg = np.cumsum(g, axis=1)
    n1 = g.sum(axis=1, keepdims=True) - np.take_along_axis(cg - g, start, axis=1)
    d = _block_total(e, start, end)
    d1 = _block_total(e * g, start, end)
    cell = end & (d > 0)
    return RiskTable(t, e, g, end, cell, n, n1, d, d1, end_of)


def km_after(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-sample Kaplan-Meier of each (sorted) row: ``S`` just after each position, and the
    block-end mask. Rows must already be sorted by time."""
    start, end, _ = _blocks(time)
    n = time.shape[1] - start
    d = _block_total(event.astype(float), start, end)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(end & (d > 0), 1.0 - d / n, 1.0)
    return np.cumprod(factor, axis=1), end & (d > 0)


def km_median(time: np.ndarray, event: np.ndarray, tol: float = float(np.sqrt(2.2e-16))
              ) -> np.ndarray:
    """Kaplan-Meier median of each sorted row, R's ``quantile.survfit`` rule.

    The first event time with ``S <= 1/2``; when ``S`` is flat at exactly 1/2 (within
    ``sqrt(.Machine$double.eps)``) the midpoint of that time and the next drop (or the row's
    last time when the curve ends flat). NaN when the curve never reaches 1/2.

    R equivalent: ``quantile(survfit(Surv(time, status) ~ 1), 0.5, conf.int = FALSE)``.
    """
    s, drop = km_after(time, event)
    b, n = time.shape
    hit = drop & (s <= 0.5 + tol)
    any_hit = hit.any(axis=1)
    k = np.argmax(hit, axis=1)
    rows = np.arange(b)
    est = time[rows, k]
    flat = np.abs(s[rows, k] - 0.5) <= tol
    later = drop & (np.arange(n) > k[:, None])
    has_next = later.any(axis=1)
    nxt = np.where(has_next, time[rows, np.argmax(later, axis=1)], time[:, -1])
    est = np.where(flat, (est + nxt) / 2.0, est)
    return np.where(any_hit, est, np.nan)
