"""Tests recomputed from printed summaries: counts, or mean, SD and n per group.

Pure numpy/scipy; each function matches an R call to 1e-9 (see ``harness/r/stats.R`` and
``tests/test_summary_tests.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

#: R's fisher.test treats tables whose probability is within this relative error of the
#: observed one as "as extreme" (``relErr <- 1 + 10^(-7)`` in fisher.test).
_FISHER_REL_ERR = 1 + 1e-7
#: refuse complete enumeration beyond this many tables (the answer would take too long)
_MAX_TABLES = 2_000_000


def _as_counts(counts) -> np.ndarray:
    x = np.asarray(counts, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(
            f"counts must be a table with at least 2 rows and 2 columns, got shape {x.shape}")
    if np.isnan(x).any() or (x < 0).any() or (x != np.round(x)).any():
        raise ValueError("counts must be non-negative whole numbers")
    if (x.sum(axis=0) == 0).any() or (x.sum(axis=1) == 0).any():
        raise ValueError("counts has a row or column that sums to zero")
    return x.astype(np.int64)


def _log_table_prob(cells: np.ndarray, log_margin_term: float) -> np.ndarray:
    return log_margin_term - special.gammaln(cells + 1).sum(axis=-1)


def _tables(rows: np.ndarray, cols: np.ndarray):
    """Every table (flattened, row-major) with the given margins, as an array."""
    r, c = rows.size, cols.size
    out: list[list[int]] = []

    def fill(i: int, col_left: np.ndarray, acc: list[int]):
        if len(out) > _MAX_TABLES:
            raise ValueError(
                "table too large for complete enumeration in Fisher's exact test "
                f"(more than {_MAX_TABLES} tables with these margins)"
            )
        if i == r - 1:
            out.append(acc + col_left.tolist())
            return
        # distribute rows[i] over the columns, each cell bounded by what is left in its column
        def split(j: int, left: int, cells: list[int]):
            if j == c - 1:
                if left <= col_left[j]:
                    row = cells + [left]
                    fill(i + 1, col_left - np.array(row), acc + row)
                return
            rest = int(col_left[j + 1 :].sum())
            for v in range(max(0, left - rest), min(left, int(col_left[j])) + 1):
                split(j + 1, left - v, cells + [v])

        split(0, int(rows[i]), [])

    fill(0, cols.copy(), [])
    return np.array(out, dtype=np.int64)


def fisher_exact_p(counts) -> float:
    """Two-sided Fisher's exact test for an r x c table by complete enumeration.

    The p-value sums the probabilities of all tables with the observed margins that are no
    more probable than the observed table (with R's relative tolerance of 1e-7).

    Parameters
    ----------
    counts : array-like, shape (r, c)
        Whole non-negative counts; no row or column may sum to zero.

    Returns
    -------
    float

    R equivalent: ``fisher.test(counts)$p.value`` (two-sided; R uses the network algorithm
    for r x c tables, which sums the same probabilities).
    """
    x = _as_counts(counts)
    rows, cols = x.sum(axis=1), x.sum(axis=0)
    n = int(x.sum())
    margin = float(special.gammaln(rows + 1).sum() + special.gammaln(cols + 1).sum()
                   - special.gammaln(n + 1))
    tables = _tables(rows, cols)
    logp = _log_table_prob(tables, margin)
    obs = _log_table_prob(x.reshape(1, -1), margin)[0]
    keep = logp <= obs + math.log(_FISHER_REL_ERR)
    return float(min(1.0, np.exp(logp[keep]).sum()))


def chisq_p(counts, correct: bool = True) -> float:
    """Pearson's chi-square test of independence.

    Parameters
    ----------
    counts : array-like, shape (r, c)
    correct : bool
        Yates' continuity correction; as in R it applies to 2 x 2 tables only and is
        capped at 0.5 per cell (``min(0.5, |O - E|)``).

    R equivalent: ``chisq.test(counts, correct = correct)$p.value``.
    """
    x = _as_counts(counts).astype(float)
    n = x.sum()
    expected = np.outer(x.sum(axis=1), x.sum(axis=0)) / n
    dev = np.abs(x - expected)
    if correct and x.shape == (2, 2):
        dev = dev - np.minimum(0.5, dev)
    stat = float((dev**2 / expected).sum())
    df = (x.shape[0] - 1) * (x.shape[1] - 1)
    return float(stats.chi2.sf(stat, df))


@dataclass(frozen=True)
class TTest:
    """A two-sample t test computed from summaries."""

    t: float
    df: float
    p: float


def t_test_from_summaries(m1, s1, n1, m2, s2, n2, welch: bool = False) -> TTest:
    """Two-sample t test from means, SDs and sizes.

    Parameters
    ----------
    m1, s1, n1, m2, s2, n2 : float
        Mean, SD and size of each group; arrays broadcast (used for rounding corners).
    welch : bool
        Welch's unequal-variance test (Satterthwaite df) instead of the pooled test.

    R equivalent: ``t.test(x, y, var.equal = !welch)`` on data with these summaries;
    ``harness_t_from_summaries`` in ``harness/r/stats.R`` computes it from the summaries.
    """
    m1, s1, n1, m2, s2, n2 = (np.asarray(v, dtype=float) for v in (m1, s1, n1, m2, s2, n2))
    if np.any(n1 < 2) or np.any(n2 < 2):
        raise ValueError("each group needs n >= 2 for a t test")
    if np.any(s1 < 0) or np.any(s2 < 0):
        raise ValueError("standard deviations must be non-negative")
    if welch:
        v1, v2 = s1**2 / n1, s2**2 / n2
        se = np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    else:
        sp2 = ((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2)
        se = np.sqrt(sp2 * (1 / n1 + 1 / n2))
        df = n1 + n2 - 2
    t = (m1 - m2) / se
    p = 2 * stats.t.sf(np.abs(t), df)
    scalar = lambda a: float(a) if np.ndim(a) == 0 else a  # noqa: E731
    return TTest(scalar(t), scalar(df), scalar(p))


def mann_whitney_p(x, y, method: str = "auto") -> float:
    """Two-sided Mann-Whitney (Wilcoxon rank-sum) p of two samples of values.

    Parameters
    ----------
    x, y : array-like of float
        The values of each group (no missing values).
    method : {"auto", "exact", "normal"}
        As R's ``wilcox.test``: "auto" is exact when both samples have fewer than 50 values
        and there are no ties, otherwise the normal approximation with continuity and tie
        correction; "exact" with ties falls back to the normal approximation, as R does.

    R equivalent: ``wilcox.test(x, y, exact = NULL | TRUE | FALSE, correct = TRUE)$p.value``.
    """
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    if a.size == 0 or b.size == 0 or np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("each group needs at least one value and no missing values")
    if method not in ("auto", "exact", "normal"):
        raise ValueError(f"method must be auto, exact or normal, got {method!r}")
    ties = np.unique(np.concatenate([a, b])).size < a.size + b.size
    exact = (a.size < 50 and b.size < 50) if method == "auto" else method == "exact"
    how = "exact" if exact and not ties else "asymptotic"
    return float(stats.mannwhitneyu(a, b, alternative="two-sided", use_continuity=True,
                                    method=how).pvalue)
