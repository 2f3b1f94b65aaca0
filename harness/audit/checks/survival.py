"""Hazard ratios, their CIs and log-rank / Wald p, judged against each other.

Nothing here needs patient data: a printed HR and its 95% CI determine the log-scale SE
(Altman & Bland, BMJ 2011: ``SE = (ln U - ln L) / (2 z)``), hence the Wald z and p, and under
GraphPad Prism's Mantel-Haenszel convention (``ln HR = (O-E)/V``, CI ``ln HR +/- z/sqrt(V)``)
the log-rank quantities ``O-E``, ``V`` and the chi-square ``(O-E)^2/V``. Every printed number
is an interval (its rounding), so each recomputation is a range over the corners of the
rounding box of the printed inputs.

The formulas live in :mod:`harness.core.printed_ci` (R equivalents in ``harness/r/audit.R``).
"""

from __future__ import annotations

import math

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
from harness.audit.checks.slips import describe, find_slips
from harness.audit.context import Context
from harness.audit.judge import Candidate, judge_p, overlaps
from harness.audit.records import CaseResult
from harness.core.printed_ci import ci_upper, hr_midpoint, mh_from_ci, wald_p_from_ci
from harness.pack import printed
from harness.pack.cases import Case
from harness.pack.printed import fmt

# -- reading a case ---------------------------------------------------------------------------


class _Row:
    """The printed HR, CI bounds and level of a case, whichever of them it gives."""

    def __init__(self, case: Case):
        inp = case.inputs
        self.level = float(inp.get("level", 0.95))
        if case.statistic == "hazard_ratio":
            self.hr_text, self.ci_text = case.published, inp.get("ci")
        elif case.statistic == "hazard_ratio_ci":
            self.hr_text, self.ci_text = inp.get("hr"), case.published
        else:
            self.hr_text, self.ci_text = inp.get("hr"), inp.get("ci")
        self.hr = printed.parse_number(self.hr_text) if self.hr_text else None
        ci = printed.parse_interval(self.ci_text) if self.ci_text else None
        self.lower = ci.lower if ci else None
        self.upper = ci.upper if ci else None

    def fields(self) -> dict[str, str]:
        return {"HR": self.hr.text, "lower CI bound": self.lower.text,
                "upper CI bound": self.upper.text}


def _shape_problems(hr: printed.Number | None, lo: printed.Number, up: printed.Number) -> list[str]:
    """What is impossible about a printed HR and CI, whatever their rounding."""
    out = []
    if lo.hi <= 0 or up.hi <= 0 or (hr is not None and hr.hi <= 0):
        out.append("a hazard ratio and its CI bounds must be positive")
    if lo.lo > up.hi:
        out.append(f"the CI bounds are not ordered (lower {lo.text} > upper {up.text})")
    if hr is not None and not out:
        if hr.lo > up.hi:
            out.append(f"the HR {hr.text} lies above its CI's upper bound {up.text}")
        elif hr.hi < lo.lo:
            out.append(f"the HR {hr.text} lies below its CI's lower bound {lo.text}")
    return out


def _row_consistent(f: dict[str, str]) -> bool:
    """HR, lower, upper (printed texts) form a log-symmetric CI around the HR."""
    hr = printed.parse_number(f["HR"])
    lo = printed.parse_number(f["lower CI bound"])
    up = printed.parse_number(f["upper CI bound"])
    if _shape_problems(hr, lo, up):
        return False
    if lo.lo <= 0 or up.lo <= 0:
        return False
    mids = hr_midpoint(*grid([lo.lo, lo.hi], [up.lo, up.hi]))
    return bool(mids.min() <= hr.hi + 1e-12 and mids.max() >= hr.lo - 1e-12)


def _mh_note(row: _Row) -> tuple[str, dict]:
    """O-E and V recovered from the printed CI (Prism MH convention), for message and details."""
    if row.lower is None or row.upper is None or row.lower.value >= row.upper.value \
            or row.lower.value <= 0:
        return "", {}
    mh = mh_from_ci(row.lower.value, row.upper.value, row.level)
    d = {k: float(v) for k, v in mh.items()}
    return (f"recovered log-rank O-E {d['o_minus_e']:.3g}, V {d['v']:.3g} "
            f"(chi-square {d['chisq']:.3g})"), d


