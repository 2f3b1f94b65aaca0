"""Pseudo individual patient data (IPD) that satisfy a paper's printed survival numbers.

For each comparison a paper reports (``cases/<pack>/ipd/comparisons.toml``) this module builds
a deterministic data set (time in the pack's unit on its grid, event, group) whose Kaplan-Meier
medians (Prism's rule), rates, Mantel-Haenszel HR and CI (GraphPad Prism:
``exp((O-E)/V)``, ``exp((O-E)/V +/- z/sqrt(V))``) and log-rank p round to the printed values,
within the study's follow-up window. It is *not* the patients' data: it is evidence that the
printed numbers can hold together (or, when no set is found, that they cannot).

How
---
1. **Exact screen** of the numbers that depend on the data only through ``O-E`` and ``V``
   (HR, CI bounds, two-group log-rank p). With ``x = ln HR = (O-E)/V`` and ``s = z/sqrt(V)``
   they are linear constraints on ``(x, s)`` (the p gives ``r_lo s <= |x| <= r_hi s``), so a
   linear program decides exactly whether *any* ``(O-E, V)`` fits; every subset is tried, and
   the minimal infeasible ones are named. This part is a proof (under Prism's convention).
2. **Constructive start**: per group, exponential event times at deterministic quantiles
   with the printed median's rate, administrative censoring spread over the window.
3. **Seeded simulated annealing** over event/censoring times on the grid (moves: shift a time,
   put a time next to another subject's event time, toggle an event, snap a time onto a
   printed median, swap the groups of two subjects adjacent in time, move a subject between
   groups when the group size is searched over), minimising the summed distance of each
   statistic from its printed rounding interval plus, while any fails, the distance of
   ``(x, s) = (ln HR, z/sqrt V)`` from a steering point inside the region the exact screen
   allows (restarts alternate the point of that region nearest to the start and its
   Chebyshev centre, both within the attainable ``V <= n/4``). The statistics are computed by
   :func:`fast_values`, a vectorised form of the survival core (log-rank O, E, V as
   :func:`harness.core.logrank.survdiff`, the Kaplan-Meier curve of :mod:`harness.core.km`, Prism's
   median rule as :mod:`harness.core.quantiles`). A near miss is closed by local search over
   single moves and then over *pairs* of moves chosen on a linearisation in ``(x, s)``
   (:func:`pair_polish`: one subject crossing one event time moves ``ln HR`` by more than
   the width of the region three printed numbers leave). A set is accepted only when
   :func:`harness.ipd.recompute.recompute` (the public core API) confirms every constraint.
4. When annealing fails on a two-group comparison whose groups have printed sizes and rates at
   one time, an **exhaustive search over event orders** (:mod:`.orders`) tries a family of
   orders with O-E, V and the rates computed exactly, and turns a match into times.
4b. The **guided search** (:mod:`.guided`): a start that already meets the printed
   Kaplan-Meier medians and rates (piecewise-exponential curves through them, a KM-exact walk,
   censoring from the CI's variance), then reheated annealing rounds. It runs first above
   :data:`.verdict.GUIDED_FIRST` patients, and after the order search at or below.
   A **time budget** per comparison and a **size limit** bound the work (:mod:`.budget`).
5. When the screen proves a conflict the verdict is ``inconsistent`` and the minimal
   conflicting printed numbers are named. When only the search fails, a **deletion filter**
   names a minimal set of printed numbers the search could not satisfy together, and the
   verdict is ``unresolved``: a stochastic search that fails is evidence, not proof, that no
   set exists.
   The set written then satisfies the constraints left after dropping the comparison's
   ``relax`` keys (documented in its header).

PFS and OS of the same patients (Table 3) share groups and ids, and PFS <= OS per patient
(a PFS-censored patient is OS-censored no earlier); the OS set is built first.

Everything is seeded from the pack's seed and a CRC of the comparison id, so
``harness reconstruct`` rewrites the CSVs byte for byte.

Modules
-------
``spec``       comparison specs read from ``comparisons.toml`` (schema-validated)
``screen``     the exact (O-E, V) screen (linear programs)
``objective``  search state, vectorised statistics of a candidate, loss, PFS/OS matching
``search``     constructive start, moves, annealing, polish
``guided``     the start from the printed Kaplan-Meier summaries, and its search
``orders``     second strategy: exhaustive search over event orders (two groups)
``verdict``    consistent / inconsistent / unresolved, and the conflicting printed numbers
``ranges``     feasible ranges of held-out, dropped and unprinted statistics (directed
               searches, exact (O-E, V) bounds), stored in ``ranges.json``
``rangestats`` the statistics those searches push, vectorised for a candidate set
``budget``     the time budget per comparison and the size limit
``writer``     the rows (PFS paired with OS) and outcome records, written through
               :mod:`harness.ipd.io` (the CSV and ``outcomes.json`` formats)
this file      the driver (``reconstruct_pack``, parallel over files)
"""


from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import CaseFileError
from harness.ipd.io import write_outcomes
from harness.ipd.reconstruct.budget import DEFAULT_SECONDS, MAX_PATIENTS, Budget
from harness.ipd.reconstruct.objective import Problem, State, fast_values, match, unmatched
from harness.ipd.reconstruct.screen import exact_conflicts
from harness.ipd.reconstruct.search import SearchResult, search
from harness.ipd.reconstruct.verdict import Outcome, reconstruct
from harness.ipd.reconstruct.writer import csv_text, outcome_record
from harness.pack.cases import Pack
from harness.pack.comparisons import COMPARISONS_FILE, GroupSpec, Spec, Target, load_specs
from harness.progress import progress

