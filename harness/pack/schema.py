"""JSON Schemas of case-pack files, and validation whose errors name the file and the key.

A pack is a folder holding ``pack.toml`` (the paper) and one or more case files
(``*.toml``, each with ``[[case]]`` tables). The schemas are built from the estimand
registry, so the closed list of statistics lives in one place.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema

from harness.errors import CaseFileError
from harness.pack import registry
from harness.pack.fastschema import compile_schema
from harness.verdict import FINDINGS, VERDICTS

_COLUMN = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_.]*$"}

#: ``[[data]]`` in pack.toml: a CSV under the pack, its columns, coding and derivations
DATA_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "file", "time", "event", "columns"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9_]+$"},
            "file": {"type": "string", "pattern": r"^[A-Za-z0-9_./-]+\.(csv|parquet)$"},
            "time": _COLUMN,
            "event": _COLUMN,
            "event_coding": {"anyOf": [
                {"enum": ["01", "12"]},
                {"type": "object", "minProperties": 2,
                 "additionalProperties": {"enum": [0, 1]}}]},
            "unit": {"type": "string"},
            "source": {"type": "string"},
            "license": {"type": "string"},
            "columns": {"type": "object", "minProperties": 2,
                        "propertyNames": _COLUMN,
                        "additionalProperties": {"enum": ["string", "number"]}},
            "derive": {"type": "object", "propertyNames": _COLUMN,
                       "additionalProperties": {"type": "string", "minLength": 1}},
        },
    },
}

_LEVEL = {"type": ["string", "number"]}
#: a case's ``data = {...}``: which data set, which rows, which columns play which role
CASE_DATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["source"],
    "additionalProperties": False,
    "properties": {
        "source": {"type": "string"},
        "group": _COLUMN,
        "level": _LEVEL,
        "numerator": _LEVEL,
        "reference": _LEVEL,
        "strata": _COLUMN,
        "covariates": {"type": "array", "minItems": 1, "items": _COLUMN},
        "term": _COLUMN,
        "variable": _COLUMN,
        "value": {"anyOf": [_LEVEL, {"type": "array", "minItems": 1, "items": _LEVEL}]},
        "subset": {"type": "object", "propertyNames": _COLUMN, "additionalProperties": {
            "anyOf": [_LEVEL, {"type": "array", "minItems": 1, "items": _LEVEL}]}},
    },
}

#: a data-backed case's ``method = {...}``: the software convention that printed the number
METHOD_OPTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "describe": {"type": "string"},
        "conf_type": {"enum": ["log", "plain", "log-log", "logit", "arcsin"]},
        "conf_level": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "z": {"type": "number", "exclusiveMinimum": 0, "maximum": 10,
              "description": "the normal quantile of the intervals as the software rounds it, "
                             "e.g. 1.96 (instead of conf_level)"},
        "median_rule": {"enum": ["R", "prism", "spss", "lifelines", "sas"]},
        "ties": {"enum": ["efron", "breslow", "exact"]},
        "weights": {"enum": ["logrank", "peto", "fleming-harrington", "gehan-breslow",
                             "tarone-ware", "peto-peto", "modified-peto",
                             "modestly-weighted"]},
        "rho": {"type": "number", "minimum": 0},
        "gamma": {"type": "number", "minimum": 0},
        "t_star": {"type": "number", "minimum": 0},
        "s_star": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "hr_method": {"enum": ["mantel-haenszel", "logrank", "cox"]},
        "cox_levels": {"enum": ["pair", "all"]},
        "convergence": {"enum": ["r", "sas"],
                        "description": "Cox stop: R's eps rule, or SAS PHREG's GCONV=1E-8"},
        "test": {"enum": ["wald", "score", "lr", "fisher", "chisq", "chisq_yates", "pooled",
                          "welch", "exact", "normal", "auto"]},
        "tau": {"type": "number", "exclusiveMinimum": 0},
        "time": {"type": "number", "minimum": 0},
        "percent": {"type": "boolean"},
        "timefix": {"type": "boolean"},
    },
}

PAPER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["paper"],
    "additionalProperties": False,
    "properties": {
        "data": DATA_SCHEMA,
        "paper": {
            "type": "object",
            "required": ["id", "title", "citation", "alpha"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                "title": {"type": "string"},
                "citation": {"type": "string"},
                "source": {"type": "string"},
                "software": {"type": "array", "items": {"type": "string"}},
                "alpha": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                "significant_if": {"enum": ["p <= alpha", "p < alpha"]},
                "note": {"type": "string"},
            },
        }
    },
}

_WHERE = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {
        "section": {"type": "string"},
        "table": {"type": "string"},
        "figure": {"type": "string"},
        "row": {"type": "string"},
        "column": {"type": "string"},
        "quote": {"type": "string", "maxLength": 300},
    },
}


@functools.cache
def case_file_schema() -> dict[str, Any]:
    """Schema of a case file; ``statistic`` is limited to the registry's estimands."""
    all_tests = sorted({t for e in registry.ESTIMANDS.values() for t in e.tests})
    case = {
        "type": "object",
        "required": ["id", "where", "published", "statistic", "expect"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": r"^[a-z0-9_.+-]+(::[a-z0-9_.+<>=-]+)*$"},
            "where": _WHERE,
            "published": {"type": "string", "minLength": 1},
            "statistic": {"enum": sorted(registry.ESTIMANDS)},
            "method": {"anyOf": [{"type": "string"}, METHOD_OPTIONS_SCHEMA]},
            "data": CASE_DATA_SCHEMA,
            "tests": {"type": "array", "minItems": 1, "items": {"enum": all_tests}},
            "endpoint": {"enum": ["OS", "PFS"]},
            "origin": {"type": "string"},
            "groups": {"type": "array", "items": {"type": "string"}},
            "inputs": {"type": "object"},
            "note": {"type": "string"},
            "review": {"type": "string", "minLength": 1,
                       "description": "why a drafted case needs a reader's confirmation"},
            "expect": {
                "type": "object",
                "required": ["verdict"],
                "additionalProperties": False,
                "properties": {
                    "verdict": {"enum": [str(v) for v in VERDICTS]},
                    "reason": {"type": "string", "minLength": 1},
                },
                "if": {"properties": {"verdict": {"enum": [str(v) for v in FINDINGS]}}},
                "then": {"required": ["reason"]},
            },
        },
    }
    return {
        "type": "object",
        "required": ["case"],
        "additionalProperties": False,
        "properties": {"case": {"type": "array", "minItems": 1, "items": case}},
    }


