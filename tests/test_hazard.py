"""Prism's two hazard ratios on a hand-made example, their inverse, and the O, E, V they use
cross-checked against survdiff."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from harness.core import hazard as H

# Group A: events at 1, 2, 4; censored at 5.   Group B: events at 2, 3, 6, 7.
#
#  t   nA nB  n  dA dB  d   E_A = d nA/n   V = d (n-d)/(n-1) nA nB / n^2
#  1   4  4   8  1  0   1   4/8 = 1/2      1*7/7 * 16/64        = 1/4
#  2   3  4   7  1  1   2   2*3/7 = 6/7    2*5/6 * 12/49        = 20/49
#  3   2  3   5  0  1   1   2/5            1*4/4 * 6/25         = 6/25
#  4   2  2   4  1  0   1   2/4 = 1/2      1*3/3 * 4/16         = 1/4
#  6   0  2   2  0  1   1   0              0
#  7   0  1   1  0  1   1   0              0
#
#  O_A = 3, E_A = 1/2 + 6/7 + 2/5 + 1/2 = 79/35;  O_B = 4, E_B = 7 - 79/35 = 166/35
#  V = 1/4 + 20/49 + 6/25 + 1/4 = 37/50 + 20/49 = 2813/2450
#  O_A - E_A = 26/35
#  MH:      ln HR(A/B) = (26/35) / (2813/2450) = 1820/2813,  SE = 1/sqrt(V)
#  logrank: HR(A/B) = (3 / (79/35)) / (4 / (166/35)) = (105*166)/(79*140) = 17430/11060,
#           SE = sqrt(35/79 + 35/166)
TIME = [1, 2, 4, 5, 2, 3, 6, 7]
EVENT = [1, 1, 1, 0, 1, 1, 1, 1]
GROUP = ["A"] * 4 + ["B"] * 4
Z = 1.959963984540054
V = 2813 / 2450


def test_mantel_haenszel_by_hand():
    hr = H.hazard_ratio(TIME, EVENT, GROUP, numerator="A")
    ln = 1820 / 2813
    assert (hr.numerator, hr.reference) == ("A", "B")
    assert_allclose(hr.log_hr, ln, rtol=1e-14)
    assert_allclose([hr.hr, hr.lower, hr.upper],
                    np.exp([ln, ln - Z / np.sqrt(V), ln + Z / np.sqrt(V)]), rtol=1e-13)
    assert hr.observed == (3.0, 4.0)
    assert_allclose(hr.expected, (79 / 35, 166 / 35), rtol=1e-14)
    assert_allclose(hr.variance, V, rtol=1e-14)


def test_logrank_method_by_hand():
    hr = H.hazard_ratio(TIME, EVENT, GROUP, numerator="A", method="logrank")
    est = 17430 / 11060
    se = np.sqrt(35 / 79 + 35 / 166)
    assert_allclose([hr.hr, hr.lower, hr.upper],
                    [est, est * np.exp(-Z * se), est * np.exp(Z * se)], rtol=1e-13)


@pytest.mark.parametrize("method", ["mantel-haenszel", "logrank"])
def test_default_numerator_and_reciprocal(method):
    # default: second sorted label over the first (R: first factor level is the reference)
    b = H.hazard_ratio(TIME, EVENT, GROUP, method=method)
    a = H.hazard_ratio(TIME, EVENT, GROUP, numerator="A", method=method)
    assert (b.numerator, b.reference) == ("B", "A")
    assert_allclose([b.hr, b.lower, b.upper], [1 / a.hr, 1 / a.upper, 1 / a.lower], rtol=1e-13)
    rec = a.reciprocal
    assert_allclose([rec.hr, rec.lower, rec.upper], [b.hr, b.lower, b.upper], rtol=1e-13)
    s = a.summary
    assert list(s.index) == ["A/B", "B/A"]
    assert s.shape == (2, 5)


def test_conf_level_changes_only_interval():
    a = H.hazard_ratio(TIME, EVENT, GROUP, numerator="A", conf_level=0.90)
    z90 = 1.6448536269514722
    assert_allclose(a.upper, np.exp(1820 / 2813 + z90 / np.sqrt(V)), rtol=1e-13)


@pytest.mark.r
def test_o_e_v_match_survdiff(r):
    ref = r.evaluate(
        "fit <- survdiff(Surv(time, status) ~ group); list(obs = fit$obs, exp = fit$exp, var = fit$var)",
        time=np.array(TIME, float), status=np.array(EVENT), group=GROUP,
    )
    hr = H.hazard_ratio(TIME, EVENT, GROUP, numerator="A")
    assert_allclose(hr.observed, ref["obs"], rtol=1e-12)
    assert_allclose(hr.expected, ref["exp"], rtol=1e-12)
    assert_allclose(hr.variance, np.asarray(ref["var"])[0, 0], rtol=1e-12)


@pytest.mark.r
def test_mh_log_hr_is_one_newton_step_of_breslow_cox_without_ties(r):
    """ln HR_MH = (O-E)/V = U(0)/I(0) of coxph with Breslow ties (one Newton step from 0) when
    no event times are tied (ovarian)."""
    d = r.dataset("ovarian")
    hr = H.hazard_ratio(d.futime, d.fustat, d.rx, numerator=2.0)
    one_step = r.evaluate(
        "suppressWarnings(coef(coxph(Surv(futime, fustat) ~ I(rx == 2), data = ovarian, "
        "ties = 'breslow', control = coxph.control(iter.max = 1))))"
    )
    assert_allclose(hr.log_hr, one_step, rtol=1e-9)


@pytest.mark.r
def test_mh_differs_from_one_step_cox_with_ties(r):
    """Documented difference: with tied event times Breslow's information at 0 is
    sum d n1 n0 / n^2, larger than the hypergeometric V by (n-1)/(n-d) per time, so the
    one-step Cox estimate is smaller in magnitude than ln HR_MH (lung: 0.3 %)."""
    d = r.dataset("lung")
    hr = H.hazard_ratio(d.time, d.status, d.sex, coding="12", numerator=2.0)
    one_step = r.evaluate(
        "suppressWarnings(coef(coxph(Surv(time, status) ~ I(sex == 2), data = lung, "
        "ties = 'breslow', control = coxph.control(iter.max = 1))))"
    )
    assert abs(one_step) < abs(hr.log_hr)
    assert 1e-4 < abs(one_step / hr.log_hr - 1) < 1e-2


def test_recover_roundtrip_exact():
    hr = H.hazard_ratio(TIME, EVENT, GROUP, numerator="A")
    rec = H.recover_mh(hr.hr, hr.lower, hr.upper)
    assert_allclose(rec.variance, V, rtol=1e-12)
    assert_allclose(rec.o_minus_e, 26 / 35, rtol=1e-12)
    assert abs(rec.asymmetry) < 1e-13
    assert_allclose(rec.chisq, (26 / 35) ** 2 / V, rtol=1e-12)
    assert rec.summary.shape == (1, 6)


def test_recover_from_rounded_print():
    # printed to 2 decimals: HR 1.91 (0.30 to ...) style rounding gives a small asymmetry
    hr = H.hazard_ratio(TIME, EVENT, GROUP, numerator="A")
    rec = H.recover_mh(round(hr.hr, 2), round(hr.lower, 2), round(hr.upper, 2))
    assert_allclose(rec.variance, V, rtol=0.05)
    assert_allclose(rec.o_minus_e, 26 / 35, rtol=0.05)
    assert abs(rec.asymmetry) < 0.01


@pytest.mark.parametrize(
    "args,match",
    [
        ((0, 0.5, 2), "must be finite and > 0"),
        ((1, 2, 0.5), "must be below upper"),
        ((3, 0.5, 2), "outside its interval"),
        ((1, 0.5, np.nan), "must be finite"),
    ],
)
def test_recover_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        H.recover_mh(*args)


def test_recover_bad_conf_level():
    with pytest.raises(ValueError, match="conf_level"):
        H.recover_mh(1, 0.5, 2, conf_level=95)


def test_hazard_ratio_bad_input():
    with pytest.raises(ValueError, match="exactly two groups"):
        H.hazard_ratio(TIME, EVENT, ["A", "B", "C", "A", "B", "C", "A", "B"])
    with pytest.raises(ValueError, match="method must be one of"):
        H.hazard_ratio(TIME, EVENT, GROUP, method="cox")
    with pytest.raises(ValueError, match="numerator 'C' is not a group"):
        H.hazard_ratio(TIME, EVENT, GROUP, numerator="C")
    with pytest.raises(ValueError, match="conf_level"):
        H.hazard_ratio(TIME, EVENT, GROUP, conf_level=1.0)
    with pytest.raises(ValueError, match="time has negative"):
        H.hazard_ratio([-1] + TIME[1:], EVENT, GROUP)
    with pytest.raises(ValueError, match="variance V is 0"):
        H.hazard_ratio([1, 1], [1, 1], ["A", "B"])
    with pytest.raises(ValueError, match="a zero in O or E"):
        H.hazard_ratio([1, 2, 3], [0, 1, 1], ["A", "B", "B"], method="logrank")
