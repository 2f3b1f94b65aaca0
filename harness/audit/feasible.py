"""Audit records of the feasible ranges: one ``feasible_range`` record per held-out printed
number of a pseudo-IPD comparison.

The verdicts are the evaluation's (:func:`harness.ipd.feasible.judge`, carried by each
comparison's ``ranges``); this module only turns them into
:class:`~harness.audit.records.CaseResult` records, so every report and the JSON carry them
beside the per-case records. A comparison whose stored ranges are stale (or missing while the
pack stores ranges) gives ``unverifiable`` records saying so; a pack with no
``ipd/ranges.json`` at all gives none.

R equivalent: none (the ranges come from a search; see :mod:`harness.ipd.reconstruct.ranges`).
"""

from __future__ import annotations

from pathlib import Path

from harness.audit.records import CaseResult
from harness.verdict import Verdict

CHECK = "feasible_range"


def feasible_records(pack, comparisons: list) -> list[CaseResult]:
    """One record per held-out printed number of every comparison (in comparison order)."""
    from harness.ipd.feasible import stale_message

    cases = {f"{Path(c.file).stem}::{c.id}": c for c in pack.cases}
    out: list[CaseResult] = []
    for comp in comparisons:
        if comp.ranges_state == "none":
            continue
        rows = {r.key: r for r in comp.ranges}
        for row in comp.rows:
            if row.role != "held out" or row.case not in cases:
                continue
            case = cases[row.case]
            rng = rows.get(row.key)
            if comp.ranges_state == "current" and rng is not None:
                verdict, message = rng.verdict, rng.message
                details = {"comparison": comp.id, "key": row.key, "lo": rng.lo, "hi": rng.hi,
                           "written": rng.written, "bound_lo": rng.bound_lo,
                           "bound_hi": rng.bound_hi, "basis": rng.basis,
                           "witness": rng.witness, "truncated": rng.truncated}
            else:
                verdict = "unverifiable"
                message = stale_message(comp.ranges_state) or "no feasible range stored"
                details = {"comparison": comp.id, "key": row.key,
                           "ranges_state": comp.ranges_state}
            out.append(CaseResult(
                case=case.full_id, source=f"{case.source} (comparison {comp.id})",
                statistic=case.statistic, published=case.published, python=None, r=None,
                verdict=Verdict(verdict), message=f"{comp.id}: {message}", check=CHECK,
                details=details))
    return out

