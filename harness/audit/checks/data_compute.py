"""Recomputations of data-backed estimands, in Python (the survival core, summary tests) and
in R (``harness/r/data.R``): one function per family, each returning :class:`Values`.

Every function takes the case, its :class:`~harness.pack.data.Slice` and whether R runs, and
returns the named values (``estimate``, ``lower``, ``upper``, ``p``...) in both languages;
R is ``None`` for a convention R's survival does not have (the reason is in ``r_note``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from harness.pack.cases import Case
from harness.pack.data import Slice
from harness.pack.data_estimands import TEST_VALUES


@dataclass
class Values:
    """Recomputed values by name, Python and R, and what the recomputation used."""

    python: dict[str, float]
    r: dict[str, float] | None
    convention: str
    r_note: str = ""
    exact: bool = False
    extra: dict = field(default_factory=dict)


def _r(name: str, *args):
    from harness.r import bridge as rbridge

    return rbridge.call(name, *args)


def _f(x) -> float:
    x = np.asarray(x, dtype=float).reshape(-1)
    return float(x[0]) if x.size else math.nan


def _level_mask(case: Case, sl: Slice) -> tuple[np.ndarray, str]:
    level = case.data.spec.get("level")
    if level is None or sl.group is None:
        return np.ones(sl.time.size, bool), ""
    return sl.group == str(level), str(level)


def _timefix(case: Case) -> tuple[bool, str]:
    """``method.timefix`` (default true: R's aeqSurv, harness/core/timefix.py) and its note."""
    tf = bool(case.options.get("timefix", True))
    return tf, "" if tf else ", timefix off"


def _convergence(case: Case) -> tuple[float | None, str]:
    """``method.convergence``: ``"sas"`` stops the Cox fit at SAS PHREG's GCONV=1E-8 (R has no
    such stop, so R is not run for it: the reason is the note)."""
    if case.options.get("convergence", "r") == "sas":
        return 1e-8, "SAS's GCONV=1E-8 stop (R's coxph has no such rule: Python only)"
    return None, ""


def _labels(sl: Slice) -> np.ndarray:
    return sl.group if sl.group is not None else np.full(sl.time.size, "all", dtype=object)


def km(case: Case, sl: Slice, use_r: bool) -> Values:
    """S(t) and its pointwise limits (R: ``summary(survfit(...), times = t, extend = TRUE)``)."""
    from harness.core.km import KaplanMeier

    o = case.options
    ct, cl, t = o.get("conf_type", "log"), float(o.get("conf_level", 0.95)), float(o["time"])
    m, level = _level_mask(case, sl)
    tf, tf_note = _timefix(case)
    at = KaplanMeier(ct, cl).fit(sl.time[m], sl.event[m], timefix=tf).at([t], extend=True)
    py = {"estimate": _f(at.survival), "lower": _f(at.lower), "upper": _f(at.upper),
          "std_err": _f(at.std_err), "n_risk": _f(at.n_risk)}
    r = None
    if use_r:
        out = _r("harness_data_km", sl.time, sl.event, _labels(sl).astype(str), level, t, ct, cl,
                 tf)
        r = {"estimate": _f(out["surv"]), "lower": _f(out["lower"]), "upper": _f(out["upper"]),
             "std_err": _f(out["std_err"]), "n_risk": _f(out["n_risk"])}
    return Values(py, r, f"Kaplan-Meier S({t:g}), {ct} CI {cl:g}{tf_note}")


def median(case: Case, sl: Slice, use_r: bool) -> Values:
    """The median and its limits by ``median_rule`` (R: ``quantile(fit, 0.5)``, rule R)."""
    from harness.core.km import KaplanMeier
    from harness.core.quantiles import median as km_median

    o = case.options
    rule, ct = o.get("median_rule", "R"), o.get("conf_type", "log")
    cl = float(o.get("conf_level", 0.95))
    m, level = _level_mask(case, sl)
    tf, tf_note = _timefix(case)
    km_fit = KaplanMeier(ct, cl).fit(sl.time[m], sl.event[m], timefix=tf)
    q = km_median(km_fit, rule=rule)
    py = {"estimate": _f(q.estimate), "lower": _f(q.lower), "upper": _f(q.upper)}
    s = km_fit.survival_
    extra = {"min_survival": float(s.min()) if s.size else 1.0, "reason": str(q.reason[0])}
    if rule != "R":
        return Values(py, None, f"median, {rule} rule{tf_note}", "R's quantile() has only R's rule",
                      extra=extra)
    r = None
    if use_r:
        out = _r("harness_data_median", sl.time, sl.event, _labels(sl).astype(str), level, ct,
                 cl, tf)
        r = {k: _f(out[k]) for k in ("estimate", "lower", "upper")}
    return Values(py, r, f"median, R rule, {ct} CI {cl:g}{tf_note}", extra=extra)


def logrank(case: Case, sl: Slice, use_r: bool) -> Values:
    """k-group (weighted, stratified) log-rank chi-square and p (R: ``survdiff``)."""
    from harness.core.logrank import weighted_logrank

    o = case.options
    w = o.get("weights", "logrank")
    rho = float(o.get("rho", 1.0 if w == "peto" else 0.0))
    gamma = float(o.get("gamma", 0.0))
    kw = {"rho": rho, "gamma": gamma} if w == "fleming-harrington" else (
        {"rho": rho} if w == "peto" else {})
    cap = {k: float(o[k]) for k in ("t_star", "s_star") if k in o}
    tf, tf_note = _timefix(case)
    res = weighted_logrank(sl.time, sl.event, sl.group, sl.strata, weights=w, timefix=tf, **kw,
                           **cap)
    level = case.data.spec.get("level")
    i = list(map(str, res.levels)).index(str(level)) if level is not None else 0
    py = {"estimate": float(res.chisq), "p": float(res.p_value),
          "expected": float(res.expected[i])}
    conv = f"{w} test" + (f" rho={rho:g}" if w in ("peto", "fleming-harrington") else "") + (
        f" gamma={gamma:g}" if w == "fleming-harrington" else "") + "".join(
        f" {k}={v:g}" for k, v in cap.items()) + (
        ", stratified" if sl.strata is not None else "") + tf_note
    if w not in ("logrank", "peto"):
        return Values(py, None, conv, "survdiff has only the G-rho family (rho)")
    r = None
    if use_r:
        strata = [] if sl.strata is None else sl.strata.astype(str)
        out = _r("harness_data_logrank", sl.time, sl.event, sl.group.astype(str), strata,
                 rho if w == "peto" else 0.0, tf)
        r = {"estimate": _f(out["chisq"]), "p": _f(out["p"]),
             "expected": float(np.atleast_1d(out["expected"])[i])}
    return Values(py, r, conv)


def exp_lr(case: Case, sl: Slice, use_r: bool) -> Values:
    """SAS LIFETEST's likelihood-ratio test under exponential models (R: ``survreg``)."""
    from harness.core.exponential import exponential_lr_test

    res = exponential_lr_test(sl.time, sl.event, sl.group)
    py = {"estimate": res.chisq, "p": res.p_value}
    conv = f"exponential likelihood-ratio test (SAS LIFETEST), {len(res.levels)} groups"
    if (res.events == 0).any():  # survreg's coefficient diverges: R only approaches the limit
        return Values(py, None, conv, "a group without events: survreg diverges")
    r = None
    if use_r:
        out = _r("harness_data_exp_lr", sl.time, sl.event, sl.group.astype(str))
        r = {"estimate": _f(out["chisq"]), "p": _f(out["p"])}
    return Values(py, r, conv)


def _two_levels(case: Case, sl: Slice) -> tuple[np.ndarray, str, str]:
    """Rows of the numerator and reference levels, and the labels (R's order by default)."""
    spec = case.data.spec
    levels = sorted(set(sl.group.tolist()))
    ref = str(spec.get("reference", levels[0]))
    num = spec.get("numerator")
    if num is None:
        others = [lv for lv in levels if lv != ref]
        if len(others) != 1:
            raise ValueError(f"{len(levels)} groups {levels}: name data.numerator and "
                             "data.reference")
        num = others[0]
    m = (sl.group == ref) | (sl.group == str(num))
    return m, str(num), ref


def hazard(case: Case, sl: Slice, use_r: bool) -> Values:
    """HR numerator vs reference with its CI by ``hr_method``.

    With k > 2 groups the HR is by default that of the two levels' rows only (``cox_levels =
    "pair"``, as Prism and a survdiff on the subset); ``hr_method = "cox"`` with
    ``cox_levels = "all"`` fits every level against the reference in one model, as R's
    ``coxph(Surv(t, e) ~ relevel(factor(g), ref))``, and reports the numerator's HR.
    """
    from harness.core.cox import coxph
    from harness.core.hazard import hazard_ratio

    o = case.options
    how, ties = o.get("hr_method", "mantel-haenszel"), o.get("ties", "efron")
    cl = float(o.get("conf_level", 0.95))
    m, num, ref = _two_levels(case, sl)
    tf, tf_note = _timefix(case)
    if o.get("cox_levels", "pair") == "all":
        if how != "cox":
            raise ValueError("cox_levels = 'all' needs hr_method = 'cox' (the Mantel-Haenszel "
                             "and logrank HRs compare two groups)")
        return _hazard_all_levels(sl, num, ref, ties, cl, use_r, tf, tf_note)
    t, e, x = sl.time[m], sl.event[m], (sl.group[m] == num).astype(float)
    gconv, sas_note = _convergence(case)
    if how == "cox":
        fit = coxph(t, e, x, ties=ties, conf_level=cl, eps=1e-12, max_iter=50,  # as data.R
                    timefix=tf, gconv=gconv)
        py = {"estimate": float(fit.hr[0]), "lower": float(fit.ci[0, 0]),
              "upper": float(fit.ci[0, 1])}
    else:
        h = hazard_ratio(t, e, x, numerator=1.0, method=how, conf_level=cl, timefix=tf)
        py = {"estimate": h.hr, "lower": h.lower, "upper": h.upper}
    sas = gconv is not None and how == "cox"
    r = None
    if use_r and not sas:
        out = _r("harness_data_hr", t, e, x, how, ties, cl, tf)
        r = {"estimate": _f(out["hr"]), "lower": _f(out["lower"]), "upper": _f(out["upper"])}
    conv = f"HR {num} vs {ref}, {how}" + (f" ({ties} ties)" if how == "cox" else "") + tf_note
    return Values(py, r, conv + (f", {sas_note}" if sas else ""),
                  r_note=sas_note if sas else "")


def _hazard_all_levels(sl: Slice, num: str, ref: str, ties: str, cl: float, use_r: bool,
                       tf: bool, tf_note: str) -> Values:
    """The numerator's HR from one Cox model of every level against the reference."""
    from harness.core.cox import coxph

    others = [lv for lv in sorted(set(sl.group.tolist())) if lv != ref]
    x = np.column_stack([(sl.group == lv).astype(float) for lv in others])
    j = others.index(num)
    fit = coxph(sl.time, sl.event, x, ties=ties, conf_level=cl, eps=1e-12, max_iter=50,
                timefix=tf)
    py = {"estimate": float(fit.hr[j]), "lower": float(fit.ci[j, 0]),
          "upper": float(fit.ci[j, 1])}
    r = None
    if use_r:
        out = _r("harness_data_hr_levels", sl.time, sl.event, x, j + 1, ties, cl, tf)
        r = {"estimate": _f(out["hr"]), "lower": _f(out["lower"]), "upper": _f(out["upper"])}
    conv = (f"HR {num} vs {ref}, Cox ({ties} ties) with every level of {len(others) + 1} "
            "against the reference") + tf_note
    return Values(py, r, conv)


def _design(case: Case, sl: Slice) -> tuple[np.ndarray, list[str], int, str]:
    """Cox design matrix: the covariates (a 2-level string column as 0/1, first sorted level
    0), or the numerator-vs-reference indicator of the group."""
    spec = case.data.spec
    if "covariates" not in spec:
        m, num, ref = _two_levels(case, sl)
        if not m.all():
            raise ValueError("a Cox model of the group on more than two levels: give "
                             "data.covariates or subset the two levels")
        return (sl.group == num).astype(float)[:, None], [spec["group"]], 0, f"{num} vs {ref}"
    cols, names = [], []
    for col in spec["covariates"]:
        values = sl.frame[col]
        if case.data.dataset.types.get(col) == "number":
            cols.append(values.to_numpy(dtype=float))
        else:
            lv = sorted(set(values))
            if len(lv) != 2:
                raise ValueError(f"string covariate {col!r} has {len(lv)} levels; code it as "
                                 "numbers or subset two levels")
            cols.append((values == lv[1]).to_numpy(dtype=float))
        names.append(col)
    term = spec.get("term", names[0])
    if term not in names:
        raise ValueError(f"data.term {term!r} is not among the covariates {names}")
    return np.column_stack(cols), names, names.index(term), term


def cox(case: Case, sl: Slice, use_r: bool) -> Values:
    """Cox coefficient of the term, its Wald p, and the score and LR model tests."""
    from harness.core.cox import coxph

    o = case.options
    ties, test = o.get("ties", "efron"), o.get("test", TEST_VALUES["cox_p_from_data"][0])
    x, names, j, term = _design(case, sl)
    tf, tf_note = _timefix(case)
    gconv, sas_note = _convergence(case)
    fit = coxph(sl.time, sl.event, x, sl.strata, ties=ties, names=names, eps=1e-12,
                max_iter=50, timefix=tf, gconv=gconv)  # converged as data.R
    py = {"coef": float(fit.coef[j]), "se": float(fit.se[j]), "z": float(fit.z[j]),
          "wald_chisq": float(fit.z[j]) ** 2,
          "wald_p": float(fit.p[j]), "score": fit.score.chisq, "score_p": fit.score.p_value,
          "lr": fit.lr.chisq, "lr_p": fit.lr.p_value}
    r = None
    if use_r and gconv is None:
        strata = [] if sl.strata is None else sl.strata.astype(str)
        out = _r("harness_data_cox", sl.time, sl.event, x, strata, ties, j + 1, tf)
        r = {k: _f(out[k]) for k in ("coef", "se", "z", "wald_chisq", "wald_p", "score",
                                     "score_p", "lr", "lr_p")}
    pick = {"wald": ("wald_chisq", "wald_p"), "score": ("score", "score_p"),
            "lr": ("lr", "lr_p")}[test]
    keep = lambda d: None if d is None else {  # noqa: E731
        "coef": d["coef"], "se": d["se"], "z": d["z"], "estimate": d[pick[0]], "p": d[pick[1]]}
    return Values(keep(py), keep(r), f"Cox ({ties} ties), term {term}, {test} test{tf_note}"
                  f"{', ' + sas_note if gconv else ''}", r_note=sas_note if gconv else "")


def rmst(case: Case, sl: Slice, use_r: bool) -> Values:
    """RMST of a level, or the difference numerator - reference with normal CI and p."""
    from harness.core.km import KaplanMeier
    from harness.core.rmst import rmst as km_rmst
    from harness.core.rmst import rmst_difference

    o = case.options
    tau, cl = float(o["tau"]), float(o.get("conf_level", 0.95))
    diff = case.statistic != "rmst_from_data"
    if diff:
        m, num, ref = _two_levels(case, sl)
    else:
        m, num = _level_mask(case, sl)
        ref = ""
    # the difference compares two levels; a single RMST pools the rows kept (one curve)
    labels = sl.group[m].astype(str) if diff else np.full(int(m.sum()), "all", dtype=object)
    tf, tf_note = _timefix(case)
    fit = KaplanMeier().fit(sl.time[m], sl.event[m], labels, timefix=tf)
    if diff:
        d = rmst_difference(fit, tau, group_a=num, group_b=ref, conf_level=cl)
        py = {"estimate": d.difference, "lower": d.lower, "upper": d.upper, "p": d.p_value}
    else:
        py = {"estimate": float(km_rmst(fit, tau).rmst[0])}
    r = None
    if use_r:
        out = _r("harness_data_rmst", sl.time[m], sl.event[m], labels.astype(str), tau, tf)
        lv = list(np.atleast_1d(out["levels"]))
        rm, se = np.atleast_1d(out["rmst"]), np.atleast_1d(out["se"])
        if diff:
            a, b = lv.index(num), lv.index(ref)
            z = _z(cl)
            dd, s = float(rm[a] - rm[b]), float(math.hypot(se[a], se[b]))
            r = {"estimate": dd, "lower": dd - z * s, "upper": dd + z * s,
                 "p": 2 * _norm_sf(abs(dd) / s)}
        else:
            r = {"estimate": float(rm[0])}
    conv = f"RMST up to {tau:g}" + (f", {num} minus {ref}" if diff else "") + tf_note
    return Values(py, r, conv)


def _z(level: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(0.5 + level / 2))


def _norm_sf(x: float) -> float:
    from scipy import stats

    return float(stats.norm.sf(x))


def counts(case: Case, sl: Slice, use_r: bool) -> Values:
    """Rows (of a level), optionally with variable = value; as a count or a percentage.

    Exact integer arithmetic (one division for a percentage): R is not asked.
    """
    spec = case.data.spec
    m, level = _level_mask(case, sl)
    n = int(m.sum())
    k = n
    what = f"rows{' of ' + level if level else ''}"
    if "variable" in spec:
        wanted = spec.get("value")
        wanted = wanted if isinstance(wanted, list) else [wanted]
        col = sl.frame[spec["variable"]]
        numeric = case.data.dataset.types.get(spec["variable"]) == "number"
        hit = col.isin([float(w) for w in wanted] if numeric else [str(w) for w in wanted])
        k = int((hit.to_numpy() & m).sum())
        what = f"{spec['variable']} in {wanted} among {n} {what}"
    value = 100.0 * k / n if case.statistic == "percentage_from_data" else float(k)
    return Values({"estimate": value}, None, what, exact=True, extra={"count": k, "n": n})


def baseline(case: Case, sl: Slice, use_r: bool) -> Values:
    """Mean ± SD of a variable, or a two-group / k-group / contingency test of it by group."""
    from harness.core.summary_tests import (
        chisq_p,
        fisher_exact_p,
        mann_whitney_p,
        t_test_from_summaries,
    )

    spec, st = case.data.spec, case.statistic
    var = spec["variable"]
    col = sl.frame[var]
    if st == "mean_sd_from_data":
        m, level = _level_mask(case, sl)
        x = col.to_numpy(dtype=float)[m]
        py = {"mean": float(np.mean(x)), "sd": float(np.std(x, ddof=1))}
        r = None
        if use_r:
            out = _r("harness_data_baseline", "mean_sd", x, np.zeros(x.size).astype(str), "")
            r = {"mean": _f(out["mean"]), "sd": _f(out["sd"])}
        return Values(py, r, f"mean and SD (n - 1) of {var}" + (f" in {level}" if level else ""))
    test = case.options.get("test", TEST_VALUES.get(st, ("",))[0])
    g = sl.group.astype(str)
    levels = sorted(set(g.tolist()))
    if st == "contingency_p_from_data":
        rows = sorted(set(col.map(str)))
        table = [[int(((col.map(str) == rv).to_numpy() & (g == lv)).sum()) for lv in levels]
                 for rv in rows]
        p = fisher_exact_p(table) if test == "fisher" else chisq_p(
            table, correct=test == "chisq_yates")
        kind, x, conv = "contingency", col.map(str).to_numpy().astype(str), f"{test} on {table}"
    elif st in ("anova_p_from_data", "kruskal_p_from_data"):
        p, kind, x, test, conv = _k_group(st, test if st == "anova_p_from_data" else "",
                                          col.to_numpy(dtype=float), g, levels, var)
    else:
        if len(levels) != 2:
            raise ValueError(f"a two-group test needs two groups, found {levels}")
        x = col.to_numpy(dtype=float)
        a, b = x[g == levels[0]], x[g == levels[1]]
        if st == "ttest_p_from_data":
            p = t_test_from_summaries(a.mean(), a.std(ddof=1), a.size, b.mean(),
                                      b.std(ddof=1), b.size, welch=test == "welch").p
            kind = "ttest"
        else:
            p = mann_whitney_p(a, b, test)
            kind = "mannwhitney"
        conv = f"{kind} ({test}) of {var}, {levels[0]} vs {levels[1]}"
    r = None
    if use_r:
        r = {"p": _f(_r("harness_data_baseline", kind, x, g, test)["p"])}
    return Values({"p": float(p)}, r, conv)


def _k_group(st: str, test: str, x: np.ndarray, g: np.ndarray, levels: list[str],
             var: str) -> tuple[float, str, np.ndarray, str, str]:
    """One-way ANOVA (pooled or Welch) or Kruskal-Wallis of ``x`` across the levels."""
    from harness.core.kgroup_tests import anova_from_summaries, kruskal_wallis

    if len(levels) < 2:
        raise ValueError(f"a k-group test needs two or more groups, found {levels}")
    if st == "kruskal_p_from_data":
        return kruskal_wallis(x, g)[2], "kruskal", x, "", \
            f"Kruskal-Wallis of {var} across {', '.join(levels)}"
    parts = [x[g == lv] for lv in levels]
    small = [lv for lv, a in zip(levels, parts) if a.size < 2]
    if small:
        raise ValueError(f"group {small[0]!r} has {parts[levels.index(small[0])].size} value(s): "
                         "a one-way ANOVA needs 2 or more per group (R's oneway.test stops: "
                         "not enough observations)")
    p = anova_from_summaries([a.mean() for a in parts], [a.std(ddof=1) for a in parts],
                             [a.size for a in parts], welch=test == "welch").p
    return float(p), "anova", x, test, f"one-way ANOVA ({test}) of {var} across " \
        f"{', '.join(levels)}"


#: estimand -> (function, the value names it is judged on)
FAMILIES = {
    "km_survival_at": (km, ("estimate",)),
    "km_ci_lower_at": (km, ("lower",)),
    "km_ci_upper_at": (km, ("upper",)),
    "km_ci_at": (km, ("lower", "upper")),
    "km_std_err_at": (km, ("std_err",)),
    "km_n_risk_at": (km, ("n_risk",)),
    "median_from_data": (median, ("estimate",)),
    "median_ci_lower_from_data": (median, ("lower",)),
    "median_ci_upper_from_data": (median, ("upper",)),
    "median_ci_from_data": (median, ("lower", "upper")),
    "logrank_chisq_from_data": (logrank, ("estimate",)),
    "logrank_p_from_data": (logrank, ("p",)),
    "logrank_expected_from_data": (logrank, ("expected",)),
    "exp_lr_chisq_from_data": (exp_lr, ("estimate",)),
    "exp_lr_p_from_data": (exp_lr, ("p",)),
    "hr_from_data": (hazard, ("estimate",)),
    "hr_ci_from_data": (hazard, ("lower", "upper")),
    "cox_coef_from_data": (cox, ("coef",)),
    "cox_se_from_data": (cox, ("se",)),
    "cox_z_from_data": (cox, ("z",)),
    "cox_chisq_from_data": (cox, ("estimate",)),
    "cox_p_from_data": (cox, ("p",)),
    "rmst_from_data": (rmst, ("estimate",)),
    "rmst_diff_from_data": (rmst, ("estimate",)),
    "rmst_diff_ci_from_data": (rmst, ("lower", "upper")),
    "rmst_diff_p_from_data": (rmst, ("p",)),
    "count_from_data": (counts, ("estimate",)),
    "percentage_from_data": (counts, ("estimate",)),
    "mean_sd_from_data": (baseline, ("mean", "sd")),
    "contingency_p_from_data": (baseline, ("p",)),
    "ttest_p_from_data": (baseline, ("p",)),
    "mannwhitney_p_from_data": (baseline, ("p",)),
    "anova_p_from_data": (baseline, ("p",)),
    "kruskal_p_from_data": (baseline, ("p",)),
}
