"""Cases from reconstructed tables.

Survival tables (median, HR, CI and p columns, per endpoint): within a row group the HR, its
CI and its p are linked whichever row carries them (``HR 1`` marks the reference row), and
the medians of the rows are the HR's groups. Characteristics tables (group columns with
``(n = 44)`` headers): a Total is checked against its parts (counts, mean ± SD, median
(range)), ``28 (44%)`` against its column's n, and the row group's p gets the test its cells
call for (counts -> Fisher/chi-square, mean ± SD -> t test, median (range) -> Mann-Whitney).
"""

from __future__ import annotations

import re

from harness.extract import patterns as pat
from harness.extract.model import Draft, Unread
from harness.extract.sections import PaperMeta
from harness.extract.tables import Cell, Column, Row, Table

_FOOT_TESTS = [(r"gehan|breslow", "gbw_p"), (r"log[- ]?rank", "logrank_p"),
               (r"fisher|chi[- ]?squ|χ", "contingency_p"),
               (r"mann[- ]whitney|wilcoxon", "mannwhitney_p"),
               (r"\bt[- ]?test", "ttest_p"), (r"\bcox\b|wald", "cox_wald_p")]


def foot_test(text: str) -> str:
    for rx, stat in _FOOT_TESTS:
        if re.search(rx, text, re.I):
            return stat
    return ""


