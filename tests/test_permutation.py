"""Permutation tests (harness.resample) against survdiff on the same permutations, coin's
Monte Carlo and exact distributions, and harness.core.logrank / hazard / cox on the observed data.

Data: R's ``aml`` (n = 23) and the first 64 / 44 rows of ``lung`` (the seed's sizes).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from harness.core.cox import coxph
from harness.core.hazard import hazard_ratio
from harness.core.logrank import weighted_logrank
from harness.r import bridge as rbridge
from harness.resample import permutation_statistics, permutation_test

TOL = 1e-9


def lung(n: int):
    d = rbridge.dataset("lung").iloc[:n]
    return d.time.to_numpy(float), (d.status.to_numpy() == 2).astype(int), d.sex.to_numpy()


def aml():
    d = rbridge.dataset("aml")
    return d.time.to_numpy(float), d.status.to_numpy().astype(int), d.x.to_numpy()


def small():
    """Hand-made data with ties, usable without R."""
    t = np.array([1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 9, 9], float)
    e = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1])
    g = np.array(list("ABABABABBAAB"))
    s = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    return t, e, g, s


# ------------------------------------------------------------------------------ no R needed
@pytest.mark.parametrize(
    "test,rho,gamma",
    [("logrank", 0, 0), ("peto", 1, 0), ("fleming-harrington", 1, 1), ("gehan-breslow", 0, 0),
     ("tarone-ware", 0, 0)],
)
def test_observed_equals_harness_logrank(test, rho, gamma):
    t, e, g, s = small()
    for strata in (None, s):
        r = permutation_test(t, e, g, strata, weights=test, rho=rho, gamma=gamma, B=10, seed=1)
        ref = weighted_logrank(t, e, g, strata, weights=test, rho=rho, gamma=gamma)
        assert r.observed == pytest.approx(ref.chisq, rel=1e-12)


def test_exact_enumeration_small_data():
    t, e, g, s = small()
    r = permutation_test(t, e, g, B=10, seed=1)
    assert r.method == "exact"
    assert r.arrangements == r.resamples == math.comb(12, 6)
    assert r.p_value == r.exceed / r.resamples
    assert r.mc_se == 0.0 and r.seed is None
    # within strata: product of the per-stratum numbers of arrangements
    rs = permutation_test(t, e, g, s, B=10, seed=1)
    assert rs.arrangements == math.comb(6, 3) * math.comb(6, 3)
    assert rs.method == "exact"
    # enumeration by brute force over all relabellings, checked with the public evaluator
    import itertools

    labels = []
    for ones in itertools.combinations(range(12), 6):
        lab = np.array(["A"] * 12)
        lab[list(ones)] = "B"
        labels.append(lab)
    stats = permutation_statistics(t, e, g, np.array(labels))
    assert r.exceed == int((stats >= r.observed * (1 - 1e-10)).sum())


def test_monte_carlo_p_and_se():
    t, e, g, _ = small()
    r = permutation_test(t, e, g, B=999, seed=3, method="monte-carlo")
    assert r.method == "monte-carlo"
    assert r.p_value == (r.exceed + 1) / (999 + 1)
    ph = r.exceed / 999
    assert r.mc_se == pytest.approx(np.sqrt(ph * (1 - ph) / 999))
    assert r.summary.loc[0, "p"] == r.p_value


def test_reproducible_and_thread_independent():
    t, e, g = lung_like(400)
    a = permutation_test(t, e, g, B=20000, seed=11, n_jobs=1)
    b = permutation_test(t, e, g, B=20000, seed=11, n_jobs=2)
    assert_allclose(a.distribution, b.distribution, rtol=0, atol=0)
    c = permutation_test(t, e, g, B=20000, seed=12, n_jobs=1)
    assert not np.array_equal(a.distribution, c.distribution)


def lung_like(n, seed=5):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 2, n)
    t = np.ceil(rng.exponential(10 * np.where(g == 1, 1.4, 1.0)))
    return t, (rng.random(n) > 0.3).astype(int), g


def test_paths_agree_stratified_and_large_n():
    """The selection-sampling path, the generic path and the evaluator give survdiff's
    statistic for the permutations they draw (checked on the stored distribution range)."""
    t, e, g = lung_like(300)
    s = np.arange(300) % 3
    r = permutation_test(t, e, g, s, B=500, seed=2)
    assert r.observed == pytest.approx(weighted_logrank(t, e, g, s).chisq, rel=1e-12)
    assert np.all(r.distribution >= 0)
    big = lung_like(6000)
    rb = permutation_test(*big, B=50, seed=2)  # n > 5000: cumulative-sum path
    assert rb.observed == pytest.approx(weighted_logrank(*big).chisq, rel=1e-12)


def test_k_groups_and_hazard_ratios_observed():
    t, e, g = lung_like(120)
    g3 = np.arange(120) % 3
    r3 = permutation_test(t, e, g3, B=200, seed=1)
    assert r3.observed == pytest.approx(weighted_logrank(t, e, g3).chisq, rel=1e-12)
    mh = permutation_test(t, e, g, statistic="mh_hr", B=200, seed=1)
    assert mh.estimate == pytest.approx(hazard_ratio(t, e, g).hr, rel=1e-12)
    cx = permutation_test(t, e, g, statistic="cox_hr", B=200, seed=1)
    assert cx.estimate == pytest.approx(float(np.exp(coxph(t, e, g.astype(float)).coef[0])),
                                        rel=1e-9)
    assert cx.observed == pytest.approx(abs(np.log(cx.estimate)))


def test_cox_infinite_counts_as_extreme():
    # group 1's events all happen while group 0 is at risk and group 0 dies only afterwards:
    # some permutations separate the groups completely -> infinite |log HR|
    t = np.arange(1, 9, dtype=float)
    e = np.ones(8, int)
    g = np.array([1, 0, 1, 0, 1, 0, 0, 1])
    r = permutation_test(t, e, g, statistic="cox_hr", B=10)
    assert r.method == "exact"
    assert np.isinf(r.distribution).sum() >= 2  # e.g. 1111 0000 and 0000 1111
    assert r.undefined == 0


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"B": 0}, "B .* integer >= 1"),
        ({"B": 2.5}, "B .* integer >= 1"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"seed": "7"}, "seed must be an integer"),
        ({"seed": -1}, "non-negative"),
        ({"statistic": "wilcoxon"}, "statistic must be one of"),
        ({"weights": "nope"}, "weights must be one of logrank, peto"),
        ({"weights": "peto", "gamma": 1}, "gamma is only used with"),
        ({"weights": "logrank", "rho": 1}, "rho is only used with"),
        ({"method": "exact", "exact_limit": 10}, "exceed exact_limit"),
        ({"levels": ["A", "B", "C"]}, r"group\(s\) \['C'\] have no rows"),
    ],
)
def test_bad_input(kwargs, match):
    t, e, g, _ = small()
    args = {"B": 100, "seed": 1, "method": "monte-carlo"}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        permutation_test(t, e, g, **args)


def test_bad_input_groups():
    t, e, _g, _ = small()
    with pytest.raises(ValueError, match="at least two"):
        permutation_test(t, e, np.array(["A"] * 12), B=10, seed=1)
    with pytest.raises(ValueError, match="exactly two groups"):
        permutation_test(t, e, np.arange(12) % 3, statistic="mh_hr", B=10, seed=1)
    with pytest.raises(ValueError, match="undefined on the observed data"):
        # no event time has both groups at risk: MH log HR is 0/0
        permutation_test([1, 2, 3, 4], [0, 0, 1, 1], ["a", "a", "b", "b"],
                         statistic="mh_hr", B=10, seed=1)


# ------------------------------------------------------------------------------ against R
@pytest.mark.r
@pytest.mark.parametrize("n", [64, 44])
def test_same_permutations_as_survdiff(n):
    t, e, g = lung(n)
    rng = np.random.default_rng(42)
    labels = np.array([rng.permutation(g) for _ in range(200)])
    ours = permutation_statistics(t, e, g, labels)
    r = rbridge.evaluate(
        "apply(labels, 1, function(g) survdiff(Surv(time, status) ~ g)$chisq)",
        time=t, status=e, labels=labels)
    assert_allclose(ours, r, rtol=TOL)
    # G-rho with rho = 1 (Peto & Peto as survdiff computes it)
    ours1 = permutation_statistics(t, e, g, labels, weights="peto", rho=1)
    r1 = rbridge.evaluate(
        "apply(labels, 1, function(g) survdiff(Surv(time, status) ~ g, rho = 1)$chisq)",
        time=t, status=e, labels=labels)
    assert_allclose(ours1, r1, rtol=TOL)


@pytest.mark.r
def test_same_permutations_strata_and_three_groups():
    t, e, sex = lung(64)
    d = rbridge.dataset("lung").iloc[:64]
    strata = (d.age.to_numpy() >= 63).astype(int)
    g3 = d["ph.ecog"].fillna(1).clip(upper=2).to_numpy().astype(int)
    rng = np.random.default_rng(1)
    lab = np.empty((100, 64), int)
    for i in range(100):  # permute within strata
        lab[i] = sex
        for s in (0, 1):
            idx = np.flatnonzero(strata == s)
            lab[i, idx] = rng.permutation(sex[idx])
    ours = permutation_statistics(t, e, sex, lab, strata)
    r = rbridge.evaluate(
        "apply(labels, 1, function(g) survdiff(Surv(time, status) ~ g + strata(s))$chisq)",
        time=t, status=e, labels=lab, s=strata)
    assert_allclose(ours, r, rtol=TOL)
    lab3 = np.array([rng.permutation(g3) for _ in range(100)])
    ours3 = permutation_statistics(t, e, g3, lab3)
    r3 = rbridge.evaluate(
        "apply(labels, 1, function(g) survdiff(Surv(time, status) ~ g)$chisq)",
        time=t, status=e, labels=lab3)
    assert_allclose(ours3, r3, rtol=TOL)


@pytest.mark.r
def test_same_permutations_mh_and_cox_hr():
    t, e, g = lung(64)
    rng = np.random.default_rng(3)
    labels = np.array([rng.permutation(g) for _ in range(100)])
    mh = permutation_statistics(t, e, g, labels, statistic="mh_hr")
    r_mh = rbridge.evaluate(
        "apply(labels, 1, function(g) { s <- survdiff(Surv(time, status) ~ g);"
        " abs((s$obs[1] - s$exp[1]) / s$var[1, 1]) })",
        time=t, status=e, labels=labels)
    assert_allclose(mh, r_mh, rtol=TOL)
    cx = permutation_statistics(t, e, g, labels, statistic="cox_hr")
    r_cx = rbridge.evaluate(
        "apply(labels, 1, function(g) abs(coef(coxph(Surv(time, status) ~ g,"
        " control = coxph.control(eps = 1e-12, iter.max = 50)))))",
        time=t, status=e, labels=labels)
    assert_allclose(cx, r_cx, rtol=1e-8)


@pytest.mark.r
@pytest.mark.parametrize("n,coin_type,ours_test", [(64, "logrank", "logrank"),
                                                    (44, "logrank", "logrank"),
                                                    (64, "Gehan-Breslow", "gehan-breslow")])
def test_monte_carlo_p_agrees_with_coin(n, coin_type, ours_test):
    t, e, g = lung(n)
    B = 20000
    ours = permutation_test(t, e, g, weights=ours_test, statistic="coin", B=B, seed=2024)
    r = rbridge.evaluate(
        "set.seed(1); lt <- coin::logrank_test(Surv(time, status) ~ factor(g), type = type,"
        " distribution = coin::approximate(nresample = B));"
        " c(statistic(lt), pvalue(lt))",
        time=t, status=e, g=g, type=coin_type, B=B)
    # same statistic (coin's standardised linear statistic, squared here)
    assert ours.observed == pytest.approx(r[0] ** 2, rel=TOL)
    se_r = np.sqrt(r[1] * (1 - r[1]) / B)
    assert abs(ours.p_value - r[1]) < 4 * np.sqrt(ours.mc_se**2 + se_r**2)


@pytest.mark.r
def test_exact_p_agrees_with_coin_exact_aml():
    t, e, g = aml()
    ours = permutation_test(t, e, g, statistic="coin", exact_limit=2_000_000)
    assert ours.method == "exact" and ours.resamples == math.comb(23, 11)
    p = rbridge.evaluate(
        "pvalue(coin::logrank_test(Surv(time, status) ~ factor(x), data = survival::aml,"
        " distribution = coin::exact()))")
    # complete enumeration of the C(23, 11) = 1352078 arrangements vs coin's exact
    # distribution of the same statistic: equal to rounding (5e-17 here)
    assert ours.p_value == pytest.approx(p, rel=1e-9)


@pytest.mark.r
def test_coin_and_survdiff_statistics_differ_by_the_variance():
    """coin standardises O - E by the permutation variance, survdiff by the hypergeometric
    one: chisq / coin statistic = V_perm / V_hyper (pinned for lung[1:64])."""
    t, e, g = lung(64)
    r = rbridge.evaluate(
        "lt <- coin::logrank_test(Surv(time, status) ~ factor(g));"
        " sd <- survdiff(Surv(time, status) ~ g);"
        " c(statistic(lt)^2, sd$chisq, variance(lt), sd$var[1, 1])",
        time=t, status=e, g=g)
    chisq = permutation_test(t, e, g, B=1, seed=1, method="monte-carlo").observed
    coin_stat = permutation_test(t, e, g, statistic="coin", B=1, seed=1,
                                 method="monte-carlo").observed
    assert coin_stat == pytest.approx(r[0], rel=TOL)
    assert chisq == pytest.approx(r[1], rel=TOL)
    assert chisq / coin_stat == pytest.approx(r[2] / r[3], rel=TOL)
    assert r[2] == pytest.approx(13.57829, abs=1e-5)  # permutation variance
    assert r[3] == pytest.approx(14.15776, abs=1e-5)  # hypergeometric variance


@pytest.mark.r
def test_coin_prentice_is_not_survdiff_rho1():
    """coin's "Prentice" weights differ from survdiff's rho = 1 (pinned)."""
    t, e, g = lung(64)
    r = rbridge.evaluate(
        "lt <- coin::logrank_test(Surv(time, status) ~ factor(g), type = 'Prentice');"
        " statistic(lt)^2", time=t, status=e, g=g)
    ours = permutation_test(t, e, g, weights="peto", rho=1, statistic="coin", B=1, seed=1,
                            method="monte-carlo").observed
    assert abs(ours - r) > 1e-3
