"""Pieces shared by the audit checks (baseline.py, survival.py, summary.py, crossref.py):
rounding boxes, grids, candidates and turning them into a record."""

from __future__ import annotations

import itertools
import math

import numpy as np

from harness.audit.context import Context
from harness.audit.judge import Candidate, disagreements, judge_p
from harness.audit.records import CaseResult
from harness.pack.cases import Case
from harness.pack.printed import Number


def p_result(case: Case, ctx: Context, check: str, candidates: list[Candidate]) -> CaseResult:
    """Record for a printed p judged against candidate recomputations."""
    details = candidate_details(candidates)
    bad = r_disagreement(case, check, ctx, candidates, details)
    if bad:
        return bad
    j = judge_p(case.value, candidates, ctx.paper)
    return record(case, check, j.verdict, j.message, ctx, j.best.python, j.best.r, details)


def box_points(number: Number, positive: bool = False, pivot: float | None = None) -> list[float]:
    """The values a printed number can stand for that bound a monotone function of it.

    Printed value first, then both ends of its rounding interval, and ``pivot`` when it lies
    inside (e.g. 1 for a hazard ratio: ``ln HR`` changes sign there, so ``|z|`` has its
    minimum there). ``positive`` keeps the low end above 0 (a bound printed ``0.0``).
    """
    lo, hi = number.lo, number.hi
    if positive:
        lo = max(lo, number.value * 1e-3 if number.value > 0 else 1e-12)
    pts = [number.value, lo, hi]
    if pivot is not None and lo < pivot < hi:
        pts.append(pivot)
    return pts


def grid(*axes: list[float]) -> list[np.ndarray]:
    """Cartesian product of the axes; row 0 is the printed values (first of every axis)."""
    rows = list(itertools.product(*axes))
    arr = np.array(rows, dtype=float)
    return [arr[:, i] for i in range(arr.shape[1])]


def candidate(method: str, label: str, py: np.ndarray, r: np.ndarray | None) -> Candidate:
    """A Candidate from a function evaluated on a grid (row 0 = the printed inputs)."""
    py = np.atleast_1d(np.asarray(py, dtype=float))
    ok = py[np.isfinite(py)]
    r_arr = None if r is None else np.atleast_1d(np.asarray(r, dtype=float))
    r_ok = None if r_arr is None else r_arr[np.isfinite(r_arr)]
    return Candidate(
        method, label, float(py[0]),
        None if r_arr is None else float(r_arr[0]),
        float(ok.min()) if ok.size else math.nan, float(ok.max()) if ok.size else math.nan,
        None if r_ok is None or not r_ok.size else float(r_ok.min()),
        None if r_ok is None or not r_ok.size else float(r_ok.max()),
    )


def r_call(ctx: Context, name: str, *args, key: str | None = None):
    """Call an R function of harness/r/*.R when R runs; None otherwise."""
    if not ctx.use_r:
        return None
    from harness.r import bridge as rbridge

    out = rbridge.call(name, *args)
    return out[key] if key else out


def record(case: Case, check: str, verdict: str, message: str, ctx: Context,
           python: float | None = None, r: float | None = None,
           details: dict | None = None, exact: bool = False) -> CaseResult:
    """A CaseResult for this case; notes a Python-only run in the message.

    ``exact``: the check's arithmetic is exact (integer sums, one division), so R is never
    asked and a Python-only run is not worth a note.
    """
    if not ctx.use_r and python is not None and not exact:
        message += " [Python only: R not run]"
    return CaseResult(
        case=case.full_id, source=case.source, statistic=case.statistic,
        published=case.published, python=python, r=r if ctx.use_r else None,
        verdict=verdict, message=message, check=check, expected=case.expect.verdict,
        details=details or {},
    )


def r_disagreement(case: Case, check: str, ctx: Context, candidates: list[Candidate],
                   details: dict | None = None) -> CaseResult | None:
    """An ``error`` record when Python and R disagree on any candidate; else None."""
    if not ctx.use_r:
        return None
    wrong = disagreements(candidates)
    if not wrong:
        return None
    return record(case, check, "error", "Python and R disagree: " + "; ".join(wrong), ctx,
                  candidates[0].python, candidates[0].r, details)


def candidate_details(candidates: list[Candidate]) -> dict:
    """Each candidate's label, Python and R values and range over rounding, by method."""
    return {c.method: {"label": c.label, "python": c.python, "r": c.r, "low": c.low,
                       "high": c.high} for c in candidates}
