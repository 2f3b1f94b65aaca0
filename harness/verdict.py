"""The verdicts of an audit: one enum, one order, used by the pack schema, the checks, the
reports and the pytest plugin."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """What the audit says about one printed number (members compare equal to their names).

    ``consistent``: a recomputation the paper's Methods allow lands in the printed number's
    rounding interval. ``inconsistent``: none does, with the same significance call.
    ``decision_error``: none does and every recomputation makes the other significance call.
    ``unverifiable``: what the paper prints does not determine the number (the reason says
    what is missing). ``error``: the recomputation failed or Python and R disagree; never a
    judgement about the paper.
    """

    CONSISTENT = "consistent"
    INCONSISTENT = "inconsistent"
    DECISION_ERROR = "decision_error"
    UNVERIFIABLE = "unverifiable"
    ERROR = "error"

    @property
    def is_finding(self) -> bool:
        """A finding about the paper (a strict xfail under pytest)."""
        return self in FINDINGS


#: every verdict, in report order
VERDICTS: tuple[Verdict, ...] = tuple(Verdict)
#: verdicts that are findings about the paper
FINDINGS: tuple[Verdict, ...] = (Verdict.INCONSISTENT, Verdict.DECISION_ERROR)
