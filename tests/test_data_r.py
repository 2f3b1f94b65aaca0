"""Every data-backed estimand, judged in Python and cross-checked in R (1e-9), on R's own data
sets (lung, veteran, aml, ovarian from the survival package, written to CSV from R).

The printed numbers are R's reference values: each case keeps the R expression that
computes it (evaluated here through the bridge, on R's copy of the data, not on our CSV),
formatted at a chosen precision. Each case is judged twice: as printed (must be
``consistent`` with Python and R agreeing) and shifted by several units in its last printed
digit (must not be ``consistent``), so every assertion can fail.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.audit.session import audit_pack
from harness.pack.cases import load_pack

pytestmark = pytest.mark.r

ROOT = Path(__file__).resolve().parents[1]

PACK = """[paper]
id = "rdata"
title = "R reference values"
citation = "R survival data sets"
alpha = 0.05

[[data]]
id = "lung"
file = "data/lung.csv"
time = "time"
event = "status"
event_coding = "12"
unit = "days"
columns = { time = "number", status = "number", sex = "string", age = "number", ph_ecog = "string" }

[[data]]
id = "lung_years"
file = "data/lung.csv"
time = "years"
event = "status"
event_coding = "12"
unit = "years"
columns = { time = "number", status = "number", sex = "string" }
derive = { years = "round(time / 365.25, 2)" }

[[data]]
id = "veteran"
file = "data/veteran.csv"
time = "time"
event = "status"
columns = { time = "number", status = "number", trt = "string", celltype = "string", karno = "number", prior = "string" }

[[data]]
id = "aml"
file = "data/aml.csv"
time = "time"
event = "status"
event_coding = { "0" = 0, "1" = 1 }
columns = { time = "number", status = "number", x = "string" }

