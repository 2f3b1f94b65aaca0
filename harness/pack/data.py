"""Patient data declared by a pack (``[[data]]`` in ``pack.toml``) and the slice a case uses.

A data set is a CSV file under the pack folder with declared columns (``string`` or
``number``), a time and an event column with their coding (``"01"``, ``"12"`` or a table
mapping each printed value to 0/1), a unit, and optional derived columns written in the safe
grammar of :mod:`harness.pack.derive`. Everything is checked when the pack loads; an error
names the file and the key (``pack.toml: data[0].columns.age: ...``) or the CSV file, the
column and the rows.

A case names its data (``data = { source = "lung", group = "sex", subset = { "ph.ecog" =
"1" } }``); :func:`case_slice` gives the rows it uses, after the subset, with rows missing a
value the case needs left out and counted (R's ``na.omit``), never silently.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.errors import CaseFileError
from harness.pack import derive


@dataclass(frozen=True)
class DataSet:
    """A loaded, validated data set of a pack."""

    id: str
    file: Path
    time: str
    event: str
    unit: str
    frame: pd.DataFrame = field(repr=False)
    types: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def column_type(self, name: str) -> str | None:
        return self.types.get(name)


@dataclass(frozen=True)
class DataRef:
    """What a case says about its data: the data set and the table it gave (``data = {...}``)."""

    dataset: DataSet
    spec: dict[str, Any]

    @property
    def source(self) -> str:
        return self.dataset.id


@dataclass(frozen=True)
class Slice:
    """The rows a case uses: times, 0/1 events, group labels (or None), strata, the frame."""

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray | None
    strata: np.ndarray | None
    frame: pd.DataFrame
    dropped: dict[str, int]

    @property
    def note(self) -> str:
        """Rows left out for missing values, as a sentence ('' when none)."""
        if not self.dropped:
            return ""
        parts = ", ".join(f"{n} missing {col}" for col, n in self.dropped.items())
        return f"rows left out as R's na.omit does: {parts}"


def _err(pack_file: str, key: str, msg: str) -> CaseFileError:
    return CaseFileError(pack_file, key, msg)


def _label(value: Any) -> str:
    """How a value of a column is named as a group level: numbers as R prints them."""
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return str(int(f)) if f.is_integer() else repr(f)
    return str(value)


def _read_parquet(csv: Path, types: dict[str, str]) -> pd.DataFrame:
    """A Parquet file's declared columns as text, the way a CSV's would read.

    Numbers keep every digit (``repr`` of the float, integers without ``.0``); missing values
    become empty strings, which the shared column parser reads as missing.
    """
    try:
        import pyarrow.parquet as pq

        names = pq.read_schema(csv).names
        table = pq.read_table(csv, columns=[c for c in types if c in names])
    except (OSError, ValueError) as exc:  # pyarrow.ArrowException subclasses these
        raise _err(str(csv), "", f"cannot be read as Parquet ({exc})") from None
    frame = table.to_pandas()
    out = {}
    for col in names:
        if col not in frame.columns:
            out[col] = pd.Series([""] * len(frame), dtype=object)
            continue
        values = frame[col]
        out[col] = pd.Series(["" if v is None or (isinstance(v, float) and math.isnan(v))
                              else _label(v) for v in values.tolist()], dtype=object)
    return pd.DataFrame(out, columns=names)


def _read_columns(spec: dict, csv: Path, pack_file: str, key: str) -> tuple[pd.DataFrame, dict]:
    types = dict(spec["columns"])
    if csv.suffix == ".parquet":
        raw = _read_parquet(csv, types)
    else:
        try:
            raw = pd.read_csv(csv, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise _err(str(csv), "", f"cannot be read as CSV ({exc})") from None
    missing = [c for c in types if c not in raw.columns]
    if missing:
        raise _err(pack_file, f"{key}.columns", f"column(s) {missing} are not in {csv.name}; "
                   f"its columns are {list(raw.columns)}")
    out = {}
    for col, kind in types.items():
        text = raw[col].str.strip()
        na = text.isin(["", "NA", "NaN", "."])
        if kind == "number":
            values = pd.to_numeric(text.where(~na), errors="coerce")
            bad = values.isna() & ~na
            if bad.any():
                rows = (np.flatnonzero(bad.to_numpy())[:5] + 2).tolist()
                raise _err(str(csv), f"column {col!r}", f"declared number, but line(s) {rows} "
                           f"hold {text[bad].iloc[0]!r}")
            # pd.to_numeric is not correctly rounded ("0.30000000000000004" -> 0.3, merging
            # times R keeps apart); Python's float() is, as R's read.csv in practice
            out[col] = text.where(~na, "nan").astype(float)
        else:
            out[col] = text.where(~na, None)
    return pd.DataFrame(out), types


def _event_values(spec: dict, frame: pd.DataFrame, csv: Path, pack_file: str,
                  key: str) -> np.ndarray:
    coding = spec.get("event_coding", "01")
    col = spec["event"]
    values = frame[col]
    if values.isna().any():
        rows = (np.flatnonzero(values.isna().to_numpy())[:5] + 2).tolist()
        raise _err(str(csv), f"column {col!r}", f"the event column has missing values "
                   f"(line(s) {rows})")
    text = values.map(_label)
    mapping = ({"0": 0, "1": 1} if coding == "01" else {"1": 0, "2": 1} if coding == "12"
               else {str(k): int(v) for k, v in coding.items()})
    bad = ~text.isin(list(mapping))
    if bad.any():
        raise _err(pack_file, f"{key}.event_coding", f"{csv.name} column {col!r} holds "
                   f"{text[bad].iloc[0]!r}, which the coding {coding!r} does not name "
                   f"(expected one of {sorted(mapping)})")
    return text.map(mapping).to_numpy(dtype=int)


def _derive(spec: dict, frame: pd.DataFrame, types: dict, pack_file: str, key: str) -> None:
    for name, text in spec.get("derive", {}).items():
        where = f"{key}.derive.{name}"
        try:
            tree = derive.parse(text)
        except ValueError as exc:
            raise _err(pack_file, where, str(exc)) from None
        for col in sorted(derive.columns(tree)):
            if col not in frame.columns:
                raise _err(pack_file, where, f"{col!r} is not a declared or earlier derived "
                           f"column (have {list(frame.columns)})")
            if types.get(col) != "number":
                raise _err(pack_file, where, f"column {col!r} is not a number column")
        if name in frame.columns:
            raise _err(pack_file, where, f"{name!r} is already a column")
        data = {c: frame[c].to_numpy(dtype=float) for c in derive.columns(tree)}
        frame[name] = np.broadcast_to(derive.evaluate(tree, data), (len(frame),)).copy()
        types[name] = "number"


def load_dataset(spec: dict, root: Path, pack_file: str, index: int) -> DataSet:
    """Read and check one ``[[data]]`` entry (already schema-validated).

    R equivalent: ``read.csv(file)`` with the declared column classes, the event recoded to
    0/1 and each derivation added as a column (e.g. ``d$years <- round(d$time / 365.25, 2)``).
    """
    key = f"data[{index}] (id {spec['id']!r})"
    rel = Path(spec["file"])
    csv = (root / rel).resolve()
    if rel.is_absolute() or root.resolve() not in csv.parents:
        raise _err(pack_file, f"{key}.file", f"{spec['file']!r} must be a path inside the pack")
    if not csv.is_file():
        raise _err(pack_file, f"{key}.file", f"{spec['file']!r} does not exist")
    frame, types = _read_columns(spec, csv, pack_file, key)
    if spec["time"] not in types and spec["time"] not in spec.get("derive", {}):
        raise _err(pack_file, f"{key}.time", f"{spec['time']!r} is not a declared or derived "
                   "column")
    if spec["event"] not in types:
        raise _err(pack_file, f"{key}.event", f"{spec['event']!r} is not a declared column")
    frame["__event__"] = _event_values(spec, frame, csv, pack_file, key)
    _derive(spec, frame, types, pack_file, key)
    if types.get(spec["time"]) != "number":
        raise _err(pack_file, f"{key}.time", f"{spec['time']!r} must be a number column")
    t = frame[spec["time"]].to_numpy(dtype=float)
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        rows = (np.flatnonzero(bad)[:5] + 2).tolist()
        raise _err(str(csv), f"column {spec['time']!r}", f"times must be finite and >= 0; "
                   f"line(s) {rows} are not")
    return DataSet(spec["id"], csv, spec["time"], spec["event"], spec.get("unit", ""),
                   frame, types, spec.get("source", ""))


@functools.lru_cache(maxsize=32)
def _datasets_cached(pack_toml: str, mtime: float, csv_mtimes: tuple) -> dict[str, DataSet]:
    import tomllib

    path = Path(pack_toml)
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    out: dict[str, DataSet] = {}
    for i, spec in enumerate(doc.get("data", [])):
        if spec["id"] in out:
            raise _err(pack_toml, f"data[{i}].id", f"duplicate data id {spec['id']!r}")
        out[spec["id"]] = load_dataset(spec, path.parent, pack_toml, i)
    return out


def datasets(pack_toml: Path) -> dict[str, DataSet]:
    """The data sets a (schema-validated) ``pack.toml`` declares, by id; cached per file
    version (a changed pack.toml or CSV is read again)."""
    pack_toml = Path(pack_toml)
    csvs = tuple(sorted((str(p), p.stat().st_mtime)
                        for p in pack_toml.parent.rglob("*.csv")))
    return _datasets_cached(str(pack_toml), pack_toml.stat().st_mtime, csvs)


# -- a case's reference ---------------------------------------------------------------------

def _check_column(ds: DataSet, col: str, file: str, key: str, kind: str | None = None) -> None:
    if col not in ds.frame.columns or col == "__event__":
        raise CaseFileError(file, key, f"{col!r} is not a column of data set {ds.id!r} "
                            f"(columns: {', '.join(ds.types)})")
    if kind and ds.types.get(col) != kind:
        raise CaseFileError(file, key, f"column {col!r} must be a {kind} column")


def _check_values(ds: DataSet, col: str, wanted: Any, file: str, key: str) -> None:
    """Values compared with a number column must be numbers."""
    if ds.types.get(col) != "number":
        return
    for w in wanted if isinstance(wanted, list) else [wanted]:
        try:
            float(w)
        except ValueError:
            raise CaseFileError(file, key, f"{w!r} is not a number, but {col!r} is a number "
                                "column") from None


def resolve(spec: dict, sets: dict[str, DataSet], file: str, prefix: str) -> DataRef:
    """Check a case's ``data`` table against the declared data sets; the reference."""
    src = spec["source"]
    if src not in sets:
        raise CaseFileError(file, f"{prefix}.source", f"unknown data set {src!r}; the pack "
                            f"declares {sorted(sets) or 'none'} in pack.toml [[data]]")
    ds = sets[src]
    for role in ("group", "strata", "variable"):
        if role in spec:
            _check_column(ds, spec[role], file, f"{prefix}.{role}")
    for i, col in enumerate(spec.get("covariates", [])):
        _check_column(ds, col, file, f"{prefix}.covariates[{i}]")
    for col, wanted in spec.get("subset", {}).items():
        _check_column(ds, col, file, f"{prefix}.subset.{col}")
        _check_values(ds, col, wanted, file, f"{prefix}.subset.{col}")
    if "value" in spec:
        if "variable" not in spec:
            raise CaseFileError(file, f"{prefix}.value", "value needs data.variable")
        _check_values(ds, spec["variable"], spec["value"], file, f"{prefix}.value")
    if "level" in spec and "group" not in spec:
        raise CaseFileError(file, f"{prefix}.level", "level needs data.group")
    if "group" in spec:
        levels = {_label(v) for v in ds.frame[spec["group"]].dropna()}
        for role in ("level", "numerator", "reference"):
            if role in spec and str(spec[role]) not in levels:
                raise CaseFileError(file, f"{prefix}.{role}", f"{spec[role]!r} is not a value "
                                    f"of {spec['group']!r}; values: {sorted(levels)}")
    elif any(r in spec for r in ("numerator", "reference")):
        raise CaseFileError(file, prefix, "numerator/reference need a group column")
    return DataRef(ds, dict(spec))


