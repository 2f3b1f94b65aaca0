"""An audit session: every case of one or more packs judged by its check, and each pack's
pseudo-IPD comparisons evaluated, gathered in one :class:`AuditReport`.

The report is the only thing the renderers (:mod:`harness.report`), the CLI and the JSON see:
they render it and never recompute.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harness.audit.checks import run_check
from harness.audit.context import Context
from harness.audit.feasible import feasible_records
from harness.audit.records import CaseResult
from harness.errors import CaseFileError, RError
from harness.pack.cases import PACK_FILE, Case, Pack, is_case_file, load_pack
from harness.verdict import VERDICTS, Verdict


def audit_case(case: Case, ctx: Context) -> CaseResult:
    """Judge one case; an R failure becomes an ``error`` record carrying R's message."""
    try:
        return run_check(case, ctx)
    except RError as exc:
        return CaseResult(
            case=case.full_id, source=case.source, statistic=case.statistic,
            published=case.published, python=None, r=None, verdict=Verdict.ERROR,
            message=str(exc), check=case.estimand.check, expected=case.expect.verdict,
        )


def audit_pack(pack: Pack, use_r: bool = True, joint=None, pooled=None,
               comparisons: bool = True) -> list[CaseResult]:
    """Judge every case of a pack, in the pack's reading order.

    ``joint`` and ``pooled`` (full case id -> verdict, from :func:`pack_evidence`) judge the
    numbers the pack's pseudo-IPD comparisons cover (:func:`harness.audit.checks.run_check`);
    when neither is given they are computed from the pack folder's ``ipd/`` (once per
    process, :func:`cached_pack_evidence`) unless ``comparisons`` is False.

    Raises
    ------
    RUnavailable
        ``use_r`` is True and R cannot be used (the message says what to install).
    """
    if use_r:
        from harness.r import bridge as rbridge

        rbridge.require()
    if joint is None and pooled is None and comparisons:
        from harness import ipd

        if ipd.has_ipd(pack):
            joint, pooled = cached_pack_evidence(str(pack.path), use_r)
    ctx = Context(pack.paper, use_r=use_r, joint=joint or {}, pooled=pooled or {})
    return [audit_case(case, ctx) for case in pack.cases]


def pack_evidence(pack: Pack, results: list, use_r: bool = False) -> tuple[dict, dict]:
    """The joint verdicts (:mod:`harness.audit.joint`) and pooled-constraint verdicts
    (:mod:`harness.audit.pooled`) of a pack, from its evaluated comparisons ``results``."""
    from harness.audit.joint import joint_verdicts
    from harness.audit.pooled import pooled_verdicts
    from harness.pack.comparisons import load_pools, load_specs

    if not results:
        return {}, {}
    specs = load_specs(pack)
    joint = joint_verdicts(pack, specs, results)
    return joint, pooled_verdicts(pack, specs, load_pools(pack), results, joint, use_r)


@functools.lru_cache(maxsize=8)
def cached_pack_evidence(pack_dir: str, use_r: bool) -> tuple[dict, dict]:
    """:func:`pack_evidence` of a pack folder, once per process (the pytest items ask case by
    case); the resampled variants are skipped, no verdict here depends on them."""
    from harness import ipd

    pack = load_pack(Path(pack_dir))
    if not ipd.has_ipd(pack):
        return {}, {}
    return pack_evidence(pack, ipd.evaluate_pack(pack, use_r=use_r, resampling=False), use_r)


@functools.lru_cache(maxsize=8)
def covered_cases(pack_dir: str) -> frozenset[str]:
    """Full ids of the cases a pack's comparisons target or its cohorts pool (their pytest
    items need the pack's evidence, :func:`cached_pack_evidence`); no evaluation runs."""
    from harness import ipd
    from harness.pack.comparisons import load_pools, load_specs

    pack = load_pack(Path(pack_dir))
    if not ipd.has_ipd(pack):
        return frozenset()
    full = {f"{Path(c.file).stem}::{c.id}": c.full_id for c in pack.cases}
    short = {t.case for s in load_specs(pack) for t in s.targets}
    short |= {t.case for p in load_pools(pack) for t in p.targets}
    return frozenset(full[c] for c in short if c in full)


def verdict_counts(verdicts) -> dict[str, int]:
    """Counts per verdict in report order (zeros included)."""
    counts = Counter(str(v) for v in verdicts)
    return {str(v): counts.get(str(v), 0) for v in VERDICTS}


@dataclass
class PackAudit:
    """One pack's part of an audit: its paper, its records, its comparisons, notes."""

    pack: Pack
    records: list[CaseResult]
    comparisons: list = field(default_factory=list)  # harness.ipd ComparisonResult
    notes: list[str] = field(default_factory=list)
    #: ``feasible_range`` records, one per held-out printed number of a comparison (kept
    #: apart from ``records``, which hold one record per case)
    range_records: list[CaseResult] = field(default_factory=list)

    @property
    def review_marks(self) -> list[tuple[str, str]]:
        """``(case id, text)`` of the cases still carrying a ``review`` mark (a draft pack
        from ``harness extract``: a reader must confirm them, then delete the mark)."""
        return [(c.full_id, c.review) for c in self.pack.cases if c.review]

    @property
    def title(self) -> str:
        """The heading reports print for the pack."""
        return f"{self.pack.paper.id}: {self.pack.paper.citation}"


