"""Operating characteristics of survival test variants by simulation, on Dask.

``harness simulate STUDY.toml`` and the Python API::

    from harness.simulate import load_study, run_study, summarise, render, simulate

    study = load_study("studies/stork2022_design.toml")
    run_study(study, "sim-out", workers=2)         # resumable: finished chunks are skipped
    summary = summarise(study, "sim-out")          # pandas DataFrame, one row per
    print(render(study, summary, "table"))         #   scenario x analysis

    summary = simulate("studies/stork2022_design.toml", out="sim-out")   # both steps

Modules: :mod:`~harness.simulate.study` (study files), :mod:`~.distributions` and
:mod:`~.generate` (scenarios), :mod:`~.riskset`, :mod:`~.weighted`, :mod:`~.estimates` and
:mod:`~.analyse` (vectorised chunk analysis), :mod:`~.engine` (Dask, Parquet store),
:mod:`~.summary`, :mod:`~.render`, :mod:`~.ipdfit` (scenarios from pseudo-IPD).
"""

from __future__ import annotations

from pathlib import Path

from harness.simulate.engine import RunReport, run_study
from harness.simulate.render import render
from harness.simulate.study import Study, load_study
from harness.simulate.summary import summarise

__all__ = ["Study", "RunReport", "load_study", "run_study", "summarise", "render", "simulate"]


def simulate(study: str | Path | Study, out: str | Path, **kwargs):
    """Load (if a path), run (skipping stored chunks) and summarise a study.

    ``kwargs`` go to :func:`run_study` (``scheduler``, ``workers``, ``client``, ``progress``).
    Returns the summary DataFrame.
    """
    if not isinstance(study, Study):
        study = load_study(study)
    run_study(study, out, **kwargs)
    return summarise(study, out)
