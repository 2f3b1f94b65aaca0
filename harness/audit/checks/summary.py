"""Baseline-table arithmetic: totals, percentages of counts, pooled mean ± SD, pooled
median (range). Each recomputation runs in Python and R (``harness/r/audit.R``).
"""

from __future__ import annotations

import numpy as np

from harness.audit.checks.common import (
    box_points,
    candidate,
    candidate_details,
    grid,
    r_call,
    r_disagreement,
    record,
)
from harness.audit.checks.registry import check
from harness.audit.context import Context
from harness.audit.judge import Candidate, overlaps
from harness.pack import printed
from harness.pack.cases import Case
from harness.pack.printed import fmt


@check("count_sum", uses_r=False)
def check_count_sum(case: Case, ctx: Context):
    """A printed total against the sum of its printed parts (exact integers)."""
    check = "count_sum"
    parts = case.inputs.get("parts")
    if not parts:
        return record(case, check, "unverifiable",
                      "a count printed alone: nothing printed determines it", ctx, exact=True)
    total = case.value
    py = float(sum(parts))  # exact integer arithmetic: nothing for R to cross-check
    c = Candidate("sum", "sum of the parts", py, None)
    labels = case.inputs.get("labels") or []
    shown = " + ".join(f"{n} {lab}".strip() for n, lab in
                       zip(parts, labels + [""] * (len(parts) - len(labels))))
    details = candidate_details([c])
    if total.relation == "=" and total.decimals == 0 and total.value == py:
        return record(case, check, "consistent", f"{case.published} = {shown}", ctx, py, None,
                      details, exact=True)
    if total.relation == "=" and total.decimals == 0:
        return record(case, check, "inconsistent",
                      f"printed total {case.published}, but {shown} = {py:g} "
                      f"(off by {total.value - py:+g})", ctx, py, None, details, exact=True)
    ok = total.allows(py)
    return record(case, check, "consistent" if ok else "inconsistent",
                  f"printed {case.published} vs {shown} = {py:g}", ctx, py, None, details,
                  exact=True)


@check("percent_of_count", uses_r=False)
def check_percent_of_count(case: Case, ctx: Context):
    """GRIM-style: ``count / n * 100`` must round to the printed percentage.

    When it does not, the message names the counts of the same n that would (a slip).
    """
    check = "percent_of_count"
    count, n = case.inputs["count"], case.inputs["n"]
    pct = case.value
    py = 100.0 * count / n  # one IEEE division: nothing for R to cross-check
    c = Candidate("percent", f"{count}/{n}", py, None)
    of = case.inputs.get("of")
    shown = f"{count}/{n}" + (f" ({of})" if of else "")
    details = candidate_details([c])
    if count > n:
        return record(case, check, "inconsistent",
                      f"count {count} exceeds its denominator {n}", ctx, py, None, details,
                      exact=True)
    if pct.allows(py):
        return record(case, check, "consistent", f"{shown} = {fmt(py)}% rounds to {pct.text}",
                      ctx, py, None, details, exact=True)
    fits = [k for k in range(n + 1) if pct.allows(100.0 * k / n)]
    hint = (f"; count {', '.join(map(str, fits))} of {n} would give it" if fits
            else f"; no count of {n} gives it")
    return record(case, check, "inconsistent",
                  f"{shown} = {fmt(py)}%, which does not round to {pct.text}{hint}",
                  ctx, py, None, details, exact=True)


def _pooled(n, means, sds):
    """Total mean and SD of groups, exactly (within + between sums of squares)."""
    n = np.asarray(n, float)
    means, sds = np.atleast_2d(means), np.atleast_2d(sds)
    N = n.sum()
    m = means @ n / N
    within = (sds ** 2) @ (n - 1)
    between = ((means - m[:, None]) ** 2) @ n
    return m, np.sqrt((within + between) / (N - 1))


def pooled_mean_sd(n, means, sds) -> tuple[np.ndarray, np.ndarray]:
    """Public form of :func:`_pooled`: rows of ``means``/``sds`` are points, columns groups.

    R equivalent: ``harness_pooled_mean_sd`` (``harness/r/audit.R``).
    """
    return _pooled(n, means, sds)


