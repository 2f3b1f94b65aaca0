"""Pooled constraints: printed whole-cohort numbers against every split of the same cohort.

A cohort of ``ipd/comparisons.toml`` with an ``id`` and a ``pooled`` list (printed
whole-cohort KM rates and medians) is named by the comparisons whose groups together are
that cohort (``cohort = "<id>"``). For each printed pooled number and each such comparison:

* *witness*: the comparison's CSV, which satisfies the comparison's targeted numbers
  (verified by recomputation, :mod:`harness.ipd.evaluate`), gives the union of its groups a
  value that rounds to the print;
* *excluded* (a rate, when the comparison prints every group's rate at that time and every
  group's size): no data set whatever its censoring gives the union a rate inside the
  print's rounding interval, by the bounds of :mod:`harness.core.pooled_km`; a proof, and a
  finding naming the printed numbers involved;
* *open*: neither (the set was built without the pooled number, so missing it is evidence,
  not proof); the bounds and the no-censoring value are reported.

The pooled number's record (check ``pooled_constraint``) is ``inconsistent`` when any
comparison excludes it (or its own joint verdict is inconsistent), ``consistent`` when every
comparison naming the cohort is a witness (and its own joint verdict, if it has one, is
consistent), else ``unverifiable`` with the open comparisons listed. A pooled median is
judged on the sets only (no bound). Each witness is its own data set: one data set satisfying
every split at once is the joint cohort, not claimed here.

R equivalent: ``survfit(Surv(time, event) ~ 1)`` on the union of a CSV's groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.core.agreement import agree
from harness.core.km import KaplanMeier
from harness.core.pooled_km import union_bounds
from harness.core.quantiles import median
from harness.pack.printed import fmt


@dataclass(frozen=True)
class PoolMember:
    """One comparison's evidence on one printed pooled number."""

    comparison: str
    file: str
    status: str                 # witness | excluded | open | error (Python and R disagree)
    message: str
    value: float | None = None  # the union's value on the CSV (percent for a rate)
    r: float | None = None      # the same in R (rates, when R runs)
    bounds: tuple[float, float] | None = None       # percent, any censoring
    uncensored: tuple[float, float] | None = None   # percent, no censoring before t

    def to_details(self) -> dict[str, Any]:
        return {"comparison": self.comparison, "file": self.file, "status": self.status,
                "message": self.message, "value": self.value, "r": self.r,
                "bounds": list(self.bounds) if self.bounds else None,
                "uncensored": list(self.uncensored) if self.uncensored else None}


@dataclass(frozen=True)
class PooledVerdict:
    """A printed pooled number's verdict over the comparisons of its cohort."""

    pool: str
    key: str
    members: tuple[PoolMember, ...]
    joint: Any = None  # the number's own JointVerdict, when a comparison targets it

    @property
    def verdict(self) -> str:
        st = {m.status for m in self.members}
        jv = self.joint.verdict if self.joint is not None else "consistent"
        if "excluded" in st or jv == "inconsistent":
            return "inconsistent"
        if jv == "error" or "error" in st:
            return "error"
        if st <= {"witness"} and jv == "consistent":
            return "consistent"
        return "unverifiable"

    @property
    def message(self) -> str:
        order = {"excluded": 0, "error": 1, "open": 2, "witness": 3}
        parts = [m.message for m in sorted(self.members, key=lambda m: order[m.status])]
        head = {"inconsistent": "out of reach for the union of a split of cohort",
                "consistent": "every split of cohort",
                "unverifiable": "not decided for every split of cohort",
                "error": "the evaluation failed (stale set, or Python and R disagree) for "
                         "cohort"}[self.verdict]
        text = f"{head} {self.pool!r} ({len(self.members)} comparisons): " + "; ".join(parts)
        if self.joint is not None:
            text += f"; own comparison: {self.joint.message}"
        return text

    @property
    def r(self) -> float | None:
        if self.joint is not None and self.joint.best.python is not None:
            return self.joint.best.r
        return next((m.r for m in self.members if m.value is not None), None)

    @property
    def python(self) -> float | None:
        if self.joint is not None and self.joint.best.python is not None:
            return self.joint.best.python
        return next((m.value for m in self.members if m.value is not None), None)

    def to_details(self) -> dict[str, Any]:
        out = {"pool": self.pool, "key": self.key,
               "members": [m.to_details() for m in self.members]}
        if self.joint is not None:
            out["joint"] = self.joint.to_details()
        return out


