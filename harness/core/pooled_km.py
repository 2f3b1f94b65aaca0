"""Bounds on the Kaplan-Meier survival of a union of groups from each group's KM at a time.

The KM estimate of a union is *not* the size-weighted average of the groups' estimates, nor
even between their smallest and largest, once patients are censored before the time ``t``:
with groups A (2 patients) and B (2 patients), B censored early, the union's curve drops by
1/Y for every death with Y the *union's* number at risk, so it can fall below, or stay above,
both groups' curves. What does hold for any censoring (every statement below is per death; a
tie of d deaths at one time equals d single deaths with at-risk counts Y, Y-1, ..., Y-d+1,
for the group and for the union alike):

* lower bound: at each death time the union's factor ``1 - d/Y`` is an at-risk-weighted
  average of the groups' factors ``1 - d_g/Y_g``, hence at least their product, so
  ``S_union(t) >= prod_g S_g(t)``;
* upper bound: a death of group g with ``Y_g`` of the group at risk has at most
  ``Y_g + M_g`` of the union at risk (``M_g = N - n_g``, every other patient), and
  ``1 - sum_g a_g <= prod_g (1 - a_g)``, so ``S_union(t) <= prod_g U_g`` with ``U_g`` the
  largest ``prod_{Y in D} (1 - 1/(Y + M_g))`` over sets ``D`` of distinct at-risk counts in
  ``1..n_g`` whose group estimate ``prod_{Y in D} (1 - 1/Y)`` lies in the group's printed
  interval (any such set is a KM path: censor between deaths). :func:`group_upper` solves
  that small knapsack exactly by branch and bound (falling back to its fractional
  relaxation, still a valid bound, if it would take too long);
* without censoring before ``t`` the union's estimate is exactly ``sum_g k_g / N`` with
  ``k_g / n_g`` the group's surviving fraction (:func:`uncensored_range`), a conditional
  statement only: staggered entry censors patients early in most studies.

R equivalent: none (pure arithmetic); ``survfit(Surv(time, event) ~ 1)`` of the union of any
data set lies inside these bounds (tests/test_pooled.py enumerates small data sets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: nodes the branch and bound may visit per group before it settles for the relaxation
MAX_NODES = 200_000


@dataclass(frozen=True)
class UnionBounds:
    """Where the union's KM survival at ``t`` can lie (fractions, not percent).

    ``lower``/``upper`` hold for any censoring; ``exact_upper`` is False when a group's
    branch and bound hit :data:`MAX_NODES` (the upper bound is then the relaxation's, looser
    but still valid). ``uncensored`` is the range without censoring before ``t`` (None when a
    group's printed rate is impossible with its size and no censoring).
    """

    lower: float
    upper: float
    exact_upper: bool
    uncensored: tuple[float, float] | None


def _ln1m(x: float) -> float:
    return math.log1p(-x) if x < 1 else -math.inf


def group_upper(n: int, m: int, lo: float, hi: float,
                max_nodes: int = MAX_NODES) -> tuple[float | None, bool]:
    """Largest union factor ``prod (1 - 1/(Y + m))`` over death sets of a group of ``n``
    whose KM estimate ``prod (1 - 1/Y)`` lies in ``[lo, hi]`` (see the module docstring).

    Returns ``(U, exact)``; ``U`` is None when no death set gives an estimate in
    ``[lo, hi]`` (the printed group rate is impossible for a group of ``n``).
    """
    if hi >= 1.0 and lo <= 1.0:
        return 1.0, True  # no death needed
    L = math.log(lo) if lo > 0 else -math.inf
    H = math.log(hi) if hi > 0 else -math.inf
    # items: at-risk counts Y whose single factor does not already fall below lo
    items = [(y, _ln1m(1.0 / (y + m)), _ln1m(1.0 / y)) for y in range(1, n + 1)
             if _ln1m(1.0 / y) >= L]
    items.sort(key=lambda it: it[1] / it[2] if math.isfinite(it[2]) and it[2] < 0 else 0.0)
    best = -math.inf
    nodes = 0

    def relax(i: int, need: float) -> float:
        """Most union log-survival kept while dropping the group by ``need`` (> 0) with
        items i.. taken fractionally (best ratio first): an upper bound on the rest."""
        got = 0.0
        for _, a, b in items[i:]:
            if not math.isfinite(b):  # Y = 1: any drop for a sliver of it (relaxation)
                return got
            take = min(1.0, need / -b)
            got += take * a
            need -= take * -b
            if need <= 1e-15:
                return got
        return -math.inf  # cannot drop that far

    def dfs(i: int, sa: float, sb: float) -> None:
        nonlocal best, nodes
        nodes += 1
        if sb < L - 1e-12:
            return
        if sb <= H + 1e-12:
            best = max(best, sa)
            return  # more deaths only lower the union's survival
        if i >= len(items) or nodes > max_nodes:
            return
        if sa + relax(i, sb - H) <= best:
            return
        _, a, b = items[i]
        dfs(i + 1, sa + a, sb + b)
        dfs(i + 1, sa, sb)

    dfs(0, 0.0, 0.0)
    if nodes > max_nodes:
        bound = relax(0, -H) if math.isfinite(H) else max((a for _, a, _ in items), default=0)
        return (math.exp(bound) if math.isfinite(bound) else None), False
    return (math.exp(best) if math.isfinite(best) else None), True


def uncensored_range(sizes: list[int], lo: list[float], hi: list[float]
                     ) -> tuple[float, float] | None:
    """The union's survival at ``t`` when nobody is censored before ``t``: ``sum k_g / N``
    with ``k_g`` the survivors of group g, ``k_g / n_g`` in ``[lo_g, hi_g]``; None when some
    group's interval holds no ``k / n_g``."""
    kmin = kmax = 0
    for n, a, b in zip(sizes, lo, hi):
        k0, k1 = math.ceil(a * n - 1e-9), math.floor(b * n + 1e-9)
        k0, k1 = max(k0, 0), min(k1, n)
        if k0 > k1:
            return None
        kmin, kmax = kmin + k0, kmax + k1
    total = sum(sizes)
    return kmin / total, kmax / total


def union_bounds(sizes: list[int], lo: list[float], hi: list[float]) -> UnionBounds | None:
    """Bounds on the union's KM survival at ``t`` from each group's size and the interval
    its printed KM rate at ``t`` stands for (fractions). None when a group's printed rate is
    impossible for its size (then the group's own print is the problem)."""
    total = sum(sizes)
    lower, upper, exact = 1.0, 1.0, True
    for n, a, b in zip(sizes, lo, hi):
        u, ex = group_upper(n, total - n, max(a, 0.0), min(b, 1.0))
        if u is None:
            return None
        lower *= max(a, 0.0)
        upper *= u
        exact = exact and ex
    return UnionBounds(lower, upper, exact, uncensored_range(sizes, lo, hi))
