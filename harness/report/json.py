"""JSON: everything the other formats show, under a documented schema (:data:`SCHEMA`).

The one owner of the audit's JSON format. ``records`` hold the per-case records exactly as
:meth:`harness.audit.records.CaseResult.to_json` gives them; ``comparisons`` hold each
pseudo-IPD comparison with its verdict, conflicts, per-number rows (printed, Python, R, role,
reproduced), counts, the variant spread, the Kaplan-Meier curves the HTML page plots and the
feasible ranges (``ranges``, ``ranges_state``); ``range_records`` hold the ``feasible_range``
records (one per held-out printed number of a comparison, apart from the per-case ``records``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from typing import Any

from harness.audit.records import nan_to_none
from harness.audit.session import AuditReport, PackAudit, verdict_counts

FORMAT = "harness-audit"
VERSION = 1

_NUM = {"type": ["number", "null"]}
_STR_LIST = {"type": "array", "items": {"type": "string"}}
#: ``details["joint"]`` of a record (harness.audit.joint)
_JOINT = {"type": "object", "required": ["verdict", "comparisons"], "properties": {
    "verdict": {"type": "string"},
    "comparisons": {"type": "array", "items": {
        "type": "object",
        "required": ["comparison", "file", "key", "verdict", "message", "comparison_verdict",
                     "conflict", "python", "r"],
        "properties": {"conflict": _STR_LIST, "python": _NUM, "r": _NUM}}}}}
#: ``details["pooled_constraint"]`` of a record (harness.audit.pooled)
_POOLED = {"type": "object", "required": ["pool", "key", "members"], "properties": {
    "members": {"type": "array", "items": {
        "type": "object",
        "required": ["comparison", "file", "status", "message", "value", "r", "bounds",
                     "uncensored"],
        "properties": {
            "status": {"enum": ["witness", "excluded", "open", "error"]},
            "value": _NUM, "r": _NUM,
            "bounds": {"type": ["array", "null"], "items": _NUM},
            "uncensored": {"type": ["array", "null"], "items": _NUM}}}}}}
_RECORD = {
    "type": "object",
    "required": ["case", "source", "statistic", "published", "python", "r", "verdict",
                 "message", "check", "expected", "details"],
    "properties": {
        "case": {"type": "string"}, "source": {"type": "string"},
        "statistic": {"type": "string"}, "published": {"type": "string"},
        "python": _NUM, "r": _NUM,
        "verdict": {"enum": ["consistent", "inconsistent", "decision_error", "unverifiable",
                             "error"]},
        "message": {"type": "string"}, "check": {"type": "string"},
        "expected": {"type": "string"},
        "details": {"type": "object", "properties": {"joint": _JOINT,
                                                     "pooled_constraint": _POOLED}},
    },
}
_ROW = {
    "type": "object",
    "required": ["key", "role", "case", "printed", "python", "r", "reproduced"],
    "properties": {
        "key": {"type": "string"},
        "role": {"enum": ["targeted", "dropped", "held out", "variant"]},
        "case": {"type": "string"}, "printed": {"type": "string"},
        "python": _NUM, "r": _NUM, "reproduced": {"type": ["boolean", "null"]},
    },
}
_RANGE = {
    "type": "object",
    "description": "feasible range of one statistic over the sets satisfying the "
                   "comparison's targeted numbers (harness.ipd.feasible.RangeRow)",
    "required": ["key", "role", "case", "printed", "lo", "hi", "written", "bound_lo",
                 "bound_hi", "kind", "witness", "truncated", "verdict", "message", "basis",
                 "printed_lo", "printed_hi"],
    "properties": {
        "key": {"type": "string"}, "role": {"enum": ["held out", "dropped", "unprinted"]},
        "case": {"type": "string"}, "printed": {"type": "string"},
        "lo": _NUM, "hi": _NUM, "written": _NUM, "bound_lo": _NUM, "bound_hi": _NUM,
        "kind": {"enum": ["search", "search+bound"]},
        "witness": {"type": ["boolean", "null"]}, "truncated": {"type": "boolean"},
        "verdict": {"enum": ["", "consistent", "inconsistent", "unverifiable"]},
        "message": {"type": "string"}, "basis": {"enum": ["", "bound", "search"]},
        "printed_lo": _NUM, "printed_hi": _NUM,
    },
}
_COMPARISON = {
    "type": "object",
    "required": ["pack", "id", "title", "file", "endpoint", "verdict", "finding", "conflicts",
                 "conflict_kind", "numerator", "denominator", "sizes", "rows",
                 "disagreements", "counts", "variant_spread", "curves", "marks", "has_data",
                 "ranges", "ranges_state"],
    "properties": {
        "pack": {"type": "string"}, "id": {"type": "string"}, "title": {"type": "string"},
        "file": {"type": "string"}, "endpoint": {"type": "string"},
        "verdict": {"type": "string"}, "finding": {"type": "string"},
        "conflicts": {"type": "array", "items": _STR_LIST},
        "conflict_kind": {"type": "string"},
        "numerator": {"type": ["string", "null"]}, "denominator": {"type": ["string", "null"]},
        "sizes": {"type": "object", "additionalProperties": {"type": "integer"}},
        "rows": {"type": "array", "items": _ROW},
        "disagreements": _STR_LIST,
        "counts": {"type": "object", "description": "role -> [reproduced, total]",
                   "additionalProperties": {"type": "array", "items": {"type": "integer"},
                                            "minItems": 2, "maxItems": 2}},
        "variant_spread": {"type": "object", "additionalProperties": _NUM},
        "curves": {"type": "object", "description": "group -> {time, survival, censored}",
                   "additionalProperties": {
                       "type": "object", "required": ["time", "survival", "censored"]}},
        "marks": {"type": "array", "items": {"type": "object"}},
        "has_data": {"type": "boolean"},
        "ranges": {"type": "array", "items": _RANGE},
        "ranges_state": {"enum": ["current", "stale", "missing", "none"]},
    },
}
_PACK = {
    "type": "object",
    "required": ["id", "title", "citation", "software", "alpha", "significant_if",
                 "heading", "notes", "counts", "comparison_counts", "review"],
    "properties": {
        "id": {"type": "string"}, "title": {"type": "string"},
        "citation": {"type": "string"}, "software": _STR_LIST, "alpha": {"type": "number"},
        "significant_if": {"type": "string"},
        "heading": {"type": "string"}, "notes": _STR_LIST,
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "comparison_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "review": {"type": "array", "description": "cases still marked for review (a draft)",
                   "items": {"type": "object", "required": ["case", "review"]}},
    },
}
#: JSON Schema (draft 2020-12) of ``harness audit --format json``
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "harness audit report",
    "type": "object",
    "required": ["format", "version", "use_r", "r_version", "title", "packs", "counts",
                 "records", "comparisons", "range_records"],
    "properties": {
        "format": {"const": FORMAT}, "version": {"const": VERSION},
        "use_r": {"type": "boolean"}, "r_version": {"type": ["string", "null"]},
        "title": {"type": "string"},
        "packs": {"type": "array", "items": _PACK},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "records": {"type": "array", "items": _RECORD},
        "comparisons": {"type": "array", "items": _COMPARISON},
        "range_records": {"type": "array", "items": _RECORD,
                          "description": "check feasible_range: one per held-out printed "
                                         "number of a comparison (not counted in counts)"},
    },
}


def _pack(part: PackAudit) -> dict[str, Any]:
    paper = part.pack.paper
    return {
        "id": paper.id, "title": paper.title, "citation": paper.citation,
        "software": list(paper.software), "alpha": paper.alpha,
        "significant_if": paper.significant_if,
        "heading": part.title, "notes": list(part.notes),
        "counts": verdict_counts(r.verdict for r in part.records),
        "comparison_counts": dict(sorted(Counter(c.verdict for c in part.comparisons).items())),
        "review": [{"case": cid, "review": text} for cid, text in part.review_marks],
    }


def comparison_to_json(c, pack_id: str) -> dict[str, Any]:
    """One :class:`harness.ipd.ComparisonResult` as JSON-ready data."""
    from harness.ipd import VARIANT_KEYS

    rows = [asdict(row) for row in c.rows]
    values = {row.key: row.python for row in c.rows}
    return {
        "pack": pack_id, "id": c.id, "title": c.title, "file": c.file,
        "endpoint": c.endpoint, "verdict": c.verdict, "finding": c.finding,
        "conflicts": [list(x) for x in c.conflicts], "conflict_kind": c.conflict_kind,
        "numerator": c.numerator, "denominator": c.denominator,
        "sizes": dict(c.sizes), "rows": rows, "disagreements": list(c.disagreements),
        "counts": {k: list(v) for k, v in c.counts.items()},
        "variant_spread": {k: values[k] for k in VARIANT_KEYS if k in values},
        "curves": {g: {"time": list(t), "survival": list(s), "censored": list(cens)}
                   for g, (t, s, cens) in c.curves.items()},
        "marks": [dict(m) for m in c.marks], "has_data": c.has_data,
        "ranges": [asdict(r) for r in c.ranges], "ranges_state": c.ranges_state,
    }


def to_data(report: AuditReport) -> dict[str, Any]:
    """The report as JSON-ready data (NaN as null), valid against :data:`SCHEMA`."""
    return nan_to_none({
        "format": FORMAT, "version": VERSION, "use_r": report.use_r,
        "r_version": report.r_version, "title": report.title,
        "packs": [_pack(p) for p in report.packs],
        "counts": report.counts(),
        "records": [r.to_json() for r in report.records],
        "comparisons": [comparison_to_json(c, p.pack.paper.id)
                        for p in report.packs for c in p.comparisons],
        "range_records": [r.to_json() for r in report.range_records],
    })


_RECORDS = "\x00records\x00"  # stands for the records array in the frame (never a value)


def render(report: AuditReport) -> str:
    """``harness audit --format json``: the text of ``json.dumps(to_data(report), indent=2)``,
    built one record at a time (10^5 records: the dicts of all of them at once took ~0.5 GB)."""
    frame = nan_to_none({
        "format": FORMAT, "version": VERSION, "use_r": report.use_r,
        "r_version": report.r_version, "title": report.title,
        "packs": [_pack(p) for p in report.packs],
        "counts": report.counts(),
        "records": _RECORDS,
        "comparisons": [comparison_to_json(c, p.pack.paper.id)
                        for p in report.packs for c in p.comparisons],
        "range_records": [r.to_json() for r in report.range_records],
    })
    head, tail = _dumps(frame).split(json.dumps(_RECORDS))
    if not report.records:
        return head + "[]" + tail
    # each record as json.dumps nests it: two levels deep (4 spaces), items joined by ",\n"
    items = ("    " + _dumps(r.to_json()).replace("\n", "\n    ") for r in report.records)
    return head + "[\n" + ",\n".join(items) + "\n  ]" + tail


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, allow_nan=False, default=str)
