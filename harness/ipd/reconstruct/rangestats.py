"""The statistics a feasible range is searched for, vectorised for a candidate set.

:func:`range_stats` computes, from the counts per (group, grid time) of a
:class:`~harness.ipd.reconstruct.objective.State`, what :mod:`harness.ipd.reconstruct.ranges`
pushes down and up: Kaplan-Meier rates per group and pooled (carried forward past a curve's
end, as ``KaplanMeier.at(extend=True)``), restricted mean survival (as
:func:`harness.core.rmst.rmst`), the share of patients followed beyond a time and the number
censored beyond it, the logrank-method HR ``(O1/E1)/(O2/E2)``, the Cox HR (Efron ties, one
binary covariate, Newton's method), and the weighted log-rank p of R's ``survdiff(rho = 1)``
(Peto-Peto, weight ``S(t-)``) and of Gehan-Breslow-Wilcoxon (weight ``n_t``). It only guides
the search: every reported range end is recomputed from its set with the public survival core
(:func:`harness.ipd.reconstruct.ranges.verified_values`).

R equivalent: ``survfit``/``summary(fit, rmean = tau)``, ``coxph(ties = "efron")``,
``survdiff(rho = 1)`` (harness/r/ipd.R computes the same statistics for a set).
"""

from __future__ import annotations

import math
import re

import numpy as np
from scipy.special import chdtrc as _chdtrc

from harness.ipd.reconstruct.objective import State

_KEY = re.compile(r"^(?P<stat>[a-z_]+)(?:\[(?P<group>[^\]]*)\])?(?:@(?P<time>[-+0-9.eE]+))?$")


def parse_key(key: str) -> tuple[str, str | None, float | None]:
    """``rate[G]@36`` -> (``rate``, ``G``, 36.0); ``gbw_p`` -> (``gbw_p``, None, None)."""
    m = _KEY.match(key)
    if m is None:
        raise ValueError(f"not a statistic key: {key!r}")
    t = m.group("time")
    return m.group("stat"), m.group("group"), None if t is None else float(t)


class Tables:
    """Counts of one candidate per (group, distinct grid time): at risk and deaths."""

    def __init__(self, state: State, k: int):
        self.ut, inv = np.unique(state.t, return_inverse=True)
        tm = self.ut.size
        flat = state.g * tm + inv
        self.cnt = np.bincount(flat, minlength=k * tm).reshape(k, tm)
        self.dead = np.bincount(flat, weights=state.e, minlength=k * tm).reshape(k, tm)
        self.risk = np.cumsum(self.cnt[:, ::-1], axis=1)[:, ::-1].astype(float)
        self.state = state
        self._surv: dict[int, np.ndarray] = {}

    def surv(self, j: int) -> np.ndarray:
        """Kaplan-Meier survival just after each distinct time (group j; -1: pooled)."""
        if j not in self._surv:
            r = self.risk.sum(axis=0) if j < 0 else self.risk[j]
            d = self.dead.sum(axis=0) if j < 0 else self.dead[j]
            with np.errstate(divide="ignore", invalid="ignore"):
                fac = np.where(r > 0, (r - d) / r, 1.0)
            self._surv[j] = np.cumprod(fac)
        return self._surv[j]

    def rate(self, j: int, t_grid: float) -> float:
        idx = int(np.searchsorted(self.ut, t_grid + 1e-9, side="right")) - 1
        return 100.0 * (1.0 if idx < 0 else float(self.surv(j)[idx]))

    def rmst(self, j: int, tau_grid: float) -> float:
        keep = self.ut < tau_grid
        edges = np.concatenate(([0.0], self.ut[keep], [tau_grid]))
        heights = np.concatenate(([1.0], self.surv(j)[keep]))
        return float(np.sum(np.diff(edges) * heights))


