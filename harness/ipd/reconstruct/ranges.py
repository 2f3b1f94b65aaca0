"""Feasible ranges: how low and how high a statistic can go over the data sets that satisfy a
comparison's targeted printed numbers.

One constructed set says little about a number it was not built for (a held-out printed
number, or a statistic the paper does not print): another set satisfying the same targets may
give another value. For each such statistic this module computes

* a **searched range** ``[lo, hi]``: two directed searches (one pushing the statistic down,
  one up) from the comparison's written set (its CSV), with the reconstruction's moves
  (:func:`harness.ipd.reconstruct.search._propose`), accepting only candidates that keep every
  targeted printed number (the reconstruction's loss,
  :func:`harness.ipd.reconstruct.objective.loss`, not above the written set's) and a
  cooling acceptance of small steps the wrong way. Each end is recomputed with the public
  survival core and its targets re-checked (:func:`verified_values`), so every end is
  *attained* by a set satisfying the targets; the true range can only be wider (evidence,
  not proof, for values outside it);
* an **exact bound** where the statistic depends on the data only through what the exact
  screen bounds: the Mantel-Haenszel HR ``exp((O-E)/V)``, its CI bounds and the two-group
  log-rank p are functions of ``(x, s) = (ln HR, z/sqrt V)``, which the targeted HR/CI/p
  confine to a polygon (:func:`harness.ipd.reconstruct.screen.lp_rows`) with ``V <= n/4``;
  linear (and, for p, linear-fractional) programs give the proven range.

The searches are seeded from the pack's seed, the comparison id and the statistic, and run a
fixed number of iterations (:data:`ITERS`), so a rerun gives the same ranges; a per-comparison
wall-time cap (``seconds``) only stops a search early on a slow machine, and the range then
says ``truncated``.

R equivalent: none (a search); every reported value is a survival-core statistic that
harness/r/ipd.R reproduces for the same set.
"""

from __future__ import annotations

import math
import time as _time
import zlib
from pathlib import Path

import numpy as np
from scipy import stats
from scipy.optimize import linprog

from harness.core.km import KaplanMeier
from harness.core.rmst import rmst
from harness.ipd.io import (
    ComparisonOutcome,
    IPDSet,
    RangeRecord,
    format_time,
    range_hash,
    read_csv,
    read_outcomes,
    write_ranges,
)
from harness.ipd.recompute import recompute
from harness.ipd.reconstruct.objective import Problem, State, loss, unmatched
from harness.ipd.reconstruct.rangestats import parse_key, range_stats
from harness.ipd.reconstruct.screen import lp_rows
from harness.ipd.reconstruct.search import pair_polish, polish, propose
from harness.pack.comparisons import SLACK, Spec, Target, Z

#: iterations of each directed search of an unprinted statistic (per direction; a printed
#: number gets four times as many, and as many again for a set inside its rounding interval)
ITERS = 400
#: iterations of one ratchet step (a request for a value one step beyond the best so far)
CHUNK = 200
#: how many times more iterations a printed (held-out or dropped) number gets
PRINTED_FACTOR = 6
#: start and end temperature of a ratchet step (cost units: a missed target costs >= 0.2),
#: and the cooler one printed numbers alternate with (it stays near the targets)
TEMP = (0.5, 0.02)
TEMP_LOW = (0.05, 0.005)


def settings(iters: int = ITERS) -> dict:
    """The search's settings, stored with each comparison's ranges (part of their hash)."""
    return {"iters": int(iters), "chunk": CHUNK, "temperature": list(TEMP),
            "temperature_low": list(TEMP_LOW), "printed_factor": PRINTED_FACTOR}


#: default wall-time cap per comparison, seconds (a safety stop, see the module docstring)
SECONDS = 120.0
#: unprinted statistics of two groups with an HR direction, and of two or more groups
_HR_VARIANTS = ("hr_logrank", "hr_cox")
_P_VARIANTS = ("p_peto", "gbw_p")
#: kinds of printed numbers that are functions of (ln HR, z/sqrt V)
_LP_KINDS = ("hr", "ci_lower", "ci_upper", "p")
#: step scale of each statistic on its search scale (log HR, log10 p, percent, counts)
_SCALE = {"hr": 0.05, "ci_lower": 0.05, "ci_upper": 0.05, "hr_logrank": 0.05, "hr_cox": 0.05,
          "p": 0.1, "p_peto": 0.1, "gbw_p": 0.1, "rate": 1.0, "pooled_rate": 1.0,
          "pct_time_gt": 1.0, "count_censored_gt": 0.5}