[[data]]
id = "ovarian"
file = "data/ovarian.csv"
time = "futime"
event = "fustat"
columns = { futime = "number", fustat = "number", rx = "string", age = "number" }
"""

LUNG2 = '{ source = "lung", group = "sex", level = "2" }'
LUNG_SEX = '{ source = "lung", group = "sex", numerator = "2", reference = "1" }'
KM = "summary(survfit(Surv(time, status) ~ 1, subset(lung, sex == 2){ct}), times = 365)"
RM = "summary(survfit(Surv(time, status) ~ sex, lung), rmean = 365)$table"
RMD = f"{{tab <- {RM}; d <- tab[2, 'rmean'] - tab[1, 'rmean']; " \
      "se <- sqrt(sum(tab[, 'se(rmean)']^2)); "

# id, statistic, data, method, R expression (the printed value), printed form
CASES = [
    ("km", "km_survival_at", LUNG2, "{ time = 365 }", KM.format(ct="") + "$surv", 4),
    ("km_lo", "km_ci_lower_at", LUNG2, '{ time = 365, conf_type = "log-log" }',
     KM.format(ct=", conf.type = 'log-log'") + "$lower", 4),
    ("km_up", "km_ci_upper_at", LUNG2, '{ time = 365, conf_type = "plain" }',
     KM.format(ct=", conf.type = 'plain'") + "$upper", 4),
    ("km_ci", "km_ci_at", LUNG2, '{ time = 365, conf_type = "logit", conf_level = 0.9 }',
     "{s <- summary(survfit(Surv(time, status) ~ 1, subset(lung, sex == 2), conf.type = "
     "'logit', conf.int = 0.9), times = 365); c(s$lower, s$upper)}", 3),
    ("km_se", "km_std_err_at", LUNG2, "{ time = 365 }", KM.format(ct="") + "$std.err", 5),
    ("km_nrisk", "km_n_risk_at", LUNG2, "{ time = 365 }", KM.format(ct="") + "$n.risk", 0),
    ("km_years", "km_survival_at", '{ source = "lung_years" }', "{ time = 1 }",
     "summary(survfit(Surv(round(time / 365.25, 2), status) ~ 1, lung), times = 1)$surv", 4),
    ("median", "median_from_data", '{ source = "aml", group = "x", level = "Maintained" }',
     "", "quantile(survfit(Surv(time, status) ~ 1, subset(aml, x == 'Maintained')), 0.5)"
     "$quantile", 0),
    ("median_lo", "median_ci_lower_from_data",
     '{ source = "veteran", group = "trt", level = "1" }', '{ conf_type = "log-log" }',
     "quantile(survfit(Surv(time, status) ~ 1, subset(veteran, trt == 1), conf.type = "
     "'log-log'), 0.5)$lower", 0),
    ("median_up_nr", "median_ci_upper_from_data",
     '{ source = "aml", group = "x", level = "Maintained" }', "",
     "quantile(survfit(Surv(time, status) ~ 1, subset(aml, x == 'Maintained')), 0.5)$upper",
     "nr"),
    ("median_ci_nr", "median_ci_from_data",
     '{ source = "aml", group = "x", level = "Maintained" }', "",
     "{q <- quantile(survfit(Surv(time, status) ~ 1, subset(aml, x == 'Maintained')), 0.5); "
     "c(q$lower, q$upper)}", "ci_nr"),
    ("median_nr", "median_from_data", '{ source = "ovarian", group = "rx", level = "2" }', "",
     "quantile(survfit(Surv(futime, fustat) ~ 1, subset(ovarian, rx == 2)), 0.5)$quantile",
     "nr"),
    ("lr_k4", "logrank_chisq_from_data", '{ source = "veteran", group = "celltype" }', "",
     "survdiff(Surv(time, status) ~ celltype, veteran)$chisq", 3),
    ("lr_expected", "logrank_expected_from_data", '{ source = "veteran", group = '
     '"celltype", level = "large" }', "",
     "survdiff(Surv(time, status) ~ celltype, veteran)$exp[4]", 3),
    ("lr_strata", "logrank_p_from_data",
     '{ source = "lung", group = "sex", strata = "ph_ecog" }', "",
     "survdiff(Surv(time, status) ~ sex + strata(ph.ecog), lung)$pvalue", "p"),
    ("lr_peto", "logrank_p_from_data", '{ source = "veteran", group = "trt" }',
     '{ weights = "peto" }', "survdiff(Surv(time, status) ~ trt, veteran, rho = 1)$pvalue",
     "p"),
    ("exp_lr", "exp_lr_chisq_from_data", '{ source = "veteran", group = "celltype" }', "",
     "{f <- function(x) survreg(Surv(time, status) ~ x, veteran, dist = 'exponential'); "
     "2 * (f(veteran$celltype)$loglik[2] - f(rep(1, 137))$loglik[2])}", 3),
    ("exp_lr_p", "exp_lr_p_from_data", '{ source = "lung", group = "sex" }', "",
     "{f <- function(x) survreg(Surv(time, status) ~ x, lung, dist = 'exponential'); "
     "lr <- 2 * (f(lung$sex)$loglik[2] - f(rep(1, 228))$loglik[2]); pchisq(lr, 1, "
     "lower.tail = FALSE)}", "p"),
    ("hr_mh", "hr_from_data", LUNG_SEX, '{ hr_method = "mantel-haenszel" }',
     "{d <- survdiff(Surv(time, status) ~ sex, lung); exp((d$obs[2] - d$exp[2]) / "
     "d$var[2, 2])}", 4),
    ("hr_lr_ci", "hr_ci_from_data", LUNG_SEX, '{ hr_method = "logrank" }',
     "{d <- survdiff(Surv(time, status) ~ sex, lung); b <- log((d$obs[2] / d$exp[2]) / "
     "(d$obs[1] / d$exp[1])); se <- sqrt(1 / d$exp[1] + 1 / d$exp[2]); "
     "exp(b + c(-1, 1) * qnorm(0.975) * se)}", 3),
    ("hr_cox_all_levels", "hr_from_data", '{ source = "veteran", group = "celltype", '
     'numerator = "adeno", reference = "squamous" }', '{ hr_method = "cox", cox_levels = "all" }',
     "exp(coef(coxph(Surv(time, status) ~ relevel(factor(celltype), 'squamous'), veteran))[2])",
     3),
    ("hr_ci_cox_all_levels", "hr_ci_from_data", '{ source = "veteran", group = "celltype", '
     'numerator = "large", reference = "squamous" }', '{ hr_method = "cox", cox_levels = "all" '
     '}', "summary(coxph(Surv(time, status) ~ relevel(factor(celltype), 'squamous'), "
     "veteran))$conf.int[3, 3:4]", 3),
    ("hr_cox_vs_ref", "hr_from_data", '{ source = "veteran", group = "celltype", numerator = '
     '"smallcell", reference = "squamous" }', '{ hr_method = "cox", ties = "breslow" }',
     "exp(coef(coxph(Surv(time, status) ~ I(celltype == 'smallcell'), subset(veteran, "
     "celltype %in% c('squamous', 'smallcell')), ties = 'breslow')))", 3),
    ("cox_coef", "cox_coef_from_data", '{ source = "lung", covariates = ["age", "sex"], '
     'term = "age" }', "", "coef(coxph(Surv(time, status) ~ age + I(sex == 2), lung))[1]", 5),
    ("cox_se", "cox_se_from_data", '{ source = "lung", covariates = ["age", "sex"], '
     'term = "sex" }', "",
     "sqrt(diag(vcov(coxph(Surv(time, status) ~ age + I(sex == 2), lung))))[2]", 5),
    ("cox_z", "cox_z_from_data", LUNG_SEX, '{ ties = "breslow" }',
     "summary(coxph(Surv(time, status) ~ sex, lung, ties = 'breslow'))$coefficients[1, 4]", 3),
    ("cox_wald", "cox_p_from_data", '{ source = "lung", covariates = ["age", "sex"], '
     'term = "age" }', '{ test = "wald" }',
     "summary(coxph(Surv(time, status) ~ age + I(sex == 2), lung))$coefficients[1, 5]", "p"),
    ("cox_score_strata", "cox_chisq_from_data",
     '{ source = "lung", group = "sex", numerator = "2", reference = "1", strata = '
     '"ph_ecog" }', '{ test = "score" }',
     "summary(coxph(Surv(time, status) ~ I(sex == 2) + strata(ph.ecog), lung))$sctest[1]", 3),
    ("cox_lr_exact", "cox_p_from_data", '{ source = "aml", group = "x", numerator = '
     '"Nonmaintained", reference = "Maintained" }', '{ test = "lr", ties = "exact" }',
     "summary(coxph(Surv(time, status) ~ I(x == 'Nonmaintained'), aml, ties = 'exact'))"
     "$logtest[3]", "p"),
    ("rmst", "rmst_from_data", '{ source = "lung", group = "sex", level = "1" }',
     "{ tau = 365 }", "summary(survfit(Surv(time, status) ~ 1, subset(lung, sex == 1)), "
     "rmean = 365)$table['rmean']", 2),
    ("rmst_diff", "rmst_diff_from_data", LUNG_SEX, "{ tau = 365 }", RMD + "d}", 2),
    ("rmst_diff_ci", "rmst_diff_ci_from_data", LUNG_SEX, "{ tau = 365 }",
     RMD + "d + c(-1, 1) * qnorm(0.975) * se}", 2),
    ("rmst_diff_p", "rmst_diff_p_from_data", LUNG_SEX, "{ tau = 365 }",
     RMD + "2 * pnorm(-abs(d / se))}", "p"),
    ("count", "count_from_data", '{ source = "veteran", variable = "prior", value = "10" }',
     "", "sum(veteran$prior == 10)", 0),
    ("percent", "percentage_from_data", '{ source = "veteran", group = "trt", level = "2", '
     'variable = "celltype", value = "adeno" }', "",
     "100 * mean(veteran$celltype[veteran$trt == 2] == 'adeno')", 1),
    ("mean_sd", "mean_sd_from_data", '{ source = "lung", group = "sex", level = "1", '
     'variable = "age" }', "", "c(mean(lung$age[lung$sex == 1]), sd(lung$age[lung$sex == 1]))",
     "mean_sd"),
    ("fisher", "contingency_p_from_data", '{ source = "lung", group = "sex", variable = '
     '"ph_ecog" }', '{ test = "fisher" }',
     "fisher.test(table(lung$ph.ecog, lung$sex))$p.value", "p"),
    ("chisq", "contingency_p_from_data", '{ source = "veteran", group = "trt", variable = '
     '"celltype" }', '{ test = "chisq" }',
     "chisq.test(table(veteran$celltype, veteran$trt))$p.value", "p"),
    ("yates", "contingency_p_from_data", '{ source = "veteran", group = "trt", variable = '
     '"prior" }', '{ test = "chisq_yates" }',
     "chisq.test(table(veteran$prior, veteran$trt))$p.value", "p"),
    ("welch", "ttest_p_from_data", '{ source = "lung", group = "sex", variable = "age" }', "",
     "t.test(age ~ sex, lung)$p.value", "p"),
    ("pooled", "ttest_p_from_data", '{ source = "veteran", group = "trt", variable = '
     '"karno" }', '{ test = "pooled" }',
     "t.test(karno ~ trt, veteran, var.equal = TRUE)$p.value", "p"),
    ("mw_ties", "mannwhitney_p_from_data", '{ source = "lung", group = "sex", variable = '
     '"age" }', "", "wilcox.test(age ~ sex, lung)$p.value", "p"),
    ("mw_exact", "mannwhitney_p_from_data", '{ source = "ovarian", group = "rx", variable = '
     '"age" }', "", "wilcox.test(age ~ rx, ovarian)$p.value", "p"),
    ("anova_pooled", "anova_p_from_data", '{ source = "veteran", group = "celltype", variable '
     '= "karno" }', "", "oneway.test(karno ~ celltype, veteran, var.equal = TRUE)$p.value", "p"),
    ("anova_welch", "anova_p_from_data", '{ source = "lung", group = "ph_ecog", variable = '
     '"age", subset = { ph_ecog = ["0", "1", "2"] } }', '{ test = "welch" }',
     "oneway.test(age ~ ph.ecog, subset(lung, ph.ecog < 3))$p.value", "p"),
    ("kruskal", "kruskal_p_from_data", '{ source = "veteran", group = "celltype", variable = '
     '"karno" }', "", "kruskal.test(veteran$karno, veteran$celltype)$p.value", "p"),
]


def _fmt(values, form, shift: int) -> str:
    """R's value(s) as printed; ``shift`` moves the last printed digit by that many units."""
    if form == "nr":
        return "NR" if not shift else "1234"
    if form == "p":
        v = float(values)
        if shift:  # a third or three times the value, whichever is still a possible p
            v = v * 3.0 if v * 3.0 < 1.0 else v / 3.0
        if v < 1e-4:  # printed numbers carry no exponent: a tiny p prints as a bound
            return "<0.0001" if not shift else "0.5"
        return f"{v:.3g}"
    if form == "ci_nr":  # bounds in whole days, NA printed NR
        return "-".join("NR" if v != v else f"{v + shift:.0f}" for v in values)
    if form == "mean_sd":
        m, s = values
        return f"{m + shift:.1f} ± {s:.1f}"
    unit = 10.0 ** -form
    vals = [float(v) + shift * unit for v in ([values] if isinstance(values, (int, float))
                                               else list(values))]
    texts = [f"{v:.{form}f}" for v in vals]
    return texts[0] if len(texts) == 1 else f"{texts[0]}-{texts[1]}"


