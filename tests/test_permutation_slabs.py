"""Selection sampling in slabs (harness.resample.statistics.PermutationStatistics.sample_two).

The uniforms are drawn slab by slab from the last rows; given the same uniforms, the statistic
must be the one of the labels that Knuth's selection rule picks, whatever the slab size. The
reference replays the rule in float32 scalars (the sampler's arithmetic), maps the labels back
to the input rows and computes survdiff's chi-square with harness.core.logrank.
"""

import numpy as np
import pytest

from harness.core.logrank import weighted_logrank
from harness.resample import statistics as S
from harness.resample.permutation import _setup


class Rows:
    """A stand-in generator handing out the rows of ``U`` from the last, as the slabs ask."""

    def __init__(self, U):
        self.U, self.hi = U, U.shape[0]

    def random(self, shape, dtype):
        r = shape[0]
        out = self.U[self.hi - r:self.hi].astype(dtype)
        self.hi -= r
        return out


def replay(eng, U):
    """Second-group indicators (sorted rows x permutations) by the selection rule."""
    n, m = U.shape
    strata = eng.sd.stratum
    L = np.zeros((n, m), bool)
    for b in range(m):
        for s in np.unique(strata):
            rows = np.flatnonzero(strata == s)
            need = np.float32((eng.g[rows] == 1).sum())
            taken = np.float32(0)
            for i, r in enumerate(rows[::-1]):
                rem = np.float32(rows.size - i)
                if np.float32(U[r, b]) * rem + taken < need:
                    L[r, b] = True
                    taken += np.float32(1)
    return L


@pytest.mark.parametrize("statistic", ["chisq", "coin"])
@pytest.mark.parametrize("with_strata", [False, True])
def test_slabs_give_the_statistic_of_the_selected_labels(statistic, with_strata, monkeypatch):
    rng = np.random.default_rng(4)
    n, m = 150, 12
    t = np.ceil(rng.exponential(20.0, n))
    e = (rng.random(n) < 0.7).astype(int)
    g = rng.integers(1, 3, n)
    s = rng.integers(0, 3, n) if with_strata else None
    eng = _setup(t, e, g, s, "logrank", 0.0, 0.0, statistic, "01", None).eng
    U = rng.random((n, m)).astype(np.float32)
    one = eng.sample_two(Rows(U), m)  # n * m <= SLAB: one slab
    monkeypatch.setattr(S, "SLAB", 17 * m)  # slabs of 17 rows, the last one shorter
    sliced = eng.sample_two(Rows(U), m)
    np.testing.assert_allclose(sliced, one, rtol=1e-12)
    L = replay(eng, U)
    labels = np.empty((m, n), int)
    labels[:, eng.sd.order] = L.T + 1  # back to the input rows
    if statistic == "chisq":
        want = [weighted_logrank(t, e, lab, s).chisq for lab in labels]
    else:  # coin: (O - E)^2 over the permutation variance, O - E = sum of the scores
        want = [(eng.scores @ col) ** 2 * eng.cov_inv[0, 0] for col in L.T]
    np.testing.assert_allclose(sliced, want, rtol=1e-9)
    # every permutation keeps each stratum's group sizes
    for st in np.unique(eng.sd.stratum):
        rows = eng.sd.stratum == st
        assert (L[rows].sum(axis=0) == (eng.g[rows] == 1).sum()).all()
