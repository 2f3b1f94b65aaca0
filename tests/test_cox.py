"""Cox regression against R's coxph (efron, breslow, exact; strata), lifelines, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from harness.core import cox as C
from harness.core import logrank as L

RTOL = 1e-9
CTRL = "control = coxph.control(eps = 1e-12, iter.max = 50)"

R_SUMMARY = (
    "s <- summary(fit); list(coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),"
    " loglik = fit$loglik, wald = unname(fit$wald.test), waldtest = unname(s$waldtest),"
    " score = unname(s$sctest), lr = unname(s$logtest), ci = unname(s$conf.int[, 3:4, drop = FALSE]),"
    " n = fit$n, nevent = fit$nevent, iter = fit$iter)"
)


def _int_na(d):
    for c in d.columns:
        if (d[c] == -(2**31)).any():
            d[c] = d[c].where(d[c] != -(2**31)).astype(float)
    return d


def _prep(r, name):
    d = _int_na(r.dataset(name))
    if name == "lung":
        d["event"] = (d.status == 2).astype(int)
    elif name == "pbc":
        d["event"] = (d.status == 2).astype(int)
        d["logbili"] = np.log(d.bili)
    elif name == "colon":
        d = d[d.etype == 2].copy()
        d["event"] = d.status.astype(int)
        d["lev"] = (d.rx == "Lev").astype(float)
        d["lev5fu"] = (d.rx == "Lev+5FU").astype(float)
    elif name == "ovarian":
        d["event"] = d.fustat.astype(int)
        d["time"] = d.futime
    elif name == "aml":
        d["event"] = d.status.astype(int)
        d["nonmaint"] = (d.x == "Nonmaintained").astype(float)
    else:
        d["event"] = d.status.astype(int)
    return d.reset_index(drop=True)


# (data set, covariates, strata, R data expression, R right-hand side)
CASES = [
    ("lung", ["age", "sex", "ph.ecog"], None, "lung", "age + sex + ph.ecog"),
    ("lung", ["sex"], None, "lung", "sex"),
    ("veteran", ["trt", "karno", "age"], None, "veteran", "trt + karno + age"),
    ("veteran", ["trt", "karno"], "celltype", "veteran", "trt + karno + strata(celltype)"),
    ("ovarian", ["rx", "age"], None, "ovarian", "rx + age"),
    ("aml", ["nonmaint"], None, "survival::aml", "I(x == 'Nonmaintained')"),
    ("colon", ["lev", "lev5fu", "age"], None, "colon[colon$etype == 2, ]", "rx + age"),
    ("colon", ["lev", "lev5fu"], "sex", "colon[colon$etype == 2, ]", "rx + strata(sex)"),
    ("pbc", ["age", "logbili", "albumin"], None, "pbc", "age + log(bili) + albumin"),
    ("pbc", ["trt"], "edema", "pbc", "trt + strata(edema)"),
]


def _surv(name):
    if name == "ovarian":
        return "Surv(futime, fustat)"
    if name in ("lung",):
        return "Surv(time, status)"
    if name == "pbc":
        return "Surv(time, status == 2)"
    return "Surv(time, status)"


CONTROLS = {"default": ({}, "control = coxph.control()"),
            "tight": (dict(eps=1e-12, max_iter=50), CTRL)}


@pytest.mark.r
@pytest.mark.parametrize("control", list(CONTROLS))
@pytest.mark.parametrize("ties", ["efron", "breslow", "exact"])
@pytest.mark.parametrize("name,cols,stratum,rdata,rhs", CASES, ids=[f"{c[0]}-{'+'.join(c[1])}{'|' + c[2] if c[2] else ''}" for c in CASES])
def test_coxph_matches_r(r, name, cols, stratum, rdata, rhs, ties, control):
    """Same control, same Newton path: agreement to rounding, with R's defaults too."""
    d = _prep(r, name)
    d = d.dropna(subset=cols + ([stratum] if stratum else []))
    kw, rctrl = CONTROLS[control]
    fit = C.coxph(d.time, d.event, d[cols], None if stratum is None else d[stratum], ties=ties,
                  **kw)
    code = (f"fit <- suppressWarnings(coxph({_surv(name)} ~ {rhs}, data = {rdata}, ties = '{ties}', {rctrl})); "
            + R_SUMMARY)
    ref = r.evaluate(code)
    assert fit.n == ref["n"] and fit.nevent == ref["nevent"]  # counts exactly equal
    assert_allclose(fit.coef, ref["coef"], rtol=RTOL)
    assert_allclose(fit.se, ref["se"], rtol=RTOL)
    assert_allclose(fit.loglik, ref["loglik"], rtol=RTOL)
    assert_allclose(fit.wald.chisq, ref["wald"], rtol=1e-8)
    assert_allclose([fit.score.chisq, fit.score.p_value], ref["score"][[0, 2]], rtol=1e-8)
    assert fit.score.df == ref["score"][1] == len(cols)
    assert_allclose([fit.lr.chisq, fit.lr.p_value], ref["lr"][[0, 2]], rtol=1e-8)
    assert_allclose(fit.ci, np.asarray(ref["ci"]).reshape(-1, 2), rtol=1e-8)
    # summary(coxph)$waldtest rounds the statistic to 2 decimals (documented R behaviour)
    assert ref["waldtest"][0] == round(fit.wald.chisq, 2)
    assert_allclose(fit.wald.p_value, ref["waldtest"][2], rtol=1e-8)
    assert fit.converged and not fit.infinite.any() and not fit.warnings
    assert fit.iterations == ref["iter"]
    assert fit.summary.shape == (len(cols), 7)


