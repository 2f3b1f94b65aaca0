"""Joint verdicts: a printed number judged together with its comparison's other numbers.

A printed Kaplan-Meier median, rate or k-group p that a pseudo-IPD comparison targets
(``ipd/comparisons.toml``) cannot be recomputed from the paper's summaries, but the
reconstruction (``harness reconstruct``) has asked whether one data set satisfies it together
with every other printed number of the comparison. This module turns that answer, as the audit
re-evaluates it from the CSV (:func:`harness.ipd.evaluate.evaluate`, which recomputes every
targeted number on the set, Python and R), into one verdict per printed number:

* ``consistent``: the comparison's CSV satisfies the number *and* every printed number the
  comparison targets, verified by recomputation; any printed number the set gives up belongs to
  a conflict the exact screen proves, which does not contain this number.
* ``inconsistent``: the number belongs to a set of printed numbers the exact screen proves
  cannot hold together (the smallest such set is named).
* ``unverifiable``: the search found no set (``unresolved``), or there is no set: evidence,
  never proof, and the message says so.
* ``error``: ``outcomes.json`` says the set satisfies the number but recomputation on the CSV
  disagrees (a stale CSV), or Python and R disagree on it.

A number several comparisons target (each is a separate data set of possibly the same
patients) is ``inconsistent`` when any of them proves a conflict containing it, else ``error``
when any evaluation is broken, else ``unverifiable`` when any search failed, else
``consistent``: then *each* comparison has its own witness set; one data set satisfying every
comparison at once is a stronger claim this verdict does not make (the pooled constraints,
:mod:`harness.audit.pooled`, test the shared patients).

HR, CI and two-group p cases keep their summary checks; their records carry this evidence in
``details["joint"]`` when the comparison is not consistent, and the HR direction note defers
to it (:mod:`harness.audit.checks.survival`).

R equivalent: none of its own; the recomputation on the sets is ``harness_ipd_stats``
(harness/r/ipd.R).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.pack.printed import fmt

#: order in which several comparisons' verdicts on one number combine (first wins)
_PRECEDENCE = ("inconsistent", "error", "unverifiable", "consistent")


@dataclass(frozen=True)
class JointEntry:
    """One comparison's verdict on one printed number it targets."""

    comparison: str
    file: str
    key: str
    verdict: str
    message: str
    replaces: bool                  # the number has no summary check: this is its record
    python: float | None = None
    r: float | None = None
    comparison_verdict: str = ""
    conflict: tuple[str, ...] = ()  # the smallest conflicting set (printed labels)
    medians: dict[str, bool] = field(default_factory=dict)  # median key -> satisfied on set

    def to_details(self) -> dict[str, Any]:
        return {"comparison": self.comparison, "file": self.file, "key": self.key,
                "verdict": self.verdict, "message": self.message,
                "comparison_verdict": self.comparison_verdict,
                "conflict": list(self.conflict), "python": self.python, "r": self.r}


@dataclass(frozen=True)
class JointVerdict:
    """Every comparison's verdict on one printed number, combined (see the module docstring)."""

    entries: tuple[JointEntry, ...]

    @property
    def verdict(self) -> str:
        have = {e.verdict for e in self.entries}
        return next(v for v in _PRECEDENCE if v in have)

    @property
    def replaces(self) -> bool:
        return any(e.replaces for e in self.entries)

    @property
    def message(self) -> str:
        v = self.verdict
        lead = [e for e in self.entries if e.verdict == v]
        rest = [e for e in self.entries if e.verdict != v]
        text = "; ".join(e.message for e in lead + rest)
        if v == "consistent" and len(self.entries) > 1:
            text += ("; each comparison is a separate data set: this says every one of them has "
                     "a witness, not that one data set satisfies them all")
        return text

    @property
    def best(self) -> JointEntry:
        return next(e for e in self.entries if e.verdict == self.verdict)

    def to_details(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "comparisons": [e.to_details() for e in self.entries]}


# ----------------------------------------------------------------------------- building
def _labels(spec, keys) -> str:
    out = []
    for k in keys:
        t = spec.target(k)
        if t is None:
            out.append(k)
        elif k in ("ci_lower", "ci_upper"):
            out.append(t.label().replace(" = ", f" {k[3:]} = ", 1))
        else:
            out.append(t.label())
    return "{" + ", ".join(out) + "}"


def _replaces(t, spec) -> bool:
    """A median, a rate, or a p over more than two groups: nothing in the summaries judges it."""
    return t.kind in ("median", "rate") or (t.kind == "p" and spec.k > 2)


