"""Run a case pack: every case judged by its check, in the pack's reading order."""

from __future__ import annotations

from harness.audit.checks import run_check
from harness.audit.context import Context
from harness.audit.records import CaseResult
from harness.errors import RError
from harness.pack.cases import Case, Pack


def audit_case(case: Case, ctx: Context) -> CaseResult:
    """Judge one case; an R failure becomes an ``error`` record carrying R's message."""
    try:
        return run_check(case, ctx)
    except RError as exc:
        return CaseResult(
            case=case.full_id, source=case.source, statistic=case.statistic,
            published=case.published, python=None, r=None, verdict="error",
            message=str(exc), check=case.estimand.check, expected=case.expect.verdict,
        )


def audit_pack(pack: Pack, use_r: bool = True) -> list[CaseResult]:
    """Judge every case of a pack.

    Raises
    ------
    RUnavailable
        ``use_r`` is True and R cannot be used (the message says what to install).
    """
    if use_r:
        from harness.r import bridge as rbridge

        rbridge.require()
    ctx = Context(pack.paper, use_r=use_r)
    return [audit_case(case, ctx) for case in pack.cases]
