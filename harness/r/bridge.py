"""The bridge to R: the only module of the package that imports rpy2.

Everything that crosses it comes back as Python floats, numpy arrays, dicts or pandas frames,
never as rpy2 objects. Conversion rules are applied with a *local* converter for each call;
nothing is activated globally. R code the harness calls lives in ``harness/r/*.R`` and is
sourced once per process into a private environment.

R equivalent: not applicable (this module is the way to R).
"""

from __future__ import annotations

import functools
import os
import shutil
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from harness.errors import RError, RUnavailable

#: R packages the harness needs, with the Debian package that provides each.
REQUIRED_R_PACKAGES: dict[str, str] = {
    "survival": "r-cran-survival",
    "coin": "r-cran-coin",
    "boot": "r-cran-boot",
}


_R_STDERR: list[str] = []
#: how R's integer NA arrives in numpy (INT_MIN)
_R_NA_INTEGER = -2147483648


def _na_int(arr: np.ndarray) -> np.ndarray:
    """Integer arrays holding R's NA become float arrays with NaN there."""
    if arr.dtype.kind == "i" and arr.size and (arr == _R_NA_INTEGER).any():
        out = arr.astype(float)
        out[arr == _R_NA_INTEGER] = np.nan
        return out
    return arr


@dataclass(frozen=True)
class Availability:
    """Whether R can be used, and if not, exactly why."""

    ok: bool
    reason: str
    r_version: str | None = None


#: set to anything but "" or "0" to make the harness behave as if R were not installed
NO_R_ENV = "HARNESS_NO_R"


def probe() -> Availability:
    """Find out whether R, its packages and rpy2 are usable; never raises.

    The environment variable ``HARNESS_NO_R`` (any value but "" or "0") switches R off: the
    probe then reports R unavailable with that reason, e.g. to see what a machine without R
    gets (R tests skip with the reason; in CI they fail).

    Returns
    -------
    Availability
        ``ok`` is True when R loads through rpy2 and every package of
        :data:`REQUIRED_R_PACKAGES` is installed; otherwise ``reason`` is one sentence that
        says what to install.
    """
    if os.environ.get(NO_R_ENV, "") not in ("", "0"):
        return Availability(False, f"R is switched off by the environment variable {NO_R_ENV}")
    return _probe()


@functools.cache
def _probe() -> Availability:
    if shutil.which("R") is None and shutil.which("Rscript") is None:
        return Availability(
            False,
            "R is not installed: install the Debian packages r-base-core "
            + " ".join(REQUIRED_R_PACKAGES.values()),
        )
    try:
        import rpy2.robjects as ro  # noqa: F401
    except Exception as exc:  # ImportError, OSError, undefined symbols, R_HOME problems
        return Availability(False, f"rpy2 cannot load R ({type(exc).__name__}: {exc})")
    try:
        version = str(ro.r("R.version.string")[0])
        have = ro.r("function(p) vapply(p, requireNamespace, logical(1), quietly = TRUE)")
        flags = list(have(ro.StrVector(list(REQUIRED_R_PACKAGES))))
    except Exception as exc:
        return Availability(False, f"R loaded but failed to answer ({exc})")
    missing = [p for p, ok in zip(REQUIRED_R_PACKAGES, flags) if not ok]
    if missing:
        debs = " ".join(REQUIRED_R_PACKAGES[p] for p in missing)
        return Availability(
            False,
            f"R package(s) {', '.join(missing)} missing: install the Debian package(s) {debs}",
            version,
        )
    return Availability(True, "R is available", version)


probe.cache_clear = _probe.cache_clear  # the finding is cached once per process


def require() -> None:
    """Raise :class:`~harness.errors.RUnavailable` unless R is usable."""
    status = probe()
    if not status.ok:
        raise RUnavailable(status.reason)


@functools.cache
def _converter():
    """The local conversion rules (built once: building them took ~2 ms, once per R call)."""
    import rpy2.robjects as ro
    from rpy2.robjects import numpy2ri, pandas2ri

    return ro.default_converter + numpy2ri.converter + pandas2ri.converter


