"""R gating by the pytest plugin (harness.pytest_plugin), in projects WITHOUT this repo's conftest.

Without R an R item (the ``r`` marker, the ``r`` fixture, or a case that needs R) skips with
the probe's reason; when R is required (``CI=true`` or the ini option ``harness_require_r``) it
fails, and a run with a skipped R check fails; an R check that ran and met its recorded
expected failure (xfail) is not a skipped one. R is made unavailable with the documented
environment variable ``HARNESS_NO_R`` (the probe's own switch,
read at every call): this tests the gating, not an R cross-check.
"""

from __future__ import annotations

import pytest

# imported before the in-process runs, whose module snapshot would otherwise drop numpy
# (numpy cannot be imported twice in one process)
import harness.r.bridge  # noqa: F401
from tests.packs import GOOD_CASE, PAPER

pytest_plugins = ["pytester"]

BODY = """
import pytest

@pytest.mark.r
def test_ran():
    assert True

@pytest.mark.r
@pytest.mark.xfail(strict=True, reason="recorded finding")
def test_recorded_finding():
    assert False
"""

SKIPPED = """
import pytest

@pytest.mark.r
def test_skipped_r_check():
    pytest.skip("R went away")
"""

FIXTURE = """
def test_uses_r_fixture(r):
    assert r.probe().ok
"""


@pytest.fixture
def project(pytester, monkeypatch):
    """A bare project: no conftest, no marker registration (the plugin registers ``r``)."""
    for var in ("CI", "HARNESS_NO_R"):
        monkeypatch.delenv(var, raising=False)
    assert not (pytester.path / "conftest.py").exists()
    return pytester


def _run(pytester, *args):
    return pytester.runpytest("-p", "no:cacheprovider", "-rs", *args)


def test_xfailed_r_check_is_not_counted_as_skipped(project, monkeypatch):
    monkeypatch.setenv("CI", "true")
    project.makepyfile(BODY)
    result = _run(project)
    result.assert_outcomes(passed=1, xfailed=1)
    assert result.ret == 0
    assert "were skipped although R is required" not in result.stdout.str()


def test_skipped_r_check_fails_in_ci(project, monkeypatch):
    monkeypatch.setenv("CI", "true")
    project.makepyfile(SKIPPED)
    result = _run(project)
    result.assert_outcomes(skipped=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*1 R cross-check(s) were skipped although R is required*test_skipped_r_check*"])


def test_skipped_r_check_passes_locally(project):
    project.makepyfile(SKIPPED)
    result = _run(project)
    result.assert_outcomes(skipped=1)
    assert result.ret == 0


def _case_pack(pytester, ini: str = "") -> None:
    pytester.makefile(".toml", **{"cases/demo/pack": PAPER, "cases/demo/table1": GOOD_CASE})
    if ini:
        pytester.makeini(ini)


def test_case_needing_r_skips_with_probe_reason_without_r(project, monkeypatch):
    """The installed plugin in another project, case files, no R: a skip with the reason."""
    monkeypatch.setenv("HARNESS_NO_R", "1")
    _case_pack(project)
    project.makepyfile(FIXTURE)
    result = _run(project)  # collects the case file and the test module
    result.assert_outcomes(skipped=2)
    assert result.ret == 0
    out = result.stdout.str()
    assert out.count("R cross-check skipped: R is switched off by the environment variable "
                     "HARNESS_NO_R") == 2, out
    assert "Traceback" not in out and "INTERNALERROR" not in out
    result.stdout.fnmatch_lines(["harness: R unavailable: R is switched off*"])


def test_case_needing_r_runs_python_only_with_harness_no_r_option(project, monkeypatch):
    monkeypatch.setenv("HARNESS_NO_R", "1")
    _case_pack(project, "[pytest]\nharness_require_r = true\n")
    result = _run(project, "--harness-no-r", "cases")
    result.assert_outcomes(passed=1)  # judged by Python alone: no R item, nothing to gate


@pytest.mark.parametrize("how", ["ini", "CI"])
def test_case_needing_r_fails_when_r_is_required(project, monkeypatch, how):
    monkeypatch.setenv("HARNESS_NO_R", "1")
    if how == "CI":
        monkeypatch.setenv("CI", "true")
        _case_pack(project)
    else:
        _case_pack(project, "[pytest]\nharness_require_r = true\n")
    result = _run(project, "cases")
    result.assert_outcomes(errors=1)  # pytest.fail in setup: an error, as for any setup failure
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*R is required for this check: R is switched off by the environment variable*"])


def test_require_r_ini_false_and_no_ci_skips(project, monkeypatch):
    monkeypatch.setenv("HARNESS_NO_R", "1")
    _case_pack(project, "[pytest]\nharness_require_r = false\n")
    result = _run(project, "cases")
    result.assert_outcomes(skipped=1)
    assert result.ret == 0
