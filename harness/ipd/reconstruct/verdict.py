"""Verdicts: screen, search, and the printed numbers that conflict."""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, replace

from harness.core.printed_ci import hr_midpoint, mh_from_ci
from harness.ipd.reconstruct.budget import Budget
from harness.ipd.reconstruct.guided import guided_search
from harness.ipd.reconstruct.objective import State, candidate_values, unmatched
from harness.ipd.reconstruct.orders import order_search
from harness.ipd.reconstruct.screen import exact_conflicts
from harness.ipd.reconstruct.search import SearchResult, search
from harness.pack import printed
from harness.pack.comparisons import Spec, Target


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
                     fixed: State | None = None, budget: Budget | None = None) -> list[str]:
    """A minimal subset of ``keys`` the search cannot satisfy (deletion filter).

    Each key is dropped in turn; when the rest still defeats the search it stays dropped.
    What remains is minimal with respect to the search (evidence, not proof).
    """
    core = list(keys)
    for k in list(keys):
        trial = [x for x in core if x != k]
        if not trial:
            continue
        if budget is not None and budget.expired():
            break
        res = _search(spec, trial, dict(couple_with=couple_with, fixed=fixed, iters=2500,
                                        restarts=1, salt=7, budget=budget), guided_restarts=1)
        if not res.ok:
            core = trial
    return core


#: patients above which the guided strategy (:mod:`.guided`) runs before the annealing of
#: :mod:`.search` (whose cost grows with n); at or below, it is the fallback after the
#: annealing and the order search
GUIDED_FIRST = 100


def _guided_first(spec: Spec, couple_with: State | None, fixed: State | None) -> bool:
    return (couple_with is None and fixed is None and all(g.n is not None for g in spec.groups)
            and sum(g.n for g in spec.groups) > GUIDED_FIRST)