def _joint_direction(case: Case, ctx: Context) -> tuple[str, dict]:
    """What the joint verdict says about the HR together with its comparison's medians.

    Only for an HR whose comparison targets two or more medians: ``feasible`` when the set
    satisfies the HR and every median (verified on the set), ``infeasible`` when the exact
    screen proves a conflict containing the HR and a median, ``undecided`` otherwise.
    """
    jv = ctx.joint.get(case.full_id)
    if jv is None:
        return "", {}
    entry = next((e for e in jv.entries if len(e.medians) >= 2), None)
    if entry is None:
        return "", {}
    meds = [k for k in entry.medians]
    if entry.verdict == "inconsistent" and any(k in entry.conflict for k in meds):
        return (f"the joint verdict decides the direction: infeasible, {entry.message}",
                {"joint": "infeasible", "comparison": entry.comparison})
    if entry.verdict == "consistent" and all(entry.medians.values()):
        return (f"the joint verdict decides the direction: feasible, {entry.file} satisfies "
                f"the HR together with every median of comparison {entry.comparison} "
                "(verified on the set)", {"joint": "feasible", "comparison": entry.comparison,
                                          "file": entry.file})
    return (f"the joint verdict does not settle the direction (comparison {entry.comparison}: "
            f"{entry.verdict}; evidence, not proof)",
            {"joint": "undecided", "comparison": entry.comparison})


def _direction_note(case: Case, row: _Row, ctx: Context | None = None) -> tuple[str, dict]:
    """HR direction vs the group medians and the reference group; HR vs ratio of medians.

    A plausibility note, never a verdict by itself: crossing curves can make medians and HR
    disagree. When the medians belong to the HR's pseudo-IPD comparison, the joint verdict
    decides instead (:func:`_joint_direction`): feasible or not.
    """
    note, out = _direction_only(case, row)
    if note and ctx is not None:
        jnote, jd = _joint_direction(case, ctx)
        if jnote:
            note += f"; {jnote}"
            out = {**out, **jd}
    return note, out


def _direction_only(case: Case, row: _Row) -> tuple[str, dict]:
    """The direction note from the printed medians alone."""
    groups = case.inputs.get("groups") or []
    meds = {g["label"]: printed.parse_number(g["median"]) for g in groups if g.get("median")}
    if row.hr is None or len(meds) != 2:
        return "", {}
    ref = case.inputs.get("reference")
    labels = list(meds)
    out: dict = {}
    if ref in meds:
        other = labels[1] if labels[0] == ref else labels[0]
        m_ref, m_oth = meds[ref].value, meds[other].value
        out["reference"] = ref
        expo = m_ref / m_oth if m_oth > 0 else math.nan
        out["hr_from_medians"] = expo
        worse = m_oth < m_ref
        agrees = (row.hr.value > 1) == worse if m_oth != m_ref and row.hr.value != 1 else True
        out["direction_agrees"] = agrees
        note = (f"HR {row.hr.text} for {other} vs {ref} "
                + ("agrees with" if agrees else "runs against")
                + f" the medians ({other} {meds[other].text} vs {ref} {meds[ref].text})")
        if math.isfinite(expo) and expo > 0:
            ratio = row.hr.value / expo
            note += (f"; an exponential model would give HR about {expo:.2g} from the medians"
                     + (f", {max(ratio, 1 / ratio):.1f}-fold off (plausibility only)"
                        if max(ratio, 1 / ratio) >= 2 else ""))
        return note, out
    a, b = labels
    note = (f"no reference group printed, so the HR's direction is not checked against the "
            f"medians ({a} {meds[a].text}, {b} {meds[b].text})")
    return note, out


# -- checks -----------------------------------------------------------------------------------


