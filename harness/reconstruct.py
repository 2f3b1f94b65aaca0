"""Pseudo individual patient data (IPD) that satisfy a paper's printed survival numbers.

For each comparison a paper reports (``cases/<pack>/ipd/comparisons.toml``) this module builds
a deterministic data set (time in months on a 0.1-month grid, event, group) whose Kaplan-Meier
medians (Prism's rule), 3-/5-year rates, Mantel-Haenszel HR and CI (GraphPad Prism:
``exp((O-E)/V)``, ``exp((O-E)/V +/- z/sqrt(V))``) and log-rank p round to the printed values,
within the study's follow-up window. It is *not* the patients' data: it is evidence that the
printed numbers can hold together (or, when no set is found, that they cannot).

How
---
1. **Exact screen** of the numbers that depend on the data only through ``O-E`` and ``V``
   (HR, CI bounds, two-group log-rank p). With ``x = ln HR = (O-E)/V`` and ``s = z/sqrt(V)``
   they are linear constraints on ``(x, s)`` (the p gives ``r_lo s <= |x| <= r_hi s``), so a
   linear program decides exactly whether *any* ``(O-E, V)`` fits; every subset is tried, and
   the minimal infeasible ones are named. This part is a proof (under Prism's convention).
2. **Constructive start**: per group, exponential event times at deterministic quantiles
   with the printed median's rate, administrative censoring spread over the window.
3. **Seeded simulated annealing** over event/censoring times on the grid (moves: shift a time,
   put a time next to another subject's event time, toggle an event, snap a time onto a
   printed median, swap the groups of two subjects adjacent in time, move a subject between
   groups when the group size is searched over), minimising the summed distance of each
   statistic from its printed rounding interval plus, while any fails, the distance of
   ``(x, s) = (ln HR, z/sqrt V)`` from a steering point inside the region the exact screen
   allows (restarts alternate the point of that region nearest to the start and its
   Chebyshev centre, both within the attainable ``V <= n/4``). The statistics are computed by
   :func:`fast_values`, a vectorised form of the survival core (log-rank O, E, V as
   :func:`harness.logrank.survdiff`, the Kaplan-Meier curve of :mod:`harness.km`, Prism's
   median rule as :mod:`harness.quantiles`). A near miss is closed by local search over
   single moves and then over *pairs* of moves chosen on a linearisation in ``(x, s)``
   (:func:`pair_polish`: one subject crossing one event time moves ``ln HR`` by more than
   the width of the region three printed numbers leave). A set is accepted only when
   :func:`harness.ipd.recompute` (the public core API) confirms every constraint.
4. When the screen proves a conflict the verdict is ``inconsistent`` and the minimal
   conflicting printed numbers are named. When only the search fails, a **deletion filter**
   names a minimal set of printed numbers the search could not satisfy together, and the
   verdict is ``unresolved``: a stochastic search that fails is evidence, not proof, that no
   set exists.
   The set written then satisfies the constraints left after dropping the comparison's
   ``relax`` keys (documented in its header).

PFS and OS of the same patients (Table 3) share groups and ids, and PFS <= OS per patient
(a PFS-censored patient is OS-censored no earlier); the OS set is built first.

Everything is seeded from the pack's seed and a CRC of the comparison id, so
``harness reconstruct`` rewrites the CSVs byte for byte.
"""

from __future__ import annotations

import bisect
import itertools
import math
import time as _time
import tomllib
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats
from scipy.optimize import linprog
from scipy.special import chdtrc as _chdtrc

from harness import printed, schema
from harness.cases import Case, Pack
from harness.errors import CaseFileError
from harness.quantiles import TOL as _QTOL

Z = float(stats.norm.ppf(0.975))
SLACK = 1e-12
COMPARISONS_FILE = "comparisons.toml"
#: constraint keys a comparison can have, in the order the deletion filter tries them
_KEY_ORDER = ("hr", "ci_lower", "ci_upper", "p")


# ----------------------------------------------------------------------------------- spec
@dataclass(frozen=True)
class Target:
    """One printed number used (or held out) for a comparison.

    ``key`` is the constraint's name inside its comparison: ``median[G]``, ``hr``,
    ``ci_lower``, ``ci_upper``, ``p``, ``rate[G]@36`` / ``rate@36``, or for held-out numbers
    ``gbw_p``, ``pooled_rate@36``, ``pct_time_gt@60``, ``count_censored_gt@60``.
    """

    key: str
    kind: str
    case: str
    text: str
    number: printed.Number
    group: str | None = None
    time: float | None = None
    printed_as: str = ""  # the original print when ``text`` is a reading of a garble

    @property
    def interval(self) -> tuple[float, float]:
        lo, hi = self.number.lo, self.number.hi
        if self.kind in ("p", "gbw_p"):
            lo = max(lo, 0.0)
        return lo, hi

    def allows(self, x: float) -> bool:
        """Whether a recomputed value rounds to the printed number (percent for rates)."""
        if x is None or not math.isfinite(x):
            return False
        return self.number.allows(x)

    def label(self) -> str:
        return f"{self.case} = {self.text}" + (f" (printed {self.printed_as!r})"
                                               if self.printed_as else "")


@dataclass(frozen=True)
class GroupSpec:
    label: str
    n: int | None
    n_range: tuple[int, int] | None
    n_source: str


