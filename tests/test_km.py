"""Kaplan-Meier (harness.core.km) against R survival's survfit, lifelines, and hand calculations.

R's bundled data sets are loaded at test time. ``CASES`` maps a name to the R formula and data
pasted literally into the R calls, and ``load`` gives the same data as Python arrays
(other test modules import both).

Coding notes: lung status is 1 = censored / 2 = dead (coding "12"); veteran, aml, ovarian are
0/1; pbc status is 0 = censored, 1 = transplant, 2 = death, so the event is ``status == 2``;
colon has two rows per patient (etype 1 = recurrence, 2 = death): keep etype == 2. Factors
whose R level order is not alphabetical (colon rx: Obs, Lev, Lev+5FU; pbc sex: m, f) are
grouped by ``as.character()`` in R so both sides order the groups alphabetically, as
``SurvData.levels`` does. Data sets are named ``survival::aml`` etc. in R code because the
attached package boot has a different ``aml`` that masks survival's.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from harness.core.km import CONF_TYPES, KaplanMeier, confint
from harness.r import bridge as rbridge

RTOL = 1e-9

CASES: dict[str, tuple[str, str]] = {
    "lung": ("Surv(time, status) ~ sex", "survival::lung"),
    "aml": ("Surv(time, status) ~ x", "survival::aml"),
    "ovarian": ("Surv(futime, fustat) ~ rx", "survival::ovarian"),
    "veteran": ("Surv(time, status) ~ trt", "survival::veteran"),
    "colon": ("Surv(time, status) ~ as.character(rx)", "subset(survival::colon, etype == 2)"),
    "pbc": ("Surv(time, status == 2) ~ as.character(sex)", "survival::pbc"),
}


def load(name: str):
    """``(time, event, group, coding)`` of one case of ``CASES``."""
    d = rbridge.dataset(name)
    if name == "lung":
        return d.time, d.status, d.sex, "12"
    if name == "aml":
        return d.time, d.status, d.x, "01"
    if name == "ovarian":
        return d.futime, d.fustat, d.rx, "01"
    if name == "veteran":
        return d.time, d.status, d.trt, "01"
    if name == "colon":
        d = d[d.etype == 2]
        return d.time, d.status, d.rx, "01"
    if name == "pbc":
        return d.time, (d.status == 2).astype(int), d.sex, "01"
    raise KeyError(name)


def fit_case(name: str, conf_type: str = "log", grouped: bool = True) -> KaplanMeier:
    time, event, group, coding = load(name)
    return KaplanMeier(conf_type).fit(time, event, group if grouped else None, coding=coding)


def assert_same(py, r, what: str = "", exact: bool = False) -> None:
    """Equal NA positions and values within RTOL (or exactly)."""
    py = np.asarray(py, dtype=float).ravel()
    r = np.atleast_1d(np.asarray(r, dtype=float)).ravel()
    assert py.shape == r.shape, f"{what}: {py.shape} vs {r.shape}"
    assert_array_equal(np.isnan(py), np.isnan(r), err_msg=f"{what}: NA positions differ")
    ok = ~np.isnan(py)
    if exact:
        assert_array_equal(py[ok], r[ok], err_msg=what)
    else:
        assert_allclose(py[ok], r[ok], rtol=RTOL, atol=0, err_msg=what)


# --------------------------------------------------------------------------- against R
@pytest.mark.r
@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_curve_matches_survfit(name, conf_type):
    formula, data = CASES[name]
    r = rbridge.evaluate(
        f"fit <- survfit({formula}, data = {data}, conf.type = ct); "
        "list(time = fit$time, n.risk = fit$n.risk, n.event = fit$n.event, "
        "n.censor = fit$n.censor, surv = fit$surv, std.err = fit$std.err, "
        "lower = fit$lower, upper = fit$upper, strata = as.vector(fit$strata), "
        "se.surv = summary(fit, censored = TRUE)$std.err)",
        ct=conf_type,
    )
    km = fit_case(name, conf_type)
    for py, key in [("time_", "time"), ("n_risk_", "n.risk"), ("n_event_", "n.event"),
                    ("n_censor_", "n.censor")]:
        assert_same(getattr(km, py), r[key], key, exact=True)
    assert_array_equal([km.time_[sl].size for _, sl in km.curves()], r["strata"])
    assert_same(km.survival_, r["surv"], "surv")
    assert_same(km.std_err_cumhaz_, r["std.err"], "std.err (SE of cumulative hazard)")
    assert_same(km.std_err_, r["se.surv"], "summary std.err (SE of S)")
    assert_same(km.lower_, r["lower"], "lower")
    assert_same(km.upper_, r["upper"], "upper")


@pytest.mark.r
@pytest.mark.parametrize("name", ["lung", "aml", "colon", "pbc"])
def test_ungrouped_curve_matches_survfit(name):
    formula, data = CASES[name]
    lhs = formula.split("~")[0]
    r = rbridge.evaluate(
        f"fit <- survfit({lhs} ~ 1, data = {data}); list(time = fit$time, surv = fit$surv, "
        "lower = fit$lower, upper = fit$upper)"
    )
    km = fit_case(name, grouped=False)
    assert_same(km.time_, r["time"], exact=True)
    for py, key in [("survival_", "surv"), ("lower_", "lower"), ("upper_", "upper")]:
        assert_same(getattr(km, py), r[key], key)


# Note: the bridge hands a 1-d numpy array to R as a 1-d *array* (it carries a dim
# attribute); summary.survfit(times = ) then fails with "negative length vectors are not
# allowed" for stratified fits, so the R code passes ``as.vector(tt)``.
TIMES = {
    "lung": [0, 30, 180, 365, 500, 730, 1000, 1100],
    "aml": [0, 5, 12, 36, 48, 60, 161, 200],
    "ovarian": [0, 100, 365, 500, 1000, 1200],
    "veteran": [1, 30, 90, 180, 365, 600, 999, 1000],
    "colon": [0, 365, 1095, 1826, 3000, 3400],
    "pbc": [0, 365, 1825, 3650, 4500, 4800],
}


@pytest.mark.r
@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_at_times_matches_summary(name, conf_type):
    """Times past a curve's last time: R drops the row; here NaN + reason. extend=TRUE too."""
    formula, data = CASES[name]
    times = np.array(TIMES[name], float)
    for extend in (False, True):
        r = rbridge.evaluate(
            f"s <- summary(survfit({formula}, data = {data}, conf.type = ct), "
            "times = as.vector(tt), "
            "extend = ext); list(strata = as.character(s$strata), time = s$time, "
            "n.risk = s$n.risk, n.event = s$n.event, n.censor = s$n.censor, surv = s$surv, "
            "std.err = s$std.err, lower = s$lower, upper = s$upper)",
            ct=conf_type, tt=times, ext=extend,
        )
        res = fit_case(name, conf_type).at(times, extend=extend)
        kept = res.reason == ""
        assert extend or not kept.all() or name in ("aml",), "some time should be past the end"
        for py, key in [("time", "time"), ("n_risk", "n.risk"), ("n_event", "n.event"),
                        ("n_censor", "n.censor")]:
            assert_same(getattr(res, py)[kept], r[key], key, exact=True)
        for py, key in [("survival", "surv"), ("std_err", "std.err"), ("lower", "lower"),
                        ("upper", "upper")]:
            assert_same(getattr(res, py)[kept], r[key], key)
        assert np.isnan(res.survival[~kept]).all()


