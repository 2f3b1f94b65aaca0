"""The closed registry of estimands a case may name.

Each entry says how its published value is printed (which parser reads it), which inputs a
case must give for a recomputation, and which check judges it. A case naming anything else is
a case-file error.
"""

from __future__ import annotations

from harness.pack.data_estimands import DATA_ESTIMANDS
from harness.pack.estimand import Estimand

__all__ = ["ESTIMANDS", "Estimand", "get"]

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


_PRINTED = {"type": "string", "minLength": 1, "description": "as printed"}
_GROUP_MEDIAN = {
    "type": "object",
    "required": ["label"],
    "additionalProperties": False,
    "properties": {
        "label": {"type": "string"},
        "median": {"type": "string", "description": "a printed median survival, e.g. '40.3'"},
    },
}
_HR_INPUTS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "hr": {**_PRINTED, "description": "the printed hazard ratio, e.g. '2.711'"},
        "ci": {**_PRINTED, "description": "the printed CI, e.g. '1.214-6.053'"},
        "level": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1,
                  "description": "confidence level of the CI (default 0.95)"},
        "reference": {"type": "string",
                      "description": "label of the reference group (the HR = 1 row), if printed"},
        "groups": {"type": "array", "minItems": 2, "items": _GROUP_MEDIAN,
                   "description": "the groups with their printed medians (first, second row)"},
        "n_groups": {"type": "integer", "minimum": 2},
    },
}
_COUNT_OF = {
    "type": "object",
    "required": ["count", "n"],
    "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "minimum": 0},
        "n": {"type": "integer", "minimum": 1},
        "of": {"type": "string", "description": "what n counts"},
    },
}
_GROUP_SUMMARY = {
    "type": "object",
    "required": ["label"],
    "additionalProperties": False,
    "properties": {
        "label": {"type": "string"},
        "n": {"type": "integer", "minimum": 1},
        "median_range": {"type": "string", "description": "as printed, e.g. '26 (4–242)'"},
        "median": {"type": "string", "description": "a median printed without its range"},
    },
}
_OCCURRENCE = {
    "type": "object",
    "required": ["published", "where"],
    "additionalProperties": False,
    "properties": {
        "published": {**_PRINTED, "description": "the other occurrence, exactly as printed"},
        "where": {"type": "string", "minLength": 1,
                  "description": "its place: 'Table 1, No. of metastases, 1–4' or a quote"},
        "case": {"type": "string", "description": "id of the case encoding it, if any"},
    },
}


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
        Estimand(
            "hazard_ratio",
            "a hazard ratio, judged against its printed CI (log HR at the log midpoint)",
            printed="number",
            check="hr_vs_ci",
            inputs=_HR_INPUTS,
        ),
        Estimand(
            "hazard_ratio_ci",
            "the CI of a hazard ratio: ordered, positive, containing the HR, symmetric in log",
            printed="interval",
            check="ci_vs_hr",
            inputs=_HR_INPUTS,
        ),
        Estimand(
            "logrank_p",
            "p of a log-rank test, recovered from the printed HR and CI (Wald z of the CI; "
            "log-rank chi-square (O-E)^2/V under Prism's Mantel-Haenszel convention)",
            printed="p_value",
            check="p_vs_ci",
            inputs=_HR_INPUTS,
            tests=("wald_ci", "mh_logrank"),
            is_p=True,
        ),
        Estimand(
            "cox_wald_p",
            "p of a Cox model coefficient, recovered from its HR and CI (Wald z)",
            printed="p_value",
            check="p_vs_ci",
            inputs=_HR_INPUTS,
            tests=("wald_ci",),
            is_p=True,
        ),
        Estimand(
            "gbw_p",
            "p of a Gehan-Breslow-Wilcoxon test; needs the individual times",
            printed="p_value",
            check="needs_raw_data",
            inputs={"type": "object"},
            is_p=True,
        ),
        Estimand(
            "median_survival",
            "a Kaplan-Meier median survival time (or NR, not reached); needs the individual "
            "times",
            printed="median",
            check="needs_raw_data",
            inputs={"type": "object", "additionalProperties": False,
                    "properties": {"group": {"type": "string"}, "unit": {"type": "string"}}},
        ),
        Estimand(
            "median_value",
            "the median of a measured quantity (size, age, count); needs the individual values",
            printed="number",
            check="needs_raw_data",
            inputs={"type": "object", "additionalProperties": False,
                    "properties": {"range": {"type": "string"}, "unit": {"type": "string"}}},
        ),
        Estimand(
            "km_rate",
            "a Kaplan-Meier survival rate at a time point; needs the individual times",
            printed="number",
            check="needs_raw_data",
            inputs={"type": "object", "additionalProperties": False,
                    "properties": {"time": {"type": "string"}, "group": {"type": "string"}}},
        ),
        Estimand(
            "count",
            "a count; with `parts`, the total must equal their sum",
            printed="number",
            check="count_sum",
            inputs={"type": "object", "additionalProperties": False,
                    "properties": {
                        "parts": {"type": "array", "minItems": 1,
                                  "items": {"type": "integer", "minimum": 0}},
                        "labels": {"type": "array", "items": {"type": "string"}},
                    }},
        ),
        Estimand(
            "percentage",
            "a percentage of a count: count / n * 100 must round to it (GRIM-style)",
            printed="number",
            check="percent_of_count",
            inputs=_COUNT_OF,
        ),
        Estimand(
            "mortality_rate",
            "a mortality rate in percent: deaths / n * 100 must round to it",
            printed="number",
            check="percent_of_count",
            inputs=_COUNT_OF,
        ),
        Estimand(
            "anova_p",
            "p of a one-way ANOVA across two or more groups, recomputed from each group's "
            "mean, SD and n (pooled F; Welch's on request)",
            printed="number",
            check="anova",
            inputs={"type": "object", "required": ["groups"], "additionalProperties": False,
                    "properties": {"groups": {"type": "array", "minItems": 2, "maxItems": 16,
                                              "items": _GROUP_MEAN_SD}}},
            tests=("anova", "welch_anova"),
            is_p=True,
        ),
        Estimand(
            "mean_sd",
            "a total mean ± SD, equal to the pooled groups' (exact pooled-SD formula)",
            printed="mean_sd",
            check="pooled_mean_sd",
            inputs={"type": "object", "required": ["groups"], "additionalProperties": False,
                    "properties": {"groups": {"type": "array", "minItems": 2,
                                              "items": _GROUP_MEAN_SD}}},
        ),
        Estimand(
            "median_range",
            "a total median (range): the range spans the groups' ranges, the median lies "
            "between the groups' medians",
            printed="median_range",
            check="pooled_median_range",
            inputs={"type": "object", "required": ["groups"], "additionalProperties": False,
                    "properties": {"groups": {"type": "array", "minItems": 2,
                                              "items": _GROUP_SUMMARY}}},
        ),
        Estimand(
            "same_number",
            "one quantity printed in several places (abstract, text, tables): all must agree",
            printed="p_value",
            check="same_number",
            inputs={"type": "object", "required": ["of", "occurrences"],
                    "additionalProperties": False,
                    "properties": {
                        "of": {"type": "string", "description": "the estimand it is, e.g. "
                               "'median_survival' or 'logrank_p'"},
                        "occurrences": {"type": "array", "minItems": 1, "items": _OCCURRENCE},
                    }},
        ),
    ]
}

# estimands recomputed from a pack's patient data (check "from_data")
ESTIMANDS.update({e.name: e for e in DATA_ESTIMANDS})


def get(name: str) -> Estimand:
    """Look up an estimand; ``KeyError`` names the registered ones."""
    try:
        return ESTIMANDS[name]
    except KeyError:
        raise KeyError(
            f"unknown estimand {name!r}; registered: {', '.join(sorted(ESTIMANDS))}"
        ) from None
