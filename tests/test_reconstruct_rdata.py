"""Reconstruction on packs written from R's real data sets (tests/packs/rdata), the guided
search, the time budget and the size limit.

The packs are written by ``tests/packs/rdata/make_rdata_packs.R`` (beside them) from R
``survival``'s data sets; each keeps the real data as ``witness.csv``, so a set satisfying every
printed number exists and the search should find one. The timings of whole packs are measured
in ``tests/bench/test_bench_reconstruct.py``, never asserted here.
"""

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from harness.cli import build_parser
from harness.errors import CaseFileError
from harness.ipd import reconstruct
from harness.ipd.reconstruct import budget as budget_mod
from harness.ipd.reconstruct.budget import Budget
from harness.ipd.reconstruct.guided import _solve_base, guided_search, guided_start
from harness.ipd.reconstruct.objective import Problem, State, candidate_values
from harness.ipd.reconstruct.search import numerator_order, seeded_rng
from harness.ipd.reconstruct.verdict import reconstruct as reconstruct_one
from harness.pack.cases import load_pack

RDATA = Path(__file__).resolve().parent / "packs" / "rdata"
PACKS = ["ovarian", "aml", "veteran", "lung", "pbc", "colon", "sim900"]


def _specs(name):
    return {s.id: s for s in reconstruct.load_specs(load_pack(RDATA / name))}


def _witness(name, spec) -> State:
    rows = list(csv.DictReader((RDATA / name / "witness.csv").open(encoding="utf-8")))
    g = np.array([spec.labels.index(r["group"]) if spec.k > 1 else 0 for r in rows])
    t = np.array([int(round(float(r["time"]) / spec.grid)) for r in rows])
    e = np.array([r["event"] == "1" for r in rows])
    return State(t, e, g)


def _misses(state, spec, numerator):
    values = candidate_values(state, spec, numerator)
    return [t.key for t in spec.targets if not t.allows(values.get(t.key))]


@pytest.mark.parametrize("name", PACKS)
def test_real_data_satisfy_every_printed_number(name):
    # the witness: the real data (R survival) satisfy the pack's printed numbers, so each
    # comparison has a set; a pack written wrongly (or a recomputation that drifted) fails here
    for spec in _specs(name).values():
        num = None if spec.numerator is None else spec.labels.index(spec.numerator)
        assert _misses(_witness(name, spec), spec, num) == [], (name, spec.id)


def test_pooled_rate_of_two_groups_is_recomputed():
    # a printed whole-cohort rate in a comparison of groups is the KM rate of the union
    # (R: summary(survfit(Surv(time, event) ~ 1, data = lung), times = 365)$surv = 0.4092,
    # printed "41%" by make_rdata_packs.R)
    spec = _specs("lung")["pooled"]
    values = candidate_values(_witness("lung", spec), spec, spec.labels.index("female"))
    assert values["rate@365"] == pytest.approx(values["pooled_rate@365"])
    assert spec.target("rate@365").text == "41%" and round(values["rate@365"]) == 41


def test_base_curve_of_a_pooled_rate_by_hand():
    # equal groups, hazards 1 and 2: s + s^2 = 2 * 0.5 -> s = (sqrt(5) - 1) / 2
    assert _solve_base(0.5, [10, 10], [1.0, 2.0]) == pytest.approx((math.sqrt(5) - 1) / 2)


def test_guided_start_meets_the_printed_km_numbers():
    # veteran "test" arm: median 52.5 days sits between two grid points (Prism/R rule: the
    # mid-point of the flat at S = 0.5), which the start builds exactly
    spec = _specs("veteran")["arms"]
    num = numerator_order(spec)[0]
    prob = Problem(spec, list(spec.targets), num, int(round(spec.max_time / spec.grid)),
                   spec.grid, True, None, [(g.n, g.n) for g in spec.groups])
    start = guided_start(prob, [g.n for g in spec.groups], seeded_rng(spec, 31, 0, num))
    values = candidate_values(start, spec, num)
    assert spec.target("median[test]").text == "52.5"
    assert values["median[test]"] == 52.5
    assert values["median[standard]"] == 103.0
    assert np.bincount(start.g).tolist() == [69, 68]


