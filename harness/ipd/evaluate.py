"""Judging a pack's printed numbers against its pseudo-IPD sets (what the reports render).

For each comparison of ``comparisons.toml`` (:func:`harness.pack.comparisons.load_specs`) the
set is read (:func:`harness.ipd.io.read_csv`), its reconstruction outcome looked up
(:func:`harness.ipd.io.read_outcomes`), every statistic recomputed
(:mod:`harness.ipd.recompute`), and each printed number judged at its printed precision and
marked *targeted* (a constraint of the search, so agreement is by construction), *dropped* (a
constraint given up because the printed numbers conflict) or *held out* (never used, so
agreement is evidence). Variants the paper does not print (logrank-method HR, Cox HR, Peto and
Gehan-Breslow-Wilcoxon p, permutation p, bootstrap HR interval) are the variant spread. The
stored feasible ranges (``ipd/ranges.json``) are attached when current
(:mod:`harness.ipd.feasible`).

R equivalent: ``harness_ipd_stats`` (harness/r/ipd.R).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.core.km import KaplanMeier
from harness.errors import CaseFileError
from harness.ipd.feasible import RangeRow, ranges_of
from harness.ipd.io import (
    OUTCOMES_FILE,
    ComparisonOutcome,
    IPDSet,
    read_csv,
    read_outcomes,
    read_ranges,
)
from harness.ipd.recompute import Recomputed, recompute, resampled
from harness.pack.comparisons import COMPARISONS_FILE, Spec, load_specs

#: statistics reported as the variant spread (never printed for these comparisons)
VARIANT_KEYS = ("hr", "hr_logrank", "hr_cox", "hr_boot_lower", "hr_boot_upper",
                "p", "gbw_p", "p_peto", "p_perm")
VARIANT_LABELS = {
    "hr": "HR Mantel-Haenszel (Prism)", "hr_logrank": "HR logrank (O/E ratio)",
    "hr_cox": "HR Cox (efron)", "p": "p log-rank", "gbw_p": "p Gehan-Breslow-Wilcoxon",
    "p_peto": "p Peto-Peto (rho = 1)",
    "p_perm": "p log-rank, permutation (exact or 10^4 seeded resamples)",
    "hr_boot_lower": "HR Mantel-Haenszel, bootstrap 95% lower (BCa, 2000 seeded resamples)",
    "hr_boot_upper": "HR Mantel-Haenszel, bootstrap 95% upper (BCa, 2000 seeded resamples)",
}


@dataclass
class StatRow:
    """One printed number (or unprinted variant) recomputed from a pseudo-IPD set."""

    key: str
    role: str                 # targeted | dropped | held out | variant
    case: str
    printed: str
    python: float | None
    r: float | None
    reproduced: bool | None   # None for an unprinted variant


@dataclass
class ComparisonResult:
    """A comparison's reconstruction, recomputation and judgement (what reports render)."""

    id: str
    title: str
    file: str
    endpoint: str
    verdict: str
    finding: str
    conflicts: list[list[str]]
    conflict_kind: str
    numerator: str | None
    denominator: str | None
    sizes: dict[str, int]
    rows: list[StatRow] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    curves: dict[str, tuple[list[float], list[float], list[float]]] = field(default_factory=dict)
    marks: list[dict[str, Any]] = field(default_factory=list)
    has_data: bool = True
    ranges: list[RangeRow] = field(default_factory=list)  # feasible ranges (ipd/ranges.json)
    ranges_state: str = "none"  # current | stale | missing | none (harness.ipd.feasible)

    @property
    def counts(self) -> dict[str, tuple[int, int]]:
        """role -> (reproduced, total) over printed numbers."""
        out: dict[str, tuple[int, int]] = {}
        for row in self.rows:
            if row.reproduced is None:
                continue
            a, b = out.get(row.role, (0, 0))
            out[row.role] = (a + bool(row.reproduced), b + 1)
        return out


def _value(rec: Recomputed, key: str) -> tuple[float | None, float | None]:
    py = rec.python.get(key)
    r = rec.r.get(key) if rec.r is not None else None
    return py, r


def _no_outcome(spec: Spec) -> ComparisonOutcome:
    return ComparisonOutcome(spec.id, "error", f"no outcome recorded in ipd/{OUTCOMES_FILE} "
                             "(run `harness reconstruct`)")