def horizons(spec: Spec) -> list[float]:
    """1, 3 and 5 years in the pack's unit, those within the follow-up window."""
    years = [12.0 * spec.per_month * y for y in (1, 3, 5)]
    return [float(f"{t:.6g}") for t in years if t <= spec.max_time + 1e-9]


def rmst_tau(spec: Spec) -> float:
    """The RMST horizon: 5 years in the pack's unit, or the follow-up window if shorter."""
    return float(f"{min(60.0 * spec.per_month, spec.max_time):.6g}")


def range_keys(spec: Spec, outcome: ComparisonOutcome) -> list[tuple[str, str, Target | None]]:
    """(key, role, printed target or None) of every statistic given a range.

    Roles: ``held out`` (printed, never a target), ``dropped`` (printed, given up; only those
    of kind HR/CI/p) and ``unprinted`` (the HR and p variants, RMST and 1/3/5-year rates).
    """
    out: list[tuple[str, str, Target | None]] = [(t.key, "held out", t) for t in spec.heldout]
    targeted = set(outcome.targeted)
    taken = {t.key for t in spec.targets} | {t.key for t in spec.heldout}
    for t in spec.targets:
        if t.key not in targeted and t.kind in _LP_KINDS and spec.k == 2:
            out.append((t.key, "dropped", t))
    extra: list[str] = []
    if spec.k == 2 and outcome.numerator is not None:
        extra += list(_HR_VARIANTS)
    if spec.k >= 2:
        extra += list(_P_VARIANTS)
    tau = rmst_tau(spec)
    if spec.k == 1:
        extra += [f"rmst@{tau:g}"] + [f"rate@{t:g}" for t in horizons(spec)]
    else:
        for lab in spec.labels:
            extra += [f"rmst[{lab}]@{tau:g}"] + [f"rate[{lab}]@{t:g}" for t in horizons(spec)]
    out += [(k, "unprinted", None) for k in extra if k not in taken]
    return out


# ------------------------------------------------------------------------- exact bounds
def _lp_opt(c, A, b, bounds) -> float:
    """min c.v over A v <= b (inf: infeasible; -inf: unbounded)."""
    res = linprog(c, A_ub=np.array(A, float), b_ub=np.array(b, float), bounds=bounds,
                  method="highs")
    if res.status == 2:
        return math.inf
    if res.status == 3:
        return -math.inf
    return float(res.fun)


def exact_bound(key: str, targets: list[Target], n: int) -> tuple[float, float] | None:
    """The proven range of a Mantel-Haenszel HR, CI bound or two-group log-rank p over every
    ``(O-E, V)`` the targeted HR/CI/p allow with ``0 < V <= n/4`` (None: no such statistic,
    or no HR/CI/p is targeted)."""
    kind = parse_key(key)[0]
    lp = [t for t in targets if t.kind in _LP_KINDS]
    if kind not in _LP_KINDS or not lp:
        return None
    rows = lp_rows(lp)
    if rows is None:
        return None
    A, b, r_lo, r_hi = rows
    s_min = Z / math.sqrt(n / 4.0)
    lo, hi = math.inf, -math.inf
    for sign in (1, -1):
        if kind == "p":  # Charnes-Cooper: u = x/s, w = 1/s; optimise sign*u = |x|/s
            A2 = [[a1, -bb] for (a1, _), bb in zip(A, b)]
            b2 = [-a2 for (_, a2) in A]
            A2.append([-sign, 0.0]), b2.append(-r_lo + SLACK)
            if math.isfinite(r_hi):
                A2.append([sign, 0.0]), b2.append(r_hi + SLACK)
            box = [(None, None), (0.0, 1.0 / s_min)]
            rmin = _lp_opt([sign, 0.0], A2, b2, box)
            if not math.isfinite(rmin) and rmin > 0:
                continue  # this branch is empty
            rmax = -_lp_opt([-sign, 0.0], A2, b2, box)
            p_of = (lambda r: float(stats.chi2.sf((Z * r) ** 2, 1)) if math.isfinite(r)
                    else 0.0)
            lo, hi = min(lo, p_of(rmax)), max(hi, p_of(max(rmin, 0.0)))
            continue
        A2, b2 = [list(r) for r in A], list(b)
        A2.append([-sign, r_lo]), b2.append(SLACK)
        if math.isfinite(r_hi):
            A2.append([sign, -r_hi]), b2.append(SLACK)
        c = {"hr": [1.0, 0.0], "ci_lower": [1.0, -1.0], "ci_upper": [1.0, 1.0]}[kind]
        box = [(None, None), (s_min, None)]
        vmin = _lp_opt(c, A2, b2, box)
        if vmin == math.inf:
            continue
        vmax = -_lp_opt([-x for x in c], A2, b2, box)
        lo, hi = min(lo, math.exp(vmin) if vmin > -700 else 0.0), max(
            hi, math.exp(min(vmax, 700.0)))
    return None if lo > hi else (lo, hi)


