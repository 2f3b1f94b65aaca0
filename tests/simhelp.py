"""Shared helpers of the simulation tests: small studies written to a temporary folder."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "studies" / "stork2022_design.toml"

SMALL = """
[study]
id = "small"
seed = 7
replicates = {reps}
chunk_size = {chunk}
alpha = 0.05

[[scenario]]
id = "h0"
n = [30, 20]
control = {{ dist = "exponential", median = 20 }}
experimental = {{ hr = 1 }}
censoring = {{ follow_up = 12, accrual = 24, dropout = 0.01 }}
round_to = 0.5

[[scenario]]
id = "hr2"
n = [30, 20]
control = {{ dist = "weibull", shape = 1.3, median = 20 }}
experimental = {{ hr = 2 }}
censoring = {{ follow_up = 12, accrual = 24 }}
round_to = 0.5

[[analysis]]
kind = "logrank"

[[analysis]]
kind = "maxcombo"

[[analysis]]
kind = "permutation"
B = 199

[[analysis]]
kind = "hr-cox"

[[analysis]]
kind = "median-bootstrap"
B = 50
"""


def small_study(tmp: Path, reps: int = 400, chunk: int = 50) -> Path:
    path = tmp / "small.toml"
    path.write_text(SMALL.format(reps=reps, chunk=chunk), encoding="utf-8")
    return path
