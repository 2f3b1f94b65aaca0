"""Estimands recomputed from a pack's patient data (check ``from_data``).

Each names the ``method = {...}`` options that apply to it (a case giving any other option
is a case-file error, so nothing is silently ignored), the options it requires, and for a
``test`` option the values it accepts. The rows come from the case's ``data = {...}``
(:mod:`harness.pack.data`); see README "Writing a pack with data".
"""

from __future__ import annotations

from harness.pack.estimand import Estimand

# ``timefix`` (default true): R's aeqSurv merge of nearly equal times (harness/core/timefix.py)
_KM = ("time", "conf_type", "conf_level", "z", "percent", "timefix")
_MEDIAN = ("median_rule", "conf_type", "conf_level", "z", "timefix")
_LOGRANK = ("weights", "rho", "gamma", "t_star", "s_star", "timefix")
_HR = ("hr_method", "ties", "conf_level", "z", "cox_levels", "timefix", "convergence")
_COX = ("ties", "test", "conf_level", "z", "timefix", "convergence")
_RMST = ("tau", "conf_level", "z", "timefix")


def _e(name: str, description: str, printed: str, options: tuple[str, ...] = (),
       is_p: bool = False) -> Estimand:
    return Estimand(name, description, printed=printed, check="from_data",
                    inputs={"type": "object", "additionalProperties": False, "properties": {}},
                    is_p=is_p, options=("describe", *options), needs_data=True)


DATA_ESTIMANDS: list[Estimand] = [
    _e("km_survival_at", "Kaplan-Meier survival at method.time (of data.level, or all rows)",
       "number", _KM),
    _e("km_ci_lower_at", "lower pointwise confidence limit of S(method.time)", "number", _KM),
    _e("km_ci_upper_at", "upper pointwise confidence limit of S(method.time)", "number", _KM),
    _e("km_ci_at", "pointwise confidence interval of S(method.time), printed as an interval",
       "interval", _KM),
    _e("km_std_err_at", "Greenwood standard error of S(method.time)", "number", _KM),
    _e("km_n_risk_at", "number at risk at method.time", "number", _KM),
    _e("median_from_data", "Kaplan-Meier median by method.median_rule (NR when not reached)",
       "median", _MEDIAN),
    _e("median_ci_lower_from_data", "lower confidence limit of the median (NR allowed)",
       "median", _MEDIAN),
    _e("median_ci_upper_from_data", "upper confidence limit of the median (NR allowed)",
       "median", _MEDIAN),
    _e("median_ci_from_data", "confidence interval of the median, printed as an interval whose "
       "bounds may be NR", "median_interval", _MEDIAN),
    _e("logrank_chisq_from_data", "chi-square of the (weighted, stratified) k-group log-rank "
       "test", "number", _LOGRANK),
    _e("logrank_p_from_data", "p of the (weighted, stratified) k-group log-rank test",
       "p_value", _LOGRANK, is_p=True),
    _e("logrank_expected_from_data", "expected events of data.level under the null (survdiff's "
       "exp; weighted for weighted tests)", "number", _LOGRANK),
    _e("exp_lr_chisq_from_data", "chi-square of SAS LIFETEST's likelihood-ratio test "
       "(exponential model, k groups)", "number"),
    _e("exp_lr_p_from_data", "p of SAS LIFETEST's likelihood-ratio test (exponential model)",
       "p_value", is_p=True),
    _e("hr_from_data", "hazard ratio numerator vs reference by method.hr_method", "number", _HR),
    _e("hr_ci_from_data", "CI of the hazard ratio by method.hr_method", "interval", _HR),
    _e("cox_coef_from_data", "Cox coefficient of data.term (or the group indicator)", "number",
       _COX),
    _e("cox_se_from_data", "standard error of the Cox coefficient", "number", _COX),
    _e("cox_z_from_data", "Wald z of the Cox coefficient", "number", _COX),
    _e("cox_chisq_from_data", "Cox model test statistic (wald, score or lr)", "number", _COX),
    _e("cox_p_from_data", "p of the Cox coefficient (wald) or model test (score, lr)",
       "p_value", _COX, is_p=True),
    _e("rmst_from_data", "restricted mean survival time up to method.tau", "number", _RMST),
    _e("rmst_diff_from_data", "RMST difference numerator minus reference up to method.tau",
       "number", _RMST),
    _e("rmst_diff_ci_from_data", "normal CI of the RMST difference", "interval", _RMST),
    _e("rmst_diff_p_from_data", "p of the RMST difference (normal)", "p_value", _RMST,
       is_p=True),
    _e("count_from_data", "number of rows (of data.level; with data.variable = data.value)",
       "number"),
    _e("percentage_from_data", "percentage of rows with data.variable = data.value (in "
       "data.level)", "number"),
    _e("mean_sd_from_data", "mean ± SD of data.variable (in data.level)", "mean_sd"),
    _e("contingency_p_from_data", "p of Fisher's exact or chi-square test, data.variable by "
       "data.group", "p_value", ("test",), is_p=True),
    _e("ttest_p_from_data", "p of the two-sample t test of data.variable by data.group",
       "p_value", ("test",), is_p=True),
    _e("mannwhitney_p_from_data", "p of the Mann-Whitney (Wilcoxon rank-sum) test of "
       "data.variable by data.group", "p_value", ("test",), is_p=True),
    _e("anova_p_from_data", "p of a one-way ANOVA of data.variable across the levels of "
       "data.group (two or more)", "p_value", ("test",), is_p=True),
    _e("kruskal_p_from_data", "p of the Kruskal-Wallis rank-sum test of data.variable across "
       "the levels of data.group", "p_value", is_p=True),
]

#: values of ``method.test`` each estimand accepts, with the default first
TEST_VALUES: dict[str, tuple[str, ...]] = {
    "cox_chisq_from_data": ("wald", "score", "lr"),
    "cox_p_from_data": ("wald", "score", "lr"),
    "contingency_p_from_data": ("fisher", "chisq", "chisq_yates"),
    "ttest_p_from_data": ("welch", "pooled"),
    "mannwhitney_p_from_data": ("auto", "exact", "normal"),
    "anova_p_from_data": ("pooled", "welch"),
}

#: options a case must give
REQUIRED: dict[str, tuple[str, ...]] = {
    **{n: ("time",) for n in ("km_survival_at", "km_ci_lower_at", "km_ci_upper_at",
                              "km_ci_at", "km_std_err_at", "km_n_risk_at")},
    **{n: ("tau",) for n in ("rmst_from_data", "rmst_diff_from_data",
                             "rmst_diff_ci_from_data", "rmst_diff_p_from_data")},
}

#: parts of ``data = {...}`` each estimand requires
DATA_REQUIRED: dict[str, tuple[str, ...]] = {
    "logrank_chisq_from_data": ("group",),
    "logrank_p_from_data": ("group",),
    "logrank_expected_from_data": ("group", "level"),
    "exp_lr_chisq_from_data": ("group",),
    "exp_lr_p_from_data": ("group",),
    "hr_from_data": ("group",),
    "hr_ci_from_data": ("group",),
    "rmst_diff_from_data": ("group",),
    "rmst_diff_ci_from_data": ("group",),
    "rmst_diff_p_from_data": ("group",),
    "percentage_from_data": ("variable", "value"),
    "mean_sd_from_data": ("variable",),
    "contingency_p_from_data": ("group", "variable"),
    "ttest_p_from_data": ("group", "variable"),
    "mannwhitney_p_from_data": ("group", "variable"),
    "anova_p_from_data": ("group", "variable"),
    "kruskal_p_from_data": ("group", "variable"),
}
