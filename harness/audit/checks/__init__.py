"""Checks: each judges the cases of some estimands and returns a :class:`CaseResult`.

A check recomputes in Python and, unless R is switched off, in R through the bridge; the two
must agree before the printed number is judged.
"""

from __future__ import annotations

from dataclasses import replace

from harness.audit.checks.registry import CHECKS, NO_R_CHECKS, check  # noqa: F401
from harness.audit.context import Context
from harness.audit.records import CaseResult
from harness.pack.cases import Case


def run_check(case: Case, ctx: Context) -> CaseResult:
    """Judge one case with the check its estimand names.

    A printed number a pseudo-IPD comparison targets and no summary check can judge (a median,
    a rate, a k-group p) is judged by its joint verdict instead (``joint_feasibility``,
    :mod:`harness.audit.joint`), and a whole-cohort number with pooled constraints by
    ``pooled_constraint`` (:mod:`harness.audit.pooled`); other targeted numbers keep their
    check and carry the joint verdict in ``details["joint"]`` when their comparison is not
    consistent.
    """
    if case.full_id in ctx.pooled:
        return CHECKS["pooled_constraint"](case, ctx)
    jv = ctx.joint.get(case.full_id)
    if jv is not None and jv.replaces:
        return CHECKS["joint_feasibility"](case, ctx)
    res = CHECKS[case.estimand.check](case, ctx)
    if jv is not None and any(e.comparison_verdict != "consistent" for e in jv.entries) \
            and "joint" not in res.details:
        res = replace(res, details={**res.details, "joint": jv.to_details()})
    return res


def uses_r(case: Case) -> bool:
    """Whether judging this case calls R (so a pytest item needs R)."""
    if case.estimand.check in NO_R_CHECKS:
        return False
    if case.estimand.check in ("hr_vs_ci", "ci_vs_hr", "p_vs_ci"):
        # judged without R when the case lacks the HR or CI it needs, or prints 'ns'
        from harness.pack import printed

        need = {"hr_vs_ci": ("ci",), "ci_vs_hr": ("hr",), "p_vs_ci": ("hr", "ci")}
        if isinstance(case.value, printed.NotSignificant):
            return False
        return all(case.inputs.get(k) for k in need[case.estimand.check])
    return True


# the check modules register themselves with @check when imported
from harness.audit.checks import baseline, crossref, data, joint, pooled, raw, summary, survival  # noqa: E402,F401,I001
