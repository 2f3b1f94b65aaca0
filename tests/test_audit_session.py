"""The audit as one object: run_audit builds an AuditReport, every format renders it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from harness.audit import AuditReport, run_audit
from harness.audit.checks import CHECKS
from harness.audit.records import CaseResult
from harness.cli import main
from harness.errors import CaseFileError
from harness.pack import registry
from harness.report import FORMATS, render
from harness.report.json import SCHEMA
from harness.verdict import VERDICTS, Verdict

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "cases" / "stork2022"
SNAPSHOT = Path(__file__).resolve().parent / "results" / "audit_stork2022_nor.json"


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return run_audit([SEED], use_r=False)


#: floats of the snapshot may differ in the last bits between CPUs (numpy's SIMD summation
#: order); every other value, every key and every string must be identical
GUARD_REL = 1e-12


def _diffs(a, b, path="$"):
    """Paths where two parsed JSON documents differ (floats within GUARD_REL are equal)."""
    if isinstance(a, float) and isinstance(b, float):
        if a == b or abs(a - b) <= GUARD_REL * max(abs(a), abs(b)):
            return []
        return [f"{path}: {a!r} != {b!r}"]
    if type(a) is not type(b):
        return [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{path}: keys {list(a)} != {list(b)}"]
        return [d for k in a for d in _diffs(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _diffs(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_guard_audit_json_unchanged(report):
    """Not a single printed number changes: the whole no-R JSON equals the frozen snapshot
    (tests/results/make_audit_snapshot.py wrote it; rerun it after an intended change),
    floats to GUARD_REL."""
    diffs = _diffs(json.loads(render(report, "json")),
                   json.loads(SNAPSHOT.read_text(encoding="utf-8")))
    assert not diffs, "\n".join(diffs[:20])


def test_guard_sees_a_changed_number_and_a_changed_word():
    doc = {"a": [1.0, {"b": "consistent", "c": 2}]}
    assert _diffs(doc, {"a": [1.0 + 1e-14, {"b": "consistent", "c": 2}]}) == []
    assert _diffs(doc, {"a": [1.0 + 1e-9, {"b": "consistent", "c": 2}]})
    assert _diffs(doc, {"a": [1.0, {"b": "inconsistent", "c": 2}]})
    assert _diffs(doc, {"a": [1.0, {"b": "consistent", "c": 3}]})
    assert _diffs(doc, {"a": [1.0, {"b": "consistent"}]})


def test_json_valid_and_carries_the_comparisons(report):
    data = json.loads(render(report, "json"))
    jsonschema.validate(data, SCHEMA)
    assert len(data["records"]) == 199
    assert [c["id"] for c in data["comparisons"]] == [c.id for c in report.comparisons]
    assert len(data["comparisons"]) == 23
    # every comparison row the table shows is in the JSON, with its verdict and numbers
    table = render(report, "table")
    for c in data["comparisons"]:
        assert c["id"] in table
        assert c["verdict"] in ("consistent", "inconsistent", "unresolved")
        assert c["rows"] and all(set(r) >= {"key", "role", "printed", "python"}
                                 for r in c["rows"])
    assert data["counts"] == report.counts()
    assert sum(data["counts"].values()) == 199


def test_every_format_renders_the_same_report(report):
    seen = {fmt: render(report, fmt) for fmt in FORMATS}
    first = report.comparisons[0].id
    for fmt, text in seen.items():
        assert first in text, fmt
        assert "stork2022::table2::gender::p" in text, fmt
    with pytest.raises(ValueError, match="unknown format 'pdf'; choose from table"):
        render(report, "pdf")


def test_cli_prints_what_the_api_renders(report, capsys):
    assert main(["audit", "--no-r", "--format", "json", str(SEED)]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(render(report, "json"))


def test_fail_on_uses_the_report(report):
    assert report.matched(["inconsistent", "error"]) == ["inconsistent"]
    assert report.matched(["error"]) == []


def test_same_pack_twice_is_audited_once():
    rep = run_audit([SEED, SEED / "pack.toml"], use_r=False, comparisons=False)
    assert len(rep.packs) == 1 and len(rep.records) == 199


def test_case_file_as_pack_is_refused_clearly():
    with pytest.raises(CaseFileError, match="is a single case file, not a pack: name its pack folder"):
        run_audit([SEED / "table2.toml"], use_r=False)


def test_verdicts_are_one_enum():
    assert [str(v) for v in VERDICTS] == ["consistent", "inconsistent", "decision_error",
                                           "unverifiable", "error"]
    with pytest.raises(ValueError, match="'consistant' is not a valid Verdict"):
        CaseResult("c", "s", "x", "1", None, None, "consistant", "m", "k")
    assert CaseResult("c", "s", "x", "1", None, None, "error", "m", "k").verdict is Verdict.ERROR


def test_every_estimand_has_a_registered_check():
    missing = {e.check for e in registry.ESTIMANDS.values()} - set(CHECKS)
    assert not missing


def test_streamed_json_equals_the_whole_document(report):
    """The JSON renderer writes the records one at a time (memory at 10^5 cases); its text is
    exactly ``json.dumps`` of the whole document, every part included (range_records too)."""
    from harness.report.json import to_data

    whole = json.dumps(to_data(report), indent=2, allow_nan=False, default=str)
    assert render(report, "json") == whole
    assert '"range_records"' in whole and '"comparisons"' in whole