def _show(value: float, target) -> str:
    return f"{value:.2f}%" if target.kind == "rate" else fmt(value)


def _union_value(data, target) -> float:
    km = KaplanMeier().fit(data.time, data.event)
    if target.kind == "rate":
        return 100.0 * float(km.at([target.time], extend=True).survival[0])
    return float(median(km, rule="prism").estimate[0])


def _bounds(spec, target):
    """Union bounds (percent) when the comparison prints every group's rate at the time and
    every group's size; else None."""
    if target.kind != "rate" or spec.k < 2 or any(g.n is None for g in spec.groups):
        return None, []
    rates = []
    for g in spec.groups:
        t = next((x for x in spec.targets if x.kind == "rate" and x.group == g.label
                  and x.time == target.time), None)
        if t is None:
            return None, []
        rates.append(t)
    b = union_bounds([g.n for g in spec.groups], [t.number.lo / 100 for t in rates],
                     [t.number.hi / 100 for t in rates])
    return b, rates


def _union_value_r(data, target) -> float | None:
    """R's ``survfit`` of the union at the time (rates only; R's median rule is not Prism's)."""
    if target.kind != "rate":
        return None
    import numpy as np

    from harness.r import bridge as rbridge

    out = rbridge.call("harness_ipd_stats", data.time, data.event.astype(int),
                       ["all"] * data.n, ["all"], "", np.asarray([target.time], float))
    return float(out[f"pooled_rate@{target.time:g}"])


def _rebuilt(spec, pool, target, folder, use_r: bool):
    """The comparison rebuilt with the pooled rates (``ipd/pooled/``,
    :mod:`harness.ipd.reconstruct.pooled`): ``(status, message, value, r)``, or None when
    it was not rebuilt. Every number the set claims to satisfy is recomputed."""
    from harness.ipd.io import read_csv, read_outcomes
    from harness.ipd.recompute import recompute
    from harness.pack.comparisons import POOLED_DIR, with_pooled

    s2 = with_pooled(spec, pool)
    sub = folder / POOLED_DIR
    out = read_outcomes(sub).get(spec.id) if s2 is not None and sub.is_dir() else None
    if out is None:
        return None
    key = f"pooled_rate@{target.time:g}"
    path = sub / s2.file
    data = read_csv(path, spec.id, spec.columns) if path.is_file() else None
    if key not in out.targeted or data is None:
        core = [k for c in out.conflicts for k in c] or out.dropped or [key]
        names = ", ".join(s2.target(k).label() for k in dict.fromkeys(core) if s2.target(k))
        return ("open", f"comparison {spec.id} rebuilt with the pooled rates: the search did "
                f"not find a set within {{{names}}}; evidence, not proof", None, None)
    rec = recompute(data, s2, out.numerator, use_r=use_r)
    bad = [k for k in out.targeted if not s2.target(k).allows(rec.python.get(k))]
    where = f"{POOLED_DIR}/{s2.file} (comparison {spec.id} rebuilt with the pooled rates)"
    value = rec.python.get(key)
    r_value = rec.r.get(key) if rec.r else None
    if bad or rec.disagreements():
        return ("error", f"{where}: recomputed, it misses {', '.join(bad)} "
                + "; ".join(rec.disagreements()) + " (a stale set: rebuild it)", value, r_value)
    if not target.allows(value):  # another print at the same time was the one targeted
        return ("open", f"{where}, built for {s2.target(key).label()}, gives the union "
                f"{_show(value, target)}; evidence, not proof", value, r_value)
    return ("witness", f"{where} gives the union {_show(value, target)} with every number "
            "the comparison targets satisfied (verified by recomputation)", value, r_value)