@dataclass(frozen=True)
class Spec:
    """A comparison to rebuild, with its printed targets resolved from the case pack."""

    id: str
    title: str
    file: str
    endpoint: str
    origin: str
    groups: tuple[GroupSpec, ...]
    numerator: str | None
    targets: tuple[Target, ...]
    heldout: tuple[Target, ...]
    relax: tuple[str, ...]
    pair_of: str | None
    columns: tuple[str, str]
    seed: int
    max_months: float
    grid: float
    notes: tuple[str, ...] = ()

    @property
    def labels(self) -> list[str]:
        return [g.label for g in self.groups]

    @property
    def k(self) -> int:
        return len(self.groups)

    def target(self, key: str) -> Target | None:
        return next((t for t in self.targets if t.key == key), None)

    @property
    def total_n(self) -> int:
        fixed = [g.n for g in self.groups if g.n is not None]
        if len(fixed) == self.k:
            return sum(fixed)
        raise ValueError(f"{self.id}: total size needs every group's n")


def _case_map(pack: Pack) -> dict[str, Case]:
    return {f"{Path(c.file).stem}::{c.id}": c for c in pack.cases}


def load_specs(pack: Pack, path: Path | None = None) -> list[Spec]:
    """Read ``ipd/comparisons.toml`` of a pack and resolve every case id it names.

    Raises
    ------
    CaseFileError
        The file is missing or malformed, or names a case the pack does not have.
    """
    file = path or (pack.path / "ipd" / COMPARISONS_FILE)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CaseFileError(str(file), "", f"cannot be read: {exc}") from None
    schema.validate(data, schema.COMPARISONS_SCHEMA, str(file))
    cases = _case_map(pack)
    d = data.get("defaults", {})
    out: list[Spec] = []
    specs_raw = data.get("comparison", [])
    by_id = {c["id"]: c for c in specs_raw}
    for i, raw in enumerate(specs_raw):
        out.append(_spec(raw, i, d, cases, str(file), by_id))
    return out


def _get_case(cases: dict[str, Case], cid: str, file: str, key: str) -> Case:
    if cid not in cases:
        raise CaseFileError(file, key, f"names case {cid!r}, which the pack does not have")
    return cases[cid]


def _spec(raw: dict, i: int, d: dict, cases: dict[str, Case], file: str,
          by_id: dict[str, dict]) -> Spec:
    where = f"comparison[{i}] (id {raw.get('id')!r})"
    pair = raw.get("pair_of")
    if pair is not None and pair not in by_id:
        raise CaseFileError(file, f"{where}.pair_of", f"no comparison {pair!r} in this file")
    groups = []
    for gi, g in enumerate(raw["groups"]):
        n = g.get("n")
        if pair and n is None and g.get("n_range") is None:
            src = next(x for x in by_id[pair]["groups"] if x["label"] == g["label"])
            n, g = src.get("n"), {**g, "n_range": src.get("n_range"),
                                  "n_source": src.get("n_source", "")}
        if isinstance(n, str):
            n = int(_get_case(cases, n, file, f"{where}.groups[{gi}].n").value.value)
        elif isinstance(n, list):
            n = sum(int(_get_case(cases, c, file, f"{where}.groups[{gi}].n").value.value)
                    for c in n)
        rng = tuple(g["n_range"]) if g.get("n_range") else None
        groups.append(GroupSpec(g["label"], n, rng, g.get("n_source", "")))
    # a group whose size is "the rest" of a searched split: give it the complementary range
    fixed_total = None
    if any(g.n is None for g in groups):
        totals = {"imaging diagnosis of pulmonary metastases": 64,
                  "date of (first) pulmonary metastasectomy": 44}
        fixed_total = totals.get(raw.get("origin", ""), None)
        if fixed_total is None:
            raise CaseFileError(file, f"{where}.groups", "searched sizes need a known total")
    targets: list[Target] = []
    read = raw.get("read", {})
    notes = []
    for gi, g in enumerate(raw["groups"]):
        if g.get("median"):
            c = _get_case(cases, g["median"], file, f"{where}.groups[{gi}].median")
            targets.append(Target(f"median[{g['label']}]", "median", g["median"], c.published,
                                  c.value, g["label"]))
    if raw.get("hr"):
        c = _get_case(cases, raw["hr"], file, f"{where}.hr")
        targets.append(Target("hr", "hr", raw["hr"], c.published, c.value))
    if raw.get("ci"):
        c = _get_case(cases, raw["ci"], file, f"{where}.ci")
        text = read.get("ci", c.published)
        iv = printed.parse_interval(text)
        orig = c.published if "ci" in read else ""
        if orig:
            notes.append(f"read: {raw['ci']} printed {orig!r}, targeted as {text!r} ({c.note})")
        targets.append(Target("ci_lower", "ci_lower", raw["ci"], iv.lower.text, iv.lower,
                              printed_as=orig))
        targets.append(Target("ci_upper", "ci_upper", raw["ci"], iv.upper.text, iv.upper,
                              printed_as=orig))
    if raw.get("p"):
        c = _get_case(cases, raw["p"], file, f"{where}.p")
        targets.append(Target("p", "p", raw["p"], c.published, c.value))
    for ri, r in enumerate(raw.get("rates", [])):
        c = _get_case(cases, r["case"], file, f"{where}.rates[{ri}]")
        key = f"rate[{r['group']}]@{r['time']:g}" if r.get("group") else f"rate@{r['time']:g}"
        targets.append(Target(key, "rate", r["case"], c.published, c.value, r.get("group"),
                              float(r["time"])))
    heldout = []
    for hi, h in enumerate(raw.get("heldout", [])):
        c = _get_case(cases, h["case"], file, f"{where}.heldout[{hi}]")
        key = h["stat"] + (f"@{h['time']:g}" if h.get("time") is not None else "")
        value = c.value if isinstance(c.value, printed.Number) else None
        if value is None:
            raise CaseFileError(file, f"{where}.heldout[{hi}]", "needs a printed number")
        heldout.append(Target(key, h["stat"], h["case"], c.published, value, None,
                              float(h["time"]) if h.get("time") is not None else None))
    numerator = raw.get("numerator")
    if raw.get("hr") and numerator is None:
        raise CaseFileError(file, f"{where}.numerator", "an HR needs its numerator group")
    labels = [g.label for g in groups]
    if numerator is not None and numerator != "auto" and numerator not in labels:
        raise CaseFileError(file, f"{where}.numerator",
                            f"{numerator!r} is not a group label ({', '.join(labels)}) or 'auto'")
    for ri, r in enumerate(raw.get("rates", [])):
        if r.get("group") is not None and r["group"] not in labels:
            raise CaseFileError(file, f"{where}.rates[{ri}].group",
                                f"{r['group']!r} is not a group label ({', '.join(labels)})")
    if fixed_total is not None:
        known = sum(g.n for g in groups if g.n is not None)
        rest = [g for g in groups if g.n is None and g.n_range is None]
        ranged = [g for g in groups if g.n_range is not None]
        if len(rest) == 1 and len(ranged) == 1:
            lo, hi = ranged[0].n_range
            left = fixed_total - known
            groups = [replace(g, n_range=(left - hi, left - lo)) if g is rest[0] else g
                      for g in groups]
    return Spec(
        id=raw["id"], title=raw.get("title", raw["id"]), file=raw["file"],
        endpoint=raw.get("endpoint", ""), origin=raw.get("origin", ""),
        groups=tuple(groups), numerator=numerator, targets=tuple(targets),
        heldout=tuple(heldout), relax=tuple(raw.get("relax", ())), pair_of=pair,
        columns=tuple(raw.get("columns", ("months", "event"))),
        seed=int(d.get("seed", 0)), max_months=float(d.get("max_months", 204.0)),
        grid=float(d.get("grid_months", 0.1)), notes=tuple(notes),
    )


