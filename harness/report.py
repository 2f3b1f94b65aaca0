"""Render audit records as a terminal table, Markdown or JSON. Never recomputes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from tabulate import tabulate

from harness.printed import fmt
from harness.records import CaseResult

VERDICT_ORDER = ("consistent", "inconsistent", "decision_error", "unverifiable", "error")
_HEADERS = ["case", "source", "published", "python", "R", "verdict", "reason"]


def _rows(records: Iterable[CaseResult]) -> list[list[str]]:
    return [
        [r.case, r.source, r.published, fmt(r.python), fmt(r.r) if r.r is not None else "-",
         r.verdict, r.message]
        for r in records
    ]


def summary_counts(records: list[CaseResult]) -> dict[str, int]:
    counts = Counter(r.verdict for r in records)
    return {v: counts.get(v, 0) for v in VERDICT_ORDER}


def _summary_line(records: list[CaseResult]) -> str:
    counts = summary_counts(records)
    return f"{len(records)} cases: " + ", ".join(f"{n} {v}" for v, n in counts.items() if n)


def render_table(records: list[CaseResult], title: str = "", notes: list[str] = ()) -> str:
    """Plain-text table for a terminal, one row per case, with summary counts."""
    out = [title] if title else []
    out += list(notes)
    out.append(tabulate(_rows(records), headers=_HEADERS, tablefmt="simple",
                        maxcolwidths=[None, 28, None, None, None, None, 60]))
    out.append(_summary_line(records))
    return "\n".join(out)


def render_markdown(records: list[CaseResult], title: str = "", notes: list[str] = ()) -> str:
    """GitHub-flavoured Markdown, suitable for an audit report."""
    out = [f"## {title}", ""] if title else []
    out += [f"> {n}" for n in notes] + ([""] if notes else [])
    rows = [[c.replace("|", "\\|") for c in row] for row in _rows(records)]
    out.append(tabulate(rows, headers=_HEADERS, tablefmt="github"))
    out += ["", f"**Summary:** {_summary_line(records)}"]
    return "\n".join(out)


def render_json(records: list[CaseResult]) -> str:
    """A JSON list of records, one per case."""
    return json.dumps([r.to_json() for r in records], indent=2, allow_nan=False,
                      default=str)


def render_html(records: list[CaseResult], comparisons: list = (), title: str = "",
                notes: list[str] = ()) -> str:
    """One self-contained HTML page: audit table, pseudo-IPD KM plots, variant spread.

    ``comparisons`` are precomputed :class:`harness.ipd.ComparisonResult` objects; nothing is
    recomputed here (see :mod:`harness.htmlreport`).
    """
    from harness.htmlreport import render_html as _render

    return _render(records, list(comparisons), title, list(notes))
