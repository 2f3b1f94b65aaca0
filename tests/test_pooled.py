"""Pooled constraints: the union bounds of harness.core.pooled_km and the pooled_constraint
check, on hand-made examples whose answers are derived in the comments."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from harness.audit.session import run_audit
from harness.core.km import KaplanMeier
from harness.core.pooled_km import group_upper, uncensored_range, union_bounds
from harness.pack.cases import load_pack
from harness.pack.printed import parse_number
from tests.packs import PAPER


def _km_at(t, e, at):
    return float(KaplanMeier().fit(np.asarray(t, float), np.asarray(e, int))
                 .at([at], extend=True).survival[0])


def _small_sets(sizes, times=(1, 2, 3)):
    """Every data set with the given group sizes, each patient a (time, event) on ``times``."""
    cells = list(itertools.product(times, (0, 1)))
    per_group = [list(itertools.combinations_with_replacement(cells, n)) for n in sizes]
    yield from itertools.product(*per_group)


@pytest.mark.parametrize("sizes", [(2, 2), (3, 2)])
def test_bounds_hold_for_every_small_data_set(sizes):
    # the union's KM at t = 2.5 lies within [prod S_g, prod U_g] for every data set, and the
    # min/max of the group values is NOT a valid bound (counterexamples exist)
    outside_minmax = 0
    checked = 0
    for combo in _small_sets(sizes):
        s = [_km_at([c[0] for c in g], [c[1] for c in g], 2.5) for g in combo]
        t = [c[0] for g in combo for c in g]
        e = [c[1] for g in combo for c in g]
        u = _km_at(t, e, 2.5)
        b = union_bounds(list(sizes), s, s)
        assert b is not None
        assert b.lower - 1e-9 <= u <= b.upper + 1e-9, (combo, s, u, b)
        outside_minmax += not (min(s) - 1e-9 <= u <= max(s) + 1e-9)
        checked += 1
    # multisets of sizes n over the 6 (time, event) cells: C(6 + n - 1, n) per group
    assert checked == np.prod([len(list(itertools.combinations_with_replacement(range(6), n)))
                               for n in sizes])
    assert outside_minmax > 0


def test_union_can_fall_below_both_groups():
    # A (2 patients): one dies at 1, the other is censored at 1; B (2): one dies at 2, the
    # other is censored at 3. S_A(2.5) = 1/2 (2 at risk at 1), S_B(2.5) = 1/2 (2 at risk at 2).
    # Union: at 1 four at risk, one death (3/4); at 2 only B's two at risk, one death (1/2):
    # 3/8, below both groups (so min/max of the groups is no bound), above 1/2 * 1/2
    t_a, e_a = [1, 1], [1, 0]
    t_b, e_b = [2, 3], [1, 0]
    s_a, s_b = _km_at(t_a, e_a, 2.5), _km_at(t_b, e_b, 2.5)
    u = _km_at(t_a + t_b, e_a + e_b, 2.5)
    assert (s_a, s_b) == (0.5, 0.5)
    assert u == pytest.approx(3 / 8)
    assert u < min(s_a, s_b)
    assert u >= s_a * s_b  # the valid lower bound: 1/4


def test_group_upper_by_hand():
    # a group of 2 printed "50%": its only death set is {Y = 2}; with 2 other patients the
    # union has at most 4 at risk then, so the union keeps at most 1 - 1/4 = 3/4
    u, exact = group_upper(2, 2, 0.495, 0.505)
    assert exact and u == pytest.approx(0.75)
    # a group of 50 printed "90%" (0.895-0.905): death sets {10} (0.9) or two deaths at
    # (19, 20) etc.; {10} keeps 1 - 1/(10 + 50) = 59/60 for the union, the most of any
    u, exact = group_upper(50, 50, 0.895, 0.905)
    assert exact and u == pytest.approx(59 / 60)
    # no deaths needed when the print allows 100%
    assert group_upper(10, 5, 0.995, 1.005) == (1.0, True)
    # a group of 2 cannot print "60%" (its KM is 1, 1/2 or 0)
    assert group_upper(2, 2, 0.595, 0.605) == (None, True)


def test_uncensored_range_by_hand():
    # 44 at 86% -> 38 survivors (0.8636); 20 at 35% -> 7; union 45/64 = 70.3125%
    assert uncensored_range([44, 20], [0.855, 0.345], [0.865, 0.355]) == (45 / 64, 45 / 64)
    # 30 at 66% has no k/30 in [0.655, 0.665] (19/30 = 0.633, 20/30 = 0.667)
    assert uncensored_range([30, 25], [0.655, 0.525], [0.665, 0.535]) is None


def test_out_of_reach_and_edge_of_rounding_bounds():
    # A: 2 patients at 50%, B: 6 patients at 100% (no death). The union keeps at most
    # 1 - 1/8 = 87.5% (A's death with all 8 at risk) and at least 50% (A's death with B gone)
    b = union_bounds([2, 6], [0.495, 0.995], [0.505, 1.005])
    assert b.upper == pytest.approx(0.875) and b.lower == pytest.approx(0.495 * 0.995)
    # "89%" (88.5-89.5) is out of reach; "88%" (87.5-88.5) only at the edge of its rounding
    assert 100 * b.upper < parse_number("89%").lo
    assert parse_number("88%").allows(100 * b.upper)
    assert not parse_number("88%").allows(87.4)


# ---------------------------------------------------------------------- the check, on a pack
CASES = """
[[case]]
id = "r_a"
where = { section = "Results", quote = "A: 50% at 1 year" }
published = "50%"
statistic = "km_rate"
inputs = { time = "1 year", group = "A" }
expect = { verdict = "consistent" }