@pytest.mark.r
@pytest.mark.parametrize("name", list(CASES))
def test_at_time_zero(name):
    formula, data = CASES[name]
    r = rbridge.evaluate(
        f"s <- summary(survfit({formula}, data = {data}), times = c(0, 30)); "
        "cbind(s$n.risk, s$n.event, s$surv, s$std.err, s$lower, s$upper)"
    )
    res = fit_case(name).at([0, 30])
    got = np.column_stack([res.n_risk, res.n_event, res.survival, res.std_err, res.lower,
                           res.upper])
    assert_same(got, r)


@pytest.mark.r
def test_at_times_r_errors_when_nothing_is_left():
    t = [1.0, 2.0, 2.0, 3.0]
    e = [1, 0, 1, 0]
    with pytest.raises(Exception, match="no points selected"):
        rbridge.evaluate("summary(survfit(Surv(t, e) ~ 1), times = 5)", t=t, e=e)
    res = KaplanMeier().fit(t, e).at([5.0])
    assert np.isnan(res.survival[0])
    assert "after the last observed time 3" in res.reason[0]
    assert "extend=True" in res.summary.reason[0]
    # with extend: S carried forward, nobody at risk (as summary(fit, times = 5, extend = TRUE))
    ext = KaplanMeier().fit(t, e).at([5.0], extend=True)
    r = rbridge.evaluate("s <- summary(survfit(Surv(t, e) ~ 1), times = 5, extend = TRUE); "
                         "c(s$surv, s$n.risk)", t=t, e=e)
    assert_same([ext.survival[0], ext.n_risk[0]], r)


