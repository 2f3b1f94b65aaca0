"""Differential fuzz suite against R survival (R in its own Rscript process, hex floats).

* a CI campaign of 200 seeded sets (every estimator, every family): no unexplained
  disagreement;
* every frozen minimal example under ``tests/fuzz/regressions/`` replayed: Python against the
  frozen R values (no R needed), and R re-run against its frozen values;
* the classifier, the generator, the hex round trip and the shrinker, without R.

The full campaign is ``python -m harness.tools.fuzz --sets 5000 --large 6 --report fuzz.md``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from harness.tools.fuzz.compare import UNEXPLAINED, classify, counts
from harness.tools.fuzz.generate import FAMILIES, FuzzSet, finish, generate, make_set
from harness.tools.fuzz.pyside import python_values
from harness.tools.fuzz.shrink import load_frozen, shrink

REGRESSIONS = sorted((Path(__file__).parent / "fuzz" / "regressions").glob("*.json"))
CI_SETS, CI_SEED = 200, 20261202


@pytest.mark.r
def test_ci_campaign_has_no_unexplained_disagreement():
    from harness.tools.fuzz.run import campaign, render_markdown

    c = campaign(CI_SETS, CI_SEED, jobs=2)
    un = c.unexplained
    assert not un, render_markdown(c)
    by = counts(c.findings)
    for est in ("km plain", "km log", "km log-log", "km logit", "km arcsin", "quantile", "rmst",
                "survdiff rho0", "survdiff rho1", "hr", "cox_efron", "cox_breslow", "cox_exact"):
        assert by[est]["agree"] > 50, (est, by[est])  # every estimator really compared
    assert {s.family for s in c.sets} == set(FAMILIES)
    # near-equal times really exercised, with R's timefix on and off on both sides
    merged = [s for s in c.sets if c.r[s.id].get("timefix_merged") == 1.0]
    assert sum(s.timefix for s in merged) >= 5 and sum(not s.timefix for s in merged) >= 5


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_frozen_example_python_side(path):
    """Python against the R values frozen beside the R code (harness/tools/fuzz/fuzz.R)."""
    s, r, classes = load_frozen(path)
    py = python_values(s, s.n <= 100)
    now = {f.key: f.cls for f in classify(s.id, py, r)}
    assert not [k for k, c in now.items() if c in UNEXPLAINED], now
    assert now == classes  # same keys, same classes (documented ones stay documented)


@pytest.fixture(scope="module")
def r_replay():
    """R on every frozen set, in one Rscript process."""
    from harness.tools.fuzz.rside import r_values

    sets = [load_frozen(p)[0] for p in REGRESSIONS]
    return r_values(sets, {s.id: s.n <= 100 for s in sets})


@pytest.mark.r
@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_frozen_example_r_side_unchanged(path, r_replay):
    """R still gives the frozen values (rtol 1e-12: the same R gives the same bits)."""
    s, frozen, _ = load_frozen(path)
    r = r_replay[s.id]
    assert set(r) == set(frozen)
    for k, v in frozen.items():
        if isinstance(v, float):
            assert (math.isnan(v) and math.isnan(r[k])) or v == pytest.approx(r[k], rel=1e-12,
                                                                              abs=1e-300), k
        else:
            assert r[k] == v, k


def test_issue14_smallest_example_is_frozen():
    path = [p for p in REGRESSIONS if p.stem == "issue14-smallest"]
    assert path, "the issue's smallest example must stay a regression test"
    s, r, _ = load_frozen(path[0])
    assert r["cox_breslow|coef|1"] == pytest.approx(-20.383944, abs=1e-6)
    assert "infinite" in r["warn:cox_breslow"]


# ------------------------------------------------------------------------------------------
# without R
# ------------------------------------------------------------------------------------------
def test_generator_is_seeded_and_covers_the_families():
    a, b = generate(60, 5), generate(60, 5)
    for x, y in zip(a, b):
        assert x.id == y.id and np.array_equal(x.time, y.time) and np.array_equal(x.status, y.status)
        assert x.timefix == y.timefix
    sets = generate(300, 1)
    assert {s.family for s in sets} == set(FAMILIES)
    near = [s for s in sets if s.family == "near_equal"]
    assert {s.timefix for s in near} == {True, False}
    # the family really holds pairs R's timefix merges (checked against R in the campaign)
    from harness.core.timefix import aeq_times

    assert all((aeq_times(s.time) != s.time).any() for s in near if s.n >= 20)
    big = make_set(1, 0, family="large")
    assert 16_000 <= big.n < 98_000
    for s in generate(200, 2):
        assert (s.time >= 0).all() and ((s.time == 0) | (s.time > 1e-300)).all()


def test_hex_round_trip_encoding():
    from harness.tools.fuzz.rside import _parse, encode

    s = make_set(3, 7, family="float_noise")
    line = encode(s, False).split("\t")
    assert [float.fromhex(v) for v in line[1].split(",")] == s.time.tolist()
    assert line[8] == ("1" if s.timefix else "0")
    parsed = _parse("a\tk\t0x1.8p+1\na\tm\tNA\na\tblock:x\tERR\tboom\na\twarn:y\tTXT\tw1\n")
    assert parsed["a"]["k"] == 3.0 and math.isnan(parsed["a"]["m"])
    assert parsed["a"]["block:x"] == "ERR: boom" and parsed["a"]["warn:y"] == "w1"


@pytest.mark.parametrize("py,r,cls", [
    ({"rmst|0|rmean": 1.0}, {"rmst|0|rmean": 1.0 + 1e-12}, "agree"),
    ({"rmst|0|rmean": 1.0}, {"rmst|0|rmean": 1.0 + 1e-6}, "value"),
    ({"rmst|0|rmean": 1.0}, {"rmst|0|rmean": math.nan}, "na_mismatch"),
    ({"rmst|0|rmean": 1.0}, {}, "missing"),
    ({"block:rmst": "ERR: x"}, {"rmst|0|rmean": 1.0}, "error_python"),
    ({"rmst|0|rmean": 1.0}, {"block:rmst": "ERR: Truncation point for the mean"},
     "doc:rmst_tau_before_first"),
    ({"block:cox_efron": "ERR: no events: ..."}, {"cox_efron|coef|1": math.nan}, "doc:no_events"),
])
def test_classifier(py, r, cls):
    found = [f.cls for f in classify("s", py, r)]
    assert cls in found and all(c in (cls, "agree") for c in found)


def test_classifier_timefix_and_lr_tolerance():
    # both sides run with the set's timefix: a merged set no longer excuses a difference
    py = {"survdiff|rho0|chisq": 1.0}
    r = {"survdiff|rho0|chisq": 2.0, "timefix_merged": 1.0}
    assert [f.cls for f in classify("s", py, r)] == ["value"]
    # LR near cancellation: |d| <= 1e-9 LR + 1e-12 (|l0| + |l1|)
    base = {"cox_efron|loglik0": -5e5, "cox_efron|loglik1": -5e5 + 1.0}
    ok = classify("s", {**base, "cox_efron|lr": 2.0}, {**base, "cox_efron|lr": 2.0 + 5e-7})
    assert {f.cls for f in ok} == {"agree"}
    bad = classify("s", {**base, "cox_efron|lr": 2.0}, {**base, "cox_efron|lr": 2.0 + 5e-6})
    assert "value" in {f.cls for f in bad}


def test_shrinker_finds_a_minimal_set():
    """Shrinking with a synthetic failure (two tied events in one group)."""
    s = make_set(4, 1, family="heavy_ties")

    def fails(c: FuzzSet) -> bool:
        keys = [(t, g) for t, g, e in zip(c.time, c.group, c.status) if e]
        return len(set(keys)) < len(keys)

    assert fails(s)
    small = shrink(s, lambda cands: [fails(c) for c in cands])
    assert fails(small) and small.n == 2
    assert small.id == f"{s.id}-min"


def test_subset_keeps_levels_consecutive():
    s = finish(FuzzSet("x", "basic", np.array([1.0, 2, 3]), np.array([1, 0, 1]),
                       np.array([0, 1, 2])))
    t = s.subset(np.array([0, 2]))
    assert t.group.tolist() == [0, 1]


@pytest.mark.r
def test_survdiff_df0_p_is_one_and_no_events_nan_as_r(r):
    """Issue 14: survdiff with df = 0 gave p NaN here, R's $pvalue is 1 (pchisq(0, 0, lower =
    FALSE)); with no events df = -1 and R's p is NaN."""
    from harness.core.logrank import survdiff

    t, g = [1.0, 2.0, 3.0, 4.0], [1, 1, 2, 2]
    for e, want in (([0, 0, 1, 0], 1.0), ([0, 0, 0, 0], math.nan)):
        ref = np.atleast_1d(r.evaluate("suppressWarnings(survdiff(Surv(t, e) ~ g)$pvalue)",
                                       t=t, e=e, g=g))
        ours = survdiff(t, e, g).p_value
        assert (math.isnan(ref[0]) and math.isnan(ours)) if math.isnan(want) else ref[0] == ours == want
