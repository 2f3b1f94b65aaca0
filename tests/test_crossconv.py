"""``harness crosscheck`` names the programs that print each value (harness/tools/crossconv.py):
a lookup in the convention catalogue, no recomputation."""

from __future__ import annotations

from pathlib import Path

from harness.cli import main
from harness.tools.crosscheck import crosscheck
from harness.tools.crossconv import conventions_of, program_table, row_statistic

LUNG = Path(__file__).resolve().parents[1] / "cases" / "lung_tutorials" / "data" / "lung.csv"


def _ids(estimand, variant):
    return {c.id for c in conventions_of(estimand, variant)}


def test_rows_map_to_statistics_and_options():
    assert row_statistic("km_lower(t=365)", "log-log") == ("km_lower", {"conf_type": "log-log"})
    assert row_statistic("median_upper", "R (log)") == (
        "median_upper", {"median_rule": "R", "conf_type": "log"})
    assert row_statistic("chisq", "Gehan-Breslow-Wilcoxon") == (
        "logrank_chisq", {"weights": "gehan-breslow"})
    assert row_statistic("cox_lr_p", "breslow") == ("cox_lr_p", {"ties": "breslow"})
    assert row_statistic("rmst(tau=100)", "-") is None


def test_programs_of_known_variants():
    assert {"sas-lifetest-wilcoxon", "spss-km-breslow", "prism-gbw", "stata-sts-test-wilcoxon",
            "statsmodels-survdiff-gb"} <= _ids("chisq", "Gehan-Breslow-Wilcoxon")
    assert "r-survdiff-rho0" not in _ids("chisq", "Gehan-Breslow-Wilcoxon")
    # survdiff rho = 1 is Fleming-Harrington(1, 0) and statsmodels fh_p = 1, not SAS TEST=PETO
    rho1 = _ids("chisq", "Peto & Peto (rho=1)")
    assert {"r-survdiff-rho1", "statsmodels-survdiff-fh1", "sas-lifetest-fleming"} <= rho1
    assert "sas-lifetest-peto" not in rho1
    assert {"sas-phreg-breslow", "stata-stcox-breslow", "statsmodels-phreg",
            "spss-coxreg"} <= _ids("cox_coef", "breslow")
    assert _ids("hr", "Mantel-Haenszel (Prism)") == {"prism-hr-mh"}
    assert {"sas-lifetest-loglog", "lifelines-km", "r-survfit-loglog"} <= _ids(
        "km_lower(t=365)", "log-log")
    assert "survminer-n" not in _ids("chisq", "Gehan-Breslow-Wilcoxon")  # survminer prints p
    assert "survminer-n" in _ids("p", "Gehan-Breslow-Wilcoxon")


def test_crosscheck_records_carry_conventions_and_the_program_table():
    import numpy as np
    import pandas as pd

    d = pd.read_csv(LUNG)
    recs = crosscheck(d["time"].to_numpy(), d["status"].to_numpy(),
                      d["sex"].astype(str).to_numpy(dtype=object), times=[365.0],
                      use_r=False, coding="12", use_lifelines=False)
    by = {(r.estimand, r.variant): r for r in recs}
    assert "sas-phreg-breslow" in by[("cox_coef", "breslow")].conventions
    rmst = [r for r in recs if r.estimand.startswith("rmst(")]
    assert rmst and all(r.conventions == () for r in rmst)  # no catalogued convention
    headers, rows = program_table(recs)
    assert headers[:4] == ["estimand", "variant", "group", "python"]
    assert {"SAS", "SPSS", "Stata", "Prism", "R survival", "lifelines"} <= set(headers)
    row = next(r for r in rows if r[:2] == ["chisq", "Gehan-Breslow-Wilcoxon"])
    cell = dict(zip(headers, row))
    assert cell["SAS"] == "default" and cell["SPSS"] == "option" and cell["R survival"] == ""
    assert np.isclose(float(cell["python"]), 12.4721, atol=5e-5)  # R: tests/results/wlr.R


def test_cli_prints_the_program_section(capsys):
    code = main(["crosscheck", str(LUNG), "--time", "time", "--event", "status",
                 "--event-coding", "12", "--group", "sex", "--no-r", "--no-lifelines",
                 "--at", "365"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Which program prints each value" in out and "Stata" in out
