"""Study files, scenario generators, the vectorised chunk analysis against the survival
core (one trial at a time), scenarios from pseudo-IPD, and the rendered outputs."""

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from harness.errors import CaseFileError
from harness.simulate import load_study
from harness.simulate.analyse import analyse
from harness.simulate.distributions import times_from_exponential, true_median, true_rmst
from harness.simulate.generate import draw
from harness.simulate.study import Analysis, Arm, Scenario
from tests.simhelp import BUNDLED, SMALL, small_study


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "study.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("old, new, key, words", [
    ('median = 20 }', 'median = 20, rate = 0.1 }', "scenario[0] (id 'h0').control",
     "exactly one of rate, median"),
    ('dist = "weibull", shape = 1.3, median = 20',
     'dist = "piecewise", rates = [0.1, 0.2], breaks = [3, 6]',
     "scenario[1] (id 'hr2').control.rates", "one rate per piece"),
    ('kind = "hr-cox"', 'kind = "rmst-difference"', "analysis[3].tau", "missing"),
    ('id = "hr2"', 'id = "h0"', "scenario[1].id", "used twice"),
    ('round_to = 0.5\n\n[[scenario]]', 'round_to = 0.5\nseeds = 3\n\n[[scenario]]',
     "scenario[0]", "seeds"),
    ('B = 199', 'B = 5', "analysis[2].B", "minimum"),
])
def test_study_errors_name_file_and_key(tmp_path, old, new, key, words):
    text = SMALL.format(reps=10, chunk=5)
    assert old in text
    path = _write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(CaseFileError) as err:
        load_study(path)
    assert err.value.file == str(path)
    assert err.value.key == key
    assert words in str(err.value)


def test_bundled_study_loads_with_true_values():
    study = load_study(BUNDLED)
    by = {s.id: s for s in study.scenarios}
    assert by["ph_hr2_44_20"].true_hr == 2.0 and by["h0_44_20"].null
    assert by["early_44_20"].true_hr is None  # non-proportional: no single true HR
    pm = by["t1_pm_observed"]
    assert pm.n == (44, 20) and pm.follow_up == 204.0  # Yes (reference) vs No (numerator)
    assert by["t1_pm_null"].control == by["t1_pm_null"].experimental


def test_from_comparison_fits_occurrence_over_exposure(tmp_path):
    from harness.ipd import read_csv
    from harness.ipd.reconstruct import load_specs
    from harness.pack.cases import load_pack

    pm = {s.id: s for s in load_study(BUNDLED).scenarios}["t1_pm_observed"]
    spec = {s.id: s for s in load_specs(load_pack(BUNDLED.parent.parent / "cases/stork2022"))
            }["t1_pm"]
    data = read_csv(BUNDLED.parent.parent / "cases/stork2022/ipd" / spec.file, spec.id,
                    spec.columns)
    for lab, arm in (("Yes", pm.control), ("No", pm.experimental)):
        m = data.group == lab
        edges = np.r_[0.0, arm.breaks, np.inf]
        expo = np.clip(data.time[m][:, None] - edges[:-1], 0, np.diff(edges)).sum(axis=0)
        # the fitted hazards reproduce the observed number of events exactly
        assert math.isclose(float((np.array(arm.rates) * expo).sum()),
                            float(data.event[m].sum()), rel_tol=1e-12)
    bad = SMALL.format(reps=10, chunk=5).replace(
        'id = "hr2"\nn = [30, 20]', 'id = "hr2"\nfrom_comparison = "nope"\nn = [30, 20]')
    with pytest.raises(CaseFileError, match="scenario\\[1\\] \\(id 'hr2'\\).n"):
        load_study(_write(tmp_path, bad), pack=BUNDLED.parent.parent / "cases/stork2022")


def test_sampling_matches_the_true_distribution():
    rng = np.random.default_rng(3)
    x = rng.standard_exponential(40_000)
    tol = 3 * math.sqrt(0.25 / x.size)
    for arm in (Arm("exponential", (0.05,)), Arm("weibull", (), (), 1.5, 30.0),
                Arm("piecewise", (0.02, 0.08, 0.01), (12.0, 24.0), hr=1.7),
                Arm("exponential", (0.05,), cure=0.3, hr=2.0)):
        t = times_from_exponential(arm, x)
        assert abs(float(np.mean(t <= true_median(arm))) - 0.5) <= tol, arm
    cured = times_from_exponential(Arm("exponential", (0.05,), cure=0.3, hr=2.0), x)
    assert abs(float(np.isinf(cured).mean()) - 0.09) <= 3 * math.sqrt(0.09 * 0.91 / x.size)
    lam = 0.05
    assert math.isclose(true_rmst(Arm("exponential", (lam,)), 30.0),
                        (1 - math.exp(-lam * 30.0)) / lam, rel_tol=1e-9)


