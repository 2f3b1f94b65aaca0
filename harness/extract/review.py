"""The review list: REVIEW.md (cases to confirm, things seen but not made into cases, every
number not classified, with its line), and the review marks ``harness audit`` shows."""

from __future__ import annotations

import re

from harness.extract import patterns as pat
from harness.extract.model import Draft, Unread

_XREF = re.compile(r"(?i)\b(?:table|fig\.?|figure|ref\.?)\s*(\d+)")


def unclassified(lines: list[str], claimed: dict[int, list[tuple[int, int]]]):
    """Every number token not inside a claimed span, a citation marker or a cross-reference:
    ``[(line, [tokens], excerpt)]``."""
    out = []
    for i, line in enumerate(lines, start=1):
        skip = [(m.start(), m.end()) for m in pat.MARKER.finditer(line)]
        skip += [(m.start(1), m.end(1)) for m in _XREF.finditer(line)]
        spans = claimed.get(i, []) + skip
        toks = [m for m in pat.NUMBER_TOKEN.finditer(line)
                if all(m.end() <= a or m.start() >= b for a, b in spans)]
        if toks:
            a = max(0, toks[0].start() - 40)
            excerpt = line[a:a + 110].replace("\t", " | ").strip()
            out.append((i, [t.group(0) for t in toks], excerpt))
    return out


def review_md(paper: str, cases: list[Draft], unread: list[Unread], lines: list[str],
              claimed: dict[int, list[tuple[int, int]]]) -> str:
    marked = [d for d in cases if d.review]
    rest = unclassified(lines, claimed)
    n_num = sum(len(t) for _, t, _ in rest)
    out = [f"# Review list: draft pack of `{paper}`", "",
           f"`harness extract` wrote {len(cases)} cases; {len(marked)} carry a `review` mark. "
           f"{len(unread)} things were seen but not made into cases, and {n_num} numbers on "
           f"{len(rest)} lines were not classified. Line numbers are lines of the paper's text "
           "as read (for a .txt file, its own lines).", "",
           "## Cases to confirm (`review` marks)", ""]
    out += [f"- `{d.file}::{d.id}` (line {d.line}, `{d.published}`, {d.statistic}): "
            + "; ".join(dict.fromkeys(d.review)) for d in marked] or ["- none"]
    out += ["", "## Seen, no case written", ""]
    out += [f"- line {u.line}: `{u.text}`: {u.why}" for u in unread] or ["- none"]
    out += ["", "## Numbers not classified", "",
            "Each is a number the extractor saw and did not read as a statistic (dates, "
            "doses, thresholds, references...). Make a case by hand for any that is one.", ""]
    out += [f"- line {i}: " + ", ".join(f"`{t}`" for t in toks) + f" — «{ex}»"
            for i, toks, ex in rest] or ["- none"]
    return "\n".join(out) + "\n"