# ------------------------------------------------------------------------- exact screen
def _lp_feasible(targets: list[Target]) -> bool:
    """Is there (x = ln HR, s = z/sqrt V > 0) satisfying these HR/CI/p targets exactly?"""
    return _lp(targets) is not None


def _lp_rows(targets: list[Target]):
    """Rows ``A [x, s] <= b`` of the HR/CI targets and the p's ratio bounds ``r_lo, r_hi``
    (``r_lo s <= |x| <= r_hi s``); None when a target's interval is not positive."""
    A, b = [], []

    def between(row, lo, hi):
        if lo is not None and math.isfinite(lo):
            A.append([-c for c in row]), b.append(-lo + SLACK)
        if hi is not None and math.isfinite(hi):
            A.append(list(row)), b.append(hi + SLACK)

    def log(v):
        return math.log(v) if v > 0 else -math.inf

    r_lo, r_hi = 0.0, math.inf
    for t in targets:
        lo, hi = t.number.lo, t.number.hi
        if t.kind == "hr":
            if hi <= 0:
                return None
            between((1, 0), log(lo), log(hi))
        elif t.kind == "ci_lower":
            if hi <= 0:
                return None
            between((1, -1), log(lo), log(hi))
        elif t.kind == "ci_upper":
            if hi <= 0:
                return None
            between((1, 1), log(lo), log(hi))
        elif t.kind == "p":
            plo, phi = max(lo, 0.0), min(hi, 1.0)
            chi_hi = stats.chi2.isf(plo, 1) if plo > 0 else math.inf
            chi_lo = stats.chi2.isf(phi, 1) if phi < 1 else 0.0
            r_lo, r_hi = math.sqrt(chi_lo) / Z, math.sqrt(chi_hi) / Z
    return A, b, r_lo, r_hi


def _lp(targets: list[Target]) -> tuple[float, float] | None:
    """The Chebyshev centre (x, s) of the region the HR/CI/p targets allow; None if empty."""
    rows = _lp_rows(targets)
    if rows is None:
        return False
    A, b, r_lo, r_hi = rows
    best = None
    for sign in (1, -1):
        A2, b2 = [list(r) for r in A], list(b)
        # sign*x >= r_lo s  ->  -sign*x + r_lo s <= 0 ;  sign*x <= r_hi s
        A2.append([-sign, r_lo]), b2.append(SLACK)
        if math.isfinite(r_hi):
            A2.append([sign, -r_hi]), b2.append(SLACK)
        res = linprog([0, 0], A_ub=np.array(A2, float), b_ub=np.array(b2, float),
                      bounds=[(-50, 50), (1e-9, 50)], method="highs")
        if res.status != 0:
            continue
        # Chebyshev centre: maximise the margin r of every constraint (a.v + r |a| <= b)
        Am = np.array(A2, float)
        norms = np.linalg.norm(Am, axis=1, keepdims=True)
        c = linprog([0, 0, -1], A_ub=np.hstack([Am, norms]), b_ub=np.array(b2, float),
                    bounds=[(-50, 50), (1e-9, 50), (0, 10)], method="highs")
        point = (float(c.x[0]), float(c.x[1]), float(c.x[2])) if c.status == 0 else (
            float(res.x[0]), float(res.x[1]), 0.0)
        if best is None or point[2] > best[2]:
            best = point
    return None if best is None else (best[0], best[1])


