"""GitHub-flavoured Markdown: per pack, the case table and the pseudo-IPD comparisons."""

from __future__ import annotations

from tabulate import tabulate

from harness.audit.session import AuditReport, PackAudit
from harness.report.common import (
    CASE_HEADERS,
    COMPARISON_HEADERS,
    RANGE_HEADERS,
    RANGES_NOTE,
    case_rows,
    comparison_rows,
    comparison_summary,
    range_rows,
    review_lines,
    summary_line,
    unprinted_rows,
)


def _escape(rows: list[list[str]]) -> list[list[str]]:
    return [[c.replace("|", "\\|") for c in row] for row in rows]


def render_pack(part: PackAudit) -> str:
    """One pack's section."""
    out = [f"## {part.title}", ""]
    out += [f"> {n}" for n in part.notes] + ([""] if part.notes else [])
    out.append(tabulate(_escape(case_rows(part.records)), headers=CASE_HEADERS,
                        tablefmt="github"))
    out += ["", f"**Summary:** {summary_line(part.records)}"]
    if part.comparisons:
        out += ["", "### Pseudo patient data", ""]
        out.append(tabulate(_escape(comparison_rows(part.comparisons)),
                            headers=COMPARISON_HEADERS, tablefmt="github"))
        out += ["", f"**Summary:** {comparison_summary(part.comparisons)}"]
        ranges = range_rows(part.comparisons)
        if ranges:
            out += ["", "### Feasible ranges", "", RANGES_NOTE + ".", ""]
            out.append(tabulate(_escape(ranges), headers=RANGE_HEADERS, tablefmt="github"))
        unprinted = unprinted_rows(part.comparisons)
        if unprinted:
            out += ["", "Unprinted statistics:", ""]
            out.append(tabulate(_escape(unprinted), headers=["comparison", "ranges"],
                                tablefmt="github"))
    out += review_lines(part)
    return "\n".join(out)


def render(report: AuditReport) -> str:
    """The whole audit as Markdown, one section per pack."""
    return "\n\n".join(render_pack(p) for p in report.packs)
