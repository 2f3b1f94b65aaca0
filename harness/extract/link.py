"""Linking across places: a p or a median in the text that repeats a table cell, a median
(range) in the text that repeats a table's, a Kaplan-Meier rate printed twice. The repeat
becomes a ``same_number`` case naming the other occurrence (the check then says whether the
printed values can be one number)."""

from __future__ import annotations

import re

from harness.extract import patterns as pat
from harness.extract.model import Draft
from harness.extract.tables import Table
from harness.pack import printed


def abbreviations(lines: list[str]) -> dict[str, str]:
    """``pulmonary metastasectomy (PM)`` -> ``{'PM': 'pulmonary metastasectomy'}``."""
    out: dict[str, str] = {}
    for line in lines:
        for m in re.finditer(r"((?:[A-Za-z-]+ ){1,5})\(([A-Z]{2,6})s?\)", line):
            words = m.group(1).split()[-len(m.group(2)):]
            out.setdefault(m.group(2), " ".join(words))
    return out


def _stems(text: str, abbr: dict[str, str]) -> set[str]:
    extra = " ".join(v for k, v in abbr.items() if re.search(rf"\b{k}\b", text))
    return pat.words(text + " " + extra)


def _label(d: Draft) -> str:
    return d.where.get("row", "").split(":")[0]


def _same(d: Draft, of: str, occ: list[dict]) -> None:
    d.fields["inputs"] = {"of": of, "occurrences": occ}
    d.statistic = "same_number"
    d.fields.pop("method", None)


def _where(c: Draft) -> str:
    return f"{c.where['table']}, {c.where['row']}, {c.where['column']}"


def link_p(text: list[Draft], table: list[Draft], abbr: dict[str, str]) -> None:
    cells = [c for c in table if c.kind == "p" and "table" in c.where]
    for d in text:
        if d.kind != "p" or d.statistic not in ("logrank_p",) or d.fields.get("inputs"):
            continue
        clause, sent = d.fields.get("clause", ""), d.fields.get("sentence", "")
        ep = pat.endpoint_of(clause) or pat.endpoint_of(sent)
        cands = [c for c in cells if not ep or c.fields.get("endpoint") == ep]
        cited = re.findall(r"Table (\d+)", sent)
        if cited:
            cands = [c for c in cands if c.where["table"] in {f"Table {n}" for n in cited}]
        v = printed.parse_p_value(d.published)
        exact = [c for c in cands if (printed.parse_p_value(c.published).value, printed.
                                      parse_p_value(c.published).relation) == (v.value, v.relation)]
        stems = _stems(clause or sent, abbr)
        scored = []
        for c in cands:
            lab = pat.words(_label(c))
            hit = len(lab & stems)
            if lab and hit and hit / len(lab) >= 0.6:
                scored.append((hit, c))
        best = None
        if len(exact) == 1:
            best, how = exact[0], "its value and endpoint"
        elif scored:
            top = max(h for h, _ in scored)
            tops = [c for h, c in scored if h == top]
            if len(tops) == 1:
                best, how = tops[0], "the words of its row label"
        if best is None:
            continue
        _same(d, best.statistic, [{"published": best.published, "where": _where(best),
                                   "case": f"{best.file}::{best.id}"}])
        d.review.append(f"linked to {_where(best)} by {how}; confirm")
        d.group = f"{best.file}::{best.group}"
        for m in text:  # medians of the same sentence: the same row group's medians
            if m.kind == "median" and m.statistic == "median_survival" and m.line == d.line \
                    and m.fields.get("sentence") == d.fields.get("sentence"):
                _link_median(m, best, table)


def _link_median(m: Draft, p: Draft, table: list[Draft]) -> None:
    num = printed.parse_number(m.published)
    cands = [c for c in table if c.kind == "median" and c.file == p.file and c.group == p.group
             and c.fields.get("endpoint") == p.fields.get("endpoint")]
    fits = [c for c in cands if num.allows(printed.parse_number(c.published).value)]
    if len(fits) == 1:
        c = fits[0]
        _same(m, "median_survival", [{"published": c.published, "where": _where(c),
                                      "case": f"{c.file}::{c.id}"}])
        m.review.append(f"linked to {_where(c)} (same row group as the sentence's p); confirm")


