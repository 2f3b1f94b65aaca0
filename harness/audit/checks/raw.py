"""Statistics that no printed summary determines: judged ``unverifiable``, with the reason."""

from __future__ import annotations

from harness.audit.checks.registry import check
from harness.audit.context import Context
from harness.audit.records import CaseResult
from harness.pack.cases import Case

_REASONS = {
    "mannwhitney_p": (
        "a Mann-Whitney p depends on the rank of every value; medians and ranges do not "
        "determine it"
    ),
    "gbw_p": (
        "a Gehan-Breslow-Wilcoxon p weights each event time by the number at risk; it needs "
        "the individual survival times"
    ),
    "median_survival": (
        "a Kaplan-Meier median needs the individual survival times (or a printed curve to "
        "digitise)"
    ),
    "median_value": (
        "a median of measured values needs the values themselves; a median and range "
        "printed alone cannot be checked against anything else the paper prints"
    ),
    "km_rate": (
        "a Kaplan-Meier rate at a time point needs the individual survival times"
    ),
}


@check("needs_raw_data", uses_r=False)
def check_needs_raw_data(case: Case, ctx: Context) -> CaseResult:
    """Record why the printed number cannot be recomputed from what the paper prints."""
    reason = _REASONS.get(case.statistic, "the paper does not print what it would take")
    return CaseResult(
        case=case.full_id, source=case.source, statistic=case.statistic,
        published=case.published, python=None, r=None, verdict="unverifiable",
        message=reason, check="needs_raw_data", expected=case.expect.verdict,
    )
