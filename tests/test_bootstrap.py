"""Case bootstrap (harness.resample.bootstrap) against boot::censboot and boot::boot.ci on the
same resample indices, both directions:

* R -> Python: ``censboot`` draws, ``boot.array(b, indices = TRUE)`` is passed to Python, which
  must reproduce ``b$t`` and every ``boot.ci`` interval (normal, basic, percentile, BCa) to 1e-9;
* Python -> R: our index matrix is passed to R, which recomputes the replicates with the R
  statistic on ``d[idx, ]``, overwrites ``$t`` of a censboot object and runs ``boot.ci``.

boot.ci's BCa on a censboot object stops ("argument is of length zero": a censboot object has
no ``stype``), so R's BCa is called with ``L = empinf(b, type = "reg")``, the influence values
boot.ci uses by default for an ordinary ``boot()`` object.

Data: R's ``lung`` (first 44 and 64 rows: the seed's sizes) and ``aml``.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from harness.r import bridge as rbridge
from harness.resample import boot_intervals, bootstrap, norm_inter

TOL = 1e-9

R_STATS = {
    "median": "function(d) unname(quantile(survfit(Surv(time, status) ~ 1, data = d), 0.5,"
              " conf.int = FALSE))",
    "survival": "function(d) { s <- tryCatch(summary(survfit(Surv(time, status) ~ 1,"
                " data = d), times = 365)$surv, error = function(e) numeric(0));"
                " if (length(s)) s else NA }",
    "rmst": "function(d) unname(summary(survfit(Surv(time, status) ~ 1, data = d),"
            " rmean = 500)$table['rmean'])",
    "mh_hr": "function(d) { s <- survdiff(Surv(time, status) ~ g, data = d);"
             " exp((s$obs[2] - s$exp[2]) / s$var[2, 2]) }",
    "cox_hr": "function(d) exp(unname(coef(coxph(Surv(time, status) ~ g, data = d,"
              " control = coxph.control(eps = 1e-12, iter.max = 50)))))",
}
KW = {"median": {}, "survival": {"at": 365}, "rmst": {"tau": 500}, "mh_hr": {}, "cox_hr": {}}

R_CENSBOOT = """
d <- data.frame(time = time, status = status, g = g)
stat <- {stat}
set.seed(seed)
b <- if (strat) censboot(d, stat, R = B, strata = d$g, sim = "ordinary") else
  censboot(d, stat, R = B, sim = "ordinary")
ci <- boot.ci(b, type = c("norm", "basic", "perc", "bca"), index = index,
              L = empinf(b, index = index, type = "reg"))
list(t0 = b$t0, t = b$t, idx = boot.array(b, indices = TRUE),
     normal = ci$normal[2:3], basic = ci$basic[4:5], percent = ci$percent[4:5],
     bca = ci$bca[4:5])
