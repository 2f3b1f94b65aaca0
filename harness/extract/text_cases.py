"""Cases from the prose: HRs with their CI and p, p values, percentages with their count and
denominator, Kaplan-Meier rates at a time, medians (survival, or a value with its range).

The text is read sentence by sentence; each pattern claims the characters it reads, so a
number is read once, and the numbers no pattern claims go to REVIEW.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.extract import patterns as pat
from harness.extract.model import Draft, Unread
from harness.extract.sections import PaperMeta
from harness.pack import printed

WORD = r"(?:" + "|".join(sorted(pat.WORDS, key=len, reverse=True)) + r")"
CNT = rf"(?:\d+|{WORD})"
_ABBREV = re.compile(
    r"\b(?:vs|Fig|Figs|al|e\.g|i\.e|No|approx|ca|Dr|Prof|Inc|Corp|Ref|resp|[A-Z])\.$")
_SURV = re.compile(r"surviv|\bOS\b|\bPFS\b|\bDFS\b|\bRFS\b|\bEFS\b|death|recurrence|progression",
                   re.I)
_PCT_N = re.compile(rf"\(\s*n\s*=\s*(?P<count>\d+)\s*[,;]\s*(?P<pct>{pat.NUM})\s*%\s*\)")
_PCT_NAMED = re.compile(rf"(?P<n>\d+) [a-z]+ \((?P<count>\d+) [a-z]+,\s*(?P<pct>{pat.NUM})\s*%\)")
_PCT_COUNT = re.compile(
    rf"\b(?P<count>{CNT})\s+(?:[A-Za-z-]+\s+){{0,3}}?\((?P<pct>{pat.NUM})\s*%\)", re.I)
_PCT_ACC = re.compile(
    rf"\b(?P<count>{CNT}) (?:patients|cases)\b[^.%\d]{{0,40}}?(?P<pct>{pat.NUM})\s*%", re.I)
_MORT = re.compile(rf"mortality(?: rate)?\s+(?:was|of)\s+(?P<pct>{pat.NUM})\s*%", re.I)
_WHOLE = [re.compile(rf"\b(?P<n>{CNT}) (?:consecutive |eligible |evaluable )?"
                     r"(?:patients|subjects|participants|cases|women|men)\b", re.I),
          re.compile(r"\(\s*n\s*=\s*(?P<n>\d+)\s*[;,)]"),
          re.compile(rf"\b(?P<n>{CNT}) (?:were|underwent|received|had)\b", re.I)]
_MEDIAN_RANGE = re.compile(
    rf"\bmedian\b[^.;()\d]{{0,60}}?\b(?P<v>{pat.NUM}|{WORD})\b\s*(?P<unit>[a-zA-Z]+)?[^.;()\d]{{0,25}}?"
    rf"\(\s*range,?\s*(?P<lo>{pat.NUM})\s*(?:[-–]|to)\s*(?P<hi>{pat.NUM})\s*(?P<u2>[a-z]+)?\s*\)",
    re.I)
_TIME_UNIT = r"(?:months?|mo|years?|weeks?|days?)"
_MEDIAN_NUM = re.compile(rf"(?<![\w.<>≤≥])(?P<v>{pat.NUM})"
                         rf"(?=\s*(?:(?:vs\.?|versus)\s*{pat.NUM}\s*)?{_TIME_UNIT}\b)")
_NOT_REACHED = re.compile(r"\bnot (?:been )?reached\b|\bNR\b")
_RATE_TIME = re.compile(rf"\b(?P<t>{CNT})[- ](?P<u>year|month)s?\b", re.I)
_AT_TIME = re.compile(rf"^\s*at (?P<t>{CNT}) (?P<u>year|month)s?", re.I)


@dataclass
class Sentence:
    line: int
    start: int
    end: int
    text: str
    section: str


def split_sentences(line: str, lineno: int, section: str) -> list[Sentence]:
    out, start = [], 0
    for m in re.finditer(r"[.!?](?=\s+[A-Z(])", line):
        if _ABBREV.search(line[max(0, m.start() - 6):m.end()]):
            continue
        out.append(Sentence(lineno, start, m.end(), line[start:m.end()], section))
        start = m.end()
        while start < len(line) and line[start] == " ":
            start += 1
    if start < len(line):
        out.append(Sentence(lineno, start, len(line), line[start:], section))
    return out


def as_int(text: str) -> int:
    t = text.lower()
    return pat.WORDS[t] if t in pat.WORDS else int(t)


def quote(s: Sentence, a: int, b: int) -> str:
    """A short quote (about 15 words) around characters a..b of the sentence."""
    lo = max(0, a - 70)
    hi = min(len(s.text), b + 40)
    q = s.text[lo:hi]
    if lo > 0:
        q = q.split(" ", 1)[-1]
    if hi < len(s.text):
        q = q.rsplit(" ", 1)[0]
    return q.strip()


class TextReader:
    def __init__(self, lines: list[str], secs: list[str], skip: set[int], meta: PaperMeta,
                 group_sizes: list[int] = ()):
        self.lines, self.secs, self.skip, self.meta = lines, secs, skip, meta
        self.group_sizes = list(group_sizes)  # the tables' '(n = 64)': a last resort
        self.cases: list[Draft] = []
        self.unread: list[Unread] = []
        self.claimed: dict[int, list[tuple[int, int]]] = {}
        self.wholes: list[tuple[int, int, int, int, int]] = []  # (line, start, end, n, sent#)
        self.counters: dict[str, int] = {}
        self.parts: set[tuple[int, int]] = set()  # counts that carry a percentage

    # -- bookkeeping ----------------------------------------------------------------------
    def free(self, s: Sentence, a: int, b: int) -> bool:
        A, B = s.start + a, s.start + b
        return all(B <= x or A >= y for x, y in self.claimed.get(s.line, []))

    def claim(self, s: Sentence, a: int, b: int) -> tuple[int, int, int]:
        self.claimed.setdefault(s.line, []).append((s.start + a, s.start + b))
        return (s.line, s.start + a, s.start + b)

    def new(self, s: Sentence, kind: str, published: str, statistic: str, a: int, b: int,
            **fields) -> Draft:
        sec = s.section.split(",")[0].lower().replace(" ", "_")
        self.counters[f"{sec}::{kind}"] = n = self.counters.get(f"{sec}::{kind}", 0) + 1
        d = Draft("text", f"{sec}::{kind}::{n}", {"section": s.section, "quote": quote(s, a, b)},
                  published, statistic, s.line, fields=fields, kind=kind)
        d.fields.setdefault("sentence", s.text)
        d.spans.append(self.claim(s, a, b))
        self.cases.append(d)
        return d

    # -- driver ---------------------------------------------------------------------------
    def read(self) -> tuple[list[Draft], list[Unread]]:
        sents = []
        for i, line in enumerate(self.lines):
            sec = self.secs[i]
            if (i + 1) in self.skip or "\t" in line or not line.strip() or sec == "References":
                continue
            sents += split_sentences(line, i + 1, sec)
        for k, s in enumerate(sents):
            for rx in _WHOLE:
                for m in rx.finditer(s.text):
                    self.wholes.append((s.line, s.start + m.start("n"), s.start + m.end("n"),
                                        as_int(m.group("n")), k))
        for k, s in enumerate(sents):
            self.hazard_ratios(s)
            self.medians_with_range(s)
            self.percentages(s, k)
            self.rates(s)
            self.survival_medians(s)
            self.p_values(s)
            self.mean_sd(s)
        return self.cases, self.unread

    # -- patterns -------------------------------------------------------------------------
    def hazard_ratios(self, s: Sentence) -> None:
        for m in pat.HR_TEXT.finditer(s.text):
            if not self.free(s, m.start("hr"), m.end("hr")):
                continue
            tail = s.text[m.end():m.end() + 80]
            ci = pat.CI_TEXT.search(tail)
            before = None
            if not ci or ci.start() > 40:
                ci = None
                head = s.text[max(0, m.start() - 60):m.start()]
                before = list(pat.CI_TEXT.finditer(head))
            cited = bool(re.search(r"\^\{|[¹²³⁴⁵⁶⁷⁸⁹⁰]", s.text)) or s.section == "Introduction"
            multi = re.search(r"independent|multivariat|multivariabl|\bcox\b|competing risk|"
                              r"regression|adjusted", s.text, re.I)
            ci_text, ci_span = "", None
            if ci:
                ci_text = ci.group("ci")
                ci_span = (m.end() + ci.start("ci"), m.end() + ci.end("ci"))
                self.claim(s, m.end() + ci.start(), m.end() + ci.end())  # with its '95%'

            elif before:
                b = before[-1]
                off = max(0, m.start() - 60)
                ci_text, ci_span = b.group("ci"), (off + b.start("ci"), off + b.end("ci"))
            hr = m.group("hr")
            same = next((c for c in self.cases if c.kind == "hr" and c.published == hr
                         and c.fields.get("inputs", {}).get("ci") == ci_text), None)
            if same:
                d = self.new(s, "hr", hr, "same_number", m.start("hr"), m.end("hr"),
                             inputs={"of": "hazard_ratio", "occurrences": [{
                                 "published": hr, "where": f"{same.where['section']}: "
                                 f"'{same.where['quote'][:80]}'", "case": f"text::{same.id}"}]})
                d.kind = "hr_repeat"
            else:
                d = self.new(s, "hr", hr, "hazard_ratio", m.start("hr"), m.end("hr"),
                             inputs={"ci": ci_text} if ci_text else {})
            if ci_span:
                d.spans.append(self.claim(s, *ci_span))
            if cited:
                d.notes.append("a cited study's result (citation in the sentence)")
            after = ci_span[1] if ci_span and ci_span[1] > m.end() else m.end()
            pm = pat.P_VALUE.search(s.text, after, min(len(s.text), after + 30))
            if pm and self.free(s, pm.start(), pm.end()) and not same:
                stat = ("cox_wald_p" if cited or multi or "log-rank" not in self.meta.methods_tests
                        else "logrank_p")
                p = self.new(s, "p", pat.p_published(pm.group(0)), stat, pm.start(), pm.end(),
                             method="Cox model, Wald test (assumed: " + (
                                 "a cited study" if cited else "the sentence") + ")"
                             if stat == "cox_wald_p" else "log-rank test (Methods)",
                             inputs={"hr": hr, **({"ci": ci_text} if ci_text else {})})
                p.review.append("test assumed from the context; confirm")

    def medians_with_range(self, s: Sentence) -> None:
        for m in _MEDIAN_RANGE.finditer(s.text):
            if not self.free(s, m.start("v"), m.end("v")):
                continue
            v = m.group("v")
            pub = str(as_int(v)) if v.lower() in pat.WORDS else v
            unit = (m.group("unit") or m.group("u2") or "").lower()
            rng = s.text[m.start("lo"):m.end("hi")]
            stat = "median_value"
            d = self.new(s, "median", pub, stat, m.start("v"), m.end("v"),
                         inputs={"range": rng, **({"unit": unit} if unit in (
                             "years", "months", "mm", "cm", "days", "weeks") else {})})
            d.spans.append(self.claim(s, m.start("lo"), m.end("hi")))
            d.kind = "median_value"
            if pub != v:
                d.notes.append(f"printed as the word '{v}'")

    def _denominator(self, s: Sentence, k: int, count: int, pct: str, pos: int,
                     siblings: set[tuple[int, int]]):
        num = printed.parse_number(pct)
        here = s.start + pos
        before = [w for w in reversed(self.wholes) if (w[0], w[1]) not in siblings
                  and (w[0] < s.line or (w[0] == s.line and w[1] < here))]
        # first the group sizes that are not themselves the count of a percentage
        for cands in ([w for w in before if (w[0], w[1]) not in self.parts], before):
            for line, a, b, n, _ in cands:
                if n >= count and n > 0 and num.allows(100.0 * count / n):
                    return n, (line, a, b)
        for n in self.group_sizes:
            if n >= count and num.allows(100.0 * count / n):
                return n, (0, 0, 0)
        return None, None

    def percentages(self, s: Sentence, k: int) -> None:
        found = []
        for rx in (_PCT_NAMED, _PCT_N, _PCT_COUNT, _PCT_ACC):
            for m in rx.finditer(s.text):
                if self.free(s, m.start("pct"), m.end("pct")) and not any(
                        f[0].start("pct") == m.start("pct") for f in found):
                    found.append((m, rx))
        siblings = {(s.line, s.start + m.start("count")) for m, _ in found}
        self.parts |= siblings
        for m, rx in sorted(found, key=lambda f: f[0].start("pct")):
            count, pct = as_int(m.group("count")), m.group("pct") + "%"
            a, b = m.start("pct"), m.end("pct") + s.text[m.end("pct"):].index("%") + 1
            if rx is _PCT_NAMED:
                n, span = int(m.group("n")), (s.line, s.start + m.start("n"), s.start + m.end("n"))
                how = "printed beside it"
            else:
                n, span = self._denominator(s, k, count, pct, m.start(), siblings - {
                    (s.line, s.start + m.start("count"))})
                how = "the nearest group size printed before it that the percentage fits"
            if n is None:
                self.unread.append(Unread(s.line, m.group(0), f"percentage {pct} of {count}: no "
                                          "group size printed before it fits; no case"))
                self.claim(s, m.start(), m.end())
                continue
            d = self.new(s, "pct", pct, "percentage", a, b,
                         inputs={"count": count, "n": n, "of": "patients"})
            d.spans.append(self.claim(s, m.start("count"), m.end("count")))
            if span[0]:
                d.spans.append(span)
            if m.group("count").lower() in pat.WORDS:
                d.notes.append(f"count printed as the word '{m.group('count')}'")
            if rx is not _PCT_NAMED:
                d.review.append(f"denominator n = {n} inferred ({how}); confirm")
        for m in _MORT.finditer(s.text):
            if not self.free(s, m.start("pct"), m.end("pct")):
                continue
            pct = m.group("pct") + "%"
            if float(m.group("pct")) != 0:
                self.unread.append(Unread(s.line, m.group(0), "mortality rate without a count"))
                continue
            n, span = self._denominator(s, k, 0, pct, m.start(), set())
            if n is None:
                continue
            d = self.new(s, "pct", pct, "mortality_rate", m.start("pct"), m.end("pct") + 1,
                         inputs={"count": 0, "n": n, "of": "patients"})
            d.spans.append(span)
            d.review.append(f"0% read as 0 deaths of n = {n} (the nearest group size before it)")

    def rates(self, s: Sentence) -> None:
        if not _SURV.search(s.text) and "rate" not in s.text:
            return
        times = list(_RATE_TIME.finditer(s.text))
        for m in pat.PERCENT.finditer(s.text):
            if not self.free(s, m.start(), m.end()):
                continue
            if re.search(r"\d\s*(?:to|[-–])\s*$", s.text[:m.start()]):
                continue  # '38 to 52%': a range, not a rate (REVIEW.md)
            at = _AT_TIME.match(s.text[m.end():])
            if at:
                t, u = at.group("t"), at.group("u")
                tspan = (m.end() + at.start("t"), m.end() + at.end("t"))
            else:
                prev = [x for x in times if x.end() <= m.start()]
                if not prev:
                    continue
                t, u = prev[-1].group("t"), prev[-1].group("u")
                tspan = (prev[-1].start("t"), prev[-1].end("t"))
            grp = re.match(r"\s*(?:for|in) (?:the ([\w /-]{1,30}?) (?:cohort|group|arm|patients)|"
                           r"(arm [A-Z0-9]+))\b", s.text[m.end():])
            inputs = {"time": f"{as_int(t)} {u.lower()}s"}
            if grp:
                inputs["group"] = grp.group(1) or grp.group(2)
            d = self.new(s, "rate", m.group(0).replace(" ", ""), "km_rate", m.start(), m.end(),
                         inputs=inputs)
            d.value = float(m.group(0).rstrip("% "))
            if self.free(s, *tspan):
                d.spans.append(self.claim(s, *tspan))

    def survival_medians(self, s: Sentence) -> None:
        mm = re.search(r"\bmedian\b", s.text, re.I)
        if not mm or not _SURV.search(s.text):
            return
        for m in _MEDIAN_NUM.finditer(s.text, mm.end()):
            if self.free(s, m.start("v"), m.end("v")):
                unit = re.search(_TIME_UNIT, s.text[m.end():]).group(0)
                unit = {"mo": "months"}.get(unit, unit if unit.endswith("s") else unit + "s")
                last = [x for x in re.finditer(r"\bmedian\b", s.text[:m.start()], re.I)][-1]
                if re.search(r"follow", s.text[last.end():m.start()], re.I):
                    d = self.new(s, "follow_up", m.group("v"), "median_value", m.start("v"),
                                 m.end("v"), inputs={"unit": unit})
                    d.notes.append("median follow-up")
                    continue
                d = self.new(s, "median", m.group("v"), "median_survival", m.start("v"),
                             m.end("v"), inputs={"unit": unit})
                d.value = float(m.group("v"))
        for m in _NOT_REACHED.finditer(s.text, mm.end()):
            self.unread.append(Unread(s.line, m.group(0), "a median printed as not reached: no "
                                      "number to judge (recorded, no case)"))

    def p_values(self, s: Sentence) -> None:
        prev = 0
        for m in pat.P_VALUE.finditer(s.text):
            if not self.free(s, m.start(), m.end()):
                prev = m.end()
                continue
            clause = s.text[prev:m.start()]
            prev = m.end()
            if re.search(r"considered (?:statistically )?significant|significance level|"
                         r"significant if|level of significance", s.text, re.I):
                self.claim(s, m.start(), m.end())  # the paper's alpha (pack.toml)
                continue
            pub = pat.p_published(m.group(0))
            if not _SURV.search(s.text):
                d = self.new(s, "p", pub, "logrank_p", m.start(), m.end())
                d.review.append("a p without a survival context or a named test: the statistic "
                                "is a placeholder; link it to its table cell or test")
            else:
                d = self.new(s, "p", pub, "logrank_p", m.start(), m.end(),
                             method="log-rank test (Methods)" if "log-rank" in
                             self.meta.methods_tests else "")
            d.fields["clause"] = clause
            d.fields["sentence"] = s.text

    def mean_sd(self, s: Sentence) -> None:
        for m in pat.MEAN_SD.finditer(s.text):
            if self.free(s, m.start(), m.end()):
                self.claim(s, m.start(), m.end())
                self.unread.append(Unread(s.line, m.group(0), "a mean ± SD in the text without "
                                          "its groups: no case (link it to a table row)"))


def text_cases(lines, secs, skip, meta, group_sizes=()):
    """The draft cases of the prose, what it saw but could not read, and the character spans
    it accounted for (line -> [(start, end)])."""
    reader = TextReader(lines, secs, skip, meta, group_sizes)
    cases, unread = reader.read()
    return cases, unread, reader.claimed
