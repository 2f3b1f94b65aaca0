"""Witness sets for pooled constraints: every comparison that names a cohort
(``cohort = "<id>"``) rebuilt with the cohort's printed whole-cohort rates as extra targets
(the union of its groups must give them), into ``ipd/pooled/``.

``python -m harness.ipd.reconstruct.pooled [PACK] [--only ID ...]`` writes one CSV per
comparison (``<cohort>__<comparison>.csv``, same format and header as the comparison's own)
and ``ipd/pooled/outcomes.json`` (verdict, conflicts, targeted numbers), byte for byte on a
rerun; :mod:`harness.audit.pooled` reads them, verifies every targeted number by
recomputation and counts a set as a witness, or reports the failed search (evidence, not
proof). Comparisons paired with another (``pair_of``, PFS) are not rebuilt here.

R equivalent: none (the sets are verified in Python and R by the audit).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.ipd.io import write_outcomes
from harness.ipd.reconstruct.verdict import reconstruct
from harness.ipd.reconstruct.writer import csv_text, outcome_record
from harness.pack.comparisons import POOLED_DIR, load_pools, load_specs, with_pooled


def build_pooled(pack, out_dir: Path | None = None, only: list[str] | None = None
                 ) -> list[dict]:
    """Rebuild each cohort member (or those in ``only``) with the pooled rates; returns one
    summary per comparison (id, verdict, seconds, file)."""
    specs = {s.id: s for s in load_specs(pack)}
    out_dir = Path(out_dir) if out_dir else pack.path / "ipd" / POOLED_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    records, out = [], []
    for pool in load_pools(pack):
        for cid in pool.members:
            spec = specs[cid]
            s2 = with_pooled(spec, pool)
            # a one-group comparison is the cohort itself: its own set is the witness
            if s2 is None or spec.pair_of or spec.k < 2 or (only and cid not in only):
                continue
            o = reconstruct(s2)
            (out_dir / s2.file).write_text(csv_text([o]), encoding="utf-8")
            records.append(outcome_record(o))
            # after every comparison (other comparisons' entries kept): an interrupted run
            # keeps what it found
            write_outcomes(out_dir, records, list(specs))
            out.append({"id": cid, "verdict": o.verdict, "seconds": round(o.seconds, 1),
                        "file": s2.file})
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m harness.ipd.reconstruct.pooled [PACK] [--only ID ...]``."""
    from harness.errors import CaseFileError
    from harness.pack.cases import load_pack

    ap = argparse.ArgumentParser(prog="python -m harness.ipd.reconstruct.pooled",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("pack", nargs="?", default="cases/stork2022")
    ap.add_argument("--only", nargs="+", help="comparison ids to rebuild")
    args = ap.parse_args(argv)
    try:
        for s in build_pooled(load_pack(Path(args.pack)), only=args.only):
            print(f"{s['id']}: {s['verdict']} ({s['seconds']} s) -> {s['file']}")
    except CaseFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
