"""Permutation tests of equal survival: exact enumeration or seeded Monte Carlo.

The weighted log-rank family (any weight of :data:`harness.core.cells.WEIGHTS`), the
Mantel-Haenszel and the Cox hazard ratio, for k groups and strata (labels are permuted within
strata), by complete enumeration when the number of distinct label arrangements is small and
by Monte Carlo otherwise. The statistics are computed for all resamples of a block at once
(:class:`harness.resample.statistics.PermutationStatistics`); blocks, seeds and threads are
:mod:`harness.resample.engine`'s.

R equivalent: ``coin::logrank_test(..., distribution = approximate(nresample = B))`` and
``survdiff`` on permuted labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from harness.core.cells import check_weights, level_codes
from harness.core.survdata import SurvData
from harness.resample import engine
from harness.resample.args import check_B, check_choice, check_seed, group_codes
from harness.resample.combinatorics import labelings, labelings_two, multinomial
from harness.resample.statistics import PermutationStatistics

#: Statistics :func:`permutation_test` can permute.
PERMUTATION_STATISTICS = ("chisq", "coin", "mh_hr", "cox_hr")
_METHODS = ("auto", "exact", "monte-carlo")
#: Relative tolerance for ``T >= observed`` (ties of the statistic).
_REL_TIES = 1e-10
#: Permutations per block of the compiled two-group sampler at most; the blocks come in an
#: even number so that two threads share them evenly (one block below a quarter of this).
#: Since the compiled sampler (partial Fisher-Yates, replacing selection sampling), a seed
#: draws other permutations than before.
_KERNEL_BLOCK = 8192


@dataclass(frozen=True)
class PermutationResult:
    """Result of a permutation test.

    Attributes
    ----------
    test : str
        The weight (a key of :data:`harness.core.cells.WEIGHTS`, what ``weights=`` took;
        ``"logrank"`` for the hazard ratios).
    statistic : str
        ``"chisq"`` (survdiff's chi-square with the hypergeometric variance, recomputed for
        every arrangement), ``"coin"`` (coin's standardised statistic: the same ``O - E`` over
        the permutation variance, fixed for all arrangements), ``"mh_hr"`` (``|ln HR_MH|``)
        or ``"cox_hr"`` (``|ln HR_Cox|``, Efron ties).
    observed : float
        The statistic on the observed labels.
    estimate : float
        ``chisq`` / ``coin``: the same as ``observed``; hazard ratios: the signed HR of the
        second level vs the first (R's reference level).
    p_value : float
        Exact: ``#(T >= observed) / N``; Monte Carlo: ``(b + 1) / (B + 1)``.
    method : {"exact", "monte-carlo"}
    resamples : int
        Arrangements enumerated (exact) or permutations drawn (Monte Carlo).
    exceed : int
        Arrangements with ``T >= observed`` (relative tolerance 1e-10 for ties).
    mc_se : float
        Monte Carlo standard error ``sqrt(p (1 - p) / B)`` with ``p = exceed / B``; 0 for exact.
    undefined : int
        Resamples where the statistic is undefined (NaN: e.g. V = 0); excluded from both the
        count and ``B`` (``p = (b + 1) / (B - undefined + 1)``). Infinite Cox coefficients
        (monotone likelihood) count as ``+inf``: at least as extreme as any finite value.
    arrangements : int
        Number of distinct label arrangements (product over strata of multinomials).
    seed : int or None
        The integer seed (``None`` for exact enumeration).
    levels : tuple
    distribution : ndarray
        The statistic for every resample (in generation order).

    R equivalent: ``coin::logrank_test(Surv(time, status) ~ group | strata, distribution =
    approximate(nresample = B))`` (``statistic = "coin"``); ``survdiff`` on each permuted
    labelling (``statistic = "chisq"``).
    """

    test: str
    statistic: str
    observed: float
    estimate: float
    p_value: float
    method: str
    resamples: int
    exceed: int
    mc_se: float
    undefined: int
    arrangements: int
    seed: int | None
    levels: tuple
    rho: float = 0.0
    gamma: float = 0.0
    distribution: np.ndarray = field(default=None, repr=False)

    @property
    def summary(self) -> pd.DataFrame:
        """One row: test, statistic, observed, p, method, resamples, MC SE, undefined."""
        return pd.DataFrame(
            {
                "test": [self.test],
                "statistic": [self.statistic],
                "observed": [self.observed],
                "estimate": [self.estimate],
                "p": [self.p_value],
                "method": [self.method],
                "resamples": [self.resamples],
                "exceed": [self.exceed],
                "mc_se": [self.mc_se],
                "undefined": [self.undefined],
                "arrangements": [self.arrangements],
                "seed": [self.seed],
            }
        )


@dataclass(frozen=True)
class _Setup:
    """A validated permutation problem."""

    eng: PermutationStatistics
    levels: list
    weights: str
    rho: float
    gamma: float


def _setup(time, event, group, strata, weights, rho, gamma, statistic, coding,
           levels, timefix: bool = True) -> _Setup:
    spec, rho, gamma = check_weights(weights, rho, gamma)
    weights = spec.name
    check_choice("statistic", statistic, PERMUTATION_STATISTICS)
    if weights == "peto" and rho == 0:
        rho = 1.0
    if group is None:
        raise ValueError("group is required: a permutation test compares at least two groups")
    data = SurvData.from_arrays(time, event, group, strata, coding=coding, levels=levels,
                                timefix=timefix)
    g, lv = group_codes(data, levels)
    k = len(lv)
    if k < 2:
        raise ValueError(f"only one group ({lv[0]!r}): a permutation test needs at least two")
    if statistic in ("mh_hr", "cox_hr"):
        if k != 2:
            raise ValueError(f"statistic={statistic!r} needs exactly two groups, got {k}")
        weights, rho, gamma = "logrank", 0.0, 0.0
    s_codes, s_levels = level_codes(data.strata, data.n)
    eng = PermutationStatistics(data, g, k, s_codes, len(s_levels), weights, rho, gamma,
                                statistic)
    return _Setup(eng, lv, weights, rho, gamma)


def permutation_statistics(
    time: Any,
    event: Any,
    group: Any,
    labels: Any,
    strata: Any = None,
    *,
    weights: str = "logrank",
    rho: float = 0.0,
    gamma: float = 0.0,
    statistic: str = "chisq",
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
) -> np.ndarray:
    """The permutation statistic for given relabellings (rows of ``labels``).

    Parameters
    ----------
    time, event, group, strata, weights, rho, gamma, statistic, coding, levels, timefix
        As :func:`permutation_test`; ``group`` fixes the levels and their sizes.
    labels : array-like, shape (b, n)
        Each row a labelling of the rows (values among the group levels, same group sizes
        per stratum for a permutation, though any labelling with every level present works
        for ``"chisq"``).

    Returns
    -------
    ndarray (b,)
        E.g. ``survdiff(Surv(time, status) ~ labels[i, ])$chisq`` for ``statistic="chisq"``.

    R equivalent: ``apply(labels, 1, function(g) survdiff(Surv(time, status) ~ g)$chisq)``.
    """
    su = _setup(time, event, group, strata, weights, rho, gamma, statistic, coding, levels,
                timefix)
    eng, lv = su.eng, su.levels
    lab = np.asarray(labels)
    if lab.ndim != 2 or lab.shape[1] != eng.n:
        raise ValueError(f"labels must have shape (b, {eng.n}), got {lab.shape}")
    index = {v: i for i, v in enumerate(lv)}
    try:
        codes = np.vectorize(lambda v: index[v], otypes=[np.int8])(lab)
    except KeyError as exc:
        raise ValueError(f"label {exc.args[0]!r} is not a group level {lv!r}") from None
    return eng.evaluate(codes[:, eng.sd.order])


def permutation_test(
    time: Any,
    event: Any,
    group: Any,
    strata: Any = None,
    *,
    weights: str = "logrank",
    rho: float = 0.0,
    gamma: float = 0.0,
    statistic: str = "chisq",
    B: int = 10_000,
    seed: int | None = None,
    method: str = "auto",
    exact_limit: int = 200_000,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> PermutationResult:
    """Permutation test of equal survival across groups (labels permuted within strata).

    Parameters
    ----------
    time, event, group : array-like
        Validated by :class:`harness.core.survdata.SurvData`; at least two groups.
    strata : array-like, optional
        Labels are permuted within each stratum; O, E and V are summed over strata with the
        weights computed within each (as ``survdiff(... + strata(s))``).
    weights : str
        A key of :data:`harness.core.cells.WEIGHTS` (``"logrank"``, ``"peto"``,
        ``"fleming-harrington"``, ``"gehan-breslow"``, ``"tarone-ware"``), as in
        :func:`harness.core.logrank.weighted_logrank`; ``"peto"`` uses ``rho`` (default 1
        when 0 is given), ``"fleming-harrington"`` uses ``rho`` and ``gamma``. An unknown
        name raises ``ValueError`` naming the choices.
    rho, gamma : float
        Exponents, >= 0; a non-zero exponent the weight does not use raises ``ValueError``.
    statistic : {"chisq", "coin", "mh_hr", "cox_hr"}
        See :class:`PermutationResult`. ``"mh_hr"`` and ``"cox_hr"`` need two groups and use
        the log-rank weights (``weights`` is then ignored).
    B : int
        Monte Carlo resamples (>= 1).
    seed : int or None
        Seed of the generator (``None``: fresh entropy, recorded in the result).
    method : {"auto", "exact", "monte-carlo"}
        ``"auto"``: complete enumeration when the number of distinct arrangements is at most
        ``exact_limit``, Monte Carlo otherwise.
    exact_limit : int
    timefix : bool
        Merge times equal up to rounding error once, before permuting (R's ``aeqSurv``, as
        ``survdiff``; coin does not merge: ``timefix=False`` to compare with coin).
    n_jobs : int or None
        Threads (default: 2 on large work, else 1). The result does not depend on it.
    progress : bool or None
        Progress text on stderr (default: only when stderr is a terminal).

    Returns
    -------
    PermutationResult

    Raises
    ------
    ValueError
        Bad data (from :class:`SurvData`), fewer than two groups, a level with no rows, B < 1,
        a seed that is not an integer, an unknown weight / statistic / method,
        ``method="exact"`` beyond ``exact_limit``, or a statistic undefined on the observed
        data.

    Notes
    -----
    R equivalent: ``coin::logrank_test(Surv(time, status) ~ group, distribution =
    approximate(nresample = B))`` for ``statistic="coin"`` (coin's ``type = "logrank"`` and
    ``"Gehan-Breslow"`` have the same ``O - E``; coin's ``"Prentice"`` is not survdiff's
    ``rho = 1``); ``sapply(perms, function(g) survdiff(Surv(time, status) ~ g)$chisq)`` for
    ``statistic="chisq"``. coin divides ``O - E`` by the permutation variance
    ``n/(n-1) mean((a - abar)^2) (diag(n_j) - n_j n_l / n)`` of the scores, survdiff by the
    hypergeometric variance, which changes with the labels; so the two p-values differ
    (slightly) even for the same permutations.
    """
    check_choice("method", method, _METHODS)
    B = check_B(B)
    su = _setup(time, event, group, strata, weights, rho, gamma, statistic, coding, levels,
                timefix)
    eng = su.eng
    obs, est = eng.observed()
    if not np.isfinite(obs) and not np.isinf(obs):
        raise ValueError(
            f"the {statistic} statistic is undefined on the observed data (e.g. no event time "
            "with both groups at risk)")
    arrangements = _arrangements(eng)
    use_exact = method == "exact" or (method == "auto" and arrangements <= exact_limit)
    if method == "exact" and arrangements > exact_limit:
        raise ValueError(
            f"{arrangements} label arrangements exceed exact_limit={exact_limit}: "
            "raise exact_limit or use Monte Carlo")
    common = dict(test=su.weights, statistic=statistic, observed=obs, estimate=est,
                  arrangements=arrangements, levels=tuple(su.levels), rho=float(su.rho),
                  gamma=float(su.gamma))
    if use_exact:
        dist = _exact_distribution(eng, n_jobs, progress)
        total = dist.size
        defined = ~np.isnan(dist)
        exceed = _exceed(dist[defined], obs)
        n_def = int(defined.sum())
        return PermutationResult(
            p_value=exceed / n_def if n_def else float("nan"), method="exact",
            resamples=total, exceed=exceed, mc_se=0.0, undefined=int(total - n_def),
            seed=None, distribution=dist, **common)
    seed = check_seed(seed)
    dist = _monte_carlo_distribution(eng, B, seed, n_jobs, progress)
    defined = ~np.isnan(dist)
    n_def = int(defined.sum())
    exceed = _exceed(dist[defined], obs)
    phat = exceed / n_def if n_def else float("nan")
    return PermutationResult(
        p_value=(exceed + 1) / (n_def + 1), method="monte-carlo", resamples=B, exceed=exceed,
        mc_se=float(np.sqrt(phat * (1 - phat) / n_def)) if n_def else float("nan"),
        undefined=int(B - n_def), seed=seed, distribution=dist, **common)


def _exceed(values: np.ndarray, obs: float) -> int:
    """Number of values ``>= obs`` up to the relative tie tolerance."""
    tol = _REL_TIES * abs(obs) if np.isfinite(obs) else 0.0
    return int((values >= obs - tol).sum())


def _strata(eng: PermutationStatistics) -> list[np.ndarray]:
    """The sorted-row positions of each stratum (runs of the sorted rows)."""
    return [np.arange(lo, hi) for lo, hi in zip(eng.s_start.tolist(), eng.s_stop.tolist())]


def _arrangements(eng: PermutationStatistics) -> int:
    """Distinct label arrangements: product over strata of multinomial coefficients."""
    out = 1
    for p in _strata(eng):
        out *= multinomial(np.bincount(eng.g[p], minlength=eng.k))
    return out


def _rows_per_block(eng: PermutationStatistics) -> int:
    return max(1, min(4096, engine.BUDGET // max(eng.n, 1 + eng.ecell.size) // max(1, eng.k - 1)))


def _exact_distribution(eng: PermutationStatistics, n_jobs, progress) -> np.ndarray:
    """The statistic for every distinct arrangement (mixed-radix over per-stratum tables)."""
    k = eng.k
    pos = _strata(eng)
    tables = []
    for p in pos:
        codes = eng.g[p]
        cnt = np.bincount(codes, minlength=k)
        tables.append(labelings_two(codes.size, int(cnt[1])) if k == 2 else labelings(codes, k))
    sizes = [t.shape[0] for t in tables]
    total = int(np.prod(sizes, dtype=object))

    def work(i, a, b):
        gi = np.arange(a, b, dtype=np.int64)
        G = np.empty((b - a, eng.n), np.int8)
        rem = gi
        for tab, p, size in zip(tables[::-1], pos[::-1], sizes[::-1]):
            G[:, p] = tab[rem % size]
            rem = rem // size
        return eng.evaluate(G)

    parts = engine.blocks(total, _rows_per_block(eng))
    jobs = engine.n_jobs(n_jobs, float(total) * eng.n)
    return np.concatenate(engine.run(parts, work, jobs, engine.Progress(total, "exact", progress)))


def _monte_carlo_distribution(eng: PermutationStatistics, B: int, seed: int, n_jobs,
                              progress) -> np.ndarray:
    """The statistic for ``B`` seeded random permutations within strata."""
    k = eng.k
    compiled = k == 2 and eng.statistic in ("chisq", "coin")
    if compiled:  # one block for a small B, else an even number of blocks
        nb = 1 if B < _KERNEL_BLOCK // 4 else 2 * -(-B // (2 * _KERNEL_BLOCK))
    else:
        nb = -(-B // _rows_per_block(eng))
    parts = engine.blocks(B, -(-B // nb))  # balanced blocks; their sizes depend on n and B only
    children = engine.block_seeds(seed, len(parts))
    if not compiled:
        pos = _strata(eng)
        base = eng.g.astype(np.int8)
        n1_s = [int((base[p] == 1).sum()) for p in pos]

    def work(i, a, b):
        if compiled:
            return eng.sample_two(children[i], b - a)
        rng = np.random.default_rng(children[i])
        if k == 2:
            return eng.evaluate_two(_draw_two(rng, b - a, eng.n, pos, n1_s))
        return eng.evaluate(_draw_k(rng, b - a, eng.n, pos, base))

    jobs = engine.n_jobs(n_jobs, float(B) * eng.n * (k - 1))
    return np.concatenate(engine.run(parts, work, jobs, engine.Progress(B, "permutations",
                                                                       progress)))


def _draw_two(rng: np.random.Generator, m: int, n: int, pos: list[np.ndarray],
              n1_s: list[int]) -> np.ndarray:
    """``m`` random second-group indicators, (n, m): per stratum the ``n1`` smallest keys."""
    LT = np.zeros((n, m))
    for p, n1 in zip(pos, n1_s):
        if n1 == 0:
            continue
        if n1 == p.size:
            LT[p] = 1.0
            continue
        keys = rng.random((m, p.size))
        kth = np.partition(keys, n1 - 1, axis=1)[:, n1 - 1]
        mask = keys <= kth[:, None]
        if p.size == n:
            LT = np.ascontiguousarray(mask.T, dtype=float)
        else:
            LT[p] = mask.T
    return LT


def _draw_k(rng: np.random.Generator, m: int, n: int, pos: list[np.ndarray],
            base: np.ndarray) -> np.ndarray:
    """``m`` random permutations of the label codes within strata, (m, n)."""
    if len(pos) == 1:
        keys = rng.random((m, n))
        return base[np.argsort(keys, axis=1)]
    G = np.empty((m, n), np.int8)
    for p in pos:
        keys = rng.random((m, p.size))
        G[:, p] = base[p][np.argsort(keys, axis=1)]
    return G