# ------------------------------------------------------------------------- the sets
def to_state(data: IPDSet, spec: Spec) -> State:
    """A set read from its CSV as a search state (grid steps, events, group codes)."""
    codes = {lab: j for j, lab in enumerate(spec.labels)}
    return State(np.round(data.time / spec.grid).astype(np.int64), data.event.astype(bool),
                 np.array([codes[x] for x in data.group], dtype=np.int64))


def to_ipd(state: State, spec: Spec) -> IPDSet:
    """A state as the set its CSV would hold (times exactly as written and read back)."""
    times = np.array([float(format_time(int(t), spec.grid)) for t in state.t])
    return IPDSet(spec.id, np.arange(1, state.t.size + 1), times, state.e.astype(int),
                  np.array(spec.labels, dtype=object)[state.g])


def verified_values(state: State, spec: Spec, numerator: int | None, keys: list[str]
                    ) -> dict[str, float]:
    """Every statistic of ``keys`` (and every printed target) from the public survival core:
    :func:`harness.ipd.recompute.recompute`, Kaplan-Meier rates carried forward
    (``KaplanMeier.at(extend=True)``) and :func:`harness.core.rmst.rmst`."""
    data = to_ipd(state, spec)
    num = None if numerator is None else spec.labels[numerator]
    out = dict(recompute(data, spec, num, use_r=False).python)
    multi = spec.k > 1
    km = KaplanMeier().fit(data.time, data.event, data.group if multi else None)
    for key in keys:
        if key in out:
            continue
        stat, group, t = parse_key(key)
        if stat == "rate":
            at = km.at([t], extend=True)
            for lab, s in zip(at.group, at.survival):
                if not multi or lab == group:
                    out[key] = 100.0 * float(s)
        elif stat == "rmst":
            res = rmst(km, t)
            for lab, m in zip(res.group, res.rmst):
                if not multi or lab == group:
                    out[key] = float(m)
    return out


def _feasible(values: dict[str, float], state: State, prob: Problem) -> bool:
    ok = all(t.allows(values.get(t.key)) for t in prob.targets)
    if ok and prob.couple_with is not None:
        ok = unmatched(state, prob.couple_with) == 0
    return ok


def _transform(stat: str, v: float) -> float:
    if stat in ("hr", "ci_lower", "ci_upper", "hr_logrank", "hr_cox"):
        return math.log(v) if v > 0 else -1e3
    if stat in ("p", "p_peto", "gbw_p"):
        return math.log10(v) if v > 0 else -300.0
    return v


# ------------------------------------------------------------------------- directed search
def _scale(stat: str, spec: Spec) -> float:
    return _SCALE.get(stat, 0.01 * rmst_tau(spec))


def _gap(v: float | None, goal: tuple[float, float], scale: float) -> float:
    """0 inside ``goal``, else 0.2 plus the distance in units of ``scale`` (as the
    reconstruction's :func:`~harness.ipd.reconstruct.objective.distance`)."""
    if v is None or not math.isfinite(v):
        return 60.0
    lo, hi = goal
    if lo <= v <= hi:
        return 0.0
    return 0.2 + ((lo - v) if v < lo else (v - hi)) / scale


