"""Comparison specs: what a pseudo-IPD set must satisfy, read from ``comparisons.toml``."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from scipy import stats

from harness.errors import CaseFileError
from harness.pack import comparison_checks, printed, schema
from harness.pack.cases import Case, Pack

Z = float(stats.norm.ppf(0.975))
SLACK = 1e-12
COMPARISONS_FILE = "comparisons.toml"
#: constraint keys a comparison can have, in the order the deletion filter tries them
KEY_ORDER = ("hr", "ci_lower", "ci_upper", "p")
#: time units a pack can use (``[defaults] unit``), with how many of each make a month (for
#: the search's unit-free start heuristics; the data, targets and CSVs stay in the pack's unit)
UNITS_PER_MONTH = {"days": 365.25 / 12, "weeks": 365.25 / 12 / 7, "months": 1.0,
                   "years": 1 / 12}


# ----------------------------------------------------------------------------------- spec
@dataclass(frozen=True)
class Target:
    """One printed number used (or held out) for a comparison.

    ``key`` is the constraint's name inside its comparison: ``median[G]``, ``hr``,
    ``ci_lower``, ``ci_upper``, ``p``, ``rate[G]@36`` / ``rate@36``, or for held-out numbers
    ``gbw_p``, ``pooled_rate@36``, ``pct_time_gt@60``, ``count_censored_gt@60``.
    """

    key: str
    kind: str
    case: str
    text: str
    number: printed.Number
    group: str | None = None
    time: float | None = None
    printed_as: str = ""  # the original print when ``text`` is a reading of a garble

    @property
    def interval(self) -> tuple[float, float]:
        lo, hi = self.number.lo, self.number.hi
        if self.kind in ("p", "gbw_p"):
            lo = max(lo, 0.0)
        return lo, hi

    def allows(self, x: float) -> bool:
        """Whether a recomputed value rounds to the printed number (percent for rates)."""
        if x is None or not math.isfinite(x):
            return False
        return self.number.allows(x)

    def label(self) -> str:
        return f"{self.case} = {self.text}" + (f" (printed {self.printed_as!r})"
                                               if self.printed_as else "")


@dataclass(frozen=True)
class GroupSpec:
    label: str
    n: int | None
    n_range: tuple[int, int] | None
    n_source: str


@dataclass(frozen=True)
class Spec:
    """A comparison to rebuild, with its printed targets resolved from the case pack."""

    id: str
    title: str
    file: str
    endpoint: str
    origin: str
    groups: tuple[GroupSpec, ...]
    numerator: str | None
    targets: tuple[Target, ...]
    heldout: tuple[Target, ...]
    relax: tuple[str, ...]
    pair_of: str | None
    columns: tuple[str, str]
    seed: int
    max_time: float                   # longest follow-up, in ``unit``
    grid: float                       # time grid of the search and the CSV, in ``unit``
    unit: str                         # days | weeks | months | years (``[defaults] unit``)
    resampling_seed: int              # seed of the permutation / bootstrap variants
    window_note: str = ""             # what bounds the follow-up window (CSV header)
    cohort_n: int | None = None       # size of the cohort this comparison's origin names
    notes: tuple[str, ...] = ()
    cohort: str | None = None         # ``cohort = "id"``: the union of the groups is that cohort

    @property
    def labels(self) -> list[str]:
        return [g.label for g in self.groups]

    @property
    def k(self) -> int:
        return len(self.groups)

    def target(self, key: str) -> Target | None:
        return next((t for t in self.targets if t.key == key), None)

    @property
    def total_n(self) -> int:
        fixed = [g.n for g in self.groups if g.n is not None]
        if len(fixed) == self.k:
            return sum(fixed)
        raise ValueError(f"{self.id}: total size needs every group's n")

    @property
    def unit_singular(self) -> str:
        """``month`` for ``months`` (as in "a 0.1-month grid")."""
        return self.unit[:-1]

    @property
    def per_month(self) -> float:
        """How many of the pack's time units make a month."""
        return UNITS_PER_MONTH[self.unit]


def _case_map(pack: Pack) -> dict[str, Case]:
    return {f"{Path(c.file).stem}::{c.id}": c for c in pack.cases}