class TableReader:
    def __init__(self, table: Table, meta: PaperMeta):
        self.t, self.meta = table, meta
        self.file = pat.slug(table.name.replace(" ", "")).replace("-", "_")
        self.cases: list[Draft] = []
        self.unread: list[Unread] = []
        self.multi = len({c.endpoint for c in table.columns if c.endpoint}) > 1

    def _draft(self, cid: str, row: Row | str, col: Column | str, cell: Cell, published: str,
               statistic: str, kind: str, **fields) -> Draft:
        rname = row if isinstance(row, str) else row.name
        cname = col if isinstance(col, str) else col.name
        d = Draft(self.file, cid, {"table": self.t.name, "row": rname, "column": cname},
                  published, statistic, cell.line, fields={k: v for k, v in fields.items()},
                  spans=[(cell.line, cell.start, cell.end)], kind=kind)
        if not isinstance(row, str) and row.group_note:
            d.notes.append(row.group_note)
        self.cases.append(d)
        return d

    def read(self) -> tuple[list[Draft], list[Unread]]:
        roles = {c.role for c in self.t.columns}
        if roles & {"group", "total"}:
            self._characteristics()
        if roles & {"hr", "hr_ci", "ci", "median"} or (
                "p" in roles and not roles & {"group", "total"}):
            for ep in dict.fromkeys(c.endpoint for c in self.t.columns):
                cols = [c for c in self.t.columns if c.endpoint == ep and c.role in
                        ("median", "hr", "hr_ci", "ci", "p")]
                if cols:
                    for label, rows, _ in self.t.groups:
                        self._survival_group(label, rows, cols, ep)
        self._footnotes()
        return self.cases, self.unread

    # -- survival tables ------------------------------------------------------------------
    def _p_statistic(self) -> tuple[str, str]:
        text = (self.t.caption + " " + " ".join(c.header for c in self.t.columns)).lower()
        if re.search(r"multivariat|multivariabl|adjusted|\bcox\b", text):
            return "cox_wald_p", "Cox model (table caption); recovered from the printed HR and CI"
        if "log-rank" in self.meta.methods_tests:
            return "logrank_p", "log-rank test (Methods); recovered from the printed HR and CI"
        if "cox" in self.meta.methods_tests:
            return "cox_wald_p", "Cox model (Methods); recovered from the printed HR and CI"
        return "logrank_p", ""

    def _survival_group(self, label: str, rows: list[Row], cols: list[Column], ep: str) -> None:
        prefix = (ep.lower() + "::" if self.multi and ep else "") + pat.slug(label or rows[0].label)
        names = [r.label for r in rows]
        common = {"endpoint": ep if ep in ("OS", "PFS") else "", "groups": names}
        medians, hrs, cis, ps, refs = [], [], [], [], []
        for r in rows:
            for c in cols:
                cell = r.cell(c.index)
                if cell is None or not cell.text:
                    continue
                text, marks = pat.strip_markers(cell.text)
                kind = pat.kind_of_cell(text)
                if c.role == "median" and kind in ("int", "number"):
                    medians.append((r, c, cell, text))
                elif c.role == "p" and kind in ("int", "number", "p"):
                    ps.append((r, c, cell, text, marks))
                elif c.role in ("hr", "hr_ci") and (kind == "ref" or text in ("1", "1.0", "1.00")):
                    refs.append(r)
                elif c.role in ("hr", "hr_ci") and kind in ("int", "number"):
                    hrs.append((r, c, cell, text))
                elif c.role in ("ci", "hr_ci") and kind == "interval":
                    cis.append((r, c, cell, text))
                elif c.role in ("hr", "hr_ci") and kind in ("hr_ci", "median_range"):
                    hr_text = re.match(pat.NUM, text).group(0)
                    hrs.append((r, c, cell, hr_text))
                    cis.append((r, c, cell, text[len(hr_text):].strip()))
        med_of = {r.label: t for r, _, _, t in medians}
        for r, c, cell, text in medians:
            self._draft(f"{prefix}::median::{pat.slug(r.label)}", r, c, cell, text,
                        "median_survival", "median", **common,
                        inputs={"group": r.label, **({"unit": c.unit} if c.unit else {})}
                        ).group = prefix
        ref = refs[0].label if len(refs) == 1 else ""
        groups_in = ([{"label": r.label, "median": med_of[r.label]} for r in rows]
                     if len(rows) == 2 and all(r.label in med_of for r in rows) else [])
        pairs = self._pair(hrs, cis)
        stat, method = self._p_statistic()
        for h, ci in pairs:
            sfx = "" if len(pairs) == 1 else f"::{pat.slug(h[0].label)}"
            extra = {"reference": ref} if ref else {}
            hr_in = {**({"ci": ci[3]} if ci else {}), **extra, **({"groups": groups_in}
                                                                     if groups_in else {})}
            d = self._draft(f"{prefix}::hr{sfx}", h[0], h[1], h[2], h[3], "hazard_ratio", "hr",
                            **common, inputs=hr_in)
            d.group = prefix
            if ci:
                d.spans.append((ci[2].line, ci[2].start, ci[2].end))
                self._ci_case(f"{prefix}::ci{sfx}", ci, h[3], extra, common, d)
            if len(pairs) == 1 and len(ps) == 1:
                r, c, cell, text, marks = ps[0]
                p_in = {"hr": h[3], **({"ci": ci[3]} if ci else {}), **extra}
                pst = stat
                p = self._draft(f"{prefix}::p", r, c, cell, text, pst, "p", **common,
                                method=method, inputs=p_in)
                p.group = prefix
                self._marks(p, marks)
                if not method:
                    p.review.append("the test is not named in the Methods: log-rank assumed")
        if not pairs or len(pairs) > 1:
            for r, c, cell, text, marks in ps:
                p = self._draft(f"{prefix}::p" + ("" if len(ps) == 1 else f"::{pat.slug(r.label)}"),
                                r, c, cell, text, stat, "p", **common, method=method,
                                inputs={"n_groups": len(rows)} if len(rows) > 2 else {})
                p.group = prefix
                p.review.append("p not linked to one HR and CI (several or none in its row group)")
                self._marks(p, marks)

    def _pair(self, hrs, cis):
        if len(hrs) == 1:
            return [(hrs[0], cis[0] if len(cis) == 1 else None)]
        out = []
        for h in hrs:
            same = [c for c in cis if c[0] is h[0] and c[1].endpoint == h[1].endpoint]
            out.append((h, same[0] if len(same) == 1 else None))
        return out

    def _ci_case(self, cid, ci, hr_text, extra, common, hr_case) -> None:
        r, c, cell, text = ci
        d = self._draft(cid, r, c, cell, text, "hazard_ratio_ci", "ci", **common,
                        inputs={"hr": hr_text, **extra})
        d.group = hr_case.group
        iv = re.findall(pat.NUM, text)
        if len(iv) == 2 and float(iv[1]) < float(iv[0]):
            note = (f"the CI is printed '{text}' (upper bound below the lower one); encoded as "
                    "printed, not corrected")
            for x in (d, hr_case):
                x.notes.append(note)
                x.review.append("garbled CI: read the original")

    def _marks(self, d: Draft, marks: list[str]) -> None:
        for m in marks:
            foot = self.t.footnote(m)
            d.notes.append(f"footnote {m}: {foot}" if foot
                           else f"footnote mark {m} (no footnote found)")
            test = foot_test(foot)
            if test and not re.search(r"\d", foot):
                d.fields["method"] = f"{foot} (footnote {m})"
                if test == "contingency_p" and d.statistic == test:
                    named = [t for t, rx in (("fisher", "fisher"), ("chisq", "chi")) if rx in
                             foot.lower()]
                    d.fields["tests"] = (["fisher"] if named == ["fisher"] else
                                         d.fields.get("tests") or None)
                elif test != d.statistic:
                    d.review.append(f"footnote {m} names {test}, the columns suggest "
                                    f"{d.statistic}: confirm")

    def _footnotes(self) -> None:
        """A footnote that prints a p of a named test (``... results in a p value of 0.048``)."""
        for line, text in self.t.footnotes:
            for m in re.finditer(r"\^\{?([a-z*†‡])\}?\s*([^^]*)", text):
                mark, body = m.group(1), m.group(2)
                pm = re.search(r"[pP][- ]?values? (?:of|=|was)\s*(0?\.\d+)", body)
                test = foot_test(body)
                if pm and test:
                    start = m.start(2) + pm.start(1)
                    cell = Cell(pm.group(1), line, 0, start, start + len(pm.group(1)))
                    d = self._draft(f"footnote_{mark}::{test}", f"footnote {mark}", "footnote",
                                    cell, pm.group(1), test, "p", method=body.strip())
                    d.where = {"table": self.t.name, "row": f"footnote {mark}",
                               "quote": body.strip()[:200]}

    # -- characteristics tables -----------------------------------------------------------
    def _characteristics(self) -> None:
        cols = self.t.columns
        groups = [c for c in cols if c.role == "group"]
        total = next((c for c in cols if c.role == "total"), None)
        pcol = next((c for c in cols if c.role == "p"), None)
        if total and total.n and groups and all(g.n for g in groups):
            cell = Cell(str(total.n), self.t.header_line, total.index)
            d = self._draft("n::total", "header", total, cell, str(total.n), "count", "count",
                            inputs={"parts": [g.n for g in groups],
                                    "labels": [g.label for g in groups]})
            d.spans = []  # the header's numbers are accounted for below
        for label, rows, _ in self.t.groups:
            self._char_group(label, rows, groups, total, pcol)

    def _char_group(self, label, rows, groups, total, pcol) -> None:
        key = pat.slug(label or rows[0].label)
        kinds = {pat.kind_of_cell(r.cell(c.index).text) for r in rows for c in groups
                 if r.cell(c.index) and r.cell(c.index).text}
        p_cells = [(r, r.cell(pcol.index)) for r in rows if pcol and r.cell(pcol.index)
                   and r.cell(pcol.index).text]
        for r in rows:
            self._pct_cells(r, groups + ([total] if total else []))
        if kinds <= {"int", "count_pct"} and kinds:
            counts = [[self._count(r.cell(c.index).text) for c in groups] for r in rows]
            if total:
                for r, parts in zip(rows, counts):
                    cell = r.cell(total.index)
                    ok = cell and pat.kind_of_cell(cell.text) in ("int", "count_pct")
                    if ok and None not in parts:
                        rid = key if pat.slug(r.label) == key else f"{key}::{pat.slug(r.label)}"
                        self._draft(f"{rid}::total", r, total, cell,
                                    str(self._count(cell.text)), "count", "count",
                                    inputs={"parts": parts, "labels": [g.label for g in groups]})
            self._column_sums(key, label, rows, groups, total, counts)
            completed = False
            if len(rows) == 1 and kinds == {"count_pct"} and all(g.n for g in groups):
                counts = [counts[0], [g.n - c for g, c in zip(groups, counts[0])]]
                completed = True
            if len(p_cells) == 1 and all(None not in c for c in counts) and len(counts) >= 2:
                r, cell = p_cells[0]
                text, marks = pat.strip_markers(cell.text)
                named = (("fisher", "fisher"), ("chisq", "chi-square"),
                         ("chisq_yates", "chi-square"))
                tests = [t for t, k in named if k in self.meta.methods_tests]
                d = self._draft(f"{key}::p", r, pcol, cell, text, "contingency_p", "p",
                                method="Fisher's exact test or chi-square test (Methods)"
                                if tests else "", tests=tests or None,
                                inputs={"rows": [x.label for x in rows] + (
                                    ["not " + rows[0].label] if completed else []),
                                        "columns": [g.label for g in groups], "counts": counts})
                self._marks(d, marks)
                if completed:
                    d.review.append("2x2 table completed from the column n (those without = n "
                                    "- count); confirm")
                d.spans += [(r.cell(g.index).line, r.cell(g.index).start, r.cell(g.index).end)
                            for r in rows for g in groups]
                return
        for r in rows:
            rk = {pat.kind_of_cell(r.cell(c.index).text) for c in groups if r.cell(c.index).text}
            p_here = [pc for pc in p_cells if pc[0] is r] or (p_cells if len(rows) == 1 else [])
            if rk == {"mean_sd"}:
                self._mean_sd_row(key, r, groups, total, p_here)
            elif rk and rk <= {"median_range", "int", "number"} and (
                    "median_range" in rk or "median" in r.label.lower()):
                self._median_row(key, r, groups, total, p_here)

    def _count(self, text: str) -> int | None:
        m = pat.COUNT_PCT.match(text.strip())
        if m:
            return int(m.group("count"))
        return int(text) if text.strip().isdigit() else None

    def _pct_cells(self, r: Row, cols: list[Column]) -> None:
        for c in cols:
            cell = r.cell(c.index)
            m = pat.COUNT_PCT.match(cell.text) if cell else None
            if m and c.n:
                pct = cell.text[cell.text.index("(") + 1:cell.text.rindex(")")].strip()
                self._draft(f"{pat.slug(r.name)}::{pat.slug(c.label or c.header)}::pct", r, c,
                            cell, pct, "percentage", "pct",
                            inputs={"count": int(m.group("count")), "n": c.n, "of": c.label})

    def _column_sums(self, key, label, rows, groups, total, counts) -> None:
        cols = groups + ([total] if total else [])
        sums = []
        for c in cols:
            vals = [self._count(r.cell(c.index).text) if r.cell(c.index) else None for r in rows]
            sums.append(None if None in vals else vals)
        if all(s is not None and c.n and sum(s) == c.n for s, c in zip(sums, cols)):
            for s, c in zip(sums, cols):
                cell = Cell(str(c.n), self.t.header_line, c.index)
                d = self._draft(f"{key}::{pat.slug(c.label or c.header)}", f"{label}: "
                                + " + ".join(r.label for r in rows), c, cell, str(c.n), "count",
                                "count", inputs={"parts": s, "labels": [r.label for r in rows]})
                d.spans = []
        elif len(rows) >= 2:
            shown = ", ".join(f"{sum(s)} of {c.n}" for s, c in zip(sums, cols) if s and c.n)
            self.unread.append(Unread(rows[0].line, f"{self.t.name}, {label}",
                                      f"the rows do not add up to the column n ({shown}): "
                                      "missing values? no count case written"))

    def _mean_sd_row(self, key, r, groups, total, p_here) -> None:
        gin = [{"label": g.label, "n": g.n, "mean_sd": r.cell(g.index).text} for g in groups
               if g.n and r.cell(g.index).text]
        if total and r.cell(total.index).text and len(gin) >= 2:
            self._draft(f"{key}::total", r, total, r.cell(total.index), r.cell(total.index).text,
                        "mean_sd", "mean_sd", inputs={"groups": gin}
                        ).spans += self._spans(r, groups)
        if len(p_here) == 1 and len(gin) == 2:
            cell = p_here[0][1]
            text, marks = pat.strip_markers(cell.text)
            d = self._draft(f"{key}::p", r, p_here[0][1] and self._pcol(), cell, text, "ttest_p",
                            "p", method="unpaired t test (Methods)"
                            if "t test" in self.meta.methods_tests else "",
                            inputs={"groups": gin})
            d.spans += self._spans(r, groups)
            self._marks(d, marks)

    def _median_row(self, key, r, groups, total, p_here) -> None:
        gin = []
        for g in groups:
            t = r.cell(g.index).text
            if t:
                k = "median_range" if pat.kind_of_cell(t) == "median_range" else "median"
                gin.append({"label": g.label, **({"n": g.n} if g.n else {}), k: t})
        if total and r.cell(total.index).text and len(gin) >= 2:
            self._draft(f"{key}::total", r, total, r.cell(total.index), r.cell(total.index).text,
                        "median_range", "median_range", inputs={"groups": gin}
                        ).spans += self._spans(r, groups)
        if len(p_here) == 1:
            cell = p_here[0][1]
            text, marks = pat.strip_markers(cell.text)
            full = all("median_range" in g and "n" in g for g in gin)
            shown = [r.cell(c.index).text for c in ([total] if total else []) + groups
                     if r.cell(c.index).text]
            inputs = {"groups": gin} if full else {"printed_summaries": shown}
            d = self._draft(f"{key}::p", r, self._pcol(), cell, text, "mannwhitney_p", "p",
                            method="Mann-Whitney test (Methods)"
                            if "mann-whitney" in self.meta.methods_tests else "", inputs=inputs)
            d.spans += self._spans(r, groups)
            self._marks(d, marks)

    def _pcol(self) -> Column:
        return next(c for c in self.t.columns if c.role == "p")

    def _spans(self, r: Row, cols: list[Column]):
        return [(r.cell(c.index).line, r.cell(c.index).start, r.cell(c.index).end) for c in cols]


def table_cases(table: Table, meta: PaperMeta) -> tuple[list[Draft], list[Unread]]:
    """The draft cases of one table, and what it saw but could not read."""
    return TableReader(table, meta).read()