@dataclass
class AuditReport:
    """Everything an audit found: what every output format renders.

    Attributes
    ----------
    packs : list of PackAudit
        Per pack: the paper, one :class:`CaseResult` per case, the pseudo-IPD comparisons
        (:class:`harness.ipd.ComparisonResult`) and the notes printed under the heading.
    use_r : bool
        Whether R cross-checked the Python recomputations.
    r_version : str or None
        R's version string when R ran.
    """

    packs: list[PackAudit]
    use_r: bool
    r_version: str | None = None

    @property
    def records(self) -> list[CaseResult]:
        return [r for p in self.packs for r in p.records]

    @property
    def comparisons(self) -> list:
        return [c for p in self.packs for c in p.comparisons]

    @property
    def range_records(self) -> list[CaseResult]:
        """Every pack's ``feasible_range`` records (held-out printed numbers vs their
        feasible ranges, :mod:`harness.audit.feasible`)."""
        return [r for p in self.packs for r in p.range_records]

    @property
    def title(self) -> str:
        return "harness audit: " + ", ".join(p.pack.paper.id for p in self.packs)

    @property
    def notes(self) -> list[str]:
        """Every pack's heading and notes, in order (the HTML page prints them together)."""
        return [line for p in self.packs for line in [p.title, *p.notes]]

    def counts(self) -> dict[str, int]:
        return verdict_counts(r.verdict for r in self.records)

    def matched(self, verdicts) -> list[str]:
        """The verdicts among ``verdicts`` that occur in the audit (for ``--fail-on``)."""
        return sorted({str(r.verdict) for r in self.records} & {str(v) for v in verdicts})


def _r_version(use_r: bool) -> str | None:
    if not use_r:
        return None
    from harness.r import bridge as rbridge

    rbridge.require()
    return rbridge.probe().r_version


def _notes(use_r: bool, r_version: str | None) -> list[str]:
    if not use_r:
        return ["Python only: R was not run (--no-r); no Python-vs-R cross-check."]
    return [f"Python and R ({r_version}) agree on every recomputation unless a row says "
            "'error'."]


def unique_packs(paths, on_duplicate=None) -> list[Path]:
    """Pack folders named by ``paths`` (folders or their ``pack.toml``), each once, in order.

    ``on_duplicate(path, first)`` is called for a path naming a pack already listed (the CLI
    says so on stderr).

    Raises
    ------
    CaseFileError
        A case file given where a pack folder is expected (the message says what to do).
    """
    out: list[Path] = []
    seen: dict[Path, str] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_file() and is_case_file(path):
            raise CaseFileError(str(path), "", f"is a single case file, not a pack: name its pack "
                                f"folder {path.parent} (to judge one file alone: pytest {path})")
        folder = path.parent if path.name == PACK_FILE and path.is_file() else path
        key = folder.resolve() if folder.exists() else folder
        if key in seen:
            if on_duplicate is not None:
                on_duplicate(str(raw), seen[key])
            continue
        seen[key] = str(raw)
        out.append(folder)
    return out


def run_audit(packs, use_r: bool = True, comparisons: bool = True) -> AuditReport:
    """Audit one or more packs: the function behind ``harness audit`` and every renderer.

    Parameters
    ----------
    packs : iterable of Pack, str or Path
        Loaded packs or pack folders (a folder named twice is audited once).
    use_r : bool
        Cross-check every recomputation in R (R must be usable).
    comparisons : bool
        Evaluate each pack's pseudo-IPD comparisons (``ipd/comparisons.toml``) too.

    Raises
    ------
    CaseFileError
        A pack does not load (the message names the file and the key).
    RUnavailable
        ``use_r`` is True and R cannot be used.
    """
    from harness import ipd

    packs = list(packs)
    loaded = [p for p in packs if isinstance(p, Pack)]
    loaded += [load_pack(p) for p in unique_packs(p for p in packs if not isinstance(p, Pack))]
    r_version = _r_version(use_r)
    out = []
    for pack in loaded:
        cmps = ipd.evaluate_pack(pack, use_r=use_r) if comparisons and ipd.has_ipd(pack) else []
        joint, pooled = pack_evidence(pack, cmps, use_r)
        records = audit_pack(pack, use_r=use_r, joint=joint, pooled=pooled,
                             comparisons=comparisons)
        out.append(PackAudit(pack, records, cmps, _notes(use_r, r_version),
                             range_records=feasible_records(pack, cmps)))
    return AuditReport(out, use_r=use_r, r_version=r_version)
