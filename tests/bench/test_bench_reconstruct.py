"""Time of `harness reconstruct` on the packs written from R's real data sets
(tests/packs/rdata, 23 to 929 patients; sim900: 450 + 450, 61% deaths), with the share of comparisons resolved.

Run with ``pytest tests/bench --benchmark-only``; skipped in the ordinary run. Speed and the
share resolved are recorded (``extra_info``), never asserted: every pack has a witness (the
real data), so a comparison left ``unresolved`` is a failure of the search, reported here.
"""

from pathlib import Path

import pytest

from harness.ipd.reconstruct import reconstruct_pack
from harness.pack.cases import load_pack

RDATA = Path(__file__).resolve().parents[1] / "packs" / "rdata"


@pytest.mark.parametrize("name", ["ovarian", "aml", "veteran", "lung", "pbc", "colon",
                                  "sim900"])
def test_reconstruct_rdata_pack(benchmark, name, tmp_path):
    pack = load_pack(RDATA / name)
    sums = benchmark.pedantic(lambda: reconstruct_pack(pack, tmp_path, jobs=1), rounds=1,
                              iterations=1)
    resolved = sum(s["verdict"] == "consistent" for s in sums)
    benchmark.extra_info.update(
        patients=sum(1 for _ in (RDATA / name / "witness.csv").open()) - 1,
        comparisons=len(sums), resolved=resolved,
        verdicts={s["id"]: s["verdict"] for s in sums},
        seconds={s["id"]: s["seconds"] for s in sums})
    assert len(sums) == 3
