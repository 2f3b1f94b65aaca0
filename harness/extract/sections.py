"""Where a line stands (section and sub-heading) and what the paper says about itself
(title, citation, software, significance level) for ``pack.toml``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MAIN = {"abstract": "Abstract", "summary": "Abstract", "introduction": "Introduction",
         "background": "Introduction", "methods": "Methods", "materials and methods": "Methods",
         "patients and methods": "Methods", "results": "Results", "discussion": "Discussion",
         "conclusion": "Conclusion", "conclusions": "Conclusion", "references": "References",
         "acknowledgements": "Back matter", "acknowledgments": "Back matter",
         "funding": "Back matter", "disclosures": "Back matter"}
_ABSTRACT_PART = re.compile(r"^(Background|Purpose|Objectives?|Methods|Results|Conclusions?)"
                            r"\s*[.:]\s")


def _heading(line: str) -> str | None:
    t = line.strip().strip("#").strip().rstrip(":")
    key = t.lower()
    if key in _MAIN and (t.isupper() or line.lstrip().startswith("#") or t.istitle()):
        return _MAIN[key]
    return None


def _subheading(line: str) -> bool:
    t = line.strip()
    return (4 < len(t) < 120 and "\t" not in t and not t.endswith((".", ":", ";", ","))
            and t[0].isupper() and not t.isupper()
            and not re.match(r"(?i)(table|fig|figure)\b", t) and not re.search(r"\d", t))


def _prose_follows(lines: list[str], i: int) -> bool:
    """A sub-heading is followed by a paragraph of prose (not a footnote or a caption)."""
    nxt = next((x.strip() for x in lines[i + 1:i + 6] if x.strip()), "")
    return len(nxt) > 200 and "\t" not in nxt and not re.match(r"(?i)(table|fig)", nxt)


def sections(lines: list[str]) -> list[str]:
    """The section label of every line: ``Abstract, Results``, ``Results, <sub-heading>``,
    ``Introduction`` (prose after the abstract before the first heading), ``Methods``..."""
    out, main, sub = [], "Front matter", ""
    for i, line in enumerate(lines):
        head = _heading(line)
        if head:
            main, sub = head, ""
            out.append(main)
            continue
        m = _ABSTRACT_PART.match(line)
        if main == "Abstract":
            if m:
                sub = m.group(1)
            elif sub.startswith("Conclusion") and len(line.strip()) > 200:
                main, sub = "Introduction", ""  # the first paragraph after the abstract
        elif main in ("Results", "Methods", "Discussion") and _subheading(line) and \
                _prose_follows(lines, i):
            sub = line.strip()
        out.append(f"{main}, {sub}" if sub else main)
    return out


@dataclass
class PaperMeta:
    title: str = ""
    citation: str = ""
    software: list[str] = field(default_factory=list)
    alpha: float | None = None
    significant_if: str = ""
    notes: list[str] = field(default_factory=list)
    first_author: str = ""
    year: str = ""
    methods_tests: list[str] = field(default_factory=list)


_SOFTWARE = [r"GraphPad Prism(?: \d+(?:\.\d+)*)?",
             r"(?:IBM )?SPSS(?: Statistics)?(?: \d+(?:\.\d+)*)?",
             r"SAS(?: (?:version )?\d+(?:\.\d+)*)?", r"Stata(?:/\w+)?(?: \d+(?:\.\d+)*)?",
             r"MedCalc(?: \d+(?:\.\d+)*)?", r"\bR (?:version )?\d+\.\d+(?:\.\d+)?"]
_TESTS = {"log-rank": r"log[- ]?rank", "cox": r"\bcox\b", "fisher": r"fisher",
          "chi-square": r"chi[- ]?squ|χ2", "t test": r"\bt[- ]test|\*t\* test",
          "mann-whitney": r"mann[- ]whitney|wilcoxon rank", "gehan": r"gehan|breslow"}


def paper_meta(lines: list[str], secs: list[str]) -> PaperMeta:
    """Title, citation, software, alpha and the tests the Methods name."""
    meta = PaperMeta()
    for i, line in enumerate(lines[:30]):
        t = line.strip()
        if len(t.split()) >= 5 and not t.isupper() and "\t" not in t and not t.endswith("."):
            meta.title = t
            after = [x for x in lines[i + 1:i + 6] if x.strip()]
            if after:
                first = re.split(r",|\band\b", after[0])[0].strip()
                names = re.sub(r"\^\{[^}]*\}|[¹²³⁴⁵⁶⁷⁸⁹⁰]", "", first).split()
                names = [n for n in names if n[:1].isalpha() and n.rstrip(".").upper() not in
                         ("MD", "PHD", "MSC", "BSC", "MPH")]
                if names:
                    meta.first_author = names[-1].rstrip(",")
            break
    for line in lines[:60]:
        m = re.search(r"(?:©|Published(?: [Oo]nline)?:?|Accepted:?).{0,40}?\b((?:19|20)\d\d)\b",
                      line)
        if m:
            meta.year = m.group(1)
            break
    if meta.first_author:
        meta.citation = f"{meta.first_author} et al. {meta.year}".strip()
        meta.notes.append("citation built from the first author and year found in the text; "
                          "add journal and volume")
    methods = " ".join(line for line, s in zip(lines, secs) if s.startswith("Methods"))
    for pat in _SOFTWARE:
        for m in re.finditer(pat, methods):
            if not any(m.group(0) in s for s in meta.software):
                meta.software.append(m.group(0))
    meta.methods_tests = [k for k, pat in _TESTS.items() if re.search(pat, methods, re.I)]
    _alpha(meta, methods)
    return meta


def _alpha(meta: PaperMeta, methods: str) -> None:
    for sent in re.split(r"(?<=[.;])\s+", methods):
        if "significan" not in sent.lower():
            continue
        m = re.search(r"\b[pP]\b[^.\d]{0,25}?(<=|≤|<|less than or equal to|less than|below)\s*"
                      r"(0?\.\d+)", sent)
        if m:
            meta.alpha = float(m.group(2))
            meta.significant_if = ("p <= alpha" if m.group(1) in ("<=", "≤") or "equal" in
                                   m.group(1) else "p < alpha")
            return
        m = re.search(r"(0?\.\d+) or (?:lower|less|smaller|below)", sent)
        if m:
            meta.alpha, meta.significant_if = float(m.group(1)), "p <= alpha"
            return
