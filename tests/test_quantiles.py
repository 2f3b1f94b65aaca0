"""Quantiles (harness.core.quantiles): R's quantile.survfit on R's data, hand-made examples for the
Prism / SPSS / SAS rules, and the pinned differences with lifelines."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from harness.core.km import CONF_TYPES, KaplanMeier
from harness.core.quantiles import RULES, brookmeyer_crowley, median, quantiles
from harness.r import bridge as rbridge
from tests.test_km import CASES, assert_same, fit_case, load_without_r

PROBS = [0.1, 0.25, 0.5, 0.75, 0.9]
Z = 1.959963984540054


@pytest.mark.r
@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_quantiles_match_quantile_survfit(name, conf_type):
    formula, data = CASES[name]
    r = rbridge.evaluate(
        f"q <- quantile(survfit({formula}, data = {data}, conf.type = ct), "
        "probs = c(.1, .25, .5, .75, .9)); "
        "list(q = as.vector(t(q$quantile)), lower = as.vector(t(q$lower)), "
        "upper = as.vector(t(q$upper)))",
        ct=conf_type,
    )
    res = quantiles(fit_case(name, conf_type), PROBS, rule="R")
    assert_same(res.estimate, r["q"], "quantile")
    assert_same(res.lower, r["lower"], "lower")
    assert_same(res.upper, r["upper"], "upper")
    # every NaN has its reason
    bad = np.isnan(res.estimate) | np.isnan(res.lower) | np.isnan(res.upper)
    assert all(bool(w) for w in res.reason[bad])
    assert not any(res.reason[~bad])


@pytest.mark.r
@pytest.mark.parametrize("name", list(CASES))
def test_median_matches_print_survfit_table(name):
    formula, data = CASES[name]
    r = rbridge.evaluate(
        f"tb <- summary(survfit({formula}, data = {data}))$table; "
        "list(m = tb[, 'median'], l = tb[, '0.95LCL'], u = tb[, '0.95UCL'])"
    )
    res = median(fit_case(name))
    assert_same(res.estimate, r["m"], "median")
    assert_same(res.lower, r["l"], "0.95LCL")
    assert_same(res.upper, r["u"], "0.95UCL")


# Hand example A: t = 1, 2, 3+, 4 (+ censored). n at risk 4, 3, 2, 1.
# S(1) = 3/4, S(2) = 3/4 * 2/3 = 1/2 (flat at 0.5 on [2, 4)), S(4) = 0.
TA, EA = [1, 2, 3, 4], [1, 1, 0, 1]
# Hand example B: t = 1, 2, 3+, 4+: S = 3/4, 1/2 and the curve *ends* flat at 0.5 (last time 4).
TB, EB = [1, 2, 3, 4], [1, 1, 0, 0]


def test_rule_r_flat_segment_midpoint():
    # flat at 0.5 from 2 to the next drop at 4 -> (2 + 4) / 2 = 3
    assert median(KaplanMeier().fit(TA, EA)).estimate[0] == 3.0
    # ends flat: quantile.survfit averages with the last time 4 -> 3
    assert median(KaplanMeier().fit(TB, EB)).estimate[0] == 3.0


@pytest.mark.r
def test_r_quantile_and_print_differ_when_curve_ends_flat():
    """Pinned R inconsistency: quantile() gives (2 + 4) / 2 = 3, print()/table gives 2."""
    r = rbridge.evaluate(
        "f <- survfit(Surv(t, e) ~ 1); c(quantile(f, 0.5)$quantile, summary(f)$table['median'])",
        t=TB, e=EB,
    )
    assert list(r) == [3.0, 2.0]
    assert median(KaplanMeier().fit(TB, EB)).estimate[0] == r[0]
    r = rbridge.evaluate(
        "f <- survfit(Surv(t, e) ~ 1); c(quantile(f, 0.5)$quantile, summary(f)$table['median'])",
        t=TA, e=EA,
    )
    assert list(r) == [3.0, 3.0]


def test_prism_rule_by_hand():
    # Prism: average of first and last time at 50%: A -> (2 + 4) / 2 = 3; B (ends at 50% at
    # time 4, Prism >= 6 per knowledge base #1800) -> 3; lifts straight through otherwise.
    assert median(KaplanMeier().fit(TA, EA), "prism").estimate[0] == 3.0
    assert median(KaplanMeier().fit(TB, EB), "prism").estimate[0] == 3.0
    # t = 1..4 all events: S = .75, .5, .25, 0 -> flat at .5 on [2, 3) -> 2.5
    assert median(KaplanMeier().fit([1, 2, 3, 4], [1, 1, 1, 1]), "prism").estimate[0] == 2.5
    # t = 1..5 all events: S = .8, .6, .4 -> crosses at 3
    assert median(KaplanMeier().fit([1, 2, 3, 4, 5], [1] * 5), "prism").estimate[0] == 3.0


def test_sas_rule_by_hand():
    # A: S(2) = .5 exactly until the drop at 4: (2 + 4) / 2 = 3
    res = median(KaplanMeier().fit(TA, EA), "sas")
    assert res.estimate[0] == 3.0
    # Brookmeyer-Crowley, log-log: g(S) = log(-log S), g(.5) = log(log 2) = -0.366513.
    # t = 1: S = .75, SE = .75 sqrt(1/12) = 0.216506; g = -1.245899,
    #   |g'(S)| SE = SE / (S |log S|) = 1.003301; |g - g(.5)| / 1.003301 = 0.8765 <= 1.96 -> in
    # t = 2: statistic 0 -> in; t = 4: S = 0 -> undefined -> out.
    # lower = first time in the set = 1; upper = event time after the last in the set = 4
    assert (res.lower[0], res.upper[0]) == (1.0, 4.0)
    # B: never strictly below 0.5 -> missing, with the reason (R and Prism say 3)
    res = median(KaplanMeier().fit(TB, EB), "sas")
    assert np.isnan(res.estimate[0])
    assert "SAS's strict rule leaves it missing" in res.reason[0]
    # 1..5 all events: min{t: S(t) < .5} = 3 (S(3) = .4)
    assert median(KaplanMeier().fit([1, 2, 3, 4, 5], [1] * 5), "sas").estimate[0] == 3.0


def test_spss_rule_by_hand():
    """A: median = smallest event time with S <= .5 = 2.

    u = max{t_j: S >= .55} = 1 (S = .75), l = min{t_j: S <= .45} = 4 (S = 0),
    f = (.75 - 0) / (4 - 1) = .25; Greenwood SE(S(2)) = .5 sqrt(1/12 + 1/6) = .25,
    SE(median) = .25 / .25 = 1; CI = 2 -/+ 1.959964 = (0.040036, 3.959964).
    """
    res = median(KaplanMeier().fit(TA, EA), "spss")
    assert res.estimate[0] == 2.0
    assert_allclose(res.se[0], 1.0, rtol=1e-12)
    assert_allclose([res.lower[0], res.upper[0]], [2 - Z, 2 + Z], rtol=1e-12)
    # B: S never falls to .45 -> no density estimate: SE and CI NaN with reason
    res = median(KaplanMeier().fit(TB, EB), "spss")
    assert res.estimate[0] == 2.0 and np.isnan(res.se[0]) and np.isnan(res.upper[0])
    assert "SE undefined" in res.reason[0]


@pytest.mark.parametrize("rule", RULES)
def test_unreached_quantile_is_nan_with_reason(rule):
    # S: 1, 1, 2/3 (one event out of 3 at risk at t = 3), 2/3, 2/3 -> never reaches 0.5
    res = quantiles(KaplanMeier().fit([1, 2, 3, 4, 5], [0, 0, 1, 0, 0]), [0.25, 0.5], rule)
    assert np.isnan(res.estimate[1])
    assert "never" in res.reason[1]
    assert res.summary.shape == (2, 7)


def test_lifelines_rule_matches_lifelines_and_differs_from_r():
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    time, event, _, _ = load_without_r("aml")
    kmf = KaplanMeierFitter().fit(time, event)
    ours = median(KaplanMeier("log-log").fit(time, event), "lifelines")
    ci = median_survival_times(kmf.confidence_interval_).to_numpy().ravel()
    assert ours.estimate[0] == kmf.median_survival_time_
    assert_allclose([ours.lower[0], ours.upper[0]], ci)
    # Flat at 0.5 (example A): R takes the midpoint 3, lifelines the start of the flat
    # segment if its S(2) <= 0.5 in floating point, else the next drop 4. lifelines builds S
    # as exp(cumsum(log(1 - d/n))), which lands just above or below 0.5:
    kmf = KaplanMeierFitter().fit(TA, EA)
    s2 = kmf.survival_function_.loc[2.0].iloc[0]
    expected = 2.0 if s2 <= 0.5 else 4.0
    assert kmf.median_survival_time_ == expected
    assert median(KaplanMeier().fit(TA, EA), "R").estimate[0] == 3.0
    # our "lifelines" rule uses our exact product S(2) = 0.75 * (2/3)
    ours = median(KaplanMeier().fit(TA, EA), "lifelines").estimate[0]
    assert ours == (2.0 if 0.75 * (1 - 1 / 3) <= 0.5 else 4.0)
    # never reached: lifelines inf, ours NaN with reason
    kmf = KaplanMeierFitter().fit([1, 2, 3, 4, 5], [0, 0, 1, 0, 0])
    assert kmf.median_survival_time_ == np.inf
    never = KaplanMeier().fit([1, 2, 3, 4, 5], [0, 0, 1, 0, 0])
    assert np.isnan(median(never, "lifelines").estimate[0])


def test_brookmeyer_crowley_no_point_and_bad_input():
    lo, hi, why = brookmeyer_crowley(np.array([1.0]), np.array([0.9]), np.array([0.01]), 0.5)
    assert np.isnan(lo) and "no event time" in why
    km = KaplanMeier().fit([1, 2, 3], [1, 1, 1])
    with pytest.raises(ValueError, match="rule must be one of"):
        quantiles(km, 0.5, rule="stata")
    with pytest.raises(ValueError, match="probs must be probabilities"):
        quantiles(km, [0.5, 1.5])
    with pytest.raises(ValueError, match="probs must be probabilities"):
        quantiles(km, [np.nan])
    with pytest.raises(ValueError, match="not fitted"):
        quantiles(KaplanMeier(), 0.5)
