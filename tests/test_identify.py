"""``harness identify`` tells conventions apart on R's lung data where they differ.

Expected numbers are R's (frozen in REFERENCE below, written by
tests/results/identify_reference.R, which sits next to the other frozen references and
sources tests/results/wlr.R for the weights survdiff lacks; ``test_reference_is_fresh`` re-runs
it). Each printed number is an R value formatted at a precision where the conventions differ;
identify must name exactly the conventions whose options give that value, and its value for
them must equal R's to 1e-9.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

import harness
from harness.cli import main
from harness.conventions import load_catalogue
from harness.conventions.identify import identify
from harness.conventions.render import SCHEMA, render

ROOT = Path(__file__).resolve().parents[1]
LUNG = ROOT / "cases" / "lung_tutorials" / "data" / "lung.csv"
SCRIPT = ROOT / "tests" / "results" / "identify_reference.R"
KW = dict(time="time", event="status", group="sex", event_coding="12")

#: Rscript tests/results/identify_reference.R (R 4.2.2, survival 3.5-3)
REFERENCE = {
    "logrank_chisq_rho0": 10.326741954885632,
    "logrank_chisq_rho1": 12.714151401157508,
    "logrank_chisq_gehan": 12.47213533126259,
    "logrank_chisq_tarone": 12.455543902215069,
    "median_lower_log": 212.0, "median_upper_log": 310.0,
    "km_lower_t11_log": 0.95423011624918674,
    "median_lower_log-log": 210.0, "median_upper_log-log": 306.0,
    "km_lower_t11_log-log": 0.93412158252522115,
    "median_lower_plain": 212.0, "median_upper_plain": 306.0,
    "km_lower_t11_plain": 0.95393003683620436,
    "hr_efron": 0.58800281716046188, "hr_lower_efron": 0.42371782928434282,
    "hr_upper_efron": 0.81598481133683909,
    "hr_breslow": 0.58837158883412755, "hr_lower_breslow": 0.42398169485186471,
    "hr_upper_breslow": 0.81650017147119536,
    "hr_exact": 0.58759709193601706, "hr_lower_exact": 0.42326306046618639,
    "hr_upper_exact": 0.81573464519058114,
}


def _ids_with(family: str | None = None, **options) -> set[str]:
    """Catalogue conventions (computable, of the family) whose options include these."""
    return {c.id for c in load_catalogue().conventions if c.computable
            and family in (None, c.family)
            and all(c.options.get(k) == v for k, v in options.items())}


def _matched(res, statistic: str) -> set[str]:
    return {v.convention for v in res.matches if v.statistic == statistic}


@pytest.mark.parametrize("key,options", [
    ("logrank_chisq_rho0", {"weights": "logrank"}),
    ("logrank_chisq_rho1", {"weights": "peto", "rho": 1.0}),  # = Fleming-Harrington(1, 0)
    ("logrank_chisq_gehan", {"weights": "gehan-breslow"}),
    ("logrank_chisq_tarone", {"weights": "tarone-ware"}),
])
def test_logrank_family_chisq(key, options):
    value = REFERENCE[key]
    res = identify(LUNG, printed=f"{value:.4f}", statistic="logrank_chisq", **KW)
    expected = _ids_with(**options)
    if key == "logrank_chisq_rho1":
        expected |= _ids_with(weights="fleming-harrington", rho=1.0, gamma=0.0)
    expected -= {c.id for c in load_catalogue().conventions if c.statistics == ("logrank_p",)}
    assert expected and _matched(res, "logrank_chisq") == expected
    for v in res.matches:
        assert v.value[0] == pytest.approx(value, rel=1e-9)
    assert res.summary().startswith(f"{value:.4f} = ")


def test_peto_example_names_the_other_weights():
    res = identify(LUNG, printed="12.7142", statistic="logrank_chisq", **KW)
    text = res.summary()
    assert text.startswith("12.7142 = R survdiff rho=1")
    assert "R survdiff rho=0" in text and "gives 10.3267" in text
    assert "SAS LIFETEST TEST=WILCOXON" in text and "gives 12.4721" in text


@pytest.mark.parametrize("conf", ["log", "log-log", "plain"])
def test_median_ci_conf_types(conf):
    lo, hi = REFERENCE[f"median_lower_{conf}"], REFERENCE[f"median_upper_{conf}"]
    res = identify(LUNG, printed=f"{lo:g}-{hi:g}", statistic="median_ci", level="1", **KW)
    got = _matched(res, "median_ci")
    assert f"r-quantile-{conf.replace('-', '')}" in got
    if conf == "log":  # 212-310 only by R's default log bands
        assert got == {"r-quantile-log"}
    if conf == "log-log":  # the log-log Brookmeyer-Crowley family: SAS, Stata, lifelines
        assert {"sas-lifetest-median", "stata-stci", "lifelines-median"} <= got
        assert "r-quantile-log" not in got and "spss-km-median" not in got
    if conf == "plain":
        assert got == {"r-quantile-plain"}


@pytest.mark.parametrize("conf,cid", [("log", "r-survfit-log"), ("log-log", "r-survfit-loglog"),
                                      ("plain", "r-survfit-plain")])
def test_km_lower_conf_types(conf, cid):
    value = REFERENCE[f"km_lower_t11_{conf}"]
    res = identify(LUNG, printed=f"{value:.4f}", statistic="km_lower", at=11, level="1", **KW)
    assert _matched(res, "km_lower") == _ids_with("km", conf_type=conf)
    assert cid in _matched(res, "km_lower")
    for v in res.matches:
        assert v.value[0] == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize("ties", ["efron", "breslow", "exact"])
def test_hr_and_ci_by_ties(ties):
    hr = REFERENCE[f"hr_{ties}"]
    res = identify(LUNG, printed=f"{hr:.5f}", statistic="hr", **KW)
    assert _matched(res, "hr") == _ids_with(hr_method="cox", ties=ties)
    lo, hi = REFERENCE[f"hr_lower_{ties}"], REFERENCE[f"hr_upper_{ties}"]
    res = identify(LUNG, printed=f"{lo:.5f}-{hi:.5f}", statistic="hr_ci", **KW)
    assert _matched(res, "hr_ci") == _ids_with(hr_method="cox", ties=ties)
    (v,) = [v for v in res.matches if v.convention == f"r-coxph-hr-{ties}"]
    assert v.value == pytest.approx((lo, hi), rel=1e-9)


def test_without_statistic_every_fitting_statistic_is_tried():
    res = identify(LUNG, printed="0.588", **KW)
    assert "hr" in res.statistics and "hr_ci" not in res.statistics
    assert {v.statistic for v in res.matches} == {"hr"}
    assert "prism-hr-mh" not in _matched(res, "hr")


def test_missing_and_pending_are_listed_not_computed():
    res = identify(LUNG, printed="10.3267", statistic="logrank_chisq", **KW)
    rows = {v.convention: v for v in res.values}
    assert rows["sas-lifetest-lr"].matches is None and rows["sas-lifetest-lr"].status == "missing"
    assert rows["sas-lifetest-peto"].status in ("pending", "implemented")
    if rows["sas-lifetest-peto"].status == "pending":
        assert rows["sas-lifetest-peto"].value == () and "WEIGHTS" in rows["sas-lifetest-peto"].note


def test_api_on_the_package_and_renderers():
    res = harness.identify(LUNG, printed="10.33", statistic="logrank_chisq", **KW)
    assert "r-survdiff-rho0" in _matched(res, "logrank_chisq")
    data = json.loads(render(res, "json"))
    jsonschema.validate(data, SCHEMA)
    assert data["matches"] == [v.convention for v in res.matches]
    for fmt in ("table", "markdown"):
        text = render(res, fmt)
        assert res.summary() in text and "R survdiff rho=0" in text and "12.71" in text
    with pytest.raises(ValueError, match="unknown format"):
        render(res, "html")


def test_cli_exit_0_and_json(capsys):
    code = main(["identify", str(LUNG), "--time", "time", "--event", "status",
                 "--event-coding", "12", "--group", "sex", "--printed", "0.4237-0.816",
                 "--statistic", "hr_ci", "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, SCHEMA)
    assert data["matches"] == ["r-coxph-hr-efron"]


@pytest.mark.r
def test_reference_is_fresh():
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is not on PATH"
    run = subprocess.run([rscript, str(SCRIPT)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    fresh = dict(line.split("\t") for line in run.stdout.strip().splitlines())
    assert set(fresh) == set(REFERENCE)
    for k, v in REFERENCE.items():
        assert float(fresh[k]) == pytest.approx(v, rel=1e-13), k


@pytest.mark.parametrize("key,declared,alternative,label", [
    ("logrank_chisq_gehan", '{ weights = "logrank" }', ["weights=gehan-breslow"],
     "SAS LIFETEST TEST=WILCOXON"),
    # G-rho 1 and Fleming-Harrington(1, 0) are the same weights: one setting, both named
    ("logrank_chisq_rho1", '{ weights = "gehan-breslow" }', ["weights=peto, rho=1"],
     "SAS LIFETEST TEST=FLEMING(1,0)"),
])
def test_audit_names_the_conventions_that_reproduce(tmp_path, key, declared, alternative,
                                                    label):
    from tests.test_data_pack import case, judge

    r = judge(tmp_path, case("logrank_chisq_from_data", f"{REFERENCE[key]:.4f}",
                             '{ source = "lung", group = "sex" }', declared,
                             verdict="inconsistent"))
    assert r.verdict == "inconsistent"  # evidence only: the verdict stays
    assert r.details["alternatives"] == alternative
    assert label in r.details["conventions"] and label in r.message


def test_audit_hr_by_ties_names_sas_phreg(tmp_path):
    from tests.test_data_pack import case, judge

    r = judge(tmp_path, case("hr_from_data", f"{REFERENCE['hr_breslow']:.5f}",
                             '{ source = "lung", group = "sex", numerator = "2", '
                             'reference = "1" }', '{ hr_method = "cox", ties = "efron" }',
                             verdict="inconsistent"))
    assert r.details["alternatives"] == ["ties=breslow"]
    assert set(r.details["conventions"]) == {"R coxph exp(coef) (breslow)",
                                             "SAS PHREG hazard ratio (TIES=BRESLOW)",
                                             "Stata stcox hazard ratio (breslow)"}