# --------------------------------------------------------------------------- by hand
def test_hand_example_and_na_rules():
    """t = 1+, 2, 2, 3, 4, 4 (+ = censored).

    n at risk 6, 5, 3, 2 at t = 1, 2, 3, 4; S = 1, 3/5, 3/5 * 2/3 = 2/5, 0.
    Greenwood sum: 0, 2/(5*3) = 2/15, 2/15 + 1/(3*2) = 3/10, then d = n = 2: Inf.
    SE(S) at t = 2: 0.6 * sqrt(2/15) = 0.2190890; at t = 4: R gives NaN (Inf * 0).
    log interval at t = 2: 0.6 * exp(-/+ 1.959964 * sqrt(2/15)) -> (0.2933164, 1 (clipped)).
    """
    km = KaplanMeier().fit([1, 2, 2, 3, 4, 4], [0, 1, 1, 1, 1, 1])
    assert_array_equal(km.time_, [1, 2, 3, 4])
    assert_array_equal(km.n_risk_, [6, 5, 3, 2])
    assert_array_equal(km.n_event_, [0, 2, 1, 2])
    assert_array_equal(km.n_censor_, [1, 0, 0, 0])
    assert_allclose(km.survival_, [1, 0.6, 0.4, 0.0], rtol=1e-15)
    assert_allclose(km.std_err_cumhaz_[:3], np.sqrt([0, 2 / 15, 3 / 10]), rtol=1e-15)
    assert np.isinf(km.std_err_cumhaz_[3]) and np.isnan(km.std_err_[3])
    assert_allclose(km.std_err_[1], 0.6 * np.sqrt(2 / 15), rtol=1e-15)
    assert_allclose(km.lower_[1], 0.2933164, rtol=1e-6)
    assert km.upper_[1] == 1.0
    assert np.isnan(km.lower_[3]) and np.isnan(km.upper_[3])
    # S = 1: log-log, logit and arcsin undefined (R: NA / NaN); plain and log give (1, 1)
    for ct, defined in [("plain", True), ("log", True), ("log-log", False), ("logit", False),
                        ("arcsin", False)]:
        lo, hi = confint(np.array([1.0]), np.array([0.0]), ct)
        assert (not np.isnan(lo[0])) == defined, ct
    res = km.at([0.5, 2, 2.5, 4])
    assert_allclose(res.survival, [1, 0.6, 0.6, 0])
    assert_array_equal(res.n_event, [0, 2, 0, 3])
    assert_array_equal(res.n_risk, [6, 5, 3, 2])


def test_groups_structure_and_per_group_fits():
    km = KaplanMeier().fit([1, 2, 3, 4, 5], [1, 1, 0, 1, 1], ["b", "a", "b", "a", "b"])
    assert km.levels_ == ["a", "b"]
    assert list(km.strata_) == ["a", "a", "b", "b", "b"]
    sub = km.groups_["b"]
    assert_array_equal(sub.time_, [1, 3, 5])
    assert_allclose(sub.survival_, [2 / 3, 2 / 3, 0])
    assert list(km.table.columns)[:3] == ["group", "time", "n_risk"]
    one = KaplanMeier().fit([1, 2], [1, 0])
    assert one.groups_[None] is one and one.levels_ == [None]


def test_large_n_with_ties_is_fast_and_exact():
    rng = np.random.default_rng(7)
    t = np.round(rng.exponential(20, 100_000))
    e = rng.random(100_000) < 0.6
    km = KaplanMeier().fit(t, e)
    # reference: direct loop over distinct times
    ut = np.unique(t)
    s, n = 1.0, t.size
    for i, u in enumerate(ut[:50]):
        d = np.sum(e[t == u])
        assert km.n_risk_[i] == n and km.n_event_[i] == d
        s *= 1 - d / n
        assert_allclose(km.survival_[i], s, rtol=1e-12)
        n -= np.sum(t == u)


