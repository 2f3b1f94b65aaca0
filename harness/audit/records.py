"""The typed record each check returns for one case; reports render these, never recompute."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.verdict import Verdict


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
    verdict : Verdict
        consistent, inconsistent, decision_error, unverifiable or error (a str enum).
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
    verdict: Verdict
    message: str
    check: str
    expected: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Verdict(self.verdict))  # a typo fails here

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; NaN (not computable) becomes null."""
        out = nan_to_none(asdict(self))
        out["verdict"] = str(self.verdict)
        return out


def nan_to_none(value: Any) -> Any:
    """``value`` with every NaN float (nested in dicts, lists, tuples) replaced by None."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: nan_to_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [nan_to_none(v) for v in value]
    return value