def load_specs(pack: Pack, path: Path | None = None) -> list[Spec]:
    """Read ``ipd/comparisons.toml`` of a pack and resolve every case id it names.

    Raises
    ------
    CaseFileError
        The file is missing or malformed, or names a case the pack does not have.
    """
    file, data = _read(pack, path)
    cases = _case_map(pack)
    d = data["defaults"]
    cohorts = _cohorts(data.get("cohort", []), cases, str(file))
    out: list[Spec] = []
    specs_raw = data.get("comparison", [])
    by_id = {c["id"]: c for c in specs_raw}
    comparison_checks.check_files(specs_raw, str(file))
    statistics = {cid: c.statistic for cid, c in cases.items()}
    for i, raw in enumerate(specs_raw):
        comparison_checks.check_comparison(raw, f"comparison[{i}] (id {raw.get('id')!r})",
                                           statistics, d, str(file))
        out.append(_spec(raw, i, d, cases, str(file), by_id, cohorts))
    return out


def _read(pack: Pack, path: Path | None) -> tuple[Path, dict]:
    file = path or (pack.path / "ipd" / COMPARISONS_FILE)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CaseFileError(str(file), "", f"cannot be read: {exc}") from None
    schema.validate(data, schema.COMPARISONS_SCHEMA, str(file))
    return file, data


def _get_case(cases: dict[str, Case], cid: str, file: str, key: str) -> Case:
    if cid not in cases:
        raise CaseFileError(file, key, f"names case {cid!r}, which the pack does not have")
    return cases[cid]


def _size(n, cases: dict[str, Case], file: str, key: str) -> int | None:
    """A size given as an integer, a count case's id, or a list of count case ids (summed)."""
    if isinstance(n, str):
        return int(_get_case(cases, n, file, key).value.value)
    if isinstance(n, list):
        return sum(int(_get_case(cases, c, file, key).value.value) for c in n)
    return n


def _cohorts(raw: list[dict], cases: dict[str, Case], file: str) -> dict[str, int]:
    """``[[cohort]]``: origin string -> number of patients (searched group sizes add up to it)."""
    out: dict[str, int] = {}
    for i, c in enumerate(raw):
        if c["origin"] in out:
            raise CaseFileError(file, f"cohort[{i}].origin",
                                f"{c['origin']!r} is given a cohort twice")
        out[c["origin"]] = _size(c["n"], cases, file, f"cohort[{i}].n")
    return out


def _groups(raw: dict, where: str, cases: dict[str, Case], file: str,
            by_id: dict[str, dict]) -> list[GroupSpec]:
    """The groups of a comparison; a PFS pair takes its OS comparison's sizes."""
    pair = raw.get("pair_of")
    groups = []
    for gi, g in enumerate(raw["groups"]):
        n = g.get("n")
        if pair and n is None and g.get("n_range") is None:
            src = next(x for x in by_id[pair]["groups"] if x["label"] == g["label"])
            n, g = src.get("n"), {**g, "n_range": src.get("n_range"),
                                  "n_source": src.get("n_source", "")}
        n = _size(n, cases, file, f"{where}.groups[{gi}].n")
        rng = tuple(g["n_range"]) if g.get("n_range") else None
        groups.append(GroupSpec(g["label"], n, rng, g.get("n_source", "")))
    return groups


def _targets(raw: dict, where: str, cases: dict[str, Case], file: str
             ) -> tuple[list[Target], list[str]]:
    """The printed numbers a comparison's set must satisfy, and notes on readings of prints."""
    targets: list[Target] = []
    read = raw.get("read", {})
    notes = []
    for gi, g in enumerate(raw["groups"]):
        if g.get("median"):
            c = _get_case(cases, g["median"], file, f"{where}.groups[{gi}].median")
            targets.append(Target(f"median[{g['label']}]", "median", g["median"], c.published,
                                  c.value, g["label"]))
    if raw.get("hr"):
        c = _get_case(cases, raw["hr"], file, f"{where}.hr")
        targets.append(Target("hr", "hr", raw["hr"], c.published, c.value))
    if raw.get("ci"):
        c = _get_case(cases, raw["ci"], file, f"{where}.ci")
        text = read.get("ci", c.published)
        iv = printed.parse_interval(text)
        orig = c.published if "ci" in read else ""
        if orig:
            notes.append(f"read: {raw['ci']} printed {orig!r}, targeted as {text!r} ({c.note})")
        targets.append(Target("ci_lower", "ci_lower", raw["ci"], iv.lower.text, iv.lower,
                              printed_as=orig))
        targets.append(Target("ci_upper", "ci_upper", raw["ci"], iv.upper.text, iv.upper,
                              printed_as=orig))
    if raw.get("p"):
        c = _get_case(cases, raw["p"], file, f"{where}.p")
        targets.append(Target("p", "p", raw["p"], c.published, c.value))
    for ri, r in enumerate(raw.get("rates", [])):
        c = _get_case(cases, r["case"], file, f"{where}.rates[{ri}]")
        key = f"rate[{r['group']}]@{r['time']:g}" if r.get("group") else f"rate@{r['time']:g}"
        targets.append(Target(key, "rate", r["case"], c.published, c.value, r.get("group"),
                              float(r["time"])))
    return targets, notes