[[case]]
id = "r_b"
where = { section = "Results", quote = "B: 100% at 1 year" }
published = "100%"
statistic = "km_rate"
inputs = { time = "1 year", group = "B" }
expect = { verdict = "consistent" }

[[case]]
id = "r_all"
where = { section = "Results", quote = "88% of all patients at 1 year" }
published = "88%"
statistic = "km_rate"
inputs = { time = "1 year" }
expect = { verdict = "consistent" }

[[case]]
id = "r_all_abstract"
where = { section = "Abstract", quote = "89% at 1 year" }
published = "89%"
statistic = "km_rate"
inputs = { time = "1 year" }
expect = { verdict = "inconsistent", reason = "out of reach for the union of A and B" }
"""

COMPARISONS = """
[defaults]
unit = "months"
max_time = 60.0
grid = 1.0

[[cohort]]
id = "all"
origin = "start"
n = 8
pooled = [
  { case = "table1::r_all", stat = "rate", time = 12 },
  { case = "table1::r_all_abstract", stat = "rate", time = 12 },
]

[[comparison]]
id = "ab"
file = "ab.csv"
endpoint = "OS"
origin = "start"
cohort = "all"
groups = [{ label = "A", n = 2 }, { label = "B", n = 6 }]
rates = [{ case = "table1::r_a", time = 12, group = "A" },
         { case = "table1::r_b", time = 12, group = "B" }]
