"""pytest plugin: every case of every case pack is a test item.

Registered through the ``pytest11`` entry point, so plain ``pytest`` collects
``cases/<pack>/*.toml``. An item passes when Python and R agree with each other and the
verdict equals the one the pack records. A case the pack records as a finding about the
paper (``inconsistent`` or ``decision_error``) is a strict xfail: the suite stays green,
the finding stays visible, and any change of verdict fails. A case the pack's pseudo-IPD
comparisons cover (``ipd/comparisons.toml``) is judged with the pack's joint verdicts and
pooled constraints, as by ``harness audit`` (evaluated once per pack and run, R included unless
``--harness-no-r``). The only module that imports pytest.

R gating (for case items that need R and for any test with the ``r`` marker or the ``r``
fixture): without R such an item skips with the probe's reason
(:func:`harness.r.bridge.probe`); when R is required (ini option ``harness_require_r = true``,
or the environment variable ``CI`` set to ``1``/``true``/``yes``) it fails instead, and a run in
which any R item was skipped fails at the end. ``HARNESS_NO_R=1`` makes R unavailable.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tabulate import tabulate

from harness.audit import audit_case
from harness.audit import judge as consistency
from harness.audit.checks import uses_r
from harness.audit.context import Context
from harness.audit.records import CaseResult
from harness.audit.session import cached_pack_evidence, covered_cases
from harness.errors import CaseFileError
from harness.pack.cases import PACK_FILE, Case, Paper, is_case_file, load_case_file, load_paper
from harness.pack.printed import fmt
from harness.verdict import FINDINGS


class PublishedFinding(Exception):
    """The audit found what the pack records about the paper (an expected finding)."""

    def __init__(self, result: CaseResult):
        self.result = result
        super().__init__(result.message)


class CaseMismatch(Exception):
    """The audit's outcome differs from what the pack records, or Python and R disagree."""

    def __init__(self, result: CaseResult, problem: str):
        self.result = result
        self.problem = problem
        super().__init__(problem)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness")
    group.addoption("--harness-no-r", action="store_true",
                    help="judge case packs with Python only (no R cross-check)")
    parser.addini("harness_require_r", type="bool", default=False,
                  help="R items fail (not skip) when R is missing, and a run with a skipped R "
                       "item fails; also on when the environment variable CI is true")


def require_r_policy(config: pytest.Config) -> bool:
    """Whether R is required: ini ``harness_require_r`` or the environment variable ``CI``."""
    in_ci = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
    return bool(config.getini("harness_require_r")) or in_ci


class RGate:
    """Per-run R gating: skip (or fail when required) R items; count skipped R items."""

    def __init__(self, required: bool):
        self.required = required
        self.skipped: list[str] = []

    def check(self) -> None:
        from harness.r import bridge as rbridge

        status = rbridge.probe()
        if status.ok:
            return
        if self.required:
            pytest.fail(f"R is required for this check: {status.reason}", pytrace=False)
        pytest.skip(f"R cross-check skipped: {status.reason}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if item.get_closest_marker("r") is not None:
            self.check()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # an xfail is reported as "skipped" with ``wasxfail``: the check ran (R included) and
        # its recorded finding held, so it is not a skipped R check
        if report.skipped and not hasattr(report, "wasxfail") and "r" in report.keywords:
            self.skipped.append(report.nodeid)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.required and self.skipped and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.required and self.skipped:
            terminalreporter.write_line(
                f"FAILED: {len(self.skipped)} R cross-check(s) were skipped although R is "
                "required: " + ", ".join(self.skipped[:5]), red=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "r: the item calls R through rpy2")
    config.pluginmanager.register(RGate(require_r_policy(config)), "harness-r-gate")


@pytest.fixture
def r(request: pytest.FixtureRequest):
    """The R bridge module, after making sure R is usable (skip, or fail when R is required)."""
    request.config.pluginmanager.get_plugin("harness-r-gate").check()
    from harness.r import bridge as rbridge

    return rbridge


def pytest_report_header(config: pytest.Config) -> str:
    from harness.r import bridge as rbridge

    status = rbridge.probe()
    state = f"available: {status.r_version}" if status.ok else f"unavailable: {status.reason}"
    return f"harness: R {state}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if is_case_file(file_path):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    """A case file of a pack; yields one :class:`CaseItem` per case, sorted by id."""

    def collect(self):
        paper = load_paper(self.path.parent / PACK_FILE)
        cases = load_case_file(self.path, paper)
        covered = covered_cases(str(self.path.parent))
        for case in sorted(cases, key=lambda c: c.full_id):
            item = CaseItem.from_parent(self, name=case.full_id, case=case, paper=paper)
            # a case the pack's comparisons cover is judged from sets recomputed in R too
            if (uses_r(case) or case.full_id in covered) \
                    and not self.config.getoption("--harness-no-r"):
                item.add_marker("r")
            if case.expect.is_finding:
                item.add_marker(pytest.mark.xfail(
                    strict=True, raises=PublishedFinding,
                    reason=f"{case.expect.verdict}: {case.expect.reason}"))
            yield item

    def repr_failure(self, excinfo):
        # pytest's Collector.repr_failure takes only ``excinfo``
        if isinstance(excinfo.value, CaseFileError):
            return f"case file error: {excinfo.value}"
        return super().repr_failure(excinfo)


class CaseItem(pytest.Item):
    """One published number, judged by the harness."""

    def __init__(self, *, case: Case, paper: Paper, **kwargs):
        super().__init__(**kwargs)
        self.case = case
        self.paper = paper

    def runtest(self) -> None:
        use_r = not self.config.getoption("--harness-no-r")
        pack_dir = str(self.path.parent)
        joint, pooled = ({}, {})
        if self.case.full_id in covered_cases(pack_dir):
            joint, pooled = cached_pack_evidence(pack_dir, use_r)
        ctx = Context(self.paper, use_r=use_r, joint=joint, pooled=pooled)
        result = audit_case(self.case, ctx)
        expected = self.case.expect.verdict
        if result.verdict == "error" and expected != "error":
            raise CaseMismatch(result, "the recomputation failed or Python and R disagree")
        if result.verdict != expected:
            raise CaseMismatch(result, f"verdict '{result.verdict}', the pack records '{expected}'")
        if result.verdict in FINDINGS:
            raise PublishedFinding(result)

    def repr_failure(self, excinfo, style=None):
        exc = excinfo.value
        if isinstance(exc, (CaseMismatch, PublishedFinding)):
            r = exc.result
            diff = consistency.rel_diff(r.python, r.r)
            table = tabulate(
                [[r.published, fmt(r.python), fmt(r.r), "-" if diff != diff else f"{diff:.2g}",
                  r.verdict, self.case.expect.verdict]],
                headers=["published", "Python", "R", "rel. diff", "verdict", "pack expects"],
            )
            head = exc.problem if isinstance(exc, CaseMismatch) else "finding"
            return f"{self.case.full_id}: {head}\n{table}\nreason: {r.message}\nwhere: {r.source}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"case {self.case.full_id}"
