"""Helpers shared by the text renderers (table and Markdown). Never recomputes: every value
comes from the :class:`~harness.audit.session.AuditReport` being rendered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from harness.audit.records import CaseResult
from harness.audit.session import verdict_counts
from harness.pack.printed import fmt

CASE_HEADERS = ["case", "source", "published", "python", "R", "verdict", "reason"]
COMPARISON_HEADERS = ["comparison", "verdict", "targeted", "held out", "Python vs R",
                      "HR MH/logrank/Cox", "p log-rank/GBW/Peto", "finding"]
HR_VARIANTS = ("hr", "hr_logrank", "hr_cox")
P_VARIANTS = ("p", "gbw_p", "p_peto")


def case_rows(records: Iterable[CaseResult]) -> list[list[str]]:
    """One row per case: id, place, printed, Python, R, verdict, reason."""
    return [
        [r.case, r.source, r.published, fmt(r.python), fmt(r.r) if r.r is not None else "-",
         str(r.verdict), r.message]
        for r in records
    ]


def summary_line(records: list[CaseResult]) -> str:
    """``199 cases: 120 consistent, ...`` (zero counts left out)."""
    counts = verdict_counts(r.verdict for r in records)
    return f"{len(records)} cases: " + ", ".join(f"{n} {v}" for v, n in counts.items() if n)


def _frac(counts: dict[str, tuple[int, int]], role: str) -> str:
    a, b = counts.get(role, (0, 0))
    return f"{a}/{b}" if b else "-"


def python_vs_r(c) -> str:
    """Whether Python and R agree on every statistic recomputed from a comparison's set."""
    if not c.has_data:
        return "-"
    if c.disagreements:
        return f"{len(c.disagreements)} differ"
    if all(row.r is None for row in c.rows):
        return "R not run"
    return "agree"


def spread(c, keys: tuple[str, ...]) -> str:
    """The variant spread of a comparison's data set, as recomputed (never recomputed here)."""
    vals = {row.key: row.python for row in c.rows}
    if any(vals.get(k) is None for k in keys):
        return "-"
    return "/".join(fmt(vals[k]) for k in keys)


def comparison_rows(comparisons: list) -> list[list[str]]:
    """One row per pseudo-IPD comparison (:class:`harness.ipd.ComparisonResult`)."""
    return [
        [c.id, c.verdict, _frac(c.counts, "targeted"), _frac(c.counts, "held out"),
         python_vs_r(c), spread(c, HR_VARIANTS), spread(c, P_VARIANTS), c.finding]
        for c in comparisons
    ]


def review_lines(part) -> list[str]:
    """The lines listing a draft pack's cases that still carry a ``review`` mark."""
    marks = part.review_marks
    if not marks:
        return []
    return ["", f"{part.pack.paper.id}: {len(marks)} of {len(part.records)} cases still carry "
            "a `review` mark (a draft from `harness extract`; confirm, then delete it):",
            *(f"  {cid}: {text}" for cid, text in marks)]


def comparison_summary(comparisons: list) -> str:
    counts = Counter(c.verdict for c in comparisons)
    return (f"{len(comparisons)} pseudo-IPD comparisons: "
            + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())))


RANGE_HEADERS = ["comparison", "printed number", "role", "printed", "written set",
                 "feasible range", "bound", "verdict"]


def _bound(r) -> str:
    if r.bound_lo is None:
        return "-"
    return f"{fmt(r.bound_lo)}-{fmt(r.bound_hi)}" if r.bound_hi is not None else (
        f">= {fmt(r.bound_lo)}")


def range_rows(comparisons: list) -> list[list[str]]:
    """One row per held-out or dropped printed number with a feasible range, and one per
    comparison whose stored ranges are stale or missing."""
    out = []
    for c in comparisons:
        if c.ranges_state in ("stale", "missing"):
            out.append([c.id, "-", "-", "-", "-", f"ranges {c.ranges_state}", "-", "-"])
        for r in c.ranges:
            if r.role == "unprinted":
                continue
            verdict = r.verdict + (f" ({r.basis})" if r.verdict == "inconsistent" else "")
            out.append([c.id, r.key, r.role, r.printed, fmt(r.written),
                        f"{fmt(r.lo)}-{fmt(r.hi)}", _bound(r), verdict])
    return out


def unprinted_rows(comparisons: list) -> list[list[str]]:
    """One row per comparison: the feasible range of each statistic the paper does not print."""
    out = []
    for c in comparisons:
        cells = [f"{r.key} {fmt(r.lo)}-{fmt(r.hi)}" for r in c.ranges if r.role == "unprinted"]
        if cells:
            out.append([c.id, "; ".join(cells)])
    return out


RANGES_NOTE = ("Feasible ranges (ipd/ranges.json, `harness reconstruct`): lowest and highest "
               "value reached by searched sets that satisfy the comparison's targeted numbers "
               "(evidence; bound: proven by the exact (O-E, V) screen)")