class _Drive:
    """Anneal a set towards values of one statistic in a goal interval while keeping every
    target: the reconstruction's loss plus the statistic's distance from the goal (on its
    search scale), with the reconstruction's moves."""

    def __init__(self, prob: Problem, key: str, base: float):
        self.prob, self.key, self.base = prob, key, base
        self.stat = parse_key(key)[0]
        self.scale = _scale(self.stat, prob.spec)
        self.args = (prob.spec.k, prob.spec.labels, prob.numerator, prob.spec.grid)

    def value(self, state: State) -> float | None:
        return range_stats(state, [self.key], *self.args).get(self.key)

    def parts(self, state: State, goal: tuple[float, float]) -> tuple[float, float]:
        """(how far the targets are missed beyond the start, distance from the goal)."""
        v = self.value(state)
        t = None if v is None or not math.isfinite(v) else _transform(self.stat, v)
        lo, hi = goal
        g = (-math.inf if lo == -math.inf else _transform(self.stat, lo),
             math.inf if hi == math.inf else _transform(self.stat, hi))
        return max(loss(state, self.prob) - self.base, 0.0), _gap(t, g, self.scale)

    def cost(self, state: State, goal: tuple[float, float]) -> float:
        return sum(self.parts(state, goal))

    def reach(self, start: State, goal: tuple[float, float], iters: int,
              rng: np.random.Generator, deadline: float, repair: bool = False,
              temp: tuple[float, float] = TEMP) -> tuple[State | None, int]:
        """A state with cost 0 (targets kept, value in ``goal``) or None; iterations used.

        With ``repair``, a failed walk's closest state with its value in the goal is handed to
        the reconstruction's local searches over single moves and pairs of moves
        (:func:`~harness.ipd.reconstruct.search.polish`,
        :func:`~harness.ipd.reconstruct.search.pair_polish`), which restore the targets.
        """
        state = start.copy()
        cur = self.cost(state, goal)
        near, near_over = None, 1.0
        for it in range(iters):
            if cur == 0.0:
                return state, it
            if (it & 63) == 0 and _time.perf_counter() > deadline:
                return None, it
            t_now = temp[0] * (temp[1] / temp[0]) ** (it / iters)
            undo = propose(state, self.prob, rng)
            if undo is None:
                continue
            over, gap = self.parts(state, goal)
            new = over + gap
            if new <= cur or rng.random() < math.exp(-(new - cur) / t_now):
                cur = new
                if repair and gap == 0.0 and over < near_over:
                    near, near_over = state.copy(), over
            else:
                undo()
        if cur == 0.0:
            return state, iters
        if near is not None:
            fixed, val, _ = polish(self.prob, rng, near, loss(near, self.prob), max_evals=600)
            if val > self.base:
                fixed, val, _ = pair_polish(self.prob, fixed, val)
            if self.cost(fixed, goal) == 0.0:
                return fixed, iters
        return None, iters


_LOGGED = ("hr", "ci_lower", "ci_upper", "hr_logrank", "hr_cox", "p", "p_peto", "gbw_p")


def _untransform(stat: str, t: float) -> float:
    if stat in _LOGGED[:5]:
        return math.exp(t)
    if stat in _LOGGED[5:]:
        return 10.0 ** t
    return t


def _extreme(drive: _Drive, start: State, v0: float, sign: int, iters: int,
             rng: np.random.Generator, deadline: float, chunk: int, repair: bool = False
             ) -> tuple[list[State], int]:
    """Ratchet the statistic down (``sign`` 1) or up (-1): ask for a value one step beyond
    the best so far, doubling the step after a success and halving it after a failure; an
    unprinted statistic stops once the step falls below an eighth of its scale, a printed
    number (``repair``, see :meth:`_Drive.reach`) keeps trying that step until its
    iterations are spent, alternating :data:`TEMP` and :data:`TEMP_LOW`."""
    stat = drive.stat
    best_state, best = start, _transform(stat, v0)
    step = 2.0 * drive.scale
    found: list[State] = []
    used = tries = 0
    while used < iters and (repair or step >= drive.scale / 8) and (
            _time.perf_counter() < deadline):
        edge = _untransform(stat, best - sign * step)
        goal = (-math.inf, edge) if sign > 0 else (edge, math.inf)
        temp = TEMP_LOW if repair and tries % 2 else TEMP
        tries += 1
        st, n = drive.reach(best_state, goal, min(chunk, iters - used), rng, deadline,
                            repair=repair, temp=temp)
        used += n
        v = None if st is None else drive.value(st)
        if v is not None and math.isfinite(v):
            best_state, best = st, _transform(stat, v)
            found.append(st)
            step *= 2.0
        else:
            step = max(step / 2.0, drive.scale / 8) if repair else step / 2.0
    return found[-4:], used


