"""The pseudo-IPD files, both ways: the one owner of their format.

A pack's ``ipd/`` folder holds, beside ``comparisons.toml`` (the specs, read by
:mod:`harness.pack.comparisons`):

* one CSV per file named in the specs: ``#`` comment lines for humans (how the set was made,
  the printed numbers it targets, the verdict and any conflicting printed numbers), then
  ``id,group,<time>,<event>[,<time>,<event>]`` (two column pairs when a PFS comparison shares
  the patients of an OS one). Times are in the pack's unit on its grid.
* ``outcomes.json``: what reconstruction concluded per comparison (verdict, conflicts,
  finding, HR direction, targeted and dropped printed numbers, group sizes), as data. The
  evaluation reads this file; the CSV comment lines are never parsed back.
* ``ranges.json``: per comparison the feasible ranges of its held-out, dropped and unprinted
  statistics (:class:`RangeRecord`), under the content hash of what decided them
  (:func:`range_hash`: the comparison's spec with its printed values, its outcome, its CSV's
  bytes and the search settings). Written by ``harness reconstruct`` through
  :func:`write_ranges`; read by the evaluation through :func:`read_ranges`, which uses an
  entry only when its hash matches (otherwise the ranges are *stale*).

Both are written by ``harness reconstruct`` (:mod:`harness.ipd.reconstruct`) through
:func:`render_csv` and :func:`write_outcomes`, and read by :mod:`harness.ipd.evaluate` through
:func:`read_csv` and :func:`read_outcomes`.

R equivalent: ``read.csv(path, comment.char = "#")``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from harness.errors import CaseFileError
from harness.pack.comparisons import Spec

#: the sidecar holding every comparison's outcome (in the pack's ``ipd/`` folder)
OUTCOMES_FILE = "outcomes.json"
#: the sidecar holding every comparison's feasible ranges (same folder)
RANGES_FILE = "ranges.json"
#: version of the range search: bumping it makes every stored range stale
RANGES_VERSION = 2


@dataclass(frozen=True)
class IPDSet:
    """One comparison's pseudo-IPD: ids, times (in the pack's unit), events (0/1), groups."""

    comparison: str
    id: np.ndarray
    time: np.ndarray
    event: np.ndarray
    group: np.ndarray

    @property
    def n(self) -> int:
        return int(self.time.size)


@dataclass
class ComparisonOutcome:
    """What reconstruction concluded for one comparison (stored in ``outcomes.json``)."""

    id: str
    verdict: str                      # consistent | inconsistent | unresolved
    finding: str
    conflicts: list[list[str]] = field(default_factory=list)
    conflict_kind: str = ""           # exact | search | budget (time ran out) | ""
    numerator: str | None = None      # HR = numerator / denominator (group labels)
    denominator: str | None = None
    targeted: list[str] = field(default_factory=list)   # constraint keys the set satisfies
    dropped: list[str] = field(default_factory=list)    # constraint keys given up
    sizes: dict[str, int | None] = field(default_factory=dict)  # group label -> n (None: no set)


# ------------------------------------------------------------------------- reading
def read_csv(path: str | Path, comparison: str, columns: tuple[str, str]) -> IPDSet | None:
    """Read one comparison's columns from a pseudo-IPD CSV; None when the file has no rows.

    Raises
    ------
    CaseFileError
        Naming the file and the line: a missing column, an id that is not a whole number, a
        time that is not a finite number >= 0, an event code other than 0/1, or a row whose
        columns are left empty while others are filled.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFileError(str(path), "", f"cannot be read: {exc}") from None
    numbered = [(i, x) for i, x in enumerate(text.splitlines(), start=1)
                if x and not x.startswith("#")]
    if not numbered:
        return None
    header_line = numbered[0][0]
    reader = csv.DictReader(io.StringIO("\n".join(x for _, x in numbered)))
    rows = list(reader)
    tcol, ecol = columns
    missing = [c for c in ("id", "group", tcol, ecol) if c not in (reader.fieldnames or [])]
    if missing:
        raise CaseFileError(str(path), f"line {header_line}",
                            f"has no column {', '.join(map(repr, missing))} (comparison "
                            f"{comparison}; columns {', '.join(reader.fieldnames or [])})")
    if not rows:
        return None
    lines = [i for i, _ in numbered[1:]]
    empty = [not r.get(tcol) for r in rows]
    if all(empty):  # this comparison has no set (columns left empty)
        return None
    ids, times, events = [], [], []
    for line, r, blank in zip(lines, rows, empty):
        where = f"line {line}"
        if blank or not r.get(ecol):
            raise CaseFileError(str(path), where, f"leaves {tcol!r} or {ecol!r} empty while "
                                                  "other rows fill them")
        ids.append(_parse(r["id"], int, str(path), where, "id", "a whole number"))
        t = _parse(r[tcol], float, str(path), where, tcol, "a number")
        if not np.isfinite(t) or t < 0:
            raise CaseFileError(str(path), where, f"{tcol} {r[tcol]!r} is not a finite time "
                                                  ">= 0")
        times.append(t)
        if r[ecol].strip() not in ("0", "1"):
            raise CaseFileError(str(path), where, f"{ecol} {r[ecol]!r} is not an event code "
                                                  "(1 = event, 0 = censored)")
        events.append(int(r[ecol]))
    return IPDSet(comparison, np.array(ids), np.array(times), np.array(events),
                  np.array([r["group"] for r in rows], dtype=object))