def _entry(spec, res, t) -> JointEntry:
    """One comparison's verdict on its target ``t`` (from the evaluated result ``res``)."""
    where = f"{spec.file} (comparison {spec.id})"
    base = dict(comparison=spec.id, file=spec.file, key=t.key, replaces=_replaces(t, spec),
                comparison_verdict=res.verdict)
    row = next((r for r in res.rows if r.key == t.key and r.role != "variant"), None)
    py, r = (row.python, row.r) if row is not None else (None, None)
    base.update(python=py, r=r)
    base["medians"] = {x.key: bool(next((rw.reproduced and rw.role == "targeted"
                                         for rw in res.rows if rw.key == x.key), False))
                       for x in spec.targets if x.kind == "median"}
    exact = [c for c in res.conflicts if res.conflict_kind == "exact"]
    mine = sorted((c for c in exact if t.key in c), key=len)
    if mine:
        c = mine[0]
        return JointEntry(**base, verdict="inconsistent", conflict=tuple(c), message=(
            f"the exact screen proves that {_labels(spec, c)} cannot hold together "
            f"(comparison {spec.id}; smallest conflicting set containing this number)"))
    if not res.has_data or row is None:
        return JointEntry(**base, verdict="unverifiable", message=(
            f"comparison {spec.id} has no data set ({spec.file} or its outcome is missing: "
            "run `harness reconstruct`): no search result, no evidence either way"))
    bad = [d for d in res.disagreements if d.split(":")[0] == t.key]
    if bad:
        return JointEntry(**base, verdict="error", message=(
            f"Python and R disagree on {t.key} recomputed on {where}: {'; '.join(bad)}"))
    targeted = [rw.key for rw in res.rows if rw.role == "targeted"]
    dropped = [rw.key for rw in res.rows if rw.role == "dropped"]
    explained = {k for c in exact for k in c}
    unproven = [k for k in dropped if k not in explained]
    if row.role == "targeted" and not row.reproduced:
        return JointEntry(**base, verdict="error", message=(
            f"outcomes.json says {where} satisfies {t.label()}, but recomputed on the set it "
            f"is {fmt(py)} (a stale CSV: rerun `harness reconstruct`)"))
    if row.role == "targeted" and not unproven:
        others = [k for k in targeted if k != t.key]
        msg = (f"{where} satisfies it together with every other printed number the "
               f"comparison targets {_labels(spec, others)}; recomputed on the set: {fmt(py)}")
        if dropped:
            msg += (f"; given up: {_labels(spec, dropped)}, which belong to a conflict the "
                    "exact screen proves without this number")
        elif exact:
            msg += ("; as printed, " + "; ".join(_labels(spec, c) for c in exact)
                    + " cannot hold together (exact screen), a conflict without this number; "
                    "the set uses the reading the comparison names")
        return JointEntry(**base, verdict="consistent", message=msg)
    core = [k for c in res.conflicts for k in c] or unproven or [t.key]
    if res.verdict != "unresolved" and unproven and set(unproven) <= set(spec.relax):
        msg = (f"{_labels(spec, unproven)} were given up by the pack's `relax` without a proven "
               f"conflict, so no set was searched with all of comparison {spec.id}'s numbers")
    else:
        msg = (f"search did not find a set within {_labels(spec, dict.fromkeys(core))} "
               f"(comparison {spec.id}); evidence, not proof")
    if row.reproduced:
        msg += (f"; {spec.file} satisfies this number with {_labels(spec, targeted)} "
                f"(recomputed: {fmt(py)})")
    return JointEntry(**base, verdict="unverifiable", message=msg)


def joint_verdicts(pack, specs, results) -> dict[str, JointVerdict]:
    """Full case id -> the joint verdict of every comparison targeting it.

    ``specs`` (:func:`harness.pack.comparisons.load_specs`) and ``results``
    (:func:`harness.ipd.evaluate_pack`) are the pack's comparisons, matched by id.
    """
    full = {f"{Path(c.file).stem}::{c.id}": c.full_id for c in pack.cases}
    by_id = {r.id: r for r in results}
    found: dict[str, list[JointEntry]] = {}
    for spec in specs:
        res = by_id.get(spec.id)
        if res is None:
            continue
        for t in spec.targets:
            if t.case in full:
                found.setdefault(full[t.case], []).append(_entry(spec, res, t))
    return {cid: JointVerdict(tuple(es)) for cid, es in found.items()}
