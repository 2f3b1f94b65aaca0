"""Constructive start, moves, annealing and polish: the seeded search for one comparison."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from harness.ipd.reconstruct.budget import UNBOUNDED, Budget
from harness.ipd.reconstruct.objective import (
    Problem,
    State,
    candidate_values,
    coupling_penalty,
    distance,
    fast_values,
    loss,
    unmatched,
)
from harness.ipd.reconstruct.screen import lp_rows, steer_point
from harness.pack.comparisons import Spec, Z


# ------------------------------------------------------------------------- construction
def seeded_rng(spec: Spec, *salt: int) -> np.random.Generator:
    """The random stream of a comparison: the pack's seed, a CRC of its id, ``salt``."""
    return np.random.default_rng([spec.seed, zlib.crc32(spec.id.encode()), *salt])


def initial_state(prob: Problem, sizes: list[int], rng: np.random.Generator) -> State:
    """Exponential event times at deterministic quantiles per group, uniform admin censoring.

    Without a printed median or rate a group starts with a 5-year median; times are in the
    pack's unit (``spec.per_month`` of them make a month).
    """
    spec = prob.spec
    per_month = spec.per_month
    ts, es, gs = [], [], []
    hr = spec.target("hr")
    for j, (g, n) in enumerate(zip(spec.groups, sizes)):
        med = spec.target(f"median[{g.label}]")
        rate = next((t for t in prob.targets if t.kind == "rate"
                     and (t.group in (None, g.label))), None)
        if med is not None:
            lam = math.log(2) / max(med.number.value, 0.5 * per_month)
        elif rate is not None:
            lam = -math.log(max(min(rate.number.value / 100, 0.99), 0.01)) / rate.time
        else:
            lam = math.log(2) / (60.0 * per_month)
        if hr is not None and med is None and prob.numerator == j:
            lam *= hr.number.value
        u = (np.arange(n) + 0.5) / n
        ev_t = -np.log1p(-u) / lam
        top = prob.tmax * prob.grid
        first = 6.0 * per_month  # administrative censoring from half a year on
        cens = first + (top - first) * rng.permutation((np.arange(n) + 0.5) / n)
        obs = np.minimum(ev_t, cens)
        t10 = np.clip(np.round(obs / prob.grid).astype(np.int64), 1, prob.tmax)
        ts.append(t10), es.append(ev_t <= cens), gs.append(np.full(n, j))
    return State(np.concatenate(ts), np.concatenate(es), np.concatenate(gs))


_STEPS = np.array([1, 2, 3, 5, 10, 20, 50, 100, 200])


def _propose(state: State, prob: Problem, rng: np.random.Generator):
    """Change the state in place; return an undo function (None when nothing changed)."""
    n = state.t.size
    u = rng.random()
    i = int(rng.integers(n))
    if u < 0.30 and prob.spec.k > 1:
        # swap the group labels of two records adjacent in time: the smallest change of O-E
        # and V that keeps every group's size
        order = np.argsort(state.t, kind="stable")
        r = int(rng.integers(n - 1))
        a, b = int(order[r]), int(order[r + 1 + int(rng.integers(min(3, n - r - 1)))])
        if state.g[a] == state.g[b]:
            return None
        state.g[a], state.g[b] = state.g[b], state.g[a]

        def undo():
            state.g[a], state.g[b] = state.g[b], state.g[a]
        return undo
    if u < 0.65:
        old = state.t[i]
        if u < 0.40:
            # next to another subject's event time (just before, at, just after): changes
            # one risk set at a time, the finest change of O-E and V
            evs = np.flatnonzero(state.e)
            if not evs.size:
                return None
            j = int(evs[rng.integers(evs.size)])
            new = min(max(int(state.t[j]) + int(rng.integers(-1, 2)), 1), prob.tmax)
        else:
            step = int(_STEPS[rng.integers(_STEPS.size)]) * (1 if rng.random() < 0.5 else -1)
            new = min(max(old + step, 1), prob.tmax)
        if new == old:
            return None
        state.t[i] = new

        def undo():
            state.t[i] = old
        return undo
    if u < 0.84:
        old = state.e[i]
        state.e[i] = not old

        def undo():
            state.e[i] = old
        return undo
    if u < 0.90:
        meds = [t for t in prob.targets if t.kind == "median"]
        if not meds:
            return None
        t = meds[int(rng.integers(len(meds)))]
        j = prob.spec.labels.index(t.group)
        idx = np.flatnonzero(state.g == j)
        if not idx.size:
            return None
        i = int(idx[rng.integers(idx.size)])
        old_t, old_e = state.t[i], state.e[i]
        state.t[i] = min(max(int(round(t.number.value / prob.grid)), 1), prob.tmax)
        state.e[i] = True

        def undo():
            state.t[i], state.e[i] = old_t, old_e
        return undo
    if not prob.fixed_groups and u < 0.97:
        old = int(state.g[i])
        new = int(rng.integers(prob.spec.k - 1))
        new = new + 1 if new >= old else new
        counts = np.bincount(state.g, minlength=prob.spec.k)
        counts[old] -= 1
        counts[new] += 1
        if any(not (lo <= c <= hi) for c, (lo, hi) in zip(counts, prob.n_bounds)):
            return None
        state.g[i] = new

        def undo():
            state.g[i] = old
        return undo
    # swap the times of two subjects (keeps each time's multiplicity)
    j = int(rng.integers(n))
    if j == i:
        return None
    a, b = (state.t[i], state.e[i]), (state.t[j], state.e[j])
    state.t[i], state.e[i] = b
    state.t[j], state.e[j] = a

    def undo():
        state.t[i], state.e[i] = a
        state.t[j], state.e[j] = b
    return undo