def _verify(states: list[State], prob: Problem, keys: list[str]) -> dict | None:
    """The values (every key) of the last state the survival core confirms as feasible."""
    for st in reversed(states):
        vals = verified_values(st, prob.spec, prob.numerator, keys)
        if _feasible(vals, st, prob):
            vals["_state"] = st
            return vals
    return None


def comparison_ranges(spec: Spec, data: IPDSet, outcome: ComparisonOutcome,
                      couple_with: State | None = None, iters: int = ITERS,
                      seconds: float = SECONDS) -> list[RangeRecord]:
    """Every range of one comparison, from its written set ``data`` (see the module doc).

    Each statistic is ratcheted down and up (``iters`` iterations per direction, four times
    that for a printed number, which also gets a search for a set inside its rounding
    interval); every set the survival core confirms joins a pool, and each range is the
    lowest and highest value over the pool. ``couple_with`` is the OS set of the same
    patients for a PFS comparison (kept fixed: the PFS ranges are over sets satisfying
    PFS <= OS with this OS set).
    """
    num = None if outcome.numerator is None else spec.labels.index(outcome.numerator)
    targets = [t for t in spec.targets if t.key in set(outcome.targeted)]
    bounds = [(g.n, g.n) if g.n is not None else g.n_range for g in spec.groups]
    fixed = all(lo == hi for lo, hi in bounds) or couple_with is not None
    prob = Problem(spec, targets, num, int(round(spec.max_time / spec.grid)), spec.grid,
                   fixed, couple_with, bounds)
    start = to_state(data, spec)
    keys = range_keys(spec, outcome)
    names = [k for k, _, _ in keys]
    first = _verify([start], prob, names)
    pool = [] if first is None else [first]
    base = loss(start, prob)
    deadline = _time.perf_counter() + seconds
    info: dict[str, tuple[int, bool]] = {}
    for key, _role, printed in keys if pool else []:
        v0 = first.get(key)
        if v0 is None or not math.isfinite(v0):
            continue
        drive = _Drive(prob, key, base)
        used = 0
        n_it = iters * (PRINTED_FACTOR if printed is not None else 1)
        for d, sign in enumerate((1, -1)):
            rng = np.random.default_rng(
                [spec.seed, zlib.crc32(spec.id.encode()), zlib.crc32(key.encode()), d])
            states, n = _extreme(drive, start, v0, sign, n_it, rng, deadline, CHUNK,
                                 repair=printed is not None)
            used += n
            got = _verify(states, prob, names) if states else None
            if got is not None:
                pool.append(got)
        if printed is not None and not any(printed.allows(p.get(key)) for p in pool):
            # a set inside the printed rounding interval, from the pool's closest set
            near = min(pool, key=lambda p: abs(p[key] - printed.number.value))
            rng = np.random.default_rng(
                [spec.seed, zlib.crc32(spec.id.encode()), zlib.crc32(key.encode()), 2])
            for temp in (TEMP, TEMP_LOW):
                st, n = drive.reach(near["_state"], printed.interval, n_it // 2, rng,
                                    deadline, repair=True, temp=temp)
                used += n
                got = None if st is None else _verify([st], prob, names)
                if got is not None:
                    pool.append(got)
                    break
        info[key] = (used, _time.perf_counter() > deadline)
    return [_record(key, role, printed, pool, first, info.get(key, (0, False)),
                    exact_bound(key, targets, data.n) if spec.k == 2 and num is not None
                    else None)
            for key, role, printed in keys]


def _record(key: str, role: str, printed: Target | None, pool: list[dict], first: dict | None,
            info: tuple[int, bool], bound: tuple[float, float] | None) -> RangeRecord:
    vals = [float(p[key]) for p in pool if p.get(key) is not None and math.isfinite(p[key])]
    v0 = None if first is None else first.get(key)
    return RangeRecord(
        key=key, role=role, case=printed.case if printed else "",
        printed=printed.text if printed else "",
        lo=min(vals) if vals else None, hi=max(vals) if vals else None,
        written=None if v0 is None or not math.isfinite(v0) else float(v0),
        bound_lo=None if bound is None else bound[0],
        bound_hi=None if bound is None or not math.isfinite(bound[1]) else bound[1],
        iterations=info[0], truncated=info[1],
        witness=None if printed is None else any(printed.allows(p.get(key)) for p in pool))