def link_hr(text: list[Draft], table: list[Draft]) -> None:
    """An HR (and its CI) in the prose that a table prints too; its p with it."""
    for d in text:
        inputs = d.fields.get("inputs", {})
        if d.kind != "hr" or d.statistic != "hazard_ratio" or "ci" not in inputs:
            continue
        ci = printed.parse_interval(d.fields["inputs"]["ci"])
        same = [c for c in table if c.kind == "hr" and c.published == d.published
                and "ci" in c.fields.get("inputs", {}) and _bounds(c.fields["inputs"]["ci"])
                == (ci.lower.value, ci.upper.value)]
        if len(same) != 1:
            continue
        c = same[0]
        hr_in = dict(d.fields["inputs"])
        _same(d, "hazard_ratio", [{"published": c.published, "where": _where(c),
                                   "case": f"{c.file}::{c.id}"}])
        d.review.append(f"the HR and CI of {_where(c)}; confirm")
        tp = [x for x in table if x.kind == "p" and x.file == c.file and x.group == c.group]
        for p in text:
            p_in = p.fields.get("inputs", {})
            if p.kind == "p" and p.line == d.line and len(tp) == 1 and \
                    (p_in.get("hr"), p_in.get("ci")) == (d.published, hr_in.get("ci")):
                _same(p, tp[0].statistic, [{"published": tp[0].published, "where":
                                            _where(tp[0]), "case": f"{tp[0].file}::{tp[0].id}"}])
                p.review = [f"the p of {_where(tp[0])}; confirm"]
        for m in text:
            if m.kind == "median" and m.statistic == "median_survival" and m.line == d.line \
                    and m.fields.get("sentence") == d.fields.get("sentence"):
                _link_median(m, c, table)


def _bounds(text: str) -> tuple[float, float]:
    iv = printed.parse_interval(text)
    return (iv.lower.value, iv.upper.value)


def link_median_range(text: list[Draft], tables: list[Table]) -> None:
    cells = []
    for t in tables:
        for r in t.rows:
            for c in r.cells:
                if pat.kind_of_cell(c.text) == "median_range":
                    col = t.columns[c.col - 1] if c.col - 1 < len(t.columns) else None
                    cells.append((t, r, col, c, printed.parse_median_range(c.text)))
    for d in text:
        if d.kind != "median_value":
            continue
        rng = printed.parse_interval(d.fields["inputs"]["range"])
        num = printed.parse_number(d.published)
        fits = [x for x in cells if (x[4].range.lower.value, x[4].range.upper.value) ==
                (rng.lower.value, rng.upper.value) and num.lo <= x[4].median.hi + 1e-12
                and x[4].median.lo <= num.hi + 1e-12]
        exact = [x for x in fits if x[4].median.value == num.value]
        fits = exact if len(exact) == 1 else fits
        if len(fits) == 1:
            t, r, col, c, mr = fits[0]
            where = f"{t.name}, {r.name}, {col.header if col else ''} '{c.text}'"
            _same(d, "median_range", [{"published": mr.median.text, "where": where}])
            d.review.append(f"linked to {where} (same range); confirm")


def link_rates(text: list[Draft]) -> None:
    groups: dict[tuple, list[Draft]] = {}
    for d in text:
        if d.kind == "rate" and d.statistic == "km_rate":
            inp = d.fields.get("inputs", {})
            groups.setdefault((inp.get("time"), d.published), []).append(d)
    for same in groups.values():
        named = {d.fields["inputs"].get("group") for d in same} - {None}
        if len(same) < 2 or len(named) > 1:  # one group, or a group named in some places only
            continue
        canon = next((d for d in same if d.where["section"].startswith("Results")), same[0])
        for d in same:
            if d is not canon:
                _same(d, "km_rate", [{"published": canon.published, "where":
                                      f"{canon.where['section']}: '{canon.where['quote']}'",
                                      "case": f"text::{canon.id}"}])


def link_all(lines: list[str], tables: list[Table], text: list[Draft], table: list[Draft]) -> None:
    """Turn repeats into ``same_number`` cases (in place)."""
    link_hr(text, table)
    link_p(text, table, abbreviations(lines))
    link_median_range(text, tables)
    link_rates(text)
    for d in text:
        d.fields.pop("clause", None)
        d.fields.pop("sentence", None)
