"""Software conventions the core adds beyond R survival's defaults, against R.

* SAS LIFETEST ``TEST=PETO`` / ``TEST=MODPETO`` (weights ``"peto-peto"``, ``"modified-peto"``),
  the modestly weighted log-rank test (``"modestly-weighted"``, ``t_star`` / ``s_star``) and
  Fleming-Harrington: against the R loop ``wlr2`` of tests/results/conventions.R (which is
  itself checked against ``survdiff`` for ``rho = 0, 1``) and against coin where coin's weights
  coincide (``type = "Prentice-Marek"`` is SAS's Peto-Peto; coin's ``"Prentice"`` and
  ``"Andersen-Borgan-Gill-Keiding"`` are *not* SAS's weights: pinned differences);
* the max-combo test (:func:`harness.core.maxcombo.maxcombo`): Z and correlation against the
  loop ``maxcombo_r`` to 1e-9, the p-value against ``mvtnorm::pmvnorm`` within the two
  integration errors;
* SAS's exponential likelihood-ratio test against ``survreg(dist = "exponential")``.

Each comes twice: frozen (tests/results/conventions.tsv, written by
tests/results/make_conventions.R beside it; no R needed) and live (marker ``r``: hypothesis
draws from tests.strategies, with strata added, compared through the bridge; and a re-run of
the frozen script, which must reproduce the committed file).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from harness.core import logrank as L
from harness.core.exponential import exponential_lr_test
from harness.core.maxcombo import maxcombo
from tests.frozen import RESULTS, event_data, read_reference
from tests.strategies import surv_datasets

RTOL = 1e-9
#: the max-combo p-value's integration tolerance (absolute): the core's default (10 scrambled
#: Sobol sets of 2^16 points) measured within 4.3e-5 of pmvnorm at abseps 1e-8 on the worst of
#: 100 hypothesis draws (a singular correlation); its own 3.5-SE error estimate is reported as
#: p_error but, from 10 replicates, is itself noisy, so the test allows the larger of the two
P_TOL = 1e-4
SCRIPT = RESULTS / "make_conventions.R"
R_FUNCTIONS = (RESULTS / "conventions.R").read_text(encoding="utf-8")
FROZEN = read_reference(RESULTS / "conventions.tsv")

# (data set, group, strata or None, t*) as CASES in make_conventions.R
CASES = {
    "lung_sex": ("lung", "sex", None, 365),
    "veteran_celltype": ("veteran", "celltype", None, 100),
    "aml_x": ("aml", "x", None, 20),
    "colon_rx": ("colon", "rx", None, 1000),
    "lung_sex|inst": ("lung", "sex", "inst", 365),
    "veteran_trt|celltype": ("veteran", "trt", "celltype", 100),
}
# the R loop's weight functions (make_conventions.R: W) as harness options
WEIGHTS = {
    "peto-peto": ("peto-peto", {}),
    "modified-peto": ("modified-peto", {}),
    "mw-s0.5": ("modestly-weighted", {"s_star": 0.5}),
    "mw-t": ("modestly-weighted", "t_star"),
    "fh-1-1": ("fleming-harrington", {"rho": 1, "gamma": 1}),
    "fh-0-1": ("fleming-harrington", {"rho": 0, "gamma": 1}),
    "peto": ("peto", {"rho": 1}),
}


def ref(key):
    if key not in FROZEN:
        raise KeyError(f"{key!r} is not in tests/results/conventions.tsv: add it to "
                       f"tests/results/make_conventions.R and re-run it")
    return FROZEN[key]


def _case(key):
    name, col, stratum, tstar = CASES[key]
    d = event_data(name)
    if stratum is not None:
        d = d.dropna(subset=[stratum])
    strata = None if stratum is None else d[stratum]
    group = d[col].astype(str) if d[col].dtype == object else d[col]
    return d, group, strata, tstar


def _options(wkey, tstar):
    weights, kw = WEIGHTS[wkey]
    return weights, ({"t_star": tstar} if kw == "t_star" else kw)


# --------------------------------------------------------------------------------------------
# frozen: weighted log-rank
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wkey", list(WEIGHTS))
@pytest.mark.parametrize("key", list(CASES))
def test_weights_match_frozen_r_loop(key, wkey):
    d, group, strata, tstar = _case(key)
    weights, kw = _options(wkey, tstar)
    res = L.weighted_logrank(d.time, d.event, group, strata, weights=weights, **kw)
    p = f"wlr2/{key}/{wkey}"
    k = res.levels.__len__()
    assert_allclose(res.observed, ref(f"{p}/obs"), rtol=RTOL)
    assert_allclose(res.expected, ref(f"{p}/exp"), rtol=RTOL)
    assert_allclose(res.variance, ref(f"{p}/var").reshape(k, k), rtol=RTOL, atol=1e-9)
    assert_allclose(res.chisq, ref(f"{p}/chisq")[0], rtol=RTOL)


def test_frozen_loop_reproduces_survdiff_stratified():
    """The loop's weight S(t-) is survdiff's rho = 1, stratified (sanity of the reference)."""
    assert_allclose(ref("wlr2/lung_sex|inst/peto/chisq"), ref("survdiff/lung_sex|inst/1"),
                    rtol=1e-12)


@pytest.mark.parametrize("key", ["lung_sex", "veteran_celltype", "colon_rx"])
def test_sas_peto_is_not_survdiff_rho1(key):
    """The documented difference: S~(t) (events at t included, n + 1) is not S(t-)."""
    for sas in ("peto-peto", "modified-peto"):
        rel = ref(f"wlr2/{key}/{sas}/chisq")[0] / ref(f"wlr2/{key}/peto/chisq")[0] - 1
        assert 1e-6 < abs(rel) < 0.1, (sas, rel)


def test_modestly_weighted_by_hand():
    """Magirr & Burman (2019): w(t) = 1 / max(S(t-), S(t*)), S the pooled Kaplan-Meier.

    A: events 1, 3, censored 5; B: events 2, 4, 6. Event times (n, n_A, S(t-)):
    1 (6, 3, 1), 2 (5, 2, 5/6), 3 (4, 2, 2/3), 4 (3, 1, 1/2), 6 (1, 0, 1/3).
    t* = 2: S(2) = 5/6 * 4/5 = 2/3, so w = 1, 6/5, 3/2, 3/2, 3/2 (one death each time).
    O_A = 1 + 3/2; E_A = 3/6 + (6/5)(2/5) + (3/2)(2/4) + (3/2)(1/3);
    V = sum w^2 p (1 - p) = 1/4 + (36/25)(6/25) + (9/4)(1/4) + (9/4)(2/9) (+ 0 at n = 1).
    """
    from fractions import Fraction as F

    o = F(5, 2)
    e = F(1, 2) + F(6, 5) * F(2, 5) + F(3, 2) * F(1, 2) + F(3, 2) * F(1, 3)
    v = F(1, 4) + F(36, 25) * F(6, 25) + F(9, 4) * F(1, 4) + F(9, 4) * F(2, 9)
    t = [1, 3, 5, 2, 4, 6]
    ev = [1, 1, 0, 1, 1, 1]
    g = ["A", "A", "A", "B", "B", "B"]
    for kw in ({"t_star": 2}, {"t_star": 2.5}, {"s_star": 2 / 3}):
        res = L.weighted_logrank(t, ev, g, weights="modestly-weighted", **kw)
        assert (res.t_star, res.s_star) == (kw.get("t_star"), kw.get("s_star"))
        assert_allclose(res.observed[0], float(o), rtol=1e-14)
        assert_allclose(res.expected[0], float(e), rtol=1e-14)
        assert_allclose(res.variance[0, 0], float(v), rtol=1e-14)
        assert_allclose(res.chisq, float((o - e) ** 2 / v), rtol=1e-13)
    # t* before the first event: S(t*) = 1, every weight 1: the log-rank test
    lr = L.survdiff(t, ev, g)
    mw = L.weighted_logrank(t, ev, g, weights="modestly-weighted", t_star=0.5)
    assert_allclose(mw.chisq, lr.chisq, rtol=1e-14)


# --------------------------------------------------------------------------------------------
# frozen: coin
# --------------------------------------------------------------------------------------------
def _coin_check(weights, kw, ckey):
    """coin's centered statistic is -(O - E) of the first level; its variance the permutation
    variance of our scores (as tests/test_logrank.py checks for coin's other types)."""
    d = event_data("lung")
    centered, var, z = ref(f"coin/lung_sex/{ckey}")
    res = L.weighted_logrank(d.time, d.event, d.sex, weights=weights, **kw)
    a = L.logrank_scores(d.time, d.event, weights=weights, **kw)
    n, n1 = a.size, int((d.sex == 1).sum())
    vperm = n1 * (n - n1) / (n * (n - 1)) * np.sum((a - a.mean()) ** 2)
    return res, centered, var, z, vperm


@pytest.mark.parametrize("weights,kw,ckey", [
    ("peto-peto", {}, "Prentice-Marek"),          # coin: cumprod(1 - d / (n + 1)), at t
    ("peto", {"rho": 1}, "Peto-Peto"),            # coin: the left-continuous KM
    ("modestly-weighted", {"s_star": 0.5}, "mw-s0.5"),  # coin with a custom weight function
])
def test_coin_weights_that_coincide(weights, kw, ckey):
    res, centered, var, z, vperm = _coin_check(weights, kw, ckey)
    assert_allclose(-centered, res.o_minus_e[0], rtol=RTOL)
    assert_allclose(var, vperm, rtol=RTOL)
    assert_allclose(z**2, res.o_minus_e[0] ** 2 / vperm, rtol=RTOL)


@pytest.mark.parametrize("weights,ckey", [
    # coin's "Prentice" is cumprod(n / (n + d)): equal to 1 - d/(n + 1) only where d = 1
    ("peto-peto", "Prentice"),
    # coin's "Andersen-Borgan-Gill-Keiding" is S~(t-) n / (n + 1), SAS's MODPETO S~(t) n / (n + 1)
    ("modified-peto", "ABGK"),
])
def test_coin_weights_that_differ_from_sas(weights, ckey):
    res, centered, _, _, _ = _coin_check(weights, {}, ckey)
    rel = -centered / res.o_minus_e[0] - 1
    assert 1e-5 < abs(rel) < 1e-2, rel  # lung has tied deaths: the weights differ


# --------------------------------------------------------------------------------------------
# frozen: max-combo and the exponential LR test
# --------------------------------------------------------------------------------------------
MAXCOMBO = ["lung_sex", "aml_x", "lung_sex|inst", "veteran_trt|celltype"]


def _check_maxcombo(res, p):
    k = len(res.tests)
    assert_allclose(res.u, ref(f"{p}/u"), rtol=RTOL)
    assert_allclose(res.covariance, ref(f"{p}/cov").reshape(k, k), rtol=RTOL)
    assert_allclose(res.z, ref(f"{p}/z"), rtol=RTOL)
    assert_allclose(res.corr, ref(f"{p}/corr").reshape(k, k), rtol=RTOL)
    assert_allclose(res.statistic, ref(f"{p}/zmax")[0], rtol=RTOL)
    # the p-values are two quasi-Monte Carlo integrals: equal within the integration tolerance
    tol = max(P_TOL, res.p_error + ref(f"{p}/p_error")[0])
    assert abs(res.p_value - ref(f"{p}/p")[0]) <= tol, (res.p_value, ref(f"{p}/p"), tol)
    assert res.p_error < 5e-5


@pytest.mark.parametrize("key", MAXCOMBO)
def test_maxcombo_matches_frozen(key):
    d, group, strata, _ = _case(key)
    _check_maxcombo(maxcombo(d.time, d.event, group, strata), f"maxcombo/{key}")


def test_maxcombo_other_components_match_frozen():
    d, group, _, _ = _case("lung_sex")
    res = maxcombo(d.time, d.event, group, tests=[(0, 0), (1, 0), (0, 1)])
    _check_maxcombo(res, "maxcombo/lung_sex_fh3")


def test_maxcombo_components_are_the_weighted_logrank_tests():
    """Z_k^2 is the FH(rho, gamma) chi-square of weighted_logrank (one formula, one home)."""
    d, group, strata, _ = _case("lung_sex|inst")
    res = maxcombo(d.time, d.event, group, strata)
    for (rho, gamma), z in zip(res.tests, res.z):
        wl = L.weighted_logrank(d.time, d.event, group, strata, weights="fleming-harrington",
                                rho=rho, gamma=gamma)
        assert_allclose(z**2, wl.chisq, rtol=1e-12)
        assert_allclose(z, wl.o_minus_e[1] / np.sqrt(wl.variance[1, 1]), rtol=1e-12)


@pytest.mark.parametrize("key", ["lung_sex", "veteran_celltype", "aml_x", "colon_rx"])
def test_exponential_lr_matches_frozen_survreg(key):
    d, group, _, _ = _case(key)
    res = exponential_lr_test(d.time, d.event, group)
    chisq, df, p = ref(f"exp_lr/{key}")
    assert_allclose(res.chisq, chisq, rtol=RTOL)
    assert res.df == df
    assert_allclose(res.p_value, p, rtol=1e-7)


def test_exponential_lr_by_hand():
    """SAS's formula on a small example: A 3 events in 10 time units, B 1 event in 10."""
    res = exponential_lr_test([2, 3, 5, 1, 9], [1, 1, 1, 0, 1], ["A", "A", "A", "B", "B"])
    # N = 4, T = 20; A: N 3, T 10; B: N 1, T 10
    expected = 2 * 4 * np.log(20 / 4) - 2 * (3 * np.log(10 / 3) + 1 * np.log(10 / 1))
    assert_allclose(res.chisq, expected, rtol=1e-14)
    assert res.df == 1


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------
def test_maxcombo_bad_input():
    t, e, g = [1, 2, 3, 4], [1, 1, 0, 1], [0, 1, 0, 2]
    with pytest.raises(ValueError, match="compares two groups, got 3"):
        maxcombo(t, e, g)
    with pytest.raises(ValueError, match="non-empty sequence of"):
        maxcombo(t, e, [0, 1, 0, 1], tests=[])
    with pytest.raises(ValueError, match="rho must be a finite number"):
        maxcombo(t, e, [0, 1, 0, 1], tests=[(-1, 0)])


def test_maxcombo_undefined_component_is_left_out():
    """One event time only: FH(0,1) and FH(1,1) weigh it 1 - S(t-) = 0 (variance 0)."""
    res = maxcombo([1, 1, 2, 3], [1, 1, 0, 0], [0, 1, 0, 1])
    assert res.defined.tolist() == [True, False, True, False]
    assert np.isnan(res.z[1]) and np.isnan(res.z[3])
    assert res.statistic == pytest.approx(abs(res.z[0]))
    assert 0 < res.p_value <= 1


def test_exponential_lr_no_events():
    with pytest.raises(ValueError, match="no events"):
        exponential_lr_test([1, 2], [0, 0], [0, 1])


# --------------------------------------------------------------------------------------------
# live R: hypothesis draws, with strata added
# --------------------------------------------------------------------------------------------
SETTINGS = dict(deadline=None, database=None,  # the r fixture is the bridge module: stateless
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@st.composite
def stratified(draw, max_groups=3):
    time, ev, group = draw(surv_datasets(min_groups=2, max_groups=max_groups))
    n_strata = draw(st.integers(1, 3))
    strata = np.array(draw(st.lists(st.integers(0, n_strata - 1), min_size=time.size,
                                    max_size=time.size)))
    return time, ev, group, strata


R_WLR2 = (
    "f <- function(w, ts) tryCatch({ r <- wlr2(time, status, group, strata, w, tstar = ts);"
    " c(r, err = '') }, error = function(e) list(err = conditionMessage(e)));"
    " list(pp = f(function(n, d, S, St, Ss) St, NA),"
    " mp = f(function(n, d, S, St, Ss) St * n / (n + 1), NA),"
    " ms = f(function(n, d, S, St, Ss) 1 / max(S, 0.6), NA),"
    " mt = f(function(n, d, S, St, Ss) 1 / max(S, Ss), tstar),"
    " fh = f(function(n, d, S, St, Ss) S^0.5 * (1 - S)^2, NA))"
)


@pytest.mark.r
@settings(max_examples=300, **SETTINGS)
@given(stratified())
def test_weights_agree_with_r_loop_on_draws(r, data):
    time, ev, group, strata = data
    tstar = float(np.median(time))
    out = r.evaluate(R_FUNCTIONS + R_WLR2, time=time, status=ev.astype(int),
                     group=[str(g) for g in group], strata=strata.astype(float), tstar=tstar)
    cases = {"pp": ("peto-peto", {}), "mp": ("modified-peto", {}),
             "ms": ("modestly-weighted", {"s_star": 0.6}),
             "mt": ("modestly-weighted", {"t_star": tstar}),
             "fh": ("fleming-harrington", {"rho": 0.5, "gamma": 2})}
    k = len(np.unique(group))
    for key, (weights, kw) in cases.items():
        res = L.weighted_logrank(time, ev, group, strata, weights=weights, **kw)
        o = out[key]
        err = o["err"] if isinstance(o["err"], str) else " ".join(o["err"])
        if err:  # R's solve() stops on a singular V; we use the pseudo-inverse (as survdiff)
            assert "singular" in err and res.singular, err
            event(f"{key}: R singular")
            continue
        assert_allclose(res.observed, o["obs"], rtol=RTOL, atol=1e-12)
        assert_allclose(res.expected, o["exp"], rtol=RTOL, atol=1e-12)
        assert_allclose(res.variance, np.asarray(o["var"]).reshape(k, k), rtol=RTOL, atol=1e-12)
        assert_allclose(res.chisq, o["chisq"], rtol=1e-8, atol=1e-10)
        event(f"{key}: compared")


@pytest.mark.r
@settings(max_examples=100, **SETTINGS)
@given(stratified(max_groups=2))
def test_maxcombo_agrees_with_r_on_draws(r, data):
    """Z, covariance and correlation to 1e-9; the p-values within :data:`P_TOL`."""
    time, ev, group, strata = data
    res = maxcombo(time, ev, group, strata)
    out = r.evaluate(
        R_FUNCTIONS + "m <- maxcombo_r(time, status, group, strata, abseps = 1e-5);"
        " c(m$cov, m$z, m$corr, m$p, m$p_error)", time=time, status=ev.astype(int),
        group=group.astype(float), strata=strata.astype(float))
    out = np.asarray(out, float)
    assert_allclose(res.covariance, out[:16].reshape(4, 4), rtol=RTOL, atol=1e-12)
    if not res.defined.all():
        # R: z = 0/0 (NaN), no correlation and no pmvnorm; we leave the component out
        assert np.array_equal(np.isnan(out[16:20]), ~res.defined)
        event("a component without variance: z compared, p not")
        return
    out = out[16:]
    assert_allclose(res.z, out[:4], rtol=RTOL, atol=1e-12)
    assert_allclose(res.corr, out[4:20].reshape(4, 4), rtol=1e-8, atol=1e-12)
    if np.linalg.eigvalsh(res.corr)[0] < 1e-8:
        # a singular correlation (fewer distinct event times than tests): pmvnorm is not
        # reliable there (one draw: pmvnorm 0.002540, ours 0.002661, 4e7 Monte Carlo samples
        # 0.002677 +- 0.000008), so the referee is a seeded Monte Carlo of max|Z| itself
        p_mc, se_mc = _max_abs_z_monte_carlo(res.corr, res.statistic)
        assert abs(res.p_value - p_mc) <= 4 * se_mc + res.p_error + 1e-5, (p_mc, se_mc)
        event("singular correlation: p compared with Monte Carlo")
        return
    assert abs(res.p_value - out[20]) <= max(P_TOL, res.p_error + out[21])
    event("compared")


def _max_abs_z_monte_carlo(corr: np.ndarray, zmax: float, n: int = 2_000_000
                           ) -> tuple[float, float]:
    """P(max |Z_k| >= zmax) for Z ~ N(0, corr) (corr PSD, maybe singular) by seeded sampling."""
    w, v = np.linalg.eigh(corr)
    a = v * np.sqrt(np.maximum(w, 0.0))
    rng = np.random.default_rng(20)
    hits = 0
    for _ in range(n // 500_000):
        z = rng.standard_normal((500_000, corr.shape[0])) @ a.T
        hits += int((np.abs(z).max(axis=1) >= zmax).sum())
    p = hits / n
    return p, float(np.sqrt(max(p * (1 - p), 1.0 / n) / n))


@pytest.mark.r
@settings(max_examples=200, **SETTINGS)
@given(surv_datasets(min_groups=2))
def test_exponential_lr_agrees_with_survreg_on_draws(r, data):
    time, ev, group = data
    res = exponential_lr_test(time, ev, group)
    k = len(np.unique(group))
    n_k = np.bincount(group, weights=ev, minlength=k)
    if (n_k == 0).any():
        # survreg's coefficient diverges (its loglik only approaches the limit used here)
        event("a group without events: not compared")
        return
    out = r.evaluate(R_FUNCTIONS + "exp_lr_r(time, status, group)", time=time,
                     status=ev.astype(int), group=[str(g) for g in group])
    assert_allclose(res.chisq, out[0], rtol=1e-8, atol=1e-9)
    assert res.df == out[1]
    event("compared")


@pytest.mark.r
def test_frozen_conventions_are_what_the_script_writes(r, tmp_path):
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is not on PATH"
    run = subprocess.run([rscript, str(SCRIPT), str(tmp_path)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    fresh = read_reference(tmp_path / "conventions.tsv")
    assert set(fresh) == set(FROZEN), "stale: re-run Rscript tests/results/make_conventions.R"
    for key, value in FROZEN.items():
        if key.startswith("meta/"):
            continue
        if isinstance(value, list):  # R's messages
            assert fresh[key] == value, key
        elif key.endswith("/p") or key.endswith("/p_error"):  # pmvnorm: seeded, platform noise
            assert_allclose(fresh[key], value, rtol=1e-3, err_msg=key)
        else:
            assert_allclose(fresh[key], value, rtol=1e-13, err_msg=key)


# --------------------------------------------------------------------------------------------
# data-backed cases: the new weights as method options
# --------------------------------------------------------------------------------------------
DATA_PACK = """[paper]
id = "conv"
title = "conventions"
citation = "R survival lung data"
alpha = 0.05

[[data]]
id = "lung"
file = "data/lung.csv"
time = "time"
event = "status"
event_coding = "12"
columns = { time = "number", status = "number", sex = "string" }
"""


def _audit(tmp_path, cases):
    from harness.audit.session import audit_pack
    from harness.pack.cases import load_pack

    (tmp_path / "data").mkdir()
    shutil.copy(RESULTS.parents[1] / "cases" / "lung_tutorials" / "data" / "lung.csv",
                tmp_path / "data")
    (tmp_path / "pack.toml").write_text(DATA_PACK, encoding="utf-8")
    text = "".join(
        f'[[case]]\nid = "{cid}"\nwhere = {{ table = "T" }}\npublished = "{printed}"\n'
        f'statistic = "logrank_chisq_from_data"\ndata = {{ source = "lung", group = "sex" }}\n'
        f"method = {method}\nexpect = {{ verdict = \"{verdict}\"{reason} }}\n"
        for cid, printed, method, verdict, reason in cases)
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    return {r.case.split("::")[-1]: r for r in audit_pack(load_pack(tmp_path), use_r=False)}


def test_data_backed_cases_take_the_new_weights(tmp_path):
    """Printed = the frozen R loop's chi-square at 4 decimals: consistent under the declared
    weight; declared as survdiff's rho = 1 it is not, and the SAS weight is named as the
    convention that reproduces it."""
    pp = f"{ref('wlr2/lung_sex/peto-peto/chisq')[0]:.4f}"
    mw = f"{ref('wlr2/lung_sex/mw-t/chisq')[0]:.4f}"
    mp = f"{ref('wlr2/lung_sex/modified-peto/chisq')[0]:.4f}"
    res = _audit(tmp_path, [
        ("pp", pp, '{ weights = "peto-peto" }', "consistent", ""),
        ("mp", mp, '{ weights = "modified-peto" }', "consistent", ""),
        ("mw", mw, '{ weights = "modestly-weighted", t_star = 365 }', "consistent", ""),
        ("pp_as_rho1", pp, '{ weights = "peto" }', "inconsistent",
         ', reason = "SAS TEST=PETO printed as survdiff rho = 1"'),
    ])
    for cid in ("pp", "mp", "mw"):
        assert res[cid].verdict == "consistent", res[cid].message
    assert "t_star=365" in res["mw"].message
    wrong = res["pp_as_rho1"]
    assert wrong.verdict == "inconsistent", wrong.message
    assert "weights=peto-peto" in wrong.message


# --------------------------------------------------------------------------------------------
# degenerate data (issue 12, section 4), against the frozen R values
# --------------------------------------------------------------------------------------------
TWO_POINT = [(tt, ee) for tt in ("12", "21", "11") for ee in ("00", "01", "10", "11")]


@pytest.mark.parametrize("tt,ee", TWO_POINT, ids=[f"t{a}_e{b}" for a, b in TWO_POINT])
def test_two_point_survdiff_like_r(tt, ee):
    time, ev = [float(c) for c in tt], [int(c) for c in ee]
    res = L.survdiff(time, ev, ["a", "b"])
    r = ref(f"degenerate/two_point/{tt}_{ee}/survdiff")
    if isinstance(r, list):
        # documented difference: everyone has the event at one time, V = 0. R's solve() stops
        # ("system is exactly singular"); we return chi-square 0 (no information, from the
        # pseudo-inverse) with `singular` set, p = 1
        assert "exactly singular" in r[0]
        assert res.singular and res.chisq == 0.0 and res.p_value == 1.0
        return
    assert not res.singular
    assert_allclose(res.chisq, r[0], rtol=1e-12, atol=1e-15)
    # no events: df = -1, NaN as R; a group without expected events: df = 0, p = 1 as R
    assert_allclose(res.p_value, r[1], rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("tt,ee", TWO_POINT, ids=[f"t{a}_e{b}" for a, b in TWO_POINT])
@pytest.mark.filterwarnings("ignore::harness.core.cox.CoxWarning")
def test_two_point_coxph_like_r(tt, ee):
    from harness.core import cox as C

    time, ev = [float(c) for c in tt], [int(c) for c in ee]
    r = ref(f"degenerate/two_point/{tt}_{ee}/coxph")  # coef, se, wald, score, lr, p(lr)
    if ee == "00":
        # documented difference (tests/test_cox.py): R returns coef NA, variance 0; we raise
        assert np.isnan(r[0]) and r[1] == 0
        with pytest.raises(ValueError, match="no events"):
            C.coxph(time, ev, [0.0, 1.0])
        return
    fit = C.coxph(time, ev, [0.0, 1.0])
    # a diverging coefficient stops where R's 20 iterations stop: same path, same point
    assert_allclose([fit.coef[0], fit.se[0]], r[:2], rtol=1e-6, atol=1e-12)
    assert_allclose(fit.wald.chisq, r[2], rtol=1e-5, equal_nan=True)
    assert_allclose([fit.score.chisq, fit.lr.chisq, fit.lr.p_value], r[3:], rtol=1e-9,
                    atol=1e-12)


@pytest.mark.parametrize("ties", ["efron", "breslow", "exact"])
def test_singular_information_at_the_start_like_r(ties):
    """x2 = x1 within every risk set of an event (they differ only on a row censored before
    the first event): R's Cholesky finds x2 redundant from the first step, NA with variance 0."""
    from harness.core import cox as C

    t = np.array([0.5, 1, 2, 3, 4, 5, 6, 7])
    e = np.array([0, 1, 1, 0, 1, 1, 0, 1])
    x1 = np.array([1, 0, 1, 0, 1, 1, 0, 1.0])
    x2 = x1.copy()
    x2[0] = 5
    fit = C.coxph(t, e, np.column_stack([x1, x2]), ties=ties, eps=1e-12)
    p = f"degenerate/singular_start/{ties}"
    coef = ref(f"{p}/coef")
    assert np.isnan(coef[1]) and fit.aliased.tolist() == [False, True]
    assert_allclose(fit.coef[0], coef[0], rtol=1e-9)
    assert_allclose(fit.var, ref(f"{p}/var").reshape(2, 2), rtol=1e-9, atol=1e-15)
    for test, key in ((fit.lr, "lr"), (fit.score, "score")):
        assert_allclose([test.chisq, test.df, test.p_value], ref(f"{p}/{key}"), rtol=1e-9)
    assert_allclose(fit.wald.chisq, ref(f"{p}/wald")[0], rtol=1e-9)
    assert fit.wald.df == 1


def test_exposed_through_harness_core():
    import harness.core as core
    from harness.core import cells, exponential, logrank

    assert core.exponential_lr_test is exponential.exponential_lr_test
    assert core.maxcombo.maxcombo is maxcombo  # the submodule keeps the name
    assert core.weighted_logrank is logrank.weighted_logrank and core.WEIGHTS is cells.WEIGHTS
    for name in ("peto-peto", "modified-peto", "modestly-weighted", "fleming-harrington"):
        assert name in core.WEIGHTS
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        core.nothing  # noqa: B018


R_COIN = (
    "suppressWarnings({ y <- Surv(time, status); f <- factor(group);"
    " cs <- function(type, ...) statistic(logrank_test(y ~ f, type = type, ...), 'centered');"
    " mw <- function(time, n.risk, n.event) { S <- cumprod(1 - n.event / n.risk);"
    " 1 / pmax(c(1, S[-length(S)]), 0.6) };"
    " it <- independence_test(y ~ f, ytrafo = function(data) trafo(data, surv_trafo ="
    " function(y) logrank_trafo(y, weight = mw)));"
    " c(cs('Prentice-Marek'), cs('Fleming-Harrington', rho = 0.5, gamma = 2),"
    " cs('Peto-Peto'), statistic(it, 'centered')) })"
)


@pytest.mark.r
@settings(max_examples=100, **SETTINGS)
@given(surv_datasets(min_groups=2, max_groups=2))
def test_coin_weights_agree_on_draws(r, data):
    """coin's centered linear statistic is -(O - E) of the first group for the weights that
    coincide: Prentice-Marek = SAS Peto-Peto, Fleming-Harrington(0.5, 2), Peto-Peto = survdiff
    rho = 1, and a custom weight function = the modestly weighted test (s* = 0.6)."""
    time, ev, group = data
    out = np.asarray(r.evaluate(R_COIN, time=time, status=ev.astype(int),
                                group=group.astype(float)), float)
    ours = [L.weighted_logrank(time, ev, group, weights=w, **kw).o_minus_e[0]
            for w, kw in (("peto-peto", {}), ("fleming-harrington", {"rho": 0.5, "gamma": 2}),
                          ("peto", {"rho": 1}), ("modestly-weighted", {"s_star": 0.6}))]
    assert_allclose(-out, ours, rtol=RTOL, atol=1e-12)
