"""Checks: each judges the cases of some estimands and returns a :class:`CaseResult`.

A check recomputes in Python and, unless R is switched off, in R through the bridge; the two
must agree before the printed number is judged.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.audit.context import Context
from harness.audit.records import CaseResult
from harness.pack.cases import Case

Check = Callable[[Case, Context], CaseResult]


def _registry() -> dict[str, Check]:
    from harness.audit.checks import baseline, crossref, raw, summary, survival

    return {
        "contingency": baseline.check_contingency,
        "ttest": baseline.check_ttest,
        "needs_raw_data": raw.check_needs_raw_data,
        "hr_vs_ci": survival.check_hr_vs_ci,
        "ci_vs_hr": survival.check_ci_vs_hr,
        "p_vs_ci": survival.check_p_vs_ci,
        "count_sum": summary.check_count_sum,
        "percent_of_count": summary.check_percent_of_count,
        "pooled_mean_sd": summary.check_pooled_mean_sd,
        "pooled_median_range": summary.check_pooled_median_range,
        "same_number": crossref.check_same_number,
    }


#: checks that never call R (nothing is recomputed, or only printed numbers are compared)
NO_R_CHECKS = frozenset({"needs_raw_data", "same_number"})


def run_check(case: Case, ctx: Context) -> CaseResult:
    """Judge one case with the check its estimand names."""
    return _registry()[case.estimand.check](case, ctx)


def uses_r(case: Case) -> bool:
    """Whether judging this case calls R (so a pytest item needs R)."""
    if case.estimand.check in NO_R_CHECKS:
        return False
    if case.estimand.check == "count_sum":
        return bool(case.inputs.get("parts"))
    if case.estimand.check in ("hr_vs_ci", "ci_vs_hr", "p_vs_ci"):
        # judged without R when the case lacks the HR or CI it needs, or prints 'ns'
        from harness.pack import printed

        need = {"hr_vs_ci": ("ci",), "ci_vs_hr": ("hr",), "p_vs_ci": ("hr", "ci")}
        if isinstance(case.value, printed.NotSignificant):
            return False
        return all(case.inputs.get(k) for k in need[case.estimand.check])
    return True