@pytest.mark.r
def test_exact_score_test_is_the_logrank_and_breslow_is_not_with_ties(r):
    d = _prep(r, "lung")
    x = (d.sex == 2).astype(float)
    lr = L.survdiff(d.time, d.event, d.sex).chisq
    ref = r.evaluate("survdiff(Surv(time, status) ~ sex, data = lung)$chisq")
    assert_allclose(lr, ref, rtol=RTOL)
    exact = C.coxph(d.time, d.event, x, ties="exact")
    breslow = C.coxph(d.time, d.event, x, ties="breslow")
    assert_allclose(exact.score.chisq, lr, rtol=RTOL)
    assert abs(breslow.score.chisq / lr - 1) > 1e-4  # lung has tied death times


@pytest.mark.r
def test_breslow_score_test_is_logrank_without_ties(r):
    d = _prep(r, "ovarian")
    fit = C.coxph(d.time, d.event, d.rx, ties="breslow")
    ref = r.evaluate("survdiff(Surv(futime, fustat) ~ rx, data = ovarian)$chisq")
    assert_allclose(fit.score.chisq, ref, rtol=RTOL)


@pytest.mark.r
def test_r_default_convergence_is_looser(r):
    """With R's default eps = 1e-9 coxph stops earlier: agreement is ~1e-8, not 1e-12."""
    d = _prep(r, "lung").dropna(subset=["ph.ecog"])
    fit = C.coxph(d.time, d.event, d[["age", "sex", "ph.ecog"]])
    loose = r.evaluate("coef(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung))")
    assert_allclose(fit.coef, loose, rtol=1e-6)


@pytest.mark.r
def test_exact_with_large_tied_sets(r):
    """Exact ties with many events at the same time (a coarse grid), two covariates."""
    rng = np.random.default_rng(7)
    n = 80
    t = rng.integers(1, 6, n).astype(float)
    e = (rng.random(n) < 0.8).astype(int)
    x1 = rng.integers(0, 2, n).astype(float)
    x2 = rng.normal(size=n)
    fit = C.coxph(t, e, np.column_stack([x1, x2]), ties="exact", eps=1e-12, max_iter=50)
    ref = r.evaluate(
        f"fit <- coxph(Surv(t, e) ~ x1 + x2, ties = 'exact', {CTRL}); " + R_SUMMARY,
        t=t, e=e, x1=x1, x2=x2,
    )
    assert_allclose(fit.coef, ref["coef"], rtol=RTOL)
    assert_allclose(fit.se, ref["se"], rtol=RTOL)
    assert_allclose(fit.loglik, ref["loglik"], rtol=RTOL)
    assert_allclose(fit.score.chisq, ref["score"][0], rtol=1e-8)


R_FIT = (
    "w <- character(0); fit <- withCallingHandlers(coxph(Surv(t, e) ~ x, ties = ties), warning = function(c)"
    " { w <<- c(w, conditionMessage(c)); invokeRestart('muffleWarning') });"
    " list(coef = unname(coef(fit)), se = unname(sqrt(diag(fit$var))), loglik = fit$loglik,"
    " score = fit$score, iter = fit$iter, warn = paste(w, collapse = ' | '),"
    " lr = unname(summary(fit)$logtest), wald = unname(fit$wald.test))"
)