def _matches(series: pd.Series, wanted: Any, numeric: bool) -> np.ndarray:
    wanted = wanted if isinstance(wanted, list) else [wanted]
    if numeric:
        vals = [float(w) for w in wanted]
        return series.isin(vals).to_numpy()
    return series.isin([str(w) for w in wanted]).to_numpy()


def case_slice(ref: DataRef, need: tuple[str, ...] = ()) -> Slice:
    """The rows a case uses: subset applied, rows missing a needed column left out (counted).

    ``need`` adds columns (e.g. the variable of a baseline test) whose missing rows are left
    out too; the group and strata columns always are.

    R equivalent: ``na.omit(subset(d, col %in% values)[, used])`` (what ``survfit``,
    ``survdiff`` and ``coxph`` do with ``na.action = na.omit``), except that the number of
    rows left out is reported.
    """
    ds, spec = ref.dataset, ref.spec
    frame = ds.frame
    keep = np.ones(len(frame), dtype=bool)
    for col, wanted in spec.get("subset", {}).items():
        keep &= _matches(frame[col], wanted, ds.types.get(col) == "number")
    frame = frame[keep]
    dropped: dict[str, int] = {}
    cols = [spec[r] for r in ("group", "strata", "variable") if r in spec]
    cols += list(spec.get("covariates", [])) + list(need)
    for col in dict.fromkeys(cols):
        miss = frame[col].isna().to_numpy()
        if miss.any():
            dropped[col] = int(miss.sum())
            frame = frame[~miss]
    group = None
    if "group" in spec:
        group = np.array([_label(v) for v in frame[spec["group"]]], dtype=object)
    strata = None
    if "strata" in spec:
        strata = np.array([_label(v) for v in frame[spec["strata"]]], dtype=object)
    return Slice(frame[ds.time].to_numpy(dtype=float), frame["__event__"].to_numpy(dtype=int),
                 group, strata, frame.reset_index(drop=True), dropped)