def _search(spec: Spec, keys: list[str], kw: dict, guided_restarts: int = 4) -> SearchResult:
    """The search of ``kw`` (:func:`.search.search`); on a large set the guided strategy
    first, the annealing only when that fails and time is left (the closer set is kept)."""
    if not _guided_first(spec, kw.get("couple_with"), kw.get("fixed")):
        return search(spec, keys, **kw)
    res = guided_search(spec, keys, restarts=guided_restarts, budget=kw["budget"])
    if res is None:
        return search(spec, keys, **kw)
    if res.ok or kw["budget"].expired():
        return res
    other = search(spec, keys, **kw)
    return other if other.ok or other.loss < res.loss else res


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
                fixed: State | None = None, iters: int = 20000, restarts: int = 3,
                budget: Budget | None = None) -> Outcome:
    """Screen, search and (when needed) name the conflicting printed numbers.

    ``budget`` bounds the wall-clock time (:mod:`.budget`): when it runs out the verdict is
    ``unresolved`` ("stopped at the time budget"), with the best set found so far.
    """
    t0 = _time.perf_counter()
    budget = budget or Budget(None)
    all_keys = [t.key for t in spec.targets]
    conflicts = exact_conflicts(spec)
    kw = dict(couple_with=couple_with, fixed=fixed, iters=iters, restarts=restarts,
              budget=budget)
    # the original print (before a reading of a garble) is screened too
    printed_conflicts: list[tuple[str, ...]] = []
    if any(t.printed_as for t in spec.targets):
        printed_conflicts = exact_conflicts(as_printed(spec))
    if conflicts:
        keys = _relaxed(spec, all_keys, conflicts)
        res = _search(spec, keys, kw)
        msg = ("no (O-E, V) satisfies " + "; ".join(
            "{" + ", ".join(_describe(spec, k) for k in c) + "}" for c in conflicts)
            + " under Prism's Mantel-Haenszel convention (exact, linear program)"
            + _implied(spec))
        if budget.hit and not res.ok:
            msg += (f"; the search for a set of the other numbers stopped at the time budget "
                    f"after {budget.elapsed():.0f} CPU s")
        return _outcome(spec, "inconsistent", res, keys, conflicts, "exact", msg, t0)
    res = _search(spec, all_keys, kw)
    if res.ok:
        msg = "a data set satisfies every printed number of this comparison"
        if printed_conflicts:
            msg = ("as printed, no (O-E, V) satisfies " + "; ".join(
                "{" + ", ".join(_describe(as_printed(spec), k) for k in c) + "}"
                for c in printed_conflicts) + " (exact); with the reading in the header, "
                + msg)
            return _outcome(spec, "inconsistent", res, all_keys, printed_conflicts, "exact",
                            msg, t0)
        return _outcome(spec, "consistent", res, all_keys, [], "", msg, t0)
    if budget.expired():
        return _stopped(spec, res, couple_with, budget, t0)
    if couple_with is None and fixed is None and not _guided_first(spec, None, None):
        # second strategy: exhaustive search over event orders (two groups, one dying first)
        found = order_search(spec)
        if found is not None:
            msg = ("a data set satisfies every printed number of this comparison (found by the "
                   "exhaustive order search after the annealing search failed)")
            return _outcome(spec, "consistent", found, all_keys, [], "", msg, t0)
        # third: the guided start from the printed Kaplan-Meier summaries
        found = None if budget.expired() else guided_search(spec, all_keys, budget=budget)
        if found is not None and found.ok:
            msg = ("a data set satisfies every printed number of this comparison (found by the "
                   "search from the printed Kaplan-Meier summaries after the annealing and "
                   "order searches failed)")
            return _outcome(spec, "consistent", found, all_keys, [], "", msg, t0)
        if found is not None and found.loss < res.loss:
            res = found
    if budget.expired():
        return _stopped(spec, res, couple_with, budget, t0)
    core = _deletion_filter(spec, all_keys, couple_with, fixed, budget)
    if budget.expired():
        return _stopped(spec, res, couple_with, budget, t0)
    values = candidate_values(res.state, spec, res.numerator)
    missed = [t.key for t in spec.targets if not t.allows(values.get(t.key))]
    if len(core) < 2 and len(missed) >= 2:
        # a single printed number always holds on its own: the filter's searches failed, not
        # the paper; name what the closest data set misses instead
        core = missed
    keys = _relaxed(spec, all_keys, [tuple(core)])
    # the set written for the constraints left: one restart fewer (the verdict is already
    # decided; this only picks the data set shown)
    kw2 = {**kw, "restarts": max(1, restarts - 1)}
    res2 = _search(spec, keys, kw2)
    if not res2.ok:
        keys = [k for k in all_keys if k not in core]
        res2 = _search(spec, keys, kw2)
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


def _stopped(spec: Spec, res: SearchResult, couple_with: State | None, budget: Budget,
             t0: float) -> Outcome:
    """``unresolved`` because the time budget ran out: the best set found and what it misses.

    The best set is written (its header and ``outcomes.json`` carry this message, and only
    the printed numbers it meets are listed as targeted); a PFS set that cannot be paired
    with its OS set is not written.
    """
    values = candidate_values(res.state, spec, res.numerator)
    missed = [t.key for t in spec.targets if not t.allows(values.get(t.key))]
    msg = (f"unresolved: stopped at the time budget after {budget.elapsed():.0f} CPU s "
           f"(--time-budget {budget.seconds:g}); best set misses: " + ", ".join(
               f"{_describe(spec, k)} (it gives {_fmt_value(spec.target(k), values.get(k))})"
               for k in missed)
           + " (the search ran out of time: this says nothing about the paper; the set "
           "written is the best found and does NOT meet the numbers it misses)")
    keys = [k for k in (t.key for t in spec.targets) if k not in missed]
    ok = couple_with is None or unmatched(res.state, couple_with) == 0
    return _outcome(spec, "unresolved", replace(res, ok=ok), keys, [], "budget",
                    msg, t0)


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
            vals.append((float(hr_midpoint(a, b)), float(mh_from_ci(a, b)["p"])))
    hrs, ps = [v[0] for v in vals], [v[1] for v in vals]
    return (f"; the CI alone implies HR {min(hrs):.4g}-{max(hrs):.4g} and log-rank p "
            f"{min(ps):.4g}-{max(ps):.4g}")


def as_printed(spec: Spec) -> Spec:
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
