"""The log-rank family and the hazard ratios against FROZEN R values (no R needed).

The frozen counterparts of the R cross-checks in tests/test_logrank.py, tests/test_hazard.py
and tests/test_lung_bridge.py: survdiff (rho 0, 1, 0.5; stratified), the weighted log-rank
loop of tests/results/wlr.R, coin's linear statistic and permutation variance, the trend
test, Prism's O/E/V and the one-step Breslow Cox. The R code is in
tests/results/make_reference.R (keys ``survdiff/``, ``survdiff_strata/``, ``wlr/``,
``coin/``, ``trend/``, ``hazard/``).

Tolerances (those of the live R tests): rtol 1e-9 for O, E, V, chi-square and statistics;
survdiff's p-value rtol 1e-7 (R computes it with pchisq, the core with scipy's chi2.sf, which
differ in the last digits for tiny p); variance matrices with atol 1e-12 (1e-9 for the loop's
weighted V, whose entries reach 1e4) because off-diagonal cells can be 0.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from harness.core import hazard as H
from harness.core import logrank as L
from harness.core.logrank_trend import logrank_trend
from tests.frozen import event_data, levels, ref
from tests.test_hazard import EVENT, GROUP, TIME
from tests.test_logrank import COIN_TYPES, WEIGHT_CASES, _r_label

RTOL = 1e-9

SURVDIFF = [("lung", "sex"), ("aml", "x"), ("ovarian", "rx"), ("veteran", "celltype"),
            ("colon", "rx"), ("pbc", "trt")]
STRATIFIED = [("lung", "sex", "inst"), ("veteran", "trt", "celltype"), ("colon", "rx", "sex"),
              ("pbc", "trt", "edema")]
# the keys make_reference.R gives WEIGHT_CASES and COIN_TYPES (same order)
WEIGHT_KEYS = ["gehan-breslow", "tarone-ware", "fh-1-1", "fh-0-1", "fh-0.5-2", "peto", "logrank"]
COIN_KEYS = ["logrank", "gehan-breslow", "tarone-ware", "peto", "fh-1-1", "fh-0-1"]
TREND = [("pbc", "stage", None), ("pbc", "edema", [0.0, 0.5, 1.0]),
         ("veteran", "celltype", [1.0, 2.0, 4.0, 8.0])]


def _rho_key(rho) -> str:
    return f"{rho:g}"


def _check(res, p: str, k: int) -> None:
    assert_array_equal(res.n, ref(f"{p}/n"))  # counts exactly
    assert_allclose(res.observed, ref(f"{p}/obs").reshape(k, -1, order="F").sum(axis=1),
                    rtol=RTOL)
    assert_allclose(res.expected, ref(f"{p}/exp").reshape(k, -1, order="F").sum(axis=1),
                    rtol=RTOL)
    assert_allclose(res.variance, ref(f"{p}/var").reshape(k, k), rtol=RTOL, atol=1e-12)
    assert_allclose(res.chisq, ref(f"{p}/chisq")[0], rtol=RTOL)
    assert_allclose(res.p_value, ref(f"{p}/p")[0], rtol=1e-7, atol=1e-300)
    assert res.df == k - 1


@pytest.mark.parametrize("rho", [0, 1, 0.5])
@pytest.mark.parametrize("name,col", SURVDIFF, ids=[c[0] for c in SURVDIFF])
def test_survdiff_matches_frozen(name, col, rho):
    d = event_data(name).dropna(subset=[col])
    lv = levels(name, col, d)
    res = L.survdiff(d.time, d.event, d[col], rho=rho, levels=lv)
    _check(res, f"survdiff/{name}_{col}/{_rho_key(rho)}", len(lv))


@pytest.mark.parametrize("rho", [0, 1])
@pytest.mark.parametrize("name,col,stratum", STRATIFIED, ids=[c[0] for c in STRATIFIED])
def test_stratified_survdiff_matches_frozen(name, col, stratum, rho):
    d = event_data(name).dropna(subset=[col, stratum])
    lv = levels(name, col, d)
    k = len(lv)
    res = L.survdiff(d.time, d.event, d[col], d[stratum], rho=rho, levels=lv)
    p = f"survdiff_strata/{name}_{col}_{stratum}/{rho}"
    _check(res, p, k)
    r_names = [s.split("=")[-1].strip() for s in ref(f"{p}/strata")]
    order = [r_names.index(_r_label(s)) for s in res.strata_levels]
    obs = ref(f"{p}/obs").reshape(k, -1, order="F")[:, order]
    exp = ref(f"{p}/exp").reshape(k, -1, order="F")[:, order]
    assert_allclose(res.observed_by_stratum, obs, rtol=RTOL, atol=1e-12)
    assert_allclose(res.expected_by_stratum, exp, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("name,col", [("lung", "sex"), ("veteran", "celltype"), ("aml", "x"),
                                      ("colon", "rx")])
@pytest.mark.parametrize("case,wkey", list(zip(WEIGHT_CASES, WEIGHT_KEYS)),
                         ids=WEIGHT_KEYS)
def test_weighted_logrank_matches_frozen_loop(name, col, case, wkey):
    weights, kw, _ = case
    d = event_data(name)
    k = len(set(d[col].tolist()))
    res = L.weighted_logrank(d.time, d.event, d[col], weights=weights, **kw)
    p = f"wlr/{name}_{col}/{wkey}"
    assert_allclose(res.observed, ref(f"{p}/obs"), rtol=RTOL)
    assert_allclose(res.expected, ref(f"{p}/exp"), rtol=RTOL)
    assert_allclose(res.variance, ref(f"{p}/var").reshape(k, k), rtol=RTOL, atol=1e-9)
    assert_allclose(res.chisq, ref(f"{p}/chisq")[0], rtol=RTOL)


def test_frozen_loop_reproduces_frozen_survdiff():
    """The loop's weights 1 and S(t-) give survdiff's rho = 0 and rho = 1 chi-squares."""
    for wkey, rho in (("logrank", 0), ("peto", 1)):
        assert_allclose(ref(f"wlr/lung_sex/{wkey}/chisq"), ref(f"survdiff/lung_sex/{rho}/chisq"),
                        rtol=1e-12)


@pytest.mark.parametrize("case,ckey", list(zip(COIN_TYPES, COIN_KEYS)), ids=COIN_KEYS)
def test_coin_linear_statistic_and_permutation_variance_frozen(case, ckey):
    weights, kw, _ = case
    d = event_data("lung")
    centered, var, z = ref(f"coin/lung_sex/{ckey}")
    res = L.weighted_logrank(d.time, d.event, d.sex, weights=weights, **kw)
    assert_allclose(-centered, res.o_minus_e[0], rtol=RTOL)
    a = L.logrank_scores(d.time, d.event, weights=weights, **kw)
    n, n1 = a.size, int((d.sex == 1).sum())
    vperm = n1 * (n - n1) / (n * (n - 1)) * np.sum((a - a.mean()) ** 2)
    assert_allclose(var, vperm, rtol=RTOL)
    assert_allclose(z**2, res.o_minus_e[0] ** 2 / vperm, rtol=RTOL)
    assert abs(res.variance[0, 0] / vperm - 1) > 1e-3  # hypergeometric V is not coin's


@pytest.mark.parametrize("name,col,scores", TREND, ids=[c[0] + c[1] for c in TREND])
def test_trend_matches_frozen(name, col, scores):
    d = event_data(name)
    d = d[d[col].notna()]
    res = logrank_trend(d.time, d.event, d[col], scores=scores, levels=levels(name, col, d))
    assert_allclose([res.statistic, res.variance, res.chisq, res.p_value],
                    ref(f"trend/{name}_{col}"), rtol=RTOL)


def test_hand_o_e_v_match_frozen_survdiff():
    hr = H.hazard_ratio(TIME, EVENT, GROUP, numerator="A")
    assert_allclose(hr.observed, ref("hazard/hand/obs"), rtol=1e-12)
    assert_allclose(hr.expected, ref("hazard/hand/exp"), rtol=1e-12)
    assert_allclose(hr.variance, ref("hazard/hand/var")[0], rtol=1e-12)


def test_mh_is_one_newton_step_of_breslow_cox_frozen():
    """No tied event times (ovarian): ln HR_MH = U(0)/I(0) of Breslow's Cox, to 1e-9."""
    d = event_data("ovarian")
    hr = H.hazard_ratio(d.futime, d.fustat, d.rx, numerator=2)
    assert_allclose(hr.log_hr, ref("hazard/onestep/ovarian")[0], rtol=RTOL)


