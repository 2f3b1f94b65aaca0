"""The compiled two-group permutation sampler (harness.resample.kernels).

Its generator must be numpy's SFC64 word for word; its permutations must be the ones the
documented algorithm (pairs of partial Fisher-Yates shuffles, Lemire's bounded integers)
draws from that stream, replayed here in plain Python; each statistic must be survdiff's
chi-square (harness.core.logrank) or coin's of those labels; and the subsets must be uniform.
"""

import numpy as np
import pytest
from scipy import stats

from harness.core.logrank import weighted_logrank
from harness.resample.kernels import sfc64_raw, sfc64_state, two_group_permutations
from harness.resample.permutation import _setup

TWO32 = 1 << 32


def test_sfc64_is_numpys_stream():
    seq = np.random.SeedSequence(2024).spawn(3)[2]
    state = sfc64_state(seq)
    ref = np.random.SFC64(seq)
    np.testing.assert_array_equal(sfc64_raw(state, 1000), ref.random_raw(1000))
    np.testing.assert_array_equal(sfc64_raw(state, 7), ref.random_raw(7))  # state carried


def _accept(low: int, size: int) -> bool:
    return low >= size or low >= (TWO32 - size) % size


def replay(eng, seq, m):
    """Second-group indicators (m, n) in sorted-row order, drawn as the kernel documents."""
    raw = iter(int(x) for x in np.random.SFC64(seq).random_raw(10**6))
    s_start, s_stop, take, flip = eng._kernel_plan()[:4]
    n = eng.n
    idx = [list(range(n)), list(range(n))]
    out = []
    for _ in range(0, m + (m & 1), 2):
        L = np.zeros((2, n), int)
        for lo, hi, k, fl in zip(s_start, s_stop, take, flip):
            for i in range(lo, lo + k):
                size = hi - i
                while True:
                    r = next(raw)
                    pa, pb = (r & 0xFFFFFFFF) * size, (r >> 32) * size
                    if _accept(pa & 0xFFFFFFFF, size) and _accept(pb & 0xFFFFFFFF, size):
                        break
                for h, p in enumerate((pa, pb)):
                    j = i + (p >> 32)
                    idx[h][i], idx[h][j] = idx[h][j], idx[h][i]
            for h in range(2):
                drawn = np.zeros(n, bool)
                drawn[idx[h][lo:lo + k]] = True
                L[h, lo:hi] = drawn[lo:hi] ^ bool(fl)
        out += [L[0], L[1]]
    return np.array(out[:m])


@pytest.mark.parametrize("statistic", ["chisq", "coin"])
@pytest.mark.parametrize("with_strata", [False, True])
def test_kernel_gives_the_statistic_of_the_replayed_labels(statistic, with_strata):
    rng = np.random.default_rng(4)
    n, m = 90, 13  # m odd: the last pair's second permutation is dropped
    t = np.ceil(rng.exponential(20.0, n))
    e = (rng.random(n) < 0.7).astype(int)
    g = np.where(rng.random(n) < 0.35, 2, 1)  # the second group is the smaller
    s = rng.integers(0, 3, n) if with_strata else None
    if with_strata:
        g[s == 1] = np.where(rng.random((s == 1).sum()) < 0.8, 2, 1)  # a flipped stratum
    eng = _setup(t, e, g, s, "logrank", 0.0, 0.0, statistic, "01", None).eng
    flip = eng._kernel_plan()[3]
    assert flip.any() == with_strata and not flip.all()
    seq = np.random.SeedSequence(11)
    got = eng.sample_two(seq, m)
    L = replay(eng, seq, m)
    # every permutation keeps each stratum's group sizes
    for lo, hi in zip(eng.s_start, eng.s_stop):
        assert (L[:, lo:hi].sum(axis=1) == (eng.g[lo:hi] == 1).sum()).all()
    labels = np.empty((m, n), int)
    labels[:, eng.sd.order] = L + 1  # back to the input rows
    if statistic == "chisq":
        want = [weighted_logrank(t, e, lab, s).chisq for lab in labels]
    else:  # coin: (O - E)^2 over the permutation variance, O - E = sum of the scores
        want = [(eng.scores @ row) ** 2 * eng.cov_inv[0, 0] for row in L]
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_subsets_and_pairs_are_uniform():
    # scores 1, 2, 4, ...: the sum names the subset; 2 of 6 rows: 15 subsets
    n, k, m = 6, 2, 60_000
    scores = 2.0 ** np.arange(n)
    i64 = lambda *v: np.array(v, np.int64)  # noqa: E731
    ome = np.empty(m)
    two_group_permutations(scores, i64(0), i64(n), i64(k), i64(0), np.array([scores.sum()]),
                           np.full(n, -1, np.int32), np.empty(0), np.empty(0), False,
                           sfc64_state(np.random.SeedSequence(5)), ome, np.empty(0))
    code = {v: c for c, v in enumerate(sorted({2.0**a + 2.0**b for a in range(n)
                                                for b in range(a + 1, n)}))}
    c = np.array([code[v] for v in ome])  # KeyError: not a 2-subset
    counts = np.bincount(c, minlength=15)
    assert stats.chisquare(counts).pvalue > 1e-4
    # the two permutations of a pair, and consecutive pairs, are independent
    pair = np.bincount(c[0::2] * 15 + c[1::2], minlength=225)
    assert stats.chisquare(pair).pvalue > 1e-4
    nxt = np.bincount(c[1:-1:2] * 15 + c[2::2], minlength=225)
    assert stats.chisquare(nxt).pvalue > 1e-4
