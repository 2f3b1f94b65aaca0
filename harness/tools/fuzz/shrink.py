"""Shrink a failing fuzz set to a minimal example, and freeze it as a regression test.

:func:`shrink` removes rows (halves, quarters, ... single rows: delta debugging), then drops
the strata, then rounds times, keeping each change only while the finding persists (same
estimator block, same class). :func:`freeze` writes the minimal set with the R values it was
judged against, the R code that produced them (``harness/tools/fuzz/fuzz.R``, its SHA-256 and the
R/survival versions) and the classes, as JSON under ``tests/fuzz/regressions/``;
``tests/test_fuzz.py`` replays every file found there.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np

from harness.tools.fuzz.generate import FuzzSet, finish

__all__ = ["shrink", "still_fails", "freeze", "load_frozen"]


def still_fails(key_block: str, cls: str) -> Callable[[list[FuzzSet]], list[bool]]:
    """Batch predicate: which sets still have a finding of class ``cls`` in ``key_block``.

    All candidates of a round go to R in one ``Rscript`` process."""
    from harness.tools.fuzz.run import run_sets

    def pred(cands: list[FuzzSet]) -> list[bool]:
        cands = [c for c in cands if c.n > 0]
        if not cands:
            return []
        c = run_sets(cands)
        hit = {f.set_id for f in c.findings if f.cls == cls and _in_block(f.key, key_block)}
        return [x.id in hit for x in cands]

    return pred


def _in_block(key: str, block: str) -> bool:
    from harness.tools.fuzz.compare import _block_of

    return key == f"block:{block}" or key == f"warn:{block}" or _block_of(key) == block


def _rows_removed(cur: FuzzSet, chunk: int) -> list[FuzzSet]:
    out = []
    for j, start in enumerate(range(0, cur.n, chunk)):
        keep = np.r_[0:start, min(start + chunk, cur.n):cur.n]
        if 0 < keep.size < cur.n:
            out.append(cur.subset(keep, f"~{j}"))
    return out


def shrink(s: FuzzSet, fails: Callable[[list[FuzzSet]], list[bool]],
           max_rounds: int = 80) -> FuzzSet:
    """A smaller set on which ``fails`` still holds (1-minimal in rows when rounds allow).

    ``fails`` judges a batch of candidates at once (one R process per round): each round tries
    every removal of one chunk of rows (halves, then quarters, ... single rows) and keeps the
    first that still fails; then strata are dropped and times rounded if the finding stays.
    """
    base = s.id
    cur = s
    chunk = max(cur.n // 2, 1)
    rounds = 0
    while chunk >= 1 and rounds < max_rounds:
        cands = _rows_removed(cur, chunk)
        rounds += 1
        oks = fails(cands) if cands else []
        if any(oks):
            cur = cands[oks.index(True)]
            chunk = min(chunk, max(cur.n // 2, 1))
        else:
            chunk //= 2
    simpler = []
    if cur.strata is not None:
        simpler.append(finish(FuzzSet(cur.id + "~ns", cur.family, cur.time, cur.status,
                                      cur.group, None, timefix=cur.timefix)))
    rounded = np.round(cur.time, 2)
    if not np.array_equal(rounded, cur.time):
        simpler.append(finish(FuzzSet(cur.id + "~r", cur.family, rounded, cur.status,
                                      cur.group, cur.strata, timefix=cur.timefix)))
    for cand in simpler:
        if rounds < max_rounds and fails([cand])[0]:
            cur = cand
        rounds += 1
    cur.id = f"{base}-min"
    return cur


def _r_versions() -> str:
    out = subprocess.run(["Rscript", "-e", "cat(R.version.string, 'survival',"
                          " format(packageVersion('survival')))"],
                         capture_output=True, text=True)
    return out.stdout.strip()


def freeze(s: FuzzSet, directory: Path, note: str, name: str | None = None) -> Path:
    """Write the set, its R values and the R code's identity as a JSON regression file."""
    from harness.tools.fuzz.compare import classify
    from harness.tools.fuzz.pyside import python_values
    from harness.tools.fuzz.rside import R_SCRIPT, encode, r_values

    if name:
        s.id = name  # file name and set id agree (ids must be unique among frozen sets)
    exact = s.n <= 100
    r = r_values([s], {s.id: exact}).get(s.id, {})
    py = python_values(s, exact)
    classes = {f.key: f.cls for f in classify(s.id, py, r)}
    hexed = {k: (v.hex() if isinstance(v, float) and math.isfinite(v) else
                 (None if isinstance(v, float) else v)) for k, v in r.items()}
    rec = {
        "id": s.id, "family": s.family, "note": note,
        "time": [float(t).hex() for t in s.time], "status": s.status.tolist(),
        "group": None if s.group is None else s.group.tolist(),
        "strata": None if s.strata is None else s.strata.tolist(),
        "km_times": [float(t).hex() for t in s.km_times], "tau": float(s.tau).hex(),
        "exact": exact, "timefix": s.timefix,
        "r_values": hexed,
        "r_nonfinite": {k: repr(v) for k, v in r.items()
                        if isinstance(v, float) and not math.isfinite(v)},
        "classes": classes,
        "r_code": {"script": "harness/tools/fuzz/fuzz.R",
                   "command": "Rscript --vanilla harness/tools/fuzz/fuzz.R IN.tsv OUT.tsv "
                              "harness/r/timefix.R",
                   "input_line": encode(s, exact),
                   "sha256": hashlib.sha256(R_SCRIPT.read_bytes()).hexdigest(),
                   "versions": _r_versions()},
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name or s.id}.json"
    path.write_text(json.dumps(rec, indent=1) + "\n")
    return path


def load_frozen(path: Path) -> tuple[FuzzSet, dict, dict]:
    """The frozen set, its R values (floats), and its recorded classes."""
    rec = json.loads(Path(path).read_text())
    s = FuzzSet(rec["id"], rec["family"], np.array([float.fromhex(t) for t in rec["time"]]),
                np.array(rec["status"], dtype=int),
                None if rec["group"] is None else np.array(rec["group"], dtype=int),
                None if rec["strata"] is None else np.array(rec["strata"], dtype=int),
                [float.fromhex(t) for t in rec["km_times"]], float.fromhex(rec["tau"]),
                timefix=rec.get("timefix", True))
    r: dict = {}
    for k, v in rec["r_values"].items():
        if v is None:
            r[k] = float(rec["r_nonfinite"].get(k, "nan"))
        elif isinstance(v, str) and v.startswith(("0x", "-0x")):
            r[k] = float.fromhex(v)
        else:
            r[k] = v
    return s, r, rec["classes"]
