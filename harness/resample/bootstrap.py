"""Case-resampling bootstrap of censored-data statistics, with ``boot.ci``'s intervals.

Case resampling (``boot::censboot(sim = "ordinary")``, optionally stratified by group) of the
median, the Kaplan-Meier survival at a time, the RMST, the Mantel-Haenszel and the Cox hazard
ratio, with the normal, basic, percentile and BCa intervals of :mod:`harness.resample.intervals`.
The replicates are computed for a block of resamples at once
(:class:`harness.resample.statistics.BootstrapStatistics`); blocks, seeds and threads are
:mod:`harness.resample.engine`'s.

R equivalent: ``boot::censboot(data, statistic, R = B, sim = "ordinary")`` with
``boot::boot.ci(..., type = c("norm", "basic", "perc", "bca"))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from harness.core.survdata import SurvData
from harness.resample import engine
from harness.resample.args import check_B, check_choice, check_conf, check_seed, group_codes
from harness.resample.intervals import INTERVAL_TYPES, boot_intervals
from harness.resample.statistics import BootstrapStatistics

#: Statistics :func:`bootstrap` can resample.
BOOTSTRAP_STATISTICS = ("median", "survival", "rmst", "mh_hr", "cox_hr")
#: BCa's regression estimate of the influence values is attempted up to this many rows.
_BCA_MAX_ROWS = 4000


@dataclass(frozen=True)
class BootstrapResult:
    """Case-resampling bootstrap of a censored-data statistic.

    Attributes
    ----------
    statistic : str
        ``"median"``, ``"survival"`` (KM at ``time``), ``"rmst"`` (up to ``tau``),
        ``"mh_hr"`` or ``"cox_hr"`` (second level vs first).
    columns : tuple of str
        One label per column of ``t`` (one per group for median / survival / rmst with
        groups, as ``boot``'s ``t`` matrix).
    t0 : ndarray (p,)
    t : ndarray (B, p)
        Replicates, NaN where the statistic is undefined on a resample (median not reached,
        time after the last observation, a group absent or without events for a hazard
        ratio, an infinite Cox coefficient).
    undefined : ndarray of int (p,)
        Number of NaN replicates per column. As ``boot.ci``, every interval is computed from
        the finite replicates only (``R`` = the finite count); they are never silently
        replaced.
    intervals : DataFrame
        One row per column and interval type: ``column``, ``type``, ``conf``, ``lower``,
        ``upper``, ``note``.
    influence : ndarray (p, n) or None
        Empirical influence values used by BCa (``empinf(type = "reg")``).
    conf_level : float
    B : int
    seed : int or None
        ``None`` when the resample indices were given.
    stratified : bool
        Resampled within groups (``censboot(..., strata = group)``).
    indices : ndarray (B, n) or None
        0-based resample indices, kept with ``return_indices=True``.

    R equivalent: ``b <- censboot(data, statistic, R = B, strata = group, sim = "ordinary");
    boot.ci(b, conf = conf_level, type = c("norm", "basic", "perc", "bca"), index = j)``.
    """

    statistic: str
    columns: tuple
    t0: np.ndarray
    t: np.ndarray = field(repr=False)
    undefined: np.ndarray
    intervals: pd.DataFrame = field(repr=False)
    influence: np.ndarray | None = field(repr=False)
    conf_level: float
    B: int
    seed: int | None
    stratified: bool
    indices: np.ndarray | None = field(default=None, repr=False)

    @property
    def bias(self) -> np.ndarray:
        """``mean(t) - t0`` over finite replicates (boot's printed bias, with NA removed)."""
        means = [np.nanmean(np.where(np.isfinite(c), c, np.nan)) for c in self.t.T]
        return np.array(means) - self.t0

    @property
    def std_error(self) -> np.ndarray:
        """``sd(t)`` over finite replicates."""
        return np.array([np.std(c[np.isfinite(c)], ddof=1) if np.isfinite(c).sum() > 1
                         else np.nan for c in self.t.T])

    @property
    def summary(self) -> pd.DataFrame:
        """One row per column: t0, bias, SE, undefined, and lower/upper of each interval."""
        frame = pd.DataFrame(
            {"t0": self.t0, "bias": self.bias, "std_error": self.std_error,
             "undefined": self.undefined, "B": self.B},
            index=pd.Index(list(self.columns), name="column"),
        )
        for ty in INTERVAL_TYPES:
            rows = self.intervals[self.intervals["type"] == ty].set_index("column")
            if len(rows):
                frame[f"{ty}_lower"] = rows["lower"].reindex(frame.index).to_numpy()
                frame[f"{ty}_upper"] = rows["upper"].reindex(frame.index).to_numpy()
        return frame


def bootstrap(
    time: Any,
    event: Any,
    group: Any = None,
    *,
    statistic: str = "median",
    at: float | None = None,
    tau: float | None = None,
    B: int = 2000,
    seed: int | None = None,
    stratify: bool = False,
    conf_level: float = 0.95,
    types: Sequence[str] = INTERVAL_TYPES,
    indices: np.ndarray | None = None,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    n_jobs: int | None = None,
    progress: bool | None = None,
    return_indices: bool = False,
    timefix: bool = True,
) -> BootstrapResult:
    """Case-resampling bootstrap with ``boot.ci``'s intervals.

    Parameters
    ----------
    time, event : array-like
        Validated by :class:`harness.core.survdata.SurvData`.
    group : array-like, optional
        Required for the hazard ratios (two groups); for median / survival / rmst it gives one
        statistic per group (columns of ``t``).
    statistic : {"median", "survival", "rmst", "mh_hr", "cox_hr"}
        ``"median"``: R's ``quantile(survfit(...), 0.5)`` rule; ``"survival"``: the KM at
        ``at`` (``summary(fit, times = at)$surv``); ``"rmst"``: RMST up to ``tau``
        (``summary(fit, rmean = tau)``); ``"mh_hr"``: ``exp((O1 - E1) / V)``;
        ``"cox_hr"``: ``exp(coef(coxph(Surv ~ group)))``, Efron ties.
    at, tau : float
        Time for ``"survival"``, truncation time for ``"rmst"``.
    B : int
        Replicates (>= 1).
    seed : int or None
    stratify : bool
        Resample within groups (``censboot(..., strata = group)``).
    conf_level : float
    types : subset of {"normal", "basic", "percent", "bca"}
    indices : ndarray (B, n), optional
        0-based resample indices to use instead of the generator (e.g. ``boot.array(b,
        indices = TRUE) - 1`` from R), for exact comparisons.
    n_jobs, progress
        As :func:`permutation_test`.
    return_indices : bool
        Keep the (B, n) matrix of 0-based resample indices in the result (``indices``), e.g.
        to recompute the replicates in R (``d[idx[k, ] + 1, ]``).
    timefix : bool
        Merge times equal up to rounding error once, on the full data (R's ``aeqSurv``).
        R's ``survfit`` inside ``censboot`` merges within each resample instead; the two
        differ only for a chain of near-ties broken up by a resample (or a gap within
        rounding of the threshold).

    Returns
    -------
    BootstrapResult

    Raises
    ------
    ValueError
        Bad data, B < 1, a non-integer seed, a group without rows, a missing ``at`` /
        ``tau``, a hazard ratio without exactly two groups, ``indices`` of the wrong shape or
        range, or a statistic undefined on the original data.

    Notes
    -----
    R equivalent: ``censboot(d, function(d) quantile(survfit(Surv(time, status) ~ 1, d),
    0.5, conf.int = FALSE), R = B, sim = "ordinary")`` then ``boot.ci(b, type = c("norm",
    "basic", "perc", "bca"))``. boot.ci's BCa uses ``empinf(b, type = "reg")`` (regression
    of the replicates on the resampling frequencies; boot's default for ordinary
    bootstraps, not the jackknife); it is reproduced here from the frequencies of the
    resamples, over the finite replicates (as ``empinf.reg``). It needs more finite
    replicates than rows and at most 4000 rows, otherwise BCa is NaN with the reason.
    """

    check_choice("statistic", statistic, BOOTSTRAP_STATISTICS)
    types = tuple(types)
    for ty in types:
        if ty not in INTERVAL_TYPES:
            raise ValueError(f"interval type must be one of {INTERVAL_TYPES}; got {ty!r}")
    conf = check_conf(conf_level)
    data = SurvData.from_arrays(time, event, group, coding=coding, levels=levels,
                                timefix=timefix)
    eng, columns = _statistics(data, statistic, levels, stratify, at, tau)
    n = data.n
    t0 = eng.evaluate(np.arange(n)[None, :])[0]
    if not np.all(np.isfinite(t0)):
        bad = [c for c, v in zip(columns, t0) if not np.isfinite(v)]
        raise ValueError(
            f"the statistic is undefined on the original data for {bad} (e.g. the median is "
            "not reached, or a group has no events): a bootstrap of it is meaningless")
    strata = eng.g if stratify else np.zeros(n, np.intp)
    if indices is not None:
        I_all = _check_indices(indices, n)
        B, seed_v = I_all.shape[0], None
    else:
        I_all, B, seed_v = None, check_B(B), check_seed(seed)
    want_L = "bca" in types and n <= _BCA_MAX_ROWS and B > n
    t, sums, kept = _replicates(eng, t0, strata, I_all, B, seed_v, want_L, return_indices,
                                n_jobs, progress)
    undefined = (~np.isfinite(t)).sum(axis=0)
    if want_L:
        influence, L_notes = _influence(sums, strata, len(columns))
    else:
        influence, L_notes = None, [""] * len(columns)
        if "bca" in types:
            why = (f"n = {n} rows with B = {B}: influence values by regression need B > n "
                   f"and n <= {_BCA_MAX_ROWS} (boot's glm would give NA coefficients and "
                   "boot.ci stop)")
            L_notes = [why] * len(columns)
    rows = _interval_rows(columns, t0, t, conf, types, influence, L_notes, undefined)
    return BootstrapResult(
        statistic=statistic, columns=columns, t0=t0, t=t, undefined=undefined,
        intervals=pd.DataFrame(rows), influence=influence, conf_level=conf, B=B,
        seed=seed_v, stratified=bool(stratify),
        indices=np.concatenate(kept, axis=0) if return_indices else None,
    )


def _statistics(data: SurvData, statistic: str, levels, stratify: bool, at,
                tau) -> tuple[BootstrapStatistics, tuple]:
    """Validate the statistic's arguments; the per-replicate engine and the column labels."""
    if data.group is not None:
        g, lv = group_codes(data, levels)
    else:
        g, lv = np.zeros(data.n, np.intp), [None]
    k = len(lv)
    if statistic in ("mh_hr", "cox_hr") and (data.group is None or k != 2):
        raise ValueError(f"statistic={statistic!r} needs a group with exactly two levels")
    if stratify and data.group is None:
        raise ValueError("stratify=True needs a group to resample within")
    at_v = tau_v = None
    if statistic == "survival":
        if at is None or not np.isfinite(float(at)) or float(at) < 0:
            raise ValueError(f"statistic='survival' needs a finite time at >= 0, got {at!r}")
        at_v = float(at)
    if statistic == "rmst":
        if tau is None or not np.isfinite(float(tau)) or float(tau) <= 0:
            raise ValueError(f"statistic='rmst' needs a finite tau > 0, got {tau!r}")
        tau_v = float(tau)
    per_group = data.group is not None and statistic in ("median", "survival", "rmst")
    eng = BootstrapStatistics(data, g, k, statistic, at_v, tau_v, per_group)
    if statistic in ("mh_hr", "cox_hr"):
        columns = (f"HR {lv[1]}/{lv[0]}",)
    elif per_group:
        columns = tuple(f"{statistic}[{v}]" for v in lv)
    else:
        columns = (statistic,)
    return eng, columns


def _check_indices(indices: Any, n: int) -> np.ndarray:
    I_all = np.asarray(indices)
    if I_all.ndim != 2 or I_all.shape[1] != n:
        raise ValueError(f"indices must have shape (B, {n}), got {I_all.shape}")
    if I_all.dtype.kind not in "iu" or I_all.min() < 0 or I_all.max() >= n:
        raise ValueError(f"indices must be integers in [0, {n - 1}] (0-based)")
    return I_all


def _replicates(eng: BootstrapStatistics, t0: np.ndarray, strata: np.ndarray,
                I_all: np.ndarray | None, B: int, seed: int | None, want_L: bool,
                return_indices: bool, n_jobs, progress):
    """Replicates ``t`` (B, p), per-block sums for the influence regression, kept indices."""
    n, p = eng.n, t0.size
    pos = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    rows_per = max(1, min(4096, engine.BUDGET // max(n, eng.m * eng.k * 2)))
    parts = engine.blocks(B, rows_per)
    children = engine.block_seeds(seed, len(parts)) if I_all is None else [None] * len(parts)
    kept: list = [None] * len(parts)

    def work(i, a, b):
        if I_all is None:
            I = _draw(np.random.default_rng(children[i]), b - a, n, pos)
        else:
            I = I_all[a:b].astype(np.int64)
        tt = eng.evaluate(I)
        if return_indices:
            kept[i] = I.astype(np.int32)
        return tt, (_frequency_sums(I, tt, t0, n, p) if want_L else None)

    jobs = engine.n_jobs(n_jobs, float(B) * max(n, eng.m * eng.k * 2))
    res = engine.run(parts, work, jobs, engine.Progress(B, "bootstrap", progress))
    t = np.concatenate([r[0] for r in res], axis=0)
    return t, [r[1] for r in res], kept


def _draw(rng: np.random.Generator, m: int, n: int, pos: list[np.ndarray]) -> np.ndarray:
    """``m`` resamples of row indices (m, n), within each stratum when there are several."""
    if len(pos) == 1:
        return rng.integers(0, n, (m, n))
    I = np.empty((m, n), np.int64)
    for q in pos:
        I[:, q] = q[rng.integers(0, q.size, (m, q.size))]
    return I


def _frequency_sums(I: np.ndarray, tt: np.ndarray, t0: np.ndarray, n: int, p: int) -> list:
    """Per column, over finite replicates: count and the sums for regressing t on frequencies."""
    m = I.shape[0]
    F = np.bincount((np.arange(m)[:, None] * n + I).ravel(),
                    minlength=m * n).reshape(m, n).astype(float) - 1.0
    sums = []
    for c in range(p):
        fin = np.isfinite(tt[:, c])
        Fc, tc = F[fin], tt[fin, c] - t0[c]
        sums.append((int(fin.sum()), Fc.sum(0), Fc.T @ Fc, Fc.T @ tc, tc.sum()))
    return sums


def _influence(sums: list, strata: np.ndarray, p: int) -> tuple[np.ndarray, list[str]]:
    """``empinf(type = "reg")``: influence values per column from the frequency regression."""
    n = strata.size
    levels = np.unique(strata)
    pos = [np.flatnonzero(strata == s) for s in levels]
    inc = np.setdiff1d(np.arange(n), np.array([q[0] for q in pos]))
    influence = np.full((p, n), np.nan)
    notes = [""] * p
    for c in range(p):
        N = sum(s[c][0] for s in sums)
        if N <= inc.size + 1:
            notes[c] = (f"{N} finite replicates for {inc.size} regression columns: "
                        "empinf(type='reg') is singular (boot.ci stops)")
            continue
        Sf = sum(s[c][1] for s in sums)
        Sff = sum(s[c][2] for s in sums)
        Sft = sum(s[c][3] for s in sums)
        St = sum(s[c][4] for s in sums)
        mf, mt = Sf / N, St / N
        Cff = Sff / N - np.outer(mf, mf)
        Cft = Sft / N - mf * mt
        A = Cff[np.ix_(inc, inc)]
        if np.linalg.cond(A) > 1e12:
            notes[c] = "regression for empinf(type='reg') is singular (boot.ci stops)"
            continue
        beta = np.linalg.solve(A, Cft[inc])
        ns = np.array([q.size for q in pos])[np.searchsorted(levels, strata)]
        l = np.zeros(n)
        l[inc] = beta * ns[inc]
        for q in pos:
            l[q] -= l[q].mean()
        influence[c] = l
    return influence, notes


def _interval_rows(columns, t0, t, conf, types, influence, L_notes, undefined) -> list[dict]:
    """One row per column and interval type, with the notes (BCa's, NA replicates dropped)."""
    rows = []
    for c in range(len(columns)):
        L = influence[c] if influence is not None else None
        iv = boot_intervals(float(t0[c]), t[:, c], conf, types, L)
        for ty in types:
            lo, hi, note = iv[ty]
            if ty == "bca" and L_notes[c] and not note.startswith("all"):
                note = L_notes[c]
            if undefined[c]:
                note = "; ".join(x for x in (note, f"{undefined[c]} NA replicates dropped") if x)
            rows.append({"column": columns[c], "type": ty, "conf": conf, "lower": lo,
                         "upper": hi, "note": note})
    return rows
