"""R's ``timefix`` (``survival::aeqSurv``) in the core: harness/core/timefix.py.

* frozen (no R): hand-made nearly equal times (0.1 + 0.2 vs 0.3, 1 vs 1 + 1e-12, 1 + 1e-7,
  2 vs 2 (1 + 5e-9), a chain 3, 3 + 3e-8, 3 + 6e-8) with timefix on and off: the merged times,
  Kaplan-Meier, survdiff (rho 0 and 1, stratified) and coxph (efron, breslow, exact) against the
  values tests/results/make_reference.R wrote (section "timefix", the R code is there), 1e-9;
* against R live (marker r): the rule itself on edge cases (the absolute test near 0, the
  relative test against the mean of the distinct times, chains, a tolerance argument) and
  random near-equal data (hypothesis) for KM, survdiff and coxph, timefix on and off, 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from harness.core.cox import coxph
from harness.core.km import KaplanMeier
from harness.core.logrank import survdiff
from harness.core.survdata import SurvData
from harness.core.timefix import TOLERANCE, aeq_times, r_mean
from tests.frozen import ref
from tests.test_km import assert_same

RTOL = 1e-9


def _hand():
    return (ref("timefix/hand/input"), ref("timefix/hand/status"), ref("timefix/hand/g"),
            ref("timefix/hand/s"))


# ------------------------------------------------------------------------------ frozen
def test_hand_times_merged_as_aeqsurv_frozen():
    t, *_ = _hand()
    assert t[1] == 0.1 + 0.2 and t[0] == 0.3 and t[1] != t[0]  # the input really is unequal
    out = aeq_times(t)
    assert out.tolist() == ref("timefix/hand/aeq").tolist()  # bit for bit
    # 1 + 1e-7 is outside the tolerance: kept; the chain collapses to its smallest value
    assert out[4] == t[4] and out[7] == out[8] == out[9] == 3.0


@pytest.mark.parametrize("on", ["on", "off"])
def test_km_timefix_on_off_frozen(on):
    t, e, g, _ = _hand()
    km = KaplanMeier().fit(t, e, g, timefix=on == "on")
    k = f"timefix/km/{on}/"
    assert_same(km.time_, ref(k + "time"), "time", exact=True)
    assert_same(km.n_risk_, ref(k + "n.risk"), "n.risk", exact=True)
    assert_same(km.n_event_, ref(k + "n.event"), "n.event", exact=True)
    assert_same(km.survival_, ref(k + "surv"), "surv")
    assert_same(km.std_err_cumhaz_, ref(k + "std.err"), "std.err")
    assert_same(km.lower_, ref(k + "lower"), "lower")
    assert_same(km.upper_, ref(k + "upper"), "upper")
    assert [km.time_[sl].size for _, sl in km.curves()] == ref(k + "strata").tolist()


@pytest.mark.parametrize("on", ["on", "off"])
@pytest.mark.parametrize("rho", [0, 1])
def test_survdiff_timefix_on_off_frozen(on, rho):
    t, e, g, _ = _hand()
    res = survdiff(t, e, g, rho=float(rho), timefix=on == "on")
    k = f"timefix/survdiff/{on}/rho{rho}/"
    assert_same(res.observed, ref(k + "obs"), "obs")
    assert_same(res.expected, ref(k + "exp"), "exp")
    assert_same(res.variance, ref(k + "var"), "var")
    assert_same(res.chisq, ref(k + "chisq"), "chisq")


@pytest.mark.parametrize("on", ["on", "off"])
def test_stratified_survdiff_timefix_on_off_frozen(on):
    t, e, g, s = _hand()
    res = survdiff(t, e, g, s, timefix=on == "on")
    k = f"timefix/survdiff/{on}/strata/"
    assert_same(res.observed, ref(k + "obs"), "obs")
    assert_same(res.expected, ref(k + "exp"), "exp")
    assert_same(res.chisq, ref(k + "chisq"), "chisq")


@pytest.mark.parametrize("on", ["on", "off"])
@pytest.mark.parametrize("ties", ["efron", "breslow", "exact"])
def test_coxph_timefix_on_off_frozen(on, ties):
    t, e, g, _ = _hand()
    fit = coxph(t, e, g, ties=ties, eps=1e-12, max_iter=50, timefix=on == "on")
    k = f"timefix/cox/{on}/{ties}/"
    assert_same(fit.coef, ref(k + "coef"), "coef")
    assert_same(fit.se, ref(k + "se"), "se")
    assert_same(fit.loglik, ref(k + "loglik"), "loglik")
    assert_same(fit.score.chisq, ref(k + "score"), "score")


def test_on_and_off_really_differ_on_the_hand_data():
    t, e, g, _ = _hand()
    assert ref("timefix/survdiff/on/rho0/chisq")[0] != pytest.approx(
        ref("timefix/survdiff/off/rho0/chisq")[0], rel=1e-3)
    assert survdiff(t, e, g).chisq != pytest.approx(survdiff(t, e, g, timefix=False).chisq,
                                                    rel=1e-3)


# ------------------------------------------------------------------------------ no R
def test_nothing_tied_returns_the_input_unchanged():
    t = np.array([1.0, 2.0, 3.0, 2.0])
    assert aeq_times(t) is t
    d = SurvData.from_arrays(t, [1, 0, 1, 1])
    assert d.timefix and d.timefix_merged == 0 and d.time is not None
    assert SurvData.from_arrays([1.0, 1 + 1e-12], [1, 1]).timefix_merged == 1
    assert not SurvData.from_arrays([1.0, 1 + 1e-12], [1, 1], timefix=False).timefix


def test_tolerance_argument_as_r():
    t = np.array([1.0, 1 + 1e-12])
    assert aeq_times(t, 0) is t or np.array_equal(aeq_times(t, 0), t)
    assert aeq_times(t, -1.0).tolist() == t.tolist()
    assert aeq_times(np.array([1.0, 1.001]), 1e-2).tolist() == [1.0, 1.0]
    for bad in (float("nan"), float("inf"), "x"):
        with pytest.raises(ValueError, match="tolerance"):
            aeq_times(t, bad)
    assert TOLERANCE == np.sqrt(np.finfo(float).eps)


def test_bad_timefix_flag_and_survdata_conflict_are_errors():
    with pytest.raises(ValueError, match="timefix must be True or False"):
        SurvData.from_arrays([1.0, 2.0], [1, 1], timefix="no")
    d = SurvData.from_arrays([1.0, 2.0], [1, 1])
    with pytest.raises(ValueError, match="SurvData was built with timefix=True"):
        KaplanMeier().fit(d, timefix=False)
    KaplanMeier().fit(d, timefix=True)  # the same setting is fine


# ------------------------------------------------------------------------------ R live
R_AEQ = "as.numeric(aeqSurv(Surv(t, rep(1, length(t))), tolerance = tol)[, 1])"

EDGE = {
    "absolute near 0": [0.0, 1e-8, 1.4e-8, 5.0],
    "absolute just outside": [0.0, 1.6e-8, 5.0],
    "relative to the mean": [1e6, 1e6 + 0.01, 1e6 + 0.5],
    "mean moves the cut": [1.0, 1.0 + 1.5e-8, 100.0],
    "chain": [3.0, 3.0 + 2e-8, 3.0 + 4e-8, 3.0 + 6e-8, 4.0],
    "float sums": [0.1 + 0.2, 0.3, 0.7 + 0.1, 0.8, 1.1 * 3, 3.3],
    "one value": [2.0, 2.0, 2.0],
    # gaps at the thresholds: the long double mean (r_mean) decides
    "relative threshold": [1.0, 1.0 + TOLERANCE * (5.0 + TOLERANCE) / 3.0, 3.0],
    "relative threshold 2": [1.0, 1.0 + TOLERANCE * 5.0 / 3.0, 3.0],
    "absolute threshold": [0.0, TOLERANCE, 1e-7],
}


@pytest.mark.r
@pytest.mark.parametrize("name", list(EDGE))
def test_rule_matches_aeqsurv(r, name):
    t = np.array(EDGE[name])
    want = np.atleast_1d(r.evaluate(R_AEQ, t=t, tol=TOLERANCE))
    assert aeq_times(t).tolist() == want.tolist()


@pytest.mark.r
def test_r_mean_is_rs_mean(r):
    rng = np.random.default_rng(5)
    for x in (np.array([1e16, 1.0, -1e16, 1.0] * 3 + [3.0]), rng.exponential(3, 1001) * 1e5,
              np.array([0.1] * 10 + [0.2] * 7)):
        assert r_mean(x) == r.evaluate("mean(x)", x=x)


@pytest.mark.r
def test_rule_matches_aeqsurv_with_a_tolerance(r):
    t = np.array([1.0, 1.0005, 1.002, 7.0])
    want = np.atleast_1d(r.evaluate(R_AEQ, t=t, tol=1e-3))
    assert aeq_times(t, 1e-3).tolist() == want.tolist()


@st.composite
def near_equal_sets(draw, max_n: int = 30):
    """Times on a 0.1 grid, some moved by 1e-12..1e-7 relative or written as float sums."""
    n = draw(st.integers(2, max_n))
    base = np.array(draw(st.lists(st.integers(1, 40), min_size=n, max_size=n)), float) / 10
    moves = np.array(draw(st.lists(st.sampled_from([0.0, 1e-12, -1e-12, 5e-9, 1e-8, 3e-8, 1e-7]),
                                   min_size=n, max_size=n)))
    time = base * (1 + moves)
    sums = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    time[sums] = np.round(base[sums] - 0.1, 1) + 0.1
    event = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    event[draw(st.integers(0, n - 1))] = True
    group = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    group[:2] = [0, 1]
    return time, event, group, draw(st.booleans())


R_FIT = """
fit <- survfit(Surv(t, e) ~ g, timefix = tf)
# survdiff stops on a singular variance (a documented difference: tests/fuzz/full-run.md)
d <- tryCatch(harness_survdiff(Surv(t, e) ~ g, timefix = tf),
              error = function(err) list(chisq = NA, exp = NA))
