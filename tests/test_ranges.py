"""Feasible ranges (harness.ipd.reconstruct.ranges, harness.ipd.feasible, the
``feasible_range`` audit records): hand-made comparisons whose range is derivable, exact
bounds, determinism, the content-hash cache and the seed pack's held-out numbers."""

import math
import shutil
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from harness.ipd.feasible import judge, ranges_of
from harness.ipd.io import (
    ComparisonOutcome,
    IPDSet,
    RangeRecord,
    range_hash,
    read_ranges,
    write_ranges,
)
from harness.ipd.reconstruct.ranges import comparison_ranges, exact_bound, range_keys, settings
from harness.pack.comparisons import GroupSpec, Spec, Target, Z
from harness.pack.printed import parse_interval, parse_number

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "cases" / "stork2022"


def _target(key, kind, text, time=None, group=None):
    return Target(key, kind, f"made::{key}", text, parse_number(text), group, time)


def one_group(heldout_text="30%") -> Spec:
    """Ten patients, one group, the printed 5-month rate 60%; held out: the share of
    patients followed beyond 5 months."""
    return Spec(
        id="made", title="hand-made", file="made.csv", endpoint="OS", origin="",
        groups=(GroupSpec("all", 10, None, "made"),), numerator=None,
        targets=(_target("rate@5", "rate", "60%", 5.0),),
        heldout=(_target("pct_time_gt@5", "pct_time_gt", heldout_text, 5.0),),
        relax=(), pair_of=None, columns=("months", "event"), seed=11, max_time=20.0,
        grid=1.0, unit="months", resampling_seed=11)


def one_group_set() -> IPDSet:
    """4 deaths at month 3, 6 censored at month 15: the 5-month rate is 60%."""
    t = np.array([3.0] * 4 + [15.0] * 6)
    e = np.array([1] * 4 + [0] * 6)
    return IPDSet("made", np.arange(1, 11), t, e, np.array(["all"] * 10, dtype=object))


OUTCOME = ComparisonOutcome("made", "consistent", "", targeted=["rate@5"], sizes={"all": 10})


def test_share_followed_beyond_a_time_is_bounded_by_the_km_rate():
    # Derivable: the Kaplan-Meier S(5) is at least the share of patients followed beyond 5
    # (censoring before 5 only lowers that share), with equality when nobody is censored
    # before 5. With S(5) printed 60% (59.5-60.5) and n = 10 the share is at most 60%,
    # reached by the written set; censoring 5 patients early (2 of the 5 left die) gives 30%.
    recs = {r.key: r for r in comparison_ranges(one_group(), one_group_set(), OUTCOME)}
    share = recs["pct_time_gt@5"]
    assert share.written == pytest.approx(60.0)
    assert share.hi == pytest.approx(60.0)
    assert share.lo < 60.0 - 1e-9
    assert share.lo >= 0.0


def test_rate_before_any_censoring_is_exact():
    # Every set satisfying the target has S(5) in 59.5-60.5%, so with 10 patients and no
    # censoring before the first death the one-year rate can only fall: the 12-month rate of
    # the written set is 60% (nobody dies between 5 and 12) and no set exceeds the 5-month
    # rate. The searched range must stay within [0, 60.5].
    recs = {r.key: r for r in comparison_ranges(one_group(), one_group_set(), OUTCOME)}
    rate12 = recs["rate@12"]
    assert rate12.written == pytest.approx(60.0)
    assert rate12.hi <= 60.5 + 1e-9
    assert rate12.lo < 60.0 - 1e-9


def test_rmst_is_bounded_by_deaths_no_later_than_the_printed_rate():
    # Derivable: S = 1 before the 4 deaths S(5) = 60% needs, and S <= 60% after 5, so the
    # 20-month RMST is at most 5 + 0.6 * 15 = 14 (deaths at 5, nobody dying later); the
    # written set (deaths at 3) gives 3 + 0.6 * 17 = 13.2
    rm = {r.key: r for r in comparison_ranges(one_group(), one_group_set(), OUTCOME)}["rmst@20"]
    assert rm.written == pytest.approx(13.2)
    assert rm.hi <= 14.0 + 1e-9
    assert rm.lo < 13.2


def test_same_seed_same_ranges():
    a = comparison_ranges(one_group(), one_group_set(), OUTCOME)
    b = comparison_ranges(one_group(), one_group_set(), OUTCOME)
    assert [asdict(r) for r in a] == [asdict(r) for r in b]


def test_range_keys_cover_heldout_and_unprinted():
    keys = {k: role for k, role, _ in range_keys(one_group(), OUTCOME)}
    assert keys["pct_time_gt@5"] == "held out"
    # 1 year fits in the 20-month window, 3 and 5 years do not; RMST up to the window
    assert keys["rate@12"] == "unprinted" and "rate@36" not in keys
    assert keys["rmst@20"] == "unprinted"


