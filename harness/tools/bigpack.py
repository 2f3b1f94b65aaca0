"""A big case pack for scale measurements: a real pack's case files repeated.

``make_big_pack(out, n_cases)`` writes ``out/pack.toml`` (the source pack's paper) and the
source pack's case files (default: the bundled seed pack: counts, percentages, HRs with CIs
and p values, log-rank p, t tests, medians, cross-references) copied as often as needed, the
k-th copy of ``table1.toml`` as ``table1_r{k}.toml``; the first copy keeps the original names,
so cross-references (``table3::...``) resolve. The last round is cut at ``n_cases``. The
pseudo-IPD folder is not copied: the measurement is of the per-case work.

Used by the ``audit_big_pack`` benchmark and the bad-input corpus (a pack that must finish).

R equivalent: not applicable (test data).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from harness.pack.cases import PACK_FILE, case_files

__all__ = ["make_big_pack"]

_CASE = re.compile(r"^\[\[case\]\]\s*$", re.M)


def _seed() -> Path:
    """The bundled seed pack of the checkout (``cases/stork2022``)."""
    return Path(__file__).resolve().parents[2] / "cases" / "stork2022"


def make_big_pack(out: str | Path, n_cases: int, source: str | Path | None = None) -> Path:
    """Write a pack of ``n_cases`` cases repeated from ``source``; return its folder.

    Raises
    ------
    ValueError
        ``n_cases`` < 1, or ``source`` has no case files.
    """
    if n_cases < 1:
        raise ValueError(f"n_cases must be >= 1, got {n_cases}")
    src = Path(source) if source is not None else _seed()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / PACK_FILE, out / PACK_FILE)
    # each file split into its blocks: the preamble (comments) and one block per [[case]]
    files = []
    for f in case_files(src):
        text = f.read_text(encoding="utf-8")
        starts = [m.start() for m in _CASE.finditer(text)]
        if starts:
            blocks = [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
            files.append((f.stem, text[:starts[0]], blocks))
    if not files:
        raise ValueError(f"{src} has no case files")
    left, k = n_cases, 0
    while left > 0:
        for stem, head, blocks in files:
            take = blocks[:left]
            name = stem if k == 0 else f"{stem}_r{k}"
            (out / f"{name}.toml").write_text(head + "".join(take), encoding="utf-8")
            left -= len(take)
            if left <= 0:
                break
        k += 1
    return out
