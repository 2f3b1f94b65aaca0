"""The log-rank family against R survival (survdiff), an R loop written out here, coin, and
lifelines; and every error path.

Each R cross-check keeps the exact R code beside the number it checks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from harness.core import logrank as L
from harness.core.logrank_trend import logrank_trend

RTOL = 1e-9


# --------------------------------------------------------------------------------------------
# data: R's bundled data sets, prepared identically in Python and R
# --------------------------------------------------------------------------------------------
def _data(r, name):
    """(python frame, R expression for the same rows) for each case."""
    d = r.dataset(name)
    # R's integer NA arrives through the bridge as the int32 sentinel -2147483648: make it NaN
    for c in d.columns:
        if d[c].dtype.kind in "iu" or (d[c].dtype.kind == "f" and (d[c] == -(2**31)).any()):
            d[c] = d[c].where(d[c] != -(2**31)).astype(float)
    if name == "lung":  # status 1 = censored, 2 = dead
        d = d.assign(event=(d.status == 2).astype(int))
    elif name == "pbc":  # status 0 censored, 1 transplant, 2 death; trt NA for 106 rows
        d = d.assign(event=(d.status == 2).astype(int))
    elif name == "colon":  # etype 2 = death
        d = d[d.etype == 2].assign(event=d.status.astype(int))
    elif name == "ovarian":
        d = d.assign(event=d.fustat.astype(int), time=d.futime)
    else:  # aml, veteran: status 0/1
        d = d.assign(event=d.status.astype(int))
    return d.reset_index(drop=True)


# (data set, group column, R survdiff call with {rho}); levels come from R's factor order
SURVDIFF_CASES = [
    ("lung", "sex", "survdiff(Surv(time, status) ~ sex, data = lung, rho = {rho})"),
    ("aml", "x", "survdiff(Surv(time, status) ~ x, data = survival::aml, rho = {rho})"),
    ("ovarian", "rx", "survdiff(Surv(futime, fustat) ~ rx, data = ovarian, rho = {rho})"),
    ("veteran", "celltype", "survdiff(Surv(time, status) ~ celltype, data = veteran, rho = {rho})"),
    ("colon", "rx", "survdiff(Surv(time, status) ~ rx, data = colon[colon$etype == 2, ], rho = {rho})"),
    ("pbc", "trt", "survdiff(Surv(time, status == 2) ~ trt, data = pbc, rho = {rho})"),
]

LEVELS = {  # R's level order for factors (dataset() returns them as character)
    ("veteran", "celltype"): "levels(veteran$celltype)",
    ("colon", "rx"): "levels(colon$rx)",
    ("aml", "x"): "levels(survival::aml$x)",
}


def _levels(r, name, col, d):
    if (name, col) in LEVELS:
        return r.evaluate(LEVELS[(name, col)])
    return sorted(set(d[col].tolist()))


def _r_survdiff(r, code):
    return r.evaluate(
        f"fit <- {code}; list(n = as.vector(fit$n), obs = fit$obs, exp = fit$exp, var = fit$var,"
        " chisq = fit$chisq, p = fit$pvalue, strata = names(fit$strata))"
    )


def _r_label(v):
    """How R prints a stratum label (1.0 -> '1')."""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _check_against_survdiff(res, ref, k):
    assert_array_equal(res.n, np.asarray(ref["n"]).reshape(-1))  # counts exactly equal
    obs = np.asarray(ref["obs"], float).reshape(k, -1).sum(axis=1)
    exp = np.asarray(ref["exp"], float).reshape(k, -1).sum(axis=1)
    assert_allclose(res.observed, obs, rtol=RTOL)
    assert_allclose(res.expected, exp, rtol=RTOL)
    assert_allclose(res.variance, np.asarray(ref["var"]).reshape(k, k), rtol=RTOL, atol=1e-12)
    assert_allclose(res.chisq, ref["chisq"], rtol=RTOL)
    assert_allclose(res.p_value, ref["p"], rtol=1e-7, atol=1e-300)
    assert res.df == k - 1


@pytest.mark.r
@pytest.mark.parametrize("rho", [0, 1, 0.5])
@pytest.mark.parametrize("name,col,code", SURVDIFF_CASES, ids=[c[0] for c in SURVDIFF_CASES])
def test_survdiff_matches_r(r, name, col, code, rho):
    d = _data(r, name).dropna(subset=[col])  # as R's na.action
    lv = _levels(r, name, col, d)
    res = L.survdiff(d.time, d.event, d[col], rho=rho, levels=lv)
    ref = _r_survdiff(r, code.format(rho=rho))
    _check_against_survdiff(res, ref, len(lv))
    if rho == 0:  # unweighted: O is the event count, exactly
        assert_array_equal(res.observed, res.events)


STRATIFIED_CASES = [
    ("lung", "sex", "inst", "survdiff(Surv(time, status) ~ sex + strata(inst), data = lung, rho = {rho})"),
    ("veteran", "trt", "celltype", "survdiff(Surv(time, status) ~ trt + strata(celltype), data = veteran, rho = {rho})"),
    ("colon", "rx", "sex", "survdiff(Surv(time, status) ~ rx + strata(sex), data = colon[colon$etype == 2, ], rho = {rho})"),
    ("pbc", "trt", "edema", "survdiff(Surv(time, status == 2) ~ trt + strata(edema), data = pbc, rho = {rho})"),
]


@pytest.mark.r
@pytest.mark.parametrize("rho", [0, 1])
@pytest.mark.parametrize("name,col,stratum,code", STRATIFIED_CASES, ids=[c[0] for c in STRATIFIED_CASES])
def test_stratified_survdiff_matches_r(r, name, col, stratum, code, rho):
    d = _data(r, name)
    d = d.dropna(subset=[col, stratum])  # R drops rows with NA (inst, trt)
    lv = _levels(r, name, col, d)
    res = L.survdiff(d.time, d.event, d[col], d[stratum], rho=rho, levels=lv)
    ref = _r_survdiff(r, code.format(rho=rho))
    _check_against_survdiff(res, ref, len(lv))
    # per stratum too (R's obs/exp are k x n_strata matrices, strata in sorted order)
    k = len(lv)
    r_names = [str(s).split("=")[-1].strip() for s in ref["strata"]]  # "inst=1" -> "1"
    order = [r_names.index(_r_label(s)) for s in res.strata_levels]
    assert_allclose(res.observed_by_stratum, np.asarray(ref["obs"]).reshape(k, -1)[:, order], rtol=RTOL, atol=1e-12)
    assert_allclose(res.expected_by_stratum, np.asarray(ref["exp"]).reshape(k, -1)[:, order], rtol=RTOL, atol=1e-12)


# --------------------------------------------------------------------------------------------
# weights survdiff does not offer: an R loop written out here is the reference
# --------------------------------------------------------------------------------------------
R_WLR = (Path(__file__).parent / "results" / "wlr.R").read_text(encoding="utf-8")  # one home:
# the same loop makes the frozen values (tests/results/make_reference.R)

WEIGHT_CASES = [
    # (python call, R weight function)
    ("gehan-breslow", {}, "function(n, S) n"),
    ("tarone-ware", {}, "function(n, S) sqrt(n)"),
    ("fleming-harrington", {"rho": 1, "gamma": 1}, "function(n, S) S * (1 - S)"),
    ("fleming-harrington", {"rho": 0, "gamma": 1}, "function(n, S) 1 - S"),
    ("fleming-harrington", {"rho": 0.5, "gamma": 2}, "function(n, S) S^0.5 * (1 - S)^2"),
    ("peto", {"rho": 1}, "function(n, S) S"),
    ("logrank", {}, "function(n, S) 1"),
]


@pytest.mark.r
@pytest.mark.parametrize("name,col", [("lung", "sex"), ("veteran", "celltype"), ("aml", "x"), ("colon", "rx")])
@pytest.mark.parametrize("weights,kw,wfun", WEIGHT_CASES, ids=[f"{c[0]}{c[1]}" for c in WEIGHT_CASES])
def test_weighted_logrank_matches_r_loop(r, name, col, weights, kw, wfun):
    d = _data(r, name)
    lv = sorted(set(d[col].tolist()))  # the R loop uses factor(group): sorted levels
    res = L.weighted_logrank(d.time, d.event, d[col], weights=weights, **kw)
    ref = r.evaluate(R_WLR + f"wlr(time, status, group, {wfun})",
                     time=d.time.to_numpy(), status=d.event.to_numpy(), group=d[col].astype(str).tolist())
    k = len(lv)
    assert_allclose(res.observed, ref["obs"], rtol=RTOL)
    assert_allclose(res.expected, ref["exp"], rtol=RTOL)
    assert_allclose(res.variance, np.asarray(ref["var"]).reshape(k, k), rtol=RTOL, atol=1e-9)
    assert_allclose(res.chisq, ref["chisq"], rtol=RTOL)


@pytest.mark.r
def test_r_loop_reference_reproduces_survdiff(r):
    """The written-out R reference is itself checked against survdiff (rho = 0 and 1)."""
    out = r.evaluate(
        R_WLR
        + "a <- with(lung, wlr(time, status - 1, sex, function(n, S) 1));"
        "b <- with(lung, wlr(time, status - 1, sex, function(n, S) S));"
        "c(a$chisq, survdiff(Surv(time, status) ~ sex, data = lung)$chisq,"
        "  b$chisq, survdiff(Surv(time, status) ~ sex, data = lung, rho = 1)$chisq)"
    )
    assert_allclose(out[0], out[1], rtol=1e-12)
    assert_allclose(out[2], out[3], rtol=1e-12)


# --------------------------------------------------------------------------------------------
# coin: same O - E, a different (permutation) variance
# --------------------------------------------------------------------------------------------
COIN_TYPES = [
    ("logrank", {}, 'type = "logrank"'),
    ("gehan-breslow", {}, 'type = "Gehan-Breslow"'),
    ("tarone-ware", {}, 'type = "Tarone-Ware"'),
    ("peto", {"rho": 1}, 'type = "Peto-Peto"'),
    ("fleming-harrington", {"rho": 1, "gamma": 1}, 'type = "Fleming-Harrington", rho = 1, gamma = 1'),
    ("fleming-harrington", {"rho": 0, "gamma": 1}, 'type = "Fleming-Harrington", rho = 0, gamma = 1'),
]


@pytest.mark.r
@pytest.mark.parametrize("weights,kw,rtype", COIN_TYPES, ids=[c[2][8:22] + str(c[1]) for c in COIN_TYPES])
def test_coin_same_o_minus_e_but_permutation_variance(r, weights, kw, rtype):
    """coin::logrank_test(type = ...) is the same *linear statistic* (its centered statistic is
    -(O - E) of the first level) but divides by the permutation variance of the scores,
    n1 n0 / (n (n-1)) sum (a_i - mean a)^2, not the hypergeometric V: pinned exactly, and the
    chi-squares differ (documented difference, asserted)."""
    d = _data(r, "lung")
    res = L.weighted_logrank(d.time, d.event, d.sex, weights=weights, **kw)
    coin = r.evaluate(
        f"lt <- coin::logrank_test(Surv(time, status == 2) ~ factor(sex), data = lung, {rtype});"
        ' c(centered = statistic(lt, "centered"), var = variance(lt), z = statistic(lt))'
    )
    assert_allclose(-coin[0], res.o_minus_e[0], rtol=RTOL)
    a = L.logrank_scores(d.time, d.event, weights=weights, **kw)
    assert_allclose(a[(d.sex == 1).to_numpy()].sum(), res.o_minus_e[0], rtol=RTOL)
    n, n1 = a.size, int((d.sex == 1).sum())
    vperm = n1 * (n - n1) / (n * (n - 1)) * np.sum((a - a.mean()) ** 2)
    assert_allclose(coin[1], vperm, rtol=RTOL)
    assert_allclose(coin[2] ** 2, res.o_minus_e[0] ** 2 / vperm, rtol=RTOL)
    # the difference: hypergeometric V (survdiff, Prism, lifelines) != permutation variance
    assert abs(res.variance[0, 0] / vperm - 1) > 1e-3


# --------------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------------
TREND_CASES = [
    ("pbc", "stage", None, "survdiff(Surv(time, status == 2) ~ stage, data = pbc)", "c(1, 2, 3, 4)"),
    ("pbc", "edema", [0.0, 0.5, 1.0], "survdiff(Surv(time, status == 2) ~ edema, data = pbc)", "c(0, 0.5, 1)"),
    ("veteran", "celltype", [1.0, 2.0, 4.0, 8.0], "survdiff(Surv(time, status) ~ celltype, data = veteran)", "c(1, 2, 4, 8)"),
]


@pytest.mark.r
@pytest.mark.parametrize("name,col,scores,code,rscores", TREND_CASES, ids=[c[0] + c[1] for c in TREND_CASES])
def test_trend_matches_r(r, name, col, scores, code, rscores):
    d = _data(r, name)
    d = d[d[col].notna()]
    lv = _levels(r, name, col, d)
    res = logrank_trend(d.time, d.event, d[col], scores=scores, levels=lv)
    ref = r.evaluate(
        f"fit <- {code}; w <- {rscores}; u <- sum(w * (fit$obs - fit$exp));"
        " v <- drop(t(w) %*% fit$var %*% w); c(u = u, v = v, chisq = u^2 / v,"
        " p = pchisq(u^2 / v, 1, lower.tail = FALSE))"
    )
    assert_allclose([res.statistic, res.variance, res.chisq, res.p_value], ref, rtol=RTOL)
    assert res.df == 1
    assert res.summary.shape == (1, 6)


def test_trend_altman_variance_by_hand():
    # 3 groups, no ties: altman variance = sum w^2 E - (sum w E)^2 / sum E
    t = [1, 2, 3, 4, 5, 6]
    e = [1, 1, 1, 1, 1, 1]
    g = [0, 1, 2, 0, 1, 2]
    ex = logrank_trend(t, e, g)
    al = logrank_trend(t, e, g, variance="altman")
    E = ex.groups.expected
    w = np.array([1.0, 2.0, 3.0])
    assert_allclose(al.variance, (w**2 * E).sum() - (w * E).sum() ** 2 / E.sum(), rtol=1e-14)
    assert ex.statistic == al.statistic
    assert al.variance != ex.variance


# --------------------------------------------------------------------------------------------
# lifelines: a third implementation
# --------------------------------------------------------------------------------------------
@pytest.mark.r
@pytest.mark.parametrize(
    "weights,kw,ll_kw",
    [
        ("logrank", {}, {}),
        ("gehan-breslow", {}, {"weightings": "wilcoxon"}),
        ("tarone-ware", {}, {"weightings": "tarone-ware"}),
        ("fleming-harrington", {"rho": 1, "gamma": 1}, {"weightings": "fleming-harrington", "p": 1, "q": 1}),
    ],
)
def test_lifelines_multivariate_agrees(r, weights, kw, ll_kw):
    from lifelines.statistics import multivariate_logrank_test

    d = _data(r, "veteran")
    ours = L.weighted_logrank(d.time, d.event, d.celltype, weights=weights, **kw)
    theirs = multivariate_logrank_test(d.time, d.celltype, d.event, **ll_kw)
    assert_allclose(theirs.test_statistic, ours.chisq, rtol=RTOL)
    assert theirs.degrees_of_freedom == ours.df


@pytest.mark.r
def test_lifelines_two_sample_logrank_agrees(r):
    from lifelines.statistics import logrank_test

    d = _data(r, "lung")
    m = (d.sex == 1).to_numpy()
    theirs = logrank_test(d.time[m], d.time[~m], d.event[m], d.event[~m])
    ours = L.survdiff(d.time, d.event, d.sex)
    assert_allclose(theirs.test_statistic, ours.chisq, rtol=RTOL)
    assert_allclose(theirs.p_value, ours.p_value, rtol=1e-7)


@pytest.mark.r
def test_lifelines_peto_is_not_survdiff_rho1(r):
    """Documented difference: lifelines' weightings="peto" uses Peto's modified survival
    prod(1 - d/(n+1)) evaluated *at* t (not S(t-) of the Kaplan-Meier, as survdiff rho = 1)."""
    from lifelines.statistics import multivariate_logrank_test

    d = _data(r, "lung")
    ours = L.survdiff(d.time, d.event, d.sex, rho=1)
    theirs = multivariate_logrank_test(d.time, d.sex, d.event, weightings="peto")
    rel = abs(theirs.test_statistic / ours.chisq - 1)
    assert 1e-5 < rel < 1e-2


# --------------------------------------------------------------------------------------------
# small exact examples, summaries, speed
# --------------------------------------------------------------------------------------------
def test_hand_example_two_groups():
    # A: 1, 2, 4 events, 5 censored; B: 2, 3, 6, 7 events (see tests/test_hazard.py)
    t = [1, 2, 4, 5, 2, 3, 6, 7]
    e = [1, 1, 1, 0, 1, 1, 1, 1]
    g = ["A"] * 4 + ["B"] * 4
    res = L.survdiff(t, e, g)
    assert_allclose(res.expected, [79 / 35, 166 / 35], rtol=1e-14)
    assert_allclose(res.variance[0, 0], 2813 / 2450, rtol=1e-14)
    assert_allclose(res.chisq, (26 / 35) ** 2 / (2813 / 2450), rtol=1e-14)
    s = res.summary
    assert list(s.index) == ["A", "B"]
    assert list(s.columns) == ["N", "Events", "Observed", "Expected", "(O-E)^2/E", "(O-E)^2/V"]
    assert s.attrs["df"] == 1


def test_group_with_zero_expected_is_dropped_like_survdiff():
    # group C is censored before the first event: E_C = 0, df = 1 as survdiff
    t = [0.5, 1, 2, 3, 4]
    e = [0, 1, 1, 1, 0]
    g = ["C", "A", "B", "A", "B"]
    res = L.survdiff(t, e, g)
    assert res.expected[2] == 0
    assert res.df == 1


def test_singular_variance_uses_pseudo_inverse():
    # everyone dies at the same time: V = 0 (R's survdiff stops: "exactly singular")
    res = L.survdiff([3, 3, 3, 3], [1, 1, 1, 1], [0, 0, 1, 1])
    assert res.singular
    assert res.chisq == 0.0


@pytest.mark.r
def test_large_n_with_ties_matches_survdiff(r):
    """n = 1e5, integer times (heavy ties). Speed is measured by `harness bench`, not here."""
    rng = np.random.default_rng(20240601)
    n = 100_000
    g = rng.integers(0, 2, n)
    t = np.round(rng.exponential(100 * (1 + 0.2 * g)))
    e = (rng.random(n) < 0.7).astype(int)
    ref = r.evaluate("d <- survdiff(Surv(time, status) ~ group); c(d$chisq, d$obs, d$exp)",
                     time=t, status=e, group=g)
    res = L.survdiff(t, e, g)
    assert_allclose([res.chisq, *res.observed, *res.expected], ref, rtol=RTOL)


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------
T4, E4, G4 = [1.0, 2.0, 3.0, 4.0], [1, 0, 1, 1], [0, 0, 1, 1]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(time=[1, np.nan, 3, 4]), "time has NaN"),
        (dict(time=[1, -2, 3, 4]), "time has negative"),
        (dict(event=[1, 2, 0, 1]), "event codes must be 0/1"),
        (dict(event=[1, 0, 1]), "length mismatch"),
        (dict(group=[0, 0, 0, 0]), "only one group"),
        (dict(group=None), "group is required"),
        (dict(group=[0, 0, 1]), "length mismatch"),
        (dict(levels=[0, 1, 2]), r"group\(s\) \[2\] have no rows"),
        (dict(weights="wilcoxon"), "weights must be one of"),
        (dict(weights="peto", rho=-1), "rho must be a finite number >= 0"),
        (dict(weights="fleming-harrington", gamma=np.nan), "gamma must be a finite number"),
        (dict(weights="peto", rho=1, gamma=1), "gamma is only used"),
        (dict(time=[]), "no observations|length mismatch"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(time=T4, event=E4, group=G4)
    args.update({k: v for k, v in kwargs.items() if k in args})
    extra = {k: v for k, v in kwargs.items() if k not in args}
    with pytest.raises(ValueError, match=match):
        L.weighted_logrank(args["time"], args["event"], args["group"], **extra)


def test_bad_input_trend_and_scores():
    with pytest.raises(ValueError, match="one value per group"):
        logrank_trend(T4, E4, G4, scores=[1, 2, 3])
    with pytest.raises(ValueError, match="distinct scores"):
        logrank_trend(T4, E4, G4, scores=[1, 1])
    with pytest.raises(ValueError, match="scores must be finite"):
        logrank_trend(T4, E4, G4, scores=[1, np.inf])
    with pytest.raises(ValueError, match="variance must be"):
        logrank_trend(T4, E4, G4, variance="wald")
    with pytest.raises(ValueError, match="weights must be one of"):
        L.logrank_scores(T4, E4, weights="x")
    with pytest.raises(ValueError, match="coding='12'"):
        L.survdiff(T4, [1, 2, 2, 1], G4)
