"""Validated right-censored survival data: the one entry point for every estimator.

Bad input is rejected with a ValueError that names the problem and the first offending
positions; nothing is ever dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.core.timefix import aeq_times


def _positions(mask: np.ndarray, limit: int = 5) -> str:
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(int(i)) for i in idx[:limit])
    more = f" and {idx.size - limit} more" if idx.size > limit else ""
    return f"at index {shown}{more}"


def as_times(time: Any, name: str = "time") -> np.ndarray:
    """Return ``time`` as a float array; reject NaN, infinite and negative values."""
    try:
        t = np.asarray(time, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if t.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {t.shape}")
    if np.isnan(t).any():
        raise ValueError(f"{name} has NaN {_positions(np.isnan(t))}")
    if np.isinf(t).any():
        raise ValueError(f"{name} has infinite values {_positions(np.isinf(t))}")
    if (t < 0).any():
        raise ValueError(f"{name} has negative values {_positions(t < 0)}")
    return t


def as_events(event: Any, coding: str = "01", name: str = "event") -> np.ndarray:
    """Return the event indicator as a bool array (True = event, False = censored).

    Parameters
    ----------
    event : array-like
        0/1 or booleans; with ``coding="12"``, R's 1 = censored / 2 = event coding
        (``Surv(time, status)`` with status 1/2, as in ``lung``).
    coding : {"01", "12"}
        The 1/2 coding is accepted only when asked for explicitly.
    """
    if coding not in ("01", "12"):
        raise ValueError(f"coding must be '01' or '12', got {coding!r}")
    raw = np.asarray(event)
    if raw.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {raw.shape}")
    if raw.dtype == bool:
        if coding == "12":
            raise ValueError(f"{name} is boolean but coding='12' was asked for")
        return raw.copy()
    try:
        e = raw.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be 0/1 or boolean, got values of type {raw.dtype}") from None
    allowed = (0.0, 1.0) if coding == "01" else (1.0, 2.0)
    bad = ~np.isin(e, allowed)
    if bad.any():
        values = ", ".join(repr(v) for v in np.unique(raw[bad])[:5].tolist())
        hint = "" if coding == "12" or not np.isin(e, (1.0, 2.0)).all() else (
            " (this looks like R's 1/2 coding: pass coding='12' to accept it)"
        )
        raise ValueError(
            f"{name} codes must be {allowed[0]:g}/{allowed[1]:g}; found {values} "
            f"{_positions(bad)}{hint}"
        )
    return e == allowed[1]


@dataclass(frozen=True)
class SurvData:
    """Right-censored data, validated, with optional groups and strata.

    Attributes
    ----------
    time : ndarray of float
    event : ndarray of bool
    group : ndarray or None
        Group labels (any hashable values); ``levels`` gives their sorted order, which is the
        order R uses for a factor built from the same values.
    strata : ndarray or None
    timefix : bool
        Whether R's ``timefix`` rule was applied to ``time`` (``from_arrays(timefix=True)``).
    timefix_merged : int
        Rows whose time it changed (0: the times are as given).
    """

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray | None = None
    strata: np.ndarray | None = None
    timefix: bool = False
    timefix_merged: int = 0

    @classmethod
    def from_arrays(
        cls,
        time: Any,
        event: Any,
        group: Any = None,
        strata: Any = None,
        *,
        coding: str = "01",
        levels: Sequence[Any] | None = None,
        timefix: bool = True,
    ) -> SurvData:
        """Validate and build.

        Parameters
        ----------
        time, event, group, strata : array-like
        coding : {"01", "12"}
        levels : sequence, optional
        timefix : bool
            Merge times equal up to rounding error (R's ``aeqSurv``, see
            :func:`harness.core.timefix.aeq_times`) over all rows at once, groups and strata
            pooled, as R does for the model's response. R equivalent: ``survival::aeqSurv``;
            ``timefix = TRUE`` default of ``survfit``, ``survdiff`` and ``coxph.control``.

        Raises
        ------
        ValueError
            NaN, infinite or negative times; event codes other than 0/1 (or 1/2 when
            ``coding="12"``); lengths that differ; missing group labels; a group listed in
            ``levels`` with no rows; no rows at all; a ``timefix`` that is not a bool.
        """
        t = as_times(time)
        e = as_events(event, coding)
        if t.size == 0:
            raise ValueError("no observations: time is empty")
        if e.size != t.size:
            raise ValueError(f"length mismatch: time has {t.size} values, event has {e.size}")
        g = cls._labels(group, t.size, "group")
        s = cls._labels(strata, t.size, "strata")
        if levels is not None and g is not None:
            present = set(g.tolist())
            empty = [lv for lv in levels if lv not in present]
            if empty:
                raise ValueError(f"group(s) {empty!r} have no rows")
            unknown = sorted(present - set(levels), key=str)
            if unknown:
                raise ValueError(f"group labels {unknown!r} are not among levels {list(levels)!r}")
        if not isinstance(timefix, (bool, np.bool_)):
            raise ValueError(f"timefix must be True or False, got {timefix!r}")
        if not timefix:
            return cls(t, e, g, s)
        fixed = aeq_times(t)
        merged = 0 if fixed is t else int(np.count_nonzero(fixed != t))
        return cls(fixed, e, g, s, True, merged)

    @staticmethod
    def _labels(values: Any, n: int, name: str) -> np.ndarray | None:
        if values is None:
            return None
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
        if arr.size != n:
            raise ValueError(f"length mismatch: time has {n} values, {name} has {arr.size}")
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise ValueError(f"{name} has missing labels (NaN) {_positions(np.isnan(arr))}")
        if arr.dtype == object and any(v is None for v in arr):
            raise ValueError(f"{name} has missing labels (None)")
        return arr

    @property
    def n(self) -> int:
        return int(self.time.size)

    def levels(self) -> list:
        """Sorted distinct group labels (R's default factor level order)."""
        if self.group is None:
            return []
        return sorted(set(self.group.tolist()))

    def group_codes(self) -> tuple[np.ndarray, list]:
        """Integer code per row (index into :meth:`levels`) and the levels."""
        if self.group is None:
            return np.zeros(self.n, dtype=np.intp), [None]
        g = self.group
        if g.dtype.kind in "iub" and g.size:
            # small-range integer labels (the usual 0/1, 1/2 coding): codes in O(n), no sort
            a = g.astype(np.int64)
            lo = int(a.min())
            span = int(a.max()) - lo
            if span < 1_000_000:
                present = np.bincount(a - lo, minlength=span + 1) > 0
                lut = np.cumsum(present) - 1
                uniq = np.flatnonzero(present) + lo
                return lut[a - lo].astype(np.intp), uniq.astype(g.dtype).tolist()
        try:
            uniq, codes = np.unique(self.group, return_inverse=True)
            return codes.astype(np.intp, copy=False).reshape(-1), uniq.tolist()
        except TypeError:  # mixed label types numpy cannot sort: fall back to Python
            lv = self.levels()
            index = {v: i for i, v in enumerate(lv)}
            return np.fromiter((index[v] for v in self.group.tolist()), np.intp, self.n), lv