def test_mh_differs_from_one_step_cox_with_ties_frozen():
    d = event_data("lung")
    hr = H.hazard_ratio(d.time, d.status, d.sex, coding="12", numerator=2)
    one_step = ref("hazard/onestep/lung")[0]
    assert abs(one_step) < abs(hr.log_hr)
    assert 1e-4 < abs(one_step / hr.log_hr - 1) < 1e-2


def test_lung_logrank_by_sex_frozen():
    """tests/test_lung_bridge.py's walking skeleton, against the frozen survdiff."""
    d = event_data("lung")
    res = L.survdiff(d.time, d.status, d.sex, coding="12")
    assert_allclose(res.chisq, 10.32674195488563, rtol=1e-9)  # printed with digits = 16
    assert_allclose([res.chisq, *res.observed, *res.expected],
                    np.concatenate([ref("survdiff/lung_sex/0/chisq"), ref("survdiff/lung_sex/0/obs"),
                                    ref("survdiff/lung_sex/0/exp")]), rtol=RTOL)
    assert res.observed.tolist() == [112, 53]


# ------------------------------------------------ lifelines on the frozen R data sets
# (tests/test_logrank.py runs these on R's data loaded through the bridge)
@pytest.mark.parametrize(
    "weights,kw,ll_kw",
    [
        ("logrank", {}, {}),
        ("gehan-breslow", {}, {"weightings": "wilcoxon"}),
        ("tarone-ware", {}, {"weightings": "tarone-ware"}),
        ("fleming-harrington", {"rho": 1, "gamma": 1},
         {"weightings": "fleming-harrington", "p": 1, "q": 1}),
    ],
)
def test_lifelines_multivariate_agrees_on_frozen_data(weights, kw, ll_kw):
    from lifelines.statistics import multivariate_logrank_test

    d = event_data("veteran")
    ours = L.weighted_logrank(d.time, d.event, d.celltype, weights=weights, **kw)
    theirs = multivariate_logrank_test(d.time, d.celltype, d.event, **ll_kw)
    assert_allclose(theirs.test_statistic, ours.chisq, rtol=RTOL)
    assert theirs.degrees_of_freedom == ours.df


def test_lifelines_two_sample_logrank_agrees_on_frozen_data():
    from lifelines.statistics import logrank_test

    d = event_data("lung")
    m = (d.sex == 1).to_numpy()
    theirs = logrank_test(d.time[m], d.time[~m], d.event[m], d.event[~m])
    ours = L.survdiff(d.time, d.event, d.sex)
    assert_allclose(theirs.test_statistic, ours.chisq, rtol=RTOL)
    assert_allclose(theirs.p_value, ours.p_value, rtol=1e-7)


def test_lifelines_peto_is_not_survdiff_rho1_on_frozen_data():
    """lifelines' weightings="peto" uses Peto's modified survival at t, not S(t-)."""
    from lifelines.statistics import multivariate_logrank_test

    d = event_data("lung")
    ours = L.survdiff(d.time, d.event, d.sex, rho=1)
    theirs = multivariate_logrank_test(d.time, d.sex, d.event, weightings="peto")
    assert 1e-5 < abs(theirs.test_statistic / ours.chisq - 1) < 1e-2