__all__ = [
    "COMPARISONS_FILE", "GroupSpec", "Outcome", "Problem", "SearchResult", "Spec", "State",
    "Target", "check_sizes", "csv_text", "exact_conflicts", "fast_values", "load_specs", "match",
    "outcome_record", "reconstruct", "reconstruct_pack", "reconstruct_unit", "search",
    "summary", "units", "unmatched",
]


# ------------------------------------------------------------------------- driver
def units(specs: list[Spec]) -> list[list[Spec]]:
    """Groups of comparisons written to one file (an OS comparison and its PFS pair)."""
    by_file: dict[str, list[Spec]] = {}
    for s in specs:
        by_file.setdefault(s.file, []).append(s)
    out = []
    for group in by_file.values():
        group.sort(key=lambda s: 1 if s.pair_of else 0)
        out.append(group)
    return out


def reconstruct_unit(unit: list[Spec], time_budget: float | None = None
                     ) -> tuple[str, str, list[Outcome]]:
    """Rebuild one file's comparisons; returns (file name, CSV text, outcomes).

    ``time_budget`` (seconds, None: unbounded) applies to each comparison separately.
    """
    outcomes: list[Outcome] = []
    base = reconstruct(unit[0], budget=Budget(time_budget))
    outcomes.append(base)
    for spec in unit[1:]:
        if base.state is None:
            outcomes.append(Outcome(spec, "unresolved", None, None, [], [], "",
                                    "not searched: the OS set of these patients could not be "
                                    "built"))
            continue
        fixed = base.state.copy()
        outcomes.append(reconstruct(spec, couple_with=base.state, fixed=fixed,
                                    budget=Budget(time_budget)))
    return unit[0].file, csv_text(outcomes), outcomes


def _unit_job(args: tuple[str, list[str], float | None]) -> tuple[str, str, list[dict], list]:
    pack_path, ids, time_budget = args
    from harness.pack.cases import load_pack

    specs = {s.id: s for s in load_specs(load_pack(pack_path))}
    file, text, outs = reconstruct_unit([specs[i] for i in ids], time_budget)
    return file, text, [summary(o) for o in outs], [outcome_record(o) for o in outs]


def summary(o: Outcome) -> dict[str, Any]:
    return {"id": o.spec.id, "verdict": o.verdict, "used": o.used,
            "conflicts": [list(c) for c in o.conflicts], "kind": o.conflict_kind,
            "message": o.message, "seconds": round(o.seconds, 2), "iterations": o.iterations,
            "written": o.state is not None}


def patients(spec: Spec) -> int:
    """How many patients a comparison's set has (the cohort's size when sizes are searched)."""
    if all(g.n is not None for g in spec.groups):
        return sum(g.n for g in spec.groups)
    return spec.cohort_n if spec.cohort_n is not None else sum(
        g.n if g.n is not None else g.n_range[1] for g in spec.groups)


def check_sizes(specs: list[Spec], file: str, limit: int = MAX_PATIENTS) -> None:
    """Refuse (before any work) a comparison with more than ``limit`` patients.

    Raises
    ------
    CaseFileError
        Naming the comparison, its size and the limit (``harness reconstruct`` exits 2).
    """
    for s in specs:
        n = patients(s)
        if n > limit:
            sizes = " + ".join(f"{g.label} {g.n if g.n is not None else '?'}" for g in s.groups)
            raise CaseFileError(
                file, f"comparison {s.id!r}",
                f"{n} patients ({sizes}) is more than harness reconstruct rebuilds: the limit "
                f"is {limit} patients per comparison (README, 'Pseudo-IPD reconstruction'); "
                "a set this large would not be found in useful time")


def reconstruct_pack(pack: Pack, out_dir: Path | None = None, only: list[str] | None = None,
                     jobs: int = 1, time_budget: float | None = DEFAULT_SECONDS
                     ) -> list[dict[str, Any]]:
    """Rebuild every comparison of a pack (or those in ``only``) into ``out_dir``.

    Writes one CSV per file and the comparisons' entries of ``outcomes.json`` (others kept).
    Returns one summary dict per comparison (id, verdict, conflicts, seconds, ...).
    ``time_budget`` is in seconds per comparison (None: unbounded; see :mod:`.budget`); a
    comparison above :data:`~.budget.MAX_PATIENTS` patients is refused before any work.
    """
    specs = load_specs(pack)
    known = {s.id for s in specs}
    unknown = sorted(set(only or ()) - known)
    if unknown:
        raise CaseFileError(
            str(pack.path / "ipd" / COMPARISONS_FILE), "",
            f"no comparison {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    todo = [u for u in units(specs) if only is None or any(s.id in only for s in u)]
    check_sizes([s for u in todo for s in u], str(pack.path / "ipd" / COMPARISONS_FILE))
    out_dir = Path(out_dir) if out_dir else pack.path / "ipd"
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [(str(pack.path), [s.id for s in u], time_budget) for u in todo]
    if jobs > 1 and len(args) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # largest units first (an OS/PFS pair, then by number of targets) keeps both workers
        # busy; results are put back in file order
        cost = [-(len(u) * 100 + sum(len(s.targets) for s in u)) for u in todo]
        order = sorted(range(len(args)), key=lambda i: (cost[i], i))
        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("spawn")) as ex:
            done = list(progress(ex.map(_unit_job, [args[i] for i in order]), total=len(args),
                                 desc="reconstruct", unit="set"))
        results = [None] * len(args)
        for i, res in zip(order, done):
            results[i] = res
    else:
        results = [_unit_job(a) for a in progress(args, total=len(args), desc="reconstruct",
                                                  unit="set")]
    summaries, records = [], []
    for file, text, sums, recs in results:
        (out_dir / file).write_text(text, encoding="utf-8")
        summaries += sums
        records += recs
    write_outcomes(out_dir, records, [s.id for s in specs])
    return summaries
