"""Every estimand and variant on the user's own data: Python next to R next to lifelines.

``harness crosscheck DATA.csv --time COL --event COL [--group COL]`` reads a CSV, computes
each estimand with the survival core, with R ``survival`` through the bridge, and with
lifelines where it has the estimand, and reports the relative difference Python vs R.
Variants that R's ``survival`` does not have (Prism, SPSS and SAS median rules,
Gehan-Breslow-Wilcoxon, Tarone-Ware, Fleming-Harrington) are listed with Python only.
"""

from __future__ import annotations

import gc
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from harness.core.agreement import agree, rel_diff
from harness.core.km import CONF_TYPES, KaplanMeier
from harness.core.survdata import SurvData
from harness.tools.crossinput import compact_labels, group_levels, level_codes, time_label


@dataclass(frozen=True)
class CrossRecord:
    """One estimand x variant x group, by three implementations."""

    estimand: str
    variant: str
    group: str
    python: float
    r: float | None
    lifelines: float | None
    rel_diff: float | None
    agree: bool | None
    note: str = ""
    #: ids of the catalogued software conventions that print this value (harness.conventions)
    conventions: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def _fmt_t(t: float) -> str:
    """A time in a result key; R receives the same text (see ``crossinput.time_label``)."""
    return time_label(t)


#: relative error allowed in a log partial likelihood when the likelihood-ratio statistic
#: ``2 (l(b) - l(0))`` is formed: both terms are of size ~n log n and cancel, so their rounding
#: and convergence error (~1e-11 of |l(0)| each) is absolute in the statistic; the LR p then
#: agrees when ``|p_py - p_R| <= 1e-9 * max(|p|) + f(X) * 2 * LOGLIK_REL_ERR * |l(0)|``, with
#: ``f`` the chi-square(1) density at the statistic X
LOGLIK_REL_ERR = 1e-11


def lr_allowance(chisq: float, loglik0: float) -> float:
    """Absolute allowance for a Python-vs-R difference in a Cox likelihood-ratio p."""
    from scipy import stats

    if not (math.isfinite(chisq) and math.isfinite(loglik0)):
        return 0.0
    return float(stats.chi2.pdf(max(chisq, 1e-300), 1)) * 2 * LOGLIK_REL_ERR * abs(loglik0)


#: R's coxph.control(eps) in the crosscheck (harness/r/crosscheck.R) and ours
COX_EPS = 1e-12


def coef_allowance(se: float, loglik0: float) -> float:
    """Absolute allowance for a Python-vs-R difference in a Cox coefficient.

    Both fits stop when the log partial likelihood changes by less than ``COX_EPS`` of
    itself, and it is only known to ``LOGLIK_REL_ERR`` of itself (sums of ~n log n terms);
    near the maximum ``l(b) = l(b*) - (b - b*)^2 / (2 se^2)``, so a stop is anywhere within
    ``se * sqrt(2 (COX_EPS + LOGLIK_REL_ERR) |l(0)|)`` of the maximum. At 10^6 rows
    (``|l| ~ 8e6``) that is ~0.02 SE: R's eps test then sits below its own rounding and can
    take a last half-step off the maximum (seen: R 2.6e-9 off, its score test there 1e-12;
    Python's 2e-18).
    """
    if not (math.isfinite(se) and math.isfinite(loglik0)):
        return 0.0
    return se * math.sqrt(2 * (COX_EPS + LOGLIK_REL_ERR) * abs(loglik0))


def wald_p_allowance(z: float, se: float, loglik0: float) -> float:
    """:func:`coef_allowance` carried to the two-sided Wald p (``|dp/dz| = 2 phi(z)``)."""
    from scipy import stats

    if not (math.isfinite(z) and se > 0):
        return 0.0
    return 2 * float(stats.norm.pdf(z)) * coef_allowance(se, loglik0) / se


#: above this many rows the exact-ties Cox fit (exponential in the tie sizes) is skipped in
#: Python and R alike, and the output says so; efron and breslow are always computed
EXACT_TIES_MAX_N = 5000
#: ... and above this many tied events at one time
EXACT_TIES_MAX_TIED = 60