def test_chunk_analysis_equals_the_survival_core_trial_by_trial():
    from harness.core.cox import coxph
    from harness.core.hazard import hazard_ratio
    from harness.core.km import KaplanMeier
    from harness.core.logrank import weighted_logrank
    from harness.core.quantiles import median
    from harness.core.rmst import rmst_difference

    ctrl = Arm("weibull", (), (), 1.3, 25.0)
    sc = Scenario("t", "t", (25, 15), ctrl, Arm("weibull", (), (), 1.3, 25.0, hr=1.8),
                  follow_up=10.0, accrual=30.0, dropout=0.01, round_to=1.0)
    trials = draw(sc, np.random.default_rng(5), 25)  # rounded to whole months: many ties
    an = (Analysis("lr", "logrank"), Analysis("gbw", "gehan-breslow"),
          Analysis("tw", "tarone-ware"), Analysis("fh", "fleming-harrington", 1.0, 0.5),
          Analysis("mh", "hr-mantel-haenszel"), Analysis("cox", "hr-cox"),
          Analysis("rmst", "rmst-difference", tau=24.0),
          Analysis("med", "median-bootstrap", B=20, arm="experimental"))
    res = analyse(trials, an, 0.95, [np.random.default_rng(i) for i in range(len(an))])
    g = trials.group
    for k in range(25):
        t, e = trials.time[k], trials.event[k]
        for aid, w, rho, gam in (("lr", "logrank", 0, 0), ("gbw", "gehan-breslow", 0, 0),
                                 ("tw", "tarone-ware", 0, 0),
                                 ("fh", "fleming-harrington", 1, 0.5)):
            ref = weighted_logrank(t, e, g, weights=w, rho=rho, gamma=gam)
            assert math.isclose(res[aid]["statistic"][k], ref.chisq, rel_tol=1e-9)
            assert math.isclose(res[aid]["p"][k], ref.p_value, rel_tol=1e-9)
        mh = hazard_ratio(t, e, g, numerator=1)
        assert math.isclose(res["mh"]["estimate"][k], mh.hr, rel_tol=1e-9)
        assert math.isclose(res["mh"]["upper"][k], mh.upper, rel_tol=1e-9)
        # converged tightly (R: coxph.control(eps = 1e-12)); the default stops at R's eps 1e-9
        cox = coxph(t, e, g.astype(float), ties="efron", eps=1e-12, max_iter=50)
        assert math.isclose(res["cox"]["estimate"][k], cox.hr[0], rel_tol=1e-9)
        assert math.isclose(res["cox"]["p"][k], cox.p[0], rel_tol=1e-9)
        km = KaplanMeier().fit(t, e, g)
        rd = rmst_difference(km, 24.0)
        assert math.isclose(res["rmst"]["estimate"][k], rd.difference, rel_tol=1e-9)
        assert math.isclose(res["rmst"]["upper"][k], rd.upper, rel_tol=1e-9)
        m = median(KaplanMeier().fit(t[g == 1], e[g == 1]), rule="R").estimate[0]
        got = res["med"]["estimate"][k]
        assert (math.isnan(m) and math.isnan(got)) or math.isclose(got, m, rel_tol=1e-12)


def test_outputs_render(tmp_path):
    from harness.simulate import render, run_study, summarise
    from harness.simulate.engine import compute_chunk, open_store, plan

    study = load_study(small_study(tmp_path, reps=100, chunk=50))
    out = tmp_path / "out"
    open_store(study, out)
    for c in plan(study):  # in-process, no cluster: the engine's task function directly
        compute_chunk(c, study, str(out))
    assert run_study(study, out).computed == 0  # everything stored: no cluster is started
    summary = summarise(study, out)
    table = render(study, summary, "table")
    assert "rejection (MC SE)" in table and "hr2" in table
    md = render(study, summary, "markdown")
    assert md.startswith("## Simulation study `small`") and "| scenario" in md
    page = render(study, summary, "html")
    assert page.count("<img") == 1  # the size plot (no family: no power curve)
    cox = summary[(summary.scenario == "hr2") & (summary.analysis == "hr-cox")].iloc[0]
    assert cox.truth == 2.0 and cox.scale == "log" and cox.ci_trials == 100
    if Path("/usr/bin/chromium").exists():
        html_file = tmp_path / "page.html"
        html_file.write_text(page, encoding="utf-8")
        png = tmp_path / "shot.png"
        subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-first-run", "--disable-background-networking",
                        f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
                        "--window-size=1000,1400", f"file://{html_file}"],
                       check=True, timeout=120, capture_output=True)
        from matplotlib import image

        pixels = image.imread(str(png))
        assert float(np.std(pixels[..., :3])) > 0.05
        shutil.copy(png, Path("/tmp") / "harness_simulate_screenshot.png")
