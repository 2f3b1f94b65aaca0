"""The vectorised core used by the resampling engines, against the scalar routines: the
two-group log-rank O - E and V and the MH log HR (harness.core.logrank / hazard) against
survdiff's, the per-row scores against O - E, and the binary Efron Cox from counts
(harness.core.cox_binary) against harness.core.cox.coxph and R's coxph."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from harness.core.cells import level_codes, risk_cells, suffix_within
from harness.core.cox import coxph
from harness.core.cox_binary import cox_binary_log_hr
from harness.core.hazard import hazard_ratio, mh_log_hr
from harness.core.logrank import (
    logrank_scores,
    survdiff,
    two_group_logrank,
    weighted_logrank,
)


def _sim(n, seed, strata=0):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 2, n)
    t = np.ceil(rng.exponential(20.0 * np.where(g == 1, 1.5, 1.0)))  # whole days: ties
    e = (rng.random(n) > 0.25).astype(int)
    s = rng.integers(0, strata, n) if strata else None
    return t, e, g, s


def _counts(t, e, g, s):
    """Per-group numbers at risk and events at the (stratum, time) cells with an event."""
    s_codes, s_lv = level_codes(s, t.size)
    c = risk_cells(t, s_codes, len(s_lv))
    m = c.time.size
    rows = np.bincount(c.inverse * 2 + g, minlength=2 * m).reshape(m, 2).astype(float)
    dead = np.bincount(c.inverse * 2 + g, weights=e.astype(float), minlength=2 * m).reshape(m, 2)
    risk = suffix_within(rows, c)
    keep = dead.sum(axis=1) > 0
    return risk[keep, 1], risk[keep, 0], dead[keep, 1], dead[keep, 0]


@pytest.mark.parametrize("seed,strata", [(1, 0), (2, 0), (3, 3)])
def test_two_group_logrank_and_mh_match_survdiff(seed, strata):
    t, e, g, s = _sim(80, seed, strata)
    n1, n0, d1, d0 = _counts(t, e, g, s)
    ome, v = two_group_logrank(n1[None], (n1 + n0)[None], d1[None], (d1 + d0)[None])
    ref = weighted_logrank(t, e, g, s)
    assert_allclose(ome[0], ref.o_minus_e[1], rtol=1e-12)
    assert_allclose(v[0], ref.variance[1, 1], rtol=1e-12)
    if s is None:
        hr = hazard_ratio(t, e, g, method="mantel-haenszel")
        assert_allclose(np.exp(mh_log_hr(ome, v))[0], hr.hr, rtol=1e-12)


def test_mh_log_hr_nan_where_v_is_zero():
    out = mh_log_hr(np.array([1.0, 0.0, 2.0]), np.array([2.0, 0.0, -1.0]))
    assert out[0] == 0.5 and np.isnan(out[1]) and np.isnan(out[2])


def test_scores_sum_to_o_minus_e():
    t, e, g, _ = _sim(60, 4)
    a = logrank_scores(t, e)
    assert_allclose(a[g == 1].sum(), survdiff(t, e, g).o_minus_e[1], rtol=1e-12)


@pytest.mark.parametrize("seed,strata", [(5, 0), (6, 0), (7, 2), (8, 4)])
def test_cox_binary_matches_coxph_efron(seed, strata):
    t, e, g, s = _sim(120, seed, strata)
    n1, n0, d1, d0 = _counts(t, e, g, s)
    beta = cox_binary_log_hr(n1[None], n0[None], d1[None], d0[None])
    ref = coxph(t, e, g.astype(float), strata=s, ties="efron")
    assert_allclose(beta[0], ref.coef[0], rtol=1e-9)


def test_cox_binary_rows_are_independent():
    """Each row is its own data set: stacking rows changes no row's estimate."""
    rows = [_counts(*_sim(60, seed)) for seed in (9, 10)]
    m = max(r[0].size for r in rows)
    pad = [np.stack([np.pad(r[j], (0, m - r[j].size)) for r in rows]) for j in range(4)]
    both = cox_binary_log_hr(*pad)
    for i, r in enumerate(rows):
        one = cox_binary_log_hr(*(x[None] for x in r))
        assert_allclose(both[i], one[0], rtol=1e-12)


def test_cox_binary_monotone_likelihood_and_undefined():
    # group 1 has no events: beta -> -inf; group 0 has none: +inf
    n1 = np.array([[3.0, 2.0], [3.0, 2.0]])
    n0 = np.array([[3.0, 2.0], [3.0, 2.0]])
    d1 = np.array([[0.0, 0.0], [1.0, 1.0]])
    d0 = np.array([[1.0, 1.0], [0.0, 0.0]])
    beta = cox_binary_log_hr(n1, n0, d1, d0)
    assert beta[0] == -np.inf and beta[1] == np.inf
    # no event time with both groups at risk: undefined
    beta = cox_binary_log_hr(np.array([[2.0, 0.0]]), np.array([[0.0, 2.0]]),
                             np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    assert np.isnan(beta[0])


@pytest.mark.r
def test_cox_binary_matches_r_coxph(r):
    t, e, g, s = _sim(150, 11, 3)
    n1, n0, d1, d0 = _counts(t, e, g, s)
    beta = cox_binary_log_hr(n1[None], n0[None], d1[None], d0[None])[0]
    ref = r.evaluate(
        "coef(coxph(Surv(time, status) ~ x + strata(s), ties = 'efron',"
        " control = coxph.control(eps = 1e-12, iter.max = 50)))",
        time=t, status=e, x=g.astype(float), s=s.astype(float))
    assert_allclose(beta, np.asarray(ref).reshape(-1)[0], rtol=1e-9)
