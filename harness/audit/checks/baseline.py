"""Baseline-table p-values recomputed from printed counts, or from mean, SD and n."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np

from harness.audit.checks.common import p_result, record
from harness.audit.checks.registry import check
from harness.audit.context import Context
from harness.audit.judge import Candidate
from harness.audit.records import CaseResult
from harness.core.summary_tests import _MAX_TABLES, chisq_p, fisher_exact_p, t_test_from_summaries
from harness.pack import printed
from harness.pack.cases import Case

_LABELS = {
    "fisher": "Fisher's exact",
    "chisq": "chi-square",
    "chisq_yates": "chi-square (Yates)",
    "pooled": "pooled t",
    "welch": "Welch t",
    "anova": "one-way ANOVA (pooled F)",
    "welch_anova": "Welch's one-way ANOVA",
}


def fisher_tables_bound(counts: np.ndarray) -> float:
    """An upper bound on the number of tables with these margins (what Fisher's exact test
    enumerates): exact for two columns (or rows) when the margin is small, else the product
    over all rows but one of the ways to split the row over the columns."""
    x = counts if counts.shape[1] <= counts.shape[0] else counts.T
    rows, cols = x.sum(axis=1), x.sum(axis=0)
    if x.shape[1] == 2 and cols[0] <= 200_000:
        ways = np.zeros(int(cols[0]) + 1)
        ways[0] = 1.0
        for r in rows:  # number of ways the first column's total is spread over the rows
            cum = np.concatenate([[0.0], np.cumsum(ways)])
            k = np.arange(ways.size)
            ways = cum[k + 1] - cum[np.maximum(k - int(r), 0)]
        return float(ways[-1])
    c = x.shape[1]
    logs = [math.lgamma(r + c) - math.lgamma(r + 1) - math.lgamma(c) for r in rows[:-1]]
    return math.exp(min(sum(logs), 700.0))


def _feasible_tests(case: Case, counts: np.ndarray) -> tuple[tuple[str, ...], str]:
    """The case's tests minus Fisher's exact when its enumeration would be too large."""
    if "fisher" not in case.tests:
        return case.tests, ""
    bound = fisher_tables_bound(counts)
    if bound <= _MAX_TABLES:
        return case.tests, ""
    why = (f"Fisher's exact test skipped: up to {bound:.3g} tables with these margins exceed "
           f"the enumeration limit of {_MAX_TABLES:.0e} (Python and R alike)")
    return tuple(t for t in case.tests if t != "fisher"), why


@check("contingency")
def check_contingency(case: Case, ctx: Context) -> CaseResult:
    """Fisher's exact and chi-square (with and without Yates) p from printed counts.

    Fisher's exact test enumerates every table with the printed margins; above
    ``_MAX_TABLES`` (2e6) tables it is skipped with the reason (the chi-square tests remain;
    a case asking for Fisher only is then ``unverifiable``).

    R equivalent: ``fisher.test(counts)$p.value``, ``chisq.test(counts, correct=)$p.value``.
    """
    counts = np.asarray(case.inputs["counts"], dtype=np.int64)
    tests, skipped = _feasible_tests(case, counts)
    if not tests:
        return record(case, "contingency", "unverifiable", skipped, ctx)
    python = {
        "fisher": lambda: fisher_exact_p(counts),
        "chisq": lambda: chisq_p(counts, correct=False),
        "chisq_yates": lambda: chisq_p(counts, correct=True),
    }
    candidates = []
    for test in tests:
        r_value = None
        if ctx.use_r:
            from harness.r import bridge as rbridge

            if test == "fisher":
                r_value = rbridge.call("harness_fisher_p", counts)
            else:
                r_value = rbridge.call("harness_chisq_p", counts, test == "chisq_yates")
        candidates.append(Candidate(test, _LABELS[test], python[test](), r_value))
    res = p_result(case, ctx, "contingency", candidates)
    return dataclasses.replace(res, message=f"{res.message}; {skipped}") if skipped else res


def _corners(ms: printed.MeanSD) -> tuple[np.ndarray, np.ndarray]:
    """Printed value first, then every corner of the rounding box of (mean, SD)."""
    m, s = ms.mean, ms.sd
    means = [m.value] + [m.value - m.half_unit, m.value + m.half_unit]
    sds = [s.value] + [max(s.value - s.half_unit, 0.0), s.value + s.half_unit]
    pts = [(means[0], sds[0])] + list(itertools.product(means[1:], sds[1:]))
    arr = np.array(pts)
    return arr[:, 0], arr[:, 1]


@check("ttest")
def check_ttest(case: Case, ctx: Context) -> CaseResult:
    """Pooled and Welch t-test p from printed mean ± SD and n, over the rounding of the inputs.

    The printed means and SDs are rounded, so the p they imply is a range: evaluated at the
    printed values and at every corner of their rounding box (t is monotone in each), the
    smallest and largest p bound it.

    R equivalent: ``t.test(x, y, var.equal = TRUE/FALSE)`` for data with these summaries,
    computed from the summaries by ``harness_t_from_summaries`` (``harness/r/stats.R``).
    """
    g1, g2 = case.inputs["groups"]
    a, b = printed.parse_mean_sd(g1["mean_sd"]), printed.parse_mean_sd(g2["mean_sd"])
    m1, s1 = _corners(a)
    m2, s2 = _corners(b)
    # all combinations of the two groups' corners; row 0 is the printed values
    i, j = np.meshgrid(np.arange(m1.size), np.arange(m2.size), indexing="ij")
    i, j = i.ravel(), j.ravel()
    args = (m1[i], s1[i], np.full(i.size, g1["n"], float), m2[j], s2[j],
            np.full(i.size, g2["n"], float))
    candidates = []
    for test in case.tests:
        welch = test == "welch"
        p = np.atleast_1d(t_test_from_summaries(*args, welch=welch).p)
        r_p = None
        if ctx.use_r:
            from harness.r import bridge as rbridge

            r_p = np.atleast_1d(rbridge.call("harness_t_from_summaries", *args, welch)["p"])
        candidates.append(Candidate(
            test, _LABELS[test], float(p[0]), None if r_p is None else float(r_p[0]),
            float(p.min()), float(p.max()),
            None if r_p is None else float(r_p.min()), None if r_p is None else float(r_p.max()),
        ))
    return p_result(case, ctx, "baseline_mean_sd", candidates)


def _box(ms: printed.MeanSD) -> tuple[float, float, float, float]:
    m, s = ms.mean, ms.sd
    return (m.value - m.half_unit, m.value + m.half_unit, max(s.value - s.half_unit, 0.0),
            s.value + s.half_unit)


@check("anova")
def check_anova(case: Case, ctx: Context) -> CaseResult:
    """One-way ANOVA p from each group's printed mean ± SD and n, over their rounding.

    ``anova`` (the classical pooled F) gets its exact range over the rounding box
    (:func:`harness.core.kgroup_tests.anova_extremes`); ``welch_anova`` (R's
    ``oneway.test`` default) is bounded by the printed values and every corner of the box
    (evidence: Welch's F need not be extreme at a corner).

    R equivalent: ``oneway.test(x ~ g, var.equal = TRUE / FALSE)`` for data with these
    summaries, computed from them by ``harness_anova_from_summaries`` (``harness/r/stats.R``).
    """
    from harness.core.kgroup_tests import anova_extremes, anova_from_summaries

    groups = case.inputs["groups"]
    parsed = [printed.parse_mean_sd(g["mean_sd"]) for g in groups]
    ns = np.array([g["n"] for g in groups], dtype=float)
    means = np.array([p.mean.value for p in parsed])
    sds = np.array([p.sd.value for p in parsed])
    box = np.array([_box(p) for p in parsed])  # per group: mean lo, hi, sd lo, hi
    tests, skipped = case.tests, ""
    if "welch_anova" in tests and (sds == 0).any():
        tests = tuple(t for t in tests if t != "welch_anova")
        skipped = "Welch's ANOVA skipped: it is undefined with a printed SD of 0"
    if not tests:
        return record(case, "anova", "unverifiable", skipped, ctx)
    candidates = []
    for test in tests:
        welch = test == "welch_anova"
        if welch:
            k = len(groups)
            if k > 6:
                raise ValueError(f"{k} groups: Welch's ANOVA corners are limited to 6 groups")
            corners = np.array(list(itertools.product(range(4), repeat=k)))  # (4^k, k)
            rows_m = np.where(corners & 1, box[:, 1], box[:, 0])
            rows_s = np.maximum(np.where(corners & 2, box[:, 3], box[:, 2]), 1e-12)
        else:
            lo_cfg, hi_cfg = anova_extremes(box[:, 0], box[:, 1], box[:, 2], box[:, 3], ns)
            rows_m, rows_s = np.vstack([lo_cfg[0], hi_cfg[0]]), np.vstack([lo_cfg[1], hi_cfg[1]])
        rows_m = np.vstack([means, rows_m])
        rows_s = np.vstack([sds, rows_s])
        p = np.atleast_1d(anova_from_summaries(rows_m, rows_s, ns, welch=welch).p)
        r_p = None
        if ctx.use_r:
            from harness.r import bridge as rbridge

            r_p = np.atleast_1d(np.asarray(rbridge.call(
                "harness_anova_from_summaries", rows_m, rows_s, ns, welch)["p"], dtype=float))
        candidates.append(Candidate(
            test, _LABELS[test], float(p[0]), None if r_p is None else float(r_p[0]),
            float(np.nanmin(p)), float(np.nanmax(p)),
            None if r_p is None else float(np.nanmin(r_p)),
            None if r_p is None else float(np.nanmax(r_p)),
        ))
    res = p_result(case, ctx, "anova", candidates)
    return dataclasses.replace(res, message=f"{res.message}; {skipped}") if skipped else res
