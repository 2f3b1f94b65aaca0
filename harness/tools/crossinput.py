"""Reading the user's CSV for ``harness crosscheck``: every cell as text first, then checked.

Group labels stay text exactly as written: ``1`` and ``01`` are two groups, ``NA`` and
``None`` are labels, unless ``missing_labels`` names them as missing. An empty cell is never a
label. Times and event codes are parsed here so an error names the file, the column and the
first rows (1-based data rows, header excluded) that are wrong.

The group order is explicit: the reference group (``--reference``, default the first label in
code-point order) comes first and is passed to R as the factor's level order, so Python and R
compute every HR in the same direction whatever R's locale collation would do.

R equivalent: ``read.csv(path, colClasses = "character")`` followed by ``as.numeric``; the
level order is ``factor(group, levels = levels)``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from harness.exits import InputError

#: cells read as missing in the time and event columns (pandas' usual set, minus nothing)
MISSING_NUMERIC = frozenset({"", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", "-nan",
                             "#N/A", "<NA>", "n/a", "-NaN", "NA_real_"})


def _rows(mask: np.ndarray, limit: int = 5) -> str:
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(int(i) + 1) for i in idx[:limit])
    return shown + (f" and {idx.size - limit} more" if idx.size > limit else "")


def _read_text(path: Path, cols: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a CSV file")
    try:
        header = pd.read_csv(path, nrows=0)
        absent = [c for c in cols if c not in header.columns]
        if absent:
            raise InputError(f"{path}: column(s) {absent} not found; "
                             f"columns are {list(header.columns)}")
        # index_col=False: a row with more cells than the header is an error, never an index
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                            index_col=False)
        return frame[cols].fillna("")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 "
                         "CSV") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty: expected a header row and data rows") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path} is not a well-formed CSV: {exc}".strip()) from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}") from None


def _numeric(path: Path, col: str, text: pd.Series) -> np.ndarray:
    raw = text.to_numpy(dtype=object)
    missing = np.fromiter((v.strip() in MISSING_NUMERIC for v in raw), bool, raw.size)
    if missing.any():
        raise InputError(f"{path}: column {col!r} has missing values (rows {_rows(missing)})")
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values)
    if bad.any():
        shown = ", ".join(repr(v) for v in pd.unique(raw[bad])[:3])
        raise InputError(f"{path}: column {col!r} must be numeric; found {shown} "
                         f"(rows {_rows(bad)})")
    return values


def _events(path: Path, col: str, text: pd.Series) -> np.ndarray:
    low = text.str.strip().str.lower()
    if low.isin(["true", "false"]).all():
        return (low == "true").to_numpy()
    return _numeric(path, col, text)


def read_csv(path: str | Path, time: str, event: str, group: str | None,
             missing_labels: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read the user's CSV; times and events numeric, group labels as text.

    Raises
    ------
    InputError
        The path is missing or a folder, the file is not UTF-8 CSV, a column is absent, a time
        or event cell is missing or not numeric, a group cell is empty or one of
        ``missing_labels``. Every message names the file, and the column and rows when known.
    """
    path = Path(path)
    cols = list(dict.fromkeys(c for c in (time, event, group) if c))
    fast = _read_numeric(path, time, event, group, cols)
    if fast is not None:
        frame, out = fast
        if group:
            _check_labels(path, group, frame[group], missing_labels)
            out[group] = frame[group].to_numpy(dtype=object)
        return out
    frame = _read_text(path, cols)
    if frame.empty:
        raise InputError(f"{path} has a header but no data rows")
    out = pd.DataFrame({time: _numeric(path, time, frame[time])})
    out[event] = _events(path, event, frame[event])
    if group:
        _check_labels(path, group, frame[group], missing_labels)
        out[group] = frame[group].to_numpy(dtype=object)
    return out


def _check_labels(path: Path, group: str, labels: pd.Series, missing_labels) -> None:
    missing = labels.isin(("",) + tuple(missing_labels)).to_numpy()
    if missing.any():
        said = f" (or one of {list(missing_labels)}, read as missing as asked)" \
            if missing_labels else ""
        raise InputError(f"{path}: column {group!r} has missing labels: empty{said} at rows "
                         f"{_rows(missing)}; give every row a group")


