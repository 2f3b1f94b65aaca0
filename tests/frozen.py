"""Frozen R reference values (``tests/results/``), readable without R.

``tests/results/make_reference.R`` computes them with R's survival, coin and stats and writes
``reference.tsv`` (one vector per line: key, then tab-separated values printed with
``sprintf("%.17g")``) and ``data/<name>.csv`` (the rows of R's data sets the tests use, all
digits). ``tests/test_frozen_*.py`` compare the core to them without R;
``tests/test_frozen_stale.py`` (marker ``r``) re-runs the script and fails when these files are
stale. To refresh after changing the script: ``Rscript tests/results/make_reference.R``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / "results"
SCRIPT = RESULTS / "make_reference.R"
REFERENCE = "reference.tsv"


def _value(text: str) -> float:
    # R prints its missing value as NA; float() reads NaN, Inf, -Inf as R prints them
    return np.nan if text == "NA" else float(text)


def read_reference(path: Path) -> dict[str, np.ndarray | list[str]]:
    """Parse a ``reference.tsv``: numeric lines become float arrays, others lists of str."""
    out: dict[str, np.ndarray | list[str]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        key, *values = line.split("\t")
        if key in out:
            raise ValueError(f"{path}:{n}: key {key!r} appears twice")
        try:
            out[key] = np.array([_value(v) for v in values], dtype=float)
        except ValueError:
            out[key] = values
    return out


@functools.cache
def _reference() -> dict[str, np.ndarray | list[str]]:
    return read_reference(RESULTS / REFERENCE)


def ref(key: str):
    """The frozen R value(s) stored under ``key`` (a float array, or a list of str)."""
    table = _reference()
    if key not in table:
        raise KeyError(f"{key!r} is not in tests/results/{REFERENCE}: add it to "
                       f"tests/results/make_reference.R and re-run the script")
    return table[key]


def keys(prefix: str) -> list[str]:
    """Frozen keys starting with ``prefix``, in file order."""
    return [k for k in _reference() if k.startswith(prefix)]


def read_dataset(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "data" / f"{name}.csv", float_precision="round_trip")


@functools.cache
def _dataset(name: str) -> pd.DataFrame:
    return read_dataset(RESULTS, name)


def dataset(name: str) -> pd.DataFrame:
    """R's data set ``name`` as frozen by the script (a fresh copy; colon: etype == 2 rows)."""
    return _dataset(name).copy()


def km_data(name: str):
    """``(time, event, group, coding)`` as ``tests.test_km.load`` gives them from R."""
    d = dataset(name)
    if name == "lung":
        return d.time, d.status, d.sex, "12"
    if name == "aml":
        return d.time, d.status, d.x, "01"
    if name == "ovarian":
        return d.futime, d.fustat, d.rx, "01"
    if name == "veteran":
        return d.time, d.status, d.trt, "01"
    if name == "colon":
        return d.time, d.status, d.rx, "01"
    if name == "pbc":
        return d.time, (d.status == 2).astype(int), d.sex, "01"
    raise KeyError(name)


def event_data(name: str) -> pd.DataFrame:
    """The frame of ``tests.test_logrank._data``: a 0/1 ``event`` column and ``time``."""
    d = dataset(name)
    if name in ("lung", "pbc"):
        return d.assign(event=(d.status == 2).astype(int))
    if name == "ovarian":
        return d.assign(event=d.fustat.astype(int), time=d.futime)
    return d.assign(event=d.status.astype(int))


def levels(name: str, column: str, d: pd.DataFrame) -> list:
    """R's factor level order where R has a factor, else the sorted distinct values."""
    key = f"levels/{name}/{column}"
    if key in _reference():
        return list(ref(key))
    return sorted(set(d[column].tolist()))