_RELAX_KEY = r"^(hr|ci_lower|ci_upper|p|median\[.+\]|rate(\[.+\])?@[0-9.]+)$"
_CASE_ID = {"type": "string", "pattern": "^[a-z0-9_]+::[A-Za-z0-9_:.-]+$"}
#: a time in the pack's unit (``[defaults] unit``)
_TIME = {"type": "number", "exclusiveMinimum": 0}
_SIZE = {"anyOf": [{"type": "integer", "minimum": 1}, _CASE_ID,
                   {"type": "array", "minItems": 1, "items": _CASE_ID}]}

#: ``ipd/comparisons.toml``: what each pseudo-IPD set must satisfy (numbers by case id only)
COMPARISONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["defaults", "comparison"],
    "additionalProperties": False,
    "properties": {
        "defaults": {
            "type": "object",
            "required": ["unit", "max_time", "grid"],
            "additionalProperties": False,
            "properties": {
                "seed": {"type": "integer", "minimum": 0},
                "resampling_seed": {"type": "integer", "minimum": 0},
                "unit": {"enum": ["days", "weeks", "months", "years"]},
                "max_time": _TIME,
                "grid": _TIME,
                "window_note": {"type": "string"},
            },
        },
        "cohort": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["origin", "n"],
                "additionalProperties": False,
                "properties": {"origin": {"type": "string"}, "n": _SIZE,
                               "n_source": {"type": "string"},
                               "id": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                               "pooled": {"type": "array", "items": {
                                   "type": "object",
                                   "required": ["case", "stat"],
                                   "additionalProperties": False,
                                   "properties": {
                                       "case": _CASE_ID,
                                       "stat": {"enum": ["rate", "median"]},
                                       "time": _TIME,
                                       "endpoint": {"enum": ["OS", "PFS"]},
                                   }}}},
            },
        },
        "comparison": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "file", "groups"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                    "title": {"type": "string"},
                    "file": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+\\.csv$"},
                    "endpoint": {"enum": ["OS", "PFS"]},
                    "origin": {"type": "string"},
                    "groups": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["label"],
                            "additionalProperties": False,
                            "properties": {
                                "label": {"type": "string", "minLength": 1},
                                "n": _SIZE,
                                "n_range": {"type": "array", "minItems": 2, "maxItems": 2,
                                            "items": {"type": "integer", "minimum": 1}},
                                "n_source": {"type": "string"},
                                "median": _CASE_ID,
                            },
                        },
                    },
                    "numerator": {"type": "string"},
                    "hr": _CASE_ID,
                    "ci": _CASE_ID,
                    "p": _CASE_ID,
                    "rates": {"type": "array", "items": {
                        "type": "object",
                        "required": ["case", "time"],
                        "additionalProperties": False,
                        "properties": {"case": _CASE_ID, "time": _TIME,
                                       "group": {"type": "string"}},
                    }},
                    "heldout": {"type": "array", "items": {
                        "type": "object",
                        "required": ["case", "stat"],
                        "additionalProperties": False,
                        "properties": {
                            "case": _CASE_ID,
                            "stat": {"enum": ["gbw_p", "pooled_rate", "pct_time_gt",
                                              "count_censored_gt"]},
                            "time": _TIME,
                        },
                    }},
                    "read": {"type": "object", "additionalProperties": False,
                             "properties": {"ci": {"type": "string"}}},
                    "relax": {"type": "array", "items": {
                        "type": "string", "pattern": _RELAX_KEY}},
                    "pair_of": {"type": "string"},
                    "cohort": {"type": "string"},
                    "columns": {"type": "array", "minItems": 2, "maxItems": 2,
                                "items": {"type": "string", "pattern": "^[a-z_]+$"}},
                },
            },
        },
    },
}


