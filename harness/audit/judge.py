"""Rounding-aware comparison of a printed number with recomputed values, and verdicts.

Following statcheck and scrutiny: a printed number is the interval of true values that
round to it; a recomputation is a value, or a range of values when its own inputs were
printed rounded. They are consistent when the two overlap. For p-values, a mismatch that
flips the paper's significance call at its alpha is a ``decision_error``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

# Python and R must agree to REL_TOL (absolute below ABS_TOL): the one home is the core
from harness.core.agreement import ABS_TOL, REL_TOL, agree, rel_diff  # noqa: F401
from harness.pack.printed import Number, fmt


@dataclass(frozen=True)
class Candidate:
    """One recomputation of a printed number, by one method, in Python and (optionally) R.

    ``lo``/``hi`` bound the value over the rounding of the printed inputs; both equal
    ``python`` when the inputs are exact (counts).
    """

    method: str
    label: str
    python: float
    r: float | None = None
    lo: float | None = None
    hi: float | None = None
    r_lo: float | None = None
    r_hi: float | None = None

    @property
    def low(self) -> float:
        return self.python if self.lo is None else self.lo

    @property
    def high(self) -> float:
        return self.python if self.hi is None else self.hi


def disagreements(candidates: list[Candidate]) -> list[str]:
    """Describe every Python-vs-R disagreement among candidates that have an R value."""
    out = []
    for c in candidates:
        pairs = [("value", c.python, c.r), ("low", c.lo, c.r_lo), ("high", c.hi, c.r_hi)]
        for what, py, r in pairs:
            if r is not None and py is not None and not agree(py, r):
                out.append(f"{c.label} {what}: Python {py!r} vs R {r!r} "
                           f"(relative difference {rel_diff(py, r):.2g})")
    return out


@dataclass(frozen=True)
class Judgement:
    verdict: str
    message: str
    best: Candidate | None


def overlaps(printed: Number, c: Candidate, clamp_zero: bool = False) -> bool:
    lo = max(printed.lo, 0.0) if clamp_zero else printed.lo
    return c.low <= printed.hi + 1e-12 and c.high >= lo - 1e-12


def _distance(printed: Number, c: Candidate) -> float:
    """How far a candidate lies from the printed interval (log scale for positive values)."""
    lo, hi = max(printed.lo, 1e-300), max(printed.hi, 1e-300)
    a, b = max(c.low, 1e-300), max(c.high, 1e-300)
    if b < lo:
        return math.log(lo / b)
    if a > hi:
        return math.log(a / hi)
    return 0.0


def _describe(c: Candidate) -> str:
    if c.lo is not None and c.hi is not None and (c.lo != c.python or c.hi != c.python):
        return f"{c.label} {fmt(c.python)} (range {fmt(c.lo)} to {fmt(c.hi)} over input rounding)"
    return f"{c.label} {fmt(c.python)}"


class SignificanceRule(Protocol):
    """What a paper says about significance: its alpha and its rule (``p <= alpha`` or
    ``p < alpha``); :class:`harness.pack.cases.Paper` is one."""

    alpha: float

    def significant(self, p: float) -> bool: ...


def printed_significance(printed: Number, rule: SignificanceRule) -> bool | None:
    """The significance call a printed p implies; None when the print cannot tell.

    ``<0.05`` is significant; ``>0.05`` is not; ``=`` values are compared with alpha by the
    paper's rule (``rule.significant``).
    """
    if printed.relation in ("<", "<="):
        return True if printed.value <= rule.alpha else None
    if printed.relation in (">", ">="):
        return False if printed.value >= rule.alpha else None
    return rule.significant(printed.value)


def judge_p(printed: Number, candidates: list[Candidate], rule: SignificanceRule) -> Judgement:
    """Judge a printed p-value against one or more recomputations.

    ``consistent`` when any candidate's range overlaps the printed interval;
    ``decision_error`` when none does and every candidate makes the other significance call
    than the printed p under the paper's ``rule``; ``inconsistent`` otherwise.
    """
    if not candidates:
        raise ValueError("judge_p needs at least one candidate")
    if not any(math.isfinite(x) for c in candidates for x in (c.python, c.low, c.high)):
        # never a finding from NA: the printed inputs are degenerate for every method
        return Judgement(
            "unverifiable",
            "the recomputation is undefined (NaN) at the printed inputs, so the printed "
            f"{printed.text} cannot be judged: " + "; ".join(c.label for c in candidates),
            candidates[0],
        )
    matches = [c for c in candidates if overlaps(printed, c, clamp_zero=True)]
    if matches:
        return Judgement(
            "consistent",
            f"printed {printed.text} reproduced by " + "; ".join(_describe(c) for c in matches),
            matches[0],
        )
    best = min(candidates, key=lambda c: _distance(printed, c))
    listed = "; ".join(_describe(c) for c in candidates)
    call = printed_significance(printed, rule)
    # a candidate undefined at the printed inputs (NaN) never supports a decision error
    flips = call is not None and all(
        math.isfinite(c.python) and rule.significant(c.python) != call for c in candidates
    )
    if flips:
        side = "significant" if call else "not significant"
        return Judgement(
            "decision_error",
            f"printed {printed.text} is {side} at alpha={rule.alpha:g}, but every recomputation "
            f"makes the other call: {listed}",
            best,
        )
    return Judgement(
        "inconsistent",
        f"no recomputation rounds to the printed {printed.text}: {listed}",
        best,
    )
