"""Builders of small case packs on disk, for tests of the loader, CLI and plugin."""

from __future__ import annotations

from pathlib import Path

PAPER = """[paper]
id = "demo"
title = "A demo paper"
citation = "Demo et al. 2024"
alpha = 0.05
"""

GOOD_CASE = """[[case]]
id = "sex::p"
where = { table = "Table 1", row = "Sex", column = "p" }
published = "0.1"
statistic = "contingency_p"
tests = ["fisher"]
inputs = { counts = [[3, 0], [0, 3]] }
expect = { verdict = "consistent" }
"""


def make_pack(root: Path, cases: str = GOOD_CASE, paper: str = PAPER,
              name: str = "table1.toml") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.toml").write_text(paper, encoding="utf-8")
    (root / name).write_text(cases, encoding="utf-8")
    return root