"""

# A's death at month 1 with all 8 at risk, everyone else censored at 24: union 7/8 = 87.5%
CSV = "id,group,months,event\n1,A,1,1\n2,A,24,0\n" + "".join(
    f"{i},B,24,0\n" for i in range(3, 9))

OUTCOMES = {"about": "hand-made", "comparisons": {"ab": {
    "verdict": "consistent", "finding": "a data set satisfies every printed number",
    "conflicts": [], "conflict_kind": "", "numerator": None, "denominator": None,
    "targeted": ["rate[A]@12", "rate[B]@12"], "dropped": [], "sizes": {"A": 2, "B": 6}}}}


@pytest.fixture
def pooled_pack(tmp_path) -> Path:
    root = tmp_path / "pk"
    (root / "ipd").mkdir(parents=True)
    (root / "pack.toml").write_text(PAPER, encoding="utf-8")
    (root / "table1.toml").write_text(CASES, encoding="utf-8")
    (root / "ipd" / "comparisons.toml").write_text(COMPARISONS, encoding="utf-8")
    (root / "ipd" / "ab.csv").write_text(CSV, encoding="utf-8")
    (root / "ipd" / "outcomes.json").write_text(json.dumps(OUTCOMES), encoding="utf-8")
    return root


def test_pooled_check_on_a_hand_made_pack(pooled_pack):
    rep = run_audit([pooled_pack], use_r=False)
    by = {r.case.split("::", 2)[2]: r for r in rep.records}
    # the group rates: the CSV satisfies both (joint_feasibility)
    assert by["r_a"].check == "joint_feasibility" and by["r_a"].verdict == "consistent"
    assert "ab.csv" in by["r_a"].message
    # 88%: the set is a witness at the edge of the rounding (87.5%)
    edge = by["r_all"]
    assert edge.check == "pooled_constraint" and edge.verdict == "consistent"
    assert edge.python == pytest.approx(87.5)
    assert "87.50%" in edge.message
    # 89%: out of reach whatever the censoring, naming the printed numbers involved
    out = by["r_all_abstract"]
    assert out.check == "pooled_constraint" and out.verdict == "inconsistent"
    for part in ("table1::r_a = 50% of n = 2", "table1::r_b = 100% of n = 6",
                 "table1::r_all_abstract = 89%", "49.25-87.50%", "whatever the censoring"):
        assert part in out.message, out.message
    member = out.details["pooled_constraint"]["members"][0]
    assert member["status"] == "excluded" and member["bounds"][1] == pytest.approx(87.5)
    assert all(r.verdict == r.expected for r in rep.records)


@pytest.mark.r
def test_pooled_union_rate_agrees_with_r(pooled_pack, r):
    # R: summary(survfit(Surv(months, event) ~ 1, data = ab.csv), times = 12)$surv = 0.875
    rep = run_audit([pooled_pack], use_r=True)
    edge = next(x for x in rep.records if x.case.endswith("::r_all"))
    member = edge.details["pooled_constraint"]["members"][0]
    assert member["value"] == pytest.approx(87.5, abs=1e-9)
    assert member["r"] == pytest.approx(member["value"], rel=1e-9)
    assert edge.r == pytest.approx(87.5, abs=1e-9) and edge.verdict == "consistent"


def test_rebuilt_witness_set(pooled_pack):
    # print "80%" for the union: the committed set gives 87.5% (not a witness); rebuilt with
    # the pooled rate as a target, a set exists (A's death with 5 of the 8 at risk, three B
    # patients censored before it: 1 - 1/5 = 80%) and is verified by recomputation
    from harness.ipd.reconstruct.pooled import build_pooled

    cases = (pooled_pack / "table1.toml").read_text(encoding="utf-8")
    cases = cases.replace('published = "88%"', 'published = "80%"')
    (pooled_pack / "table1.toml").write_text(cases, encoding="utf-8")
    before = {r.case.split("::", 2)[2]: r for r in run_audit([pooled_pack], use_r=False).records}
    assert before["r_all"].verdict == "unverifiable"
    assert "built without this number, gives the union 87.50%" in before["r_all"].message
    summary = build_pooled(load_pack(pooled_pack))
    assert [(s["id"], s["file"]) for s in summary] == [("ab", "all__ab.csv")]
    assert (pooled_pack / "ipd" / "pooled" / "all__ab.csv").is_file()
    after = {r.case.split("::", 2)[2]: r for r in run_audit([pooled_pack], use_r=False).records}
    edge = after["r_all"]
    assert summary[0]["verdict"] == "consistent", summary
    assert edge.verdict == "consistent", edge.message
    assert "pooled/all__ab.csv" in edge.message and "verified by recomputation" in edge.message
    assert edge.python == pytest.approx(80.0)
    # "89%" (the second print at 12 months, not targeted) stays out of reach: the bound
    assert after["r_all_abstract"].verdict == "inconsistent"
    # the rebuild is deterministic: a second run writes the same bytes
    first = (pooled_pack / "ipd" / "pooled" / "all__ab.csv").read_bytes()
    build_pooled(load_pack(pooled_pack))
    assert (pooled_pack / "ipd" / "pooled" / "all__ab.csv").read_bytes() == first
