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

Both are written by ``harness reconstruct`` (:mod:`harness.ipd.reconstruct`) through
:func:`render_csv` and :func:`write_outcomes`, and read by :mod:`harness.ipd.evaluate` through
:func:`read_csv` and :func:`read_outcomes`.

R equivalent: ``read.csv(path, comment.char = "#")``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from harness.errors import CaseFileError
from harness.pack.comparisons import Spec

#: the sidecar holding every comparison's outcome (in the pack's ``ipd/`` folder)
OUTCOMES_FILE = "outcomes.json"


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
    """Read one comparison's columns from a pseudo-IPD CSV; None when the file has no rows."""
    text = Path(path).read_text(encoding="utf-8")
    body = [x for x in text.splitlines() if x and not x.startswith("#")]
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
    )


def read_outcomes(folder: str | Path) -> dict[str, ComparisonOutcome]:
    """Every comparison's outcome from ``folder/outcomes.json`` ({} when there is none).

    Raises
    ------
    CaseFileError
        The file exists but is not valid JSON or lacks a field.
    """
    path = Path(folder) / OUTCOMES_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {cid: ComparisonOutcome(id=cid, **rec)
                for cid, rec in data["comparisons"].items()}
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
