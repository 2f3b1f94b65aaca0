"""Input readers: a paper as plain text, HTML or PDF (text layer) -> lines of text.

Every reader returns the same form the seed texts have: one paragraph per line, table rows as
tab-separated cells, superscripts as ``^{...}``. Line numbers in the draft and in REVIEW.md
refer to these lines (for plain text, the file's own lines).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "caption", "title",
          "section", "article", "header", "footer", "table", "thead", "tbody", "tfoot",
          "blockquote", "figcaption", "br", "tr", "dt", "dd"}


class _HtmlText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.skip = 0
        self.cells: list[str] | None = None
        self.in_sup = False

    def _flush(self):
        text = re.sub(r"[ \t\r\n]+", " ", "".join(self.cur)).strip()
        if text:
            self.lines.append(text)
        self.cur = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in ("td", "th") and self.cells is not None:
            self.cur = []
        elif tag == "sup":
            self.cur.append("^{")
            self.in_sup = True
        elif tag in _BLOCK and self.cells is None:
            self._flush()

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.cells is not None:
            self.cells.append(re.sub(r"\s+", " ", "".join(self.cur)).strip())
            self.cur = []
        elif tag == "tr" and self.cells is not None:
            self.lines.append("\t".join(self.cells))
            self.cells = None
        elif tag == "sup":
            self.cur.append("}")
            self.in_sup = False
        elif tag == "table":
            self._flush()
            self.lines.append("")
        elif tag in _BLOCK and self.cells is None:
            self._flush()
            self.lines.append("")

    def handle_data(self, data):
        if not self.skip:
            self.cur.append(data)


def html_lines(text: str) -> list[str]:
    """An HTML page as lines: block elements become paragraphs, ``<tr>`` rows become
    tab-separated cells, ``<sup>`` becomes ``^{...}``."""
    p = _HtmlText()
    p.feed(text)
    p.close()
    p._flush()
    out: list[str] = []
    for line in p.lines:  # at most one blank line in a row
        if line or (out and out[-1]):
            out.append(line)
    return out


def _pdf_page_lines(page) -> list[tuple[float, float, str]]:
    """(top, height, text) per line of a page: words grouped by their baseline; a gap wider
    than about two characters between words (a table's column gap) becomes a tab, and a line
    that starts right of the page's left margin (an empty first cell) starts with one."""
    words = page.extract_words(x_tolerance=1.5, y_tolerance=2)
    if not words:
        return []
    margin = min(w["x0"] for w in words)
    rows: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        if rows and abs(rows[-1][0]["bottom"] - w["bottom"]) <= 2:
            rows[-1].append(w)
        else:
            rows.append([w])
    out = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        height = max(w["bottom"] - w["top"] for w in row)
        text, gaps = row[0]["text"], 0
        for a, b in zip(row, row[1:]):
            wide = b["x0"] - a["x1"] > 1.5 * height
            gaps += wide
            text += ("\t" if wide else " ") + b["text"]
        if gaps and row[0]["x0"] > margin + 2 * height:
            text = "\t" + text
        out.append((row[0]["top"], height, text))
    return out


def pdf_lines(path: Path) -> list[str]:
    """The text layer of a PDF (pdfplumber, no OCR) as paragraphs and tab-separated table
    rows: lines closer than 1.5 line heights are one paragraph (a hyphen at a line end joins
    the word); a wide gap between words is a column gap (a tab)."""
    import pdfplumber

    out: list[str] = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            prev = None
            for top, height, text in _pdf_page_lines(page):
                near = prev is not None and top - prev[0] <= 1.6 * max(height, prev[1])
                if near and "\t" not in text and "\t" not in out[-1] and out[-1]:
                    out[-1] = (out[-1][:-1] + text if out[-1].endswith("-") and text[:1].islower()
                               else out[-1] + " " + text)
                else:
                    if out and out[-1] and not near:
                        out.append("")
                    out.append(text)
                prev = (top, height)
            out.append("")
    out = group_rows(out)
    if not any(line.strip() for line in out):
        raise ValueError(f"{path}: the PDF has no text layer (scanned?); harness does no OCR")
    return out


def read_paper(path: str | Path) -> list[str]:
    """The paper's lines. ``.html``/``.htm`` -> HTML, ``.pdf`` -> PDF, anything else -> UTF-8 text.

    Raises
    ------
    ValueError
        The file is missing, empty, not UTF-8 text, or a PDF without a text layer.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        try:
            return pdf_lines(path)
        except ValueError:
            raise
        except Exception as exc:  # pdfminer raises many kinds for a broken file
            raise ValueError(f"{path}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise ValueError(f"{path}: the file is empty")
    if suffix in (".html", ".htm", ".xhtml"):
        return html_lines(text)
    lines = text.split("\n")
    if "\t" not in text:  # a space-aligned export: column gaps of 3+ spaces are cells
        lines = group_rows([_spaced_row(line) for line in lines])
    return lines


def group_rows(lines: list[str]) -> list[str]:
    """A row-group label inside a table (a short line without a column gap, between two
    rows) gets a tab, so the table stays one block."""
    out = list(lines)
    for i in range(1, len(out) - 1):
        t = out[i].strip()
        if t and "\t" not in out[i] and "\t" in out[i - 1] and "\t" in out[i + 1] \
                and len(t) < 60:
            out[i] = t + "\t"
    return out


def _spaced_row(line: str) -> str:
    body = line.strip()
    if len(re.findall(r"\S {3,}(?=\S)", body)) >= 2:
        return "\t".join(re.split(r" {3,}", body))
    return line
