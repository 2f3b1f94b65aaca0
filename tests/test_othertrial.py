"""A second, invented study (tests/packs/othertrial: 30 + 25 patients, times in days, its own
seeds and origin) goes through the audit and the pseudo-IPD reconstruction with no code of its
own: every fact of a paper is read from its pack."""

from pathlib import Path

import pytest

from harness import ipd
from harness.audit import audit_pack
from harness.ipd.reconstruct import reconstruct_pack
from harness.pack.cases import load_pack
from harness.pack.comparisons import load_specs

PACK = Path(__file__).resolve().parent / "packs" / "othertrial"
#: case id -> verdict the audit must give (the pack's ``expect`` says the same); medians and
#: group rates are judged jointly with their comparison's set (joint_feasibility), the pooled
#: 1-year rate against both splits of the cohort (pooled_constraint: both comparisons rebuilt
#: with it, ipd/pooled/, are witnesses)
VERDICTS = {
    "n::total": "consistent", "n::drug": "unverifiable", "n::placebo": "unverifiable",
    "os::median::drug": "consistent", "os::median::placebo": "consistent",
    "os::hr": "consistent", "os::ci": "consistent", "os::p": "consistent",
    "os1y": "consistent", "os1y::drug": "consistent", "os1y::placebo": "consistent",
    "age::median::ge65": "consistent", "age::median::lt65": "consistent",
    "age::hr": "inconsistent", "age::ci": "inconsistent", "age::p": "consistent",
}
CHECKS = {"os::median::drug": "joint_feasibility", "os1y::drug": "joint_feasibility",
          "os1y": "pooled_constraint", "age::median::ge65": "joint_feasibility"}


@pytest.fixture(scope="module")
def pack():
    return load_pack(PACK)


def _verdicts(records):
    return {r.case.split("::", 2)[2]: r.verdict for r in records}


def _checks(records):
    return {r.case.split("::", 2)[2]: r.check for r in records}


def test_audit_without_r(pack):
    records = audit_pack(pack, use_r=False)
    assert _verdicts(records) == VERDICTS
    assert all(r.verdict == r.expected for r in records)
    assert {k: v for k, v in _checks(records).items() if k in CHECKS} == CHECKS
    # the age set gives up the HR (exact conflict with the CI), never the medians
    med = next(r for r in records if r.case.endswith("age::median::ge65"))
    assert "age.csv" in med.message and "given up" in med.message
    hr = next(r for r in records if r.case.endswith("age::hr"))
    assert "1.746" in hr.message  # the log midpoint of the printed CI 0.91-3.35


@pytest.mark.r
def test_audit_with_r(pack, r):
    records = audit_pack(pack, use_r=True)
    assert _verdicts(records) == VERDICTS


def test_specs_read_the_packs_facts(pack):
    arms, age = load_specs(pack)
    assert (arms.unit, arms.max_time, arms.grid, arms.seed, arms.resampling_seed) == (
        "days", 1095.0, 1.0, 4242, 77)
    assert arms.columns == ("days", "event") and arms.window_note.startswith("randomised")
    assert [g.n for g in arms.groups] == [30, 25]
    # the searched split of the age groups adds up to this pack's cohort (55), not 64 or 44
    assert age.cohort_n == 55 and age.groups[1].n_range == (20, 40)


def test_reconstruct_without_code_changes(pack, tmp_path):
    sums = reconstruct_pack(pack, tmp_path, jobs=1)
    assert {s["id"]: s["verdict"] for s in sums} == {"arms": "consistent",
                                                      "age": "inconsistent"}
    age = next(s for s in sums if s["id"] == "age")
    assert ["hr", "ci_lower", "ci_upper"] in age["conflicts"] and age["written"]
    # rerunning rewrites the committed files byte for byte
    for f in ("arms.csv", "age.csv", ipd.OUTCOMES_FILE):
        assert (tmp_path / f).read_bytes() == (PACK / "ipd" / f).read_bytes(), f
    text = (tmp_path / "arms.csv").read_text("utf-8")
    assert "# follow-up window 1-1095 days (randomised 2015-2017" in text
    assert "on a 1-day grid" in text and "seed 4242" in text
    assert "months" not in text and "2004-2020" not in text
    assert "#   group Drug: n = 30 (printed" in text and "#   group Placebo: n = 25" in text
    assert "\nid,group,days,event\n" in text
    spec_arms, spec_age = load_specs(pack)
    data = ipd.read_csv(tmp_path / "arms.csv", "arms", spec_arms.columns)
    assert data.n == 55 and sorted(set(data.group)) == ["Drug", "Placebo"]
    assert (data.time == data.time.round()).all() and data.time.max() <= 1095  # whole days
    sizes = ipd.read_outcomes(tmp_path)["age"].sizes
    assert sum(sizes.values()) == 55 and 15 <= sizes["≥65"] <= 35


def test_evaluation_judges_the_printed_numbers(pack):
    results = {c.id: c for c in ipd.evaluate_pack(pack, use_r=False)}
    arms, age = results["arms"], results["age"]
    assert (arms.verdict, age.verdict) == ("consistent", "inconsistent")
    assert arms.counts["targeted"] == (8, 8)  # 2 medians, HR, CI bounds, p, 2 one-year rates
    assert arms.sizes == {"Drug": 30, "Placebo": 25}
    # the misprinted HR is dropped, and the set does not reproduce it
    hr = next(r for r in age.rows if r.key == "hr")
    assert (hr.role, hr.reproduced) == ("dropped", False)
    assert age.counts["targeted"] == (5, 5)
