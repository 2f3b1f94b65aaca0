"""The Python side of the fuzz suite: the same keys as ``harness/tools/fuzz/fuzz.R``, from the core.

Values: ``{key: float}``; an estimator that raises gives ``{"block:NAME": "ERR: message"}``;
Cox warnings are kept as ``{"warn:cox_TIES": "message"}``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from harness.tools.fuzz.generate import FuzzSet

__all__ = ["CONF_TYPES", "python_values"]

CONF_TYPES = ("plain", "log", "log-log", "logit", "arcsin")


def _block(out: dict, name: str, fn: Callable[[], None]) -> None:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fn()
        msgs = [str(w.message) for w in caught if w.category.__name__ == "CoxWarning"]
        if msgs:
            out[f"warn:{name}"] = " | ".join(msgs)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        out[f"block:{name}"] = f"ERR: {exc}"


def _km(out: dict, s: FuzzSet, group: np.ndarray, ct: str) -> None:
    from harness.core.km import KaplanMeier

    if not s.km_times:
        return
    km = KaplanMeier(conf_type=ct).fit(s.time, s.status, group, timefix=s.timefix)
    a = km.at(s.km_times, extend=True)
    for i in range(a.group.size):
        k = f"km|{ct}|{a.group[i]}|{s.km_times.index(float(a.time[i])) + 1}|"
        if ct == "log":
            out[k + "surv"] = float(a.survival[i])
            out[k + "std.err"] = float(a.std_err[i])
        out[k + "lower"] = float(a.lower[i])
        out[k + "upper"] = float(a.upper[i])


def _quantile(out: dict, s: FuzzSet, group: np.ndarray) -> None:
    from harness.core.km import KaplanMeier
    from harness.core.quantiles import quantiles

    q = quantiles(KaplanMeier().fit(s.time, s.status, group, timefix=s.timefix),
                  (0.25, 0.5, 0.75), rule="R")
    for i in range(q.group.size):
        k = f"quantile|{round(100 * q.prob[i])}|{q.group[i]}|"
        out[k + "est"] = float(q.estimate[i])
        out[k + "lower"] = float(q.lower[i])
        out[k + "upper"] = float(q.upper[i])


def _rmst(out: dict, s: FuzzSet, group: np.ndarray) -> None:
    from harness.core.km import KaplanMeier
    from harness.core.rmst import rmst

    res = rmst(KaplanMeier().fit(s.time, s.status, group, timefix=s.timefix), s.tau)
    for i in range(res.group.size):
        out[f"rmst|{res.group[i]}|rmean"] = float(res.rmst[i])
        out[f"rmst|{res.group[i]}|se"] = float(res.se[i])


def _survdiff(out: dict, s: FuzzSet, rho: int) -> None:
    from harness.core.logrank import survdiff

    res = survdiff(s.time, s.status, s.group, s.strata, rho=float(rho), timefix=s.timefix)
    out[f"survdiff|rho{rho}|chisq"] = float(res.chisq)
    out[f"survdiff|rho{rho}|p"] = float(res.p_value)


def _hr(out: dict, s: FuzzSet) -> None:
    from harness.core.hazard import hazard_ratio

    for method in ("mantel-haenszel", "logrank"):
        out[f"hr|{method}"] = float(hazard_ratio(s.time, s.status, s.group, method=method,
                                                 timefix=s.timefix).hr)


def _cox(out: dict, s: FuzzSet, ties: str) -> None:
    from harness.core.cox import coxph

    k = int(s.group.max()) + 1
    x = np.column_stack([(s.group == j).astype(float) for j in range(1, k)])
    fit = coxph(s.time, s.status, x, s.strata, ties=ties, timefix=s.timefix)
    p = f"cox_{ties}|"
    for j in range(k - 1):
        out[f"{p}coef|{j + 1}"] = float(fit.coef[j])
        out[f"{p}se|{j + 1}"] = float(fit.se[j])
    out[p + "loglik0"], out[p + "loglik1"] = (float(v) for v in fit.loglik)
    out[p + "score"] = fit.score.chisq
    out[p + "wald"] = fit.wald.chisq
    out[p + "lr"] = fit.lr.chisq
    out[p + "lr_p"] = fit.lr.p_value
    out[p + "df"] = float(fit.lr.df)
    out[p + "iter"] = float(fit.iterations)


def python_values(s: FuzzSet, exact: bool) -> dict:
    """Every key of ``fuzz.R`` for one set, computed by the core."""
    out: dict = {}
    group = s.group if s.group is not None else np.zeros(s.n, dtype=int)
    for ct in CONF_TYPES:
        _block(out, f"km_{ct}", lambda ct=ct: _km(out, s, group, ct))
    _block(out, "quantile", lambda: _quantile(out, s, group))
    _block(out, "rmst", lambda: _rmst(out, s, group))
    if s.group is None or s.group.max() < 1:
        return out
    for rho in (0, 1):
        _block(out, f"survdiff_rho{rho}", lambda rho=rho: _survdiff(out, s, rho))
    if s.group.max() == 1 and s.strata is None:
        _block(out, "hr", lambda: _hr(out, s))
    for ties in ("efron", "breslow") + (("exact",) if exact else ()):
        _block(out, f"cox_{ties}", lambda ties=ties: _cox(out, s, ties))
    return out
