"""pytest-benchmark measurement of `harness extract` on the seed paper's text (the issue's
budget: under 5 s). Run with ``pytest tests/bench --benchmark-only``; skipped in the ordinary
run. There is no baseline tool for survival statistics (statcheck reads none of them), so the
time is reported against the budget."""

from pathlib import Path

import pytest

from harness.extract import draft, extract

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "000_53ff59ee6d6c6f07.txt"


@pytest.mark.skipif(not SEED.is_file(), reason=f"{SEED} is not beside the checkout")
@pytest.mark.benchmark(group="extract seed")
def test_extract_seed(benchmark, tmp_path):
    n = [0]

    def run():
        n[0] += 1
        return extract(SEED, tmp_path / f"d{n[0]}")  # reads, drafts, writes, audits (Python)

    ex = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info["budget (s)"] = 5.0
    benchmark.extra_info["cases"] = len(ex.cases)


@pytest.mark.skipif(not SEED.is_file(), reason=f"{SEED} is not beside the checkout")
@pytest.mark.benchmark(group="extract seed")
def test_draft_seed(benchmark):
    ex = benchmark(lambda: draft(SEED))  # reading and drafting only, nothing written
    benchmark.extra_info["cases"] = len(ex.cases)
