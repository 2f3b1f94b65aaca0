"""The fast paths of the Cox likelihood (harness.core.coxlik) against a direct transcription of
the Efron / Breslow formulas, and the packed-key sort against numpy's stable lexsort.

The reference below loops over event times and sums the risk set directly (the textbook
subtraction form ``sum_R r - (k/d) sum_D r``, k = 0..d-1); the vectorised code builds the
same denominators by addition (``later + censored + ((d-k)/d) dead``), through three paths:
untied times (reverse cumulative sums), tied times (segment sums per cell), and one 0/1
covariate (its squared row not formed). Agreement to 1e-10 relative.
"""

import numpy as np
import pytest

from harness.core.coxlik import Sorted, evaluate, sort_order


def naive(time, dead, x, strata, beta, ties):
    """(loglik, score, info) by direct sums over each risk set."""
    eta = x @ beta
    r = np.exp(eta)
    p = x.shape[1]
    ll, u, info = 0.0, np.zeros(p), np.zeros((p, p))
    for s in np.unique(strata):
        ins = strata == s
        for t in np.unique(time[ins & dead]):
            risk = ins & (time >= t)
            died = ins & (time == t) & dead
            d = int(died.sum())
            s0, s1 = r[risk].sum(), r[risk] @ x[risk]
            s2 = (r[risk, None, None] * x[risk, :, None] * x[risk, None, :]).sum(axis=0)
            d0, d1 = r[died].sum(), r[died] @ x[died]
            d2 = (r[died, None, None] * x[died, :, None] * x[died, None, :]).sum(axis=0)
            ll += eta[died].sum()
            u += x[died].sum(axis=0)
            for k in range(d):
                f = k / d if ties == "efron" else 0.0
                a0, a1, a2 = s0 - f * d0, s1 - f * d1, s2 - f * d2
                m = a1 / a0
                ll -= np.log(a0)
                u -= m
                info += a2 / a0 - np.outer(m, m)
    return ll, u, info


def data(seed, n, tied, p, binary, n_strata):
    rng = np.random.default_rng(seed)
    t = rng.exponential(10.0, n)
    if tied == "light":  # a few tied times: most cells one row (the row-sum path)
        t = np.round(t, 1)
    elif tied:  # heavily tied (the segment-sum path)
        t = np.ceil(t / 3.0)
    dead = rng.random(n) < 0.7
    if binary:
        x = rng.integers(0, 2, (n, p)).astype(float)
    else:
        x = rng.normal(size=(n, p))
    s = rng.integers(0, n_strata, n)
    return t, dead, x, s


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("tied", [False, True, "light"])
@pytest.mark.parametrize("p,binary", [(1, True), (1, False), (2, False), (2, True)])
@pytest.mark.parametrize("n_strata", [1, 3])
def test_evaluate_matches_direct_sums(ties, tied, p, binary, n_strata):
    seed = 7 + p + 10 * bool(tied) + 100 * n_strata
    t, dead, x, s = data(seed, 120, tied, p, binary, n_strata)
    srt = Sorted.build(t, dead, x, s)
    assert srt.single_rows == (not tied)  # continuous times: every cell one row
    assert (srt.multi is not None) == (tied == "light")  # which risk-sum path runs
    assert srt.binary == (p == 1 and binary)
    beta = np.linspace(0.3, -0.2, p)
    ev = evaluate(srt, beta, ties)
    ll, u, info = naive(t, dead, x, s, beta, ties)
    assert ev.loglik == pytest.approx(ll, rel=1e-12)
    np.testing.assert_allclose(ev.score, u, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ev.info, info, rtol=1e-10, atol=1e-10)
    assert ev.log_denom.size == dead.sum()  # one term per event, for the LR statistic


@pytest.mark.parametrize("seed", range(40))
def test_sort_order_is_the_stable_lexsort(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    t = np.round(rng.exponential(5.0, n), int(rng.integers(0, 3)))
    dead = rng.random(n) < 0.6
    s = rng.integers(0, int(rng.integers(1, 5)), n) if seed % 3 else np.full(n, 2)
    np.testing.assert_array_equal(sort_order(t, dead, s), np.lexsort((dead, t, s)))