@check("hr_vs_ci")
def check_hr_vs_ci(case: Case, ctx: Context) -> CaseResult:
    """A printed HR against its printed CI: the HR must lie at the CI's log midpoint.

    Recomputed ``exp((ln L + ln U)/2)`` over the rounding box of both bounds (monotone in
    each, so the ends of the box bound it), in Python and R; consistent when that range meets
    the interval the printed HR stands for and the CI is ordered and contains the HR.
    """
    check = "hr_vs_ci"
    row = _Row(case)
    if row.lower is None:
        return record(case, check, "unverifiable",
                      "the HR is printed without its CI: nothing to check it against", ctx)
    problems = _shape_problems(row.hr, row.lower, row.upper)
    lo_ax = [row.lower.value, max(row.lower.lo, 1e-12), row.lower.hi]
    up_ax = [row.upper.value, max(row.upper.lo, 1e-12), row.upper.hi]
    L, U = grid(lo_ax, up_ax)
    c = candidate("log_midpoint", "HR at the log midpoint of the CI", hr_midpoint(L, U),
                  r_call(ctx, "harness_hr_midpoint", L, U))
    bad = r_disagreement(case, check, ctx, [c])
    if bad:
        return bad
    mh, mh_d = _mh_note(row)
    direction, dir_d = _direction_note(case, row, ctx)
    details = {**candidate_details([c]), "mh": mh_d, "direction": dir_d}
    tail = "".join(f"; {x}" for x in (mh, direction) if x)
    at_mid = overlaps(row.hr, c)
    if dir_d.get("joint") == "infeasible":
        problems.append("no data set satisfies the HR with its comparison's medians")
    if not problems and at_mid:
        return record(case, check, "consistent",
                      f"HR {row.hr.text} is at the log midpoint of {row.ci_text} "
                      f"({fmt(c.low)} to {fmt(c.high)} over rounding){tail}",
                      ctx, c.python, c.r, details)
    if not at_mid:
        problems.append(f"the log midpoint of the CI is {fmt(c.python)} "
                        f"({fmt(c.low)} to {fmt(c.high)} over rounding), not {row.hr.text}")
    slip = describe(find_slips(row.fields(), _row_consistent))
    return record(case, check, "inconsistent",
                  "; ".join(problems) + (f"; {slip}" if slip else "") + tail,
                  ctx, c.python, c.r, details)


@check("ci_vs_hr")
def check_ci_vs_hr(case: Case, ctx: Context) -> CaseResult:
    """A printed CI: positive, ordered, containing its HR, and log-symmetric about it.

    Recomputed: the upper bound ``HR^2 / L`` a log-symmetric CI must have, over the rounding
    box of HR and lower bound, in Python and R; consistent when it meets the printed upper bound.
    A CI without its HR can only be checked for order and sign (then ``unverifiable``).
    """
    check = "ci_vs_hr"
    row = _Row(case)
    problems = _shape_problems(row.hr, row.lower, row.upper)
    if row.hr is None:
        if problems:
            return record(case, check, "inconsistent", "; ".join(problems), ctx)
        return record(case, check, "unverifiable",
                      "the CI is printed without its HR: only its order and sign are checked "
                      "(both fine)", ctx)
    H, L = grid(box_points(row.hr, positive=True)[:3], box_points(row.lower, positive=True)[:3])
    c = candidate("upper_from_hr", "upper bound HR^2/lower", ci_upper(H, L),
                  r_call(ctx, "harness_ci_upper", H, L))
    bad = r_disagreement(case, check, ctx, [c])
    if bad:
        return bad
    mh, mh_d = _mh_note(row)
    details = {**candidate_details([c]), "mh": mh_d}
    tail = f"; {mh}" if mh else ""
    fits = overlaps(row.upper, c)
    if not problems and fits:
        return record(case, check, "consistent",
                      f"upper bound {row.upper.text} matches HR^2/lower = {fmt(c.python)} "
                      f"({fmt(c.low)} to {fmt(c.high)} over rounding){tail}",
                      ctx, c.python, c.r, details)
    if not fits:
        problems.append(f"a log-symmetric CI around HR {row.hr.text} with lower bound "
                        f"{row.lower.text} ends at {fmt(c.python)} ({fmt(c.low)} to "
                        f"{fmt(c.high)}), not {row.upper.text}")
    slip = describe(find_slips(row.fields(), _row_consistent))
    return record(case, check, "inconsistent",
                  "; ".join(problems) + (f"; {slip}" if slip else "") + tail,
                  ctx, c.python, c.r, details)


_P_LABELS = {"wald_ci": "Wald p from HR and CI", "mh_logrank": "log-rank p from recovered O-E, V"}