@pytest.mark.parametrize("name,cid", [("lung", "pooled"), ("pbc", "arms"), ("lung", "cohort")])
def test_guided_search_finds_a_set(name, cid):
    spec = _specs(name)[cid]
    res = guided_search(spec)
    assert res.ok
    assert _misses(res.state, spec, res.numerator) == []


def test_pooled_rate_comparison_is_consistent():
    # known failure before: a comparison targeting a pooled rate ended `unresolved`
    out = reconstruct_one(_specs("pbc")["pooled"], budget=Budget(120))
    assert out.verdict == "consistent", out.message
    assert out.used == [t.key for t in out.spec.targets]


def test_time_budget_stops_with_the_best_set_and_says_so():
    spec = _specs("lung")["arms"]
    out = reconstruct_one(spec, budget=Budget(1e-3))
    assert out.verdict == "unresolved"
    assert out.conflict_kind == "budget" and out.conflicts == []
    assert "stopped at the time budget after" in out.message
    assert "best set misses:" in out.message
    # the set written is the best found; only the numbers it meets are listed as targeted
    assert out.state is not None
    missed = _misses(out.state, spec, out.numerator)
    assert missed and set(out.used) == {t.key for t in spec.targets} - set(missed)
    for k in missed:
        assert spec.target(k).text in out.message
    # the CSV says so in its header, marks the missed numbers dropped, and is written
    text = reconstruct.csv_text([out])
    assert "STOPPED AT THE TIME BUDGET" in text and "byte for byte" not in text
    for k in missed:
        assert f"#   dropped {k}:" in text
    assert len([ln for ln in text.splitlines() if not ln.startswith("#")]) == 1 + 228


def test_unbounded_budget_never_expires():
    b = Budget(None)
    assert not b.expired() and not b.hit
    b = Budget(1e-9)
    while b.elapsed() <= 1e-9:
        pass
    assert b.expired() and b.hit


def test_size_limit_names_comparison_size_and_limit():
    spec = _specs("colon")["arms"]
    assert reconstruct.patients(spec) == 929
    reconstruct.check_sizes([spec], "comparisons.toml")  # 929 <= the limit: fine
    with pytest.raises(CaseFileError) as exc:
        reconstruct.check_sizes([spec], "comparisons.toml", limit=900)
    msg = str(exc.value)
    assert "comparison 'arms'" in msg and "929 patients (ObsLev 625 + Lev5FU 304)" in msg
    assert "the limit is 900 patients per comparison" in msg


def test_cli_help_states_the_documented_limit_and_default_budget():
    rec = build_parser()._subparsers._group_actions[0].choices["reconstruct"]
    opt = next(a for a in rec._actions if "--time-budget" in a.option_strings)
    assert opt.default == budget_mod.DEFAULT_SECONDS
    assert f"default {budget_mod.DEFAULT_SECONDS:g}" in opt.help
    assert f"more than {budget_mod.MAX_PATIENTS} patients" in opt.help
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"{budget_mod.MAX_PATIENTS} patients per comparison" in readme
    assert f"--time-budget SECONDS` (default {budget_mod.DEFAULT_SECONDS:g} s" in readme


@pytest.mark.r
def test_pooled_rate_of_two_groups_agrees_with_r(r):
    # harness/r/ipd.R emits the whole-cohort rate of a two-group set as rate@t too; R's own
    # value from the real data is the printed 41% at 365 days (make_rdata_packs.R)
    from harness.ipd.io import IPDSet
    from harness.ipd.recompute import recompute

    spec = _specs("lung")["pooled"]
    st = _witness("lung", spec)
    data = IPDSet(spec.id, np.arange(1, st.t.size + 1), st.t * spec.grid, st.e.astype(int),
                  np.array(spec.labels, dtype=object)[st.g])
    rec = recompute(data, spec, "female", use_r=True)
    assert rec.disagreements() == []
    assert rec.r["rate@365"] == pytest.approx(rec.python["rate@365"], rel=1e-9)
    assert round(rec.r["rate@365"]) == 41 and round(rec.r["rate@730"]) == 12
