"""Command line: ``harness audit [PACK...]``.

Exit codes: 0 when the audit ran (findings are results, not failures); 1 when ``--fail-on``
names a verdict that occurred (or crosscheck finds Python and R disagree); 2 on a usage error,
a case-file error, bad input or an unusable R; 3 on an internal error (one line on stderr says
where the traceback went). See :mod:`harness.exits`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.errors import CaseFileError

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
    from harness.verdict import VERDICTS

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
    cc.add_argument("--group", metavar="COL",
                    help="group labels, read as text ('1' and '01' are two groups)")
    cc.add_argument("--reference", metavar="LABEL",
                    help="reference group (HR = 1); default: first label in code-point order")
    cc.add_argument("--missing-label", action="append", default=[], metavar="TEXT",
                    help="a group cell read as missing, e.g. NA (repeatable; default: none)")
    cc.add_argument("--at", type=float, action="append", metavar="T",
                    help="time for KM rows (repeatable; default: quartiles of event times)")
    cc.add_argument("--tau", type=float, help="RMST horizon (default: smallest group maximum)")
    cc.add_argument("--format", choices=["table", "json"], default="table")
    cc.add_argument("--no-r", action="store_true")
    cc.add_argument("--no-lifelines", action="store_true")
    cc.add_argument("--no-timefix", action="store_true",
                    help="keep nearly equal times apart on both sides (R's timefix = FALSE; "
                         "default: R's timefix = TRUE, aeqSurv)")

    rec = sub.add_parser("reconstruct",
                         help="rebuild the pack's pseudo-IPD sets (cases/<pack>/ipd/*.csv)")
    rec.add_argument("pack", nargs="?", metavar="PACK",
                     help="case pack folder with ipd/comparisons.toml; default: the seed pack")
    rec.add_argument("--out", type=Path, metavar="DIR",
                     help="write the CSVs here instead of the pack's ipd/ folder")
    rec.add_argument("--only", action="append", metavar="ID",
                     help="rebuild only this comparison (repeatable; its file's partner too)")
    rec.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    rec.add_argument("--ranges-only", action="store_true",
                     help="keep the sets; only (re)compute the feasible ranges that are stale")
    rec.add_argument("--no-ranges", action="store_true",
                     help="rebuild the sets only (the stored ranges then read as stale)")
    rec.add_argument("--range-seconds", type=float, default=120.0, metavar="S",
                     help="wall-time cap of the range searches per comparison (default 120)")
    rec.add_argument("--time-budget", type=float, default=120.0, metavar="SECONDS",
                     help="CPU-time budget per comparison (default 120): when it runs out "
                          "the search stops, writes the best set found (marked in its header) "
                          "and reports 'unresolved: stopped at the time budget'. A comparison "
                          "of more than 5000 patients is refused (exit 2)")

    ext = sub.add_parser("extract", help="a draft case pack from a survival paper's text "
                         "(plain text, HTML, or PDF with a text layer)")
    ext.add_argument("paper", type=Path, metavar="PAPER")
    ext.add_argument("--out", type=Path, required=True, metavar="PACKDIR",
                     help="folder to write the draft pack and its REVIEW.md to")
    ext.add_argument("--id", dest="pack_id", help="pack id (default: first author and year)")
    ext.add_argument("--force", action="store_true", help="overwrite a non-empty PACKDIR")
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

    _identify_parser(sub)

    bench = sub.add_parser("bench", help="time our routines against R and lifelines baselines")
    bench.add_argument("--quick", action="store_true", help="smaller sizes (about 75 s)")
    bench.add_argument("--format", choices=["table", "json"], default="table")
    bench.add_argument("--only", action="append", metavar="NAME",
                       help="run only this benchmark (repeatable)")
    return parser


def _identify_parser(sub) -> None:
    """``harness identify``: which software convention printed a number (see README)."""
    from harness.conventions.identify import STATISTICS

    idp = sub.add_parser("identify", help="which software convention printed this number, "
                         "from the data (SAS, SPSS, Stata, Prism, R, lifelines, statsmodels)")
    idp.add_argument("data", type=Path, metavar="DATA.csv")
    idp.add_argument("--time", required=True, metavar="COL")
    idp.add_argument("--event", required=True, metavar="COL")
    idp.add_argument("--event-coding", choices=["01", "12"], default="01")
    idp.add_argument("--group", metavar="COL")
    idp.add_argument("--strata", metavar="COL", help="strata of the log-rank tests and Cox")
    idp.add_argument("--printed", required=True, metavar="TEXT",
                     help="the number as printed, e.g. 9.8238, 'p<0.001', 0.42-0.82, NR")
    idp.add_argument("--statistic", choices=STATISTICS,
                     help="default: every statistic the printed form and columns allow")
    idp.add_argument("--at", type=float, metavar="T", help="time of the Kaplan-Meier rows")
    idp.add_argument("--level", metavar="LABEL", help="the group of a KM/median row; the "
                     "numerator of an HR (default: every group / the other group)")
    idp.add_argument("--reference", metavar="LABEL", help="reference group of an HR")
    idp.add_argument("--format", choices=["table", "markdown", "json"], default="table")


def cmd_identify(args: argparse.Namespace) -> int:
    from harness.conventions.identify import identify
    from harness.conventions.render import render

    res = identify(args.data, time=args.time, event=args.event, printed=args.printed,
                   group=args.group, strata=args.strata, statistic=args.statistic, at=args.at,
                   level=args.level, reference=args.reference,
                   event_coding=args.event_coding)
    print(render(res, args.format))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from harness.audit import run_audit
    from harness.report import render

    report = run_audit(args.packs or [default_pack()], use_r=not args.no_r)
    text = render(report, args.format)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    hit = report.matched(args.fail_on)
    if hit:
        print(f"harness: --fail-on matched: {', '.join(hit)}", file=sys.stderr)
        return 1
    return 0


def cmd_crosscheck(args: argparse.Namespace) -> int:
    import json

    from tabulate import tabulate

    from harness.exits import InputError
    from harness.pack.printed import fmt
    from harness.tools import crossinput
    from harness.tools.crosscheck import crosscheck, read_csv

    times, tau = crossinput.check_times(args.at, args.tau)
    frame = read_csv(str(args.data), args.time, args.event, args.group,
                     tuple(args.missing_label))
    group = None if args.group is None else frame[args.group].to_numpy(dtype=object)
    if group is not None:
        levels = crossinput.group_levels(group, args.reference)
        print(f"harness: crosscheck: {crossinput.describe_groups(group, levels)}",
              file=sys.stderr if args.format == "json" else sys.stdout)
    elif args.reference is not None:
        raise InputError("--reference needs --group")
    try:
        records = crosscheck(
            frame[args.time].to_numpy(), frame[args.event].to_numpy(), group,
            times=times, tau=tau, use_r=not args.no_r, coding=args.event_coding,
            use_lifelines=not args.no_lifelines, reference=args.reference,
            timefix=not args.no_timefix)
    except ValueError as exc:  # SurvData and the estimators name the bad value
        raise InputError(f"{args.data}: {exc}") from None
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
        allowed = sum("cancellation allowance" in r.note for r in records)
        optimizer = sum("optimizer allowance" in r.note for r in records)
        _print_programs(records)
        print(f"{len(records)} values; Python and R agree on {n_ok} of {n_r} "
              f"(relative difference <= 1e-9"
              + (f"; {allowed} within the Cox LR allowance" if allowed else "")
              + (f"; {optimizer} within the Cox optimizer allowance" if optimizer else "") + ")"
              if not args.no_r else
              f"{len(records)} values; Python only (--no-r)")
    return 0 if all(r.agree is not False for r in records) else 1


def _print_programs(records) -> None:
    """The crosscheck section naming which program prints each value (harness.conventions)."""
    from tabulate import tabulate

    from harness.tools.crossconv import program_table

    headers, rows = program_table(records)
    print("\nWhich program prints each value (default: unasked; option: with a catalogued "
          "option; harness/conventions/catalogue.toml):")
    print(tabulate(rows, headers=headers))


def cmd_reconstruct(args: argparse.Namespace) -> int:
    import time

    from harness.exits import InputError
    from harness.ipd.reconstruct import reconstruct_pack
    from harness.pack.cases import load_pack

    if args.ranges_only and args.no_ranges:
        raise InputError("--ranges-only and --no-ranges exclude each other")
    if not args.range_seconds > 0:
        raise InputError(f"--range-seconds must be a positive number of seconds, "
                         f"got {args.range_seconds:g}")
    pack = load_pack(args.pack or default_pack())
    t0 = time.perf_counter()
    out = args.out or pack.path / "ipd"
    if not args.ranges_only:
        sums = reconstruct_pack(pack, args.out, only=args.only, jobs=max(1, args.jobs),
                                time_budget=args.time_budget)
        for s in sums:
            conf = "; ".join(" | ".join(c) for c in s["conflicts"])
            print(f"{s['id']}: {s['verdict']}" + (f" [{conf}]" if conf else "")
                  + ("" if s["written"] else " (no set written)") + f" ({s['seconds']:.1f} s)"
                  + (f"\n  {s['message']}" if s["kind"] == "budget" else ""))
        print(f"{len(sums)} comparisons written to {out} in {time.perf_counter() - t0:.1f} s")
    if not args.no_ranges:
        _ranges(pack, out, args)
    return 0


def _ranges(pack, out: Path, args: argparse.Namespace) -> None:
    """The feasible-range step of ``harness reconstruct`` (stale entries only)."""
    import time

    from harness.ipd.reconstruct.ranges import ranges_pack

    t0 = time.perf_counter()
    sums = ranges_pack(pack, out, only=args.only, jobs=max(1, args.jobs),
                       seconds=args.range_seconds)
    for s in sums:
        cap = f", {s['truncated']} stopped at the time cap" if s.get("truncated") else ""
        print(f"{s['id']}: ranges {s['status']} ({s['ranges']} statistics{cap}, "
              f"{s['seconds']:.1f} s)")
    done = sum(s["status"] == "computed" for s in sums)
    print(f"feasible ranges: {done} computed, {sum(s['status'] == 'current' for s in sums)} "
          f"current, stored in {out / 'ranges.json'} in {time.perf_counter() - t0:.1f} s")


def cmd_extract(args: argparse.Namespace) -> int:
    import time

    from harness.extract import extract

    t0 = time.perf_counter()
    try:
        ex = extract(args.paper, args.out, pack_id=args.pack_id, force=args.force)
    except ValueError as exc:  # anything else is an internal error (exit 3, see harness.exits)
        print(f"harness: extract: {exc}", file=sys.stderr)
        return 2
    marked = sum(1 for d in ex.cases if d.review)
    files = ", ".join(p.name for p in ex.written)
    print(f"{len(ex.cases)} draft cases ({marked} with a review mark) written to {args.out} "
          f"({files}) in {time.perf_counter() - t0:.1f} s; see REVIEW.md")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import harness.tools.benchmarks  # noqa: F401  (registers the benchmarks)
    from harness.tools import bench

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
    except StoreError as exc:  # anything else is an internal error (exit 3, harness.exits)
        print(f"harness: simulate: {exc}", file=sys.stderr)
        return 2
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


def _say_duplicate(path: str, first: str) -> None:
    print(f"harness: PACK {path} names the same pack as {first}; audited once", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    from harness import exits
    from harness.audit.session import unique_packs

    if args.command == "audit":
        args.packs = unique_packs(args.packs, on_duplicate=_say_duplicate)
        exits.check_out_file(args.out)
        return cmd_audit(args)
    if args.command == "crosscheck":
        return cmd_crosscheck(args)
    if args.command == "bench":
        return cmd_bench(args)
    if args.command == "identify":
        return cmd_identify(args)
    if args.command == "reconstruct":
        if args.pack:
            unique_packs([args.pack])
        exits.check_out_dir(args.out)
        if args.jobs < 1:
            raise exits.InputError(f"--jobs {args.jobs}: give 1 or more worker processes")
        if not args.time_budget > 0 or args.time_budget == float("inf"):
            raise exits.InputError(f"--time-budget {args.time_budget:g}: give a positive, "
                                   "finite number of seconds")
        return cmd_reconstruct(args)
    if args.command == "extract":
        return cmd_extract(args)
    if args.command == "simulate":
        return cmd_simulate(args)
    raise exits.InputError(f"unknown command {args.command}")


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit codes as in the module docstring (see :mod:`harness.exits`)."""
    from harness.exits import run_guarded

    args = build_parser().parse_args(argv)  # usage errors exit 2 (argparse)
    return run_guarded(args.command, lambda: _dispatch(args))
