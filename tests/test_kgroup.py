"""k-group baseline tests: one-way ANOVA from summaries (pooled and Welch, with the exact range
of the pooled F over printed rounding) and Kruskal-Wallis, against R.

Frozen R values: tests/results/kgroup.R wrote tests/results/kgroup.tsv and
tests/results/kgroup/kgroup_*.csv (R's PlantGrowth, InsectSprays, chickwts, airquality);
``test_frozen_kgroup_is_current`` (marker r) re-runs it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from harness.audit.checks import Context, run_check
from harness.core.kgroup_tests import (
    anova_extremes,
    anova_from_summaries,
    between_ss,
    kruskal_wallis,
)
from harness.pack.cases import load_pack
from tests.packs import PAPER

RESULTS = Path(__file__).parent / "results"
SETS = ("PlantGrowth", "InsectSprays", "chickwts", "airquality")


def _frozen(path: Path = RESULTS / "kgroup.tsv") -> dict[str, float]:
    rows = (line.split("\t") for line in path.read_text().splitlines())
    return {k: float(v) for k, v in rows}


def _summaries(name: str):
    d = pd.read_csv(RESULTS / "kgroup" / f"kgroup_{name}.csv")
    levels = sorted(d.g.unique())
    parts = [d.x[d.g == lv].to_numpy(float) for lv in levels]
    return d, [a.mean() for a in parts], [a.std(ddof=1) for a in parts], [a.size for a in parts]


@pytest.mark.parametrize("name", SETS)
def test_anova_from_summaries_matches_oneway_test(name):
    ref = _frozen()
    _, m, s, n = _summaries(name)
    pooled = anova_from_summaries(m, s, n)
    welch = anova_from_summaries(m, s, n, welch=True)
    # R: oneway.test(x ~ g, d, var.equal = TRUE / FALSE) (tests/results/kgroup.R)
    assert_allclose(pooled.f, ref[f"{name}/anova_pooled_f"], rtol=1e-10)
    assert_allclose(pooled.p, ref[f"{name}/anova_pooled_p"], rtol=1e-9)
    assert_allclose(welch.f, ref[f"{name}/anova_welch_f"], rtol=1e-10)
    assert_allclose(welch.df2, ref[f"{name}/anova_welch_df2"], rtol=1e-10)
    assert_allclose(welch.p, ref[f"{name}/anova_welch_p"], rtol=1e-9)


@pytest.mark.parametrize("name", SETS)
def test_kruskal_wallis_matches_kruskal_test(name):
    ref = _frozen()
    d, *_ = _summaries(name)
    h, df, p = kruskal_wallis(d.x.to_numpy(float), d.g.to_numpy())
    # R: kruskal.test(d$x, factor(d$g)) (tests/results/kgroup.R)
    assert_allclose(h, ref[f"{name}/kruskal_stat"], rtol=1e-10)
    assert_allclose(p, ref[f"{name}/kruskal_p"], rtol=1e-9)
    assert df == len(set(d.g)) - 1


def test_between_ss_by_hand():
    # means 1, 2, 6 with n 1, 1, 2: grand mean 15/4; 1*(2.75^2) + 1*(1.75^2) + 2*(2.25^2)
    assert between_ss([1.0, 2.0, 6.0], [1, 1, 2])[0] == pytest.approx(7.5625 + 3.0625 + 10.125)


def test_anova_extremes_bound_every_point_of_the_box():
    rng = np.random.default_rng(3)
    lo = np.array([50.25, 52.05, 49.95, 51.0])
    hi = lo + np.array([0.1, 2.5, 0.1, 4.0])
    slo, shi = np.array([9.95, 10.05, 11.95, 8.0]), np.array([10.05, 10.15, 12.05, 8.1])
    n = np.array([20, 22, 19, 30])
    low_cfg, high_cfg = anova_extremes(lo, hi, slo, shi, n)
    f_min = anova_from_summaries(low_cfg[0], low_cfg[1], n).f
    f_max = anova_from_summaries(high_cfg[0], high_cfg[1], n).f
    for cfg in (low_cfg, high_cfg):  # the extreme configurations lie inside the box
        assert np.all(cfg[0] >= lo) and np.all(cfg[0] <= hi)
        assert np.all(cfg[1] >= slo) and np.all(cfg[1] <= shi)
    m = rng.uniform(lo, hi, size=(20000, 4))
    s = rng.uniform(slo, shi, size=(20000, 4))
    f = anova_from_summaries(m, s, n).f
    assert f.min() >= f_min * (1 - 1e-12) and f.max() <= f_max * (1 + 1e-12)


def test_anova_minimum_is_zero_when_the_boxes_share_a_value():
    lo, hi = np.array([1.0, 1.5, 0.0]), np.array([2.0, 3.0, 1.6])
    low_cfg, _ = anova_extremes(lo, hi, np.ones(3), np.ones(3), np.array([5, 6, 7]))
    assert between_ss(low_cfg[0], [5, 6, 7])[0] == pytest.approx(0.0, abs=1e-24)
    # no corner of the box gets there: the minimum is inside it
    bits = (np.arange(8)[:, None] >> np.arange(3)) & 1
    assert between_ss(np.where(bits == 1, hi, lo), [5, 6, 7]).min() > 0.1


@pytest.mark.parametrize("bad, words", [
    (([1.0], [1.0], [5]), "two or more groups"),
    (([1.0, 2.0], [1.0, -1.0], [5, 5]), "non-negative"),
    (([1.0, 2.0], [1.0, 1.0], [5, 1]), "n >= 2"),
    (([1.0, np.nan], [1.0, 1.0], [5, 5]), "finite"),
])
def test_anova_bad_input_is_named(bad, words):
    with pytest.raises(ValueError, match=words):
        anova_from_summaries(*bad)


def test_kruskal_bad_input_is_named():
    with pytest.raises(ValueError, match="two or more groups"):
        kruskal_wallis([1.0, 2.0], ["a", "a"])
    with pytest.raises(ValueError, match="all values are equal"):
        kruskal_wallis([1.0, 1.0, 1.0], ["a", "b", "b"])


# ------------------------------------------------------------------- the anova_p estimand
ANOVA_CASE = """[[case]]
id = "age::p"
where = {{ table = "Table 1", row = "Age" }}
published = "{p}"
statistic = "anova_p"
inputs = {{ groups = [{{ label = "A", n = 20, mean_sd = "52.3 ± 10.1" }}, {{ label = "B", n = 22, mean_sd = "58.9 ± 9.8" }}, {{ label = "C", n = 19, mean_sd = "55.0 ± 11.2" }}] }}
tests = {tests}
expect = {{ verdict = "{verdict}"{reason} }}
"""


def _judge(tmp_path, use_r=False, **kw):
    root = tmp_path / "pack"
    root.mkdir()
    (root / "pack.toml").write_text(PAPER, encoding="utf-8")
    reason = "" if kw["verdict"] == "consistent" else ', reason = "a made-up print"'
    (root / "table1.toml").write_text(ANOVA_CASE.format(reason=reason, **kw), encoding="utf-8")
    pack = load_pack(root)
    return run_check(pack.cases[0], Context(pack.paper, use_r=use_r))


def test_anova_case_range_over_rounding(tmp_path):
    rec = _judge(tmp_path, p="0.12", tests='["anova"]', verdict="consistent")
    assert rec.verdict == "consistent", rec.message
    d = rec.details["anova"]
    # the printed summaries' pooled F p, and its exact range over the rounding box (the
    # rows of anova_extremes, checked above to bound every point of the box)
    assert d["python"] == pytest.approx(0.12392809625872155, rel=1e-9)
    assert d["low"] < 0.1239 < d["high"] and d["high"] - d["low"] > 0.01


def test_anova_case_outside_range_is_a_finding(tmp_path):
    rec = _judge(tmp_path, p="0.04", tests='["anova", "welch_anova"]',
                 verdict="decision_error")
    assert rec.verdict == "decision_error", rec.message
    assert "one-way ANOVA (pooled F)" in rec.message and "Welch" in rec.message


@pytest.mark.r
def test_anova_case_python_equals_r(tmp_path):
    rec = _judge(tmp_path, use_r=True, p="0.12", tests='["anova", "welch_anova"]',
                 verdict="consistent")
    for test in ("anova", "welch_anova"):
        d = rec.details[test]
        assert d["r"] == pytest.approx(d["python"], rel=1e-9)
    assert "disagree" not in rec.message


@pytest.mark.r
def test_frozen_kgroup_is_current(tmp_path):
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is not on PATH"
    run = subprocess.run([rscript, str(RESULTS / "kgroup.R"), str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert _frozen(tmp_path / "kgroup.tsv") == _frozen(), \
        "stale: re-run `Rscript tests/results/kgroup.R` and commit tests/results/"
    for name in SETS:
        new = (tmp_path / "kgroup" / f"kgroup_{name}.csv").read_bytes()
        assert new == (RESULTS / "kgroup" / f"kgroup_{name}.csv").read_bytes(), name
