"""Run a fuzz campaign: generate, compute both sides (R concurrently), classify, report."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from harness.tools.fuzz.compare import DOCUMENTED, UNEXPLAINED, Finding, classify, counts
from harness.tools.fuzz.generate import FuzzSet, generate
from harness.tools.fuzz.pyside import python_values
from harness.tools.fuzz.rside import r_values

__all__ = ["Campaign", "run_sets", "campaign", "render_markdown", "EXACT_MAX_N"]

EXACT_MAX_N = 100  # ties = "exact" only on sets this small (its cost grows with the ties)


@dataclass
class Campaign:
    sets: list[FuzzSet]
    findings: list[Finding]
    seconds: float
    py: dict = field(default_factory=dict, repr=False)
    r: dict = field(default_factory=dict, repr=False)

    @property
    def unexplained(self) -> list[Finding]:
        return [f for f in self.findings if f.cls in UNEXPLAINED]


def run_sets(sets: list[FuzzSet], jobs: int = 1) -> Campaign:
    """Both sides for ``sets`` and the classification.

    R runs in ``jobs`` separate ``Rscript`` processes (the sets dealt round-robin), concurrently
    with the Python side."""
    t0 = time.perf_counter()
    exact = {s.id: s.n <= EXACT_MAX_N for s in sets}
    chunks = [sets[j::jobs] for j in range(max(jobs, 1))]
    with ThreadPoolExecutor(len(chunks)) as pool:
        futs = [pool.submit(r_values, ch, exact) for ch in chunks if ch]
        py = {s.id: python_values(s, exact[s.id]) for s in sets}
        r = {k: v for f in futs for k, v in f.result().items()}
    findings = [f for s in sets for f in classify(s.id, py[s.id], r.get(s.id, {}))]
    return Campaign(sets, findings, time.perf_counter() - t0, py, r)


def campaign(n_sets: int, seed: int = 1, large: int = 0, jobs: int = 1) -> Campaign:
    return run_sets(generate(n_sets, seed, large), jobs)


def render_markdown(c: Campaign, command: str = "") -> str:
    """The report: counts per estimator and class, every unexplained finding, the time."""
    by = counts(c.findings)
    classes = sorted({k for cnt in by.values() for k in cnt},
                     key=lambda k: (k != "agree", k))
    fams = Counter(s.family for s in c.sets)
    lines = [f"# Differential fuzz report: {len(c.sets)} sets vs R survival", ""]
    if command:
        lines += [f"Command: `{command}`", ""]
    lines += [f"Wall time: {c.seconds:.0f} s (Python and the Rscript processes concurrently).",
              f"Rows: {sum(s.n for s in c.sets)} in total, largest set {max(s.n for s in c.sets)}.",
              "Families: " + ", ".join(f"{k} {v}" for k, v in sorted(fams.items())), "",
              "| estimator | " + " | ".join(classes) + " |",
              "|---|" + "---|" * len(classes)]
    for est in sorted(by):
        lines.append(f"| {est} | " + " | ".join(str(by[est].get(k, 0)) for k in classes) + " |")
    tot = Counter(f.cls for f in c.findings)
    lines.append("| **total** | " + " | ".join(f"**{tot.get(k, 0)}**" for k in classes) + " |")
    lines += ["", "Documented differences (each pinned by a test: tests/fuzz/regressions/,",
              "tests/test_cox.py, tests/test_logrank_properties.py):", ""]
    lines += [f"- `doc:{k}`: {v}" for k, v in DOCUMENTED.items()]
    merged = [s for s in c.sets if c.r.get(s.id, {}).get("timefix_merged") == 1.0]
    on = sum(s.timefix for s in merged)
    lines += ["", f"Sets where R's `aeqSurv` changes a time: {len(merged)} ({on} run with "
              f"`timefix` on, {len(merged) - on} off, on both sides).", ""]
    un = c.unexplained
    lines += [f"## Unexplained: {len(un)}", ""]
    for f in un[:200]:
        lines.append(f"- `{f.set_id}` `{f.key}` **{f.cls}**: Python {f.python!r}, R {f.r!r}")
    return "\n".join(lines) + "\n"