"""


def lung(n: int):
    d = rbridge.dataset("lung").iloc[:n]
    return d.time.to_numpy(float), (d.status.to_numpy() == 2).astype(int), d.sex.to_numpy()


def check_against_r(ours, r, column=0):
    assert_allclose(ours.t0[column], np.atleast_1d(r["t0"])[column], rtol=TOL)
    rt = np.asarray(r["t"], float).reshape(ours.t.shape[0], -1)[:, column]
    assert_allclose(ours.t[:, column], rt, rtol=TOL, equal_nan=True)
    iv = ours.intervals[ours.intervals.column == ours.columns[column]].set_index("type")
    for ty in ("normal", "basic", "percent", "bca"):
        assert_allclose([iv.loc[ty, "lower"], iv.loc[ty, "upper"]], r[ty], rtol=TOL,
                        err_msg=ty)


# ------------------------------------------------------------------------------ R -> Python
@pytest.mark.r
@pytest.mark.parametrize("statistic", ["median", "survival", "rmst", "mh_hr", "cox_hr"])
@pytest.mark.parametrize("n", [44, 64])
def test_censboot_indices_reproduce_replicates_and_intervals(statistic, n):
    t, e, g = lung(n)
    B = 499
    strat = statistic in ("mh_hr", "cox_hr")  # every resample keeps both groups
    r = rbridge.evaluate(R_CENSBOOT.replace("{stat}", R_STATS[statistic]), time=t, status=e,
                         g=(g == 2).astype(int), seed=n, strat=strat, B=B, index=1)
    idx = np.asarray(r["idx"], dtype=np.int64) - 1
    ours = bootstrap(t, e, g if strat else None, statistic=statistic, indices=idx,
                     stratify=strat, **KW[statistic])
    check_against_r(ours, r)


@pytest.mark.r
def test_per_group_medians_stratified_censboot():
    t, e, g = lung(64)
    stat = ("function(d) sapply(split(d, d$g), function(x) unname(quantile(survfit("
            "Surv(time, status) ~ 1, data = x), 0.5, conf.int = FALSE)))")
    for index in (1, 2):
        r = rbridge.evaluate(R_CENSBOOT.replace("{stat}", stat), time=t, status=e,
                             g=(g == 2).astype(int), seed=7, strat=True, B=399, index=index)
        idx = np.asarray(r["idx"], dtype=np.int64) - 1
        ours = bootstrap(t, e, g, statistic="median", indices=idx, stratify=True)
        assert ours.columns == ("median[1.0]", "median[2.0]")
        check_against_r(ours, r, column=index - 1)


@pytest.mark.r
def test_na_replicates_counted_and_dropped_like_boot_ci():
    """A median barely reached: many resamples never reach S = 0.5; R's statistic gives NA,
    boot.ci drops them; we count them and drop them the same way."""
    d = rbridge.dataset("aml")
    t, e = d.time.to_numpy(float), d.status.to_numpy().astype(int)
    keep = d.x.to_numpy() == "Maintained"
    t, e = t[keep], e[keep]
    r = rbridge.evaluate(R_CENSBOOT.replace("{stat}", R_STATS["median"]), time=t, status=e,
                         g=np.zeros(t.size, int), seed=3, strat=False, B=999, index=1)
    idx = np.asarray(r["idx"], dtype=np.int64) - 1
    ours = bootstrap(t, e, statistic="median", indices=idx)
    n_na = int(np.isnan(np.asarray(r["t"], float)).sum())
    assert n_na > 0
    assert ours.undefined[0] == n_na
    check_against_r(ours, r)
    assert f"{n_na} NA replicates dropped" in ours.intervals.note.iloc[0]


# ------------------------------------------------------------------------------ Python -> R
@pytest.mark.r
@pytest.mark.parametrize("statistic", ["median", "rmst", "cox_hr"])
def test_our_indices_in_r(statistic):
    t, e, g = lung(44)
    strat = statistic == "cox_hr"
    ours = bootstrap(t, e, g if strat else None, statistic=statistic, B=300, seed=99,
                     stratify=strat, return_indices=True, **KW[statistic])
    assert ours.indices.shape == (300, 44)
    r = rbridge.evaluate(
        f"d <- data.frame(time = time, status = status, g = g); stat <- {R_STATS[statistic]};"
        " tt <- apply(idx, 1, function(i) stat(d[i, ]));"
        " b <- censboot(d, stat, R = nrow(idx), sim = 'ordinary'); b$t[] <- tt;"
        " ci <- boot.ci(b, type = c('norm', 'basic', 'perc'));"
        " list(t0 = b$t0, t = tt, normal = ci$normal[2:3], basic = ci$basic[4:5],"
        " percent = ci$percent[4:5])",
        time=t, status=e, g=(g == 2).astype(int), idx=ours.indices + 1)
    assert_allclose(ours.t[:, 0], r["t"], rtol=TOL)
    iv = ours.intervals.set_index("type")
    for ty in ("normal", "basic", "percent"):
        assert_allclose([iv.loc[ty, "lower"], iv.loc[ty, "upper"]], r[ty], rtol=TOL)


@pytest.mark.r
def test_norm_inter_matches_boot():
    rng = np.random.default_rng(1)
    t = rng.normal(size=57)
    alpha = np.array([0.001, 0.025, 0.5, 0.975, 0.999, 1 / 58])
    ours, extreme = norm_inter(t, alpha)
    r = rbridge.evaluate("suppressWarnings(boot:::norm.inter(t, alpha)[, 2])", t=t,
                         alpha=alpha)
    assert_allclose(ours, r, rtol=1e-12)
    assert extreme


# ------------------------------------------------------------------------------ no R needed
def sim(n=80, seed=1):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 2, n)
    t = np.ceil(rng.exponential(20 * np.where(g == 1, 1.5, 1.0)))
    return t, (rng.random(n) > 0.25).astype(int), g


def test_reproducible_and_thread_independent():
    t, e, _g = sim(300)
    a = bootstrap(t, e, statistic="median", B=3000, seed=5, n_jobs=1)
    b = bootstrap(t, e, statistic="median", B=3000, seed=5, n_jobs=2)
    assert_allclose(a.t, b.t, rtol=0, atol=0, equal_nan=True)
    assert a.summary.shape[0] == 1 and "bca_lower" in a.summary


def test_stratified_keeps_group_sizes():
    t, e, g = sim()
    r = bootstrap(t, e, g, statistic="mh_hr", B=200, seed=1, stratify=True,
                  return_indices=True)
    assert np.all(g[r.indices] == g[None, :])


def test_boot_intervals_degenerate():
    iv = boot_intervals(1.0, np.ones(100))
    assert all(np.isnan(v[0]) and "equal" in v[2] for v in iv.values())


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"B": 0}, "B .* integer >= 1"),
        ({"seed": 2.0}, "seed must be an integer"),
        ({"statistic": "mean"}, "statistic must be one of"),
        ({"statistic": "survival"}, "needs a finite time at"),
        ({"statistic": "rmst", "tau": -1}, "needs a finite tau"),
        ({"statistic": "cox_hr"}, "exactly two levels"),
        ({"types": ["student"]}, "interval type must be one of"),
        ({"indices": np.zeros((5, 3), int)}, "indices must have shape"),
        ({"stratify": True}, "needs a group"),
        ({"conf_level": 1.5}, "conf_level"),
    ],
)
def test_bad_input(kwargs, match):
    t, e, _ = sim()
    with pytest.raises(ValueError, match=match):
        bootstrap(t, e, **{"B": 50, "seed": 1, **kwargs})


def test_bad_input_groups_and_undefined():
    t, e, g = sim()
    with pytest.raises(ValueError, match=r"group\(s\) \[2\] have no rows"):
        bootstrap(t, e, g, B=10, seed=1, levels=[0, 1, 2])
    with pytest.raises(ValueError, match="undefined on the original data"):
        bootstrap([1, 2, 3, 4], [1, 0, 0, 0], statistic="median", B=10, seed=1)
