"""The pytest plugin: case files collected as items, findings as strict xfails."""

import pytest

from tests.packs import GOOD_CASE, PAPER

pytest_plugins = ["pytester"]


@pytest.fixture
def pack(pytester):
    pytester.makefile(".toml", **{"cases/demo/pack": PAPER})
    return pytester


def _write(pytester, text):
    pytester.makefile(".toml", **{"cases/demo/table1": text})


def test_collects_one_item_per_case_with_readable_id(pack):
    _write(pack, GOOD_CASE + "\n" + GOOD_CASE.replace("sex::p", "age::p"))
    result = pack.runpytest("--collect-only", "-q", "--harness-no-r", "cases")
    result.stdout.fnmatch_lines(["cases/demo/table1.toml::demo::table1::age::p",
                                 "cases/demo/table1.toml::demo::table1::sex::p"])


def test_consistent_case_passes(pack):
    _write(pack, GOOD_CASE)
    pack.runpytest("--harness-no-r", "cases").assert_outcomes(passed=1)


def test_recorded_finding_is_strict_xfail(pack):
    # p printed 0.5 for [[3,0],[0,3]] (true Fisher p = 0.1): an inconsistent print
    _write(pack, GOOD_CASE.replace('"0.1"', '"0.5"').replace(
        'expect = { verdict = "consistent" }',
        'expect = { verdict = "inconsistent", reason = "Fisher gives 0.1" }'))
    pack.runpytest("--harness-no-r", "cases").assert_outcomes(xfailed=1)


def test_changed_verdict_fails_with_table(pack):
    # the pack records a finding, but the number is consistent: the item must fail
    _write(pack, GOOD_CASE.replace(
        'expect = { verdict = "consistent" }',
        'expect = { verdict = "inconsistent", reason = "wrongly recorded" }'))
    result = pack.runpytest("--harness-no-r", "cases")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*verdict 'consistent', the pack records 'inconsistent'*",
                                 "*published*Python*R*verdict*"])


def test_unrecorded_finding_fails(pack):
    _write(pack, GOOD_CASE.replace('"0.1"', '"0.5"'))
    result = pack.runpytest("--harness-no-r", "cases")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*verdict 'inconsistent', the pack records 'consistent'*"])


def test_malformed_case_file_is_a_collection_error(pack):
    _write(pack, GOOD_CASE.replace('"contingency_p"', '"nonsense"'))
    result = pack.runpytest("--harness-no-r", "cases")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*case file error*table1.toml: case[[]0[]].statistic*"])
