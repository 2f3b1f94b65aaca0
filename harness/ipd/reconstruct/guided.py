"""A search that starts from the printed Kaplan-Meier summaries (the guided strategy).

The annealing of :mod:`.search` starts from one exponential per group and a uniform
censoring pattern, then moves single times; on a few hundred patients per group it needs many
moves to reach every printed rate and median, and each move costs ``O(n log n)``. Here the
start already meets the printed Kaplan-Meier numbers and the size of the log-rank variance:

1. **Per group, a survival curve through the printed knots**: ``S(0) = 1``, ``S(median) =
   0.5``, ``S(t) = rate`` at each printed rate's time, log-linear in between
   (piecewise-exponential), the last hazard continued. A whole-cohort (pooled) rate in a
   comparison of groups becomes a knot of every group that has none at that time, under
   proportional hazards with the printed HR (``S_j = S_0^{h_j}``, ``S_0`` solved so that the
   size-weighted mean of the ``S_j`` is the pooled rate).
2. **Censoring** uniform over a window chosen so that the expected number of deaths gives the
   variance ``V`` the printed CI asks for (``V ~= D w_0 w_1``, ``w`` the group shares; the
   Chebyshev centre of the region the HR/CI/p allow, :func:`.screen.steer_point`).
3. **A Kaplan-Meier-exact walk** per group: in time order, the next event sits where the curve
   reaches the current KM value times ``(r - 1) / r`` (``r`` at risk), unless a censoring comes
   first; so the KM estimate follows the curve step by step, and the event that takes it to
   0.5 is put at the printed median.
4. From there the annealing of :mod:`.search` runs cool (it only repairs), with the number of
   moves scaled with ``n``, stops as soon as every target holds, and every set is confirmed
   by :func:`harness.ipd.recompute.recompute` as before.

Seeded like the rest (pack seed, comparison id), so the result is deterministic when the time
budget is not reached.
"""

from __future__ import annotations

import math

import numpy as np

from harness.ipd.reconstruct.budget import UNBOUNDED, Budget
from harness.ipd.reconstruct.objective import Problem, State, fast_values
from harness.ipd.reconstruct.screen import steer_point
from harness.ipd.reconstruct.search import (
    SearchResult,
    anneal,
    numerator_order,
    pair_polish,
    seeded_rng,
    sizes_start,
    verify_state,
)
from harness.pack.comparisons import Spec, Target, Z

#: salt of the guided strategy's random streams (distinct from the annealing's)
_SALT = 31
#: reheated annealing rounds per restart (a restart ends earlier after two rounds without gain)
_ROUNDS = 10
#: starting temperature of each round (cool: the start already meets most targets)
_T0 = 0.3
#: patients below which the search explores more (more, shorter, warmer restarts)
SMALL = 100


# ------------------------------------------------------------------------- curves
def _knots(prob: Problem, j: int, sizes: list[int], hr: float) -> list[tuple[float, float]]:
    """(time, S) knots of group ``j`` from the printed median, its rates and pooled rates."""
    spec = prob.spec
    lab = spec.labels[j]
    pts: dict[float, float] = {}
    med = spec.target(f"median[{lab}]")
    if med is not None and med in prob.targets and math.isfinite(med.number.value):
        pts[float(med.number.value)] = 0.5
    own = {t.time: t for t in prob.targets if t.kind == "rate" and t.group == lab}
    for tt, t in own.items():
        pts[float(tt)] = _clip_s(t.number.value / 100.0)
    pooled = [t for t in prob.targets if t.kind == "rate" and t.group is None]
    for t in pooled:
        if t.time in own:
            continue
        h = _hazards(prob, hr)
        s0 = _solve_base(_clip_s(t.number.value / 100.0), sizes, h)
        pts[float(t.time)] = _clip_s(s0 ** h[j])
    knots = [(0.0, 1.0)]
    for tt in sorted(pts):
        s = pts[tt]
        if tt <= knots[-1][0] or s >= knots[-1][1]:
            continue  # keep the curve decreasing (the first knots win)
        knots.append((tt, s))
    if len(knots) == 1:  # nothing printed for this group: a 5-year median, in the pack's unit
        knots.append((60.0 * spec.per_month, 0.5))
    return knots


