"""What an estimand of the closed registry is (:mod:`harness.pack.registry` lists them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Estimand:
    """One registered estimand.

    Attributes
    ----------
    name : str
        The key a case file uses (``statistic = "..."``).
    description : str
    printed : str
        Kind of printed value: a key of :data:`harness.pack.printed.PARSERS`.
    check : str
        Name of the check in :mod:`harness.audit.checks` that judges it.
    inputs : dict
        JSON Schema of the case's ``inputs`` table.
    tests : tuple of str
        Test variants a case may list in ``tests`` (empty when not applicable).
    is_p : bool
        The estimand is a p-value (judged for significance decisions too).
    options : tuple of str
        Keys of a data-backed case's ``method = {...}`` that apply (see
        :mod:`harness.pack.data_estimands`).
    needs_data : bool
        Recomputed from patient data: the case must name its ``data``.
    """

    name: str
    description: str
    printed: str
    check: str
    inputs: dict[str, Any] = field(default_factory=dict)
    tests: tuple[str, ...] = ()
    is_p: bool = False
    options: tuple[str, ...] = ()
    needs_data: bool = False
