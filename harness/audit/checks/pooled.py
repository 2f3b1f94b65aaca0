"""The pooled-constraint check: a printed whole-cohort number against the union of the groups
of every comparison that splits the same cohort (:mod:`harness.audit.pooled`, which the audit
session fills in from the pseudo-IPD sets and the exact union bounds)."""

from __future__ import annotations

from harness.audit.checks.registry import check
from harness.audit.context import Context
from harness.audit.records import CaseResult
from harness.pack.cases import Case


@check("pooled_constraint", uses_r=False)
def check_pooled_constraint(case: Case, ctx: Context) -> CaseResult:
    """Inconsistent when a split's printed group rates and sizes put the union's KM rate out
    of the print's reach (proof), consistent when every split's set is a witness,
    unverifiable otherwise (evidence, not proof).

    R equivalent: ``survfit(Surv(time, event) ~ 1)`` on the union of a set's groups.
    """
    pv = ctx.pooled[case.full_id]
    return CaseResult(
        case=case.full_id, source=case.source, statistic=case.statistic,
        published=case.published, python=pv.python, r=pv.r if ctx.use_r else None,
        verdict=pv.verdict,
        message=pv.message, check="pooled_constraint", expected=case.expect.verdict,
        details={"pooled_constraint": pv.to_details()})
