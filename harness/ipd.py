"""Pseudo-IPD sets: reading and writing the CSVs, and recomputing every statistic from them.

A set is a CSV under ``cases/<pack>/ipd/`` written by :mod:`harness.reconstruct`: comment
lines starting with ``#`` (how it was made, which printed numbers it targets, the verdict and
any conflicting printed numbers), then ``id,group,<time>,<event>[,<time>,<event>]``.

From each set every statistic of its comparison is recomputed with the survival core
(:class:`harness.km.KaplanMeier`, :func:`harness.quantiles.median` with Prism's rule,
:func:`harness.hazard.hazard_ratio`, :func:`harness.logrank.survdiff`,
:func:`harness.logrank.gehan_breslow_wilcoxon`, :func:`harness.cox.coxph`) and with R
``survival`` (``harness_ipd_stats`` in ``harness/r/ipd.R``); the two must agree to 1e-9. Each
printed number is then judged at its printed precision and marked *targeted* (a constraint of
the search, so agreement is by construction), *dropped* (a constraint given up because the
printed numbers conflict) or *held out* (never used, so agreement is evidence). Variants the
paper does not print (logrank-method HR, Cox HR, Peto and Gehan-Breslow-Wilcoxon p) are
reported as the variant spread.

R equivalent: ``harness_ipd_stats`` (harness/r/ipd.R).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.consistency import agree, rel_diff

#: statistics reported as the variant spread (never printed for these comparisons)
VARIANT_KEYS = ("hr", "hr_logrank", "hr_cox", "hr_boot_lower", "hr_boot_upper",
                "p", "p_gbw", "p_peto", "p_perm")
VARIANT_LABELS = {
    "hr": "HR Mantel-Haenszel (Prism)", "hr_logrank": "HR logrank (O/E ratio)",
    "hr_cox": "HR Cox (efron)", "p": "p log-rank", "p_gbw": "p Gehan-Breslow-Wilcoxon",
    "p_peto": "p Peto-Peto (rho = 1)",
    "p_perm": "p log-rank, permutation (exact or 10^4 seeded resamples)",
    "hr_boot_lower": "HR Mantel-Haenszel, bootstrap 95% lower (BCa, 2000 seeded resamples)",
    "hr_boot_upper": "HR Mantel-Haenszel, bootstrap 95% upper (BCa, 2000 seeded resamples)",
}
#: resampling statistics: Python only (the engine is checked against coin and boot in its
#: own tests); R is not asked for them here
RESAMPLED_KEYS = ("p_perm", "hr_boot_lower", "hr_boot_upper")
#: seed of the resampling on pseudo-IPD (any fixed integer: results are reproducible)
RESAMPLING_SEED = 20220512
_HELD_MAP = {"gbw_p": "p_gbw"}


@dataclass(frozen=True)
class IPDSet:
    """One comparison's pseudo-IPD: ids, times (months), events (0/1), group labels."""

    comparison: str
    id: np.ndarray
    time: np.ndarray
    event: np.ndarray
    group: np.ndarray
    header: dict[str, Any]

    @property
    def n(self) -> int:
        return int(self.time.size)


def parse_header(lines: list[str]) -> dict[str, dict[str, Any]]:
    """Per comparison id: verdict, conflicts, finding, numerator, targeted/dropped keys."""
    out: dict[str, dict[str, Any]] = {}
    cur: dict[str, Any] | None = None
    for raw in lines:
        line = raw[1:].strip()
        if line.startswith("comparison "):
            cid = line.split()[1].rstrip(":")
            cur = out.setdefault(cid, {"targeted": [], "dropped": [], "conflicts": [],
                                       "verdict": "", "finding": "", "numerator": None,
                                       "denominator": None, "conflict_kind": ""})
        elif cur is None:
            continue
        elif line.startswith("target "):
            cur["targeted"].append(line.split()[1].rstrip(":"))
        elif line.startswith("dropped "):
            cur["dropped"].append(line.split()[1].rstrip(":"))
        elif line.startswith("verdict:"):
            cur["verdict"] = line.split(":", 1)[1].strip()
        elif line.startswith("conflict ("):
            kind, rest = line[len("conflict ("):].split("):", 1)
            cur["conflict_kind"] = kind
            cur["conflicts"].append([k.strip() for k in rest.split("|")])
        elif line.startswith("finding:"):
            cur["finding"] = line.split(":", 1)[1].strip()
        elif line.startswith("HR = "):
            num, rest = line[len("HR = "):].split(" / ", 1)
            cur["numerator"] = num.strip()
            cur["denominator"] = rest.split(" (")[0].strip()
    return out