def _clip_s(s: float) -> float:
    return min(max(s, 0.005), 0.995)


def _hazards(prob: Problem, hr: float) -> list[float]:
    h = [1.0] * prob.spec.k
    if prob.numerator is not None and prob.spec.k == 2:
        h[prob.numerator] = hr
    return h


def _solve_base(target: float, sizes: list[int], h: list[float]) -> float:
    """``S_0`` with sum_j w_j S_0^h_j = target (bisection; the sum increases with S_0)."""
    w = np.array(sizes, float) / max(sum(sizes), 1)
    lo, hi = 1e-6, 1.0 - 1e-9
    for _ in range(60):
        mid = (lo + hi) / 2
        if float(np.sum(w * mid ** np.array(h))) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _inverse(knots: list[tuple[float, float]], s: float) -> float:
    """The time at which the piecewise-exponential curve through ``knots`` reaches ``s``."""
    if s <= 0.0:
        return math.inf
    for (t0, s0), (t1, s1) in zip(knots, knots[1:]):
        if s >= s1:
            h = (math.log(s0) - math.log(s1)) / (t1 - t0)
            return t0 + (math.log(s0) - math.log(s)) / h
    (t0, s0), (t1, s1) = knots[-2], knots[-1]
    h = (math.log(s0) - math.log(s1)) / (t1 - t0)
    return t1 + (math.log(s1) - math.log(s)) / h


def _survival(knots: list[tuple[float, float]], t: np.ndarray) -> np.ndarray:
    ts = np.array([k[0] for k in knots])
    ls = np.log(np.array([k[1] for k in knots]))
    slope = (ls[-1] - ls[-2]) / (ts[-1] - ts[-2])
    out = np.interp(t, ts, ls)
    beyond = t > ts[-1]
    out[beyond] = ls[-1] + slope * (t[beyond] - ts[-1])
    return np.exp(out)


# ------------------------------------------------------------------------- censoring
def _censor_window(theta: float, top: float) -> tuple[float, float]:
    """theta in [0, 1]: uniform on [0, theta top]; in [1, 2]: on [(theta - 1) top, top]."""
    if theta <= 1.0:
        return 0.0, max(theta, 0.02) * top
    return (theta - 1.0) * top, top


def _expected_deaths(curves, sizes, theta: float, top: float) -> float:
    lo, hi = _censor_window(theta, top)
    c = lo + (hi - lo) * (np.arange(200) + 0.5) / 200
    return float(sum(n * np.mean(1.0 - _survival(k, c)) for k, n in zip(curves, sizes)))


def _theta(prob: Problem, curves, sizes: list[int]) -> float:
    """The censoring window whose expected deaths give the variance the printed CI asks for."""
    top = prob.tmax * prob.grid
    lp = [t for t in prob.targets if t.kind in ("hr", "ci_lower", "ci_upper", "p")]
    n = sum(sizes)
    if prob.spec.k != 2 or not lp or prob.numerator is None:
        return 1.5
    centre = steer_point(lp, (0.0, 0.5), (Z / math.sqrt(n / 4.0), Z / math.sqrt(0.5)),
                         centre=True)
    if centre is None:
        return 1.5
    w0, w1 = sizes[0] / n, sizes[1] / n
    deaths = (Z / centre[1]) ** 2 / max(w0 * w1, 1e-9)
    lo, hi = 0.0, 2.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if _expected_deaths(curves, sizes, mid, top) < deaths:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# ------------------------------------------------------------------------- the walk
def _walk(knots, n: int, cens: list[float], med: float | None, rng: np.random.Generator,
          top: float) -> tuple[list[float], list[bool]]:
    """Times and events of one group whose KM estimate follows the curve through ``knots``."""
    times: list[float] = []
    events: list[bool] = []
    cens = sorted(cens)
    ci = 0
    r, s = n, 1.0
    crossing = -1
    last_event = 0.0
    while r > 0:
        te = _inverse(knots, s * (r - 1) / r) if r > 1 else math.inf
        if ci < len(cens) and cens[ci] < te or te > top:
            times.append(min(cens[ci], top)), events.append(False)
            ci += 1
        else:
            # the patient who dies is any of those still under follow-up
            k = int(rng.integers(ci, len(cens)))
            del cens[k]
            if crossing < 0 and s * (r - 1) / r <= 0.5 + 1e-12:
                crossing = len(times)
                if med is not None and last_event <= med <= te:
                    te = med  # the KM estimate crosses 0.5 at the printed median
            s *= (r - 1) / r
            times.append(te), events.append(True)
            last_event = te
        r -= 1
    return times, events