def _parse(text: str | None, kind, file: str, where: str, column: str, what: str):
    try:
        return kind(text)
    except (TypeError, ValueError):
        raise CaseFileError(file, where, f"{column} {text!r} is not {what}") from None


def read_outcomes(folder: str | Path) -> dict[str, ComparisonOutcome]:
    """Every comparison's outcome from ``folder/outcomes.json`` ({} when there is none).

    Raises
    ------
    CaseFileError
        The file exists but is not valid JSON or lacks a field.
    """
    return _read_sidecar(Path(folder) / OUTCOMES_FILE, lambda data: {
        cid: ComparisonOutcome(id=cid, **rec) for cid, rec in data["comparisons"].items()})


def _read_sidecar(path: Path, build: Callable[[dict], dict]) -> dict:
    """A JSON sidecar of the ``ipd/`` folder through ``build`` ({} when there is none); a file
    that is not JSON or lacks a field is a :class:`CaseFileError` naming it."""
    if not path.is_file():
        return {}
    try:
        return build(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise CaseFileError(str(path), "comparisons", f"cannot be read: {exc}") from None


def write_outcomes(folder: str | Path, outcomes: list[ComparisonOutcome],
                   order: list[str]) -> Path:
    """Store ``outcomes`` in ``folder/outcomes.json``, keeping the other comparisons' entries.

    Entries are written in ``order`` (the specs' order; ids not in it are left out), so a
    rerun rewrites the file byte for byte.
    """
    path = Path(folder) / OUTCOMES_FILE
    known = {cid: asdict(o) for cid, o in read_outcomes(folder).items()}
    known.update({o.id: asdict(o) for o in outcomes})
    recs = {}
    for cid in order:
        if cid in known:
            rec = dict(known[cid])
            rec.pop("id")
            recs[cid] = rec
    doc = {"about": "written by `harness reconstruct`; read by harness.ipd.evaluate "
                    "(one entry per comparison of comparisons.toml)",
           "comparisons": recs}
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------------- writing
def _decimals(grid: float) -> int:
    text = f"{grid:g}"
    return len(text.split(".")[1]) if "." in text else 0


def format_time(steps: int, grid: float) -> str:
    """A time on the grid (``steps`` grid units) as written in the CSV."""
    return f"{steps * grid:.{_decimals(grid)}f}"


def header_lines(parts: list[tuple[Spec, ComparisonOutcome]]) -> list[str]:
    """The '#' comment header of a CSV (one or two comparisons of the same patients)."""
    first = parts[0][0]
    note = f" ({first.window_note})" if first.window_note else ""
    lines = [
        f"# pseudo-IPD, not patient data: {first.file} ({', '.join(s.id for s, _ in parts)})",
        "# made by `harness reconstruct` (harness/reconstruct/): exact (O-E, V) screen, "
        "constructive start, seeded simulated annealing",
        f"#   on a {first.grid:g}-{first.unit_singular} grid (where it fails, an exhaustive "
        f"search over event orders), seed {first.seed};",
        ("#   rerunning it rewrites this file byte for byte"
         if all(o.conflict_kind != "budget" for _, o in parts) else
         "#   STOPPED AT THE TIME BUDGET: the set below is the best found and does NOT meet the "
         "printed numbers marked dropped; a rerun may write another set"),
        f"# follow-up window {first.grid:g}-{first.max_time:g} {first.unit}{note}; "
        "event 1 = death (OS) or progression/death (PFS), 0 = censored at last follow-up",
    ]
    if len(parts) > 1:
        lines.append("# PFS <= OS for every patient; a PFS-censored patient is OS-censored "
                     "no earlier")
    for s, o in parts:
        lines.append(f"# comparison {s.id}: {s.title}; columns {','.join(s.columns)}")
        for g in s.groups:
            how = "printed" if g.n is not None else f"searched {g.n_range[0]}-{g.n_range[1]}"
            lines.append(f"#   group {g.label}: n = {o.sizes.get(g.label)} ({how}; {g.n_source})")
        if o.numerator is not None:
            lines.append(f"#   HR = {o.numerator} / {o.denominator} "
                         "(Mantel-Haenszel, GraphPad Prism)")
        for t in s.targets:
            tag = "target" if t.key in o.targeted else "dropped"
            lines.append(f"#   {tag} {t.key}: {t.label()}")
        for t in s.heldout:
            lines.append(f"#   held out {t.key}: {t.case} = {t.text}")
        for n in s.notes:
            lines.append(f"#   {n}")
        lines.append(f"#   verdict: {o.verdict}")
        for c in o.conflicts:
            lines.append(f"#   conflict ({o.conflict_kind}): {' | '.join(c)}")
        lines.append(f"#   finding: {o.finding}")
    return lines


#: one patient: group label, then per comparison (time in grid steps, event) or None (no set)
Row = tuple[str, list[tuple[int, bool] | None]]


def render_csv(parts: list[tuple[Spec, ComparisonOutcome]], rows: list[Row] | None) -> str:
    """CSV text: '#' header, then id, group and each comparison's time/event columns.

    ``rows`` is None when not even the first comparison has a set (only its columns are named).
    """
    first = parts[0][0]
    if rows is None:
        return "\n".join(header_lines(parts) + ["id,group," + ",".join(first.columns)]) + "\n"
    out = [",".join(["id", "group"] + [c for s, _ in parts for c in s.columns])]
    for new_id, (label, cells) in enumerate(rows, start=1):
        row = [str(new_id), label]
        for cell in cells:
            row += ["", ""] if cell is None else [format_time(cell[0], first.grid),
                                                  str(int(cell[1]))]
        out.append(",".join(row))
    return "\n".join(header_lines(parts) + out) + "\n"


# ------------------------------------------------------------------------- ranges
@dataclass
class RangeRecord:
    """The feasible range of one statistic of a comparison (stored in ``ranges.json``).

    ``lo``/``hi`` are the lowest and highest values the directed searches reached with sets
    that satisfy the comparison's targeted numbers (``written`` is the written set's value,
    always inside); ``bound_lo``/``bound_hi`` a proven range where one exists; ``witness``
    (printed numbers only) whether a set with a value inside the printed rounding interval
    was met; ``truncated`` whether the wall-time cap stopped a search.
    """

    key: str
    role: str                 # held out | dropped | unprinted
    case: str = ""            # the printed number's case id (held out / dropped)
    printed: str = ""
    lo: float | None = None
    hi: float | None = None
    written: float | None = None
    bound_lo: float | None = None
    bound_hi: float | None = None
    iterations: int = 0
    truncated: bool = False
    witness: bool | None = None


@dataclass
class RangeEntry:
    """One comparison's stored ranges and the content hash they were computed for."""

    hash: str
    settings: dict            # the search's settings (iterations, step, temperatures...)
    ranges: list[RangeRecord]


def range_hash(spec: Spec, outcome: ComparisonOutcome, csv_bytes: bytes,
               settings: dict) -> str:
    """The content hash a comparison's ranges are stored under: its spec (every printed
    value it names, resolved), its outcome (targeted keys, HR direction), the bytes of its
    CSV (for a PFS comparison that file holds the OS set too), the search's settings and
    :data:`RANGES_VERSION`."""
    doc = {"spec": asdict(spec), "outcome": asdict(outcome),
           "csv": hashlib.sha256(csv_bytes).hexdigest(), "settings": settings,
           "version": RANGES_VERSION}
    text = json.dumps(doc, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_ranges(folder: str | Path) -> dict[str, RangeEntry]:
    """Every comparison's stored ranges from ``folder/ranges.json`` ({} when there is none;
    entries with an empty hash, which never matches, when the file is of another
    :data:`RANGES_VERSION`).

    Raises
    ------
    CaseFileError
        The file exists but is not valid JSON or lacks a field.
    """
    def build(data: dict) -> dict[str, RangeEntry]:
        if data.get("version") != RANGES_VERSION:  # another search's ranges: all stale
            return {cid: RangeEntry("", {}, []) for cid in data["comparisons"]}
        return {cid: RangeEntry(rec["hash"], dict(rec["settings"]),
                                [RangeRecord(**r) for r in rec["ranges"]])
                for cid, rec in data["comparisons"].items()}

    return _read_sidecar(Path(folder) / RANGES_FILE, build)


def write_ranges(folder: str | Path, entries: dict[str, tuple[str, dict, list[RangeRecord]]],
                 order: list[str]) -> Path:
    """Store ``entries`` (id -> (hash, settings, ranges)) in ``folder/ranges.json``,
    keeping the other comparisons' entries; written in ``order`` (a rerun rewrites the file
    byte for byte)."""
    path = Path(folder) / RANGES_FILE
    known = {cid: {"hash": e.hash, "settings": e.settings,
                   "ranges": [asdict(r) for r in e.ranges]}
             for cid, e in read_ranges(folder).items()}
    for cid, (digest, settings, recs) in entries.items():
        known[cid] = {"hash": digest, "settings": dict(settings),
                      "ranges": [asdict(r) for r in recs]}
    doc = {"about": "written by `harness reconstruct` (feasible ranges, harness.ipd.reconstruct."
                    "ranges); read by harness.ipd.evaluate when an entry's hash matches",
           "version": RANGES_VERSION,
           "comparisons": {cid: known[cid] for cid in order if cid in known}}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n",
                    encoding="utf-8")
    return path
