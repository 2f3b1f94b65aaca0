"""One quantity printed in several places (abstract, text, tables) must agree.

A ``same_number`` case holds one occurrence as ``published`` and lists the others in
``inputs.occurrences`` with their places. Printed numbers stand for intervals (their
rounding; ``<0.001`` for everything below 0.001); the occurrences agree when those intervals
share a value. No recomputation: the comparison is of printed numbers only, so R is not run.
"""

from __future__ import annotations

from harness.audit.checks.common import record
from harness.audit.checks.registry import check
from harness.audit.context import Context
from harness.audit.judge import printed_significance
from harness.pack import printed, registry
from harness.pack.cases import Case


def _finite(x: float) -> float | None:
    """JSON has no infinity: an open end ('<0.001' has no lower end) becomes None."""
    return x if abs(x) != float("inf") else None


@check("same_number", uses_r=False)
def check_same_number(case: Case, ctx: Context):
    check = "same_number"
    here = case.value
    of = case.inputs["of"]
    occ = case.inputs["occurrences"]
    others = [(o, printed.parse_p_value(o["published"])) for o in occ]
    if isinstance(here, printed.NotSignificant) or any(
            isinstance(v, printed.NotSignificant) for _, v in others):
        return record(case, check, "unverifiable",
                      "one occurrence is printed as 'ns' (a call without a value)", ctx)
    lo = max([here.lo] + [v.lo for _, v in others])
    hi = min([here.hi] + [v.hi for _, v in others])
    where = case.source
    listing = "; ".join(f"{v.text} ({o['where']})" for o, v in others)
    details = {"occurrences": [{"published": o["published"], "where": o["where"],
                                "low": _finite(v.lo), "high": _finite(v.hi)} for o, v in others],
               "here": {"low": _finite(here.lo), "high": _finite(here.hi)}}
    if lo <= hi + 1e-12:
        return record(case, check, "consistent",
                      f"{here.text} ({where}) agrees with {listing}", ctx, details=details)
    clash = [(o, v) for o, v in others if not (v.lo <= here.hi + 1e-12 and here.lo <= v.hi + 1e-12)]
    clash = clash or others
    named = "; ".join(f"{v.text} ({o['where']})" for o, v in clash)
    verdict = "inconsistent"
    extra = ""
    if registry.ESTIMANDS.get(of) is not None and registry.ESTIMANDS[of].is_p:
        calls = {printed_significance(v, ctx.paper) for v in [here] +
                 [v for _, v in clash]}
        if None not in calls and len(calls) > 1:
            verdict = "decision_error"
            extra = f"; they make different significance calls at alpha={ctx.paper.alpha:g}"
        else:
            extra = "; both make the same significance call"
    return record(case, check, verdict,
                  f"the same {of.replace('_', ' ')} is printed as {here.text} ({where}) and as "
                  f"{named}: the printed values cannot be the same number{extra}",
                  ctx, details=details)
