"""Render audit records as a terminal table, Markdown or JSON. Never recomputes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from tabulate import tabulate

from harness.audit.records import CaseResult
from harness.pack.printed import fmt

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


_CMP_HEADERS = ["comparison", "verdict", "targeted", "held out", "Python vs R",
                "HR MH/logrank/Cox", "p log-rank/GBW/Peto", "finding"]


def _frac(counts: dict[str, tuple[int, int]], role: str) -> str:
    a, b = counts.get(role, (0, 0))
    return f"{a}/{b}" if b else "-"


def _python_vs_r(c) -> str:
    if not c.has_data:
        return "-"
    if c.disagreements:
        return f"{len(c.disagreements)} differ"
    if all(row.r is None for row in c.rows):
        return "R not run"
    return "agree"


def _spread(c, keys: tuple[str, ...]) -> str:
    """The variant spread of a comparison's data set, as recomputed (never recomputed here)."""
    vals = {row.key: row.python for row in c.rows}
    if any(vals.get(k) is None for k in keys):
        return "-"
    return "/".join(fmt(vals[k]) for k in keys)


def _comparison_rows(comparisons: list) -> list[list[str]]:
    """One row per pseudo-IPD comparison (:class:`harness.ipd.ComparisonResult`)."""
    return [
        [c.id, c.verdict, _frac(c.counts, "targeted"), _frac(c.counts, "held out"),
         _python_vs_r(c), _spread(c, ("hr", "hr_logrank", "hr_cox")),
         _spread(c, ("p", "gbw_p", "p_peto")), c.finding]
        for c in comparisons
    ]


def _comparison_summary(comparisons: list) -> str:
    counts = Counter(c.verdict for c in comparisons)
    return (f"{len(comparisons)} pseudo-IPD comparisons: "
            + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())))


def render_table(records: list[CaseResult], title: str = "", notes: list[str] = (),
                 comparisons: list = ()) -> str:
    """Plain-text table for a terminal, one row per case, with summary counts; then, when the
    pack has pseudo-IPD, one row per comparison (targeted / held-out printed numbers
    reproduced)."""
    out = [title] if title else []
    out += list(notes)
    out.append(tabulate(_rows(records), headers=_HEADERS, tablefmt="simple",
                        maxcolwidths=[None, 28, None, None, None, None, 60]))
    out.append(_summary_line(records))
    if comparisons:
        out += ["", "Pseudo patient data (cases/<pack>/ipd, `harness reconstruct`): every "
                "statistic recomputed from each set"]
        out.append(tabulate(_comparison_rows(comparisons), headers=_CMP_HEADERS,
                            tablefmt="simple", maxcolwidths=[None] * 7 + [60]))
        out.append(_comparison_summary(comparisons))
    return "\n".join(out)


def render_markdown(records: list[CaseResult], title: str = "", notes: list[str] = (),
                    comparisons: list = ()) -> str:
    """GitHub-flavoured Markdown, suitable for an audit report."""
    out = [f"## {title}", ""] if title else []
    out += [f"> {n}" for n in notes] + ([""] if notes else [])
    rows = [[c.replace("|", "\\|") for c in row] for row in _rows(records)]
    out.append(tabulate(rows, headers=_HEADERS, tablefmt="github"))
    out += ["", f"**Summary:** {_summary_line(records)}"]
    if comparisons:
        out += ["", "### Pseudo patient data", ""]
        rows = [[c.replace("|", "\\|") for c in row] for row in _comparison_rows(comparisons)]
        out.append(tabulate(rows, headers=_CMP_HEADERS, tablefmt="github"))
        out += ["", f"**Summary:** {_comparison_summary(comparisons)}"]
    return "\n".join(out)


def render_json(records: list[CaseResult]) -> str:
    """A JSON list of records, one per case."""
    return json.dumps([r.to_json() for r in records], indent=2, allow_nan=False,
                      default=str)


def render_html(records: list[CaseResult], comparisons: list = (), title: str = "",
                notes: list[str] = ()) -> str:
    """One self-contained HTML page: audit table, pseudo-IPD KM plots, variant spread.

    ``comparisons`` are precomputed :class:`harness.ipd.ComparisonResult` objects; nothing is
    recomputed here (see :mod:`harness.report.html`).
    """
    from harness.report.html import render_html as _render

    return _render(records, list(comparisons), title, list(notes))