_POLISH_STEPS = (-30, -20, -10, -5, -3, -2, -1, 1, 2, 3, 5, 10, 20, 30)


def polish(prob: Problem, rng: np.random.Generator, state: State, cur: float,
           max_evals: int = 4000) -> tuple[State, float, int]:
    """First-improvement local search over every single-subject move (shift, toggle, switch)."""
    state = state.copy()
    evals = 0
    improved = True
    while improved and cur > 0.0 and evals < max_evals and not prob.budget.expired():
        improved = False
        if prob.spec.k > 1:
            order = np.argsort(state.t, kind="stable")
            for r in rng.permutation(state.t.size - 1):
                for step in (1, 2, 3):
                    if r + step >= state.t.size:
                        break
                    a, b = int(order[r]), int(order[r + step])
                    if state.g[a] == state.g[b]:
                        continue
                    state.g[a], state.g[b] = state.g[b], state.g[a]
                    val = loss(state, prob)
                    evals += 1
                    if val < cur:
                        cur = val
                        improved = True
                        break
                    state.g[a], state.g[b] = state.g[b], state.g[a]
                if improved or evals >= max_evals:
                    break
            if improved:
                continue
        for i in rng.permutation(state.t.size):
            i = int(i)
            moves = [("t", d) for d in _POLISH_STEPS] + [("e", None)]
            # just before / after each event time (each risk set the subject can join/leave)
            cur_t = int(state.t[i])
            for te in np.unique(state.t[state.e]).tolist():
                for d in (te - 1 - cur_t, te + 1 - cur_t):
                    if d != 0 and abs(d) > 30:
                        moves.append(("t", d))
            if not prob.fixed_groups:
                moves += [("g", j) for j in range(prob.spec.k) if j != state.g[i]]
            for kind, arg in moves:
                old = (state.t[i], state.e[i], state.g[i])
                if kind == "t":
                    new = min(max(int(old[0]) + arg, 1), prob.tmax)
                    if new == old[0]:
                        continue
                    state.t[i] = new
                elif kind == "e":
                    state.e[i] = not old[1]
                else:
                    counts = np.bincount(state.g, minlength=prob.spec.k)
                    counts[old[2]] -= 1
                    counts[arg] += 1
                    if any(not (lo <= c <= hi) for c, (lo, hi) in zip(counts, prob.n_bounds)):
                        continue
                    state.g[i] = arg
                val = loss(state, prob)
                evals += 1
                if val < cur:
                    cur = val
                    improved = True
                    break
                state.t[i], state.e[i], state.g[i] = old
            if cur == 0.0 or evals >= max_evals or prob.budget.expired():
                break
    return state, cur, evals