# --------------------------------------------------------------------------- lifelines
def _lifelines_fit(time, event):
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter().fit(np.asarray(time, float), np.asarray(event, bool))


def test_lifelines_ci_is_log_log_not_rs_default_log():
    """lifelines' interval is the exponential-Greenwood (log-log) one; R's default is log.

    So lifelines equals ``KaplanMeier("log-log")`` at every time with 0 < S < 1 and differs
    from ``KaplanMeier()`` (conf.type = "log") there.
    """
    time, event, _, coding = load_without_r("aml")
    kmf = _lifelines_fit(time, event)
    ll_lo = kmf.confidence_interval_.iloc[:, 0].to_numpy()
    ll_hi = kmf.confidence_interval_.iloc[:, 1].to_numpy()
    ll_t = kmf.confidence_interval_.index.to_numpy()
    loglog = KaplanMeier("log-log").fit(time, event)
    log = KaplanMeier("log").fit(time, event)
    idx = np.searchsorted(ll_t, loglog.time_)
    inner = (loglog.survival_ > 0) & (loglog.survival_ < 1)
    assert_allclose(ll_lo[idx][inner], loglog.lower_[inner], rtol=1e-9)
    assert_allclose(ll_hi[idx][inner], loglog.upper_[inner], rtol=1e-9)
    assert np.all(np.abs(ll_lo[idx][inner] - log.lower_[inner]) > 1e-3)
    # S = 1 (time 0 row): lifelines reports (1, 1); R's log-log is NA there
    assert ll_t[0] == 0 and ll_lo[0] == 1.0 and ll_hi[0] == 1.0
    assert np.isnan(KaplanMeier("log-log").fit([1, 2, 3], [0, 1, 1]).lower_[0])
    # the point estimates agree
    assert_allclose(kmf.survival_function_.to_numpy()[idx, 0], log.survival_, rtol=1e-12)


def load_without_r(name: str):
    """aml as literal arrays, so the lifelines tests run without R (R's survival::aml)."""
    assert name == "aml"
    time = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33,
            43, 45]
    status = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
    group = ["Maintained"] * 11 + ["Nonmaintained"] * 12
    return np.array(time, float), np.array(status), np.array(group), "01"


@pytest.mark.r
def test_literal_aml_is_rs_aml():
    time, status, group, _ = load_without_r("aml")
    r = rbridge.evaluate("list(time = survival::aml$time, status = survival::aml$status)")
    assert_same(time, r["time"], exact=True)
    assert_same(status, r["status"], exact=True)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "time, event, group, match",
    [
        ([1, -2, 3], [1, 0, 1], None, "time has negative values at index 1"),
        ([1, np.nan, 3], [1, 0, 1], None, "time has NaN at index 1"),
        ([1, np.inf, 3], [1, 0, 1], None, "time has infinite values at index 1"),
        ([1, 2, 3], [1, 0, 3], None, "event codes must be 0/1; found 3"),
        ([1, 2, 3], [1, 2, 2], None, "pass coding='12'"),
        ([1, 2, 3], [1, 0], None, "length mismatch: time has 3 values, event has 2"),
        ([1, 2, 3], [1, 0, 1], ["a", "b"], "length mismatch: time has 3 values, group has 2"),
        ([], [], None, "no observations"),
        ([1, 2], [1, 0], [1.0, np.nan], "group has missing labels"),
    ],
)
def test_bad_input_raises_via_survdata(time, event, group, match):
    with pytest.raises(ValueError, match=match):
        KaplanMeier().fit(time, event, group)


def test_bad_options():
    with pytest.raises(ValueError, match="conf_type must be one of"):
        KaplanMeier("log_log")
    with pytest.raises(ValueError, match="conf_level must be strictly between 0 and 1"):
        KaplanMeier(conf_level=95)
    with pytest.raises(ValueError, match="event is required"):
        KaplanMeier().fit([1, 2, 3])
    with pytest.raises(ValueError, match="not fitted yet"):
        KaplanMeier().at([1.0])
    with pytest.raises(ValueError, match="times has negative values"):
        KaplanMeier().fit([1, 2], [1, 1]).at([-1.0])
    with pytest.raises(ValueError, match=r"group\(s\) \['c'\] have no rows"):
        KaplanMeier().fit([1, 2], [1, 1], ["a", "b"], levels=["a", "b", "c"])
