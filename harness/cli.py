"""Command line: ``harness audit [PACK...]``.

Exit codes: 0 when the audit ran (findings are results, not failures); 1 when ``--fail-on``
names a verdict that occurred; 2 on a usage error, a case-file error or an unusable R.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.errors import CaseFileError, RUnavailable

SEED_PACK = "stork2022"


def default_pack() -> Path:
    """The bundled seed pack: ``cases/stork2022`` in the working directory or the checkout."""
    for base in (Path.cwd(), Path(__file__).resolve().parent.parent):
        candidate = base / "cases" / SEED_PACK
        if (candidate / "pack.toml").is_file():
            return candidate
    raise CaseFileError(f"cases/{SEED_PACK}", "", "the bundled seed pack was not found; "
                        "run from the project checkout or name a pack")


def _verdict_list(text: str) -> list[str]:
    from harness.registry import VERDICTS

    items = [v.strip() for v in text.split(",") if v.strip()]
    bad = [v for v in items if v not in VERDICTS]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown verdict(s) {', '.join(bad)}; choose from {', '.join(VERDICTS)}")
    return items


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness", description="Validate published survival statistics against Python and R.")
    sub = parser.add_subparsers(dest="command", required=True)
    audit = sub.add_parser("audit", help="judge every printed number of one or more case packs")
    audit.add_argument("packs", nargs="*", metavar="PACK",
                       help="case pack folder(s); default: the bundled seed pack")
    audit.add_argument("--format", choices=["table", "markdown", "json", "html"], default="table",
                       help="html: one self-contained page with the audit table, a KM plot "
                            "per pseudo-IPD comparison and the variant spread")
    audit.add_argument("--no-r", action="store_true",
                       help="run the Python recomputations only (the output says so)")
    audit.add_argument("--fail-on", type=_verdict_list, default=[], metavar="VERDICTS",
                       help="comma-separated verdicts that make the exit code 1, "
                            "e.g. inconsistent,decision_error")
    audit.add_argument("--out", type=Path, help="write the report to this file instead of stdout")

    cc = sub.add_parser("crosscheck",
                        help="every estimand and variant on your data: Python, R, lifelines")
    cc.add_argument("data", type=Path, metavar="DATA.csv")
    cc.add_argument("--time", required=True, metavar="COL")
    cc.add_argument("--event", required=True, metavar="COL",
                    help="0/1 or true/false (1/2 as in R's lung with --event-coding 12)")
    cc.add_argument("--event-coding", choices=["01", "12"], default="01")
    cc.add_argument("--group", metavar="COL")
    cc.add_argument("--at", type=float, action="append", metavar="T",
                    help="time for KM rows (repeatable; default: quartiles of event times)")
    cc.add_argument("--tau", type=float, help="RMST horizon (default: smallest group maximum)")
    cc.add_argument("--format", choices=["table", "json"], default="table")
    cc.add_argument("--no-r", action="store_true")
    cc.add_argument("--no-lifelines", action="store_true")

    rec = sub.add_parser("reconstruct",
                         help="rebuild the pack's pseudo-IPD sets (cases/<pack>/ipd/*.csv)")
    rec.add_argument("pack", nargs="?", metavar="PACK",
                     help="case pack folder with ipd/comparisons.toml; default: the seed pack")
    rec.add_argument("--out", type=Path, metavar="DIR",
                     help="write the CSVs here instead of the pack's ipd/ folder")
    rec.add_argument("--only", action="append", metavar="ID",
                     help="rebuild only this comparison (repeatable; its file's partner too)")
    rec.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")

    sim = sub.add_parser("simulate", help="operating characteristics of test variants "
                         "(size, power, bias, coverage) by simulation on Dask")
    sim.add_argument("study", type=Path, metavar="STUDY.toml")
    sim.add_argument("--scheduler", metavar="ADDRESS",
                     help="a running Dask scheduler (tcp://host:port); default: a local cluster")
    sim.add_argument("--workers", type=int, metavar="N",
                     help="worker processes of the local cluster (default: the number of cores)")
    sim.add_argument("--out", type=Path, metavar="DIR",
                     help="results store (Parquet per chunk; a re-run skips finished chunks); "
                          "default simulate-out/<study id>")
    sim.add_argument("--format", choices=["table", "markdown", "json", "html"], default="table",
                     help="html: a page with power and size plots, written to DIR/summary.html")

    bench = sub.add_parser("bench", help="time our routines against R and lifelines baselines")
    bench.add_argument("--quick", action="store_true", help="smaller sizes (finishes within 45 s)")
    bench.add_argument("--format", choices=["table", "json"], default="table")
    bench.add_argument("--only", action="append", metavar="NAME",
                       help="run only this benchmark (repeatable)")
    return parser


def cmd_audit(args: argparse.Namespace) -> int:
    from harness import report
    from harness.audit import audit_pack
    from harness.cases import load_pack

    packs = [load_pack(p) for p in (args.packs or [default_pack()])]
    records, chunks, comparisons, html_notes = [], [], [], []
    for pack in packs:
        recs = audit_pack(pack, use_r=not args.no_r)
        records += recs
        notes = []
        if args.no_r:
            notes.append("Python only: R was not run (--no-r); no Python-vs-R cross-check.")
        else:
            from harness import rbridge

            notes.append(f"Python and R ({rbridge.probe().r_version}) agree on every "
                         "recomputation unless a row says 'error'.")
        title = f"{pack.paper.id}: {pack.paper.citation}"
        cmps = []
        if args.format != "json":
            from harness import ipd

            if ipd.has_ipd(pack):
                cmps = ipd.evaluate_pack(pack, use_r=not args.no_r)
        if args.format == "html":
            comparisons += cmps
            html_notes += [title] + notes
        if args.format == "table":
            chunks.append(report.render_table(recs, title, notes, cmps))
        elif args.format == "markdown":
            chunks.append(report.render_markdown(recs, title, notes, cmps))
    if args.format == "json":
        text = report.render_json(records)
    elif args.format == "html":
        text = report.render_html(records, comparisons, "harness audit: "
                                  + ", ".join(p.paper.id for p in packs), html_notes)
    else:
        text = "\n\n".join(chunks)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    hit = sorted({r.verdict for r in records} & set(args.fail_on))
    if hit:
        print(f"harness: --fail-on matched: {', '.join(hit)}", file=sys.stderr)
        return 1
    return 0


def cmd_crosscheck(args: argparse.Namespace) -> int:
    import json

    from tabulate import tabulate

    from harness.crosscheck import crosscheck, read_csv
    from harness.printed import fmt

    try:
        frame = read_csv(str(args.data), args.time, args.event, args.group)
        records = crosscheck(
            frame[args.time].to_numpy(), frame[args.event].to_numpy(),
            None if args.group is None else frame[args.group].astype(str).to_numpy(),
            times=args.at, tau=args.tau, use_r=not args.no_r, coding=args.event_coding,
            use_lifelines=not args.no_lifelines)
    except (ValueError, FileNotFoundError) as exc:
        print(f"harness: crosscheck: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps([r.to_json() for r in records], indent=2))
    else:
        rows = [[r.estimand, r.variant, r.group, fmt(r.python, 10), fmt(r.r, 10),
                 fmt(r.lifelines, 10), "-" if r.rel_diff is None else f"{r.rel_diff:.1e}",
                 r.note] for r in records]
        print(tabulate(rows, headers=["estimand", "variant", "group", "python", "R",
                                      "lifelines", "rel_diff", "note"]))
        n_r = sum(r.agree is not None for r in records)
        n_ok = sum(bool(r.agree) for r in records)
        print(f"{len(records)} values; Python and R agree on {n_ok} of {n_r} "
              f"(relative difference <= 1e-9)" if not args.no_r else
              f"{len(records)} values; Python only (--no-r)")
    return 0 if all(r.agree is not False for r in records) else 1


def cmd_reconstruct(args: argparse.Namespace) -> int:
    import time

    from harness.cases import load_pack
    from harness.reconstruct import reconstruct_pack

    pack = load_pack(args.pack or default_pack())
    t0 = time.perf_counter()
    sums = reconstruct_pack(pack, args.out, only=args.only, jobs=max(1, args.jobs))
    for s in sums:
        conf = "; ".join(" | ".join(c) for c in s["conflicts"])
        print(f"{s['id']}: {s['verdict']}" + (f" [{conf}]" if conf else "")
              + ("" if s["written"] else " (no set written)") + f" ({s['seconds']:.1f} s)")
    out = args.out or pack.path / "ipd"
    print(f"{len(sums)} comparisons written to {out} in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import harness.benchmarks  # noqa: F401  (registers the benchmarks)
    from harness import bench

    unknown = sorted(set(args.only or ()) - set(bench.BENCHMARKS))
    if unknown:
        print(f"harness: unknown benchmark(s) {', '.join(unknown)}; "
              f"choose from {', '.join(bench.BENCHMARKS)}", file=sys.stderr)
        return 2
    results = bench.run_all(quick=args.quick, only=args.only)
    print(bench.render(results, args.format))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from harness.simulate import load_study, render, run_study, summarise
    from harness.simulate.engine import StoreError

    if args.workers is not None and args.workers < 1:
        print("harness: simulate: --workers must be at least 1", file=sys.stderr)
        return 2
    study = load_study(args.study)
    out = args.out or Path("simulate-out") / study.id
    try:
        rep = run_study(study, out, scheduler=args.scheduler, workers=args.workers)
        summary = summarise(study, out)
    except StoreError as exc:
        print(f"harness: simulate: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a crash must not look like a finding (exit 1)
        print(f"harness: simulate: internal error: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 3
    text = render(study, summary, args.format)
    (out / "summary.json").write_text(render(study, summary, "json") + "\n", encoding="utf-8")
    if args.format == "html":
        page = out / "summary.html"
        page.write_text(text + "\n", encoding="utf-8")
        text = f"wrote {page}"
    print(text)
    print(f"harness: simulate: {rep.chunks} chunks ({rep.computed} computed, {rep.skipped} "
          f"already stored) in {rep.seconds:.1f} s; results in {out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors exit 2 (argparse)
    try:
        if args.command == "audit":
            return cmd_audit(args)
        if args.command == "crosscheck":
            return cmd_crosscheck(args)
        if args.command == "bench":
            return cmd_bench(args)
        if args.command == "reconstruct":
            return cmd_reconstruct(args)
        if args.command == "simulate":
            return cmd_simulate(args)
    except CaseFileError as exc:
        print(f"harness: case file error: {exc}", file=sys.stderr)
        return 2
    except RUnavailable as exc:
        print(f"harness: R is not usable: {exc.reason} (or run with --no-r)", file=sys.stderr)
        return 2
    parser.error(f"unknown command {args.command}")
    return 2
