"""pytest-benchmark measurements of ``harness simulate``: the vectorised chunk analysis
(1000 trials x 8 tests, n = 64) with the R loop (survdiff x2 + coxph per trial, timed inside
R) in ``benchmark.extra_info``. Run with ``pytest tests/bench --benchmark-only``; speed is
recorded, never asserted. ``harness bench --only simulate`` reports the engine's throughput
on 2 workers, the ratio, the 1 -> 2 worker scaling and the memory.
"""

import numpy as np
import pytest

from harness.tools.benchmarks.simulate import bench_study, r_loop_seconds_per_trial


@pytest.mark.benchmark(group="simulate chunk 1000 trials x 8 tests n=64")
def test_chunk_analysis(benchmark):
    from harness.simulate.analyse import run_chunk

    study = bench_study(1000)
    sc = study.scenarios[0]
    frame = benchmark(lambda: run_chunk(sc, study.analyses, 0.95, np.random.SeedSequence(1),
                                        1000, 0))
    assert len(frame) == 8000
    r_s = r_loop_seconds_per_trial(100)
    if r_s is not None:
        benchmark.extra_info["R loop survdiff x2 + coxph, per trial (s)"] = r_s
        benchmark.extra_info["R loop for 1000 trials (s)"] = r_s * 1000


@pytest.mark.benchmark(group="simulate engine 2e4 trials, 2 workers")
def test_engine_two_workers(benchmark):
    from harness.tools.benchmarks.simulate import timed_run

    seconds, rss, driver = benchmark.pedantic(lambda: timed_run(20_000, 2), rounds=1,
                                              iterations=1)
    benchmark.extra_info.update({"run_s": seconds, "worker_peak_rss_mib": rss,
                                 "driver_traced_peak_mib": driver})
