"""Joint verdicts: a printed median, rate or k-group p judged by whether its comparison's set
satisfies it with every other printed number the comparison targets (harness.audit.joint)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from harness import ipd
from harness.audit.checks import run_check
from harness.audit.context import Context
from harness.audit.joint import JointVerdict, joint_verdicts
from harness.audit.session import run_audit
from harness.pack.cases import load_pack
from harness.pack.comparisons import load_specs

SEED = Path(__file__).resolve().parent.parent / "cases" / "stork2022"


@pytest.fixture(scope="module")
def seed():
    pack = load_pack(SEED)
    return pack, load_specs(pack), ipd.evaluate_pack(pack, use_r=False, resampling=False)


@pytest.fixture(scope="module")
def records():
    return {r.case.split("::", 1)[1]: r for r in run_audit([SEED], use_r=False).records}


def test_every_targeted_median_and_rate_has_a_joint_record(seed, records):
    pack, specs, _ = seed
    targeted = {t.case for s in specs for t in s.targets if t.kind in ("median", "rate")}
    # 45 group medians (Table 1: 9 x 2, Fig. 2: 3, Table 3: 6 factors x OS/PFS x 2 groups)
    # + the PM split's two 3-year rates + the whole-cohort 3- and 5-year rates
    assert len(targeted) == 49
    for cid in targeted:
        r = records[cid]
        assert r.check in ("joint_feasibility", "pooled_constraint"), cid
        if r.verdict == "unverifiable":  # only with a stated search failure or missing search
            assert "evidence, not proof" in r.message, cid
    # the 3-group log-rank p of Fig. 2 has no summary check: its joint verdict is its record
    p3 = records["text::results::three_groups::p"]
    assert p3.check == "joint_feasibility" and p3.verdict == "consistent"
    assert "fig2_three_groups.csv" in p3.message and p3.python < 0.001


def test_consistent_names_the_csv_and_the_co_satisfied_numbers(records):
    r = records["table1::age::median::ge60"]
    assert r.verdict == "consistent" and r.python == pytest.approx(41.1, abs=0.05)
    assert r.message.startswith("table1_age.csv (comparison t1_age) satisfies it together")
    for other in ("table1::age::median::lt60 = 73.2", "table1::age::hr = 0.41",
                  "table1::age::ci lower = 0.182", "table1::age::p = 0.032"):
        assert other in r.message
    # a comparison that gave up printed numbers says which, and that the conflict is elsewhere
    r = records["table3::os::age::median::le55"]
    assert r.verdict == "consistent"
    assert "given up: {table3::os::age::p = 0.235}" in r.message
    # Table 1 gender: as printed the CI conflicts; the set uses the reading
    r = records["table1::gender::median::female"]
    assert r.verdict == "consistent" and "as printed" in r.message and "reading" in r.message


def test_hr_ci_p_keep_their_checks_with_the_joint_evidence(records):
    hr = records["table3::os::age::p"]
    assert hr.check == "p_vs_ci"
    joint = hr.details["joint"]
    assert joint["verdict"] == "inconsistent"
    assert joint["comparisons"][0]["conflict"] == ["hr", "ci_lower", "p"]
    # a consistent comparison adds nothing to an HR's details
    assert "joint" not in records["table1::age::hr"].details


def test_hr_direction_is_decided_by_the_joint_verdict(records):
    # Table 1 site: HR 1.125 (gynecologic vs other) runs against the medians 71.4 vs 64.4,
    # and the set satisfies all three: feasible, so no finding
    r = records["table1::site::hr"]
    assert "runs against the medians" in r.message
    assert "feasible, table1_site.csv satisfies the HR together with every median" in r.message
    assert r.details["direction"]["joint"] == "feasible" and r.verdict == "consistent"


def _entries(seed, cid, **changes):
    pack, specs, results = seed
    res = [replace(r, **changes) if r.id == cid else r for r in results]
    return joint_verdicts(pack, specs, res)


def test_exact_conflict_with_a_median_is_inconsistent(seed):
    jv = _entries(seed, "t1_age", conflicts=[["median[≥60]", "hr"]], conflict_kind="exact",
                  verdict="inconsistent")
    v = jv["stork2022::table1::age::median::ge60"]
    assert v.verdict == "inconsistent"
    assert "{table1::age::median::ge60 = 41.1, table1::age::hr = 0.41}" in v.message
    # the other median is not in the conflict: still consistent
    assert jv["stork2022::table1::age::median::lt60"].verdict == "consistent"


def test_failed_search_is_unverifiable_and_says_so(seed):
    pack, specs, results = seed
    res = next(r for r in results if r.id == "t1_age")
    rows = [replace(x, role="dropped") if x.key == "p" else x for x in res.rows]
    jv = _entries(seed, "t1_age", conflicts=[["median[≥60]", "p"]], conflict_kind="search",
                  verdict="unresolved", rows=rows)
    for cid in ("ge60", "lt60"):
        v = jv[f"stork2022::table1::age::median::{cid}"]
        assert v.verdict == "unverifiable"
        assert v.message.startswith("search did not find a set within "
                                    "{table1::age::median::ge60 = 41.1, table1::age::p = 0.032}")
        assert "evidence, not proof" in v.message


def test_stale_csv_is_an_error(seed):
    pack, specs, results = seed
    res = next(r for r in results if r.id == "t1_age")
    rows = [replace(x, reproduced=False) if x.key == "median[≥60]" else x for x in res.rows]
    v = _entries(seed, "t1_age", rows=rows)["stork2022::table1::age::median::ge60"]
    assert v.verdict == "error" and "stale CSV" in v.message


def test_several_comparisons_combine(seed):
    pack, specs, results = seed
    jv = joint_verdicts(pack, specs, results)
    a = jv["stork2022::table1::age::median::ge60"].entries[0]
    b = replace(a, comparison="other", verdict="unverifiable", message="search failed")
    c = replace(a, comparison="third", verdict="inconsistent", message="proven")
    assert JointVerdict((a, replace(a, comparison="again"))).verdict == "consistent"
    assert "not that one data set satisfies them all" in JointVerdict((a, a)).message
    assert JointVerdict((a, b)).verdict == "unverifiable"
    assert JointVerdict((a, b, c)).verdict == "inconsistent"


def test_infeasible_direction_makes_the_hr_inconsistent(seed):
    pack, specs, results = seed
    jv = _entries(seed, "t1_site", conflicts=[["median[Other]", "median[Gynecologic]", "hr"]],
                  conflict_kind="exact", verdict="inconsistent")
    case = next(c for c in pack.cases if c.full_id == "stork2022::table1::site::hr")
    r = run_check(case, Context(pack.paper, use_r=False, joint=jv))
    assert r.verdict == "inconsistent"
    assert "no data set satisfies the HR with its comparison's medians" in r.message
    assert r.details["direction"]["joint"] == "infeasible"


def test_relax_without_a_proven_conflict_is_not_a_search_failure(seed):
    pack, specs, results = seed
    specs = [replace(s, relax=("p",)) if s.id == "t1_age" else s for s in specs]
    res = [replace(r, rows=[replace(x, role="dropped") if x.key == "p" else x for x in r.rows])
           if r.id == "t1_age" else r for r in results]
    v = joint_verdicts(pack, specs, res)["stork2022::table1::age::median::ge60"]
    assert v.verdict == "unverifiable"
    assert "given up by the pack's `relax` without a proven conflict" in v.message


def test_json_schema_types_the_joint_and_pooled_details():
    import json

    import jsonschema

    from harness.report import render
    from harness.report.json import SCHEMA

    data = json.loads(render(run_audit([SEED], use_r=False), "json"))
    jsonschema.validate(data, SCHEMA)
    joint = next(r for r in data["records"] if r["check"] == "joint_feasibility")
    pooled = next(r for r in data["records"] if r["check"] == "pooled_constraint")
    assert joint["details"]["joint"]["comparisons"][0]["file"].endswith(".csv")
    assert pooled["details"]["pooled_constraint"]["members"][0]["status"] in (
        "witness", "excluded", "open", "error")
    del joint["details"]["joint"]["comparisons"][0]["conflict"]
    with pytest.raises(jsonschema.ValidationError, match="conflict"):
        jsonschema.validate(data, SCHEMA)