def _steer_point(targets: list[Target], near: tuple[float, float],
                 s_range: tuple[float, float], centre: bool = False
                 ) -> tuple[float, float] | None:
    """The point (x, s) the search steers towards: inside the region the HR/CI/p targets
    allow (with half its largest margin), restricted to attainable ``s = z/sqrt V``, and the
    nearest such point (L1) to ``near`` (the start's (x, s)); None if the region is empty.

    Unlike the Chebyshev centre of :func:`_lp` this stays put when a constraint set leaves a
    direction free (one CI bound alone is a strip): it only moves the start as far as needed.
    With ``centre`` it is the Chebyshev centre within the attainable ``s`` (restarts
    alternate the two).
    """
    rows = _lp_rows(targets)
    if rows is None:
        return None
    A, b, r_lo, r_hi = rows
    best = None
    for lo_s, hi_s in (s_range, (1e-9, 50.0)):
        for sign in (1, -1):
            A2, b2 = [list(r) for r in A], list(b)
            A2.append([-sign, r_lo]), b2.append(SLACK)
            if math.isfinite(r_hi):
                A2.append([sign, -r_hi]), b2.append(SLACK)
            if not A2:
                continue
            Am, bm = np.array(A2, float), np.array(b2, float)
            norms = np.linalg.norm(Am, axis=1, keepdims=True)
            box = [(-8.0, 8.0), (lo_s, hi_s)]
            c = linprog([0, 0, -1], A_ub=np.hstack([Am, norms]), b_ub=bm,
                        bounds=box + [(0, 1.0)], method="highs")
            if c.status != 0:
                continue
            if centre:  # the Chebyshev centre itself (the most margin to every target)
                cand = (-float(c.x[2]), float(c.x[0]), float(c.x[1]))
                if best is None or cand[0] < best[0]:
                    best = cand
                continue
            r = min(float(c.x[2]) / 2, 0.05)
            # min |x - x0| + |s - s0| over the region shrunk by r
            x0, s0 = near
            A3 = np.hstack([Am, np.zeros((len(A2), 2))])
            b3 = bm - r * norms[:, 0]
            A3 = np.vstack([A3, [[1, 0, -1, 0], [-1, 0, -1, 0], [0, 1, 0, -1], [0, -1, 0, -1]]])
            b3 = np.concatenate([b3, [x0, -x0, s0, -s0]])
            d = linprog([0, 0, 1, 1], A_ub=A3, b_ub=b3, bounds=box + [(0, None), (0, None)],
                        method="highs")
            if d.status != 0:
                continue
            cand = (float(d.fun), float(d.x[0]), float(d.x[1]))
            if best is None or cand[0] < best[0]:
                best = cand
        if best is not None:
            break
    return None if best is None else (best[1], best[2])


def exact_conflicts(spec: Spec) -> list[tuple[str, ...]]:
    """Minimal subsets of the HR/CI/p targets that no ``(O-E, V)`` satisfies (exact)."""
    if spec.k != 2:
        return []
    keys = [k for k in _KEY_ORDER if spec.target(k) is not None]
    bad: list[tuple[str, ...]] = []
    for size in range(1, len(keys) + 1):
        for sub in itertools.combinations(keys, size):
            if any(set(b) <= set(sub) for b in bad):
                continue
            if not _lp_feasible([spec.target(k) for k in sub]):
                bad.append(sub)
    return bad


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

    def __post_init__(self) -> None:
        kinds = {t.kind for t in self.targets}
        self.need_lr = bool(kinds & {"hr", "ci_lower", "ci_upper", "p"})
        self.need_km = bool(kinds & {"median", "rate"})
        self.label_index = {lab: j for j, lab in enumerate(self.spec.labels)}


def fast_values(state: State, prob: Problem) -> dict[str, float]:
    """The comparison's statistics, vectorised for the search (no validation).

    Counts per (group, grid time) come from one ``bincount``; the log-rank O, E and V, the
    Kaplan-Meier curves at the event times, Prism's median rule (R survival's ``findq``, as
    :func:`harness.quantiles._findq`) and the rates are then computed on the <= n event times.
    Every accepted set is confirmed by :func:`harness.ipd.recompute`, so this only has to
    guide the search; it agrees with the survival core to rounding.
    """
    spec = prob.spec
    k = spec.k
    out: dict[str, float] = {}
    ut, inv = np.unique(state.t, return_inverse=True)
    tm = ut.size
    flat = state.g * tm + inv
    cnt = np.bincount(flat, minlength=k * tm).reshape(k, tm)
    dead = np.bincount(flat, weights=state.e, minlength=k * tm).reshape(k, tm)
    d_t = dead.sum(axis=0)
    ev = np.flatnonzero(d_t)
    if ev.size == 0:
        return out
    # at risk at each event time: subjects with time >= it
    risk_all = np.cumsum(cnt[:, ::-1], axis=1)[:, ::-1]
    nj = risk_all[:, ev].astype(float)       # (k, m)
    dj = dead[:, ev]                         # (k, m)
    n = nj.sum(axis=0)
    d = d_t[ev]
    need_lr = prob.need_lr and k >= 2
    if need_lr:
        sizes = cnt.sum(axis=1)
        if np.any(sizes == 0):
            return {}
        p = nj / n
        obs = dj.sum(axis=1)
        exp = (p * d).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
        if k == 2:
            v = float((c * p[0] * p[1]).sum())
            u = float(obs[1] - exp[1])
            keep = exp > 0
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
        else:
            var = np.diag((c * p).sum(axis=1)) - (p * c) @ p.T
            keep = exp > 0
            df = int(keep.sum()) - 1
            if df > 0:
                uu = (obs - exp)[keep][1:]
                vv = var[np.ix_(keep, keep)][1:, 1:]
                try:
                    chisq = float(uu @ np.linalg.solve(vv, uu))
                except np.linalg.LinAlgError:
                    chisq = float(uu @ np.linalg.pinv(vv) @ uu)
                out["p"] = float(_chdtrc(df, chisq))
    if not prob.need_km:
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        fac = np.where(nj > 0, (nj - dj) / nj, 1.0)
    surv = np.cumprod(fac, axis=1)            # S_j at every event time
    ev_months = ut[ev] * prob.grid
    last: dict[int, int] = {}

    def last_time(j: int) -> int:
        if j not in last:
            nz = np.flatnonzero(cnt[j]) if j >= 0 else np.flatnonzero(cnt.sum(axis=0))
            last[j] = int(ut[nz[-1]]) if nz.size else -1
        return last[j]

    for t in prob.targets:
        if t.kind == "median":
            j = prob.label_index[t.group]
            mine = dj[j] > 0
            y = 1.0 - surv[j][mine]
            x = ev_months[mine]
            if y.size == 0 or y[-1] < 0.5:
                out[t.key] = math.nan
                continue
            a = int(np.argmax(y >= 0.5 - _QTOL))
            hit = np.flatnonzero(y >= 0.5 + _QTOL)
            if abs(y[-1] - 0.5) < _QTOL:
                out[t.key] = (x[a] + last_time(j) * prob.grid) / 2
            elif hit.size:
                out[t.key] = (x[a] + x[hit[0]]) / 2
            else:
                out[t.key] = math.nan
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
            idx = int(np.searchsorted(ev_months, t.time, side="right"))
            out[t.key] = 100.0 * (1.0 if idx == 0 else float(s_row[idx - 1]))
    return out


