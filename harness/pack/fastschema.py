"""A fast yes/no check of the JSON Schema subset the pack schemas use, compiled to closures.

Loading a pack of 10^5 cases spent most of its time in :mod:`jsonschema` (a generic,
introspective validator). Nearly every case is valid, so the loader first asks this compiled
checker; only when it says "not valid" does :func:`harness.pack.schema.validate` run
``jsonschema`` to find and explain the error. The checker is conservative: it answers True only
for instances ``jsonschema`` (Draft 2020-12) accepts; a schema keyword it does not know makes
:func:`compile_schema` return None, and ``jsonschema`` alone is used.

R equivalent: not applicable (validation of case files).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    # bool is an int in Python but not in JSON Schema; an integral float is left to jsonschema
    "integer": lambda x: isinstance(x, int) and not isinstance(x, bool),
    "number": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool),
    "boolean": lambda x: isinstance(x, bool),
}
_IGNORED = {"description", "title", "$comment"}


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _all(checks: list[Check]) -> Check:
    return lambda x: all(c(x) for c in checks)


def _object_checks(s: dict, checks: list[Check]) -> bool:
    props = {k: compile_schema(v) for k, v in s.get("properties", {}).items()}
    if any(v is None for v in props.values()):
        return False
    required = tuple(s.get("required", ()))
    extra = s.get("additionalProperties", True)
    extra_check = extra if extra in (True, False) else compile_schema(extra)
    names = compile_schema(s["propertyNames"]) if "propertyNames" in s else None
    if extra_check is None or ("propertyNames" in s and names is None):
        return False
    min_props = s.get("minProperties", 0)

    def obj(x: Any) -> bool:
        if not isinstance(x, dict):
            return True
        if len(x) < min_props or any(k not in x for k in required):
            return False
        for k, v in x.items():
            if names is not None and not names(k):
                return False
            c = props.get(k)
            if c is None:
                if extra_check is False or (extra_check is not True and not extra_check(v)):
                    return False
            elif not c(v):
                return False
        return True

    checks.append(obj)
    return True


def _array_checks(s: dict, checks: list[Check]) -> bool:
    lo, hi = s.get("minItems", 0), s.get("maxItems")
    item = compile_schema(s["items"]) if "items" in s else (lambda x: True)
    if item is None:
        return False

    def arr(x: Any) -> bool:
        if not isinstance(x, list):
            return True
        if len(x) < lo or (hi is not None and len(x) > hi):
            return False
        return all(item(v) for v in x)

    checks.append(arr)
    return True


def _scalar_checks(s: dict, checks: list[Check]) -> bool:
    if "enum" in s:
        if not all(isinstance(v, str) for v in s["enum"]):
            return False
        allowed = frozenset(s["enum"])
        checks.append(lambda x: isinstance(x, str) and x in allowed)
    if "pattern" in s:
        rx = re.compile(s["pattern"])
        checks.append(lambda x: not isinstance(x, str) or rx.search(x) is not None)
    lo_len, hi_len = s.get("minLength", 0), s.get("maxLength")
    if lo_len or hi_len is not None:
        checks.append(lambda x: not isinstance(x, str) or (
            len(x) >= lo_len and (hi_len is None or len(x) <= hi_len)))
    bounds = [(k, s[k]) for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
              if k in s]
    ops = {"minimum": lambda x, b: x >= b, "maximum": lambda x, b: x <= b,
           "exclusiveMinimum": lambda x, b: x > b, "exclusiveMaximum": lambda x, b: x < b}
    for k, b in bounds:
        op = ops[k]
        checks.append(lambda x, op=op, b=b: not _is_num(x) or op(x, b))
    return True


_KNOWN = {"type", "properties", "required", "additionalProperties", "minProperties", "items",
          "propertyNames",
          "minItems", "maxItems", "enum", "pattern", "minLength", "maxLength", "minimum",
          "maximum", "exclusiveMinimum", "exclusiveMaximum", "anyOf", "if", "then"} | _IGNORED


def compile_schema(s: Any) -> Check | None:
    """A function ``instance -> bool`` for schema ``s``; None if ``s`` uses other keywords."""
    if s is True or s == {}:
        return lambda x: True
    if not isinstance(s, dict) or set(s) - _KNOWN or ("then" in s and "if" not in s):
        return None
    checks: list[Check] = []
    if "type" in s:
        kinds = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not kinds or any(not isinstance(k, str) or k not in _TYPES for k in kinds):
            return None
        tests = [_TYPES[k] for k in kinds]
        checks.append(lambda x: any(t(x) for t in tests))
    if not (_object_checks(s, checks) and _array_checks(s, checks)
            and _scalar_checks(s, checks)):
        return None
    if "anyOf" in s:
        subs = [compile_schema(v) for v in s["anyOf"]]
        if any(v is None for v in subs):
            return None
        checks.append(lambda x: any(c(x) for c in subs))
    if "if" in s:
        if '"integer"' in repr(s["if"]).replace("'", '"'):
            return None  # the checker may answer False for an integral float: unsafe negated
        cond, then = compile_schema(s["if"]), compile_schema(s.get("then", True))
        if cond is None or then is None:
            return None
        checks.append(lambda x: not cond(x) or then(x))
    return _all(checks)