@check("pooled_mean_sd")
def check_pooled_mean_sd(case: Case, ctx: Context):
    """A total mean ± SD against the pooled groups' mean ± SD and sizes.

    Mean: ``sum(n_i m_i) / N``; SD: ``sqrt((sum (n_i-1) s_i^2 + sum n_i (m_i - M)^2)/(N-1))``.
    Over the rounding box of every group's printed mean and SD (the three points low, printed,
    high of each; exact for the mean, and for the SD when the group means' intervals do not
    overlap).
    """
    check = "pooled_mean_sd"
    groups = case.inputs["groups"]
    n = np.array([g["n"] for g in groups], float)
    ms = [printed.parse_mean_sd(g["mean_sd"]) for g in groups]
    axes = [box_points(x.mean) for x in ms] + [box_points(x.sd, positive=True) for x in ms]
    cols = grid(*axes)
    k = len(groups)
    means, sds = np.column_stack(cols[:k]), np.column_stack(cols[k:])
    pm, ps = _pooled(n, means, sds)
    r = r_call(ctx, "harness_pooled_mean_sd", n, means, sds)
    cm = candidate("mean", "pooled mean", pm, None if r is None else r["mean"])
    cs = candidate("sd", "pooled SD", ps, None if r is None else r["sd"])
    bad = r_disagreement(case, check, ctx, [cm, cs])
    if bad:
        return bad
    tot = case.value
    ok_m, ok_s = overlaps(tot.mean, cm), overlaps(tot.sd, cs)
    shown = (f"pooled mean {fmt(cm.python)} ({fmt(cm.low)} to {fmt(cm.high)}), SD "
             f"{fmt(cs.python)} ({fmt(cs.low)} to {fmt(cs.high)}) from n = "
             + ", ".join(str(g["n"]) for g in groups))
    details = candidate_details([cm, cs])
    if ok_m and ok_s:
        return record(case, check, "consistent", f"{case.published} matches the {shown}",
                      ctx, cm.python, cm.r, details)
    wrong = [w for w, ok in (("mean " + tot.mean.text, ok_m), ("SD " + tot.sd.text, ok_s))
             if not ok]
    return record(case, check, "inconsistent",
                  f"the total's {' and '.join(wrong)} cannot come from the groups: {shown}; "
                  "unless some group values are missing from the total",
                  ctx, (cm if not ok_m else cs).python, (cm if not ok_m else cs).r, details)


@check("pooled_median_range", uses_r=False)
def check_pooled_median_range(case: Case, ctx: Context):
    """A total median (range) against the groups' medians and ranges.

    The pooled median lies between the smallest and largest group median; the pooled range
    runs from the smallest group minimum to the largest group maximum. A group printed without
    its range only bounds the total's range from one side.
    """
    check = "pooled_median_range"
    groups = case.inputs["groups"]
    meds, mins, maxs, missing = [], [], [], []
    for g in groups:
        if g.get("median_range"):
            mr = printed.parse_median_range(g["median_range"])
            meds.append(mr.median)
            mins.append(mr.range.lower)
            maxs.append(mr.range.upper)
        elif g.get("median"):
            meds.append(printed.parse_number(g["median"]))
            missing.append(g["label"])
        else:
            missing.append(g["label"])
    tot = case.value
    med_vals = np.array([m.value for m in meds])
    py_med = (float(min(m.lo for m in meds)), float(max(m.hi for m in meds)))
    # min, max and comparisons only: exact, so nothing for R to cross-check
    c_med = Candidate("median", "between the group medians", float(np.median(med_vals)),
                      None, py_med[0], py_med[1])
    cands = [c_med]
    if mins:
        lo_py = float(min(x.value for x in mins))
        hi_py = float(max(x.value for x in maxs))
        cands += [Candidate("min", "smallest group minimum", lo_py, None),
                  Candidate("max", "largest group maximum", hi_py, None)]
    problems, notes = [], []
    if not overlaps(tot.median, c_med):
        problems.append(f"the median {tot.median.text} is outside the group medians "
                        f"({', '.join(m.text for m in meds)})")
    if mins:
        t_lo, t_hi = tot.range.lower, tot.range.upper
        gmin, gmax = cands[1].python, cands[2].python
        if missing:
            if t_lo.value > gmin:
                problems.append(f"the minimum {t_lo.text} is above a group minimum {gmin:g}")
            if t_hi.value < gmax:
                problems.append(f"the maximum {t_hi.text} is below a group maximum {gmax:g}")
            notes.append(f"no range printed for {', '.join(missing)}: its values must reach "
                         + (f"{t_hi.text}" if t_hi.value > gmax else "no new extreme")
                         + (f" and {t_lo.text}" if t_lo.value < gmin else ""))
        else:
            if not t_lo.allows(gmin):
                problems.append(f"the minimum {t_lo.text} is not the smallest group minimum "
                                f"{gmin:g}")
            if not t_hi.allows(gmax):
                problems.append(f"the maximum {t_hi.text} is not the largest group maximum "
                                f"{gmax:g}")
    details = candidate_details(cands)
    tail = "".join(f"; {x}" for x in notes)
    if problems:
        return record(case, check, "inconsistent", "; ".join(problems) + tail, ctx,
                      c_med.python, None, details, exact=True)
    return record(case, check, "consistent",
                  f"median {tot.median.text} lies between the group medians "
                  f"({', '.join(m.text for m in meds)})"
                  + (f" and range {tot.range.text} spans the group ranges" if mins else "")
                  + tail, ctx, c_med.python, None, details, exact=True)