#: above this many rows lifelines' group tests are skipped and the output says so on their rows:
#: its Cox fit (the Efron step loops in Python over the distinct times: ~25-50 s at 10^6 rows,
#: more than everything else together) and its log-rank test (~400 bytes a row: +0.4 GB at
#: 10^6). lifelines' KM, median and RMST (one curve per group) still run at any size.
LIFELINES_TESTS_MAX_N = 100_000

#: the note of the group-test rows when no event occurred (all censored)
NO_EVENTS_NOTE = ("no events (all censored): the group tests, hazard ratios and Cox model are "
                  "undefined; not computed in Python or R")


def exact_ties_feasible(time: np.ndarray, event: np.ndarray) -> tuple[bool, str]:
    """Whether the exact-ties Cox fit is run, and the reason when it is not."""
    if time.size > EXACT_TIES_MAX_N:
        return False, (f"exact-ties Cox skipped: {time.size} rows > {EXACT_TIES_MAX_N} "
                       "(its cost grows with the tie sizes; efron and breslow are shown)")
    if event.any():
        _, counts = np.unique(time[event], return_counts=True)
        if counts.max() > EXACT_TIES_MAX_TIED:
            return False, (f"exact-ties Cox skipped: {int(counts.max())} events tied at one "
                           f"time > {EXACT_TIES_MAX_TIED}")
    return True, ""


def default_times(time: np.ndarray, event: np.ndarray) -> list[float]:
    """Three times inside follow-up: the 25th, 50th and 75th percentiles of event times."""
    ev = np.sort(time[event]) if event.any() else np.sort(time)
    return sorted({float(np.quantile(ev, q, method="lower")) for q in (0.25, 0.5, 0.75)})


def python_values(data: SurvData, times: list[float], tau: float,
                  levels: list | None = None,
                  allow: dict[str, float] | None = None,
                  timefix: bool = True) -> dict[str, tuple[float, str]]:
    """Every estimand in Python: key ``estimand|variant|group`` -> (value, note).

    ``data`` holds the times as given; every estimator applies ``timefix`` (R's aeqSurv)
    itself, as R's functions do. ``allow`` receives, for keys formed by cancellation (Cox LR
    p), the absolute difference from R that still counts as agreement (see
    :data:`LOGLIK_REL_ERR`)."""
    from harness.core import quantiles as qmod
    from harness.core.rmst import rmst

    out: dict[str, tuple[float, str]] = {}
    group = data.group if data.group is not None else np.full(data.n, "all", dtype=object)
    for ct in CONF_TYPES:
        km = KaplanMeier(conf_type=ct).fit(data.time, data.event, group, timefix=timefix)
        at = km.at(times, extend=True).summary
        del km
        gc.collect()  # a fit refers to itself (groups_): free its n-sized arrays before the next
        for _, row in at.iterrows():
            label, tt = str(row["group"]), _fmt_t(row["time"])
            if ct == "log":
                out[f"km_survival(t={tt})|-|{label}"] = (row["survival"], "")
                out[f"km_std_err(t={tt})|greenwood|{label}"] = (row["std_err"], "")
            out[f"km_lower(t={tt})|{ct}|{label}"] = (row["lower"], "")
            out[f"km_upper(t={tt})|{ct}|{label}"] = (row["upper"], "")
    km = KaplanMeier().fit(data.time, data.event, group, timefix=timefix)
    for rule in qmod.RULES:
        q = qmod.median(km, rule=rule).summary
        for _, row in q.iterrows():
            label = str(row["group"])
            name = "R" if rule == "R" else rule
            out[f"median|{name}|{label}"] = (row["estimate"], str(row.get("reason", "") or ""))
            if rule == "R":
                out[f"median_lower|R (log)|{label}"] = (row["lower"], "")
                out[f"median_upper|R (log)|{label}"] = (row["upper"], "")
    res = rmst(km, tau).summary
    del km
    gc.collect()
    for _, row in res.iterrows():
        label = str(row["group"])
        out[f"rmst(tau={_fmt_t(tau)})|-|{label}"] = (row["rmst"], "")
        out[f"rmst_se(tau={_fmt_t(tau)})|-|{label}"] = (row["se"], "")
    levels = levels or data.levels()
    if data.group is not None and len(levels) >= 2:
        out.update(_group_tests(data, levels, {} if allow is None else allow, timefix))
    return out