def _key(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _explain(err: jsonschema.ValidationError) -> str:
    v = err.validator
    if v == "required":
        return err.message.replace("is a required property", "is missing (required)")
    if v == "additionalProperties":
        return f"{err.message} (allowed: {', '.join(sorted(err.schema.get('properties', {})))})"
    if v == "enum":
        allowed = ", ".join(map(str, err.validator_value))
        return f"{err.instance!r} is not allowed; expected one of: {allowed}"
    if v == "type":
        return f"expected {err.validator_value}, got {type(err.instance).__name__} {err.instance!r}"
    return err.message


_VALIDATORS: dict[int, tuple[dict, jsonschema.Draft202012Validator, Any]] = {}


def _validator(schema: dict[str, Any]):
    """One jsonschema validator and one fast yes/no checker (:mod:`harness.pack.fastschema`)
    per schema object: a pack of 10^5 cases spent most of its loading time building and
    running generic validators."""
    hit = _VALIDATORS.get(id(schema))
    if hit is None or hit[0] is not schema:
        hit = (schema, jsonschema.Draft202012Validator(schema), compile_schema(schema))
        _VALIDATORS[id(schema)] = hit
    return hit[1], hit[2]


def validate(data: dict[str, Any], schema: dict[str, Any], file: str, prefix: str = "") -> None:
    """Validate ``data``; raise :class:`CaseFileError` naming the file and key of the first error.

    Errors are reported deepest-first (the most specific explanation), in a stable order.
    """
    validator, fast = _validator(schema)
    try:
        if (fast is not None and fast(data)) or validator.is_valid(data):
            return
        errors = sorted(validator.iter_errors(data),
                        key=lambda e: (list(map(str, e.absolute_path)), e.message))
    except RecursionError:
        raise CaseFileError(file, prefix, "nested too deeply to validate") from None
    if not errors:
        return
    err = jsonschema.exceptions.best_match(errors)
    key = _key(list(err.absolute_path))
    if prefix:
        key = f"{prefix}.{key}" if key else prefix
    raise CaseFileError(file, key, _explain(err))