def _r_fit(r, t, e, x, ties):
    return r.evaluate(R_FIT, t=np.asarray(t, float), e=np.asarray(e, float),
                      x=np.asarray(x, float), ties=ties)


def _same_as_r(fit, ref):
    """Coefficients (NA where R has NA), SEs, loglik, score, iterations, warnings.

    A diverging coefficient is where the Newton path stops on a flat ridge: its score and
    information are ~exp(-|b|), known to a few digits less, so it is compared to 1e-6."""
    rtol = 1e-6 if fit.warnings else 1e-9
    assert_allclose(fit.coef, np.asarray(ref["coef"], float), rtol=rtol, atol=1e-12)
    if fit.converged or fit.coef.size == 1:
        assert_allclose(fit.se, np.asarray(ref["se"], float), rtol=100 * rtol, atol=1e-12)
    else:
        # documented difference: when R runs out of iterations it inverts a stale Cholesky
        # factor (the last evaluated point's L with the returned point's diagonal), so with
        # more than one covariate its variance is not the inverse information; ours is
        assert not np.allclose(fit.se, np.asarray(ref["se"], float), rtol=1e-3)
    assert_allclose(fit.loglik, ref["loglik"], rtol=1e-12, atol=1e-13)
    assert_allclose(fit.score.chisq, ref["score"], rtol=1e-9, atol=1e-13)
    assert fit.iterations == ref["iter"]
    warn = str(ref["warn"][0]) if len(ref["warn"]) else ""
    assert ("infinite" in warn) == bool(fit.infinite.any() or "infinite" in " ".join(fit.warnings))
    assert ("Ran out" in warn) == (not fit.converged)


@pytest.mark.r
@pytest.mark.filterwarnings("ignore::harness.core.cox.CoxWarning")
def test_infinite_coefficient_flagged_like_r(r):
    """A group with no events: R warns 'coefficient may be infinite' and stops where we stop."""
    t = np.array([1, 2, 3, 4, 5, 6, 7, 8], float)
    e = np.array([1, 1, 1, 1, 0, 1, 0, 1])
    x = np.array([0, 0, 0, 0, 1, 0, 1, 0], float)
    fit = C.coxph(t, e, x)
    _same_as_r(fit, _r_fit(r, t, e, x, "efron"))
    assert fit.infinite.all() and fit.converged and fit.coef[0] < -10
    assert fit.warnings == ("Loglik converged before variable 1; coefficient may be infinite.",)


@pytest.mark.r
@pytest.mark.parametrize("ties", ["breslow", "efron", "exact"])
def test_issue14_smallest_example_matches_r(r, ties):
    """The issue's smallest silent failure (NaN everywhere before): three arms, one without
    events. R (breslow): coef -20.38 (may be infinite) and -1.0986, loglik -3.912 -> -3.178."""
    t = np.array([1, 3, 1, 45, 27.0])
    e = np.array([1, 0, 1, 1, 1])
    g = np.array([0, 1, 2, 2, 2])
    x = np.column_stack([(g == 1), (g == 2)]).astype(float)
    with pytest.warns(C.CoxWarning):  # exact: R runs out of iterations (-39.2, -20.2)
        fit = C.coxph(t, e, x, ties=ties)
    ref = _r_fit(r, t, e, x, ties)
    _same_as_r(fit, ref)
    if fit.converged:  # the Wald test uses the variance (stale in R when it ran out)
        assert_allclose(fit.wald.chisq, ref["wald"], rtol=1e-6)
    assert_allclose(fit.lr.chisq, ref["lr"][0], rtol=1e-9)
    assert np.isfinite(fit.coef).all() and np.isfinite(fit.se).all()
    if ties == "breslow":
        assert_allclose(fit.coef, [-20.383944, -1.098612], atol=1e-6)
        assert_allclose(fit.loglik, [-3.912023, -3.178054], atol=1e-6)


