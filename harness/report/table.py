"""Plain-text table for a terminal: per pack, one row per case with its verdict and reason,
the counts per verdict, then one row per pseudo-IPD comparison."""

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


def render_pack(part: PackAudit) -> str:
    """One pack's section."""
    out = [part.title, *part.notes]
    out.append(tabulate(case_rows(part.records), headers=CASE_HEADERS, tablefmt="simple",
                        maxcolwidths=[None, 28, None, None, None, None, 60]))
    out.append(summary_line(part.records))
    if part.comparisons:
        out += ["", "Pseudo patient data (cases/<pack>/ipd, `harness reconstruct`): every "
                "statistic recomputed from each set"]
        out.append(tabulate(comparison_rows(part.comparisons), headers=COMPARISON_HEADERS,
                            tablefmt="simple", maxcolwidths=[None] * 7 + [60]))
        out.append(comparison_summary(part.comparisons))
        ranges = range_rows(part.comparisons)
        if ranges:
            out += ["", RANGES_NOTE]
            out.append(tabulate(ranges, headers=RANGE_HEADERS, tablefmt="simple"))
        unprinted = unprinted_rows(part.comparisons)
        if unprinted:
            out += ["", "Unprinted statistics, feasible ranges:"]
            out.append(tabulate(unprinted, headers=["comparison", "ranges"], tablefmt="simple",
                                maxcolwidths=[None, 110]))
    out += review_lines(part)
    return "\n".join(out)


def render(report: AuditReport) -> str:
    """The whole audit as terminal text, one section per pack."""
    return "\n\n".join(render_pack(p) for p in report.packs)
