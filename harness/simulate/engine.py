"""Run a study on Dask: chunks of trials as tasks, one Parquet file per chunk, resumable.

* Plan: each scenario's replicates are cut into chunks of ``chunk_size`` trials. Chunk ``j``
  of scenario ``i`` draws from ``SeedSequence(seed).spawn(n_scenarios)[i].spawn(n_chunks)[j]``,
  so its trials depend on the study file only: not on the number of workers, on the order
  the chunks run in, or on which chunks were computed in an earlier run.
* Store: ``OUT/chunks/<scenario>/c<j>.parquet`` (one row per trial and analysis) and
  ``OUT/manifest.json`` (study id and fingerprint). A chunk is written to a temporary file and
  renamed, so a file that exists is complete; a re-run skips the chunks already stored. A
  store written for a different study (other fingerprint) is refused.
* Cluster: an in-process :class:`dask.distributed.LocalCluster` (``workers`` processes, one
  thread each) unless ``scheduler`` (``tcp://host:port``) or an existing ``client`` is given.
  A worker lost mid-run has its tasks rescheduled by Dask; since chunks are deterministic and
  written atomically, a chunk computed twice is written twice with the same content.
* Progress: a tqdm bar of chunks done on a terminal (stderr), nothing when piped.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.errors import HarnessError
from harness.simulate.study import Study

MANIFEST = "manifest.json"


class StoreError(HarnessError, ValueError):
    """The results folder belongs to another study (or cannot be used)."""


@dataclass(frozen=True)
class Chunk:
    """One task: trials ``first .. first + size - 1`` of scenario number ``scenario``."""

    scenario: int
    scenario_id: str
    index: int
    first: int
    size: int
    entropy: int
    spawn_key: tuple[int, ...]

    @property
    def relpath(self) -> str:
        return f"chunks/{self.scenario_id}/c{self.index:05d}.parquet"

    @property
    def seq(self) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.entropy, spawn_key=self.spawn_key)


def plan(study: Study) -> list[Chunk]:
    """Every chunk of the study, in (scenario, chunk) order, each with its own seed."""
    root = np.random.SeedSequence(study.seed)
    out: list[Chunk] = []
    for i, (sc, sseq) in enumerate(zip(study.scenarios, root.spawn(len(study.scenarios)))):
        reps = sc.replicates or study.replicates
        n_chunks = math.ceil(reps / study.chunk_size)
        for j, cseq in enumerate(sseq.spawn(n_chunks)):
            first = j * study.chunk_size
            out.append(Chunk(i, sc.id, j, first, min(study.chunk_size, reps - first),
                             int(cseq.entropy), tuple(cseq.spawn_key)))
    return out


def compute_chunk(chunk: Chunk, study: Study, out: str) -> tuple[str, int]:
    """Draw, analyse and store one chunk (runs on a worker); returns (relpath, rows)."""
    from harness.simulate.analyse import run_chunk

    frame = run_chunk(study.scenarios[chunk.scenario], study.analyses, study.conf_level,
                      chunk.seq, chunk.size, chunk.first)
    frame.insert(1, "chunk", np.int32(chunk.index))
    path = Path(out) / chunk.relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return chunk.relpath, len(frame)


def open_store(study: Study, out: Path) -> None:
    """Create ``out`` with its manifest, or check that it holds this study."""
    out.mkdir(parents=True, exist_ok=True)
    man = out / MANIFEST
    fp = study.fingerprint()
    if man.is_file():
        old = json.loads(man.read_text(encoding="utf-8"))
        if old.get("fingerprint") != fp:
            raise StoreError(
                f"{out} holds results of another study ({old.get('study')!r}, fingerprint "
                f"{old.get('fingerprint')}; this study's is {fp}): use another --out folder "
                "or delete that one")
        return
    tmp = man.with_name(f".{MANIFEST}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps({"study": study.id, "fingerprint": fp,
                               "file": study.file}, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, man)


@dataclass(frozen=True)
class RunReport:
    chunks: int
    computed: int
    skipped: int
    seconds: float
    workers: int


def local_cluster(workers: int | None = None, processes: bool = True):
    """A quiet :class:`dask.distributed.LocalCluster`: one thread per worker, any free port.

    Once R has been loaded in this process (rpy2 prepends R's library folders, among them
    ``/usr/lib/x86_64-linux-gnu``, to ``LD_LIBRARY_PATH``), a freshly spawned Python would
    load the system's libpython extensions and fail to start; the worker processes are
    therefore spawned without that ``LD_LIBRARY_PATH`` (they never use R).
    """
    import logging

    import dask
    from dask.distributed import LocalCluster

    saved = os.environ.get("LD_LIBRARY_PATH")
    r_home = os.environ.get("R_HOME")
    if saved is not None and r_home and saved.startswith(os.path.join(r_home, "lib")):
        del os.environ["LD_LIBRARY_PATH"]
    try:
        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers; any explicit value turns
        # off glibc's dynamic mmap threshold, so every (trials x patients) array was mapped
        # and unmapped again and the chunk analysis ran 3-5x slower than in-process
        # (measured). Workers here keep glibc's defaults (one BLAS thread each, as Dask's).
        environ = {k: v for k, v in
                   dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
                   if not k.startswith("MALLOC_")}
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
            return LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                threads_per_worker=1, processes=processes,
                                dashboard_address=":0", silence_logs=logging.CRITICAL)
    finally:
        if saved is not None:
            os.environ["LD_LIBRARY_PATH"] = saved


def _client(scheduler: str | None, workers: int | None):
    from dask.distributed import Client

    if scheduler:
        return Client(scheduler), None
    cluster = local_cluster(workers)
    return Client(cluster), cluster


def run_study(study: Study, out: str | Path, *, scheduler: str | None = None,
              workers: int | None = None, client=None, progress: bool | None = None
              ) -> RunReport:
    """Compute every chunk not yet in the store ``out``.

    Parameters
    ----------
    study : Study
    out : path
        Results folder (created; reused when it holds the same study).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:port``).
    workers : int, optional
        Worker processes of the local cluster (default: the number of cores).
    client : dask.distributed.Client, optional
        Use this client (and its cluster) instead of starting one.
    progress : bool, optional
        Show a progress bar; default: when stderr is a terminal.
    """
    out = Path(out)
    open_store(study, out)
    chunks = plan(study)
    pending = [c for c in chunks if not (out / c.relpath).is_file()]
    t0 = time.perf_counter()
    if not pending:
        return RunReport(len(chunks), 0, len(chunks), 0.0, 0)
    own = client is None
    cluster = None
    if own:
        client, cluster = _client(scheduler, workers)
    try:
        from dask.distributed import as_completed
        from tqdm import tqdm

        n_workers = len(client.scheduler_info().get("workers", {}))
        fp = study.fingerprint()
        futures = client.map(compute_chunk, pending, study=study, out=str(out.resolve()),
                             key=[f"harness-sim-{fp}-{c.scenario_id}-{c.index}"
                                  for c in pending])
        show = sys.stderr.isatty() if progress is None else progress
        with tqdm(total=len(pending), unit="chunk", disable=not show,
                  desc=f"simulate {study.id}") as bar:
            for fut in as_completed(futures):
                fut.result()  # re-raises a task's error
                bar.update(1)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    return RunReport(len(chunks), len(pending), len(chunks) - len(pending),
                     time.perf_counter() - t0, n_workers)


def stored(study: Study, out: str | Path) -> list[tuple[Chunk, Path]]:
    """The study's chunks with their files, in plan order (missing files raise)."""
    out = Path(out)
    res = []
    for c in plan(study):
        p = out / c.relpath
        if not p.is_file():
            raise StoreError(f"{p} is missing: the study has not finished (run it again)")
        res.append((c, p))
    return res