@pytest.mark.r
@pytest.mark.parametrize("ties", ["breslow", "efron", "exact"])
@pytest.mark.parametrize("design", ["collinear", "constant", "aliased_pair"])
def test_aliased_columns_are_na_like_r(r, design, ties):
    """R's Cholesky (toler.chol = eps^0.75) marks a redundant column NA with variance 0; the
    tests then have one degree of freedom less."""
    tt = np.arange(1.0, 9.0)
    ee = np.array([1, 1, 0, 1, 1, 1, 0, 1])
    x1 = np.array([0, 1, 0, 1, 1, 0, 1, 0], float)
    other = {"collinear": 2 * x1, "constant": np.full(8, 3.0),
             "aliased_pair": 1 - x1}[design]
    x = np.column_stack([x1, other])
    fit = C.coxph(tt, ee, x, ties=ties)
    if design == "constant" and ties == "exact":
        # documented difference: coxexact.fit scales by sd = 0 and stops on the NaN
        # ("NA/NaN/Inf in foreign function call"); we report the column as aliased
        from harness.errors import RError
        with pytest.raises(RError, match="NA/NaN/Inf"):
            _r_fit(r, tt, ee, x, ties)
        assert fit.aliased.tolist() == [False, True]
        return
    ref = _r_fit(r, tt, ee, x, ties)
    _same_as_r(fit, ref)
    assert fit.aliased.tolist() == [False, True] and np.isnan(fit.coef[1]) and fit.se[1] == 0
    assert fit.lr.df == fit.score.df == fit.wald.df == 1
    assert_allclose(fit.lr.chisq, ref["lr"][0], rtol=1e-9)
    assert_allclose(fit.wald.chisq, ref["wald"], rtol=1e-9)


@pytest.mark.r
@pytest.mark.filterwarnings("ignore::harness.core.cox.CoxWarning")
def test_single_event_alone_in_its_risk_set_ran_out_like_r(r):
    """loglik = 0 at every beta: R's test |1 - 0/0| never passes, it runs out of iterations and
    returns coef 0 with SE 0 (not NA) and the warning. So do we, marked converged = False."""
    fit = C.coxph([2.0, 1.0], [1, 0], [1.0, 0.0])
    ref = _r_fit(r, [2.0, 1.0], [1, 0], [1.0, 0.0], "efron")
    _same_as_r(fit, ref)
    assert not fit.converged and fit.coef[0] == 0 and fit.se[0] == 0
    assert np.isnan(ref["wald"]) and np.isnan(fit.wald.chisq)  # coxph.wtest: 0^2 / 0
    assert fit.warnings == ("Ran out of iterations and did not converge",)