def pair_label(levels: list) -> str:
    """The group field of HR and Cox rows: ``B vs A`` with A the reference (HR = 1)."""
    return f"{levels[1]} vs {levels[0]}"


def _group_tests(data: SurvData, levels: list, allow: dict[str, float],
                 timefix: bool = True) -> dict[str, tuple[float, str]]:
    from harness.core import logrank
    from harness.core.cox import coxph
    from harness.core.hazard import hazard_ratio

    out: dict[str, tuple[float, str]] = {}
    t, e, g = data.time, data.event, data.group
    if not e.any():
        return _no_event_rows(levels)
    variants = {
        "log-rank (rho=0)": dict(weights="logrank"),
        "Peto & Peto (rho=1)": dict(weights="peto", rho=1.0),
        "Gehan-Breslow-Wilcoxon": dict(weights="gehan-breslow"),
        "Tarone-Ware": dict(weights="tarone-ware"),
        "Fleming-Harrington (1,1)": dict(weights="fleming-harrington", rho=1.0, gamma=1.0),
    }
    for name, kw in variants.items():
        res = logrank.weighted_logrank(t, e, g, timefix=timefix, **kw)
        out[f"chisq|{name}|-"] = (res.chisq, "")
        out[f"p|{name}|-"] = (res.p_value, "")
    if len(levels) == 2:
        pair = pair_label(levels)
        for method, name in (("mantel-haenszel", "Mantel-Haenszel (Prism)"),
                             ("logrank", "logrank (O/E ratio)")):
            try:
                hr = hazard_ratio(t, e, g, method=method, numerator=levels[1], levels=levels,
                                  timefix=timefix)
                out[f"hr|{name}|{pair}"] = (hr.hr, "")
            except ValueError as exc:
                out[f"hr|{name}|{pair}"] = (math.nan, str(exc))
        x = (g == levels[1]).astype(float)
        exact_ok, why = exact_ties_feasible(t, e)
        for ties in ("efron", "breslow", "exact"):
            if ties == "exact" and not exact_ok:
                out[f"cox_coef|exact|{pair}"] = (math.nan, why)
                continue
            # the control crosscheck.R uses
            fit = coxph(t, e, x, ties=ties, eps=COX_EPS, max_iter=50, timefix=timefix)
            note = "" if fit.converged and not fit.infinite.any() else "coefficient may be infinite"
            out[f"cox_coef|{ties}|{pair}"] = (float(fit.coef[0]), note)
            out[f"cox_se|{ties}|{pair}"] = (float(fit.se[0]), note)
            out[f"cox_wald_p|{ties}|{pair}"] = (float(fit.p[0]), note)
            out[f"cox_lr_p|{ties}|{pair}"] = (fit.lr.p_value, note)
            allow[f"cox_lr_p|{ties}|{pair}"] = lr_allowance(fit.lr.chisq, fit.loglik[0])
            se, l0 = float(fit.se[0]), float(fit.loglik[0])
            allow[f"cox_coef|{ties}|{pair}"] = coef_allowance(se, l0)
            allow[f"cox_wald_p|{ties}|{pair}"] = wald_p_allowance(float(fit.z[0]), se, l0)
            out[f"cox_score_p|{ties}|{pair}"] = (fit.score.p_value, note)
    return out


def _no_event_rows(levels: list) -> dict[str, tuple[float, str]]:
    """The group-test rows when nothing happened: NaN with :data:`NO_EVENTS_NOTE`."""
    out = {f"p|{name}|-": (math.nan, NO_EVENTS_NOTE) for name in (
        "log-rank (rho=0)", "Peto & Peto (rho=1)", "Gehan-Breslow-Wilcoxon", "Tarone-Ware",
        "Fleming-Harrington (1,1)")}
    if len(levels) == 2:
        pair = pair_label(levels)
        out[f"hr|Mantel-Haenszel (Prism)|{pair}"] = (math.nan, NO_EVENTS_NOTE)
        for ties in ("efron", "breslow", "exact"):
            out[f"cox_coef|{ties}|{pair}"] = (math.nan, NO_EVENTS_NOTE)
    return out


