"""Recall and precision of a draft pack against a hand-made pack (or an expected list) of the
same paper.

A hand case is *found* when the draft has a case in the same file (``table1``, ``text``...)
with the same printed string (spaces ignored) and the same kind of statistic (a
``same_number`` case counts as the kind of the estimand it repeats). Cases are paired one to
one, preferring the same row (tables) or section (text). Precision is the share of draft
cases paired with a hand case or listed as a real printed statistic the hand pack skipped.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KIND = {"hazard_ratio": "hr", "hazard_ratio_ci": "ci", "logrank_p": "p", "cox_wald_p": "p",
        "gbw_p": "p", "contingency_p": "p", "ttest_p": "p", "mannwhitney_p": "p",
        "median_survival": "median", "median_value": "median", "median_range": "median",
        "km_rate": "rate", "percentage": "percentage", "mortality_rate": "percentage",
        "mean_sd": "mean_sd", "count": "count"}
#: the kinds the issue's recall target (>= 90%) applies to
TARGET_KINDS = ("hr", "ci", "p", "median", "rate", "percentage", "mean_sd")


@dataclass
class Expected:
    """One entry of an expected-draft list (``file``, ``published``, ``statistic``, ``of``,
    ``row`` or ``section``, ``verdict``): what a careful reader would encode."""

    file: str
    published: str
    statistic: str
    verdict: str
    inputs: dict[str, Any] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)

    @property
    def full_id(self) -> str:
        return f"expected::{self.file}::{self.published}"


def load_expected(path: str | Path) -> list[Expected]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    out = []
    for e in data["case"]:
        where = {"row": e["row"]} if "row" in e else {"section": e.get("section", "")}
        out.append(Expected(e["file"], e["published"], e["statistic"], e["verdict"],
                            {"of": e["of"]} if "of" in e else {}, where))
    return out


def kind(case) -> str:
    stat = case.inputs.get("of", "") if case.statistic == "same_number" else case.statistic
    return KIND.get(stat, stat)


def _file(case) -> str:
    return str(case.file).replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".toml")


def _key(case) -> tuple[str, str, str]:
    return (_file(case), "".join(case.published.split()), kind(case))


def _place(case) -> str:
    w = case.where
    return (w.get("row", "").split(":")[-1].strip().lower() if "row" in w
            else w.get("section", "").split(",")[0].lower())


@dataclass
class Score:
    pairs: list[tuple[Any, Any]]  # (hand, draft)
    missed: list[Any]  # hand cases not found
    extra: list[Any]  # draft cases without a hand case
    skipped_real: list[Any] = field(default_factory=list)  # extra, listed as real statistics

    def recall(self, kinds=TARGET_KINDS) -> float:
        found = sum(1 for h, _ in self.pairs if kinds is None or kind(h) in kinds)
        total = found + sum(1 for h in self.missed if kinds is None or kind(h) in kinds)
        return found / total if total else 1.0

    @property
    def precision(self) -> float:
        n = len(self.pairs) + len(self.extra)
        return (len(self.pairs) + len(self.skipped_real)) / n if n else 1.0

    def by_kind(self) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = {}
        for h, _ in self.pairs:
            out.setdefault(kind(h), [0, 0])[0] += 1
        for h in self.missed:
            out.setdefault(kind(h), [0, 0])[1] += 1
        return {k: (v[0], v[0] + v[1]) for k, v in sorted(out.items())}


def score(hand, draft, real=frozenset()) -> Score:
    """Pair hand and draft cases (sequences of cases, e.g. ``pack.cases``); ``real`` lists
    draft cases (file, published, statistic) a reader judged real printed statistics that the
    hand pack did not encode."""
    pool: dict[tuple, list] = {}
    for d in draft:
        pool.setdefault(_key(d), []).append(d)
    pairs, missed = [], []
    for h in hand:
        cands = pool.get(_key(h), [])
        if not cands:
            missed.append(h)
            continue
        best = next((d for d in cands if _place(d) == _place(h)), cands[0])
        cands.remove(best)
        pairs.append((h, best))
    extra = [d for cs in pool.values() for d in cs]
    skipped = [d for d in extra if (_file(d), d.published, d.statistic) in real]
    return Score(pairs, missed, extra, skipped)
