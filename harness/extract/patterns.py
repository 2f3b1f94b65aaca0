"""Patterns for the statistics survival papers print, and small text helpers.

Everything here works on one string (a table cell, a sentence); the readers, table
reconstruction and linking build on it. Printed values are kept verbatim: the helpers only
*find* them (spans into the text) and say what they look like.
"""

from __future__ import annotations

import re

from harness.pack import printed

#: numbers printed as words (encoded as digits with a note)
WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}

DASH = r"(?:[-–—‐]|\s+to\s+)"
NUM = r"(?:\d+(?:[.,·]\d+)?|\.\d+)"
#: a decimal number or integer as a token (not inside a word; superscripts are not digits)
NUMBER_TOKEN = re.compile(r"(?<![\w.])(?:\d+(?:\.\d+)?|\.\d+)(?![\w])")
#: citation / footnote markers: ^{1,2}, ^a, ^{a}
MARKER = re.compile(r"\^\{[^}]*\}|\^[a-z*†‡§]")
P_VALUE = re.compile(
    r"(?<![A-Za-z])[pP](?:\s*[- ]?values?)?\s*(?:=|<|>|≤|≥|<=|>=|was|of)\s*"
    r"(?:[<≤>≥]\s*)?(?:0?\.\d+|[01](?:\.\d+)?)(?![\d.]*\d)")
INTERVAL = re.compile(rf"\(?\s*{NUM}\s*{DASH}\s*{NUM}\s*\)?")
CI_TEXT = re.compile(
    rf"(?:9[059]\s*%\s*(?:confidence interval|CI)(?:\s*\[CI\])?|CI)\s*[:,=]?\s*"
    rf"[(\[]?\s*(?P<ci>{NUM}\s*{DASH}\s*{NUM})\s*[)\]]?", re.I)
HR_TEXT = re.compile(
    rf"(?:hazard ratio(?:\s*\[HR\]|\s*\(HR\))?|\bHR)\s*(?:of|was|=|:|,)?\s*(?P<hr>{NUM})\b", re.I)
PERCENT = re.compile(rf"(?<![\w.]){NUM}\s*%")
MEAN_SD = re.compile(rf"{NUM}\s*(?:±|\\pm|\+/-)\s*{NUM}")
MEDIAN_RANGE = re.compile(rf"^{NUM}\s*[(\[]\s*{NUM}\s*{DASH}\s*{NUM}\s*[)\]]$")
COUNT_PCT = re.compile(rf"^(?P<count>\d+)\s*\(\s*(?P<pct>{NUM})\s*%\s*\)$")
HR_WITH_CI = re.compile(
    rf"^(?P<hr>{NUM})\s*[(\[]\s*(?P<ci>{NUM}\s*[,;]?\s*{DASH}\s*{NUM})\s*[)\]]$")
GROUP_N = re.compile(r"\(\s*\$?\s*[nN]\s*=\s*(?P<n>\d+)\s*\$?\s*\)")
UNIT = re.compile(r"\((months?|years?|weeks?|days?|mm|cm)\)", re.I)
ENDPOINT = re.compile(r"\b(OS|PFS|DFS|RFS|EFS|overall survival|progression[- ]free)\b", re.I)


def strip_markers(text: str) -> tuple[str, list[str]]:
    """A cell without its footnote markers (``0.052^{a}`` -> ``0.052``, ``['a']``)."""
    marks = [m.group(0).strip("^{}") for m in MARKER.finditer(text)]
    return MARKER.sub("", text).strip(), marks


def endpoint_of(text: str) -> str:
    """``OS`` or ``PFS`` named in a header or caption; '' otherwise."""
    m = ENDPOINT.search(text or "")
    if not m:
        return ""
    w = m.group(1).lower()
    if w in ("os", "overall survival"):
        return "OS"
    return "PFS" if w.startswith(("pfs", "prog")) else ""


def unit_of(text: str) -> str:
    m = UNIT.search(text or "")
    return m.group(1).lower() if m else ""


def kind_of_cell(text: str) -> str:
    """What a table cell holds: empty, p, interval, hr_ci, mean_sd, median_range, count_pct,
    int, number, ref, text."""
    t = text.strip()
    if not t or t in ("-", "–", "—"):
        return "empty"
    if t.lower() in ("ref", "ref.", "reference", "1 (ref)", "1 (reference)", "1.00 (ref)"):
        return "ref"
    if MEAN_SD.fullmatch(t):
        return "mean_sd"
    if COUNT_PCT.match(t):
        return "count_pct"
    if MEDIAN_RANGE.match(t):
        return "median_range"  # in an HR column, read as HR (CI)
    if HR_WITH_CI.match(t):
        return "hr_ci"
    if re.fullmatch(rf"\(?\s*{NUM}\s*{DASH}\s*{NUM}\s*\)?", t):
        return "interval"
    if re.fullmatch(r"[<≤>≥]\s*(?:0?\.\d+|\d+(?:\.\d+)?)", t):
        return "p"
    if re.fullmatch(r"\d+", t):
        return "int"
    if re.fullmatch(NUM, t):
        return "number"
    return "text"


def parses(kind: str, text: str) -> bool:
    """The registry's parser for ``kind`` reads ``text``."""
    try:
        printed.parse(kind, text)
    except ValueError:
        return False
    return True


def value(text: str) -> float:
    return printed.parse_p_value(text).value


def slug(text: str) -> str:
    """An id part from a label: ``≥60`` -> ``ge60``, ``Age (years)`` -> ``age_years``."""
    t = text.lower()
    for a, b in (("≥", "ge"), (">=", "ge"), ("≤", "le"), ("<=", "le"), (">", "gt"), ("<", "lt"),
                 ("–", "-"), ("—", "-"), ("+", "plus"), ("%", "pct")):
        t = t.replace(a, b)
    t = re.sub(r"<[^>]*>|\\[a-z]+|\$", "", t)
    t = re.sub(r"\.(?!\d)", "", t)
    t = re.sub(r"[^a-z0-9.-]+", "_", t).strip("_.-")
    return t[:40].strip("_.-") or "x"


def words(text: str) -> set[str]:
    """Content-word stems (first 4 letters of words of 4+ letters) for label matching."""
    stop = {"with", "than", "were", "that", "this", "from", "after", "patients", "years",
            "months", "significant", "factor", "prognostic", "survival", "overall", "value"}
    return {w[:4] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in stop}


def p_published(text: str) -> str:
    """A printed p as the registry's parser reads it: ``p = 0.015`` stays; ``p value of
    0.048`` becomes ``0.048`` (the number and its relation, as printed)."""
    t = text.strip()
    if parses("p_value", t):
        return t
    return re.search(r"([<>≤≥]\s*)?(?:0?\.\d+|[01](?:\.\d+)?)$", t).group(0)