def read_csv(path: str | Path, comparison: str, columns: tuple[str, str]) -> IPDSet | None:
    """Read one comparison's columns from a pseudo-IPD CSV; None when the file has no rows."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    head = [x for x in lines if x.startswith("#")]
    body = [x for x in lines if x and not x.startswith("#")]
    meta = parse_header(head).get(comparison, {})
    rows = list(csv.DictReader(io.StringIO("\n".join(body))))
    if not rows:
        return None
    tcol, ecol = columns
    if any(not r.get(tcol) for r in rows):  # this comparison has no set (columns left empty)
        return None
    return IPDSet(
        comparison,
        np.array([int(r["id"]) for r in rows]),
        np.array([float(r[tcol]) for r in rows]),
        np.array([int(r[ecol]) for r in rows]),
        np.array([r["group"] for r in rows], dtype=object),
        meta,
    )


# ------------------------------------------------------------------------- recomputation
@dataclass
class Recomputed:
    python: dict[str, float]
    r: dict[str, float] | None = None

    def disagreements(self) -> list[str]:
        if self.r is None:
            return []
        out = []
        for k, v in self.python.items():
            if k in RESAMPLED_KEYS:
                continue
            rv = self.r.get(k)
            if rv is None:
                out.append(f"{k}: R returned nothing")
            elif not agree(v, rv):
                out.append(f"{k}: Python {v!r} vs R {rv!r} (rel. diff {rel_diff(v, rv):.2g})")
        return out


def _times_of(spec) -> list[float]:
    ts = {t.time for t in list(spec.targets) + list(spec.heldout) if t.time is not None}
    return sorted(ts)


def recompute(data: IPDSet, spec, numerator: str | None, use_r: bool = True) -> Recomputed:
    """Every statistic of the comparison from the set, in Python (and R).

    Keys: ``median[G]``; ``rate[G]@t`` and ``rate@t`` (percent); with two groups ``hr``,
    ``ci_lower``, ``ci_upper``, ``o_minus_e``, ``v`` (Mantel-Haenszel, numerator / other),
    ``hr_logrank``, ``hr_cox``, ``cox_p``; ``p`` (log-rank), ``p_peto``, ``p_gbw``; held-out
    ``p_gbw``, ``pooled_rate@t``, ``pct_time_gt@t``, ``count_censored_gt@t``.
    """
    from harness.cox import coxph
    from harness.hazard import hazard_ratio
    from harness.km import KaplanMeier
    from harness.logrank import gehan_breslow_wilcoxon, survdiff
    from harness.quantiles import median

    labels = list(spec.labels)
    t, e, g = data.time, data.event, data.group
    out: dict[str, float] = {}
    times = _times_of(spec)
    multi = len(labels) > 1
    km = KaplanMeier().fit(t, e, g if multi else None)
    med = median(km, rule="prism")
    for lab, val in zip(med.group, med.estimate):
        out[f"median[{lab if multi else labels[0]}]"] = float(val)
    if times:
        at = km.at(times, extend=True)
        for lab, tt, s in zip(at.group, at.time, at.survival):
            key = f"rate[{lab}]@{tt:g}" if multi else f"rate@{tt:g}"
            out[key] = 100.0 * float(s)
        pooled = KaplanMeier().fit(t, e).at(times, extend=True)
        for tt, s in zip(pooled.time, pooled.survival):
            out[f"pooled_rate@{tt:g}"] = 100.0 * float(s)
            out[f"pct_time_gt@{tt:g}"] = 100.0 * float(np.sum(t > tt)) / t.size
            out[f"count_censored_gt@{tt:g}"] = float(np.sum((e == 0) & (t > tt)))
    if multi:
        out["p"] = float(survdiff(t, e, g).p_value)
        out["p_peto"] = float(survdiff(t, e, g, rho=1).p_value)
        out["p_gbw"] = float(gehan_breslow_wilcoxon(t, e, g).p_value)
        out["p_perm"] = _permutation_p(t, e, g)
    if multi and len(labels) == 2 and numerator is not None:
        mh = hazard_ratio(t, e, g, numerator=numerator, method="mantel-haenszel")
        lr = hazard_ratio(t, e, g, numerator=numerator, method="logrank")
        out.update(hr=mh.hr, ci_lower=mh.lower, ci_upper=mh.upper,
                   o_minus_e=mh.observed[0] - mh.expected[0], v=mh.variance,
                   hr_logrank=lr.hr)
        x = (g == numerator).astype(float)
        cox = coxph(t, e, x, ties="efron", eps=1e-12, max_iter=50)  # as ipd.R
        out["hr_cox"] = float(cox.hr[0])
        out["cox_p"] = float(cox.p[0])
        out.update(_bootstrap_hr(t, e, g, numerator))
    res = Recomputed(out)
    if use_r:
        from harness import rbridge

        r = rbridge.call("harness_ipd_stats", t, e.astype(int), [str(x) for x in g],
                         labels, numerator if numerator is not None else "",
                         np.asarray(times, float))
        res.r = {str(k): float(v) for k, v in _flatten(r).items()}
    return res


def _permutation_p(t: np.ndarray, e: np.ndarray, g: np.ndarray) -> float:
    """Log-rank permutation p (exact when the arrangements are few, else 10^4 resamples)."""
    from harness.resample import permutation_test

    return float(permutation_test(t, e, g, test="logrank", B=10_000, seed=RESAMPLING_SEED,
                                  progress=False).p_value)


def _bootstrap_hr(t: np.ndarray, e: np.ndarray, g: np.ndarray,
                  numerator: str) -> dict[str, float]:
    """BCa bootstrap interval of the Mantel-Haenszel HR (numerator / other group).

    The bootstrap's HR is the second level over the first, so the levels are ordered to put
    ``numerator`` second; a bound that cannot be computed is reported as NaN.
    """
    from harness.resample import bootstrap

    other = next(x for x in sorted(set(g.tolist())) if x != numerator)
    boot = bootstrap(t, e, g, statistic="mh_hr", B=2000, seed=RESAMPLING_SEED,
                     levels=[other, numerator], types=("bca",), progress=False)
    row = boot.intervals.iloc[0]
    return {"hr_boot_lower": float(row["lower"]), "hr_boot_upper": float(row["upper"])}


def _flatten(r: Any) -> dict[str, float]:
    if isinstance(r, dict):
        return {k: float(np.asarray(v).reshape(-1)[0]) for k, v in r.items()}
    raise TypeError(f"unexpected R result {type(r).__name__}")


# ------------------------------------------------------------------------- judging
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
    k = _HELD_MAP.get(key.split("@")[0], key)
    py = rec.python.get(k)
    r = rec.r.get(k) if rec.r is not None else None
    return py, r


def evaluate(spec, data: IPDSet | None, use_r: bool = True,
             meta: dict | None = None) -> ComparisonResult:
    """Recompute a comparison's statistics from its set and judge the printed numbers.

    ``meta`` (the CSV header of a comparison without a set) gives its verdict and conflicts.
    """
    meta = data.header if data is not None else (meta or {})
    res = ComparisonResult(
        id=spec.id, title=spec.title, file=spec.file, endpoint=spec.endpoint,
        verdict=meta.get("verdict", "error"), finding=meta.get("finding", ""),
        conflicts=meta.get("conflicts", []), conflict_kind=meta.get("conflict_kind", ""),
        numerator=meta.get("numerator"), denominator=meta.get("denominator"), sizes={},
        has_data=data is not None,
    )
    if data is None:
        for t in spec.targets:
            res.rows.append(StatRow(t.key, "dropped", t.case, t.text, None, None, False))
        for t in spec.heldout:
            res.rows.append(StatRow(t.key, "held out", t.case, t.text, None, None, False))
        return res
    res.sizes = {lab: int(np.sum(data.group == lab)) for lab in spec.labels}
    rec = recompute(data, spec, res.numerator, use_r=use_r)
    res.disagreements = rec.disagreements()
    targeted = set(meta.get("targeted", []))
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


def _curves(res: ComparisonResult, data: IPDSet, spec) -> None:
    """KM step curves per group (for plotting) and the printed marks to draw on them."""
    from harness.km import KaplanMeier

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


def evaluate_pack(pack, use_r: bool = True, folder: Path | None = None) -> list[ComparisonResult]:
    """Evaluate every comparison of a pack from its CSVs (missing CSVs give empty results)."""
    from harness.reconstruct import load_specs

    folder = Path(folder) if folder else pack.path / "ipd"
    out = []
    for spec in load_specs(pack):
        path = folder / spec.file
        data = read_csv(path, spec.id, spec.columns) if path.is_file() else None
        meta = None
        if data is None and path.is_file():
            meta = parse_header([x for x in path.read_text("utf-8").splitlines()
                                 if x.startswith("#")]).get(spec.id)
        if data is not None and not data.header:
            data = None
        out.append(evaluate(spec, data, use_r=use_r, meta=meta))
    return out


def has_ipd(pack) -> bool:
    return (pack.path / "ipd" / "comparisons.toml").is_file()