cx <- lapply(c("efron", "breslow"), function(ties) {
  f <- coxph(Surv(t, e) ~ g, ties = ties,
             control = coxph.control(eps = 1e-12, iter.max = 50, timefix = tf))
  c(coef(f), f$loglik)
})
list(time = fit$time, n.risk = fit$n.risk, surv = fit$surv, std.err = fit$std.err,
     lower = fit$lower, upper = fit$upper, chisq = d$chisq, exp = d$exp,
     efron = cx[[1]], breslow = cx[[2]])
"""


@pytest.mark.r
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_equal_sets())
@pytest.mark.filterwarnings("ignore::harness.core.cox.CoxWarning")
def test_near_equal_data_agree_with_r_timefix_on_and_off(data):
    from harness.r import bridge as rbridge

    t, e, g, tf = data
    r = rbridge.evaluate(R_FIT, t=t, e=e.astype(int), g=g.astype(int), tf=tf)
    km = KaplanMeier().fit(t, e, g, timefix=tf)
    assert_same(km.time_, r["time"], "time", exact=True)
    assert_same(km.n_risk_, r["n.risk"], "n.risk", exact=True)
    for mine, key in ((km.survival_, "surv"), (km.std_err_cumhaz_, "std.err"),
                      (km.lower_, "lower"), (km.upper_, "upper")):
        assert_same(mine, r[key], key)
    sd = survdiff(t, e, g, timefix=tf)
    if not np.isnan(np.atleast_1d(r["chisq"])[0]):
        # chisq = (O - E)^2 / V: where O - E cancels to rounding error (1e-16) the two
        # languages' chisq are both ~0 (0 vs 2e-32 seen), so an absolute floor of 1e-20
        assert_allclose(sd.chisq, r["chisq"], rtol=1e-9, atol=1e-20, err_msg="chisq")
        assert_same(sd.expected, r["exp"], "exp")
    for ties in ("efron", "breslow"):
        fit = coxph(t, e, g.astype(float), ties=ties, eps=1e-12, max_iter=50, timefix=tf)
        want = np.atleast_1d(r[ties])
        assert_same(fit.loglik[0], want[1], f"{ties} loglik at 0")
        if fit.converged and not fit.infinite.any():  # else: fuzz's documented ridge classes
            c, w = float(fit.coef[0]), float(want[0])
            assert (np.isnan(c) and np.isnan(w)) or abs(c - w) <= 1e-12 + RTOL * abs(w), ties
            assert_same(fit.loglik[1], want[2], f"{ties} loglik")
