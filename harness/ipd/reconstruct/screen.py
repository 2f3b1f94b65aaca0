"""The exact screen: HR, CI and two-group p as linear constraints on ``(ln HR, z/sqrt V)``."""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import stats
from scipy.optimize import linprog

from harness.pack.comparisons import KEY_ORDER, SLACK, Spec, Target, Z


# ------------------------------------------------------------------------- exact screen
def _lp_feasible(targets: list[Target]) -> bool:
    """Is there (x = ln HR, s = z/sqrt V > 0) satisfying these HR/CI/p targets exactly?"""
    return _lp(targets) is not None


def lp_rows(targets: list[Target]):
    """Rows ``A [x, s] <= b`` of the HR/CI targets and the p's ratio bounds ``r_lo, r_hi``
    (``r_lo s <= |x| <= r_hi s``); None when a target's interval is not positive."""
    A, b = [], []

    def between(row, lo, hi):
        if lo is not None and math.isfinite(lo):
            A.append([-c for c in row]), b.append(-lo + SLACK)
        if hi is not None and math.isfinite(hi):
            A.append(list(row)), b.append(hi + SLACK)

    def log(v):
        return math.log(v) if v > 0 else -math.inf

    r_lo, r_hi = 0.0, math.inf
    for t in targets:
        lo, hi = t.number.lo, t.number.hi
        if t.kind == "hr":
            if hi <= 0:
                return None
            between((1, 0), log(lo), log(hi))
        elif t.kind == "ci_lower":
            if hi <= 0:
                return None
            between((1, -1), log(lo), log(hi))
        elif t.kind == "ci_upper":
            if hi <= 0:
                return None
            between((1, 1), log(lo), log(hi))
        elif t.kind == "p":
            plo, phi = max(lo, 0.0), min(hi, 1.0)
            chi_hi = stats.chi2.isf(plo, 1) if plo > 0 else math.inf
            chi_lo = stats.chi2.isf(phi, 1) if phi < 1 else 0.0
            r_lo, r_hi = math.sqrt(chi_lo) / Z, math.sqrt(chi_hi) / Z
    return A, b, r_lo, r_hi


def _lp(targets: list[Target]) -> tuple[float, float] | None:
    """The Chebyshev centre (x, s) of the region the HR/CI/p targets allow; None if empty."""
    rows = lp_rows(targets)
    if rows is None:
        return False
    A, b, r_lo, r_hi = rows
    best = None
    for sign in (1, -1):
        A2, b2 = [list(r) for r in A], list(b)
        # sign*x >= r_lo s  ->  -sign*x + r_lo s <= 0 ;  sign*x <= r_hi s
        A2.append([-sign, r_lo]), b2.append(SLACK)
        if math.isfinite(r_hi):
            A2.append([sign, -r_hi]), b2.append(SLACK)
        res = linprog([0, 0], A_ub=np.array(A2, float), b_ub=np.array(b2, float),
                      bounds=[(-50, 50), (1e-9, 50)], method="highs")
        if res.status != 0:
            continue
        # Chebyshev centre: maximise the margin r of every constraint (a.v + r |a| <= b)
        Am = np.array(A2, float)
        norms = np.linalg.norm(Am, axis=1, keepdims=True)
        c = linprog([0, 0, -1], A_ub=np.hstack([Am, norms]), b_ub=np.array(b2, float),
                    bounds=[(-50, 50), (1e-9, 50), (0, 10)], method="highs")
        point = (float(c.x[0]), float(c.x[1]), float(c.x[2])) if c.status == 0 else (
            float(res.x[0]), float(res.x[1]), 0.0)
        if best is None or point[2] > best[2]:
            best = point
    return None if best is None else (best[0], best[1])


def steer_point(targets: list[Target], near: tuple[float, float],
                 s_range: tuple[float, float], centre: bool = False
                 ) -> tuple[float, float] | None:
    """The point (x, s) the search steers towards: inside the region the HR/CI/p targets
    allow (with half its largest margin), restricted to attainable ``s = z/sqrt V``, and the
    nearest such point (L1) to ``near`` (the start's (x, s)); None if the region is empty.

    Unlike the Chebyshev centre of :func:`_lp` this stays put when a constraint set leaves a
    direction free (one CI bound alone is a strip): it only moves the start as far as needed.
    With ``centre`` it is the Chebyshev centre within the attainable ``s`` (restarts
    alternate the two).
    """
    rows = lp_rows(targets)
    if rows is None:
        return None
    A, b, r_lo, r_hi = rows
    best = None
    for lo_s, hi_s in (s_range, (1e-9, 50.0)):
        for sign in (1, -1):
            A2, b2 = [list(r) for r in A], list(b)
            A2.append([-sign, r_lo]), b2.append(SLACK)
            if math.isfinite(r_hi):
                A2.append([sign, -r_hi]), b2.append(SLACK)
            if not A2:
                continue
            Am, bm = np.array(A2, float), np.array(b2, float)
            norms = np.linalg.norm(Am, axis=1, keepdims=True)
            box = [(-8.0, 8.0), (lo_s, hi_s)]
            c = linprog([0, 0, -1], A_ub=np.hstack([Am, norms]), b_ub=bm,
                        bounds=box + [(0, 1.0)], method="highs")
            if c.status != 0:
                continue
            if centre:  # the Chebyshev centre itself (the most margin to every target)
                cand = (-float(c.x[2]), float(c.x[0]), float(c.x[1]))
                if best is None or cand[0] < best[0]:
                    best = cand
                continue
            r = min(float(c.x[2]) / 2, 0.05)
            # min |x - x0| + |s - s0| over the region shrunk by r
            x0, s0 = near
            A3 = np.hstack([Am, np.zeros((len(A2), 2))])
            b3 = bm - r * norms[:, 0]
            A3 = np.vstack([A3, [[1, 0, -1, 0], [-1, 0, -1, 0], [0, 1, 0, -1], [0, -1, 0, -1]]])
            b3 = np.concatenate([b3, [x0, -x0, s0, -s0]])
            d = linprog([0, 0, 1, 1], A_ub=A3, b_ub=b3, bounds=box + [(0, None), (0, None)],
                        method="highs")
            if d.status != 0:
                continue
            cand = (float(d.fun), float(d.x[0]), float(d.x[1]))
            if best is None or cand[0] < best[0]:
                best = cand
        if best is not None:
            break
    return None if best is None else (best[1], best[2])


def exact_conflicts(spec: Spec) -> list[tuple[str, ...]]:
    """Minimal subsets of the HR/CI/p targets that no ``(O-E, V)`` satisfies (exact)."""
    if spec.k != 2:
        return []
    keys = [k for k in KEY_ORDER if spec.target(k) is not None]
    bad: list[tuple[str, ...]] = []
    for size in range(1, len(keys) + 1):
        for sub in itertools.combinations(keys, size):
            if any(set(b) <= set(sub) for b in bad):
                continue
            if not _lp_feasible([spec.target(k) for k in sub]):
                bad.append(sub)
    return bad