def _distance(t: Target, x: float | None, interval: tuple[float, float] | None = None
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


def _coupling_penalty(state: State, prob: Problem) -> float:
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
    total = sum(_distance(t, vals.get(t.key), iv) for t, iv in zip(prob.targets, ivs))
    total += _coupling_penalty(state, prob)
    if total > 0.0 and prob.center is not None and "hr" in vals:
        x = math.log(vals["hr"])
        s = math.log(vals["ci_upper"]) - x
        total += 50.0 * (abs(x - prob.center[0]) + abs(s - prob.center[1]))
    return total


# ------------------------------------------------------------------------- construction
def _rng(spec: Spec, *salt: int) -> np.random.Generator:
    return np.random.default_rng([spec.seed, zlib.crc32(spec.id.encode()), *salt])


def initial_state(prob: Problem, sizes: list[int], rng: np.random.Generator) -> State:
    """Exponential event times at deterministic quantiles per group, uniform admin censoring."""
    spec = prob.spec
    ts, es, gs = [], [], []
    hr = spec.target("hr")
    for j, (g, n) in enumerate(zip(spec.groups, sizes)):
        med = spec.target(f"median[{g.label}]")
        rate = next((t for t in prob.targets if t.kind == "rate"
                     and (t.group in (None, g.label))), None)
        if med is not None:
            lam = math.log(2) / max(med.number.value, 0.5)
        elif rate is not None:
            lam = -math.log(max(min(rate.number.value / 100, 0.99), 0.01)) / rate.time
        else:
            lam = math.log(2) / 60.0
        if hr is not None and med is None and prob.numerator == j:
            lam *= hr.number.value
        u = (np.arange(n) + 0.5) / n
        ev_t = -np.log1p(-u) / lam
        top = prob.tmax * prob.grid
        cens = 6.0 + (top - 6.0) * rng.permutation((np.arange(n) + 0.5) / n)
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
    while improved and cur > 0.0 and evals < max_evals:
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
            if cur == 0.0 or evals >= max_evals:
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
    rows = _lp_rows([t for t in prob.targets if t.kind in ("hr", "ci_lower", "ci_upper", "p")])
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
        ti, ei = int(state.t[i]), bool(state.e[i])
        cands = {(min(max(ti + d, 1), prob.tmax), ei) for d in (-5, -3, -2, -1, 1, 2, 3, 5)}
        cands |= {(min(max(te + d, 1), prob.tmax), ei) for te in ev_times for d in (-1, 1)}
        cands.add((ti, not ei))
        cands.discard((ti, ei))
        for nt, ne in sorted(cands):
            state.t[i], state.e[i] = nt, ne
            v = fast_values(state, prob)
            evals += 1
            ok = "_x" in v and all(_distance(t, v.get(t.key)) == 0.0 for t in others)
            if ok and prob.couple_with is not None:
                ok = _coupling_penalty(state, prob) == 0.0
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


def _sizes_start(spec: Spec, bounds: list[tuple[int, int]], total: int | None) -> list[int]:
    if all(g.n is not None for g in spec.groups):
        return [g.n for g in spec.groups]
    sizes = []
    for g, (lo, hi) in zip(spec.groups, bounds):
        sizes.append(g.n if g.n is not None else (lo + hi) // 2)
    if total is not None and sum(sizes) != total:
        free = [i for i, g in enumerate(spec.groups) if g.n is None]
        sizes[free[-1]] = total - sum(sizes[i] for i in range(len(sizes)) if i != free[-1])
    return sizes


def _numerator_order(spec: Spec) -> list[int | None]:
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
           salt: int = 0, verify: bool = True) -> SearchResult:
    """Find a data set satisfying the targets named by ``keys`` (default: all)."""
    targets = [t for t in spec.targets if keys is None or t.key in keys]
    total = 64 if spec.origin.startswith("imaging") else 44
    bounds = [(g.n, g.n) if g.n is not None else g.n_range for g in spec.groups]
    fixed_groups = all(lo == hi for lo, hi in bounds) or fixed is not None
    tried = 0
    best: SearchResult | None = None
    for num in _numerator_order(spec):
        lp = [t for t in targets if t.kind in ("hr", "ci_lower", "ci_upper", "p")]
        steer = spec.k == 2 and bool(lp) and num is not None
        prob = Problem(spec, targets, num, int(round(spec.max_months / spec.grid)), spec.grid,
                       fixed_groups, couple_with, bounds)
        n_all = (int(fixed.t.size) if fixed is not None else
                 sum(lo for lo, _ in bounds) if all(lo == hi for lo, hi in bounds) else total)
        # attainable s = z/sqrt(V): V <= events/4 <= n/4, and V >= 0.5
        s_range = (Z / math.sqrt(n_all / 4.0), Z / math.sqrt(0.5))
        for r in range(restarts):
            rng = _rng(spec, salt, r, 9 if num is None else num)
            if fixed is not None:
                sizes = [int(c) for c in np.bincount(fixed.g, minlength=spec.k)]
            else:
                sizes = _sizes_start(spec, bounds, None if fixed_groups else total)
            start = initial_state(prob, sizes, rng)
            prob.center = None
            if steer:
                v0 = fast_values(start, prob)
                near = (v0.get("_x", 0.0), v0.get("_s", sum(s_range) / 2))
                prob.center = _steer_point(lp, near, s_range, centre=r % 2 == 1)
            state, lval, it = anneal(prob, rng, iters, start)
            tried += it
            for _ in range(3):
                if not 0.0 < lval < 3.0:
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
            if lval == 0.0 and (not verify or _verify(state, prob)):
                return SearchResult(True, state, 0.0, r, tried, num)
            if best is None or lval < best.loss:
                best = SearchResult(False, state, lval, r, tried, num)
    best.iterations = tried
    return best


def _verify(state: State, prob: Problem) -> bool:
    """Confirm a candidate with the public survival core (harness.ipd.recompute)."""
    values = _values(state, prob.spec, prob.numerator)
    ok = all(t.allows(values.get(t.key)) for t in prob.targets)
    if prob.couple_with is not None:
        ok = ok and unmatched(state, prob.couple_with) == 0
    return ok


# ------------------------------------------------------------------------- conflicts
@dataclass
class Outcome:
    """What reconstruction concluded for one comparison."""

    spec: Spec
    verdict: str                      # consistent | inconsistent (proven) | unresolved
    state: State | None
    numerator: int | None
    used: list[str]                   # constraint keys the written set satisfies
    conflicts: list[tuple[str, ...]]  # minimal infeasible subsets (keys)
    conflict_kind: str                # "exact" | "search" | ""
    message: str
    seconds: float = 0.0
    iterations: int = 0


def _deletion_filter(spec: Spec, keys: list[str], couple_with: State | None,
                     fixed: State | None = None) -> list[str]:
    """A minimal subset of ``keys`` the search cannot satisfy (deletion filter).

    Each key is dropped in turn; when the rest still defeats the search it stays dropped.
    What remains is minimal with respect to the search (evidence, not proof).
    """
    core = list(keys)
    for k in list(keys):
        trial = [x for x in core if x != k]
        if not trial:
            continue
        res = search(spec, trial, couple_with=couple_with, fixed=fixed, iters=2500,
                     restarts=1, salt=7)
        if not res.ok:
            core = trial
    return core


#: which printed number to give up first when numbers conflict (the most derived first)
_DROP_ORDER = ("p", "hr", "ci_upper", "ci_lower")


def _drop_rank(key: str) -> int:
    return _DROP_ORDER.index(key) if key in _DROP_ORDER else len(_DROP_ORDER)


def _relaxed(spec: Spec, all_keys: list[str], conflicts: list[tuple[str, ...]]) -> list[str]:
    """Constraints kept for the written set: all minus ``relax``, then, while a conflict is
    still whole, minus its most derived member (p, then HR, then a CI bound)."""
    keys = [k for k in all_keys if k not in spec.relax]
    for c in conflicts:
        if set(c) <= set(keys):
            drop = min(c, key=_drop_rank)
            keys = [k for k in keys if k != drop]
    return keys


def reconstruct(spec: Spec, couple_with: State | None = None,
                fixed: State | None = None, iters: int = 20000, restarts: int = 3) -> Outcome:
    """Screen, search and (when needed) name the conflicting printed numbers."""
    t0 = _time.perf_counter()
    all_keys = [t.key for t in spec.targets]
    conflicts = exact_conflicts(spec)
    kw = dict(couple_with=couple_with, fixed=fixed, iters=iters, restarts=restarts)
    # the original print (before a reading of a garble) is screened too
    printed_conflicts: list[tuple[str, ...]] = []
    if any(t.printed_as for t in spec.targets):
        printed_conflicts = exact_conflicts(_as_printed(spec))
    if conflicts:
        keys = _relaxed(spec, all_keys, conflicts)
        res = search(spec, keys, **kw)
        msg = ("no (O-E, V) satisfies " + "; ".join(
            "{" + ", ".join(_describe(spec, k) for k in c) + "}" for c in conflicts)
            + " under Prism's Mantel-Haenszel convention (exact, linear program)"
            + _implied(spec))
        return _outcome(spec, "inconsistent", res, keys, conflicts, "exact", msg, t0)
    res = search(spec, all_keys, **kw)
    if res.ok:
        msg = "a data set satisfies every printed number of this comparison"
        if printed_conflicts:
            msg = ("as printed, no (O-E, V) satisfies " + "; ".join(
                "{" + ", ".join(_describe(_as_printed(spec), k) for k in c) + "}"
                for c in printed_conflicts) + " (exact); with the reading in the header, "
                + msg)
            return _outcome(spec, "inconsistent", res, all_keys, printed_conflicts, "exact",
                            msg, t0)
        return _outcome(spec, "consistent", res, all_keys, [], "", msg, t0)
    core = _deletion_filter(spec, all_keys, couple_with, fixed)
    values = _values(res.state, spec, res.numerator)
    missed = [t.key for t in spec.targets if not t.allows(values.get(t.key))]
    if len(core) < 2 and len(missed) >= 2:
        # a single printed number always holds on its own: the filter's searches failed, not
        # the paper; name what the closest data set misses instead
        core = missed
    keys = _relaxed(spec, all_keys, [tuple(core)])
    # the set written for the constraints left: one restart fewer (the verdict is already
    # decided; this only picks the data set shown)
    kw2 = {**kw, "restarts": max(1, restarts - 1)}
    res2 = search(spec, keys, **kw2)
    if not res2.ok:
        keys = [k for k in all_keys if k not in core]
        res2 = search(spec, keys, **kw2)
    msg = ("unresolved: the search found no data set for {" + ", ".join(
        _describe(spec, k) for k in core) + "} (a failed stochastic search is evidence, not "
        "proof, that these cannot hold together; the exact screen found no conflict)")
    if not res2.ok and (couple_with is None or unmatched(res.state, couple_with) == 0):
        # show the closest data set met: every printed number it misses, with its value
        keys = [k for k in all_keys if k not in missed]
        res2 = replace(res, ok=True)
        msg += ("; the set written is the closest one found: it misses " + ", ".join(
            f"{_describe(spec, k)} (it gives {_fmt_value(spec.target(k), values.get(k))})"
            for k in missed))
    return _outcome(spec, "unresolved", res2, keys, [tuple(core)], "search", msg, t0)


def _values(state: State, spec: Spec, numerator: int | None) -> dict[str, float]:
    """Every targeted statistic of ``state``, computed with the public survival core."""
    from harness import ipd

    data = ipd.IPDSet(spec.id, np.arange(1, state.t.size + 1), state.t * spec.grid,
                      state.e.astype(int), np.array(spec.labels, dtype=object)[state.g], {})
    num = None if numerator is None else spec.labels[numerator]
    return ipd.recompute(data, spec, num, use_r=False).python


def _fmt_value(t: Target, x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "no value"
    if t.kind == "rate":
        return f"{x:.1f}%"
    return f"{x:.4g}"


def _implied(spec: Spec) -> str:
    """What the printed CI implies for HR and p under the MH convention (for messages)."""
    lo, up = spec.target("ci_lower"), spec.target("ci_upper")
    if lo is None or up is None or not (0 < lo.number.value < up.number.value):
        return ""
    vals = []
    for a in (lo.number.lo, lo.number.hi):
        for b in (up.number.lo, up.number.hi):
            x = (math.log(a) + math.log(b)) / 2
            s = (math.log(b) - math.log(a)) / 2
            vals.append((math.exp(x), float(stats.chi2.sf((x * Z / s) ** 2, 1))))
    hrs, ps = [v[0] for v in vals], [v[1] for v in vals]
    return (f"; the CI alone implies HR {min(hrs):.4g}-{max(hrs):.4g} and log-rank p "
            f"{min(ps):.4g}-{max(ps):.4g}")


def _as_printed(spec: Spec) -> Spec:
    ts = []
    for t in spec.targets:
        if t.printed_as:
            iv = printed.parse_interval(t.printed_as)
            num = iv.lower if t.key == "ci_lower" else iv.upper
            t = replace(t, text=num.text, number=num, printed_as="")
        ts.append(t)
    return replace(spec, targets=tuple(ts))


def _describe(spec: Spec, key: str) -> str:
    t = spec.target(key)
    what = {"ci_lower": "CI lower", "ci_upper": "CI upper"}.get(key, key)
    return f"{what} {t.text} ({t.case})"


def _outcome(spec, verdict, res: SearchResult, keys, conflicts, kind, msg, t0) -> Outcome:
    state = res.state if res.ok else None
    if not res.ok:
        msg += "; no data set was found even for the remaining constraints"
    return Outcome(spec, verdict, state, res.numerator, keys if res.ok else [], conflicts,
                   kind, msg, _time.perf_counter() - t0, res.iterations)


# ------------------------------------------------------------------------- writing
def _fmt_time(t10: int, grid: float) -> str:
    return f"{t10 * grid:.1f}"


def header_lines(outcomes: list[Outcome]) -> list[str]:
    """The '#' comment header of a CSV (one or two comparisons of the same patients)."""
    first = outcomes[0].spec
    lines = [
        f"# pseudo-IPD, not patient data: {first.file} ({', '.join(o.spec.id for o in outcomes)})",
        "# made by `harness reconstruct` (harness/reconstruct.py): exact (O-E, V) screen, "
        "constructive start, seeded simulated annealing",
        f"#   on a {first.grid:g}-month grid, seed {first.seed}; rerunning it rewrites this "
        "file byte for byte",
        f"# follow-up window 0.1-{first.max_months:g} months (diagnoses 2004-2020); "
        "event 1 = death (OS) or progression/death (PFS), 0 = censored at last follow-up",
    ]
    if len(outcomes) > 1:
        lines.append("# PFS <= OS for every patient; a PFS-censored patient is OS-censored "
                     "no earlier")
    for o in outcomes:
        s = o.spec
        lines.append(f"# comparison {s.id}: {s.title}; columns {','.join(s.columns)}")
        sizes = np.bincount(o.state.g, minlength=s.k) if o.state is not None else [None] * s.k
        for g, n in zip(s.groups, sizes):
            how = "printed" if g.n is not None else f"searched {g.n_range[0]}-{g.n_range[1]}"
            lines.append(f"#   group {g.label}: n = {n} ({how}; {g.n_source})")
        if o.numerator is not None:
            lines.append(f"#   HR = {s.labels[o.numerator]} / {s.labels[1 - o.numerator]} "
                         "(Mantel-Haenszel, GraphPad Prism)")
        for t in s.targets:
            tag = "target" if t.key in o.used else "dropped"
            lines.append(f"#   {tag} {t.key}: {t.label()}")
        for t in s.heldout:
            lines.append(f"#   held out {t.key}: {t.case} = {t.text}")
        for note in s.notes:
            lines.append(f"#   {note}")
        lines.append(f"#   verdict: {o.verdict}")
        for c in o.conflicts:
            lines.append(f"#   conflict ({o.conflict_kind}): {' | '.join(c)}")
        lines.append(f"#   finding: {o.message}")
    return lines


def render_csv(outcomes: list[Outcome]) -> str:
    """CSV text: '#' header, then id, group and each comparison's time/event columns."""
    base = outcomes[0]
    s = base.spec
    if base.state is None:
        return "\n".join(header_lines(outcomes) + ["id,group," + ",".join(s.columns)]) + "\n"
    st = base.state
    order = sorted(range(st.t.size), key=lambda i: (int(st.g[i]), int(st.t[i]), not st.e[i]))
    cols = ["id", "group"] + [c for o in outcomes for c in o.spec.columns]
    rows = [",".join(cols)]
    others = []
    for o in outcomes[1:]:
        if o.state is None:
            others.append(None)
            continue
        pairs = {}
        for j in range(s.k):
            pi = np.flatnonzero(o.state.g == j)
            oi = np.flatnonzero(st.g == j)
            m = match(o.state.t[pi], o.state.e[pi], st.t[oi], st.e[oi])
            for a, b in zip(pi, m):
                pairs[int(oi[b])] = int(a)
        others.append((o.state, pairs))
    for new_id, i in enumerate(order, start=1):
        row = [str(new_id), s.labels[st.g[i]], _fmt_time(int(st.t[i]), s.grid), str(int(st.e[i]))]
        for oth in others:
            if oth is None:
                row += ["", ""]
            else:
                ostate, pairs = oth
                a = pairs[i]
                row += [_fmt_time(int(ostate.t[a]), s.grid), str(int(ostate.e[a]))]
        rows.append(",".join(row))
    return "\n".join(header_lines(outcomes) + rows) + "\n"


# ------------------------------------------------------------------------- driver
def units(specs: list[Spec]) -> list[list[Spec]]:
    """Groups of comparisons written to one file (an OS comparison and its PFS pair)."""
    by_file: dict[str, list[Spec]] = {}
    for s in specs:
        by_file.setdefault(s.file, []).append(s)
    out = []
    for group in by_file.values():
        group.sort(key=lambda s: 1 if s.pair_of else 0)
        out.append(group)
    return out


def reconstruct_unit(unit: list[Spec]) -> tuple[str, str, list[Outcome]]:
    """Rebuild one file's comparisons; returns (file name, CSV text, outcomes)."""
    outcomes: list[Outcome] = []
    base = reconstruct(unit[0])
    outcomes.append(base)
    for spec in unit[1:]:
        if base.state is None:
            outcomes.append(Outcome(spec, "unresolved", None, None, [], [], "",
                                    "not searched: the OS set of these patients could not be "
                                    "built"))
            continue
        fixed = base.state.copy()
        outcomes.append(reconstruct(spec, couple_with=base.state, fixed=fixed))
    return unit[0].file, render_csv(outcomes), outcomes


def _unit_job(args: tuple[str, list[str]]) -> tuple[str, str, list[dict]]:
    pack_path, ids = args
    from harness.cases import load_pack

    specs = {s.id: s for s in load_specs(load_pack(pack_path))}
    file, text, outs = reconstruct_unit([specs[i] for i in ids])
    return file, text, [summary(o) for o in outs]


def summary(o: Outcome) -> dict[str, Any]:
    return {"id": o.spec.id, "verdict": o.verdict, "used": o.used,
            "conflicts": [list(c) for c in o.conflicts], "kind": o.conflict_kind,
            "message": o.message, "seconds": round(o.seconds, 2), "iterations": o.iterations,
            "written": o.state is not None}


def reconstruct_pack(pack: Pack, out_dir: Path | None = None, only: list[str] | None = None,
                     jobs: int = 1) -> list[dict[str, Any]]:
    """Rebuild every comparison of a pack (or those in ``only``) into ``out_dir``.

    Returns one summary dict per comparison (id, verdict, conflicts, seconds, ...).
    """
    specs = load_specs(pack)
    known = {s.id for s in specs}
    unknown = sorted(set(only or ()) - known)
    if unknown:
        raise CaseFileError(
            str(pack.path / "ipd" / COMPARISONS_FILE), "",
            f"no comparison {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    todo = [u for u in units(specs) if only is None or any(s.id in only for s in u)]
    out_dir = Path(out_dir) if out_dir else pack.path / "ipd"
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [(str(pack.path), [s.id for s in u]) for u in todo]
    if jobs > 1 and len(args) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # largest units first (an OS/PFS pair, then by number of targets) keeps both workers
        # busy; results are put back in file order
        cost = [-(len(u) * 100 + sum(len(s.targets) for s in u)) for u in todo]
        order = sorted(range(len(args)), key=lambda i: (cost[i], i))
        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("spawn")) as ex:
            done = list(ex.map(_unit_job, [args[i] for i in order]))
        results = [None] * len(args)
        for i, res in zip(order, done):
            results[i] = res
    else:
        results = [_unit_job(a) for a in args]
    summaries = []
    for file, text, sums in results:
        (out_dir / file).write_text(text, encoding="utf-8")
        summaries += sums
    return summaries