def pair_polish(prob: Problem, state: State, cur: float, top: int = 300,
                max_singles: int = 1500) -> tuple[State, float, int]:
    """Two simultaneous single-subject moves, chosen on a linearisation in (x, s).

    One subject crossing one event time moves ``x = ln HR`` by about ``1/(n V)``, far more
    than the width of the region several printed numbers leave (a few 1e-4), so single-move
    local search stalls next to it. Every single move that keeps the other targets (medians,
    rates, PFS <= OS) is evaluated once for its change of (x, s); pairs whose summed change
    lands in the region (predicted) are then evaluated exactly, best predicted first.
    """
    rows = lp_rows([t for t in prob.targets if t.kind in ("hr", "ci_lower", "ci_upper", "p")])
    base = fast_values(state, prob)
    if rows is None or prob.center is None or "_x" not in base:
        return state, cur, 0
    A, b, r_lo, r_hi = rows
    A = np.array(A, float).reshape(-1, 2)
    b = np.array(b, float)
    x0, s0 = base["_x"], base["_s"]
    others = [t for t in prob.targets if t.kind in ("median", "rate")]
    state = state.copy()
    evals = 0
    singles = []  # (subject, new t, new e, dx, ds)
    ev_times = np.unique(state.t[state.e]).tolist()
    for i in range(state.t.size):
        if prob.budget.expired():
            return state, cur, evals
        ti, ei = int(state.t[i]), bool(state.e[i])
        cands = {(min(max(ti + d, 1), prob.tmax), ei) for d in (-5, -3, -2, -1, 1, 2, 3, 5)}
        cands |= {(min(max(te + d, 1), prob.tmax), ei) for te in ev_times for d in (-1, 1)}
        cands.add((ti, not ei))
        cands.discard((ti, ei))
        for nt, ne in sorted(cands):
            state.t[i], state.e[i] = nt, ne
            v = fast_values(state, prob)
            evals += 1
            ok = "_x" in v and all(distance(t, v.get(t.key)) == 0.0 for t in others)
            if ok and prob.couple_with is not None:
                ok = coupling_penalty(state, prob) == 0.0
            if ok:
                singles.append((i, nt, ne, v["_x"] - x0, v["_s"] - s0))
            state.t[i], state.e[i] = ti, ei
    if len(singles) < 2:
        return state, cur, evals
    sg = np.array([(a[3], a[4]) for a in singles])
    cx, cs = prob.center
    if len(singles) > max_singles:  # keep the moves towards the centre
        keep = np.argsort(np.abs(sg[:, 0] - (cx - x0) / 2) + np.abs(sg[:, 1] - (cs - s0) / 2),
                          kind="stable")[:max_singles]
        singles = [singles[j] for j in sorted(keep)]
        sg = sg[np.sort(keep)]
    px = x0 + sg[:, 0][:, None] + sg[:, 0][None, :]
    ps = s0 + sg[:, 1][:, None] + sg[:, 1][None, :]
    viol = np.zeros(px.shape)
    for (a1, a2), bb in zip(A, b):
        viol += np.maximum(a1 * px + a2 * ps - bb, 0.0)
    ratio = np.abs(px) / np.maximum(ps, 1e-12)
    viol += np.maximum(r_lo - ratio, 0.0) * ps
    if math.isfinite(r_hi):
        viol += np.maximum(ratio - r_hi, 0.0) * ps
    subj = np.array([a[0] for a in singles])
    viol[subj[:, None] == subj[None, :]] = np.inf
    viol[np.tril_indices(len(singles))] = np.inf
    score = viol + 1e-3 * (np.abs(px - cx) + np.abs(ps - cs))
    flat = np.argsort(score, axis=None, kind="stable")[:top]
    for f in flat.tolist():
        ia, ib = divmod(f, len(singles))
        if not math.isfinite(score.flat[f]):
            break
        if prob.budget.expired():
            break
        a, bm = singles[ia], singles[ib]
        old = [(a[0], state.t[a[0]], state.e[a[0]]), (bm[0], state.t[bm[0]], state.e[bm[0]])]
        state.t[a[0]], state.e[a[0]] = a[1], a[2]
        state.t[bm[0]], state.e[bm[0]] = bm[1], bm[2]
        val = loss(state, prob)
        evals += 1
        if val < cur:
            return state, val, evals
        for i, t_, e_ in old:
            state.t[i], state.e[i] = t_, e_
    return state, cur, evals


@dataclass
class SearchResult:
    ok: bool
    state: State | None
    loss: float
    restarts: int
    iterations: int
    numerator: int | None


def anneal(prob: Problem, rng: np.random.Generator, iters: int, start: State,
           t0: float = 3.0, t1: float = 0.01) -> tuple[State, float, int]:
    """Simulated annealing from ``start`` (temperature t0 -> t1, geometric); stops at the
    first state with loss 0 and returns the best state seen."""
    state = start.copy()
    cur = loss(state, prob)
    best, best_loss = state.copy(), cur
    for it in range(iters):
        if cur == 0.0:
            return state, 0.0, it
        if not it & 255 and prob.budget.expired():
            return best, best_loss, it
        temp = t0 * (t1 / t0) ** (it / iters)
        undo = _propose(state, prob, rng)
        if undo is None:
            continue
        new = loss(state, prob)
        if new <= cur or rng.random() < math.exp(-(new - cur) / temp):
            cur = new
            if cur < best_loss:
                best, best_loss = state.copy(), cur
        else:
            undo()
    return best, best_loss, iters


