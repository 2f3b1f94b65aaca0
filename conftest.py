"""Project-wide pytest configuration.

R cross-checks carry the ``r`` marker (or use the ``r`` fixture). Locally a missing R skips
them with the exact reason; in CI (environment variable ``CI=true``) a missing R, or any R
check that ends up skipped, fails the run.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Property tests draw new examples on every local run (that is how they find bugs); in CI
# they are derandomized, so a landing is judged on the same examples every time.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if IN_CI:
    settings.load_profile("ci")


def _require_r() -> None:
    from harness.r import bridge as rbridge

    status = rbridge.probe()
    if not status.ok:
        if IN_CI:
            pytest.fail(f"CI requires R for cross-checks: {status.reason}", pytrace=False)
        pytest.skip(f"R cross-check skipped: {status.reason}")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("r") is not None:
        _require_r()


@pytest.fixture
def r():
    """The R bridge module, after making sure R is usable (skip locally, fail in CI)."""
    _require_r()
    from harness.r import bridge as rbridge

    return rbridge


_skipped_r: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # An xfail is reported as "skipped" with ``wasxfail`` set: the check ran (R included) and
    # its recorded finding held, so it is not a skipped R check.
    if (
        IN_CI
        and report.skipped
        and not hasattr(report, "wasxfail")
        and "r" in report.keywords
    ):
        _skipped_r.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if IN_CI and _skipped_r:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if IN_CI and _skipped_r:
        terminalreporter.write_line(
            f"FAILED: {len(_skipped_r)} R cross-check(s) were skipped in CI: "
            + ", ".join(_skipped_r[:5]),
            red=True,
        )
