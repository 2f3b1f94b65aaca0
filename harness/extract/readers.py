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


def pdf_lines(path: Path) -> list[str]:
    """The text layer of a PDF (pdfplumber, no OCR), laid out: a run of three or more spaces
    inside a line (a gap between table columns) becomes a tab."""
    import pdfplumber

    out: list[str] = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            text = page.extract_text(layout=True) or ""
            for raw in text.splitlines():
                line = raw.rstrip()
                if not line.strip():
                    if out and out[-1]:
                        out.append("")
                    continue
                body = line.strip()
                if re.search(r"\S {3,}\S", body):
                    cells = re.split(r" {3,}", body)
                    lead = len(line) - len(line.lstrip())
                    body = ("\t" if lead > 8 and len(cells) > 1 else "") + "\t".join(cells)
                else:
                    body = re.sub(r" {2,}", " ", body)
                out.append(body)
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
    return text.split("\n")
