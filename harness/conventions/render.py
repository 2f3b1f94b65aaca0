"""Render an :class:`~harness.conventions.identify.IdentifyResult` as a table, Markdown or
JSON (schema :data:`SCHEMA`). Renderers never recompute: every value comes from the result.

R equivalent: not applicable (formatting).
"""

from __future__ import annotations

import json

from harness.conventions.identify import IdentifyResult, format_value

FORMATS = ("table", "markdown", "json")

#: JSON schema of ``harness identify --format json``
SCHEMA = {
    "type": "object",
    "required": ["printed", "statistics", "data", "rows", "at", "matches", "summary", "values"],
    "properties": {
        "printed": {"type": "string"},
        "statistics": {"type": "array", "items": {"type": "string"}},
        "data": {"type": "string"},
        "rows": {"type": "integer"},
        "at": {"type": ["number", "null"]},
        "matches": {"type": "array", "items": {"type": "string"}},
        "summary": {"type": "string"},
        "values": {"type": "array", "items": {
            "type": "object",
            "required": ["convention", "label", "software", "statistic", "group", "value",
                         "matches", "status", "default", "verified", "source", "note"],
            "properties": {
                "convention": {"type": "string"}, "label": {"type": "string"},
                "software": {"type": "string"}, "statistic": {"type": "string"},
                "group": {"type": "string"},
                "value": {"type": "array", "items": {"type": ["number", "null"]}},
                "matches": {"type": ["boolean", "null"]},
                "status": {"enum": ["implemented", "missing", "pending"]},
                "default": {"type": "boolean"}, "verified": {"type": "boolean"},
                "source": {"type": "string"}, "note": {"type": "string"},
            },
        }},
    },
}

_HEAD = ["match", "convention", "statistic", "group", "value", "status", "default", "note"]


def _rows(res: IdentifyResult) -> list[list[str]]:
    rows = []
    order = sorted(res.values, key=lambda v: (v.matches is not True, v.matches is None))
    for v in order:
        mark = {True: "=", False: "", None: "-"}[v.matches]
        value = format_value(v, res) if v.value else ""
        rows.append([mark, v.label, v.statistic, v.group, value, v.status,
                     "yes" if v.default else "", v.note])
    return rows


def render(res: IdentifyResult, fmt: str = "table") -> str:
    """The result in ``fmt`` (one of :data:`FORMATS`; ``ValueError`` otherwise)."""
    if fmt == "json":
        return json.dumps(res.to_json(), indent=2)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    from tabulate import tabulate

    n = len(res.matches)
    head = (f"printed {res.printed!r} tried as {', '.join(res.statistics)} on {res.rows} rows"
            + (f" of {res.data}" if res.data else "")
            + (f" at t={res.at:g}" if res.at is not None else "")
            + f": {n} convention value(s) reproduce it")
    table = tabulate(_rows(res), headers=_HEAD,
                     tablefmt="github" if fmt == "markdown" else "simple")
    if fmt == "markdown":
        return f"### harness identify\n\n{head}\n\n**{res.summary()}**\n\n{table}"
    return f"{head}\n{res.summary()}\n\n{table}"
