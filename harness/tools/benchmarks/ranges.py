"""Feasible-range benchmarks: the range searches of the seed pack against the issue's budget
(the whole seed pack, sets and ranges, within 5 minutes on 2 cores), and the audit reading
the cached ranges.

``--quick`` times the ranges of one comparison (the first with the most held-out numbers) on
one core against its share of the budget (5 min x 2 cores / number of comparisons); the full
run rebuilds the whole seed pack (sets, then ranges) with 2 workers into a temporary folder.
Times are wall times of one run (the searches are deterministic: one run is the measurement).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from harness.tools.bench import BenchResult, compare, register

#: the issue's budget for the whole seed pack, sets and ranges, on 2 cores (seconds)
PACK_BUDGET_S = 300.0


def _seed_pack():
    """The checkout's first pack (by name) with pseudo-IPD comparisons: the seed pack."""
    from harness.pack.cases import load_pack

    cases = Path(__file__).resolve().parents[3] / "cases"
    for folder in sorted(cases.iterdir()):
        if (folder / "ipd" / "comparisons.toml").is_file():
            return load_pack(folder)
    raise FileNotFoundError(f"no pack with ipd/comparisons.toml under {cases}")


def _quick_spec(specs: list):
    """The first comparison with the most held-out printed numbers (its ranges are the most
    work per comparison)."""
    return max(specs, key=lambda s: (len(s.heldout), s.k == 2, -specs.index(s)))


@register("ranges")
def bench_ranges(quick: bool) -> list[BenchResult]:
    from harness.audit import run_audit
    from harness.ipd.io import read_csv, read_outcomes
    from harness.ipd.reconstruct.ranges import comparison_ranges, pair_state, ranges_pack
    from harness.pack.comparisons import load_specs

    pack = _seed_pack()
    specs = {s.id: s for s in load_specs(pack)}
    folder = pack.path / "ipd"
    out: list[BenchResult] = []
    share = PACK_BUDGET_S * 2 / len(specs)
    if quick:
        spec = _quick_spec(list(specs.values()))
        data = read_csv(folder / spec.file, spec.id, spec.columns)
        outcome = read_outcomes(folder)[spec.id]
        t0 = time.perf_counter()
        recs = comparison_ranges(spec, data, outcome, pair_state(spec, specs, folder))
        ours = time.perf_counter() - t0
        out += compare(f"feasible ranges of {spec.id} ({len(recs)} statistics), 1 core", ours,
                       {f"budget share ({share:.3g} s: 5 min x 2 cores / {len(specs)})": share},
                       {f"budget share ({share:.3g} s: 5 min x 2 cores / {len(specs)})": 1.0})
    else:
        from harness.ipd.reconstruct import reconstruct_pack

        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp) / "ipd"
            shutil.copytree(folder, work)
            (work / "ranges.json").unlink(missing_ok=True)
            t0 = time.perf_counter()
            reconstruct_pack(pack, work, jobs=2)
            t_sets = time.perf_counter() - t0
            ranges_pack(pack, work, jobs=2, force=True)
            total = time.perf_counter() - t0
        budget = {"issue budget (5 min, 2 cores)": PACK_BUDGET_S}
        out += compare(f"seed pack: sets ({t_sets:.0f} s) + feasible ranges, 2 workers", total,
                       budget, {"issue budget (5 min, 2 cores)": 1.0})
    with tempfile.TemporaryDirectory() as tmp:  # the same audit without stored ranges
        bare = Path(tmp) / pack.path.name
        shutil.copytree(pack.path, bare)
        (bare / "ipd" / "ranges.json").unlink(missing_ok=True)
        # alternated, best of two each: the first audit of a process pays for imports and
        # warm-up, which must not count against either side
        audit_s = bare_s = float("inf")
        for _ in range(2):
            t0 = time.perf_counter()
            run_audit([pack.path], use_r=False)
            audit_s = min(audit_s, time.perf_counter() - t0)
            t0 = time.perf_counter()
            run_audit([bare], use_r=False)
            bare_s = min(bare_s, time.perf_counter() - t0)
    out += compare("harness audit --no-r of the seed pack, cached ranges", audit_s,
                   {"the same audit without ranges.json": bare_s},
                   {"the same audit without ranges.json": 0.9},
                   note="the audit reads ipd/ranges.json when its hashes match; it never "
                        "searches")
    return out
