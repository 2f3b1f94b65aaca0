"""The pytest plugin: case files collected as items, findings as strict xfails."""

import pytest

# imported before the in-process runs, whose module snapshot would otherwise drop numpy
# (numpy cannot be imported twice in one process: this file alone used to INTERNALERROR)
import harness.r.bridge  # noqa: F401
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


# ---------------------------------------------------------------- unreadable case files
# Each must be a clean collection error that names the file and the cause: not an
# INTERNALERROR, not "no tests ran" with exit code 3.
def _write_bytes(pytester, data: bytes) -> None:
    (pytester.path / "cases" / "demo" / "table1.toml").write_bytes(data)


@pytest.mark.parametrize(
    "data, cause",
    [
        (GOOD_CASE.replace("A demo", "x").replace("Sex", "Caf\xe9").encode("latin-1"),
         "*table1.toml: not UTF-8 text: byte 0xe9 at line 3 (save the file as UTF-8)*"),
        (GOOD_CASE.replace('published = "0.1"', 'published = "0.1').encode(),
         "*table1.toml: not valid TOML: *line 4*"),
    ],
    ids=["latin1-byte", "toml-syntax"],
)
def test_unreadable_case_file_is_a_clean_collection_error(pack, data, cause):
    # (a UTF-8 byte-order mark is read, not refused: tests/badinput/schema.toml pins it)
    _write_bytes(pack, data)
    result = pack.runpytest("--harness-no-r", "cases")
    result.assert_outcomes(errors=1)
    assert result.ret == pytest.ExitCode.INTERRUPTED  # "errors during collection", not 3
    result.stdout.fnmatch_lines(["*ERROR collecting cases/demo/table1.toml*",
                                 "case file error: " + cause])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_unexpected_collection_exception_is_reported_not_internal(pack, monkeypatch):
    """Any other exception while collecting a case file: pytest's own collection error."""
    import harness.pytest_plugin as plugin

    def broken(path, paper):
        raise RuntimeError(f"simulated loader crash on {path.name}")

    monkeypatch.setattr(plugin, "load_case_file", broken)  # the in-process run uses it
    _write(pack, GOOD_CASE)
    result = pack.runpytest("--harness-no-r", "cases")
    result.assert_outcomes(errors=1)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*ERROR collecting cases/demo/table1.toml*",
                                 "*RuntimeError: simulated loader crash on table1.toml*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
