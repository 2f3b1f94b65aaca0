"""Data-backed packs without R: the derivation grammar, pack.toml [[data]] validation, case
data/method validation (errors name file and key), NR medians, Python-only judging."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from harness.audit.checks import Context, run_check
from harness.errors import CaseFileError
from harness.pack import derive, printed
from harness.pack.cases import load_pack

ROOT = Path(__file__).resolve().parents[1]
LUNG = ROOT / "cases" / "lung_tutorials" / "data" / "lung.csv"

PAPER = """[paper]
id = "datademo"
title = "t"
citation = "c"
alpha = 0.05
"""
DATA = """
[[data]]
id = "lung"
file = "data/lung.csv"
time = "time"
event = "status"
event_coding = "12"
unit = "days"
columns = { time = "number", status = "number", sex = "string", age = "number", ph_ecog = "string" }
derive = { years = "round(time / 365.25, 2)" }
"""


def make(tmp_path: Path, cases: str, data: str = DATA) -> Path:
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(LUNG, tmp_path / "data" / "lung.csv")
    (tmp_path / "pack.toml").write_text(PAPER + data, encoding="utf-8")
    (tmp_path / "t.toml").write_text(cases, encoding="utf-8")
    return tmp_path


def case(statistic: str, published: str, data: str, method: str = "",
         verdict: str = "consistent") -> str:
    reason = ', reason = "x"' if verdict in ("inconsistent", "decision_error") else ""
    return (f'[[case]]\nid = "c"\nwhere = {{ table = "T" }}\npublished = "{published}"\n'
            f'statistic = "{statistic}"\ndata = {data}\n'
            + (f"method = {method}\n" if method else "")
            + f'expect = {{ verdict = "{verdict}"{reason} }}\n')


def judge(tmp_path: Path, text: str, data: str = DATA):
    pack = load_pack(make(tmp_path, text, data))
    (c,) = pack.cases
    return run_check(c, Context(pack.paper, use_r=False))


# -- the derivation grammar -------------------------------------------------------------------

def test_derive_evaluates_arithmetic_and_round():
    tree = derive.parse("round(days / 365.25, 2) + -1 * (x - 2)")
    assert derive.columns(tree) == {"days", "x"}
    out = derive.evaluate(tree, {"days": np.array([365.25, 730.5]), "x": np.array([2.0, 3.0])})
    assert out.tolist() == [1.0, 1.0]  # 1 + 0 and 2 - 1


@pytest.mark.parametrize("text, why", [
    ("__import__('os')", "unexpected"),
    ("exp(x)", "unexpected"),       # only round() is a function
    ("round(x)", "expected ','"),
    ("round(x, 1.5)", "whole number"),
    ("x +", "expected more"),
    ("x y", "after a complete expression"),
    ("", "non-empty"),
])
def test_derive_rejects(text, why):
    with pytest.raises(ValueError, match=why):
        derive.parse(text)


# -- pack.toml [[data]] -----------------------------------------------------------------------

COUNT = case("count_from_data", "138", '{ source = "lung", group = "sex", level = "1" }')


def test_count_and_derived_column(tmp_path):
    r = judge(tmp_path, COUNT)
    assert r.verdict == "consistent" and r.python == 138
    pack = load_pack(tmp_path)
    frame = pack.cases[0].data.dataset.frame
    assert frame["years"].iloc[0] == round(306 / 365.25, 2)


@pytest.mark.parametrize("data, key, words", [
    (DATA.replace('age = "number", ', 'age = "number", nope = "number", '),
     "data[0] (id 'lung').columns", "not in lung.csv"),
    (DATA.replace('"round(time / 365.25, 2)"', '"round(tim / 365.25, 2)"'),
     "data[0] (id 'lung').derive.years", "'tim' is not a declared"),
    (DATA.replace('"round(time / 365.25, 2)"', '"exp(time)"'),
     "data[0] (id 'lung').derive.years", "unexpected"),
    (DATA.replace('event_coding = "12"', 'event_coding = "01"'),
     "data[0] (id 'lung').event_coding", "holds '2'"),
    (DATA.replace('file = "data/lung.csv"', 'file = "../lung.csv"'),
     "data[0] (id 'lung').file", "inside the pack"),
    (DATA.replace('sex = "string"', 'sex = "text"'), "data[0].columns.sex", "not allowed"),
])
def test_data_errors_name_file_and_key(tmp_path, data, key, words):
    with pytest.raises(CaseFileError) as err:
        load_pack(make(tmp_path, COUNT, data))
    assert err.value.file.endswith("pack.toml")
    assert err.value.key == key
    assert words in err.value.message


def test_number_column_with_text_names_csv_line(tmp_path):
    make(tmp_path, COUNT)
    csv = tmp_path / "data" / "lung.csv"
    lines = csv.read_text().splitlines()
    lines[3] = lines[3].replace(",74,", ",old,", 1) if ",74," in lines[3] else \
        lines[3].split(",", 3)[0] + ",1,2,old," + lines[3].split(",", 4)[4]
    csv.write_text("\n".join(lines) + "\n")
    with pytest.raises(CaseFileError) as err:
        load_pack(tmp_path)
    assert err.value.file.endswith("lung.csv") and "line(s) [4]" in err.value.message


# -- a case's data and method -----------------------------------------------------------------

@pytest.mark.parametrize("text, key, words", [
    (case("count_from_data", "1", '{ source = "lunge" }'), "case[0] (id 'c').data.source",
     "unknown data set 'lunge'"),
    (case("count_from_data", "1", '{ source = "lung", group = "sexx" }'),
     "case[0] (id 'c').data.group", "not a column"),
    (case("count_from_data", "1", '{ source = "lung", group = "sex", level = "3" }'),
     "case[0] (id 'c').data.level", "not a value of 'sex'"),
    (case("km_survival_at", "0.5", '{ source = "lung" }', "{ ties = \"efron\", time = 5 }"),
     "case[0] (id 'c').method.ties", "does not apply to km_survival_at"),
    (case("km_survival_at", "0.5", '{ source = "lung" }'), "case[0] (id 'c').method",
     "needs method.time"),
    (case("ttest_p_from_data", "0.5", '{ source = "lung", group = "sex", variable = "age" }',
          '{ test = "fisher" }'), "case[0] (id 'c').method.test", "does not apply"),
    (case("median_survival", "3", '{ source = "lung" }'), "case[0] (id 'c').data",
     "judged from printed summaries"),
    (case("count_from_data", "1", '{ source = "lung", subset = { age = "old" } }'),
     "case[0] (id 'c').data.subset.age", "not a number"),
    (case("count_from_data", "1", '{ source = "lung", level = "1" }'),
     "case[0] (id 'c').data.level", "needs data.group"),
])
def test_case_data_errors(tmp_path, text, key, words):
    with pytest.raises(CaseFileError) as err:
        load_pack(make(tmp_path, text))
    assert err.value.key == key and words in err.value.message


def test_data_backed_statistic_without_data(tmp_path):
    text = ('[[case]]\nid = "c"\nwhere = { table = "T" }\npublished = "3"\n'
            'statistic = "count_from_data"\nexpect = { verdict = "consistent" }\n')
    with pytest.raises(CaseFileError, match="recomputed from data"):
        load_pack(make(tmp_path, text))


# -- NR and judging in Python -----------------------------------------------------------------

@pytest.mark.parametrize("text", ["NR", "N.R.", "not reached", "NE", "n.e.", "NA"])
def test_nr_parses(text):
    assert isinstance(printed.parse("median", text), printed.NotReached)


@pytest.mark.parametrize("text, lo, up", [
    ("348-NR", 348.0, None), ("(18, NE)", 18.0, None), ("NR–NR", None, None),
    ("212 to 310", 212.0, 310.0)])
def test_median_interval_parses(text, lo, up):
    iv = printed.parse("median_interval", text)
    for bound, want in ((iv.lower, lo), (iv.upper, up)):
        assert (isinstance(bound, printed.NotReached) if want is None else bound.value == want)


def test_median_interval_rejects():
    with pytest.raises(ValueError, match="interval of a median"):
        printed.parse("median_interval", "348 or so")


def test_nr_in_summary_only_case_is_unverifiable(tmp_path):
    text = ('[[case]]\nid = "c"\nwhere = { table = "T" }\npublished = "NR"\n'
            'statistic = "median_survival"\nexpect = { verdict = "unverifiable" }\n')
    (tmp_path / "pack.toml").write_text(PAPER)
    (tmp_path / "t.toml").write_text(text)
    (c,) = load_pack(tmp_path).cases
    assert run_check(c, Context(load_pack(tmp_path).paper, use_r=False)).verdict == \
        "unverifiable"


def test_nr_median_judged_from_data(tmp_path):
    # lung, female, ECOG 0: R's quantile(...)$upper is NA (the upper band stays above 0.5)
    data = '{ source = "lung", group = "sex", level = "2", subset = { ph_ecog = "0" } }'
    r = judge(tmp_path, case("median_ci_upper_from_data", "NR", data))
    assert r.verdict == "consistent" and "not reached" in r.message
    # the estimate itself is reached (705 days, R: quantile(...)$quantile): NR is inconsistent
    r = judge(tmp_path, case("median_from_data", "NR", data, verdict="inconsistent"))
    assert r.verdict == "inconsistent" and "705" in r.message


def test_percent_printed_survival_and_missing_rows_counted(tmp_path):
    # S(365) for women is 0.5265 (R: summary(survfit(...), times = 365)$surv)
    data = '{ source = "lung", group = "sex", level = "2", strata = "ph_ecog" }'
    r = judge(tmp_path, case("km_survival_at", "53%", data, "{ time = 365 }"))
    assert r.verdict == "consistent"
    assert "1 missing ph_ecog" in r.message
    r = judge(tmp_path, case("km_survival_at", "52%", data, "{ time = 365 }",
                             verdict="inconsistent"))
    assert r.verdict == "inconsistent"


def test_percentage_of_rows(tmp_path):
    # 113 of 227 non-missing ECOG scores are 1 -> 49.8%
    data = '{ source = "lung", variable = "ph_ecog", value = "1" }'
    r = judge(tmp_path, case("percentage_from_data", "49.8%", data))
    assert r.verdict == "consistent" and r.details["count"] == 113 and r.details["n"] == 227


def test_other_convention_named_when_declared_one_fails(tmp_path):
    # women, S(365) = 0.5265; lower limits (R: summary(survfit(..., conf.type = ct),
    # times = 365)$lower): log 0.4215, log-log 0.4036, plain 0.4094, logit 0.4101
    data = '{ source = "lung", group = "sex", level = "2" }'
    r = judge(tmp_path, case("km_ci_lower_at", "0.404", data, '{ time = 365 }',
                             verdict="inconsistent"))
    assert r.verdict == "inconsistent"
    assert r.details["alternatives"] == ["conf_type=log-log"]
    assert "reproduced under another convention: conf_type=log-log" in r.message


def test_bundled_third_party_pack_json_python_only(capsys):
    import json

    from harness.cli import main

    assert main(["audit", str(ROOT / "cases" / "lung_tutorials"), "--no-r", "--format",
                 "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["consistent"] == 38 and len(data["records"]) == 38
    coef = next(r for r in data["records"] if r["case"] == "lung_tutorials::cox::sex::coef")
    assert coef["python"] == pytest.approx(-0.5310, abs=5e-5)
    assert coef["details"]["convention"].startswith("Cox (efron ties)")
    assert coef["details"]["rows"] == 228


def test_rmst_with_group_but_no_level_pools_all_rows(tmp_path):
    # R: summary(survfit(Surv(time, status) ~ 1, lung), rmean = 365)$table["rmean"] = 263.2219
    r = judge(tmp_path, case("rmst_from_data", "263.22", '{ source = "lung", group = "sex" }',
                             "{ tau = 365 }"))
    assert r.verdict == "consistent", r.message


def test_k_group_cox_hr_against_a_reference_arm(tmp_path):
    # R: exp(coef(coxph(Surv(time, status) ~ relevel(factor(ph.ecog), "0"), lung)))[2]
    #    = 2.500; the two-level subset gives exp(coef(coxph(Surv(time, status) ~
    #    I(ph.ecog == 2), subset(lung, ph.ecog %in% c(0, 2))))) = 2.454
    data = '{ source = "lung", group = "ph_ecog", numerator = "2", reference = "0" }'
    r = judge(tmp_path, case("hr_from_data", "2.50", data,
                             '{ hr_method = "cox", cox_levels = "all" }'))
    assert r.verdict == "consistent", r.message
    assert "every level of 4 against the reference" in r.message
    r = judge(tmp_path / "pair", case("hr_from_data", "2.45", data, '{ hr_method = "cox" }'))
    assert r.verdict == "consistent", r.message
    r = judge(tmp_path / "mh", case("hr_from_data", "2.50", data,
                                    '{ hr_method = "logrank", cox_levels = "all" }'))
    assert r.verdict == "error" and "needs hr_method = 'cox'" in r.message


def test_parquet_data_reads_as_the_csv(tmp_path):
    """A pack may hold its data as Parquet: the same rows, types and missing values as the
    CSV, so every recomputation is identical."""
    import pandas as pd

    from harness.pack.data import case_slice

    text = case("logrank_p_from_data", "0.0013", '{ source = "lung", group = "sex" }')
    via_csv = load_pack(make(tmp_path / "csv", text))
    frame = pd.read_csv(LUNG, keep_default_na=True)  # numbers as float64/int64, NA as null
    make(tmp_path / "pq", text, DATA.replace("data/lung.csv", "data/lung.parquet"))
    frame.to_parquet(tmp_path / "pq" / "data" / "lung.parquet", index=False)
    via_pq = load_pack(tmp_path / "pq")
    a, b = case_slice(via_csv.cases[0].data), case_slice(via_pq.cases[0].data)
    assert np.array_equal(a.time, b.time) and np.array_equal(a.event, b.event)
    assert a.group.tolist() == b.group.tolist() and a.dropped == b.dropped
    assert a.frame.equals(b.frame)
    ra = run_check(via_csv.cases[0], Context(via_csv.paper, use_r=False))
    rb = run_check(via_pq.cases[0], Context(via_pq.paper, use_r=False))
    assert ra.python == rb.python and ra.verdict == rb.verdict == "consistent", rb.message


def test_parquet_unreadable_names_the_file(tmp_path):
    text = case("count_from_data", "228", '{ source = "lung" }')
    root = make(tmp_path, text, DATA.replace("data/lung.csv", "data/lung.parquet"))
    (root / "data" / "lung.parquet").write_bytes(b"not parquet")
    with pytest.raises(CaseFileError, match="lung.parquet: cannot be read as Parquet"):
        load_pack(root)


def test_z_option_rounds_the_normal_quantile(tmp_path):
    """method.z = 1.96 gives intervals with the rounded quantile (as exp(b +/- 1.96 se)),
    through an equivalent conf_level; giving both is an error."""
    from scipy.stats import norm

    from harness.audit.checks.data_compute import hazard
    from harness.pack.data import case_slice, z_level

    assert norm.ppf((1 + z_level(1.96)) / 2) == pytest.approx(1.96, abs=1e-14)
    data = '{ source = "lung", group = "sex" }'
    exact = load_pack(make(tmp_path / "a", case("hr_ci_from_data", "0.42-0.82", data,
                                                '{ hr_method = "cox" }'))).cases[0]
    rounded = load_pack(make(tmp_path / "b", case("hr_ci_from_data", "0.42-0.82", data,
                                                  '{ hr_method = "cox", z = 1.96 }'))).cases[0]
    a = hazard(exact, case_slice(exact.data), False).python
    b = hazard(rounded, case_slice(rounded.data), False).python
    se = np.log(a["upper"] / a["estimate"]) / norm.ppf(0.975)
    assert b["estimate"] == a["estimate"]
    assert b["upper"] == pytest.approx(a["estimate"] * np.exp(1.96 * se), rel=1e-13)
    assert b["lower"] == pytest.approx(a["estimate"] * np.exp(-1.96 * se), rel=1e-13)
    with pytest.raises(CaseFileError, match="give z or conf_level, not both"):
        load_pack(make(tmp_path / "c", case("hr_ci_from_data", "0.42-0.82", data,
                                            '{ z = 1.96, conf_level = 0.95 }')))


def test_cox_convergence_sas_is_python_only_and_changes_the_print(tmp_path):
    """method.convergence = "sas": the fit stops at SAS PHREG's GCONV=1e-8 (on lung, age +
    sex, efron: the sex coefficient -0.513095 where R's converged fit has -0.513219; see
    tests/test_cox_sas_gconv.py for R's Newton path), R is not run and the record says why."""
    data = '{ source = "lung", covariates = ["age", "sex"], term = "sex" }'
    sas = judge(tmp_path / "a", case("cox_coef_from_data", "-0.5131", data,
                                     '{ convergence = "sas" }'))
    assert sas.verdict == "consistent", sas.message
    assert "GCONV=1E-8" in sas.message
    r = judge(tmp_path / "b", case("cox_coef_from_data", "-0.5131", data, verdict="inconsistent"))
    assert r.verdict == "inconsistent", r.message
