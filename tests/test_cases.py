"""Case packs: safe loading, schema validation, errors naming the file and the key."""

import pytest

from harness.errors import CaseFileError
from harness.pack.cases import load_pack
from tests.packs import GOOD_CASE, PAPER, make_pack


def test_seed_pack_loads():
    pack = load_pack("cases/stork2022")
    assert pack.paper.alpha == 0.05
    ids = [c.full_id for c in pack.cases]
    assert len(ids) == len(set(ids)) and "stork2022::table2::gender::p" in ids
    gender = next(c for c in pack.cases if c.full_id == "stork2022::table2::gender::p")
    assert gender.published == "0.798" and gender.value.decimals == 3


def test_good_pack(tmp_path):
    pack = load_pack(make_pack(tmp_path))
    (case,) = pack.cases
    assert case.full_id == "demo::table1::sex::p"
    assert case.source == "Table 1, Sex, p"


def _error(tmp_path, cases, paper=PAPER) -> CaseFileError:
    with pytest.raises(CaseFileError) as info:
        load_pack(make_pack(tmp_path, cases, paper))
    return info.value


def test_unknown_estimand(tmp_path):
    err = _error(tmp_path, GOOD_CASE.replace('"contingency_p"', '"median_of_vibes"'))
    assert err.file.endswith("table1.toml")
    assert err.key == "case[0].statistic"
    assert "median_of_vibes" in err.message and "contingency_p" in err.message


def test_missing_field(tmp_path):
    err = _error(tmp_path, GOOD_CASE.replace('published = "0.1"\n', ""))
    assert err.key == "case[0]" and "'published' is missing" in err.message


def test_wrong_type(tmp_path):
    err = _error(tmp_path, GOOD_CASE.replace('published = "0.1"', "published = 0.1"))
    assert err.key == "case[0].published" and "expected string" in err.message


def test_unparsable_published_value(tmp_path):
    err = _error(tmp_path, GOOD_CASE.replace('"0.1"', '"p = ns"'))
    assert err.key == "case[0] (id 'sex::p').published"
    assert "'p = ns' is not a printed number" in err.message


def test_bad_inputs_named(tmp_path):
    err = _error(tmp_path, GOOD_CASE.replace("[[3, 0], [0, 3]]", '[[3, "x"], [0, 3]]'))
    assert err.key.startswith("case[0] (id 'sex::p').inputs.counts")


def test_test_not_applicable(tmp_path):
    err = _error(tmp_path, GOOD_CASE.replace('tests = ["fisher"]', 'tests = ["welch"]'))
    assert err.key.endswith(".tests") and "welch" in err.message


def test_finding_needs_reason(tmp_path):
    err = _error(tmp_path, GOOD_CASE.replace('"consistent"', '"inconsistent"'))
    assert err.key == "case[0].expect" and "'reason' is missing" in err.message


def test_unknown_key(tmp_path):
    err = _error(tmp_path, GOOD_CASE + 'python_code = "import os"\n')
    assert err.key == "case[0]" and "python_code" in err.message


def test_not_toml(tmp_path):
    err = _error(tmp_path, "[[case]\nid = ")
    assert "not valid TOML" in str(err)


def test_duplicate_id(tmp_path):
    err = _error(tmp_path, GOOD_CASE + "\n" + GOOD_CASE)
    assert "duplicate id 'sex::p'" in err.message


def test_paper_alpha_checked(tmp_path):
    err = _error(tmp_path, GOOD_CASE, PAPER.replace("alpha = 0.05", 'alpha = "5%"'))
    assert err.file.endswith("pack.toml") and err.key == "paper.alpha"


def test_folder_without_pack_toml(tmp_path):
    with pytest.raises(CaseFileError, match="pack.toml is missing"):
        load_pack(tmp_path)
