"""The data path Python -> R -> Python on R's bundled ``lung`` data (walking skeleton).

The data set is loaded from R through the bridge, analysed in Python, and the same analysis
is run in R on R's own copy; the numbers must agree to 1e-9. The R calls stand beside them.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from harness.core.cox import coxph
from harness.core.logrank import survdiff

pytestmark = pytest.mark.r


@pytest.fixture(scope="module")
def lung():
    from harness.r import bridge as rbridge

    rbridge.require()
    return rbridge.dataset("lung")


def test_logrank_by_sex(lung, r):
    res = survdiff(lung["time"], lung["status"], lung["sex"], coding="12")
    ref = r.evaluate("d <- survdiff(Surv(time, status) ~ sex, data = lung); "
                     "c(d$chisq, d$obs, d$exp)")
    # options(digits=16); survdiff(Surv(time, status) ~ sex, data = lung)$chisq
    # [1] 10.32674195488563
    assert_allclose(res.chisq, 10.32674195488563, rtol=1e-9)
    assert_allclose([res.chisq, *res.observed, *res.expected], ref, rtol=1e-9)
    assert res.observed.tolist() == [112, 53]  # events by sex, exactly


def test_cox_coefficient_by_sex(lung, r):
    x = (lung["sex"].to_numpy() == 2).astype(float)  # female = 1, as coxph(~ sex) codes 1/2
    fit = coxph(lung["time"], lung["status"], x, coding="12", ties="efron", eps=1e-12)
    ref = r.evaluate("f <- coxph(Surv(time, status) ~ sex, data = lung, "
                     "control = coxph.control(eps = 1e-12)); "
                     "c(coef(f), sqrt(diag(vcov(f))), f$loglik)")
    assert_allclose([fit.coef[0], fit.se[0], *fit.loglik], ref, rtol=1e-9)
    # options(digits=16); coef(coxph(Surv(time, status) ~ sex, data = lung))
    #                 sex
    # -0.5310235376195082   (R's default eps = 1e-9: agrees to ~1e-10 with the tight fit)
    assert_allclose(fit.coef[0], -0.5310235376195082, rtol=1e-8)


def test_lung_round_trip_is_lossless(lung, r):
    # the frame that came from R goes back to R unchanged: same sums, same NA count
    ref = r.evaluate("c(sum(lung$time), sum(is.na(lung$wt.loss)), sum(lung$status == 2))")
    got = [lung["time"].sum(), np.isnan(lung["wt.loss"]).sum(), (lung["status"] == 2).sum()]
    assert_allclose(got, ref, rtol=0)
    back = r.evaluate("sum(t)", t=lung["time"].to_numpy())
    assert back == ref[0]