def _heldout(raw: dict, where: str, cases: dict[str, Case], file: str) -> list[Target]:
    """Printed numbers recomputed from the set but never used to build it."""
    heldout = []
    for hi, h in enumerate(raw.get("heldout", [])):
        c = _get_case(cases, h["case"], file, f"{where}.heldout[{hi}]")
        key = h["stat"] + (f"@{h['time']:g}" if h.get("time") is not None else "")
        value = c.value if isinstance(c.value, printed.Number) else None
        if value is None:
            raise CaseFileError(file, f"{where}.heldout[{hi}]", "needs a printed number")
        heldout.append(Target(key, h["stat"], h["case"], c.published, value, None,
                              float(h["time"]) if h.get("time") is not None else None))
    return heldout


def _check_labels(raw: dict, where: str, file: str, labels: list[str]) -> None:
    numerator = raw.get("numerator")
    if raw.get("hr") and numerator is None:
        raise CaseFileError(file, f"{where}.numerator", "an HR needs its numerator group")
    if numerator is not None and numerator != "auto" and numerator not in labels:
        raise CaseFileError(file, f"{where}.numerator",
                            f"{numerator!r} is not a group label ({', '.join(labels)}) or 'auto'")
    for ri, r in enumerate(raw.get("rates", [])):
        if r.get("group") is not None and r["group"] not in labels:
            raise CaseFileError(file, f"{where}.rates[{ri}].group",
                                f"{r['group']!r} is not a group label ({', '.join(labels)})")


def _complement(groups: list[GroupSpec], total: int) -> list[GroupSpec]:
    """A group whose size is "the rest" of a searched split gets the complementary range."""
    known = sum(g.n for g in groups if g.n is not None)
    rest = [g for g in groups if g.n is None and g.n_range is None]
    ranged = [g for g in groups if g.n_range is not None]
    if len(rest) == 1 and len(ranged) == 1:
        lo, hi = ranged[0].n_range
        left = total - known
        groups = [replace(g, n_range=(left - hi, left - lo)) if g is rest[0] else g
                  for g in groups]
    return groups


def _spec(raw: dict, i: int, d: dict, cases: dict[str, Case], file: str,
          by_id: dict[str, dict], cohorts: dict[str, int]) -> Spec:
    where = f"comparison[{i}] (id {raw.get('id')!r})"
    pair = raw.get("pair_of")
    if pair is not None and pair not in by_id:
        raise CaseFileError(file, f"{where}.pair_of", f"no comparison {pair!r} in this file")
    groups = _groups(raw, where, cases, file, by_id)
    origin = raw.get("origin", "")
    cohort_n = cohorts.get(origin)
    if any(g.n is None for g in groups):
        if cohort_n is None:
            raise CaseFileError(file, f"{where}.origin",
                                f"searched group sizes need the cohort's size: no [[cohort]] "
                                f"with origin = {origin!r}")
        groups = _complement(groups, cohort_n)
    targets, notes = _targets(raw, where, cases, file)
    heldout = _heldout(raw, where, cases, file)
    _check_labels(raw, where, file, [g.label for g in groups])
    seed = int(d.get("seed", 0))
    return Spec(
        id=raw["id"], title=raw.get("title", raw["id"]), file=raw["file"],
        endpoint=raw.get("endpoint", ""), origin=origin,
        groups=tuple(groups), numerator=raw.get("numerator"), targets=tuple(targets),
        heldout=tuple(heldout), relax=tuple(raw.get("relax", ())), pair_of=pair,
        columns=tuple(raw.get("columns", (d["unit"], "event"))),
        seed=seed, max_time=float(d["max_time"]), grid=float(d["grid"]), unit=d["unit"],
        resampling_seed=int(d.get("resampling_seed", seed)),
        window_note=d.get("window_note", ""), cohort_n=cohort_n, notes=tuple(notes),
        cohort=raw.get("cohort"),
    )


