"""Tests from printed summaries: Python against R's stats package, to 1e-9.

Each R call that produced the reference is in the test, run through the bridge; the
published counts are Table 2 of the seed paper and hand-made tables.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from harness.core.summary_tests import chisq_p, fisher_exact_p, t_test_from_summaries

TABLES = [
    [[22, 11], [22, 9]],            # Table 2, gender (PM vs no PM)
    [[4, 2], [13, 3], [18, 15]],    # Table 2, grade 1/2/3
    [[2, 9], [37, 10]],             # Table 2, metastasis timing
    [[3, 0], [0, 3]],               # perfect separation
    [[1, 2, 3], [4, 0, 2], [0, 5, 1]],  # 3 x 3
    [[10, 12], [11, 13]],           # near independence
]


@pytest.mark.r
@pytest.mark.parametrize("counts", TABLES)
def test_fisher_matches_r(counts, r):
    py = fisher_exact_p(counts)
    ref = r.evaluate("fisher.test(counts)$p.value", counts=np.array(counts))
    assert_allclose(py, ref, rtol=1e-9)


@pytest.mark.r
@pytest.mark.parametrize("correct", [False, True])
@pytest.mark.parametrize("counts", TABLES)
def test_chisq_matches_r(counts, correct, r):
    py = chisq_p(counts, correct=correct)
    ref = r.evaluate("suppressWarnings(chisq.test(counts, correct = correct)$p.value)",
                     counts=np.array(counts), correct=correct)
    assert_allclose(py, ref, rtol=1e-9)


def test_fisher_by_hand():
    # [[3,0],[0,3]]: of the C(6,3) = 20 tables with these margins, the observed one and its
    # mirror each have probability 1/20 and are the only ones as extreme: p = 2/20.
    assert fisher_exact_p([[3, 0], [0, 3]]) == pytest.approx(0.1, rel=1e-12)


@pytest.mark.r
@pytest.mark.parametrize("welch", [False, True])
def test_t_from_summaries_matches_t_test_on_data(welch, r):
    # data whose summaries are exact, so R's own t.test on the raw values is the reference
    x = np.array([4.1, 5.3, 6.2, 5.9, 4.8, 7.0])
    y = np.array([6.6, 7.9, 8.1, 5.7, 9.4])
    py = t_test_from_summaries(x.mean(), x.std(ddof=1), x.size, y.mean(), y.std(ddof=1), y.size,
                               welch=welch)
    ref = r.evaluate("t <- t.test(x, y, var.equal = !welch); c(t$statistic, t$parameter, t$p.value)",
                     x=x, y=y, welch=welch)
    assert_allclose([py.t, py.df, py.p], ref, rtol=1e-9)


def test_t_by_hand():
    # pooled: means 52.3 vs 63.5, SD 12.8 both, n 44 and 20 (Table 2, age):
    # se = 12.8 * sqrt(1/44 + 1/20) = 3.45191..., t = -11.2 / se = -3.24459, df = 62
    res = t_test_from_summaries(52.3, 12.8, 44, 63.5, 12.8, 20)
    assert res.df == 62
    assert res.t == pytest.approx(-11.2 / (12.8 * np.sqrt(1 / 44 + 1 / 20)), rel=1e-12)


@pytest.mark.parametrize(
    "counts, match",
    [([[1, 2, 3]], "at least 2 rows"), ([[1, -1], [2, 3]], "non-negative"),
     ([[1.5, 1], [2, 3]], "whole"), ([[0, 0], [2, 3]], "sums to zero")],
)
def test_bad_tables(counts, match):
    with pytest.raises(ValueError, match=match):
        fisher_exact_p(counts)
    with pytest.raises(ValueError, match=match):
        chisq_p(counts)


def test_t_needs_two_per_group():
    with pytest.raises(ValueError, match="n >= 2"):
        t_test_from_summaries(1, 1, 1, 2, 1, 5)
