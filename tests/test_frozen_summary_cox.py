"""Summary tests, the maths of printed CIs and Cox models against FROZEN R values (no R).

The frozen counterparts of tests/test_summary_tests.py (R's fisher.test, chisq.test, t.test),
of the R side of harness/core/printed_ci.py (the functions of harness/r/audit.R, sourced by
tests/results/make_reference.R), and of a subset of tests/test_cox.py's coxph cases (efron,
breslow, exact). Keys ``fisher/``, ``chisq/``, ``ttest/``, ``printed_ci/``, ``cox/``.

Tolerances: rtol 1e-9 (p-values, statistics, coefficients, SEs, log-likelihoods, the printed-CI
maths); Cox test statistics, their p-values and the CI rtol 1e-8 (as tests/test_cox.py:
coxph stops at eps = 1e-12 on the log-likelihood, so the last digits of what is derived from the
converged coefficients are not all shared); counts exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from harness.core import cox as C
from harness.core import hazard as H
from harness.core import printed_ci as P
from harness.core.summary_tests import chisq_p, fisher_exact_p, t_test_from_summaries
from tests.frozen import dataset, ref
from tests.test_summary_tests import TABLES

RTOL = 1e-9


@pytest.mark.parametrize("i", range(len(TABLES)))
def test_fisher_matches_frozen(i):
    assert_allclose(fisher_exact_p(TABLES[i]), ref(f"fisher/{i + 1}")[0], rtol=RTOL)


@pytest.mark.parametrize("correct", [False, True])
@pytest.mark.parametrize("i", range(len(TABLES)))
def test_chisq_matches_frozen(i, correct):
    assert_allclose(chisq_p(TABLES[i], correct=correct),
                    ref(f"chisq/{i + 1}/{str(correct).upper()}")[0], rtol=RTOL)


@pytest.mark.parametrize("welch", [False, True])
def test_t_from_summaries_matches_frozen_t_test(welch):
    x = np.array([4.1, 5.3, 6.2, 5.9, 4.8, 7.0])
    y = np.array([6.6, 7.9, 8.1, 5.7, 9.4])
    py = t_test_from_summaries(x.mean(), x.std(ddof=1), x.size, y.mean(), y.std(ddof=1), y.size,
                               welch=welch)
    assert_allclose([py.t, py.df, py.p], ref(f"ttest/{str(welch).upper()}"), rtol=RTOL)


# the printed (HR, lower, upper) triples of make_reference.R's PRINTED, in order
PRINTED = [(0.59, 0.42, 0.83), (1.91, 0.75, 4.87), (0.7, 0.5, 0.98), (2.5, 1.1, 5.6),
           (0.33, 0.12, 0.91)]


@pytest.mark.parametrize("level", [0.95, 0.9])
@pytest.mark.parametrize("i", range(len(PRINTED)))
def test_printed_ci_maths_matches_frozen_r(i, level):
    hr, lo, hi = PRINTED[i]
    p = f"printed_ci/{i + 1}/{level:g}"
    mh = P.mh_from_ci(lo, hi, level)
    for key in ("o_minus_e", "v", "chisq", "p"):
        assert_allclose(mh[key], ref(f"{p}/mh/{key}")[0], rtol=RTOL, err_msg=key)
    wald = P.wald_p_from_ci(hr, lo, hi, level)
    for key in ("se", "z", "p"):
        assert_allclose(wald[key], ref(f"{p}/wald/{key}")[0], rtol=RTOL, err_msg=key)
    rec = H.recover_mh(hr, lo, hi, conf_level=level)  # the API over the same maths
    assert_allclose([rec.o_minus_e, rec.variance, rec.chisq],
                    [ref(f"{p}/mh/{k}")[0] for k in ("o_minus_e", "v", "chisq")], rtol=RTOL)
    assert_allclose(P.hr_midpoint(lo, hi), ref(f"printed_ci/{i + 1}/midpoint")[0], rtol=RTOL)
    assert_allclose(P.ci_upper(hr, lo), ref(f"printed_ci/{i + 1}/upper")[0], rtol=RTOL)


def _cox_data(name: str):
    d = dataset(name)
    if name in ("lung", "pbc"):
        d["event"] = (d.status == 2).astype(int)
    elif name == "ovarian":
        d["event"], d["time"] = d.fustat.astype(int), d.futime
    else:
        d["event"] = d.status.astype(int)
    if name == "aml":
        d["nonmaint"] = (d.x == "Nonmaintained").astype(float)
    return d


# (key in make_reference.R's COX, data set, covariates, stratum)
COX = [
    ("lung_age+sex+ph.ecog", "lung", ["age", "sex", "ph.ecog"], None),
    ("lung_sex", "lung", ["sex"], None),
    ("veteran_trt+karno|celltype", "veteran", ["trt", "karno"], "celltype"),
    ("ovarian_rx+age", "ovarian", ["rx", "age"], None),
    ("aml_nonmaint", "aml", ["nonmaint"], None),
    ("pbc_trt|edema", "pbc", ["trt"], "edema"),
]


@pytest.mark.parametrize("ties", ["efron", "breslow", "exact"])
@pytest.mark.parametrize("key,name,cols,stratum", COX, ids=[c[0] for c in COX])
def test_coxph_matches_frozen(key, name, cols, stratum, ties):
    d = _cox_data(name).dropna(subset=cols + ([stratum] if stratum else []))
    # make_reference.R fits with coxph.control(eps = 1e-12, iter.max = 50)
    fit = C.coxph(d.time, d.event, d[cols], None if stratum is None else d[stratum], ties=ties,
                  eps=1e-12, max_iter=50)
    p = f"cox/{key}/{ties}"
    assert fit.n == ref(f"{p}/n")[0] and fit.nevent == ref(f"{p}/nevent")[0]
    assert_allclose(fit.coef, ref(f"{p}/coef"), rtol=RTOL)
    assert_allclose(fit.se, ref(f"{p}/se"), rtol=RTOL)
    assert_allclose(fit.loglik, ref(f"{p}/loglik"), rtol=RTOL)
    assert_allclose(fit.wald.chisq, ref(f"{p}/wald")[0], rtol=1e-8)
    score, lr = ref(f"{p}/score"), ref(f"{p}/lr")
    assert_allclose([fit.score.chisq, fit.score.p_value], score[[0, 2]], rtol=1e-8)
    assert fit.score.df == score[1] == len(cols)
    assert_allclose([fit.lr.chisq, fit.lr.p_value], lr[[0, 2]], rtol=1e-8)
    assert_allclose(fit.ci, ref(f"{p}/ci").reshape(-1, 2), rtol=1e-8)
    assert fit.converged and not fit.infinite.any()


def test_lung_cox_by_sex_frozen():
    """tests/test_lung_bridge.py's Cox walking skeleton, against the frozen coxph."""
    d = _cox_data("lung")
    x = (d.sex.to_numpy() == 2).astype(float)
    fit = C.coxph(d.time, d.status, x, coding="12", ties="efron", eps=1e-12, max_iter=50)
    p = "cox/lung_sex/efron"
    assert_allclose([fit.coef[0], fit.se[0], *fit.loglik],
                    np.concatenate([ref(f"{p}/coef"), ref(f"{p}/se"), ref(f"{p}/loglik")]),
                    rtol=RTOL)