def _p_candidates(row: _Row, tests, ctx: Context) -> list[Candidate]:
    out = []
    for test in tests:
        if test == "wald_ci":
            H, L, U = grid(box_points(row.hr, positive=True, pivot=1.0),
                           box_points(row.lower, positive=True),
                           box_points(row.upper, positive=True))
            py = wald_p_from_ci(H, L, U, row.level)["p"]
            r = r_call(ctx, "harness_wald_p_from_ci", H, L, U, row.level, key="p")
        else:
            L, U = grid(box_points(row.lower, positive=True, pivot=1.0),
                        box_points(row.upper, positive=True, pivot=1.0))
            py = mh_from_ci(L, U, row.level)["p"]
            r = r_call(ctx, "harness_mh_from_ci", L, U, row.level, key="p")
        out.append(candidate(test, _P_LABELS[test], py, r))
    return out


def _p_slip_test(row: _Row, tests, ctx: Context):
    """For the slip search of a p row: does the printed p (texts in ``f``) meet the p that
    HR and CI imply? The candidates depend on HR and CI only, so every variant of the p
    itself reuses one computation (a p's variants are a quarter of the search)."""
    py_ctx = Context(ctx.paper, False)
    memo: dict[tuple[str, str, str], list[Candidate] | None] = {}

    def p_ok(f: dict[str, str]) -> bool:
        pv = printed.parse_p_value(f["p"])
        key = (f["HR"], f["lower CI bound"], f["upper CI bound"])
        if key not in memo:
            r2 = _Row.__new__(_Row)
            r2.level = row.level
            r2.hr, r2.lower, r2.upper = (printed.parse_number(k) for k in key)
            memo[key] = (None if _shape_problems(r2.hr, r2.lower, r2.upper)
                         else _p_candidates(r2, tests, py_ctx))
        cands = memo[key]
        return cands is not None and any(overlaps(pv, c, clamp_zero=True) for c in cands)

    return p_ok


@check("p_vs_ci")
def check_p_vs_ci(case: Case, ctx: Context) -> CaseResult:
    """A printed p against the p its HR and CI imply.

    Candidates, each a range over the rounding box of HR, lower and upper bound: the Wald p
    (Altman & Bland) and, for a log-rank p, the chi-square ``(O-E)^2/V`` recovered under
    Prism's MH convention. Judged as any printed p (``decision_error`` when every candidate
    makes the other significance call at the paper's alpha).
    """
    check = "p_vs_ci"
    row = _Row(case)
    if isinstance(case.value, printed.NotSignificant):
        return record(case, check, "unverifiable",
                      f"the p is printed as {case.published!r}: a significance call without a "
                      "value, nothing to compare a recomputation with", ctx)
    if row.hr is None or row.lower is None:
        n = case.inputs.get("n_groups", 2)
        what = (f"a {n}-group log-rank p needs the survival times (no single HR describes "
                f"{n} groups)" if n > 2 else "the p is printed without "
                + ("an HR" if row.hr is None else "a CI") + ": not enough to recover it")
        return record(case, check, "unverifiable", what, ctx)
    problems = _shape_problems(row.hr, row.lower, row.upper)
    if problems:
        slip = describe(find_slips(row.fields(), _row_consistent))
        return record(case, check, "unverifiable",
                      f"the printed HR and CI cannot be used: {'; '.join(problems)}"
                      + (f" ({slip} as an HR and CI)" if slip else ""), ctx)
    if row.lower.value == row.upper.value:
        return record(case, check, "unverifiable",
                      f"the printed CI {row.ci_text} has zero width: it implies a standard "
                      "error of 0 (degenerate), so no p follows from it", ctx)
    cands = _p_candidates(row, case.tests, ctx)
    bad = r_disagreement(case, check, ctx, cands)
    if bad:
        return bad
    # O-E and V belong to the log-rank convention: not reported for a Cox Wald p
    mh, mh_d = _mh_note(row) if case.statistic == "logrank_p" else ("", {})
    j = judge_p(case.value, cands, ctx.paper)
    msg = j.message + (f"; {mh}" if mh else "")
    if j.verdict != "consistent" and case.statistic == "logrank_p":
        msg += ("; the paper's p is a log-rank test and its CI may be Mantel-Haenszel or Cox, "
                "so part of the gap can be a method difference")
        fields = {"p": case.published, **row.fields()}
        slip = describe(find_slips(fields, _p_slip_test(row, case.tests, ctx)))
        if slip:
            msg += f"; {slip}"
    details = {**candidate_details(cands), "mh": mh_d}
    return record(case, check, j.verdict, msg, ctx, j.best.python, j.best.r, details)
