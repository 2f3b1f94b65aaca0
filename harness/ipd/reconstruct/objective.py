"""Search state, the vectorised statistics of a candidate set, and its loss."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import chdtrc as _chdtrc

from harness.core.quantiles import TOL as _QTOL
from harness.ipd.io import IPDSet
from harness.ipd.recompute import recompute
from harness.ipd.reconstruct.budget import UNBOUNDED, Budget
from harness.pack.comparisons import SLACK, Spec, Target, Z


# ------------------------------------------------------------------------- fast objective
@dataclass
class State:
    """A candidate data set: times in grid units (ints), events, group codes."""

    t: np.ndarray
    e: np.ndarray
    g: np.ndarray

    def copy(self) -> State:
        return State(self.t.copy(), self.e.copy(), self.g.copy())


@dataclass
class Problem:
    spec: Spec
    targets: list[Target]
    numerator: int | None           # group code of the HR numerator
    tmax: int                       # grid units
    grid: float
    fixed_groups: bool
    couple_with: State | None = None  # OS set for a PFS search
    n_bounds: list[tuple[int, int]] = field(default_factory=list)
    cache: dict = field(default_factory=dict)
    center: tuple[float, float] | None = None  # (ln HR, z/sqrt V) the search steers towards
    need_lr: bool = False             # an HR/CI/p target (log-rank O, E, V needed)
    need_km: bool = False             # a median or rate target (Kaplan-Meier needed)
    label_index: dict = field(default_factory=dict)
    budget: Budget = UNBOUNDED       # wall-clock budget of the comparison

    def __post_init__(self) -> None:
        kinds = {t.kind for t in self.targets}
        self.need_lr = bool(kinds & {"hr", "ci_lower", "ci_upper", "p"})
        self.need_km = bool(kinds & {"median", "rate"})
        self.label_index = {lab: j for j, lab in enumerate(self.spec.labels)}


def fast_values(state: State, prob: Problem) -> dict[str, float]:
    """The comparison's statistics, vectorised for the search (no validation).

    Counts per (group, grid time) come from one ``bincount``; the log-rank O, E and V, the
    Kaplan-Meier curves at the event times, Prism's median rule (R survival's ``findq``, as
    :func:`harness.core.quantiles._findq`) and the rates are then computed on the <= n event times.
    Every accepted set is confirmed by :func:`harness.ipd.recompute.recompute`, so this only has
    to guide the search; it agrees with the survival core to rounding.
    """
    k = prob.spec.k
    ut, inv = np.unique(state.t, return_inverse=True)
    tm = ut.size
    flat = state.g * tm + inv
    cnt = np.bincount(flat, minlength=k * tm).reshape(k, tm)
    dead = np.bincount(flat, weights=state.e, minlength=k * tm).reshape(k, tm)
    d_t = dead.sum(axis=0)
    ev = np.flatnonzero(d_t)
    if ev.size == 0:
        return {}
    # at risk at each event time: subjects with time >= it
    risk_all = np.cumsum(cnt[:, ::-1], axis=1)[:, ::-1]
    nj = risk_all[:, ev].astype(float)       # (k, m)
    dj = dead[:, ev]                         # (k, m)
    out: dict[str, float] = {}
    if prob.need_lr and k >= 2:
        if np.any(cnt.sum(axis=1) == 0):
            return {}
        out.update(_logrank_values(nj, dj, prob))
    if prob.need_km:
        out.update(_km_values(nj, dj, cnt, ut, ut[ev] * prob.grid, prob))
    return out


def _logrank_values(nj: np.ndarray, dj: np.ndarray, prob: Problem) -> dict[str, float]:
    """Log-rank p and (two groups) the Mantel-Haenszel HR, CI, ``_x = ln HR``, ``_s``."""
    out: dict[str, float] = {}
    n = nj.sum(axis=0)
    d = dj.sum(axis=0)
    p = nj / n
    obs = dj.sum(axis=1)
    exp = (p * d).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    keep = exp > 0
    if prob.spec.k == 2:
        v = float((c * p[0] * p[1]).sum())
        u = float(obs[1] - exp[1])
        if keep.all() and v > 0:
            chisq, df = u * u / v, 1
        else:
            chisq, df = 0.0, int(keep.sum()) - 1
        out["p"] = float(_chdtrc(df, chisq)) if df > 0 else math.nan
        if prob.numerator is not None and v > 0:
            i = prob.numerator
            x = (float(obs[i]) - float(exp[i])) / v
            half = Z / math.sqrt(v)
            out["hr"], out["ci_lower"], out["ci_upper"] = (
                math.exp(x), math.exp(x - half), math.exp(x + half))
            out["_x"], out["_s"] = x, half
        return out
    var = np.diag((c * p).sum(axis=1)) - (p * c) @ p.T
    df = int(keep.sum()) - 1
    if df > 0:
        uu = (obs - exp)[keep][1:]
        vv = var[np.ix_(keep, keep)][1:, 1:]
        try:
            chisq = float(uu @ np.linalg.solve(vv, uu))
        except np.linalg.LinAlgError:
            chisq = float(uu @ np.linalg.pinv(vv) @ uu)
        out["p"] = float(_chdtrc(df, chisq))
    return out


def _km_values(nj: np.ndarray, dj: np.ndarray, cnt: np.ndarray, ut: np.ndarray,
               ev_times: np.ndarray, prob: Problem) -> dict[str, float]:
    """Medians (Prism's rule) and rates of the median and rate targets."""
    out: dict[str, float] = {}
    n = nj.sum(axis=0)
    d = dj.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        fac = np.where(nj > 0, (nj - dj) / nj, 1.0)
    surv = np.cumprod(fac, axis=1)            # S_j at every event time
    last: dict[int, int] = {}

    def last_time(j: int) -> int:
        if j not in last:
            nz = np.flatnonzero(cnt[j]) if j >= 0 else np.flatnonzero(cnt.sum(axis=0))
            last[j] = int(ut[nz[-1]]) if nz.size else -1
        return last[j]

    for t in prob.targets:
        if t.kind == "median":
            j = prob.label_index[t.group]
            value = _median(1.0 - surv[j][dj[j] > 0], ev_times[dj[j] > 0],
                            last_time(j) * prob.grid)
            out[t.key] = value
        elif t.kind == "rate":
            if t.group:
                j = prob.label_index[t.group]
                if last_time(j) < 0 or last_time(j) * prob.grid < t.time:
                    continue
                s_row = surv[j]
            else:
                if last_time(-1) * prob.grid < t.time:
                    continue
                s_row = np.cumprod((n - d) / n)
            idx = int(np.searchsorted(ev_times, t.time, side="right"))
            out[t.key] = 100.0 * (1.0 if idx == 0 else float(s_row[idx - 1]))
    return out


def _median(y: np.ndarray, x: np.ndarray, last: float) -> float:
    """Prism's median from the cumulative incidence ``y`` at a group's event times ``x``."""
    if y.size == 0 or y[-1] < 0.5:
        return math.nan
    a = int(np.argmax(y >= 0.5 - _QTOL))
    hit = np.flatnonzero(y >= 0.5 + _QTOL)
    if abs(y[-1] - 0.5) < _QTOL:
        return (x[a] + last) / 2
    if hit.size:
        return (x[a] + x[hit[0]]) / 2
    return math.nan


def candidate_values(state: State, spec: Spec, numerator: int | None) -> dict[str, float]:
    """Every targeted statistic of ``state``, computed with the public survival core
    (:func:`harness.ipd.recompute.recompute`; no resampling, no R)."""
    data = IPDSet(spec.id, np.arange(1, state.t.size + 1), state.t * spec.grid,
                  state.e.astype(int), np.array(spec.labels, dtype=object)[state.g])
    num = None if numerator is None else spec.labels[numerator]
    return recompute(data, spec, num, use_r=False).python


def distance(t: Target, x: float | None, interval: tuple[float, float] | None = None
              ) -> float:
    """0 inside the printed rounding interval, else a scaled distance to it."""
    lo, hi = interval or t.interval
    if x is None or not math.isfinite(x):
        return 60.0
    if lo - SLACK <= x <= hi + SLACK:
        return 0.0
    if t.kind == "median":
        return 0.2 + (lo - x if x < lo else x - hi) / 2.0
    if t.kind == "rate":
        return 0.2 + (lo - x if x < lo else x - hi)
    if t.kind in ("hr", "ci_lower", "ci_upper"):
        lx = math.log(max(x, 1e-300))
        d = (math.log(lo) - lx) if x < lo else (lx - math.log(hi))
        return 0.2 + 50.0 * d
    if t.kind == "p":
        lx = math.log10(max(x, 1e-300))
        d = (math.log10(max(lo, 1e-300)) - lx) if x < lo else (lx - math.log10(hi))
        return 0.2 + 20.0 * d
    raise ValueError(t.kind)


def coupling_penalty(state: State, prob: Problem) -> float:
    other = prob.couple_with
    if other is None:
        return 0.0
    pools = prob.cache.get("os_pools")
    if pools is None:
        pools = {}
        for j in np.unique(other.g).tolist():
            m = other.g == j
            ot, oe = other.t[m], other.e[m]
            pools[j] = (sorted(ot[~oe].tolist()), sorted(ot[oe].tolist()), int(m.sum()))
        prob.cache["os_pools"] = pools
    bad = 0
    for j, (cens, evs, size) in pools.items():
        m = state.g == j
        bad += abs(int(m.sum()) - size) + _unmatched_greedy(
            state.t[m].tolist(), state.e[m].tolist(), cens, evs)
    return 3.0 * bad


def _unmatched_greedy(pt: list, pe: list, cens: list, evs: list) -> int:
    """The number of PFS records :func:`match` leaves without an OS record (same greedy:
    decreasing PFS time, censored first at ties, each taking the smallest eligible OS time,
    an event OS record before a censored one at equal times), on sorted OS time lists."""
    cens, evs = list(cens), list(evs)
    bad = 0
    for t, e in sorted(zip(pt, pe), key=lambda r: (-r[0], bool(r[1]))):
        ic = bisect.bisect_left(cens, t)
        if not e:
            if ic < len(cens):
                del cens[ic]
            else:
                bad += 1
            continue
        ie = bisect.bisect_left(evs, t)
        ce = cens[ic] if ic < len(cens) else None
        ee = evs[ie] if ie < len(evs) else None
        if ee is not None and (ce is None or ee <= ce):
            del evs[ie]
        elif ce is not None:
            del cens[ic]
        else:
            bad += 1
    return bad


def unmatched(pfs: State, os_: State) -> int:
    """Patients that cannot be paired with PFS <= OS (PFS-censored -> OS-censored, no earlier).

    Greedy per group: PFS records in decreasing time take the smallest eligible OS record;
    censored PFS records first choose among censored OS records.
    """
    bad = 0
    for j in np.unique(os_.g):
        pt, pe = pfs.t[pfs.g == j], pfs.e[pfs.g == j]
        ot, oe = os_.t[os_.g == j], os_.e[os_.g == j]
        bad += abs(pt.size - ot.size)
        pairs = match(pt, pe, ot, oe)
        bad += int(np.sum(pairs < 0))
    return bad


def match(pt: np.ndarray, pe: np.ndarray, ot: np.ndarray, oe: np.ndarray) -> np.ndarray:
    """For each PFS record the index of its OS record (-1 when none is left).

    Censored PFS records need a censored OS record with time >= theirs; PFS events any OS
    record with time >= theirs. Processed in decreasing PFS time (censored first at ties),
    each takes the eligible OS record with the smallest time (censored ones are kept for
    censored PFS records when an event record is as good).
    """
    used = np.zeros(ot.size, bool)
    out = np.full(pt.size, -1)
    order = sorted(range(pt.size), key=lambda i: (-int(pt[i]), bool(pe[i])))
    for i in order:
        ok = (~used) & (ot >= pt[i])
        if not pe[i]:
            ok &= ~oe.astype(bool)
        cand = np.flatnonzero(ok)
        if cand.size:
            # prefer event OS records for PFS events (keep censored ones for censored PFS)
            key = [(int(ot[c]), 0 if (pe[i] and oe[c]) else 1, int(c)) for c in cand]
            c = min(key)[2]
            used[c] = True
            out[i] = c
    return out


def loss(state: State, prob: Problem) -> float:
    """Summed distances from the printed intervals (0 iff every target holds); while any
    fails, plus the distance of (ln HR, z/sqrt V) from the centre of the region the printed
    HR/CI/p allow, which steers the search into that narrow region."""
    vals = fast_values(state, prob)
    ivs = prob.cache.get("intervals")
    if ivs is None:
        ivs = prob.cache["intervals"] = [t.interval for t in prob.targets]
    total = sum(distance(t, vals.get(t.key), iv) for t, iv in zip(prob.targets, ivs))
    total += coupling_penalty(state, prob)
    if total > 0.0 and prob.center is not None and "hr" in vals:
        x = math.log(vals["hr"])
        s = math.log(vals["ci_upper"]) - x
        total += 50.0 * (abs(x - prob.center[0]) + abs(s - prob.center[1]))
    return total
