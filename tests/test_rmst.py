"""Restricted mean survival time (harness.core.rmst) against R's summary(fit, rmean = tau)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from harness.core.km import KaplanMeier
from harness.core.rmst import rmst, rmst_difference
from harness.r import bridge as rbridge
from tests.test_km import CASES, assert_same, fit_case, load_without_r

TAUS = {
    "lung": [180, 365, 730, 1100],
    "aml": [12, 36, 48, 200],
    "ovarian": [365, 730, 1200],
    "veteran": [30, 180, 365],
    "colon": [365, 1826, 3000],
    "pbc": [1825, 3650, 4800],
}


@pytest.mark.r
@pytest.mark.parametrize("name", list(CASES))
def test_rmst_matches_summary_rmean(name):
    formula, data = CASES[name]
    km = fit_case(name)
    for tau in TAUS[name]:
        r = rbridge.evaluate(
            f"tb <- summary(survfit({formula}, data = {data}), rmean = tau)$table; "
            "list(rmean = tb[, 'rmean'], se = tb[, 'se(rmean)'])",
            tau=float(tau),
        )
        res = rmst(km, tau)
        assert_same(res.rmst, r["rmean"], f"rmean tau={tau}")
        assert_same(res.se, r["se"], f"se(rmean) tau={tau}")


@pytest.mark.r
def test_rmst_difference_from_r_table():
    tau = 365.0
    r = rbridge.evaluate(
        "tb <- summary(survfit(Surv(time, status) ~ sex, data = survival::lung), "
        "rmean = tau)$table; d <- tb[2, 'rmean'] - tb[1, 'rmean']; "
        "se <- sqrt(sum(tb[, 'se(rmean)']^2)); c(d, se, d + c(-1, 1) * qnorm(0.975) * se, "
        "2 * pnorm(-abs(d / se)))",
        tau=tau,
    )
    res = rmst_difference(fit_case("lung"), tau)
    assert (res.group_a, res.group_b) == (2.0, 1.0)
    assert_same([res.difference, res.se, res.lower, res.upper, res.p_value], r)


@pytest.mark.r
def test_tau_before_first_time_r_errors_python_returns_tau():
    t, e = [5.0, 6.0, 7.0], [1, 0, 1]
    with pytest.raises(Exception, match="Truncation point"):
        rbridge.evaluate("summary(survfit(Surv(t, e) ~ 1), rmean = 2)$table", t=t, e=e)
    res = rmst(KaplanMeier().fit(t, e), 2.0)
    assert res.rmst[0] == 2.0 and res.se[0] == 0.0
    assert "R's summary(rmean=) stops" in res.note[0]


def test_rmst_by_hand():
    """t = 1, 2, 3+, 4, S = 3/4 on [1, 2), 1/2 on [2, 4), 0 after 4; tau = 3.

    RMST = 1 * 1 + 1 * 3/4 + 1 * 1/2 = 2.25.
    Var = sum over event times <= 3 of A_i^2 d/(n(n-d)):
      t = 1: A = 3/4 + 1/2 = 5/4, d/(n(n-d)) = 1/12; t = 2: A = 1/2, 1/6
      -> 25/16/12 + 1/4/6 = 0.130208 + 0.041667 = 0.171875, SE = 0.414578.
    tau = 5 (past the last time 4, where S = 0): RMST = 1 + 3/4 + 1/2 * 2 = 2.75; the t = 4
    term has n = d = 1 and counts 0, as in R.
    """
    km = KaplanMeier().fit([1, 2, 3, 4], [1, 1, 0, 1])
    res = rmst(km, 3)
    assert_allclose(res.rmst[0], 2.25, rtol=1e-15)
    assert_allclose(res.se[0], np.sqrt(25 / 16 / 12 + 1 / 4 / 6), rtol=1e-14)
    res = rmst(km, 5)
    assert_allclose(res.rmst[0], 2.75, rtol=1e-15)
    assert_allclose(res.se[0], np.sqrt((7 / 4) ** 2 / 12 + 1 / 6), rtol=1e-14)
    assert "carried forward" in res.note[0]
    assert list(res.summary.columns) == ["group", "tau", "rmst", "se", "note"]


def test_lifelines_rmst_same_value_different_variance():
    """lifelines integrates the same curve (same RMST) but its variance is not R's."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    time, event, _, _ = load_without_r("aml")
    kmf = KaplanMeierFitter().fit(time, event)
    mean, var = restricted_mean_survival_time(kmf, t=36.0, return_variance=True)
    ours = rmst(KaplanMeier().fit(time, event), 36.0)
    assert_allclose(mean, ours.rmst[0], rtol=1e-9)
    assert abs(np.sqrt(var) - ours.se[0]) / ours.se[0] > 1e-3


def test_bad_input():
    km = KaplanMeier().fit([1, 2, 3], [1, 0, 1])
    for tau, msg in [(-1, "tau must be a finite non-negative"), (np.nan, "finite"),
                     (np.inf, "finite")]:
        with pytest.raises(ValueError, match=msg):
            rmst(km, tau)
    with pytest.raises(ValueError, match="at least two groups"):
        rmst_difference(km, 2)
    kg = KaplanMeier().fit([1, 2, 3, 4], [1, 0, 1, 1], ["a", "a", "b", "b"])
    with pytest.raises(ValueError, match="not among the fitted groups"):
        rmst_difference(kg, 2, "a", "z")
    with pytest.raises(ValueError, match="must differ"):
        rmst_difference(kg, 2, "a", "a")
    with pytest.raises(ValueError, match="not fitted"):
        rmst(KaplanMeier(), 2)