def evaluate(spec: Spec, data: IPDSet | None, outcome: ComparisonOutcome | None,
             use_r: bool = True, resampling: bool = True) -> ComparisonResult:
    """Recompute a comparison's statistics from its set and judge the printed numbers.

    ``outcome`` (from ``outcomes.json``) gives the verdict, conflicts and which printed
    numbers were targeted; without a set every printed number is listed unreproduced.
    ``resampling=False`` leaves out the seeded permutation p and bootstrap interval (the
    joint verdicts of the pytest items need none of them).
    """
    meta = outcome or _no_outcome(spec)
    res = ComparisonResult(
        id=spec.id, title=spec.title, file=spec.file, endpoint=spec.endpoint,
        verdict=meta.verdict, finding=meta.finding, conflicts=meta.conflicts,
        conflict_kind=meta.conflict_kind, numerator=meta.numerator,
        denominator=meta.denominator, sizes={}, has_data=data is not None,
    )
    if data is None:
        for t in spec.targets:
            res.rows.append(StatRow(t.key, "dropped", t.case, t.text, None, None, False))
        for t in spec.heldout:
            res.rows.append(StatRow(t.key, "held out", t.case, t.text, None, None, False))
        return res
    res.sizes = {lab: int(np.sum(data.group == lab)) for lab in spec.labels}
    rec = recompute(data, spec, res.numerator, use_r=use_r)
    if resampling:
        rec.python.update(resampled(data, spec, res.numerator))
    res.disagreements = rec.disagreements()
    targeted = set(meta.targeted)
    for t in spec.targets:
        py, r = _value(rec, t.key)
        role = "targeted" if t.key in targeted else "dropped"
        text = t.text if not t.printed_as else f"{t.text} (printed {t.printed_as})"
        res.rows.append(StatRow(t.key, role, t.case, text, py, r, t.allows(py)))
    for t in spec.heldout:
        py, r = _value(rec, t.key)
        res.rows.append(StatRow(t.key, "held out", t.case, t.text, py, r, t.allows(py)))
    present = {row.key for row in res.rows}
    for k in VARIANT_KEYS:
        if k in rec.python and k not in present:
            res.rows.append(StatRow(k, "variant", "", "", rec.python[k],
                                    rec.r.get(k) if rec.r else None, None))
    _curves(res, data, spec)
    return res


def variant_spread(res: ComparisonResult, rec_rows: list[StatRow] | None = None) -> dict:
    """HR and p variants of a comparison as {key: python value}."""
    rows = {r.key: r for r in (rec_rows or res.rows)}
    return {k: rows[k].python for k in VARIANT_KEYS if k in rows}


def _curves(res: ComparisonResult, data: IPDSet, spec: Spec) -> None:
    """KM step curves per group (for plotting) and the printed marks to draw on them."""
    for lab in spec.labels:
        m = data.group == lab
        km = KaplanMeier().fit(data.time[m], data.event[m])
        cens = sorted(float(x) for x in data.time[m][data.event[m] == 0])
        res.curves[lab] = ([0.0] + km.time_.tolist(), [1.0] + km.survival_.tolist(), cens)
    for t in spec.targets:
        if t.kind == "median":
            res.marks.append({"kind": "median", "group": t.group, "value": t.number.value,
                              "text": t.text})
        elif t.kind == "rate":
            res.marks.append({"kind": "rate", "group": t.group, "time": t.time,
                              "value": t.number.value / 100, "text": t.text})


def evaluate_pack(pack, use_r: bool = True, folder: Path | None = None,
                  resampling: bool = True) -> list[ComparisonResult]:
    """Evaluate every comparison of a pack from its CSVs and ``outcomes.json`` (a missing CSV
    or outcome gives a result without data; ``resampling`` as in :func:`evaluate`)."""
    folder = Path(folder) if folder else pack.path / "ipd"
    outcomes = read_outcomes(folder)
    stored = read_ranges(folder)
    out = []
    for spec in load_specs(pack):
        path = folder / spec.file
        outcome = outcomes.get(spec.id)
        data = read_csv(path, spec.id, spec.columns) if path.is_file() else None
        if outcome is None:
            data = None
        if data is not None:
            check_fresh(spec, data, outcome, path, pack.path)
        res = evaluate(spec, data, outcome, use_r=use_r, resampling=resampling)
        res.ranges_state, res.ranges = ranges_of(spec, outcome, folder, stored)
        out.append(res)
    return out


def check_fresh(spec: Spec, data: IPDSet, outcome: ComparisonOutcome, path: Path,
                pack_path: Path) -> None:
    """Refuse a set that no longer matches its comparison (edited sizes, labels or targets).

    Raises
    ------
    CaseFileError
        Naming the CSV, the comparison and what changed, with the command that rebuilds it.
    """
    rebuild = f"rebuild it with `harness reconstruct {pack_path} --only {spec.id}`"
    labels = set(spec.labels)
    found = sorted({str(g) for g in data.group})
    extra = [g for g in found if g not in labels]
    if extra:
        raise CaseFileError(str(path), spec.id, f"is stale: it holds group {extra[0]!r}, which "
                                                f"comparison {spec.id} does not have (groups "
                                                f"{', '.join(spec.labels)}); {rebuild}")
    for g in spec.groups:
        have = int(np.sum(data.group == g.label))
        recorded = outcome.sizes.get(g.label)
        if g.n is not None and have != g.n:
            why = f"group {g.label!r} has {have} patients, comparisons.toml gives n = {g.n}"
        elif g.n_range is not None and not g.n_range[0] <= have <= g.n_range[1]:
            why = (f"group {g.label!r} has {have} patients, outside n_range "
                   f"[{g.n_range[0]}, {g.n_range[1]}]")
        elif recorded is not None and recorded != have:
            why = (f"group {g.label!r} has {have} patients, outcomes.json records {recorded}")
        else:
            continue
        raise CaseFileError(str(path), spec.id, f"is stale: {why}; {rebuild}")
    keys = {t.key for t in spec.targets}
    unknown = [k for k in list(outcome.targeted) + list(outcome.dropped) if k not in keys]
    if unknown:
        raise CaseFileError(str(path), spec.id,
                            f"is stale: outcomes.json names printed number {unknown[0]!r}, "
                            f"which comparison {spec.id} no longer targets; {rebuild}")


def has_ipd(pack) -> bool:
    """Whether a pack has pseudo-IPD comparisons (``ipd/comparisons.toml``)."""
    return (pack.path / "ipd" / COMPARISONS_FILE).is_file()