# ----------------------------------------------------------------------------- pooled
@dataclass(frozen=True)
class Pool:
    """A cohort whose printed whole-cohort numbers (``pooled``) must hold for the union of the
    groups of every comparison naming it (``cohort = "<id>"`` on the comparison).

    ``targets`` are the printed numbers (kind ``rate`` with key ``pooled_rate@t``, or
    ``median`` with key ``pooled_median``); ``endpoints`` gives each one's endpoint ("" for
    any); ``members`` are the ids of the comparisons naming the cohort.
    """

    id: str
    origin: str
    n: int
    targets: tuple[Target, ...]
    endpoints: tuple[str, ...]
    members: tuple[str, ...]


def load_pools(pack: Pack, path: Path | None = None) -> list[Pool]:
    """The cohorts of ``ipd/comparisons.toml`` that comparisons name (``[[cohort]] id``).

    Raises
    ------
    CaseFileError
        A comparison names a cohort that has no ``id`` in the file, a pooled entry names a
        case the pack lacks (or a rate without ``time``), or a member comparison's groups
        cannot be the whole cohort (fixed sizes that do not add up to its ``n``, or another
        ``origin``).
    """
    file, data = _read(pack, path)
    cases = _case_map(pack)
    raw_cohorts = data.get("cohort", [])
    ids = {c["id"]: i for i, c in enumerate(raw_cohorts) if c.get("id")}
    members: dict[str, list[str]] = {k: [] for k in ids}
    specs = {s.id: s for s in load_specs(pack, path)}
    for i, raw in enumerate(data.get("comparison", [])):
        cid = raw.get("cohort")
        if cid is None:
            continue
        where = f"comparison[{i}] (id {raw['id']!r}).cohort"
        if cid not in ids:
            raise CaseFileError(str(file), where, f"names cohort {cid!r}, but no [[cohort]] "
                                f"has id = {cid!r} (known: {', '.join(ids) or 'none'})")
        coh = raw_cohorts[ids[cid]]
        n = _size(coh["n"], cases, str(file), f"cohort[{ids[cid]}].n")
        spec = specs[raw["id"]]
        if spec.origin and spec.origin != coh["origin"]:
            raise CaseFileError(str(file), where, f"the comparison's origin {spec.origin!r} "
                                f"is not cohort {cid!r}'s origin {coh['origin']!r}")
        fixed = [g.n for g in spec.groups]
        if all(x is not None for x in fixed) and sum(fixed) != n:
            raise CaseFileError(str(file), where, f"its groups add up to {sum(fixed)} "
                                f"patients, cohort {cid!r} has {n}: the union of the groups "
                                "is not the cohort (leave `cohort` out for a partial split)")
        members[cid].append(raw["id"])
    out = []
    for cid, i in ids.items():
        coh = raw_cohorts[i]
        targets, endpoints = [], []
        for j, item in enumerate(coh.get("pooled", [])):
            where = f"cohort[{i}].pooled[{j}]"
            c = _get_case(cases, item["case"], str(file), where)
            if not isinstance(c.value, printed.Number):
                raise CaseFileError(str(file), where, "needs a printed number")
            if item["stat"] == "rate":
                if item.get("time") is None:
                    raise CaseFileError(str(file), f"{where}.time", "a pooled rate needs its time")
                key, time = f"pooled_rate@{item['time']:g}", float(item["time"])
            else:
                key, time = "pooled_median", None
            targets.append(Target(key, item["stat"], item["case"], c.published, c.value,
                                  None, time))
            endpoints.append(item.get("endpoint", ""))
        out.append(Pool(cid, coh["origin"], _size(coh["n"], cases, str(file), f"cohort[{i}].n"),
                        tuple(targets), tuple(endpoints), tuple(members[cid])))
    return out


#: the folder (under ``ipd/``) holding each cohort member rebuilt with the pooled numbers
POOLED_DIR = "pooled"


def with_pooled(spec: Spec, pool: Pool) -> Spec | None:
    """``spec`` with its cohort's pooled rates (of its endpoint) as extra targets, written to
    ``pooled/<cohort>__<comparison>.csv``; None when no pooled rate applies (pooled medians
    are judged on the sets only: the search has no union-median target)."""
    extra = {}
    for t, ep in zip(pool.targets, pool.endpoints):
        key = f"pooled_rate@{t.time:g}"
        if t.kind == "rate" and key not in extra and (
                not ep or not spec.endpoint or ep == spec.endpoint):
            extra[key] = replace(t, key=key)  # two prints at one time: the first is targeted
    extra = tuple(extra.values())
    if not extra:
        return None
    return replace(spec, targets=spec.targets + extra, heldout=(),
                   file=f"{pool.id}__{spec.id}.csv")
