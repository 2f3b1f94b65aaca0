"""Checks: each judges the cases of some estimands and returns a :class:`CaseResult`.

A check recomputes in Python and, unless R is switched off, in R through the bridge; the two
must agree before the printed number is judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from harness.cases import Case, Paper
from harness.records import CaseResult


@dataclass(frozen=True)
class Context:
    """What a check needs besides the case: the paper, and whether R runs."""

    paper: Paper
    use_r: bool = True


Check = Callable[[Case, Context], CaseResult]


def _registry() -> dict[str, Check]:
    from harness.checks import baseline, raw

    return {
        "contingency": baseline.check_contingency,
        "ttest": baseline.check_ttest,
        "needs_raw_data": raw.check_needs_raw_data,
    }


def run_check(case: Case, ctx: Context) -> CaseResult:
    """Judge one case with the check its estimand names."""
    return _registry()[case.estimand.check](case, ctx)


def uses_r(case: Case) -> bool:
    """Whether judging this case calls R (so a pytest item needs R)."""
    return case.estimand.check != "needs_raw_data"
