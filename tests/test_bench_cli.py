"""`harness bench`: each benchmark in its own process, results as JSON records (speed itself
is never asserted: the ratios are measurements, reported by the command)."""

import json

import numpy as np
import pytest

from harness.cli import main
from harness.tools import bench

FIELDS = {"benchmark", "ours_s", "baseline", "baseline_s", "ratio", "target", "note", "met"}


def test_bench_runs_in_a_child_process_and_prints_json(capsys):
    assert main(["bench", "--quick", "--only", "km", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["baseline"] for r in rows} >= {"lifelines KaplanMeierFitter"}
    for r in rows:
        assert set(r) == FIELDS and r["benchmark"].startswith("Kaplan-Meier, 2 groups, n=1e+04")
        assert r["ours_s"] > 0 and r["ratio"] == pytest.approx(r["baseline_s"] / r["ours_s"])


def test_a_failing_child_is_an_error_naming_the_benchmark():
    with pytest.raises(RuntimeError, match="benchmark 'no-such' failed in its process"):
        bench._run_isolated("no-such", quick=True)


def test_unknown_benchmark_is_a_usage_error(capsys):
    assert main(["bench", "--only", "no-such"]) == 2
    assert "unknown benchmark(s) no-such" in capsys.readouterr().err


def test_json_takes_numpy_values():
    r = bench.BenchResult("b", np.float64(1.0), "base", np.float64(3.0), np.float64(3.0),
                          1.0 / 1.2)
    row = json.loads(bench.render([r], "json"))[0]
    assert row["ratio"] == 3.0 and row["met"] is True