@functools.cache
def _env():
    """Private R environment holding the harness's R functions (sourced once)."""
    require()
    import rpy2.robjects as ro
    from rpy2.rinterface_lib import callbacks

    # R's console output on stderr (error and warning text) is kept, not printed: errors reach
    # the caller as RError with R's message, warnings are not part of any result.
    callbacks.consolewrite_warnerror = _R_STDERR.append
    env = ro.r("new.env(parent = globalenv())")
    # survival attached last, so its data sets (aml, ...) mask boot's namesakes
    ro.r("suppressPackageStartupMessages({library(boot); library(coin); library(survival)})")
    for item in sorted(resources.files("harness.r").iterdir(), key=lambda p: p.name):
        if item.name.endswith(".R"):
            ro.r["sys.source"](str(item), envir=env)
    return env


def _to_py(obj: Any) -> Any:
    """Turn what R returned (after local conversion) into plain Python objects."""
    from rpy2 import rinterface as ri
    from rpy2 import robjects as ro
    from rpy2.rinterface_lib import sexp

    if isinstance(obj, pd.DataFrame):
        obj.columns = [str(c) for c in obj.columns]
        for col in obj.columns:  # R's integer NA arrives as INT_MIN: make it NaN
            if obj[col].dtype.kind == "i" and (obj[col] == _R_NA_INTEGER).any():
                obj[col] = obj[col].where(obj[col] != _R_NA_INTEGER).astype(float)
        return obj
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "US" or obj.dtype == object:
            return [str(x) for x in obj.tolist()]
        return _na_int(obj)
    if isinstance(obj, (ri.LangSexpVector, ri.SexpClosure, ri.SexpEnvironment)):
        # passing a call back to R as an argument would evaluate it; callers never need it
        return f"<R {type(obj).__name__}>"
    if isinstance(obj, dict):  # rpy2's OrdDict for named lists under numpy2ri
        items = list(obj.items())
        if any(k is None or k == "" for k, _ in items):
            return [_to_py(v) for _, v in items]
        return {str(k): _to_py(v) for k, v in items}
    if isinstance(obj, (ro.vectors.ListVector, ri.ListSexpVector)):
        names = (
            [str(n) for n in obj.names]
            if obj.names is not sexp.NULL and obj.names is not None
            else None
        )
        values = [_to_py(v) for v in obj]
        if names and all(isinstance(n, str) and n for n in names):
            return dict(zip(names, values))
        return values
    if obj is sexp.NULL or obj is None:
        return None
    if isinstance(obj, (ro.vectors.FactorVector,)):
        return [str(x) for x in obj.iter_labels()]
    if isinstance(obj, (ro.vectors.StrVector, ri.StrSexpVector)):
        return [str(x) for x in obj]
    if isinstance(obj, (ro.vectors.Vector, ri.SexpVector)):
        return _na_int(np.asarray(obj))
    return obj


def _to_r(value: Any):
    """Turn a Python argument into an R object."""
    import rpy2.rinterface as ri
    import rpy2.robjects as ro

    if isinstance(value, dict):
        with _local():
            return ro.vectors.ListVector({k: _to_r(v) for k, v in value.items()})
    if isinstance(value, str):
        return ro.StrVector([value])
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value):
            return ro.StrVector(list(value))
        value = np.asarray(value)
    if isinstance(value, (bool, np.bool_)):
        return ro.BoolVector([bool(value)])
    if isinstance(value, (int, np.integer)):
        return ro.IntVector([int(value)])
    if isinstance(value, (float, np.floating)):
        return ro.FloatVector([float(value)])
    if isinstance(value, np.ndarray) and value.ndim == 1:
        # plain R vectors, not 1-d arrays with a dim attribute (which some R code rejects,
        # e.g. summary(survfit, times = <1-d array>) for grouped fits)
        kind = value.dtype.kind
        if kind == "b":
            return ro.BoolVector(value.tolist())
        if kind in "iu":
            return _int_vector(value)
        if kind == "f":
            # one memory copy (10^6 values: ~0.02 s; through a Python list ~1 s)
            return ro.FloatVector(ri.FloatSexpVector.from_memoryview(
                memoryview(np.ascontiguousarray(value, dtype=np.float64))))
        if kind in "USO":
            return ro.StrVector([str(v) for v in value.tolist()])
    with _local():
        return ro.conversion.get_conversion().py2rpy(value)


