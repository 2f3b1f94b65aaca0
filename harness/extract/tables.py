"""Tables as the text gives them: tab-separated rows under a header, a caption (``TABLE 2
...``) before or after, footnotes under the table.

Reconstruction keeps every cell as printed. A row whose cells hold no digit is a row-group
label (``Gender``) for the rows under it; a label split over two cells (``Age at primary
(ye`` | ``ars)``) is joined and the split is noted, never silently "corrected".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.extract import patterns as pat

_CAPTION = re.compile(r"^\s*TABLE\s+(\d+|[IVX]+)\b(.*)$", re.I)


@dataclass
class Cell:
    text: str  # as printed, stripped
    line: int  # 1-based line of the paper
    col: int  # 0 = row label
    start: int = 0  # character span in the line
    end: int = 0


@dataclass
class Row:
    line: int
    label: str
    cells: list[Cell]  # data cells, index = column - 1
    group: str = ""
    group_note: str = ""
    label_end: int = 0  # end of the row label cell(s) in the line

    @property
    def name(self) -> str:
        return f"{self.group}: {self.label}" if self.group else self.label

    def cell(self, col: int) -> Cell | None:
        return self.cells[col - 1] if 0 < col <= len(self.cells) else None


@dataclass
class Column:
    index: int
    header: str
    role: str  # p, hr, ci, hr_ci, median, group, total, other
    endpoint: str = ""
    n: int | None = None
    label: str = ""  # group label without '(n = ..)'
    unit: str = ""

    @property
    def name(self) -> str:
        return self.header


@dataclass
class Table:
    name: str
    caption: str
    caption_line: int
    header_line: int
    columns: list[Column]
    rows: list[Row]
    groups: list[tuple[str, list[Row], str]] = field(default_factory=list)  # label, rows, note
    footnotes: list[tuple[int, str]] = field(default_factory=list)
    last_line: int = 0

    def footnote(self, mark: str) -> str:
        for _, text in self.footnotes:
            t = text.strip()
            m = re.search(rf"\^\{{?{re.escape(mark)}\}}?\s*([^^]*)", t)
            if m:
                return m.group(1).strip()
        return ""


def _role(header: str) -> str:
    h = header.lower()
    if re.search(r"(^|\s)p(\s*[- ]?value)?\s*$|^p\b", h.strip()):
        return "p"
    has_hr = bool(re.search(r"\bhr\b|hazard ratio", h))
    has_ci = bool(re.search(r"\bci\b|confidence", h))
    if has_hr and has_ci:
        return "hr_ci"
    if has_hr:
        return "hr"
    if has_ci:
        return "ci"
    if pat.GROUP_N.search(header):
        return "total" if re.match(r"\s*(total|all|overall|whole)\b", h) else "group"
    if re.match(r"\s*(total|all patients|overall)\b", h):
        return "total"
    if "median" in h or re.match(r"\s*(median\s+)?(os|pfs|dfs|rfs|efs|survival)\b.*\("
                                 r"(months?|years?|weeks?|days?)\)", h):
        return "median"
    return "other"


def _columns(header_cells: list[str], context: str) -> list[Column]:
    cols, endpoint = [], pat.endpoint_of(context)
    default = endpoint
    for i, raw in enumerate(header_cells[1:], start=1):
        h = raw.strip()
        col = Column(i, h, _role(h), unit=pat.unit_of(h))
        ep = pat.endpoint_of(h)
        if ep:
            endpoint = ep
        col.endpoint = ep or endpoint or default
        m = pat.GROUP_N.search(h)
        if m:
            col.n = int(m.group("n"))
            col.label = pat.GROUP_N.sub("", h).strip().strip("$").strip()
        cols.append(col)
    eps = {c.endpoint for c in cols if c.endpoint}
    if len(eps) > 1:  # e.g. PFS and OS side by side: say which one each column belongs to
        for c in cols:
            if c.endpoint and not pat.endpoint_of(c.header):
                c.header = f"{c.endpoint} {c.header}"
    return cols


def _join_label(parts: list[str]) -> tuple[str, str]:
    parts = [p.strip() for p in parts if p.strip()]
    if len(parts) <= 1:
        return (parts[0] if parts else ""), ""
    out = parts[0]
    for p in parts[1:]:
        glue = "" if (out[-1:].isalpha() and p[:1].islower()
                      and len(re.findall(r"[A-Za-z(]+$", out)[0]) <= 4) else " "
        out += glue + p
    note = ("row label printed split over cells as " + " | ".join(f"'{p}'" for p in parts)
            + f"; read as '{out}'")
    return out, note


def find_tables(lines: list[str]) -> list[Table]:
    """Every block of tab-separated lines, with its caption and footnotes."""
    blocks, i = [], 0
    while i < len(lines):
        if "\t" in lines[i] and lines[i].count("\t") >= 2:
            j = i
            while j + 1 < len(lines) and "\t" in lines[j + 1]:
                j += 1
            blocks.append((i, j))
            i = j + 1
        else:
            i += 1
    captions = [(k, m) for k, line in enumerate(lines) if (m := _CAPTION.match(line))]
    # a caption right above a block is its own (claimed first, before any 'after' caption)
    used = {k for k, _ in captions for a, _ in blocks if 0 < a - k <= 2}
    tables = []
    for bi, (a, b) in enumerate(blocks):
        prev_end = blocks[bi - 1][1] if bi else -1
        before = [(k, m) for k, m in captions if prev_end < k < a and a - k <= 12
                  and (k not in used or a - k <= 2)]
        after = [(k, m) for k, m in captions if b < k <= b + 6 and k not in used]
        cap = before[-1] if before else (after[0] if after else None)
        if cap:
            used.add(cap[0])
            name = f"Table {cap[1].group(1)}"
            cap_text = " ".join(x.strip() for x in lines[cap[0]:a if cap[0] < a else cap[0] + 1]
                                if x.strip())
        else:
            name, cap_text = f"Table at line {a + 1}", ""
        tables.append(_build(lines, a, b, name, cap_text, cap[0] + 1 if cap else 0, captions))
    return tables


def _cells(line: str, lineno: int) -> list[Cell]:
    out, pos = [], 0
    for ci, raw in enumerate(line.split("\t")):
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        out.append(Cell(text, lineno, ci, pos + lead, pos + lead + len(text)))
        pos += len(raw) + 1
    return out


_DESCRIPTOR = re.compile(r"(?i)mean|median|±|\\pm|\bSD\b|range|n \(%\)|no\. \(%\)")


def _label_columns(lines: list[str], a: int, b: int) -> int:
    """2 when the second column holds the sub-row labels (``Arm | A``: the row label printed
    again on every sub-row), else 1."""
    head = lines[a].split("\t")
    if len(head) < 3 or _role(head[1]) != "other" or re.search(r"\d", head[1]):
        return 1
    seconds = [x.split("\t")[1].strip() for x in lines[a + 1:b + 1] if x.count("\t") >= 2]
    texty = [s for s in seconds if s and pat.kind_of_cell(s) == "text"]
    return 2 if seconds and len(texty) * 2 > len(seconds) else 1


def _build(lines, a, b, name, caption, cap_line, captions) -> Table:
    nlab = _label_columns(lines, a, b)
    header_cells = lines[a].split("\t")[nlab - 1:]
    cols = _columns(header_cells, caption)
    table = Table(name, caption, cap_line, a + 1, cols, [], last_line=b + 1)
    group, gnote, grows = "", "", []
    for k in range(a + 1, b + 1):
        cells = _cells(lines[k], k + 1)
        if nlab == 2 and len(cells) > 2:
            first = cells[0].text
            if first and first != group:  # the row label printed again on each sub-row
                if grows or group:
                    table.groups.append((group, grows, gnote))
                group, gnote, grows = first, "", []
            cells = cells[1:]
            for c in cells:
                c.col -= 1
        label = cells[0].text
        data = cells[1:]
        has_p = [c for c in data if c.col - 1 < len(cols) and cols[c.col - 1].role == "p"
                 and c.text]
        if grows and data and any(re.search(r"\d", c.text) for c in data) and (
                _DESCRIPTOR.search(label) or (has_p and any(
                    r.cell(c.col) and r.cell(c.col).text for r in grows for c in has_p))):
            table.groups.append((group, grows, gnote))  # a variable of its own
            group, gnote, grows = "", "", []
        if nlab == 1 and not any(re.search(r"\d", c.text) for c in data):
            if grows or group:
                table.groups.append((group, grows, gnote))
            group, gnote = _join_label([label] + [c.text for c in data])
            grows = []
            continue
        while len(data) < len(cols):
            data.append(Cell("", k + 1, len(data) + 1, len(lines[k]), len(lines[k])))
        row = Row(k + 1, label, data, group, gnote, cells[0].end)
        table.rows.append(row)
        grows.append(row)
    if grows or group:
        table.groups.append((group, grows, gnote))
    # footnotes: short lines after the block (skipping its caption), up to prose or a figure
    k = b + 1
    while k < len(lines) and k <= b + 12:
        t = lines[k].strip()
        if t and (re.match(r"(?i)(fig\.?|figure)\s*\d", t) or len(t) > 300
                  or (t.isupper() and len(t.split()) <= 3)
                  or any(c == k for c, _ in captions if c + 1 != cap_line)):
            break
        if t and k + 1 != cap_line:
            table.footnotes.append((k + 1, t))
        k += 1
    return table