def _weighted_p(nj: np.ndarray, dj: np.ndarray, w: np.ndarray) -> float:
    """k-group weighted log-rank p (chi-square on k - 1 df), as ``survdiff``."""
    n = nj.sum(axis=0)
    d = dj.sum(axis=0)
    p = nj / n
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    u = (w * (dj - p * d)).sum(axis=1)
    cw = c * w * w
    var = np.diag((cw * p).sum(axis=1)) - (p * cw) @ p.T
    keep = (p * d).sum(axis=1) > 0
    df = int(keep.sum()) - 1
    if df <= 0:
        return math.nan
    uu = u[keep][1:]
    vv = var[np.ix_(keep, keep)][1:, 1:]
    try:
        chisq = float(uu @ np.linalg.solve(vv, uu))
    except np.linalg.LinAlgError:
        chisq = float(uu @ np.linalg.pinv(vv) @ uu)
    return float(_chdtrc(df, chisq))


def _cox_efron(n1, n0, d1, d0) -> float:
    """Cox HR of one binary covariate (Efron ties) by Newton's method from 0."""
    d = d1 + d0
    dmax = int(d.max()) if d.size else 0
    ell = np.arange(dmax)[None, :]
    live = ell < d[:, None]
    frac = np.where(live, ell / np.maximum(d, 1)[:, None], 0.0)
    r1 = np.where(live, n1[:, None] - frac * d1[:, None], 0.0)
    r0 = np.where(live, n0[:, None] - frac * d0[:, None], 0.0)
    total = float(d1.sum())
    beta = 0.0
    for _ in range(25):
        eb = math.exp(beta)
        den = np.where(live, r1 * eb + r0, 1.0)
        score = total - float(np.sum(np.where(live, r1 * eb / den, 0.0)))
        info = float(np.sum(np.where(live, r1 * eb * r0 / den**2, 0.0)))
        if info <= 1e-300:
            return math.inf if score > 0 else 0.0
        step = max(min(score / info, 5.0), -5.0)
        beta += step
        if abs(beta) > 30:
            return math.exp(beta)
        if abs(step) < 1e-9:
            break
    return math.exp(beta)


def range_stats(state: State, keys: list[str], k: int, labels: list[str],
                numerator: int | None, grid: float) -> dict[str, float]:
    """The statistics named by ``keys`` of a candidate (percent for rates and shares)."""
    tab = Tables(state, k)
    out: dict[str, float] = {}
    index = {lab: j for j, lab in enumerate(labels)}
    ev = np.flatnonzero(tab.dead.sum(axis=0))
    nj, dj = tab.risk[:, ev], tab.dead[:, ev]
    for key in keys:
        stat, group, time = parse_key(key)
        tg = None if time is None else time / grid
        j = index.get(group, -1) if group is not None else (-1 if k > 1 else 0)
        if stat == "rate":
            out[key] = tab.rate(j, tg)
        elif stat == "pooled_rate":
            out[key] = tab.rate(-1, tg)
        elif stat == "rmst":
            out[key] = tab.rmst(j, tg) * grid
        elif stat == "pct_time_gt":
            out[key] = 100.0 * float(np.sum(state.t > tg + 1e-9)) / state.t.size
        elif stat == "count_censored_gt":
            out[key] = float(np.sum(~state.e.astype(bool) & (state.t > tg + 1e-9)))
        elif stat in ("gbw_p", "p_peto", "p") and ev.size and k > 1:
            if stat == "gbw_p":
                w = nj.sum(axis=0)
            elif stat == "p_peto":
                s = tab.surv(-1)[ev]
                w = np.concatenate(([1.0], s[:-1]))
            else:
                w = np.ones(ev.size)
            out[key] = _weighted_p(nj, dj, w)
        elif stat in ("hr_logrank", "hr_cox") and numerator is not None and ev.size:
            a, b = numerator, 1 - numerator
            if stat == "hr_cox":
                out[key] = _cox_efron(nj[a], nj[b], dj[a], dj[b])
            else:
                n, d = nj.sum(axis=0), dj.sum(axis=0)
                e_a = float((nj[a] / n * d).sum())
                e_b = float((nj[b] / n * d).sum())
                o_a, o_b = float(dj[a].sum()), float(dj[b].sum())
                out[key] = (o_a / e_a) / (o_b / e_b) if e_a > 0 and o_b > 0 else math.inf
    return out
