"""The registry of checks: ``@check("name")`` registers the function that judges the cases
whose estimand names that check (see :mod:`harness.pack.registry`)."""

from __future__ import annotations

from collections.abc import Callable

from harness.audit.context import Context
from harness.audit.records import CaseResult
from harness.pack.cases import Case

Check = Callable[[Case, Context], CaseResult]


#: check name (as the registry's estimands name it) -> the function that judges a case
CHECKS: dict[str, Check] = {}
#: checks that never call R (nothing is recomputed, only printed numbers are compared, or
#: the arithmetic is exact)
NO_R_CHECKS: set[str] = set()


def check(name: str, uses_r: bool = True) -> Callable[[Check], Check]:
    """Register the decorated function as the check ``name`` (``@check("hr_vs_ci")``)."""

    def register(fn: Check) -> Check:
        if name in CHECKS:
            raise ValueError(f"check {name!r} is registered twice")
        CHECKS[name] = fn
        if not uses_r:
            NO_R_CHECKS.add(name)
        return fn

    return register