# ------------------------------------------------------------------------- driver
def pair_state(spec: Spec, specs: dict[str, Spec], folder: Path) -> State | None:
    if spec.pair_of is None:
        return None
    os_spec = specs[spec.pair_of]
    data = read_csv(folder / os_spec.file, os_spec.id, os_spec.columns)
    return None if data is None else to_state(data, os_spec)


def _job(args: tuple) -> tuple[str, str, list[RangeRecord], float]:
    pack_path, folder, cid, iters, seconds = args
    from harness.pack.cases import load_pack
    from harness.pack.comparisons import load_specs

    t0 = _time.perf_counter()
    specs = {s.id: s for s in load_specs(load_pack(pack_path))}
    spec = specs[cid]
    folder = Path(folder)
    outcome = read_outcomes(folder)[cid]
    path = folder / spec.file
    data = read_csv(path, cid, spec.columns)
    digest = range_hash(spec, outcome, path.read_bytes(), settings(iters))
    recs = comparison_ranges(spec, data, outcome, pair_state(spec, specs, folder),
                             iters=iters, seconds=seconds)
    return cid, digest, recs, _time.perf_counter() - t0


def ranges_pack(pack, folder: Path | None = None, only: list[str] | None = None,
                jobs: int = 1, iters: int = ITERS, seconds: float = SECONDS,
                force: bool = False) -> list[dict]:
    """Compute the ranges of a pack's comparisons and store them in ``ipd/ranges.json``.

    A comparison whose stored entry is current (same content hash: spec, printed values,
    outcome, CSV bytes, search settings) is skipped unless ``force``; one without a written
    set is left out. Returns one summary per comparison (id, status computed/current/no set,
    seconds, number of ranges).
    """
    from harness.errors import CaseFileError
    from harness.ipd.io import read_ranges
    from harness.pack.comparisons import COMPARISONS_FILE, load_specs
    from harness.progress import progress

    folder = Path(folder) if folder else pack.path / "ipd"
    specs = load_specs(pack)
    if only is not None:  # a comparison's file partner (OS/PFS of the same patients) too
        unknown = sorted(set(only) - {s.id for s in specs})
        if unknown:
            raise CaseFileError(str(pack.path / "ipd" / COMPARISONS_FILE), "",
                                f"no comparison {', '.join(unknown)}; known: "
                                f"{', '.join(sorted(s.id for s in specs))}")
        files = {s.file for s in specs if s.id in only}
        only = [s.id for s in specs if s.file in files]
    outcomes = read_outcomes(folder)
    stored = read_ranges(folder)
    todo, sums = [], []
    for spec in specs:
        if only is not None and spec.id not in only:
            continue
        path = folder / spec.file
        outcome = outcomes.get(spec.id)
        if outcome is None or not path.is_file() or not outcome.targeted or read_csv(
                path, spec.id, spec.columns) is None:
            sums.append({"id": spec.id, "status": "no set", "seconds": 0.0, "ranges": 0})
            continue
        digest = range_hash(spec, outcome, path.read_bytes(), settings(iters))
        entry = stored.get(spec.id)
        if not force and entry is not None and entry.hash == digest:
            sums.append({"id": spec.id, "status": "current", "seconds": 0.0,
                         "ranges": len(entry.ranges)})
            continue
        todo.append((str(pack.path), str(folder), spec.id, iters, seconds))
    if jobs > 1 and len(todo) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("spawn")) as ex:
            done = list(progress(ex.map(_job, todo), total=len(todo), desc="ranges",
                                 unit="comparison"))
    else:
        done = [_job(a) for a in progress(todo, total=len(todo), desc="ranges",
                                          unit="comparison")]
    entries = {}
    for cid, digest, recs, secs in done:
        entries[cid] = (digest, settings(iters), recs)
        sums.append({"id": cid, "status": "computed", "seconds": round(secs, 2),
                     "ranges": len(recs), "truncated": sum(r.truncated for r in recs)})
    write_ranges(folder, entries, [s.id for s in specs])
    order = {s.id: i for i, s in enumerate(specs)}
    return sorted(sums, key=lambda s: order[s["id"]])