def _member(spec, res, target, folder, use_r: bool = False, pool=None) -> PoolMember:
    from harness.ipd.io import read_csv

    where = f"{spec.file} (comparison {spec.id})"
    b, rates = _bounds(spec, target)
    bounds = (100 * b.lower, 100 * b.upper) if b else None
    unc = tuple(100 * x for x in b.uncensored) if b and b.uncensored else None
    base = dict(comparison=spec.id, file=spec.file, bounds=bounds, uncensored=unc)
    lo, hi = target.number.lo, target.number.hi
    if bounds and (bounds[1] < lo - 1e-9 or bounds[0] > hi + 1e-9):
        parts = ", ".join(f"{t.label()} of n = {g.n}" for t, g in zip(rates, spec.groups))
        return PoolMember(**base, status="excluded", message=(
            f"{target.label()} is out of reach for the union of comparison {spec.id}'s groups: "
            f"with {parts}, the union's KM rate at {target.time:g} lies within "
            f"{bounds[0]:.2f}-{bounds[1]:.2f}% whatever the censoring (proof: "
            "harness.core.pooled_km bounds)"))
    path = folder / spec.file
    data = read_csv(path, spec.id, spec.columns) if (res is not None and res.has_data
                                                     and path.is_file()) else None
    notes = ""
    if bounds:
        notes += (f"; the union bounds {bounds[0]:.2f}-{bounds[1]:.2f}% (any censoring) do not "
                  "exclude it")
    if unc:
        notes += (f"; with no censoring before {target.time:g} the union would give "
                  + (f"{unc[0]:.2f}%" if unc[0] == unc[1] else f"{unc[0]:.2f}-{unc[1]:.2f}%")
                  + " (a condition, not a proof)")
    elif b and b.uncensored is None:
        notes += (f"; no group split without censoring before {target.time:g} gives the "
                  "printed group rates with these sizes, so patients were censored before it")
    if data is None:
        rebuilt = _rebuilt(spec, pool, target, folder, use_r) if pool is not None else None
        if rebuilt is not None:
            status, msg, v, rv = rebuilt
            return PoolMember(**{**base, "r": rv}, status=status, value=v, message=msg + notes)
        return PoolMember(**base, status="open", message=(
            f"comparison {spec.id} has no data set, so no witness{notes}"))
    value = _union_value(data, target)
    r_value = _union_value_r(data, target) if use_r else None
    if r_value is not None and not agree(value, r_value):
        return PoolMember(**base, status="error", value=value, r=r_value, message=(
            f"Python and R disagree on the union's value on {where}: {value!r} vs {r_value!r}"))
    base["r"] = r_value
    kept = all(r.reproduced for r in res.rows if r.role == "targeted")
    if kept and target.allows(value):
        return PoolMember(**base, status="witness", value=value, message=(
            f"{where} gives the union of its groups {_show(value, target)}, with every number "
            "the comparison targets satisfied"))
    rebuilt = _rebuilt(spec, pool, target, folder, use_r) if pool is not None else None
    if rebuilt is not None:
        status, msg, v, rv = rebuilt
        base["r"] = rv
        return PoolMember(**base, status=status, value=v, message=msg + notes)
    return PoolMember(**base, status="open", value=value, message=(
        f"{where}, built without this number, gives the union {_show(value, target)}; no set "
        f"satisfying both was searched for: evidence, not proof{notes}"))


def pooled_verdicts(pack, specs, pools, results, joint, use_r: bool = False
                    ) -> dict[str, PooledVerdict]:
    """Full case id -> the pooled verdict of each printed pooled number (see module docstring).

    ``joint`` is :func:`harness.audit.joint.joint_verdicts`' map (a pooled number that a
    comparison targets keeps that evidence too); with ``use_r`` every union rate is
    recomputed in R too (``survfit``), and a disagreement is an ``error``.
    """
    from pathlib import Path

    full = {f"{Path(c.file).stem}::{c.id}": c.full_id for c in pack.cases}
    by_spec = {s.id: s for s in specs}
    by_res = {r.id: r for r in results}
    folder = pack.path / "ipd"
    out: dict[str, PooledVerdict] = {}
    for pool in pools:
        for target, endpoint in zip(pool.targets, pool.endpoints):
            members = []
            for cid in pool.members:
                spec = by_spec[cid]
                if endpoint and spec.endpoint and spec.endpoint != endpoint:
                    continue
                members.append(_member(spec, by_res.get(cid), target, folder, use_r, pool))
            if not members or target.case not in full:
                continue
            case_id = full[target.case]
            out[case_id] = PooledVerdict(pool.id, target.key, tuple(members),
                                         joint.get(case_id))
    return out
