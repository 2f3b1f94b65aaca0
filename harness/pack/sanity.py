"""Printed values no paper can mean, and inputs the schema cannot express: case-file errors.

The JSON Schema checks types and shapes key by key; what it cannot say is checked here, after
parsing, so the error names the file and the key instead of reaching a check as a traceback or,
worse, as a finding about the paper:

- a number that overflows to infinity (``1e400`` written out in digits);
- a p (a p-valued estimand's published value, a ``same_number`` occurrence of a p) below 0 or
  above 1, or written ``< 0`` / ``> 1``;
- a hazard ratio or CI bound below 0, or an HR printed as exactly 0;
- a negative SD in ``mean ± SD``; a range whose minimum exceeds its maximum;
- ragged ``counts`` (rows of different lengths), a row or column of counts that is all zero;
- a t test with a group of n < 2 (an SD needs two values);
- a percentage whose ``count`` exceeds its ``n``.

A value that is possible but degenerate (a zero-width CI, ``0 ± 0``) is not an error here: its
check judges it ``unverifiable`` with the reason.

R equivalent: not applicable (validation of case files).
"""

from __future__ import annotations

import math
from typing import Any

from harness.errors import CaseFileError
from harness.pack import printed, registry


def _finite(value: Any, file: str, key: str) -> None:
    for num in _numbers(value):
        if not math.isfinite(num.value):
            raise CaseFileError(file, key, f"{num.text!r} overflows to infinity; "
                                "a printed number has a finite value")


def _numbers(value: Any) -> list[printed.Number]:
    if isinstance(value, printed.Number):
        return [value]
    if isinstance(value, printed.Interval):
        return [value.lower, value.upper]
    if isinstance(value, printed.MeanSD):
        return [value.mean, value.sd]
    if isinstance(value, printed.MedianRange):
        return [value.median, value.range.lower, value.range.upper]
    return []


def _p_in_unit(num: Any, file: str, key: str) -> None:
    if not isinstance(num, printed.Number):
        return
    v = num.value / 100 if num.percent else num.value
    impossible = (v < 0 or v > 1 or (num.relation in ("<", "<=") and v <= 0)
                  or (num.relation in (">", ">=") and v >= 1))
    if impossible:
        raise CaseFileError(file, key, f"{num.text!r} is not a possible p-value "
                            "(a p lies between 0 and 1)")


def _positive_ratio(num: printed.Number, file: str, key: str, what: str) -> None:
    if num.value < 0:
        raise CaseFileError(file, key, f"{num.text!r}: a {what} cannot be negative")
    if what == "hazard ratio" and num.value == 0 and num.relation == "=":
        raise CaseFileError(file, key, f"{num.text!r}: a hazard ratio of 0 is impossible "
                            "(if the paper prints it, encode the case as unverifiable text: "
                            "the rounding hides the value)")


def _check_group_texts(inputs: dict, file: str, prefix: str, statistic: str) -> None:
    for gi, group in enumerate(inputs.get("groups", [])):
        key = f"{prefix}.groups[{gi}]"
        if "mean_sd" in group:
            ms = printed.parse_mean_sd(group["mean_sd"])
            _finite(ms, file, f"{key}.mean_sd")
            if ms.sd.value < 0:
                raise CaseFileError(file, f"{key}.mean_sd",
                                    f"{group['mean_sd']!r}: an SD cannot be negative")
        if "median_range" in group:
            mr = printed.parse_median_range(group["median_range"])
            _finite(mr, file, f"{key}.median_range")
            _ordered_range(mr.range, file, f"{key}.median_range")
        if "median" in group:
            _finite(printed.parse_number(group["median"]), file, f"{key}.median")
        test = {"ttest_p": "a t test", "anova_p": "a one-way ANOVA"}.get(statistic)
        if test and group.get("n", 2) < 2:
            raise CaseFileError(file, f"{key}.n", f"n = {group['n']}: {test} needs at least "
                                "2 values per group (an SD of one value is undefined)")


def _ordered_range(iv: printed.Interval, file: str, key: str) -> None:
    if iv.lower.value > iv.upper.value:
        raise CaseFileError(file, key, f"{iv.text!r}: the range's minimum exceeds its maximum")


def _check_counts(counts: list, file: str, key: str) -> None:
    widths = {len(row) for row in counts}
    if len(widths) > 1:
        lens = ", ".join(str(len(r)) for r in counts)
        raise CaseFileError(file, key, f"ragged table: rows have {lens} cells; every row "
                            "needs one count per group (column)")
    for ri, row in enumerate(counts):
        if not any(row):
            raise CaseFileError(file, f"{key}[{ri}]", "this row is all zero: a category "
                                "with no subjects in any group cannot enter the test")
    for ci in range(len(counts[0])):
        if not any(row[ci] for row in counts):
            raise CaseFileError(file, key, f"column {ci} is all zero: a group with no "
                                "subjects cannot be compared")


def check_case(raw: dict, est: registry.Estimand, value: Any, file: str, prefix: str) -> None:
    """Raise :class:`CaseFileError` for a printed value or input no paper can mean.

    ``raw`` is the case as read (schema-valid), ``value`` its parsed published value,
    ``prefix`` its key (``case[3] (id 'x')``).
    """
    key = f"{prefix}.published"
    _finite(value, file, key)
    if est.is_p:
        _p_in_unit(value, file, key)
    inputs = raw.get("inputs", {})
    ipre = f"{prefix}.inputs"
    if est.check in ("hr_vs_ci", "ci_vs_hr", "p_vs_ci"):
        hr = value if est.name == "hazard_ratio" else (
            printed.parse_number(inputs["hr"]) if inputs.get("hr") else None)
        ci = value if est.name == "hazard_ratio_ci" else (
            printed.parse_interval(inputs["ci"]) if inputs.get("ci") else None)
        hkey = key if est.name == "hazard_ratio" else f"{ipre}.hr"
        ckey = key if est.name == "hazard_ratio_ci" else f"{ipre}.ci"
        if hr is not None:
            _finite(hr, file, hkey)
            _positive_ratio(hr, file, hkey, "hazard ratio")
        if ci is not None:
            _finite(ci, file, ckey)
            for bound in (ci.lower, ci.upper):
                _positive_ratio(bound, file, ckey, "CI bound of a hazard ratio")
    if est.printed == "median_range" and isinstance(value, printed.MedianRange):
        _ordered_range(value.range, file, key)
    _check_group_texts(inputs, file, ipre, est.name)
    if "counts" in inputs:
        _check_counts(inputs["counts"], file, f"{ipre}.counts")
    if est.check == "percent_of_count" and inputs.get("count", 0) > inputs.get("n", math.inf):
        raise CaseFileError(file, f"{ipre}.count", f"count {inputs['count']} exceeds "
                            f"n {inputs['n']}: a part cannot be larger than the whole")
    of = registry.ESTIMANDS.get(inputs.get("of", ""))
    for oi, occ in enumerate(inputs.get("occurrences", [])):
        okey = f"{ipre}.occurrences[{oi}].published"
        num = printed.parse_p_value(occ["published"])
        _finite(num, file, okey)
        if of is not None and of.is_p:
            _p_in_unit(num, file, okey)
    if est.name == "same_number" and of is not None and of.is_p:
        _p_in_unit(value, file, key)
