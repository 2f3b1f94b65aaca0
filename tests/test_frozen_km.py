"""Kaplan-Meier, quantiles and RMST against FROZEN R values (no R needed).

The frozen counterparts of the R cross-checks in tests/test_km.py, tests/test_quantiles.py and
tests/test_rmst.py: the same data (R's data sets, frozen in tests/results/data/), the same R
calls (in tests/results/make_reference.R, keys ``km/``, ``km1/``, ``at/``, ``at0/``,
``quantile/``, ``median/``, ``flatmedian/``, ``rmst/``, ``rmstdiff/``).

Tolerances: counts and times exactly; every other quantity rtol 1e-9 (as the live R tests),
with NA positions equal (``tests.test_km.assert_same``).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from harness.core.km import CONF_TYPES, KaplanMeier
from harness.core.quantiles import median, quantiles
from harness.core.rmst import rmst, rmst_difference
from tests.frozen import km_data, ref
from tests.test_km import CASES, TIMES, assert_same
from tests.test_quantiles import EA, EB, PROBS, TA, TB
from tests.test_rmst import TAUS

NAMES = list(CASES)


def fit(name: str, conf_type: str = "log", grouped: bool = True) -> KaplanMeier:
    time, event, group, coding = km_data(name)
    return KaplanMeier(conf_type).fit(time, event, group if grouped else None, coding=coding)


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", NAMES)
def test_curve_matches_frozen_survfit(name, conf_type):
    km = fit(name, conf_type)
    for py, key in [("time_", "time"), ("n_risk_", "n.risk"), ("n_event_", "n.event"),
                    ("n_censor_", "n.censor")]:
        assert_same(getattr(km, py), ref(f"km/{name}/{key}"), key, exact=True)
    assert_array_equal([km.time_[sl].size for _, sl in km.curves()], ref(f"km/{name}/strata"))
    assert_same(km.survival_, ref(f"km/{name}/surv"), "surv")
    assert_same(km.std_err_cumhaz_, ref(f"km/{name}/std.err"), "std.err")
    assert_same(km.std_err_, ref(f"km/{name}/se.surv"), "summary std.err")
    assert_same(km.lower_, ref(f"km/{name}/{conf_type}/lower"), "lower")
    assert_same(km.upper_, ref(f"km/{name}/{conf_type}/upper"), "upper")


@pytest.mark.parametrize("name", ["lung", "aml", "colon", "pbc"])
def test_ungrouped_curve_matches_frozen_survfit(name):
    km = fit(name, grouped=False)
    assert_same(km.time_, ref(f"km1/{name}/time"), exact=True)
    for py, key in [("survival_", "surv"), ("lower_", "lower"), ("upper_", "upper")]:
        assert_same(getattr(km, py), ref(f"km1/{name}/{key}"), key)


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", NAMES)
def test_at_times_matches_frozen_summary(name, conf_type):
    times = np.array(TIMES[name], float)
    for extend in (False, True):
        p = f"at/{name}/{conf_type}/{'TRUE' if extend else 'FALSE'}"
        res = fit(name, conf_type).at(times, extend=extend)
        kept = res.reason == ""
        # R drops the rows past a curve's end; so does the comparison, and it counts them
        assert kept.sum() == ref(f"{p}/time").size
        for py, key in [("time", "time"), ("n_risk", "n.risk"), ("n_event", "n.event"),
                        ("n_censor", "n.censor")]:
            assert_same(getattr(res, py)[kept], ref(f"{p}/{key}"), key, exact=True)
        for py, key in [("survival", "surv"), ("std_err", "std.err"), ("lower", "lower"),
                        ("upper", "upper")]:
            assert_same(getattr(res, py)[kept], ref(f"{p}/{key}"), key)
        assert np.isnan(res.survival[~kept]).all()


@pytest.mark.parametrize("name", NAMES)
def test_at_time_zero_matches_frozen(name):
    res = fit(name).at([0, 30])
    got = np.column_stack([res.n_risk, res.n_event, res.survival, res.std_err, res.lower,
                           res.upper])
    # R's cbind() flattens column by column
    assert_same(got.T, ref(f"at0/{name}"))


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", NAMES)
def test_quantiles_match_frozen_quantile_survfit(name, conf_type):
    res = quantiles(fit(name, conf_type), PROBS, rule="R")
    p = f"quantile/{name}/{conf_type}"
    assert_same(res.estimate, ref(f"{p}/q"), "quantile")
    assert_same(res.lower, ref(f"{p}/lower"), "lower")
    assert_same(res.upper, ref(f"{p}/upper"), "upper")


@pytest.mark.parametrize("name", NAMES)
def test_median_matches_frozen_print_table(name):
    res = median(fit(name))
    assert_same(res.estimate, ref(f"median/{name}/m"), "median")
    assert_same(res.lower, ref(f"median/{name}/l"), "0.95LCL")
    assert_same(res.upper, ref(f"median/{name}/u"), "0.95UCL")


def test_flat_ending_median_frozen():
    """quantile() gives 3 for both hand examples; print()'s table gives 2 for B (ends flat)."""
    assert list(ref("flatmedian/A")) == [3.0, 3.0]
    assert list(ref("flatmedian/B")) == [3.0, 2.0]
    assert median(KaplanMeier().fit(TA, EA)).estimate[0] == ref("flatmedian/A")[0]
    assert median(KaplanMeier().fit(TB, EB)).estimate[0] == ref("flatmedian/B")[0]


@pytest.mark.parametrize("name", NAMES)
def test_rmst_matches_frozen_summary_rmean(name):
    km = fit(name)
    for tau in TAUS[name]:
        res = rmst(km, tau)
        assert_same(res.rmst, ref(f"rmst/{name}/{tau}/rmean"), f"rmean tau={tau}")
        assert_same(res.se, ref(f"rmst/{name}/{tau}/se"), f"se(rmean) tau={tau}")


def test_rmst_difference_matches_frozen():
    res = rmst_difference(fit("lung"), 365.0)
    assert (res.group_a, res.group_b) == (2.0, 1.0)
    assert_same([res.difference, res.se, res.lower, res.upper, res.p_value],
                ref("rmstdiff/lung/365"))
