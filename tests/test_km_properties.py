"""Property-based agreement with R survival on random data sets (tests.strategies).

One ``evaluate`` per example: the arrays travel once, R fits ``survfit`` once per conf type
and returns everything compared. Together the two tests run 2000 examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.core.km import CONF_TYPES, KaplanMeier
from harness.core.quantiles import median
from harness.core.rmst import rmst
from harness.r import bridge as rbridge
from tests.strategies import surv_datasets
from tests.test_km import assert_same

R_ALL = """
g <- factor(g)
out <- lapply(cts, function(ct) {
  fit <- survfit(Surv(t, e) ~ g, conf.type = ct)
  q <- quantile(fit, 0.5)
  list(time = fit$time, n.risk = fit$n.risk, n.event = fit$n.event, surv = fit$surv,
       std.err = fit$std.err, lower = fit$lower, upper = fit$upper,
       med = as.vector(q$quantile), med.l = as.vector(q$lower), med.u = as.vector(q$upper))
})
names(out) <- cts
fit <- survfit(Surv(t, e) ~ g)
tb <- summary(fit, rmean = tau)$table
if (is.null(dim(tb))) tb <- t(tb)
s <- summary(fit, times = as.vector(tt), extend = TRUE)
out$rmst <- list(rmean = tb[, "rmean"], se = tb[, "se(rmean)"])
out$at <- list(surv = s$surv, std.err = s$std.err, n.risk = s$n.risk, n.event = s$n.event)
out
"""

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=False, print_blob=True)


def _check(time, event, group, tau, times):
    r = rbridge.evaluate(R_ALL, t=time, e=event.astype(int), g=group.astype(int),
                         cts=list(CONF_TYPES), tau=float(tau), tt=np.asarray(times, float))
    for ct in CONF_TYPES:
        km = KaplanMeier(ct).fit(time, event, group)
        rr = r[ct]
        assert_same(km.time_, rr["time"], f"{ct} time", exact=True)
        assert_same(km.n_risk_, rr["n.risk"], f"{ct} n.risk", exact=True)
        assert_same(km.n_event_, rr["n.event"], f"{ct} n.event", exact=True)
        assert_same(km.survival_, rr["surv"], f"{ct} surv")
        assert_same(km.std_err_cumhaz_, rr["std.err"], f"{ct} std.err")
        assert_same(km.lower_, rr["lower"], f"{ct} lower")
        assert_same(km.upper_, rr["upper"], f"{ct} upper")
        m = median(km)
        assert_same(m.estimate, rr["med"], f"{ct} median")
        assert_same(m.lower, rr["med.l"], f"{ct} median lower")
        assert_same(m.upper, rr["med.u"], f"{ct} median upper")
    km = KaplanMeier().fit(time, event, group)
    res = rmst(km, tau)
    assert_same(res.rmst, r["rmst"]["rmean"], "rmean")
    assert_same(res.se, r["rmst"]["se"], "se(rmean)")
    at = km.at(times, extend=True)
    assert_same(at.survival, r["at"]["surv"], "summary surv")
    assert_same(at.std_err, r["at"]["std.err"], "summary std.err")
    assert_same(at.n_risk, r["at"]["n.risk"], "summary n.risk", exact=True)
    assert_same(at.n_event, r["at"]["n.event"], "summary n.event", exact=True)


@st.composite
def _with_tau(draw, **kw):
    time, event, group = draw(surv_datasets(**kw))
    lo, hi = float(time.min()), float(time.max())
    # R's summary(rmean = tau) refuses tau below the smallest time
    tau = draw(st.one_of(st.just(lo), st.just(hi), st.floats(lo, hi * 1.2 + 1)))
    times = sorted(draw(st.lists(st.floats(0, hi * 1.2 + 1), min_size=1, max_size=4)))
    return time, event, group, tau, times


@pytest.mark.r
@settings(max_examples=1400, **SETTINGS)
@given(_with_tau())
def test_python_and_r_agree_on_random_data(case):
    _check(*case)


@pytest.mark.r
@settings(max_examples=600, **SETTINGS)
@given(_with_tau(min_groups=2, max_groups=3, max_n=12))
def test_python_and_r_agree_on_tiny_groups(case):
    """Small groups: groups of one, groups without events, curves ending at 0."""
    _check(*case)