def _int_vector(value: np.ndarray):
    """An integer array as an R integer vector; values beyond R's int range (or R's NA code)
    take the element-wise path, which refuses them as before."""
    import rpy2.rinterface as ri
    import rpy2.robjects as ro

    v = value.astype(np.int64)
    if v.size and (int(v.min()) <= _R_NA_INTEGER or int(v.max()) > 2**31 - 1):
        return ro.IntVector(v.tolist())
    return ro.IntVector(ri.IntSexpVector.from_memoryview(
        memoryview(np.ascontiguousarray(v, dtype=np.int32))))


def _local():
    from rpy2.robjects.conversion import localconverter

    return localconverter(_converter())


def _simplify(value: Any) -> Any:
    """Length-1 numeric arrays become floats (or ints), recursively inside dicts and lists."""
    if isinstance(value, np.ndarray) and value.ndim <= 1 and value.size == 1:
        item = value.reshape(-1)[0]
        if value.dtype.kind == "b":
            return bool(item)
        if value.dtype.kind in "iu":
            return int(item)
        return float(item)
    if isinstance(value, dict):
        return {k: _simplify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_simplify(v) for v in value]
    return value


def call(function: str, *args: Any, simplify: bool = True, **kwargs: Any) -> Any:
    """Call one of the harness's R functions (``harness/r/*.R``) or any R function by name.

    Parameters
    ----------
    function : str
        Name of the R function; looked up in the harness's R environment, whose parent is the
        global environment, so base and attached packages resolve too (``"survival::survdiff"``
        style names are accepted).
    *args, **kwargs
        Python values: numbers, strings, sequences, numpy arrays, pandas frames, dicts (as
        named lists).
    simplify : bool
        Return length-1 vectors as Python scalars.

    Returns
    -------
    object
        floats, numpy arrays, lists of str, dicts (named lists) or pandas frames.

    Raises
    ------
    RUnavailable
        R cannot be used.
    RError
        R signalled an error; carries R's message.
    """
    import rpy2.robjects as ro
    from rpy2.rinterface_lib.embedded import RRuntimeError

    env = _env()
    try:
        if "::" in function:
            fn = ro.r(function)
        else:
            fn = ro.r["get"](function, envir=env)
        r_args = [_to_r(a) for a in args]
        r_kwargs = {k.replace("_", "."): _to_r(v) for k, v in kwargs.items()}
        with _local():
            out = fn(*r_args, **r_kwargs)
            result = _to_py(out)
    except RRuntimeError as exc:
        raise RError(function, _r_message(exc)) from None
    return _simplify(result) if simplify else result


def evaluate(code: str, **bindings: Any) -> Any:
    """Evaluate R code in a fresh environment where ``bindings`` are defined.

    Used by tests to keep the exact R call beside the number it checks, e.g.
    ``evaluate("survdiff(Surv(time, status) ~ sex, data = lung)$chisq")``.
    """
    import rpy2.robjects as ro
    from rpy2.rinterface_lib.embedded import RRuntimeError

    env = ro.r("new.env")(parent=_env())
    try:
        for name, value in bindings.items():
            env[name] = _to_r(value)
        with _local():
            out = ro.r["eval"](ro.r["parse"](text=code), envir=env)
            result = _to_py(out)
    except RRuntimeError as exc:
        raise RError(code if len(code) < 80 else code[:77] + "...", _r_message(exc)) from None
    return _simplify(result)


def dataset(name: str, package: str = "survival") -> pd.DataFrame:
    """Load a data set that ships with an R package as a pandas frame.

    Factors become pandas categoricals with R's level order; R's NA becomes NaN.

    R equivalent: ``data(name, package = package)``.
    """
    frame = evaluate(
        "d <- as.data.frame(getExportedValue(package, name)); "
        "for (v in names(d)) if (is.factor(d[[v]])) d[[v]] <- as.character(d[[v]]); d",
        name=name,
        package=package,
    )
    if not isinstance(frame, pd.DataFrame):
        raise RError(f"data({name})", f"{name} did not convert to a data frame")
    return frame.reset_index(drop=True)


def _r_message(exc: Exception) -> str:
    msg = str(exc)
    try:
        import rpy2.robjects as ro

        last = str(ro.r("geterrmessage()")[0]).strip()
        if last:
            msg = last
    except Exception:
        pass
    return msg
