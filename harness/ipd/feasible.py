"""Feasible ranges judged: stored ranges read back (when still current) and each printed
number they cover judged against its rounding interval.

``harness reconstruct`` stores, per comparison, the range of every held-out, dropped and
unprinted statistic over the data sets that satisfy the comparison's targeted numbers
(``ipd/ranges.json``, :mod:`harness.ipd.reconstruct.ranges`) under a content hash
(:func:`harness.ipd.io.range_hash`). Here an entry is used only when the hash of the
comparison as it is now matches; otherwise its ranges are *stale* and nothing is judged from
them (the audit never recomputes them: that takes minutes; ``harness reconstruct
--ranges-only`` does).

A printed number whose rounding interval meets its range is ``consistent`` ("reachable:
0.021-0.067"); one outside is ``inconsistent``, *proven* when it lies outside an exact bound
(the exact (O-E, V) screen's polygon), else *searched* (the searches did not reach it:
evidence, not proof). A range the searches never moved off the written set's value is no range:
such a number is ``unverifiable`` (one set says nothing about the others).

R equivalent: none (a search); the range ends are survival-core statistics of sets that
harness/r/ipd.R recomputes the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.ipd.io import ComparisonOutcome, RangeEntry, RangeRecord, range_hash
from harness.pack.comparisons import SLACK, Spec, Target
from harness.pack.printed import fmt

#: ranges_state values: current (hash matches), stale (it does not), missing (no entry for
#: this comparison), none (the pack stores no ranges at all)
STATES = ("current", "stale", "missing", "none")


@dataclass
class RangeRow:
    """One statistic's feasible range as the reports show it."""

    key: str
    role: str                  # held out | dropped | unprinted
    case: str
    printed: str
    lo: float | None
    hi: float | None
    written: float | None      # the written set's value
    bound_lo: float | None     # a proven range (None: none)
    bound_hi: float | None     # None with bound_lo set: unbounded above
    kind: str                  # search | search+bound
    witness: bool | None
    truncated: bool
    verdict: str               # consistent | inconsistent | "" (unprinted)
    message: str
    basis: str = ""            # what an inconsistent verdict rests on: bound | search
    printed_lo: float | None = None  # the printed number's rounding interval
    printed_hi: float | None = None


def _finite(x: float) -> float | None:
    return x if abs(x) != float("inf") else None


def _meets(lo: float, hi: float, t: Target) -> bool:
    a, b = t.interval
    return lo <= b + SLACK and hi >= a - SLACK


def _span(lo, hi) -> str:
    return f"{fmt(lo)}-{fmt(hi)}" if hi is not None else f"{fmt(lo)} or more"


def judge(rec: RangeRecord, target: Target | None) -> tuple[str, str, str]:
    """(verdict, message, basis) of a printed number against its stored range; basis is
    ``bound`` (proven), ``search`` (evidence) or ``""`` (nothing judged)."""
    if target is None:
        return "", "", ""
    if rec.lo is None or rec.hi is None:
        return "unverifiable", "no value of this statistic from the written set", ""
    text = f"{target.text} ({target.case})"
    if _meets(rec.lo, rec.hi, target):
        how = ("a set with the value inside its rounding interval was found" if rec.witness
               else "no searched set lands inside its rounding interval")
        return "consistent", (f"{text} reachable: {_span(rec.lo, rec.hi)} over sets satisfying "
                              f"the comparison's targeted numbers ({how})"), "search"
    if rec.bound_lo is not None and not _meets(
            rec.bound_lo, rec.bound_hi if rec.bound_hi is not None else float("inf"), target):
        return "inconsistent", (f"{text} outside the proven range "
                                f"{_span(rec.bound_lo, rec.bound_hi)} (exact (O-E, V) screen); "
                                f"searched {_span(rec.lo, rec.hi)}"), "bound"
    if rec.lo == rec.hi:
        # the searches never moved the statistic off the written set: one set's value, not a
        # range, and one set says nothing about the others (no finding)
        return "unverifiable", (f"{text} not judged: the searches did not move the statistic "
                                f"off the written set's {fmt(rec.lo)} (no range, so no evidence "
                                "either way)"
                                + ("; the search stopped at its time cap" if rec.truncated
                                   else "")), ""
    return "inconsistent", (f"{text} not reached: searched range {_span(rec.lo, rec.hi)} "
                            "over sets satisfying the comparison's targeted numbers "
                            "(evidence, not proof)"
                            + ("; the search stopped at its time cap" if rec.truncated else "")
                            ), "search"


def ranges_of(spec: Spec, outcome: ComparisonOutcome | None, folder: Path,
              stored: dict[str, RangeEntry]) -> tuple[str, list[RangeRow]]:
    """(ranges_state, rows) of one comparison: its stored ranges when their hash matches."""
    if not stored:
        return "none", []
    entry = stored.get(spec.id)
    path = Path(folder) / spec.file
    if entry is None or outcome is None or not path.is_file():
        return "missing", []
    if range_hash(spec, outcome, path.read_bytes(), entry.settings) != entry.hash:
        return "stale", []
    printed = {t.key: t for t in list(spec.targets) + list(spec.heldout)}
    rows = []
    for rec in entry.ranges:
        t = printed.get(rec.key) if rec.role in ("held out", "dropped") else None
        verdict, message, basis = judge(rec, t)
        rows.append(RangeRow(
            rec.key, rec.role, rec.case, rec.printed, rec.lo, rec.hi, rec.written,
            rec.bound_lo, rec.bound_hi, "search+bound" if rec.bound_lo is not None else "search",
            rec.witness, rec.truncated, verdict, message, basis,
            None if t is None else _finite(t.interval[0]),
            None if t is None else _finite(t.interval[1])))
    return "current", rows


def stale_message(state: str) -> str:
    """Why a comparison's printed numbers got no range verdict."""
    return {
        "stale": "feasible range stale: the comparison, its printed values or its CSV changed "
                 "since ipd/ranges.json was written (run `harness reconstruct --ranges-only`)",
        "missing": "no feasible range stored for this comparison (no set written, or run "
                   "`harness reconstruct --ranges-only`)",
    }.get(state, "")
