"""The joint-feasibility check: a printed median, rate or k-group p judged by whether one data
set satisfies it together with every other printed number of its comparison
(:mod:`harness.audit.joint`, which the audit session fills in from the pseudo-IPD sets)."""

from __future__ import annotations

from harness.audit.checks.registry import check
from harness.audit.context import Context
from harness.audit.records import CaseResult
from harness.pack.cases import Case


@check("joint_feasibility", uses_r=False)
def check_joint_feasibility(case: Case, ctx: Context) -> CaseResult:
    """The joint verdict of the comparisons targeting this case (consistent: a named CSV
    satisfies it with the comparison's other numbers, verified by recomputation;
    inconsistent: the exact screen's smallest conflicting set; unverifiable: the search
    failed, evidence not proof).

    R equivalent: the recomputation on the set is ``harness_ipd_stats`` (harness/r/ipd.R).
    """
    jv = ctx.joint.get(case.full_id)
    if jv is None:
        return CaseResult(
            case=case.full_id, source=case.source, statistic=case.statistic,
            published=case.published, python=None, r=None, verdict="unverifiable",
            message="no pseudo-IPD comparison targets this number (run the audit with the "
                    "pack's ipd/ comparisons)", check="joint_feasibility",
            expected=case.expect.verdict)
    best = jv.best
    return CaseResult(
        case=case.full_id, source=case.source, statistic=case.statistic,
        published=case.published, python=best.python, r=best.r if ctx.use_r else None,
        verdict=jv.verdict, message=jv.message, check="joint_feasibility",
        expected=case.expect.verdict, details={"joint": jv.to_details()})