def _read_numeric(path: Path, time: str, event: str, group: str | None, cols: list[str]):
    """Fast path for a clean file: times and events parsed by the C reader as numbers, labels
    kept as text categories (10^6 rows: a fraction of the memory of text columns). Any
    problem returns None and the text path reads the file again to name what is wrong."""
    if not path.is_file():
        return None
    dtypes = {time: "float64", event: "float64"}
    if group:
        dtypes[group] = "category"
    try:
        # no usecols: with it pandas ignores extra cells in a row instead of refusing them
        frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_filter=False,
                            index_col=False)[cols]
        if frame.empty:
            return None
        if group:  # categories of text, exactly as written
            frame[group] = frame[group].cat.rename_categories(
                [str(c) for c in frame[group].cat.categories])
    except Exception:  # noqa: BLE001  (the text path explains it)
        return None
    out = pd.DataFrame({time: frame[time].to_numpy(dtype=float)})
    out[event] = frame[event].to_numpy(dtype=float)
    return frame, out


def group_levels(labels: np.ndarray, reference: str | None) -> list[str]:
    """The group order: the reference first, then the others in code-point order."""
    found = sorted(set(labels.tolist()))
    if reference is None:
        return found
    if reference not in found:
        raise InputError(f"--reference {reference!r} is not a group; groups found: "
                         + ", ".join(repr(g) for g in found))
    return [reference] + [g for g in found if g != reference]


#: labels are held as fixed-width text (numpy ``<U``) when that costs at most this many bytes:
#: sorting and comparing them is then ~10 times faster than Python string objects (10^6 rows)
COMPACT_LABEL_BYTES = 256 * 2**20


def compact_labels(labels):
    """Text labels as a numpy string array (same values, faster to sort and compare); other
    labels (numbers, mixed types, or text too long to hold compactly) are returned unchanged."""
    if labels is None:
        return None
    arr = np.asarray(labels)
    if arr.dtype != object or arr.size == 0:
        return arr
    if pd.api.types.infer_dtype(arr, skipna=False) != "string":
        return arr
    width = int(pd.Series(arr).str.len().max())
    if 4 * max(width, 1) * arr.size > COMPACT_LABEL_BYTES:
        return arr
    return arr.astype(f"<U{max(width, 1)}")


def level_codes(labels: np.ndarray, levels: list) -> np.ndarray:
    """The index of each label in ``levels`` (int32; every label must be a level).

    R equivalent: ``as.integer(factor(labels, levels = levels)) - 1``."""
    pos = {lv: i for i, lv in enumerate(levels)}
    try:
        uniq, inv = np.unique(labels, return_inverse=True)
    except TypeError:  # mixed label types numpy cannot sort
        return np.fromiter((pos[v] for v in labels.tolist()), np.int32, labels.size)
    lut = np.asarray([pos[u] for u in uniq.tolist()], dtype=np.int32)
    return lut[inv.reshape(-1)]


def describe_groups(labels: np.ndarray, levels: list[str]) -> str:
    """``groups found: 'A' (n=10, reference), 'B' (n=12)`` in level order."""
    counts = pd.Series(labels).value_counts()
    parts = [f"{lv!r} (n={int(counts[lv])}{', reference' if i == 0 else ''})"
             for i, lv in enumerate(levels)]
    return "groups found: " + ", ".join(parts)


def check_times(at: list[float] | None, tau: float | None) -> tuple[list[float] | None,
                                                                    float | None]:
    """``--at`` times finite and >= 0 (duplicates merged); ``--tau`` finite and > 0."""
    if at is not None:
        bad = [a for a in at if not math.isfinite(a) or a < 0]
        if bad:
            raise InputError(f"--at {bad[0]:g}: times must be finite and >= 0")
        at = sorted(set(at))
    if tau is not None and (not math.isfinite(tau) or tau <= 0):
        raise InputError(f"--tau {tau:g}: the RMST horizon must be a finite time > 0")
    return at, tau


def time_label(t: float) -> str:
    """A time as it appears in a result key: the shortest text that reads back as ``t``
    (``12``, ``12.34567``); Python and R use the same text (R receives it)."""
    return np.format_float_positional(float(t), trim="-")