def guided_start(prob: Problem, sizes: list[int], rng: np.random.Generator,
                 stretch: float = 1.0) -> State:
    """The start of the guided strategy (module docstring, steps 1-3).

    ``stretch`` scales the number of deaths aimed at (restarts try a few values).

    R equivalent: none; the Kaplan-Meier estimate it aims at is ``survfit``'s.
    """
    spec = prob.spec
    hr_t = spec.target("hr")
    hr = hr_t.number.value if hr_t is not None and hr_t in prob.targets else 1.0
    hr = hr if hr > 0 and math.isfinite(hr) else 1.0
    curves = [_knots(prob, j, sizes, hr) for j in range(spec.k)]
    top = prob.tmax * prob.grid
    theta = min(max(_theta(prob, curves, sizes) * stretch, 0.0), 2.0)
    lo, hi = _censor_window(theta, top)
    ts, es, gs = [], [], []
    for j, n in enumerate(sizes):
        cens = (lo + (hi - lo) * (np.arange(n) + 0.5) / n).tolist()
        med = spec.target(f"median[{spec.labels[j]}]")
        m = med.number.value if med is not None and med in prob.targets else None
        m = m if m is not None and math.isfinite(m) else None
        t, e = _walk(curves[j], n, cens, m, rng, top)
        tg = np.clip(np.round(np.array(t) / prob.grid).astype(np.int64), 1, prob.tmax)
        eg = np.array(e, bool)
        if m is not None:
            _half_step_median(tg, eg, med, prob)
        ts.append(tg), es.append(eg), gs.append(np.full(n, j))
    return State(np.concatenate(ts), np.concatenate(es), np.concatenate(gs))


def _half_step_median(t: np.ndarray, e: np.ndarray, med: Target, prob: Problem) -> None:
    """Make a median printed between two grid points reachable (in place).

    Such a median (e.g. 52.5 days on a 1-day grid) is the mid-point of two event times with
    the Kaplan-Meier estimate exactly 0.5 on the flat between them (the rule of
    :func:`harness.core.quantiles.median`). The estimate is exactly 0.5 after ``m/2`` deaths
    when ``m`` (even) patients are at risk from the first death on and nobody is censored
    before the ``m/2``-th: so one patient (when ``n`` is odd) is censored before the first
    death, the other early censorings move after the ``m/2 + 1``-th death, and those two
    deaths go to the grid points either side of the median.
    """
    lo, hi = med.interval
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return
    g_lo, g_hi = math.ceil(lo / prob.grid - 1e-9), math.floor(hi / prob.grid + 1e-9)
    if g_lo <= g_hi:
        return  # a grid point lies in the printed interval: the walk's crossing is enough
    below, above = int(math.floor(med.number.value / prob.grid)), g_lo
    order = np.lexsort((~e, t))
    n = t.size
    m = n - n % 2
    if m < 2 or below < 2 or above >= prob.tmax or int(e.sum()) < m // 2 + 1:
        return
    odd = n % 2 == 1
    if odd:  # one censored before any death
        i0 = order[0]
        t[i0], e[i0] = 1, False
        order = order[1:]
    deaths = [int(i) for i in order if e[i]]
    cens = [int(i) for i in order if not e[i]]
    k = m // 2
    for i in deaths[:k - 1]:
        t[i] = min(max(int(t[i]), 2 if odd else 1), below)
    t[deaths[k - 1]] = below
    t[deaths[k]] = above
    for i in deaths[k + 1:]:
        t[i] = max(int(t[i]), above)
    for i in cens:  # nobody censored before the (k + 1)-th death
        t[i] = max(int(t[i]), above)


