"""Classify every Python-vs-R difference of a fuzz set.

Classes (per key, or per block when a whole estimator raised on one side):

==================  =========================================================================
``agree``           equal within the tolerance (rtol 1e-9, atol 1e-12; the Cox LR within
                    ``1e-9 LR + 1e-12 (|loglik0| + |loglik1|)``, R's difference of two sums)
``value``           both finite, different (unexplained)
``na_mismatch``     NA/NaN on one side only (unexplained)
``error_python``    Python raised, R gave values (unexplained unless documented)
``error_r``         R stopped, Python gave values (unexplained unless documented)
``missing``         a key on one side only (unexplained)
``doc:<reason>``    a documented difference, pinned by a test (``DOCUMENTED`` below)
==================  =========================================================================

Both sides run with the set's ``timefix`` (R's ``aeqSurv`` on or off, see
:mod:`harness.core.timefix`), so sets with nearly equal times are judged like any other:
there is no ``timefix`` class any more. R's ``timefix_merged`` key (whether ``aeqSurv``
changed a time of the set) is information, not compared.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

__all__ = ["DOCUMENTED", "Finding", "classify", "UNEXPLAINED"]

UNEXPLAINED = ("value", "na_mismatch", "error_python", "error_r", "missing")

DOCUMENTED = {
    "no_events": "Cox without events: Python raises ValueError, R returns every coefficient NA",
    "exact_constant": "exact ties with a covariate constant after scaling: R's coxexact.fit "
                      "stops (NA/NaN/Inf in foreign function call), Python reports it aliased",
    "stale_variance": "R ran out of iterations (flag 1000) with more than one covariate: R "
                      "inverts a stale Cholesky factor, so its variance (SE, Wald) is not the "
                      "inverse information; coefficients and log-likelihood still agree",
    "infinite_ridge": "a coefficient flagged infinite (or a fit that ran out of iterations) "
                      "stops on a flat ridge where the score and information are ~exp(-|b|): "
                      "coefficients agree to 1e-4 of the largest coefficient, SEs to 1e-4, "
                      "the log-likelihood to 1e-9",
    "survdiff_singular": "survdiff with a singular variance: R stops ('singular'), Python uses "
                         "the Moore-Penrose inverse and sets `singular`",
    "ranout_path": "both R and Python ran out of iterations (both mark the fit not converged, "
                   "same warning) on a likelihood flat in some direction: the log-likelihoods "
                   "agree to 1e-9, the coefficients reached depend on rounding-level Cholesky "
                   "decisions along the flat direction and are not compared",
    "no_wald_df0": "every coefficient aliased (0 degrees of freedom): R's coxph has no Wald "
                   "test (numeric(0)), Python reports 0 on 0 df",
    "hr_undefined": "two-group hazard ratio with O or E = 0 or V = 0: Python raises a clear "
                    "ValueError, R's arithmetic gives 0, Inf or NaN",
    "rmst_tau_before_first": "RMST with tau before the first time of a curve: R stops "
                             "('Truncation point ... < smallest survival'), Python integrates "
                             "S = 1 up to tau (RMST = tau)",
}


@dataclass(frozen=True)
class Finding:
    set_id: str
    key: str
    cls: str
    python: object
    r: object


def _estimator(key: str) -> str:
    head = key.split("|")[0].replace("block:", "").replace("warn:", "")
    if head.startswith("km"):
        return "km " + (key.split("|")[1] if "|" in key else head[3:])
    if head.startswith("survdiff"):
        return "survdiff " + (key.split("|")[1] if "|" in key else head[-4:])
    return head


def _close(a: float, b: float, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _is_na(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _cox_context(py: dict, r: dict, ties: str) -> dict:
    warn_r, warn_p = str(r.get(f"warn:cox_{ties}", "")), str(py.get(f"warn:cox_{ties}", ""))
    ncoef = sum(1 for k in py if k.startswith(f"cox_{ties}|coef|"))
    return {"ridge": any(w in warn_r + warn_p for w in ("infinite", "Ran out")),
            "ranout_r": "Ran out" in warn_r, "ncoef": ncoef,
            "flags_agree": (("infinite" in warn_r) == ("infinite" in warn_p)
                            and ("Ran out" in warn_r) == ("Ran out" in warn_p))}


def _lr_close(ties: str, a: float, b: float, r: dict) -> bool:
    """R's LR is the difference of two sequential sums of size |loglik|: its rounding error
    reaches ~2e-13 (|loglik0| + |loglik1|) on 5e4 rows; tolerance 1e-9 LR + 1e-12 (...)."""
    ll = abs(r.get(f"cox_{ties}|loglik0", 0.0)) + abs(r.get(f"cox_{ties}|loglik1", 0.0))
    return abs(a - b) <= 1e-9 * abs(b) + 1e-12 * ll


def _value_class(key: str, a: float, b: float, py: dict, r: dict) -> str:
    if _is_na(a) and _is_na(b):
        return "agree"
    if _is_na(a) != _is_na(b):
        return "na_mismatch"
    if math.isinf(a) or math.isinf(b):
        return "agree" if a == b else "value"
    if key.startswith("cox_"):
        ties = key.split("|")[0][4:]
        if key.endswith("|lr") and _lr_close(ties, a, b, r):
            return "agree"
        if key.endswith("|lr_p") and _lr_close(ties, py.get(f"cox_{ties}|lr", math.nan),
                                               r.get(f"cox_{ties}|lr", math.nan), r):
            if _close(a, b, rtol=1e-5):  # the p of two LRs within R's cancellation error
                return "agree"
        elif _close(a, b):
            return "agree"
        ctx = _cox_context(py, r, ties)
        ll_ok = _close(py.get(f"cox_{ties}|loglik1", math.nan), r.get(f"cox_{ties}|loglik1",
                                                                       math.nan))
        field = key.split("|")[1]
        if ctx["ranout_r"] and ctx["ncoef"] > 1 and field in ("se", "wald") and ll_ok:
            return "doc:stale_variance"
        if ctx["ranout_r"] and ctx["flags_agree"] and ll_ok and field in ("coef", "se", "wald"):
            return "doc:ranout_path"
        # on the ridge a coefficient is known to ~1e-4 of the largest one (a near-zero one
        # carries noise of that absolute size)
        scale = max([abs(v) for k, v in r.items() if k.startswith(f"cox_{ties}|coef|")
                     and isinstance(v, float) and math.isfinite(v)] + [0.0])
        atol = 1e-4 * scale if field == "coef" else 1e-8
        if ctx["ridge"] and ll_ok and (field in ("coef", "se", "wald", "lr", "lr_p")
                                       and _close(a, b, rtol=1e-4, atol=atol)):
            return "doc:infinite_ridge"
        return "value"
    if key.endswith("|p") or key.endswith("_p"):
        return "agree" if _close(a, b, atol=1e-13) else "value"
    return "agree" if _close(a, b) else "value"


def _block_error_class(block: str, perr, rerr, py: dict, r: dict) -> str:
    if perr and rerr:
        return "agree"
    if block.startswith("cox_") and perr and "no events" in perr:
        return "doc:no_events"
    if block == "cox_exact" and rerr and "NA/NaN/Inf" in rerr:
        return "doc:exact_constant"
    if block.startswith("survdiff") and rerr and "singular" in rerr:
        return "doc:survdiff_singular"
    if block == "hr" and perr and "undefined" in perr:
        vals = [r.get(k) for k in ("hr|mantel-haenszel", "hr|logrank")]
        if any(v is not None and (v == 0 or not math.isfinite(v)) for v in vals):
            return "doc:hr_undefined"
    if block == "rmst" and rerr and "Truncation point" in rerr:
        return "doc:rmst_tau_before_first"
    return "error_python" if perr else "error_r"


def classify(set_id: str, py: dict, r: dict) -> list[Finding]:
    """Every key of the set with its class (``agree`` included, for the counts)."""
    out: list[Finding] = []
    blocks = {k[6:] for k in list(py) + list(r) if k.startswith("block:")}
    errs = set()
    for b in sorted(blocks):
        perr, rerr = py.get(f"block:{b}"), r.get(f"block:{b}")
        cls = _block_error_class(b, perr, rerr, py, r)
        errs.add(b)
        out.append(Finding(set_id, f"block:{b}", cls, perr, rerr))
    for key in sorted(set(py) | set(r)):
        if key.startswith(("block:", "warn:")) or key == "timefix_merged":
            continue
        blk = _block_of(key)
        if blk in errs:
            continue
        if key not in py or key not in r:
            cls = "missing"
            if key.endswith("|wald") and key in py and py.get(key[:-4] + "df") == 0.0:
                cls = "doc:no_wald_df0"
            out.append(Finding(set_id, key, cls, py.get(key), r.get(key)))
            continue
        out.append(Finding(set_id, key, _value_class(key, py[key], r[key], py, r),
                           py[key], r[key]))
    for ties in ("efron", "breslow", "exact"):
        if f"cox_{ties}|loglik1" in py and f"cox_{ties}|loglik1" in r:
            ctx = _cox_context(py, r, ties)
            if not ctx["flags_agree"]:
                out.append(Finding(set_id, f"warn:cox_{ties}", "value",
                                   py.get(f"warn:cox_{ties}", ""), r.get(f"warn:cox_{ties}", "")))
    return out


def _block_of(key: str) -> str:
    head, *rest = key.split("|")
    if head == "km":
        return f"km_{rest[0]}"
    if head == "survdiff":
        return f"survdiff_{rest[0]}"
    return head


def counts(findings: list[Finding]) -> dict[str, Counter]:
    """``{estimator: Counter(class)}``."""
    out: dict[str, Counter] = {}
    for f in findings:
        out.setdefault(_estimator(f.key), Counter())[f.cls] += 1
    return out
