"""``python -m harness.tools.fuzz``: a differential fuzz campaign against R ``survival``.

Exit codes: 0 no unexplained disagreement, 1 unexplained disagreements found, 2 bad usage or
R missing, 3 internal error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m harness.tools.fuzz", description=__doc__)
    ap.add_argument("--sets", type=int, default=300, help="number of random sets (default 300)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--large", type=int, default=0, help="extra sets of 16k-98k rows")
    ap.add_argument("--report", type=Path, help="write the markdown report here")
    ap.add_argument("--shrink", type=int, default=0,
                    help="shrink up to this many unexplained findings to minimal examples")
    ap.add_argument("--freeze", type=Path, default=None,
                    help="write each minimal example as a regression JSON in this folder")
    ap.add_argument("--jobs", type=int, default=1, help="Rscript processes in parallel")
    ap.add_argument("--dump", type=Path, default=None,
                    help="also save both sides' raw values (pickle) to re-classify later")
    args = ap.parse_args(argv)
    if args.sets < 0 or args.large < 0 or args.jobs < 1:
        ap.error("--sets and --large must be >= 0, --jobs >= 1")
    from harness.tools.fuzz.run import campaign, render_markdown

    try:
        c = campaign(args.sets, args.seed, args.large, args.jobs)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.dump:
        import pickle

        args.dump.write_bytes(pickle.dumps({"sets": c.sets, "py": c.py, "r": c.r,
                                            "seconds": c.seconds}))
    cmd = "python -m harness.tools.fuzz " + " ".join(argv if argv is not None else sys.argv[1:])
    text = render_markdown(c, cmd)
    if args.shrink:
        text += _shrink(c, args.shrink, args.freeze)
    if args.report:
        args.report.write_text(text)
    print(text if not args.report else text.split("## Unexplained")[0])
    return 1 if c.unexplained else 0


def _shrink(c, limit: int, freeze_dir: Path | None) -> str:
    from harness.tools.fuzz.compare import _block_of
    from harness.tools.fuzz.shrink import freeze, shrink, still_fails

    lines = ["", "## Minimal examples", ""]
    seen = set()
    by_id = {s.id: s for s in c.sets}
    for f in c.unexplained:
        block = f.key[6:] if f.key.startswith(("block:",)) else f.key[5:] if f.key.startswith(
            "warn:") else _block_of(f.key)
        if (block, f.cls) in seen or len(seen) >= limit:
            continue
        seen.add((block, f.cls))
        small = shrink(by_id[f.set_id], still_fails(block, f.cls))
        where = ""
        if freeze_dir is not None:
            name = f"{small.id}-{f.cls}-{block}"
            where = f" -> {freeze(small, freeze_dir, f'{f.cls} in {block}', name=name)}"
        lines.append(f"- `{f.set_id}` {block} {f.cls}: {small.n} rows{where}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except Exception as exc:  # a crash must not look like a finding
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(3)