def _restore_half_step_medians(state: State, prob: Problem) -> State:
    """A copy of ``state`` with every printed half-step median (:func:`_half_step_median`)
    missed by its group rebuilt (the annealing's moves rarely keep an estimate of exactly
    0.5, so each round starts from it again)."""
    values = fast_values(state, prob)
    out = state.copy()
    for t in prob.targets:
        if t.kind != "median" or t.allows(values.get(t.key)):
            continue
        m = np.flatnonzero(out.g == prob.label_index[t.group])
        tg, eg = out.t[m].copy(), out.e[m].copy()
        _half_step_median(tg, eg, t, prob)
        out.t[m], out.e[m] = tg, eg
    return out


# ------------------------------------------------------------------------- the search
def guided_search(spec: Spec, keys: list[str] | None = None, *, restarts: int | None = None,
                  budget: Budget | None = None) -> SearchResult | None:
    """Find a set satisfying the targets named by ``keys`` from the guided start.

    Comparisons with fixed group sizes (no searched sizes, no PFS/OS coupling: those keep the
    annealing of :mod:`.search`); None when the strategy does not apply.

    Parameters
    ----------
    spec : Spec
        The comparison.
    keys : list of str, optional
        The targets to meet (default: all).
    restarts : int, optional
        Starts per HR direction (they aim at 1, 0.9, 1.1, 0.8 times the deaths the CI asks
        for); default 4, and below :data:`SMALL` patients 12 more, shorter and warmer (each
        printed rate there allows only a step or two of the Kaplan-Meier estimate, so the
        start matters less than exploring).
    budget : Budget, optional
        Stops the search when it runs out (the best set so far is returned, ``ok`` False).

    Returns
    -------
    SearchResult or None

    R equivalent: none (a search); every set it returns is confirmed by
    :func:`harness.ipd.recompute.recompute`, whose statistics agree with R ``survfit`` /
    ``survdiff`` (``harness/r/ipd.R``).
    """
    if any(g.n is None for g in spec.groups):
        return None
    targets: list[Target] = [t for t in spec.targets if keys is None or t.key in keys]
    sizes = sizes_start(spec, [(g.n, g.n) for g in spec.groups], None)
    n = sum(sizes)
    small = n < SMALL
    restarts = restarts if restarts is not None else 16 if small else 4
    iters = max(4000, 10 * n)
    best: SearchResult | None = None
    tried = 0
    lp = [t for t in targets if t.kind in ("hr", "ci_lower", "ci_upper", "p")]
    for num in numerator_order(spec):
        prob = Problem(spec, targets, num, int(round(spec.max_time / spec.grid)), spec.grid,
                       True, None, [(g.n, g.n) for g in spec.groups])
        prob.budget = budget or UNBOUNDED
        s_range = (Z / math.sqrt(n / 4.0), Z / math.sqrt(0.5))
        for r in range(restarts):
            if best is not None and prob.budget.expired():
                break
            rng = seeded_rng(spec, _SALT, r, 9 if num is None else num)
            start = guided_start(prob, sizes, rng, stretch=(1.0, 0.9, 1.1, 0.8)[r % 4])
            prob.center = None
            if spec.k == 2 and lp and num is not None:
                v0 = fast_values(start, prob)
                near = (v0.get("_x", 0.0), v0.get("_s", sum(s_range) / 2))
                prob.center = steer_point(lp, near, s_range, centre=r % 2 == 1)
            state, lval, stale = start, math.inf, 0
            t0, rounds = (1.0, 4) if small and r >= 4 else (_T0, _ROUNDS)
            for i in range(rounds):
                # reheated rounds from the best state so far: each repairs what is left
                if i and prob.budget.expired():
                    break
                before = lval
                if i:
                    state = _restore_half_step_medians(state, prob)
                state, lval, it = anneal(prob, rng, iters, state, t0=t0, t1=0.005)
                tried += it
                if 0.0 < lval < 1.0 and n <= 120:
                    state, lval, it = pair_polish(prob, state, lval)
                    tried += it
                stale = stale + 1 if lval >= before else 0
                if lval == 0.0 or stale >= 2:
                    break
            if lval == 0.0 and verify_state(state, prob):
                return SearchResult(True, state, 0.0, r, tried, num)
            if best is None or lval < best.loss:
                best = SearchResult(False, state, lval, r, tried, num)
    if best is not None:
        best.iterations = tried
    return best
