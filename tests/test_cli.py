"""``harness audit``: formats, --no-r, --fail-on and exit codes."""

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from harness.cli import main
from tests.packs import GOOD_CASE, make_pack

JSON_KEYS = {"case", "source", "statistic", "published", "python", "r", "verdict", "message"}


def _recorded_verdicts() -> Counter:
    """The verdicts the stork2022 pack records, counted from its TOML files directly."""
    counts: Counter = Counter()
    for file in sorted(Path(__file__).resolve().parents[1].glob("cases/stork2022/*.toml")):
        if file.name != "pack.toml":
            with file.open("rb") as fh:
                counts.update(c["expect"]["verdict"] for c in tomllib.load(fh).get("case", []))
    return counts


def test_json_records_python_only(capsys):
    assert main(["audit", "--no-r", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    records = data["records"]
    assert len(records) == 199
    assert data["use_r"] is False and data["r_version"] is None
    assert len(data["comparisons"]) == 23
    verdicts = Counter(rec["verdict"] for rec in records)
    # 48 medians, rates and the 3-group p are judged jointly with their comparison's set
    # (issue 11): 128 + 48 consistent, 59 - 48 unverifiable
    assert verdicts == {"consistent": 176, "unverifiable": 11, "inconsistent": 12}
    assert verdicts == _recorded_verdicts()
    assert len({rec["case"] for rec in records}) == 199  # no case twice
    assert all(JSON_KEYS <= rec.keys() for rec in records)
    assert all(rec["r"] is None for rec in records)
    gender = next(r for r in records if r["case"] == "stork2022::table2::gender::p")
    assert gender["verdict"] == "inconsistent" and "R not run" in gender["message"]


@pytest.mark.r
def test_table_with_r(capsys):
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert "stork2022::table2::grade::p" in out and "agree on every recomputation" in out
    lines = out.splitlines()
    assert any(x.startswith("199 cases:") for x in lines)
    # then the pseudo-IPD comparisons: every statistic recomputed in Python and R
    assert "23 pseudo-IPD comparisons: 19 consistent, 4 inconsistent" in lines
    # then the feasible ranges of the held-out printed numbers and the unprinted statistics
    assert lines.index("23 pseudo-IPD comparisons: 19 consistent, 4 inconsistent") < next(
        i for i, x in enumerate(lines) if x.startswith("Feasible ranges"))
    pm = next(x for x in lines if x.startswith("t1_pm "))
    assert pm.split()[1:5] == ["consistent", "8/8", "0/2", "agree"]
    # the variant spread of its data set: MH HR (printed 23.1) / logrank HR / Cox HR
    assert "HR MH/logrank/Cox" in out and pm.split()[5].startswith("23.09/")


def test_markdown_says_python_only(capsys):
    assert main(["audit", "--no-r", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| case" in out and "Python only" in out and "**Summary:**" in out
    assert "### Pseudo patient data" in out and "| t1_pm " in out and "R not run" in out
    assert "**Summary:** 23 pseudo-IPD comparisons: 19 consistent, 4 inconsistent" in out
    assert "### Feasible ranges" in out and "| t1_pm " in out.split("### Feasible ranges")[1]


def test_fail_on(capsys):
    assert main(["audit", "--no-r", "--fail-on", "inconsistent,decision_error"]) == 1
    assert main(["audit", "--no-r", "--fail-on", "decision_error"]) == 0


def test_usage_error_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["audit", "--fail-on", "bogus"])
    assert info.value.code == 2
    assert "unknown verdict" in capsys.readouterr().err


def test_case_file_error_exit_2(tmp_path, capsys):
    pack = make_pack(tmp_path, GOOD_CASE.replace('"contingency_p"', '"hr_vibes"'))
    assert main(["audit", "--no-r", str(pack)]) == 2
    err = capsys.readouterr().err
    assert "table1.toml" in err and "case[0].statistic" in err


def test_r_missing_exit_2(monkeypatch, capsys):
    from harness.r import bridge as rbridge
    from harness.r.bridge import Availability

    # the probe's verdict is replaced, not R: this checks the CLI's message and exit code
    monkeypatch.setattr(rbridge, "probe", lambda: Availability(False, "R package(s) coin missing: install the Debian package(s) r-cran-coin"))
    assert main(["audit"]) == 2
    assert "r-cran-coin" in capsys.readouterr().err


def test_out_file(tmp_path):
    out = tmp_path / "audit.json"
    assert main(["audit", "--no-r", "--format", "json", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["records"][0]["case"].startswith("stork2022::")
