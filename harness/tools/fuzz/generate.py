"""Seeded generator of nasty right-censored data sets (the families of issue 14).

Each set has times, 0/1 status, an integer group (2-6 levels, or none) and optional integer
strata. Families: ``basic``, ``heavy_ties`` (integer times 1..5), ``all_censored``,
``group_no_events``, ``k_groups`` (3-6 small arms), ``strata``, ``zero_huge`` (zero times and
times near 1e8 or 1e-8), ``tiny_spacing`` (times 1e-9 apart: R's timefix merges them),
``float_noise`` (round times perturbed by a few ulps), ``tiny_n`` (1-6 rows), ``separation``
(one group's events all before the other's), ``near_equal`` (times on a 0.1 grid, some moved by
1e-12, 1e-9 or 1e-7 relative, some computed as sums such as 0.1 + 0.2, short chains 1e-8 apart
and values within 1.5e-8 of 0: ties R's timefix restores next to gaps it keeps),
``large`` (16k-98k rows; only with ``large=True``).
Set ``i`` of seed ``s`` is the same on every machine (numpy ``default_rng([s, i])``); half of
the sets (drawn from ``default_rng([s, i, 1])``) run with ``timefix`` off on both sides (R's
``timefix = FALSE``), the others with R's default ``timefix = TRUE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["FAMILIES", "FuzzSet", "generate", "make_set"]

FAMILIES = ("basic", "heavy_ties", "all_censored", "group_no_events", "k_groups", "strata",
            "zero_huge", "tiny_spacing", "float_noise", "tiny_n", "separation", "near_equal")


@dataclass
class FuzzSet:
    """One data set: times, 0/1 status, group codes (or None), strata codes (or None)."""

    id: str
    family: str
    time: np.ndarray
    status: np.ndarray
    group: np.ndarray | None
    strata: np.ndarray | None = None
    km_times: list = field(default_factory=list)
    tau: float = 1.0
    timefix: bool = True

    def subset(self, rows: np.ndarray, suffix: str = "s") -> FuzzSet:
        return finish(FuzzSet(f"{self.id}{suffix}", self.family, self.time[rows],
                              self.status[rows],
                              None if self.group is None else self.group[rows],
                              None if self.strata is None else self.strata[rows],
                              timefix=self.timefix))

    @property
    def n(self) -> int:
        return int(self.time.size)


def finish(s: FuzzSet) -> FuzzSet:
    """Evaluation times (quartiles of the event times) and the RMST horizon."""
    ev = np.sort(s.time[s.status == 1]) if s.status.any() else np.sort(s.time)
    if ev.size:
        s.km_times = sorted({float(np.quantile(ev, q, method="lower")) for q in (0.25, 0.5, 0.75)})
    tmax = float(s.time.max()) if s.n else 1.0
    s.tau = tmax * 0.8 if tmax > 0 else 1.0
    if s.group is not None:  # codes 0..k-1 with every level present (R's factor levels)
        _, s.group = np.unique(s.group, return_inverse=True)
    if s.strata is not None:
        _, s.strata = np.unique(s.strata, return_inverse=True)
    return s


def _groups(rng, n, k):
    g = rng.integers(0, k, n)
    g[:min(k, n)] = np.arange(min(k, n))  # every level present when n >= k
    return rng.permutation(g)


def make_set(seed: int, i: int, family: str | None = None, large: bool = False) -> FuzzSet:
    """Set ``i`` of ``seed`` (its family drawn from the seed unless given)."""
    rng = np.random.default_rng([seed, i])
    fams = FAMILIES + (("large",) if large else ())
    fam = family or fams[int(rng.integers(len(fams)))]
    n = int(rng.integers(2, 301)) if fam != "tiny_n" else int(rng.integers(1, 7))
    k = int(rng.integers(2, 7)) if fam == "k_groups" else 2
    if fam == "k_groups":
        n = int(rng.integers(k, 30))
    if fam == "large":
        n = int(rng.integers(16_000, 98_000))
    g = _groups(rng, n, k)
    hr = np.exp(rng.normal(0, 1, k))
    t = rng.exponential(10.0, n) / hr[g]
    c = rng.exponential(20.0, n)
    status = (t <= c).astype(int)
    time = np.minimum(t, c)
    strata = None
    if fam == "heavy_ties":
        time = np.ceil(time / max(time.max(), 1e-300) * 5)
    elif fam == "all_censored":
        status[:] = 0
    elif fam == "group_no_events":
        status[g == int(rng.integers(k))] = 0
    elif fam == "strata":
        strata = rng.integers(0, int(rng.integers(2, 5)), n)
    elif fam == "zero_huge":
        scale = 10.0 ** float(rng.choice([-8, 8]))
        time = np.round(time, 1) * scale
        time[rng.random(n) < 0.1] = 0.0
    elif fam == "tiny_spacing":
        time = 5.0 + rng.integers(0, 20, n) * 1e-9
    elif fam == "float_noise":
        time = np.round(time) + 1.0
        time = time * (1 + rng.integers(-3, 4, n) * np.finfo(float).eps)
    elif fam == "separation":
        time = np.where(g == 0, rng.uniform(0, 1, n), rng.uniform(2, 3, n))
        status = np.where(g == 0, 1, status)
    elif fam == "large":
        time = np.ceil(time * 10) / 10
    elif fam == "near_equal":
        time = _near_equal(rng, time)
    timefix = bool(np.random.default_rng([seed, i, 1]).integers(2))
    return finish(FuzzSet(f"{seed}-{i}", fam, time.astype(float), status, g, strata,
                          timefix=timefix))


def _near_equal(rng, time: np.ndarray) -> np.ndarray:
    """Times on a 0.1 grid, perturbed so that some pairs are within R's timefix tolerance
    (1.49e-8, absolute or relative to the mean distinct time) and some just outside it."""
    n = time.size
    base = np.maximum(np.round(time, 1), 0.1)
    rel = np.array([0.0, 1e-12, 1e-9, 1e-7])[rng.integers(0, 4, n)]
    out = base * (1 + rel * rng.choice([-1.0, 1.0], n))
    sums = rng.random(n) < 0.2  # 0.1 + 0.2 style: a decimal reached by a float sum
    out[sums] = np.round(base[sums] - 0.1, 1) + 0.1
    chain = rng.random(n) < 0.1  # runs whose neighbours are 1e-8 apart (relative)
    out[chain] = base[chain] * (1 + 1e-8 * rng.integers(0, 4, int(chain.sum())))
    tiny = rng.random(n) < 0.05  # within 1.5e-8 of 0: tied by the absolute test
    out[tiny] = rng.integers(0, 3, int(tiny.sum())) * 6e-9
    return out


def generate(n_sets: int, seed: int = 1, large: int = 0) -> list[FuzzSet]:
    """``n_sets`` sets of ``seed`` plus ``large`` sets of 16k-98k rows."""
    out = [make_set(seed, i) for i in range(n_sets)]
    out += [make_set(seed, n_sets + j, family="large") for j in range(large)]
    return out