def test_verdict_inside_and_outside_the_range():
    rec = RangeRecord("pct_time_gt@5", "held out", lo=30.0, hi=60.0, written=60.0,
                      witness=True)
    inside = _target("pct_time_gt@5", "pct_time_gt", "30%", 5.0)
    outside = _target("pct_time_gt@5", "pct_time_gt", "70%", 5.0)
    v, msg, basis = judge(rec, inside)
    assert (v, basis) == ("consistent", "search") and "reachable: 30-60" in msg
    v, msg, basis = judge(rec, outside)
    assert (v, basis) == ("inconsistent", "search") and "evidence, not proof" in msg
    # the edge of rounding: 60.4 rounds to 60, so "60%" meets a range ending at 60.4
    edge = replace(rec, lo=10.0, hi=60.4)
    assert judge(edge, _target("pct_time_gt@5", "pct_time_gt", "60%", 5.0))[0] == "consistent"


def _ci_targets(text):
    iv = parse_interval(text)
    return [Target("ci_lower", "ci_lower", "made::ci", iv.lower.text, iv.lower),
            Target("ci_upper", "ci_upper", "made::ci", iv.upper.text, iv.upper)]


def test_exact_bound_of_the_hr_from_a_printed_ci():
    # ln HR = (ln L + ln U) / 2 under Prism's convention, so the printed CI 0.50-2.00
    # (0.495-0.505, 1.995-2.005) bounds HR by sqrt(0.495 * 1.995) and sqrt(0.505 * 2.005)
    lo, hi = exact_bound("hr", _ci_targets("0.50-2.00"), 100)
    assert lo == pytest.approx(math.sqrt(0.495 * 1.995), rel=1e-9)
    assert hi == pytest.approx(math.sqrt(0.505 * 2.005), rel=1e-9)


def test_exact_bound_of_the_logrank_p_from_a_printed_ci():
    # p = P(chi2_1 > (z x / s)^2) with x = (u + w)/2, s = (w - u)/2 for u = ln L, w = ln U:
    # over the rectangle of (u, w) the ratio |x|/s is extreme at its corners
    corners = [(math.log(a), math.log(b)) for a in (0.295, 0.305) for b in (0.895, 0.905)]
    rho = [abs(u + w) / (w - u) for u, w in corners]
    p_lo, p_hi = (stats.chi2.sf((Z * max(rho)) ** 2, 1), stats.chi2.sf((Z * min(rho)) ** 2, 1))
    lo, hi = exact_bound("p", _ci_targets("0.30-0.90"), 200)
    assert lo == pytest.approx(p_lo, rel=1e-6)
    assert hi == pytest.approx(p_hi, rel=1e-6)


def test_exact_bound_respects_the_attainable_variance():
    # V <= n/4: with 4 patients z/sqrt(V) >= 1.96, wider than the half-width ln(2)/... of
    # the printed CI 0.50-2.00 (s = ln 4 / 2 = 0.69), so no (O-E, V) fits at all
    assert exact_bound("hr", _ci_targets("0.50-2.00"), 4) is None
    assert exact_bound("hr_cox", _ci_targets("0.50-2.00"), 100) is None  # not a box function


def _write_made(folder: Path) -> Spec:
    spec = one_group()
    data = one_group_set()
    rows = "\n".join(f"{i},all,{t:g},{e}" for i, t, e in zip(data.id, data.time, data.event))
    (folder / spec.file).write_text("id,group,months,event\n" + rows + "\n", encoding="utf-8")
    recs = comparison_ranges(spec, data, OUTCOME)
    digest = range_hash(spec, OUTCOME, (folder / spec.file).read_bytes(), settings())
    write_ranges(folder, {spec.id: (digest, settings(), recs)}, [spec.id])
    return spec


def test_stale_cache_is_detected(tmp_path):
    spec = _write_made(tmp_path)
    stored = read_ranges(tmp_path)
    state, rows = ranges_of(spec, OUTCOME, tmp_path, stored)
    assert state == "current" and {r.key for r in rows} >= {"pct_time_gt@5", "rate@12"}
    # another printed value: the spec's hash changes
    assert ranges_of(one_group("35%"), OUTCOME, tmp_path, stored)[0] == "stale"
    # another set: the CSV's bytes change
    csv = tmp_path / spec.file
    csv.write_text(csv.read_text().replace("15,0", "16,0", 1), encoding="utf-8")
    assert ranges_of(spec, OUTCOME, tmp_path, stored) == ("stale", [])
    # no entry, no file
    assert ranges_of(replace(spec, id="other"), OUTCOME, tmp_path, stored)[0] == "missing"
    assert ranges_of(spec, OUTCOME, tmp_path, {})[0] == "none"