def r_values(data: SurvData, times: list[float], tau: float,
             levels: list | None = None, timefix: bool = True) -> dict[str, float]:
    """The same keys computed by R ``survival`` (``harness/r/crosscheck.R``).

    The level order (reference first), the time labels of the keys and whether the
    exact-ties Cox fit runs are passed to R, so both sides key and orient every value alike.
    """
    from harness.r import bridge as rbridge

    levels = list(levels or data.levels())
    # integer codes into the level order cross the bridge, not one string per row
    codes = (level_codes(data.group, levels) + 1 if data.group is not None
             else np.ones(data.n, dtype=np.int32))
    levels = [str(v) for v in levels] or ["all"]
    res = rbridge.call(
        "harness_crosscheck", data.time, data.event.astype(np.int32),
        codes, np.asarray(times, float), float(tau),
        data.group is not None, np.asarray(levels, dtype=str),
        np.asarray([_fmt_t(t) for t in times] or [""], dtype=str), _fmt_t(tau),
        exact_ties_feasible(data.time, data.event)[0],
        pair_label(levels) if len(levels) == 2 else "-", bool(timefix), simplify=False,
    )
    return {k: float(np.asarray(v).reshape(-1)[0]) for k, v in res.items()}


def lifelines_values(data: SurvData, times: list[float], tau: float,
                     levels: list | None = None,
                     notes: dict[str, str] | None = None) -> dict[str, float]:
    """The keys lifelines has: KM survival and log-log limits, median, RMST, log-rank, Cox efron.

    Above :data:`LIFELINES_TESTS_MAX_N` rows the log-rank test and the Cox fit are skipped and
    ``notes`` receives, for their keys, the sentence that says so."""
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test
    from lifelines.utils import restricted_mean_survival_time

    out: dict[str, float] = {}
    group = data.group if data.group is not None else np.full(data.n, "all", dtype=object)
    for label in sorted(set(group.tolist())):
        m = group == label
        kmf = KaplanMeierFitter().fit(data.time[m], data.event[m])
        ci = kmf.confidence_interval_survival_function_
        for tt in times:
            s = float(kmf.survival_function_at_times(tt).iloc[0])
            out[f"km_survival(t={_fmt_t(tt)})|-|{label}"] = s
            idx = ci.index[ci.index <= tt].max()
            out[f"km_lower(t={_fmt_t(tt)})|log-log|{label}"] = float(ci.loc[idx].iloc[0])
            out[f"km_upper(t={_fmt_t(tt)})|log-log|{label}"] = float(ci.loc[idx].iloc[1])
        out[f"median|lifelines|{label}"] = float(kmf.median_survival_time_)
        out[f"rmst(tau={_fmt_t(tau)})|-|{label}"] = float(
            restricted_mean_survival_time(kmf, t=tau))
    if data.group is not None and len(data.levels()) >= 2 and data.n > LIFELINES_TESTS_MAX_N:
        why = (f"lifelines log-rank and Cox skipped: {data.n} rows > {LIFELINES_TESTS_MAX_N} "
               "(their cost: ~0.4 GB and ~30 s at 10^6 rows)")
        levels = levels or data.levels()
        keys = ["chisq|log-rank (rho=0)|-", "p|log-rank (rho=0)|-"]
        if len(levels) == 2:
            keys += [f"cox_coef|efron|{pair_label(levels)}", f"cox_se|efron|{pair_label(levels)}"]
        if notes is not None:
            notes.update(dict.fromkeys(keys, why))
    elif data.group is not None and len(data.levels()) >= 2:
        res = multivariate_logrank_test(data.time, data.group, data.event)
        out["chisq|log-rank (rho=0)|-"] = float(res.test_statistic)
        out["p|log-rank (rho=0)|-"] = float(res.p_value)
        levels = levels or data.levels()
        if len(levels) == 2:
            pair = pair_label(levels)
            x = (data.group == levels[1]).astype(int)
            frame = pd.DataFrame({"T": data.time, "E": data.event.astype(int), "x": x})
            try:
                cph = CoxPHFitter().fit(frame, "T", "E")
                out[f"cox_coef|efron|{pair}"] = float(cph.params_["x"])
                out[f"cox_se|efron|{pair}"] = float(cph.standard_errors_["x"])
            except Exception:  # lifelines raises on separation; reported as missing
                pass
    return out


