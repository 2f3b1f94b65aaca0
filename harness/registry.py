"""The closed registry of estimands a case may name.

Each entry says how its published value is printed (which parser reads it), which inputs a
case must give for a recomputation, and which check judges it. A case naming anything else is
a case-file error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_COUNTS = {
    "type": "array",
    "minItems": 2,
    "items": {"type": "array", "minItems": 2, "items": {"type": "integer", "minimum": 0}},
    "description": "rows = categories, columns = groups, as whole counts",
}
_GROUP_MEAN_SD = {
    "type": "object",
    "required": ["label", "n", "mean_sd"],
    "additionalProperties": False,
    "properties": {
        "label": {"type": "string"},
        "n": {"type": "integer", "minimum": 1},
        "mean_sd": {"type": "string", "description": "as printed, e.g. '52.3 ± 12.8'"},
    },
}
_GROUP_MEDIAN_RANGE = {
    "type": "object",
    "required": ["label", "n", "median_range"],
    "additionalProperties": False,
    "properties": {
        "label": {"type": "string"},
        "n": {"type": "integer", "minimum": 1},
        "median_range": {"type": "string", "description": "as printed, e.g. '26 (4–242)'"},
    },
}


@dataclass(frozen=True)
class Estimand:
    """One registered estimand.

    Attributes
    ----------
    name : str
        The key a case file uses (``statistic = "..."``).
    description : str
    printed : str
        Kind of printed value: a key of :data:`harness.printed.PARSERS`.
    check : str
        Name of the check in :mod:`harness.checks` that judges it.
    inputs : dict
        JSON Schema of the case's ``inputs`` table.
    tests : tuple of str
        Test variants a case may list in ``tests`` (empty when not applicable).
    is_p : bool
        The estimand is a p-value (judged for significance decisions too).
    """

    name: str
    description: str
    printed: str
    check: str
    inputs: dict[str, Any] = field(default_factory=dict)
    tests: tuple[str, ...] = ()
    is_p: bool = False


ESTIMANDS: dict[str, Estimand] = {
    e.name: e
    for e in [
        Estimand(
            "contingency_p",
            "p of a test of independence on a contingency table (Fisher's exact, chi-square)",
            printed="number",
            check="contingency",
            inputs={
                "type": "object",
                "required": ["counts"],
                "additionalProperties": False,
                "properties": {
                    "counts": _COUNTS,
                    "rows": {"type": "array", "items": {"type": "string"}},
                    "columns": {"type": "array", "items": {"type": "string"}},
                },
            },
            tests=("fisher", "chisq", "chisq_yates"),
            is_p=True,
        ),
        Estimand(
            "ttest_p",
            "p of a two-sample t test, recomputed from each group's mean, SD and n",
            printed="number",
            check="ttest",
            inputs={
                "type": "object",
                "required": ["groups"],
                "additionalProperties": False,
                "properties": {
                    "groups": {"type": "array", "minItems": 2, "maxItems": 2,
                               "items": _GROUP_MEAN_SD},
                },
            },
            tests=("pooled", "welch"),
            is_p=True,
        ),
        Estimand(
            "mannwhitney_p",
            "p of a Mann-Whitney (Wilcoxon rank-sum) test; needs every value, not summaries",
            printed="number",
            check="needs_raw_data",
            inputs={
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "groups": {"type": "array", "items": _GROUP_MEDIAN_RANGE},
                    "printed_summaries": {"type": "array", "items": {"type": "string"}},
                },
            },
            is_p=True,
        ),
    ]
}

#: verdicts a case can record as expected
VERDICTS = ("consistent", "inconsistent", "decision_error", "unverifiable", "error")
#: verdicts that are findings about the paper (shown as strict xfail under pytest)
FINDINGS = ("inconsistent", "decision_error")


def get(name: str) -> Estimand:
    """Look up an estimand; ``KeyError`` names the registered ones."""
    try:
        return ESTIMANDS[name]
    except KeyError:
        raise KeyError(
            f"unknown estimand {name!r}; registered: {', '.join(sorted(ESTIMANDS))}"
        ) from None