def _case(cid, statistic, data, method, published, verdict) -> str:
    reason = ', reason = "shifted"' if verdict != "consistent" else ""
    return (f'[[case]]\nid = "{cid}"\nwhere = {{ table = "R" }}\npublished = "{published}"\n'
            f'statistic = "{statistic}"\ndata = {data}\n'
            + (f"method = {method}\n" if method else "")
            + f'expect = {{ verdict = "{verdict}"{reason} }}\n')


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    from harness.r import bridge as rbridge

    root = tmp_path_factory.mktemp("rdata")
    (root / "data").mkdir()
    shutil.copy(ROOT / "cases" / "lung_tutorials" / "data" / "lung.csv", root / "data")
    for name in ("veteran", "aml", "ovarian"):
        rbridge.evaluate(f"write.csv({name}, path, row.names = FALSE)",
                         path=str(root / "data" / f"{name}.csv"))
    (root / "pack.toml").write_text(PACK, encoding="utf-8")
    texts, shifted = [], []
    for cid, stat, data, method, code, form in CASES:
        value = rbridge.evaluate(code)
        value = value if not hasattr(value, "__len__") or len(value) != 1 else value[0]
        texts.append(_case(cid, stat, data, method, _fmt(value, form, 0), "consistent"))
        shifted.append(_case(cid, stat, data, method, _fmt(value, form, 7), "inconsistent"))
    (root / "printed.toml").write_text("\n".join(texts), encoding="utf-8")
    (root / "shifted.toml").write_text("\n".join(shifted), encoding="utf-8")
    pack = load_pack(root)
    return {r.case: r for r in audit_pack(pack, use_r=True)}


@pytest.mark.parametrize("cid", [c[0] for c in CASES])
def test_printed_r_value_is_consistent(audited, cid):
    rec = audited[f"rdata::printed::{cid}"]
    assert rec.verdict == "consistent", rec.message
    if rec.statistic not in ("count_from_data", "percentage_from_data"):
        assert rec.r is not None, "R did not cross-check"
        assert "Python and R disagree" not in rec.message


@pytest.mark.parametrize("cid", [c[0] for c in CASES])
def test_shifted_value_is_not_consistent(audited, cid):
    rec = audited[f"rdata::shifted::{cid}"]
    assert rec.verdict in ("inconsistent", "decision_error"), rec.message


def test_every_data_estimand_is_covered():
    from harness.pack.data_estimands import DATA_ESTIMANDS

    assert {e.name for e in DATA_ESTIMANDS} == {c[1] for c in CASES}
