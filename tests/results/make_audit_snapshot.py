"""Writes tests/results/audit_stork2022_nor.json: the seed pack's audit without R, as
``harness audit --no-r --format json`` prints it (records and pseudo-IPD comparisons).

A regression guard, not a reference value: tests/test_audit_session.py fails when any number
or verdict the harness prints for the seed pack changes. After an intended change, run
``python tests/results/make_audit_snapshot.py`` and review the diff before committing it.
"""

from pathlib import Path

from harness.audit import run_audit
from harness.report import render

HERE = Path(__file__).resolve().parent
SNAPSHOT = HERE / "audit_stork2022_nor.json"


def snapshot_text() -> str:
    report = run_audit([HERE.parent.parent / "cases" / "stork2022"], use_r=False)
    return render(report, "json") + "\n"


if __name__ == "__main__":
    SNAPSHOT.write_text(snapshot_text(), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