def _release_freed_memory() -> None:
    """Return freed heap pages to the system (glibc's ``malloc_trim``; elsewhere a no-op).

    R frees its fits of 10^6 rows after the call (``gc()`` in crosscheck.R), but glibc keeps
    the freed pages mapped: without the trim they count against the peak of what follows."""
    import ctypes
    import ctypes.util

    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def crosscheck(time: Any, event: Any, group: Any = None, *, times: list[float] | None = None,
               tau: float | None = None, use_r: bool = True, coding: str = "01",
               use_lifelines: bool = True, reference: Any = None,
               timefix: bool = True) -> list[CrossRecord]:
    """Compute every estimand x variant with Python, R and lifelines.

    Parameters
    ----------
    time, event, group : array-like
        Validated by :class:`~harness.core.survdata.SurvData` (``coding="12"`` for R's 1/2).
    times : list of float, optional
        Times for the KM rows (default: quartiles of the event times).
    tau : float, optional
        RMST horizon (default: the smallest of the groups' largest times).
    use_r, use_lifelines : bool
    reference : label, optional
        The reference group (HR = 1; default the first label in code-point order). HR and Cox
        rows name it: group ``B vs A``.
    timefix : bool
        R's ``timefix`` (aeqSurv merge of nearly equal times, harness/core/timefix.py) on both
        sides: R equivalent: survival::aeqSurv; timefix=TRUE default (``survfit``,
        ``survdiff``, ``coxph.control``). lifelines never merges.

    Returns
    -------
    list of CrossRecord
        ``rel_diff`` and ``agree`` compare Python with R (1e-9); None where R has no
        equivalent.
    """
    if not isinstance(timefix, bool):
        raise ValueError(f"timefix must be True or False, got {timefix!r}")
    # as given: each estimator applies timefix itself
    data = SurvData.from_arrays(time, event, compact_labels(group), coding=coding, timefix=False)
    levels = group_levels(data.group, reference) if data.group is not None else []
    times = times or default_times(data.time, data.event)
    if tau is None:
        groups = data.group if data.group is not None else np.zeros(data.n)
        tau = float(min(data.time[groups == g].max() for g in np.unique(groups)))
    allow: dict[str, float] = {}
    py = python_values(data, times, tau, levels, allow, timefix)
    rv = r_values(data, times, tau, levels, timefix) if use_r else {}
    _release_freed_memory()
    lf_notes: dict[str, str] = {}
    lf = lifelines_values(data, times, tau, levels, lf_notes) if use_lifelines else {}
    gc.collect()  # lifelines' n-sized frames are garbage in reference cycles
    records = []
    for key, (value, note) in py.items():
        estimand, variant, label = key.split("|", 2)
        if key in lf_notes:
            note = (note + "; " if note else "") + lf_notes[key]
        r = rv.get(key)
        if use_r and r is None and not note:
            note = "R survival has no such variant"
        ok = None if r is None else (agree(float(value), r)
                                     or abs(float(value) - r) <= allow.get(key, 0.0))
        if ok and not agree(float(value), r):
            why = ("cancellation allowance {:.1g} (LR statistic)" if estimand == "cox_lr_p" else
                   "optimizer allowance {:.1g} (where the log-likelihood stops the fits)")
            note = (note + "; " if note else "") + "agrees within the " + why.format(allow[key])
        records.append(CrossRecord(
            estimand, variant, label, float(value), r, lf.get(key),
            None if r is None else rel_diff(float(value), r), ok, note))
    missing = sorted(set(rv) - set(py))
    if missing:  # an R key with no Python counterpart is a bug in the mapping, not a result
        raise RuntimeError(f"R computed estimands Python did not: {missing[:5]}")
    from harness.tools.crossconv import annotate

    return annotate(records)


def read_csv(path: str, time: str, event: str, group: str | None,
             missing_labels: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read the user's CSV (see :func:`harness.tools.crossinput.read_csv`): group labels as
    text, missing or non-numeric times and events named by file, column and row."""
    from harness.tools import crossinput

    return crossinput.read_csv(path, time, event, group, missing_labels)
