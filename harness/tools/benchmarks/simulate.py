"""Simulation benchmarks: trials/s/core of ``harness simulate`` on Dask, the ratio against an
R loop (survdiff / coxph per trial, timed inside R), scaling 1 -> 2 workers, and memory.

The workload is the issue's: trials of n = 64 (32 vs 32, exponential, HR 1.5, ties from
rounding to 0.1 month) analysed by 8 tests (log-rank, Gehan-Breslow-Wilcoxon, Tarone-Ware,
Peto, Fleming-Harrington(0,1), max-combo, Mantel-Haenszel HR, Cox efron HR), 1000 trials per
chunk. ``python -m harness.tools.benchmarks.simulate`` prints the table.
"""

from __future__ import annotations

import math
import tempfile
import time
import tracemalloc

import numpy as np

from harness.tools.bench import BenchResult, compare, register

N_BIG = 10**5
BUDGET_S = 20.0


def bench_study(replicates: int, chunk_size: int = 1000):
    """The benchmark study (built in code; same schema as a study file)."""
    from harness.simulate.study import Analysis, Arm, Scenario, Study

    ctrl = Arm("exponential", (math.log(2.0) / 24.0,))
    sc = Scenario("n64_hr1.5", "n = 64, HR 1.5", (32, 32), ctrl,
                  Arm("exponential", ctrl.rates, hr=1.5), follow_up=24.0, accrual=24.0,
                  dropout=0.01, round_to=0.1, true_hr=1.5, replicates=replicates)
    an = (Analysis("logrank", "logrank"), Analysis("gbw", "gehan-breslow"),
          Analysis("tw", "tarone-ware"), Analysis("peto", "peto", rho=1.0),
          Analysis("fh01", "fleming-harrington", 0.0, 1.0), Analysis("maxcombo", "maxcombo"),
          Analysis("mh", "hr-mantel-haenszel"), Analysis("cox", "hr-cox"))
    return Study("bench", "bench", 1, replicates, chunk_size, 0.05, 0.95, (sc,), an)


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed_run(replicates: int, workers: int) -> tuple[float, float, float]:
    """(seconds of the run, excluding cluster start-up; worker peak RSS MiB; driver peak
    traced MiB) of the benchmark study on a fresh local cluster."""
    from dask.distributed import Client

    from harness.simulate.engine import local_cluster, run_study

    study = bench_study(replicates)
    cluster = local_cluster(workers)
    client = Client(cluster)
    try:
        client.run(lambda: __import__("harness.simulate.analyse"))  # warm the imports
        with tempfile.TemporaryDirectory() as out:
            tracemalloc.start()
            t0 = time.perf_counter()
            run_study(study, out, client=client, progress=False)
            seconds = time.perf_counter() - t0
            driver = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        rss = max(client.run(_peak_rss_mib).values())
    finally:
        client.close()
        cluster.close()
    return seconds, rss, driver


def chunk_seconds_per_trial(analyses: tuple, trials: int = 4000) -> float:
    """In-process time per trial of the chunk analysis alone (one core, no Dask)."""
    from harness.simulate.analyse import run_chunk

    study = bench_study(trials)
    sc = study.scenarios[0]
    run_chunk(sc, analyses, 0.95, np.random.SeedSequence(0), 1000, 0)  # warm-up
    t0 = time.perf_counter()
    for i in range(trials // 1000):
        run_chunk(sc, analyses, 0.95, np.random.SeedSequence(i), 1000, 0)
    return (time.perf_counter() - t0) / trials


def r_loop_seconds_per_trial(n_trials: int) -> float | None:
    """survdiff (rho 0 and 1) + coxph (efron) per trial, an R loop timed inside R."""
    from harness.r import bridge as rbridge
    from harness.simulate.generate import draw

    if not rbridge.probe().ok:
        return None
    sc = bench_study(n_trials).scenarios[0]
    tr = draw(sc, np.random.default_rng(1), n_trials)
    elapsed = rbridge.call("harness_sim_r_loop", tr.time, tr.event.astype(int),
                           tr.group.astype(int))
    return float(elapsed) / n_trials


@register("simulate")
def bench_simulate(quick: bool) -> list[BenchResult]:
    n_big = 10**4 if quick else N_BIG
    n_scale = 5000 if quick else 20_000
    study = bench_study(1)
    out: list[BenchResult] = []
    # throughput on 2 workers, and memory against a run 1/5 the size
    big_s, big_rss, big_drv = timed_run(n_big, 2)
    small_s, small_rss, small_drv = timed_run(n_big // 5, 2)
    rate = n_big / big_s / 2
    budget = BUDGET_S * n_big / N_BIG
    out += compare(
        f"simulate {n_big:.0e} trials x 8 tests, n=64, 2 workers", big_s,
        {f"issue budget ({budget:g} s for {n_big:.0e} trials)": budget},
        {f"issue budget ({budget:g} s for {n_big:.0e} trials)": 1.0},
        note=f"{rate:.0f} trials/s/core; worker peak RSS {big_rss:.0f} MiB at {n_big:.0e} "
             f"trials vs {small_rss:.0f} MiB at {n_big // 5:.0e} (driver traced peak "
             f"{big_drv:.1f} vs {small_drv:.1f} MiB): flat in the number of trials")
    # against an R loop, per trial, same analyses (log-rank, Peto, Cox efron)
    from harness.simulate.study import Analysis

    three = (Analysis("logrank", "logrank"), Analysis("peto", "peto", rho=1.0),
             Analysis("cox", "hr-cox"))
    ours3 = chunk_seconds_per_trial(three, 2000 if quick else 4000)
    ours8 = chunk_seconds_per_trial(study.analyses, 2000 if quick else 4000)
    n_r = 50 if quick else 200
    r_s = r_loop_seconds_per_trial(n_r)
    if r_s is not None:
        name = f"R loop survdiff x2 + coxph per trial (timed in R, {n_r} trials)"
        out += compare("simulate per trial: log-rank + Peto + Cox, n=64, 1 core", ours3,
                       {name: r_s}, {name: 50.0}, note="chunk analysis in-process, no Dask")
        out += compare("simulate per trial: all 8 tests, n=64, 1 core", ours8, {name: r_s},
                       note="ours does 8 analyses, R 3")
    # scaling 1 -> 2 workers on the same work
    one_s, _, _ = timed_run(n_scale, 1)
    two_s, _, _ = timed_run(n_scale, 2)
    out += compare(f"simulate {n_scale:.0e} trials, 2 workers", two_s,
                   {"same on 1 worker": one_s},
                   note="ideal 2x on 2 cores; the machine is shared, so this is a floor")
    return out


if __name__ == "__main__":  # pragma: no cover
    from harness.tools.bench import render

    print(render(bench_simulate(False)))
