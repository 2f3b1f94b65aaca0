"""Data-backed cases: a printed number recomputed from the pack's patient data.

The case names its data (``data = {...}``: data set, subset, group, strata, variable) and the
convention that printed it (``method = {...}``: conf type, median rule, ties, weights, tau,
time). The number is recomputed with the survival core and the summary tests in Python and
with R (``harness/r/data.R``); the two must agree to 1e-9, then the printed number is judged
at its printed precision: a p by :func:`harness.audit.judge.judge_p`, any other number by
interval overlap, an interval or a mean ± SD bound by bound, and a median printed ``NR`` is
consistent exactly when the recomputed curve (or band) never falls to 0.5.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

from harness.audit.checks import data_compute
from harness.audit.checks.common import candidate_details, r_disagreement, record
from harness.audit.checks.registry import check
from harness.audit.context import Context
from harness.audit.judge import Candidate, judge_p, overlaps
from harness.audit.records import CaseResult
from harness.pack import printed
from harness.pack.cases import Case
from harness.pack.data import case_slice
from harness.pack.data_estimands import TEST_VALUES
from harness.pack.printed import fmt


def _printed_parts(case: Case) -> list:
    """The printed numbers judged, one per recomputed value name."""
    v = case.value
    if isinstance(v, (printed.Interval, printed.MedianInterval)):
        return [v.lower, v.upper]
    if isinstance(v, printed.MeanSD):
        return [v.mean, v.sd]
    return [v]


def _scale(case: Case, part) -> float:
    """Percent printing: a proportion (survival) is compared as a percentage."""
    if case.statistic == "percentage_from_data":
        return 1.0
    pct = isinstance(part, printed.Number) and part.percent
    return 100.0 if pct or case.options.get("percent") else 1.0


def _candidates(case: Case, vals: data_compute.Values, names: tuple[str, ...]) -> list:
    out = []
    for name, part in zip(names, _printed_parts(case)):
        k = _scale(case, part)
        py = vals.python[name] * k
        r = None if vals.r is None else vals.r[name] * k
        out.append(Candidate(name, name, py, r))
    return out


def _judge_part(case: Case, part, c: Candidate, ctx: Context) -> tuple[str, str]:
    if isinstance(part, printed.NotReached):
        if math.isnan(c.python):
            return "consistent", f"printed {part.text}: the recomputed {c.method} is not reached"
        return "inconsistent", (f"printed {part.text} (not reached), but {c.label} is "
                                f"{fmt(c.python)}")
    if isinstance(part, printed.NotSignificant):
        sig = ctx.paper.significant(c.python)
        return ("inconsistent" if sig else "consistent",
                f"printed {part.text}; recomputed p {fmt(c.python)} is "
                f"{'' if sig else 'not '}significant at alpha={ctx.paper.alpha:g}")
    if math.isnan(c.python):
        return "inconsistent", f"printed {part.text}, but {c.label} is not reached (NA)"
    if case.estimand.is_p:
        j = judge_p(part, [c], ctx.paper)
        return j.verdict, j.message
    if overlaps(part, c):
        return "consistent", f"printed {part.text} reproduced by {c.label} {fmt(c.python, 6)}"
    return "inconsistent", f"{c.label} {fmt(c.python, 6)} does not round to printed {part.text}"


_ORDER = ["decision_error", "inconsistent", "consistent"]

#: other conventions tried (Python only) when the declared one does not reproduce the print
_ALTERNATIVES = {
    data_compute.km: {"conf_type": ["log", "log-log", "plain", "logit", "arcsin"]},
    data_compute.median: {"median_rule": ["R", "prism", "spss", "sas", "lifelines"],
                          "conf_type": ["log", "log-log", "plain"]},
    data_compute.logrank: {"weights": ["logrank", "peto", "gehan-breslow", "tarone-ware",
                                       "peto-peto", "modified-peto"]},
    data_compute.hazard: {"hr_method": ["mantel-haenszel", "logrank", "cox"],
                          "ties": ["efron", "breslow", "exact"]},
    data_compute.cox: {"ties": ["efron", "breslow", "exact"]},
}


#: catalogue family (harness/conventions) of each recomputation
_FAMILY = {data_compute.km: "km", data_compute.median: "median",
           data_compute.logrank: "logrank", data_compute.hazard: "hr", data_compute.cox: "cox"}


def _reproduces(case: Case, fn, names, sl, opts: dict, ctx: Context) -> bool:
    try:
        vals = fn(dataclasses.replace(case, options=opts), sl, False)
    except ValueError:
        return False
    return all(_judge_part(case, part, c, ctx)[0] == "consistent"
               for part, c in zip(_printed_parts(case), _candidates(case, vals, names)))


def _alternatives(case: Case, fn, names, sl, ctx: Context) -> tuple[list[str], list[str]]:
    """Other conventions under which every printed part is reproduced: the option settings
    (``conf_type=log-log``) and the catalogued software conventions that imply them
    (:mod:`harness.conventions`), Python only."""
    from harness.conventions import conventions_for, normal_options

    grid = dict(_ALTERNATIVES.get(fn, {}))
    if fn is data_compute.baseline and case.statistic in TEST_VALUES:
        grid = {"test": list(TEST_VALUES[case.statistic])}
    grid = {k: v for k, v in grid.items() if k in case.estimand.options}
    family = _FAMILY.get(fn)
    declared = normal_options(case.options, family)
    tried: dict[tuple, dict] = {}
    for combo in itertools.product(*grid.values()):
        opts = normal_options({**case.options, **dict(zip(grid, combo))}, family)
        tried.setdefault(tuple(sorted(opts.items())), opts)
    labels: dict[tuple, list[str]] = {}
    for conv, opts in conventions_for(case.statistic, case.options):
        key = tuple(sorted(opts.items()))
        tried.setdefault(key, opts)
        labels.setdefault(key, []).append(conv.label)
    found, names_found = [], []
    for key, opts in tried.items():
        if opts == declared or not _reproduces(case, fn, names, sl, opts, ctx):
            continue
        diff = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                         for k, v in opts.items() if declared.get(k) != v)
        found.append(diff + (f" ({'; '.join(labels[key])})" if key in labels else ""))
        names_found += labels.get(key, [])
    return found, names_found


@check("from_data")
def check_from_data(case: Case, ctx: Context) -> CaseResult:
    """Recompute a data-backed case in Python and R and judge the printed number."""
    name = "from_data"
    fn, names = data_compute.FAMILIES[case.statistic]
    need = (case.data.spec["variable"],) if "variable" in case.data.spec else ()
    sl = case_slice(case.data, need)
    try:
        vals = fn(case, sl, ctx.use_r)
    except ValueError as exc:
        return record(case, name, "error", f"cannot recompute from data: {exc}", ctx)
    cands = _candidates(case, vals, names)
    details = candidate_details(cands)
    details.update(convention=vals.convention, rows=int(sl.time.size), **vals.extra)
    if sl.note:
        details["dropped"] = sl.dropped
    bad = r_disagreement(case, name, ctx, cands, details)
    if bad:
        return bad
    verdicts, messages = [], []
    for part, c in zip(_printed_parts(case), cands):
        v, msg = _judge_part(case, part, c, ctx)
        verdicts.append(v)
        messages.append(msg)
    verdict = next(v for v in _ORDER if v in verdicts)
    message = "; ".join(messages) + f" [{vals.convention}; {sl.time.size} rows"
    message += f"; {sl.note}]" if sl.note else "]"
    if verdict != "consistent":
        alt, conventions = _alternatives(case, fn, names, sl, ctx)
        details["alternatives"] = [a.split(" (", 1)[0] for a in alt]
        details["conventions"] = conventions
        message += ("; reproduced under another convention: " + "; ".join(alt) if alt
                    else "; no other convention tried reproduces it")
    if vals.r is None and ctx.use_r and not vals.exact:
        message += f" [R not asked: {vals.r_note}]"
    c0 = cands[0]
    return record(case, name, verdict, message, ctx, c0.python, c0.r, details,
                  exact=vals.exact or (vals.r is None and bool(vals.r_note)))
