"""Exhaustive search over event *orders* for a two-group comparison (a second strategy).

The annealing search moves times on a grid; when one group dies much earlier than the other
(e.g. HR 23 with 3-year rates 35% vs 86%), the printed CI can leave a region of ``V`` so
narrow that random moves do not find it. Here the data set is built as an *order of events*
instead, and the numbers that depend on the order only (O-E, V, the rates at the printed time
``T``) are computed exactly for every order of a family, by depth-first enumeration:

* phase A (before ``T``): the *early* group's events, death blocks of any size (ties) and
  censorings, with the *late* group at risk throughout (``y0`` of it censored first);
* phase B (before ``T``): the late group's death blocks and censorings, with the ``b``
  early-group patients left at risk.

Phase A and B outcomes are matched on ``V`` by sorting (the printed CI fixes ``V`` to a narrow
interval), and each match is checked exactly against the printed HR, CI and p. A match is
turned into times: the early group's median crossing at its printed median, every phase-A/B
event before ``T``, the early group's survivors censored just after ``T`` (so the late
group's later deaths, its median crossing at the printed median, change neither O-E nor V),
the rest censored across the follow-up window. A set is accepted only when
:func:`harness.ipd.recompute.recompute` (the public core) confirms every printed number, so
the family only decides *where to look*.

The order of the enumeration is fixed, so the set found is deterministic.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import chdtrc

from harness.ipd.reconstruct.objective import State, candidate_values
from harness.ipd.reconstruct.search import SearchResult
from harness.pack.comparisons import Spec, Target, Z

#: most late-group patients censored before the first early-group event
_MAX_Y0 = 6


def _setup(spec: Spec) -> dict | None:
    """The pieces the family needs, or None when it does not apply to ``spec``."""
    if spec.k != 2 or any(g.n is None for g in spec.groups):
        return None
    rates = [t for t in spec.targets if t.kind == "rate" and t.group]
    if len(rates) != 2 or len({t.time for t in rates}) != 1 or {t.group for t in rates} != set(
            spec.labels):
        return None
    lp = {t.kind: t for t in spec.targets if t.kind in ("hr", "ci_lower", "ci_upper", "p")}
    if "ci_lower" not in lp or "ci_upper" not in lp:
        return None
    by_group = {t.group: t for t in rates}
    early, late = sorted(range(2), key=lambda j: by_group[spec.labels[j]].number.value)
    if spec.numerator in (None, "auto"):
        num = early  # the group dying first carries HR > 1
    else:
        num = spec.labels.index(spec.numerator)
    medians = {t.group: t for t in spec.targets if t.kind == "median"}
    T = rates[0].time
    me, ml = medians.get(spec.labels[early]), medians.get(spec.labels[late])
    if (me is not None and me.number.value > T) or (ml is not None and ml.number.value <= T):
        return None
    lo, hi = lp["ci_lower"].number, lp["ci_upper"].number
    s_lo = (math.log(hi.lo) - math.log(lo.hi)) / 2
    s_hi = (math.log(hi.hi) - math.log(lo.lo)) / 2
    return {
        "early": early, "late": late, "num": num, "T": T, "me": me, "ml": ml,
        "n_e": spec.groups[early].n, "n_l": spec.groups[late].n,
        "r_e": _rate_iv(by_group[spec.labels[early]]),
        "r_l": _rate_iv(by_group[spec.labels[late]]),
        "v_lo": (Z / s_hi) ** 2, "v_hi": (Z / s_lo) ** 2, "lp": lp,
    }


def _rate_iv(t: Target) -> tuple[float, float]:
    return t.number.lo / 100.0, t.number.hi / 100.0


def _walk(k0: int, other: int, iv: tuple[float, float], sign: int, after_death: bool,
          with_path: bool):
    """Orders of one group's events (death blocks of any size, single censorings) while
    ``other`` patients of the other group stay at risk, ending with the group's Kaplan-Meier
    curve inside ``iv``.

    Yields ``(left at risk, O-E of the early group, V)`` (plus the path, entries
    ``("d", size)`` / ``("c", 1)``, when ``with_path``) in a fixed order. ``sign`` is +1 when
    the moving group is the early group (its deaths add ``d * other / n`` to its O-E), -1
    otherwise (the early group expects ``d * other / n`` of them). With ``after_death`` an
    order is yielded only after a death (trailing censorings change nothing before ``T``),
    otherwise at every state with someone left at risk.
    """
    lo, hi = iv
    path: list[tuple[str, int]] = []

    def walk(k, oe, v, s, last_death):
        if lo <= s < hi and (last_death if after_death else k >= 1):
            yield (k, oe, v, tuple(path)) if with_path else (k, oe, v)
        if k == 0 or s < lo:
            return
        n = k + other
        for d in range(1, k + 1):
            s2 = s * (1 - d / k)
            if s2 < lo:
                break
            path.append(("d", d))
            yield from walk(k - d, oe + sign * d * other / n,
                            v + d * (k * other / n**2) * (n - d) / (n - 1), s2, True)
            path.pop()
        # censorings last: orders with fewer of them come first (fewer patients lost early)
        path.append(("c", 1))
        yield from walk(k - 1, oe, v, s, False)
        path.pop()

    yield from walk(k0, 0.0, 0.0, 1.0, False)


def _phase_a(n_e: int, a0: int, r_e: tuple[float, float], with_path: bool = False):
    """Every early-group order ending inside its rate interval, ``a0`` late patients at risk."""
    return _walk(n_e, a0, r_e, +1, False, with_path)


def _path_a(n_e: int, a0: int, r_e: tuple[float, float], index: int):
    """The path of the ``index``-th order :func:`_phase_a` yields."""
    for i, row in enumerate(_phase_a(n_e, a0, r_e, with_path=True)):
        if i == index:
            return row[3]
    raise IndexError(index)


def _phase_b(a0: int, b: int, r_l: tuple[float, float]):
    """Late-group orders before ``T`` (``b`` early patients at risk), ending with a death:
    a list of ``(O-E of the early group, V, path)``."""
    return [(oe, v, path) for _, oe, v, path in _walk(a0, b, r_l, -1, True, True)]


def _lp_ok(oe: float, v: float, st: dict) -> bool:
    x = oe / v if st["num"] == st["early"] else -oe / v
    s = Z / math.sqrt(v)
    vals = {"hr": math.exp(x), "ci_lower": math.exp(x - s), "ci_upper": math.exp(x + s),
            "p": float(chdtrc(1, oe * oe / v))}
    return all(t.allows(vals[k]) for k, t in st["lp"].items())


def _times(spec: Spec, st: dict, y0: int, pa, pb) -> State | None:
    """Turn an order into a data set on the grid (see the module docstring)."""
    grid = spec.grid
    tenth = lambda months: int(round(months / grid))  # noqa: E731
    T = tenth(st["T"])
    tmax = tenth(spec.max_time)
    early, late = st["early"], st["late"]
    # blocks in order: (group, deaths, censored)
    blocks = [(late, 0, y0)] if y0 else []
    blocks += [(early, k, 0) if kind == "d" else (early, 0, k) for kind, k in pa]
    blocks += [(late, k, 0) if kind == "d" else (late, 0, k) for kind, k in pb]
    # the early group's median crossing
    cross = len(blocks) - 1
    if st["me"] is not None:
        at, s = st["n_e"], 1.0
        cross = None
        for i, (g, d, c) in enumerate(blocks):
            if g == early and d:
                s *= 1 - d / at
                if s < 0.5:
                    cross = i
                    break
            if g == early:
                at -= d + c
        if cross is None:
            return None
        m = tenth(st["me"].number.value)
    else:
        m = T
    n_before, n_after = cross, len(blocks) - cross - 1
    if n_before > m - 1 or n_after > T - m:
        return None
    times = [1 + (m - 1 - 1) * (i + 1) // (n_before + 1) for i in range(n_before)] + [m]
    times += [m + (T - m) * (i + 1) // n_after for i in range(n_after)] if n_after else []
    if len(set(times)) != len(times):
        return None
    t, e, g = [], [], []
    left = {early: st["n_e"], late: st["n_l"]}
    s_late = 1.0
    for when, (grp, d, c) in zip(times, blocks):
        if grp == late and d:
            s_late *= 1 - d / left[late]
        t += [when] * (d + c)
        e += [True] * d + [False] * c
        g += [grp] * (d + c)
        left[grp] -= d + c
    # early survivors: followed just past T, then censored
    t += [T + 1] * left[early]
    e += [False] * left[early]
    g += [early] * left[early]
    # late group after T: deaths until its curve crosses 50% at the printed median
    a = left[late]
    deaths = []
    if st["ml"] is not None:
        ml = tenth(st["ml"].number.value)
        k, s = a, s_late
        while k > 0 and s * (k - 1) / k >= 0.5:
            s *= (k - 1) / k
            k -= 1
        if k == 0 or s == 0.5:
            return None
        n_dead = a - k  # keep the curve at or above 50%; one more crosses at the median
        if n_dead > ml - T - 3:
            return None
        deaths = [T + 2 + (ml - T - 3) * i // max(n_dead, 1) for i in range(n_dead)] + [ml]
        if len(set(deaths)) != len(deaths):
            return None
        t += deaths
        e += [True] * len(deaths)
        g += [late] * len(deaths)
        a -= len(deaths)
        start = ml + 1
    else:
        start = T + 2
    t += [start + (tmax - start) * i // max(a - 1, 1) for i in range(a)]
    e += [False] * a
    g += [late] * a
    return State(np.array(t, dtype=np.int64), np.array(e, dtype=bool),
                 np.array(g, dtype=np.int64))


def order_search(spec: Spec, max_checks: int = 200) -> SearchResult | None:
    """Search the two-phase family; a verified set, or None (not applicable / not found).

    Parameters
    ----------
    spec : Spec
        Two groups of printed sizes, each with a printed rate at one time, and a printed CI.
    max_checks : int
        Matches turned into data sets and checked with the survival core before giving up.
    """
    st = _setup(spec)
    if st is None:
        return None
    checks = 0
    for y0 in range(_MAX_Y0 + 1):
        a0 = st["n_l"] - y0
        rows = np.array(list(_phase_a(st["n_e"], a0, st["r_e"])), dtype=float)
        if rows.size == 0:
            continue
        b_all, oe_a, v_a = rows[:, 0].astype(int), rows[:, 1], rows[:, 2]
        for b in range(1, st["n_e"] + 1):
            idx = np.flatnonzero(b_all == b)
            if idx.size == 0:
                continue
            outs = _phase_b(a0, b, st["r_l"])
            if not outs:
                continue
            v_b = np.array([o[1] for o in outs])
            order = np.argsort(v_b, kind="stable")
            v_sorted = v_b[order]
            lo = np.searchsorted(v_sorted, st["v_lo"] - v_a[idx], "left")
            hi = np.searchsorted(v_sorted, st["v_hi"] - v_a[idx], "right")
            for i in np.flatnonzero(hi > lo):
                ia = int(idx[i])
                for j in order[lo[i]:hi[i]]:
                    oe = oe_a[ia] + outs[j][0]
                    v = v_a[ia] + outs[j][1]
                    if not _lp_ok(oe, v, st):
                        continue
                    path_a = _path_a(st["n_e"], a0, st["r_e"], ia)
                    state = _times(spec, st, y0, path_a, outs[j][2])
                    if state is None:
                        continue
                    checks += 1
                    values = candidate_values(state, spec, st["num"])
                    if all(t.allows(values.get(t.key)) for t in spec.targets):
                        return SearchResult(True, state, 0.0, 0, checks, st["num"])
                    if checks >= max_checks:
                        return None
    return None
