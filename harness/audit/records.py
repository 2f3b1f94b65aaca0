"""The typed record each check returns for one case; reports render these, never recompute."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class CaseResult:
    """The audit of one printed number.

    Attributes
    ----------
    case : str
        Full case id (``pack::file::id``).
    source : str
        Where the number stands in the paper.
    statistic : str
        Estimand name from the registry.
    published : str
        The number exactly as printed.
    python, r : float or None
        The recomputed value closest to the printed one, in Python and in R (None when not
        recomputed, or R not run).
    verdict : str
        consistent, inconsistent, decision_error, unverifiable or error.
    message : str
        One line an auditor can read aloud.
    check : str
        Which check produced the record.
    expected : str
        The verdict the case pack records for this case.
    details : dict
        Per-method values and anything else the check reports.
    """

    case: str
    source: str
    statistic: str
    published: str
    python: float | None
    r: float | None
    verdict: str
    message: str
    check: str
    expected: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; NaN (not computable) becomes null."""
        return _nan_to_none(asdict(self))


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nan_to_none(v) for v in value]
    return value
