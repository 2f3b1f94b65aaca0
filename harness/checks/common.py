"""Pieces shared by checks: turning candidates into a record."""

from __future__ import annotations

from harness.cases import Case
from harness.checks import Context
from harness.consistency import Candidate, disagreements, judge_p
from harness.records import CaseResult


def p_result(case: Case, ctx: Context, check: str, candidates: list[Candidate]) -> CaseResult:
    """Record for a printed p judged against candidate recomputations."""
    details = {
        c.method: {"label": c.label, "python": c.python, "r": c.r, "low": c.low, "high": c.high}
        for c in candidates
    }
    base = dict(case=case.full_id, source=case.source, statistic=case.statistic,
                published=case.published, check=check, expected=case.expect.verdict,
                details=details)
    if ctx.use_r:
        wrong = disagreements(candidates)
        if wrong:
            return CaseResult(python=candidates[0].python, r=candidates[0].r, verdict="error",
                              message="Python and R disagree: " + "; ".join(wrong), **base)
    j = judge_p(case.value, candidates, ctx.paper.alpha,
                p_le=ctx.paper.significant_if == "p <= alpha")
    message = j.message if ctx.use_r else j.message + " [Python only: R not run]"
    return CaseResult(python=j.best.python, r=j.best.r if ctx.use_r else None,
                      verdict=j.verdict, message=message, **base)
