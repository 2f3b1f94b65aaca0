"""The CI gate in the top-level conftest.py: with CI=true a skipped R check fails the run,
while an R check that ran and met its recorded expected failure (xfail) does not."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = ["pytester"]

ROOT_CONFTEST = (Path(__file__).resolve().parents[1] / "conftest.py").read_text()

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


def _run(pytester, monkeypatch, body):
    monkeypatch.setenv("CI", "true")
    pytester.makeconftest(ROOT_CONFTEST)
    pytester.makeini("[pytest]\nmarkers =\n    r: R cross-check\n")
    pytester.makepyfile(body)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider")


def test_xfailed_r_check_is_not_counted_as_skipped(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, BODY)
    result.assert_outcomes(passed=1, xfailed=1)
    assert result.ret == 0
    assert "were skipped in CI" not in result.stdout.str()


def test_skipped_r_check_fails_in_ci(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, SKIPPED)
    result.assert_outcomes(skipped=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*1 R cross-check(s) were skipped in CI*test_skipped_r_check*"])