# --------------------------------------------------------------------------------------------
# lifelines
# --------------------------------------------------------------------------------------------
@pytest.mark.r
def test_lifelines_coxph_agrees_loosely(r):
    """lifelines CoxPHFitter (Efron only, penalizer 0 by default) stops on a step-size criterion
    (1e-7): coefficients agree to ~1e-5, log-likelihood to ~1e-12 - documented difference."""
    from lifelines import CoxPHFitter

    d = _prep(r, "lung").dropna(subset=["ph.ecog"])
    ours = C.coxph(d.time, d.event, d[["age", "sex", "ph.ecog"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cph = CoxPHFitter().fit(d[["time", "event", "age", "sex", "ph.ecog"]], "time", "event")
    assert cph.penalizer == 0.0
    rel = np.max(np.abs(cph.params_.to_numpy() / ours.coef - 1))
    assert 1e-9 < rel < 1e-4  # agrees loosely, not to 1e-9
    assert_allclose(cph.log_likelihood_, ours.loglik[1], rtol=1e-9)
    assert_allclose(cph.standard_errors_.to_numpy(), ours.se, rtol=1e-4)
    assert_allclose(cph.log_likelihood_ratio_test().test_statistic, ours.lr.chisq, rtol=1e-8)


def test_lifelines_has_no_exact_ties():
    """lifelines offers Efron only; the breslow/exact variants have no lifelines counterpart."""
    from lifelines import CoxPHFitter

    assert "ties" not in CoxPHFitter.__init__.__code__.co_varnames


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------
T, E, X = [1.0, 2.0, 3.0, 4.0, 5.0], [1, 0, 1, 1, 0], [0.0, 1.0, 0.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(ties="discrete"), "ties must be one of"),
        (dict(event=[0, 0, 0, 0, 0]), "no events"),
        (dict(x=[0, 1, np.nan, 1, 0]), "missing or infinite"),
        (dict(x=[0, 1, 0]), "length mismatch"),
        (dict(eps=0), "eps must be > 0"),
        (dict(init=[800.0], x=[0.0, 1.0, 0.0, 1.0, 1.0]), "initial values lead to overflow"),
        (dict(x=["a", "b", "a", "b", "a"]), "covariates must be numeric"),
        (dict(x=np.zeros((5, 0))), "no covariates"),
        (dict(time=[1, 2, np.inf, 4, 5]), "infinite"),
        (dict(event=[1, 0, 3, 1, 0]), "event codes"),
        (dict(conf_level=0), "conf_level"),
        (dict(names=["a", "b"]), "2 names for 1 covariates"),
        (dict(strata=[1, 2]), "length mismatch"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(time=T, event=E, x=X)
    args.update({k: v for k, v in kwargs.items() if k in args})
    extra = {k: v for k, v in kwargs.items() if k not in args}
    with pytest.raises(ValueError, match=match):
        C.coxph(args["time"], args["event"], args["x"], **extra)


def test_dataframe_names_and_summary():
    df = pd.DataFrame({"treat": X, "age": [50.0, 61, 47, 70, 58]})
    fit = C.coxph(T, E, df)
    assert fit.names == ("treat", "age")
    assert list(fit.summary.index) == ["treat", "age"]


@pytest.mark.r
@pytest.mark.parametrize("ties", ["efron", "breslow", "exact"])
def test_zero_information_found_exactly(r, ties):
    # one event (t = 2), whose risk set {t >= 2} has x = 1 only: no information about x.
    # Rounding leaves a ~1e-17 information in floating point (an SE of ~1e8 if believed);
    # R reports coef NA, se 0, score 0 for every ties method:
    # coxph(Surv(time, status) ~ x, ties = ties) -> coef NA, sqrt(diag(vcov)) 0, score 0
    time = np.array([1.0] * 13 + [2, 1, 2, 2] + [1] * 5)
    status = np.zeros(22)
    status[13] = 1
    x = np.array([1.0] * 17 + [0] * 5)
    ref = r.evaluate("f <- coxph(Surv(time, status) ~ x, ties = ties); c(coef(f), sqrt(f$var), f$score)",
                     time=time, status=status, x=x, ties=ties)
    assert np.isnan(ref[0]) and ref[1] == 0 and ref[2] == 0
    fit = C.coxph(time, status, x, ties=ties)
    assert np.isnan(fit.coef[0]) and fit.se[0] == 0 and fit.score.chisq == 0
    assert fit.aliased.all() and fit.converged and fit.lr.df == 0 and fit.lr.p_value == 1.0
    assert not fit.warnings


@pytest.mark.r
def test_no_events_raises_where_r_returns_na(r):
    """Documented difference (fuzz class doc:no_events): R returns every coefficient NA with
    variance 0 and loglik 0; we raise a clear error instead of returning NA as a result."""
    t, e, x = [1.0, 2.0, 3.0], [0, 0, 0], [0.0, 1.0, 0.0]
    ref = r.evaluate("f <- coxph(Surv(t, e) ~ x); c(coef(f), f$var, f$loglik)", t=t, e=e, x=x)
    assert np.isnan(ref[0]) and ref[1] == 0 and ref[2] == ref[3] == 0
    with pytest.raises(ValueError, match="no events"):
        C.coxph(t, e, x)


@pytest.mark.r
def test_lr_respects_cancellation_on_a_large_set(r):
    """n = 1e5 with ties: loglik ~ -7e5; the LR from per-event differences agrees with R's
    difference of sums within R's own rounding error 1e-12 (|l0| + |l1|)."""
    from harness.tools.benchmarks.core import tied_data

    t, e, g = tied_data(10**5)
    fit = C.coxph(t, e, g.astype(float))
    ref = r.evaluate("f <- coxph(Surv(t, e) ~ g); c(f$loglik, summary(f)$logtest[['test']], coef(f))",
                     t=t, e=e.astype(float), g=g.astype(float))
    assert_allclose(fit.loglik, ref[:2], rtol=1e-12)
    assert abs(fit.lr.chisq - ref[2]) <= 1e-9 * ref[2] + 1e-12 * (abs(ref[0]) + abs(ref[1]))
    assert_allclose(fit.coef, ref[3], rtol=1e-10)
    # the naive difference of the two sums is only good to ~|loglik| * 1e-16 * sqrt(n)
    assert fit.lr.chisq == pytest.approx(2 * (fit.loglik[1] - fit.loglik[0]), abs=1e-6)