def z_level(z: float) -> float:
    """The confidence level whose two-sided normal quantile is ``z`` (1.96 -> 0.950004...).

    Software that prints intervals with a rounded quantile (``exp(b +/- 1.96 se)``) is
    matched by this level: ``qnorm((1 + level) / 2)`` gives ``z`` back to ~1e-15, in Python
    and in R.
    """
    from scipy.stats import norm

    return float(2.0 * norm.cdf(z) - 1.0)


def is_nan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def case_data(raw: dict[str, Any], est: Any, path: Path, prefix: str
              ) -> tuple[DataRef | None, dict[str, Any]]:
    """Check a case's ``data`` and ``method`` against its estimand; the reference and options.

    Raises
    ------
    CaseFileError
        ``data`` missing for a data-backed estimand or given for another one, an option that
        does not apply (or a required one missing), an unknown data set or column.
    """
    from harness.pack.data_estimands import DATA_REQUIRED, REQUIRED, TEST_VALUES

    file = str(path)
    method = raw.get("method")
    options = dict(method) if isinstance(method, dict) else {}
    if not est.needs_data:
        if "data" in raw:
            raise CaseFileError(file, f"{prefix}.data", f"{est.name} is judged from printed "
                                "summaries; name a data-backed statistic (e.g. "
                                "median_from_data) to recompute from data")
        if options:
            raise CaseFileError(file, f"{prefix}.method", f"{est.name} takes a text "
                                "description as method, not options")
        return None, {}
    if "data" not in raw:
        raise CaseFileError(file, f"{prefix}.data", f"{est.name} is recomputed from data: "
                            "give data = { source = ... }")
    extra = sorted(set(options) - set(est.options))
    if extra:
        raise CaseFileError(file, f"{prefix}.method.{extra[0]}", f"does not apply to "
                            f"{est.name}; its options are {list(est.options)}")
    for need in REQUIRED.get(est.name, ()):
        if need not in options:
            raise CaseFileError(file, f"{prefix}.method", f"{est.name} needs method.{need}")
    if "test" in options and options["test"] not in TEST_VALUES.get(est.name, ()):
        raise CaseFileError(file, f"{prefix}.method.test", f"{options['test']!r} does not "
                            f"apply to {est.name}; expected one of "
                            f"{list(TEST_VALUES.get(est.name, ()))}")
    if "z" in options:
        if "conf_level" in options:
            raise CaseFileError(file, f"{prefix}.method.z", "give z or conf_level, not both")
        options["conf_level"] = z_level(float(options["z"]))
    for need in DATA_REQUIRED.get(est.name, ()):
        if need not in raw["data"]:
            raise CaseFileError(file, f"{prefix}.data", f"{est.name} needs data.{need}")
    sets = datasets(path.parent / "pack.toml")
    return resolve(raw["data"], sets, file, f"{prefix}.data"), options
