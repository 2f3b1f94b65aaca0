"""The draft case and the bookkeeping of which printed characters it accounts for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Draft:
    """One case of the draft pack, before it is written.

    ``spans`` are the (line, start, end) character ranges of the paper the case reads (its
    published value and its inputs); numbers outside every case's spans go to REVIEW.md.
    """

    file: str
    id: str
    where: dict[str, str]
    published: str
    statistic: str
    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    spans: list[tuple[int, int, int]] = field(default_factory=list)
    kind: str = ""  # what it is, for linking: hr, ci, p, median, rate, pct, mean_sd, ...
    group: str = ""  # the compared groups' key (table row group) for linking
    value: float | None = None

    def toml_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "where": self.where, "published": self.published,
                               "statistic": self.statistic}
        for key in ("method", "tests", "endpoint", "origin", "groups", "inputs"):
            if self.fields.get(key) not in (None, "", [], {}):
                out[key] = self.fields[key]
        if self.notes:
            out["note"] = "; ".join(dict.fromkeys(self.notes))
        if self.review:
            out["review"] = "; ".join(dict.fromkeys(self.review))
        return out


@dataclass
class Unread:
    """Something the extractor saw and did not turn into a case (listed in REVIEW.md)."""

    line: int
    text: str
    why: str