def sizes_start(spec: Spec, bounds: list[tuple[int, int]], total: int | None) -> list[int]:
    """Starting group sizes: the printed ones, else mid-range (adding up to ``total``)."""
    if all(g.n is not None for g in spec.groups):
        return [g.n for g in spec.groups]
    sizes = []
    for g, (lo, hi) in zip(spec.groups, bounds):
        sizes.append(g.n if g.n is not None else (lo + hi) // 2)
    if total is not None and sum(sizes) != total:
        free = [i for i, g in enumerate(spec.groups) if g.n is None]
        sizes[free[-1]] = total - sum(sizes[i] for i in range(len(sizes)) if i != free[-1])
    return sizes


def numerator_order(spec: Spec) -> list[int | None]:
    """HR directions to try (group codes of the numerator), the medians' direction first."""
    if spec.k != 2 or spec.numerator is None:
        return [None]
    if spec.numerator != "auto":
        return [spec.labels.index(spec.numerator)]
    hr = spec.target("hr")
    meds = [spec.target(f"median[{lab}]") for lab in spec.labels]
    first = 0
    if hr is not None and all(meds) and meds[0].number.value != meds[1].number.value:
        shorter = 0 if meds[0].number.value < meds[1].number.value else 1
        first = shorter if hr.number.value > 1 else 1 - shorter
    return [first, 1 - first]


def search(spec: Spec, keys: list[str] | None = None, *, couple_with: State | None = None,
           fixed: State | None = None, iters: int = 6000, restarts: int = 3,
           salt: int = 0, verify: bool = True, budget: Budget | None = None) -> SearchResult:
    """Find a data set satisfying the targets named by ``keys`` (default: all).

    ``budget`` (:class:`~harness.ipd.reconstruct.budget.Budget`) stops the search when it runs
    out; the best set found so far is returned (``ok`` False unless it meets every target).
    """
    targets = [t for t in spec.targets if keys is None or t.key in keys]
    total = spec.cohort_n  # searched group sizes add up to the cohort's size
    bounds = [(g.n, g.n) if g.n is not None else g.n_range for g in spec.groups]
    fixed_groups = all(lo == hi for lo, hi in bounds) or fixed is not None
    tried = 0
    best: SearchResult | None = None
    for num in numerator_order(spec):
        lp = [t for t in targets if t.kind in ("hr", "ci_lower", "ci_upper", "p")]
        steer = spec.k == 2 and bool(lp) and num is not None
        prob = Problem(spec, targets, num, int(round(spec.max_time / spec.grid)), spec.grid,
                       fixed_groups, couple_with, bounds)
        prob.budget = budget or UNBOUNDED
        n_all = (int(fixed.t.size) if fixed is not None else
                 sum(lo for lo, _ in bounds) if all(lo == hi for lo, hi in bounds) else total)
        # attainable s = z/sqrt(V): V <= events/4 <= n/4, and V >= 0.5
        s_range = (Z / math.sqrt(n_all / 4.0), Z / math.sqrt(0.5))
        for r in range(restarts):
            if best is not None and prob.budget.expired():
                break
            rng = seeded_rng(spec, salt, r, 9 if num is None else num)
            if fixed is not None:
                sizes = [int(c) for c in np.bincount(fixed.g, minlength=spec.k)]
            else:
                sizes = sizes_start(spec, bounds, None if fixed_groups else total)
            start = initial_state(prob, sizes, rng)
            prob.center = None
            if steer:
                v0 = fast_values(start, prob)
                near = (v0.get("_x", 0.0), v0.get("_s", sum(s_range) / 2))
                prob.center = steer_point(lp, near, s_range, centre=r % 2 == 1)
            state, lval, it = anneal(prob, rng, iters, start)
            tried += it
            for _ in range(3):
                if not 0.0 < lval < 3.0 or prob.budget.expired():
                    break
                # close: local search over single moves, then a short low-temperature anneal
                before = lval
                state, lval, it = polish(prob, rng, state, lval)
                tried += it
                if 0.0 < lval < 1.0:
                    state, lval, it = pair_polish(prob, state, lval)
                    tried += it
                if lval > 0.0:
                    state, lval, it = anneal(prob, rng, iters // 3, state, t0=0.05, t1=0.02)
                    tried += it
                if lval >= before:  # stuck: another round would repeat this one
                    break
            if lval == 0.0 and (not verify or verify_state(state, prob)):
                return SearchResult(True, state, 0.0, r, tried, num)
            if best is None or lval < best.loss:
                best = SearchResult(False, state, lval, r, tried, num)
    best.iterations = tried
    return best


def verify_state(state: State, prob: Problem) -> bool:
    """Confirm a candidate with the public survival core (:mod:`harness.ipd.recompute`)."""
    values = candidate_values(state, prob.spec, prob.numerator)
    ok = all(t.allows(values.get(t.key)) for t in prob.targets)
    if prob.couple_with is not None:
        ok = ok and unmatched(state, prob.couple_with) == 0
    return ok


#: one random move of the search (public name: the feasible-range searches reuse it)
propose = _propose