def test_ranges_of_another_search_version_are_stale(tmp_path):
    import json

    from harness.ipd.io import RANGES_FILE, RANGES_VERSION

    spec = _write_made(tmp_path)
    path = tmp_path / RANGES_FILE
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["version"] = RANGES_VERSION - 1
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert ranges_of(spec, OUTCOME, tmp_path, read_ranges(tmp_path)) == ("stale", [])


def test_ranges_file_is_rewritten_byte_for_byte(tmp_path):
    _write_made(tmp_path)
    first = (tmp_path / "ranges.json").read_bytes()
    _write_made(tmp_path)
    assert (tmp_path / "ranges.json").read_bytes() == first


@pytest.fixture(scope="module")
def seed_audit():
    from harness.audit import run_audit

    return run_audit([SEED], use_r=False)


def test_seed_pack_heldout_numbers_each_get_a_range_and_a_verdict(seed_audit):
    held = [(c.id, r.key) for c in seed_audit.comparisons for r in c.rows
            if r.role == "held out"]
    assert len(held) == 17
    assert all(c.ranges_state == "current" for c in seed_audit.comparisons if c.has_data)
    assert not any(r.check == "feasible_range" for r in seed_audit.records)  # one per case
    recs = seed_audit.range_records
    assert all(r.check == "feasible_range" for r in recs)
    assert sorted((r.details["comparison"], r.details["key"]) for r in recs) == sorted(held)
    for r in recs:
        assert r.details["lo"] <= r.details["written"] <= r.details["hi"]
        # a range the searches never moved off the written set is no range: not judged
        moved = r.details["lo"] < r.details["hi"]
        assert str(r.verdict) in (("consistent", "inconsistent") if moved else
                                  ("consistent", "unverifiable")), r.message
    verdicts = sorted(str(r.verdict) for r in recs)
    assert (verdicts.count("consistent"), verdicts.count("inconsistent"),
            verdicts.count("unverifiable")) == (8, 5, 4)


def test_a_range_that_never_moved_judges_nothing():
    t = Target("pooled_rate@36", "pooled_rate", "text::os3y", "75%", parse_number("75%"),
               None, 36.0)
    still = RangeRecord("pooled_rate@36", "held out", "text::os3y", "75%", 72.45, 72.45, 72.45,
                        None, None, 800, False, False)
    verdict, message, basis = judge(still, t)
    assert (verdict, basis) == ("unverifiable", "") and "did not move" in message
    moved = RangeRecord("pooled_rate@36", "held out", "text::os3y", "75%", 70.0, 72.45, 72.45,
                        None, None, 800, False, False)
    assert judge(moved, t)[0] == "inconsistent"


def test_seed_pack_stale_ranges_read_as_unverifiable(tmp_path):
    from harness.audit import run_audit

    pack = tmp_path / "stork2022"
    shutil.copytree(SEED, pack)
    csv = pack / "ipd" / "table1_pm.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    report = run_audit([pack], use_r=False)
    pm = next(c for c in report.comparisons if c.id == "t1_pm")
    assert pm.ranges_state == "stale" and pm.ranges == []
    recs = [r for r in report.range_records if r.details["comparison"] == "t1_pm"]
    assert len(recs) == 2
    assert all(str(r.verdict) == "unverifiable" and "stale" in r.message for r in recs)


def test_reconstruct_recomputes_only_stale_ranges(tmp_path):
    from harness.ipd.reconstruct.ranges import ranges_pack
    from harness.pack.cases import load_pack

    pack_dir = tmp_path / "othertrial"
    shutil.copytree(ROOT / "tests" / "packs" / "othertrial", pack_dir)
    pack = load_pack(pack_dir)
    # the committed ranges are current: nothing is searched
    assert [s["status"] for s in ranges_pack(pack)] == ["current", "current"]
    before = read_ranges(pack_dir / "ipd")
    csv = pack_dir / "ipd" / "arms.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    sums = {s["id"]: s["status"] for s in ranges_pack(pack)}
    assert sums == {"arms": "computed", "age": "current"}
    after = read_ranges(pack_dir / "ipd")
    assert after["age"] == before["age"] and after["arms"].hash != before["arms"].hash
    # the search does not read the CSV's comment lines: same ranges under the new hash (floats
    # to 1e-12: another CPU may round the last bit of a sum differently)
    assert _same_ranges(after["arms"].ranges, before["arms"].ranges)


def _same_ranges(a, b, rel: float = 1e-12) -> bool:
    """Range records equal field by field, floats within ``rel``."""
    from dataclasses import astuple

    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        for u, v in zip(astuple(x), astuple(y)):
            if isinstance(u, float) and isinstance(v, float):
                if not (u == v or abs(u - v) <= rel * max(abs(u), abs(v))):
                    return False
            elif u != v:
                return False
    return True
