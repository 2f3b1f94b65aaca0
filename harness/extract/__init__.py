"""``harness extract``: a draft case pack from a survival paper's text.

The paper (plain text, HTML, or a PDF's text layer) is read into lines; tables are
reconstructed from tab-separated rows; printed statistics are found in tables and prose,
linked (an HR with its CI and p, a percentage with its count and denominator, mean ± SD with
its group n, medians with their groups) and written as a pack that loads with
:func:`harness.pack.cases.load_pack`. Cases the extractor is unsure of carry ``review = "..."``;
every number it saw and did not classify is listed with its line in ``REVIEW.md``.

R equivalent: none (text processing); the draft is then audited like any pack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from harness.extract import link, review, sections, tables, writer
from harness.extract import patterns as pat
from harness.extract.model import Draft, Unread
from harness.extract.readers import read_paper
from harness.extract.table_cases import table_cases
from harness.extract.text_cases import text_cases

__all__ = ["extract", "draft", "read_paper", "Extraction"]


@dataclass
class Extraction:
    """What ``extract`` found: the cases per file, what it could not read, the paper's meta."""

    pack_id: str
    meta: sections.PaperMeta
    files: dict[str, list[Draft]]
    unread: list[Unread]
    lines: list[str]
    claimed: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)

    @property
    def cases(self) -> list[Draft]:
        return [d for cs in self.files.values() for d in cs]


def _unique_ids(cases: list[Draft]) -> None:
    seen: dict[str, int] = {}
    for d in cases:
        base = d.id
        if base in seen:
            seen[base] += 1
            d.id = f"{base}::{seen[base]}"
        else:
            seen[base] = 1


def draft(paper: str | Path, pack_id: str | None = None) -> Extraction:
    """Read a paper and build its draft cases (nothing written).

    Raises
    ------
    ValueError
        The paper cannot be read (missing, empty, not UTF-8, a PDF without text).
    """
    lines = read_paper(paper)
    secs = sections.sections(lines)
    meta = sections.paper_meta(lines, secs)
    found = tables.find_tables(lines)
    files: dict[str, list[Draft]] = {}
    unread: list[Unread] = []
    claimed: dict[int, list[tuple[int, int]]] = {}
    skip: set[int] = set()
    for t in found:
        cs, un = table_cases(t, meta)
        key = cs[0].file if cs else pat.slug(t.name.replace(" ", ""))
        files.setdefault(key, []).extend(cs)
        unread += un
        skip |= set(range(t.header_line, t.last_line + 1)) | {ln for ln, _ in t.footnotes}
        if t.caption_line:
            skip |= set(range(t.caption_line, t.header_line))
        claimed.setdefault(t.header_line, []).append((0, len(lines[t.header_line - 1])))
        for r in t.rows:  # row labels ('≥60', '1–4') and the reference rows' HR = 1
            claimed.setdefault(r.line, []).append((0, r.label_end))
            for c in r.cells:
                col = t.columns[c.col - 1] if c.col - 1 < len(t.columns) else None
                if col and col.role in ("hr", "hr_ci") and (
                        c.text in ("1", "1.0", "1.00") or pat.kind_of_cell(c.text) == "ref"):
                    claimed.setdefault(c.line, []).append((c.start, c.end))
    sizes = sorted({c.n for t in found for c in t.columns if c.n}, reverse=True)
    text, un, tclaimed = text_cases(lines, secs, skip, meta, sizes)
    unread += un
    for ln, spans in tclaimed.items():
        claimed.setdefault(ln, []).extend(spans)
    link.link_all(lines, found, text, [d for cs in files.values() for d in cs])
    files["text"] = text
    for cs in files.values():
        _unique_ids(cs)
        for d in cs:
            for ln, a, b in d.spans:
                claimed.setdefault(ln, []).append((a, b))
    if pack_id is None:
        pack_id = pat.slug(f"{meta.first_author}{meta.year}").replace("-", "_").replace(".", "")
        pack_id = re.sub(r"[^a-z0-9_]", "", pack_id) or "draft"
    return Extraction(pack_id, meta, files, unread, lines, claimed)


def _fill_expect(out: Path, ex: Extraction) -> None:
    from harness.audit import audit_pack
    from harness.pack.cases import load_pack

    pack = load_pack(out)
    by_id = {r.case: r for r in audit_pack(pack, use_r=False)}
    for name, cs in ex.files.items():
        for d in cs:
            r = by_id[f"{ex.pack_id}::{name}::{d.id}"]
            exp = {"verdict": r.verdict}
            if r.verdict in ("inconsistent", "decision_error"):
                exp["reason"] = r.message
                d.review.append("a finding in the draft audit: confirm the reading of every "
                                "printed number it uses")
            if r.verdict == "error":
                d.review.append(f"the draft audit failed on this case: {r.message}")
            d.fields["expect"] = exp


def extract(paper: str | Path, out: str | Path, pack_id: str | None = None,
            force: bool = False) -> Extraction:
    """Write the draft pack of ``paper`` to the folder ``out`` (and its REVIEW.md).

    Raises
    ------
    ValueError
        The paper cannot be read, or ``out`` exists and is not empty (without ``force``).
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise ValueError(f"{out}: the folder exists and is not empty (use --force to overwrite)")
    ex = draft(paper, pack_id)
    if not ex.cases:
        raise ValueError(f"{paper}: no printed survival statistic found (no HR, CI, p, median, "
                         "rate, percentage or table); no draft written")
    headers = {name: f"Draft cases from {name} of {Path(paper).name} (harness extract)."
               for name in ex.files}
    if out.exists():
        for old in out.glob("*.toml"):
            old.unlink()
    writer.write_pack(out, ex.pack_id, ex.meta, str(paper), ex.files, headers)
    _fill_expect(out, ex)
    ex.written = writer.write_pack(out, ex.pack_id, ex.meta, str(paper), ex.files, headers)
    text = review.review_md(str(paper), ex.cases, ex.unread, ex.lines, ex.claimed)
    (out / "REVIEW.md").write_text(text, encoding="utf-8")
    ex.written.append(out / "REVIEW.md")
    return ex
