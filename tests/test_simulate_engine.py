"""The Dask engine: determinism across worker counts, resume, a worker killed mid-run, the
store guard, and the CLI's exit codes."""

import json
import os
import signal
import threading
import time

import pandas as pd
import pytest

from harness import cli
from harness.simulate import load_study, render, run_study, summarise
from harness.simulate.engine import StoreError, local_cluster, plan
from tests.simhelp import small_study


def _cluster(n: int, processes: bool = True):
    from dask.distributed import Client

    cluster = local_cluster(n, processes=processes)
    return cluster, Client(cluster)


@pytest.fixture(scope="module")
def two_workers():
    """One local cluster of 2 worker processes shared by the tests that need it."""
    cluster, client = _cluster(2)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The small study run through the CLI with one worker process: (study file, JSON)."""
    tmp = tmp_path_factory.mktemp("sim_ref")
    path = small_study(tmp)
    out = tmp / "out"
    code = cli.main(["simulate", str(path), "--workers", "1", "--out", str(out),
                     "--format", "json"])
    assert code == 0
    return path, (out / "summary.json").read_text(encoding="utf-8")


def test_two_workers_give_a_byte_identical_summary(reference, two_workers, tmp_path):
    path, ref_json = reference
    study = load_study(path)
    rep = run_study(study, tmp_path / "out", client=two_workers)
    assert rep.workers == 2 and rep.computed == len(plan(study))
    text = render(study, summarise(study, tmp_path / "out"), "json") + "\n"
    assert text == ref_json
    data = json.loads(text)["results"]
    assert len(data) == len(study.scenarios) * len(study.analyses)


def test_resume_skips_finished_chunks(reference, tmp_path):
    path, ref_json = reference
    study = load_study(path)
    out = tmp_path / "out"
    cluster, client = _cluster(1, processes=False)
    try:
        first = run_study(study, out, client=client)
        files = sorted(out.glob("chunks/*/*.parquet"))
        assert first.computed == len(files) == len(plan(study))
        mtimes = {p: p.stat().st_mtime_ns for p in files}
        for p in files[3:5]:
            p.unlink()
        second = run_study(study, out, client=client)
        assert (second.computed, second.skipped) == (2, len(files) - 2)
        third = run_study(study, out, client=client)
        assert (third.computed, third.skipped) == (0, len(files))
    finally:
        client.close()
        cluster.close()
    for p in files[:3] + files[5:]:
        assert p.stat().st_mtime_ns == mtimes[p], f"{p} was recomputed"
    assert render(study, summarise(study, out), "json") + "\n" == ref_json


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(reference, two_workers,
                                                              tmp_path):
    path, ref_json = reference
    study = load_study(path)
    chunks = plan(study)
    out = tmp_path / "out"
    client = two_workers
    result, error = {}, []

    def run():
        try:
            result["report"] = run_study(study, out, client=client)
        except Exception as exc:  # pragma: no cover - reported below
            error.append(exc)

    pids = client.run(os.getpid)
    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 60
    while not list(out.glob("chunks/*/*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.02)
    done_at_kill = len(list(out.glob("chunks/*/*.parquet")))
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)  # a worker process this test started
    worker.join(180)
    assert not worker.is_alive(), "the run did not finish after a worker was killed"
    assert not error, error
    assert 0 < done_at_kill < len(chunks), "the kill did not happen mid-run"
    files = sorted(out.glob("chunks/*/*.parquet"))
    assert sorted(str(p.relative_to(out)) for p in files) == sorted(c.relpath for c in chunks)
    frame = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)
    keys = frame[["scenario", "analysis", "trial"]]
    assert not keys.duplicated().any()
    assert len(frame) == study.replicates * len(study.scenarios) * len(study.analyses)
    assert render(study, summarise(study, out), "json") + "\n" == ref_json


def test_a_store_of_another_study_is_refused(reference, tmp_path, capsys):
    path, _ = reference
    study = load_study(path)
    out = tmp_path / "out"
    from harness.simulate.engine import open_store

    open_store(study, out)
    other = path.parent / "other.toml"
    other.write_text(path.read_text().replace("seed = 7", "seed = 8"), encoding="utf-8")
    with pytest.raises(StoreError, match="another study"):
        run_study(load_study(other), out)
    assert cli.main(["simulate", str(other), "--out", str(out)]) == 2
    assert "another study" in capsys.readouterr().err


def test_cli_bad_study_exits_2_naming_file_and_key(tmp_path, capsys):
    bad = small_study(tmp_path).read_text().replace('kind = "maxcombo"', 'kind = "maxcomb"')
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    assert cli.main(["simulate", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "analysis[1].kind" in err and "'maxcomb'" in err


@pytest.mark.r
def test_worker_processes_start_after_r_is_loaded(r):
    # rpy2 puts R's library folders on LD_LIBRARY_PATH; spawned workers must still start
    assert r.evaluate("1 + 1") == 2
    cluster, client = _cluster(1)
    try:
        assert list(client.run(lambda: 41 + 1).values()) == [42]
    finally:
        client.close()
        cluster.close()
