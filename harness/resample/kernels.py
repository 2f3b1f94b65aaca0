"""Compiled kernels of the resampling engine (numba; ``nogil``, so blocks run on threads).

Only this module imports numba. The kernels draw their own random numbers from numpy's
``SFC64`` generator, stepped inline (:func:`sfc64_raw` is the same generator on its own, and
a test checks it against :class:`numpy.random.SFC64` word for word): a block's generator is
``numpy.random.SFC64(its SeedSequence)``, so a seed gives the same resamples whatever the
platform and the number of threads.

Bounded integers are drawn by Lemire's multiply-and-shift with rejection ("Fast random integer
generation in an interval", ACM TOMACS 2019): exactly uniform on ``0..s-1`` for any
``s < 2**32``.
"""

from __future__ import annotations

import numba
import numpy as np

_LOW = np.uint64(0xFFFFFFFF)
_TWO32 = np.uint64(1 << 32)
_ONE = np.uint64(1)
_S3, _S11, _S24, _S32, _S40 = (np.uint64(v) for v in (3, 11, 24, 32, 40))


def sfc64_state(seed: np.random.SeedSequence) -> np.ndarray:
    """The four 64-bit words of ``numpy.random.SFC64(seed)``'s state (a fresh copy)."""
    return np.random.SFC64(seed).state["state"]["state"].astype(np.uint64).copy()


@numba.njit(cache=True, nogil=True)
def sfc64_raw(state, count):
    """``count`` raw outputs of SFC64 from ``state`` (updated in place).

    The same outputs as ``numpy.random.SFC64(...).random_raw(count)`` from that state.
    """
    a, b, c, w = state[0], state[1], state[2], state[3]
    out = np.empty(count, np.uint64)
    for i in range(count):
        tmp = a + b + w
        w += _ONE
        a = b ^ (b >> _S11)
        b = c + (c << _S3)
        c = ((c << _S24) | (c >> _S40)) + tmp
        out[i] = tmp
    state[0], state[1], state[2], state[3] = a, b, c, w
    return out


@numba.njit(cache=True, nogil=True)
def two_group_permutations(scores, s_start, s_stop, s_take, s_flip, s_total, ecell_at, a_n,
                           a_n2, variance, state, out_ome, out_v):
    """``O - E`` (and the hypergeometric ``V``) of two-group permutations within strata.

    Stratum ``s`` holds the sorted rows ``s_start[s]..s_stop[s]-1``; a partial Fisher-Yates
    shuffle draws ``s_take[s]`` of them without replacement: the second group's rows, or
    (``s_flip[s]``) the first group's when those are fewer. Each shuffle continues from the
    arrangement the previous one left, which is as good as a fresh one: whatever the
    arrangement, the drawn rows are a uniformly random subset of the stratum.

    The permutations are made in pairs, side by side (two independent chains of work for the
    processor): each SFC64 output gives the even permutation its low 32 bits and the odd one
    its high 32 bits; when either falls in its rejection zone, both are drawn again (the
    accepted pairs are a product of two exactly uniform draws).

    Parameters
    ----------
    scores : float64 (n,)
        Per-row scores: ``O - E`` of the second group is their sum over its rows.
    s_start, s_stop, s_take, s_flip : int64 (strata,)
    s_total : float64 (strata,)
        Sum of the scores per stratum (for flipped strata).
    ecell_at : int32 (n,)
        For each row, the event cell starting at it, else -1.
    a_n, a_n2 : float64 (event cells,)
        ``A_t / n_t`` and ``A_t / n_t^2``: ``V = sum_t a_n n1_t - a_n2 n1_t^2``.
    variance : bool
        Compute ``V`` (survdiff's chi-square) or not (coin's statistic).
    state : uint64 (4,)
        SFC64 state (:func:`sfc64_state`), updated in place.
    out_ome, out_v : float64 (m,), m even
        Filled (``out_v`` only with ``variance``).
    """
    m = out_ome.shape[0]
    n = scores.shape[0]
    idx_a = np.arange(n).astype(np.int32)  # half the cache of int64 for the random swaps
    idx_b = idx_a.copy()
    flag = np.zeros(n, np.uint8)  # bit 0: drawn in the even permutation, bit 1: the odd
    a, b_, c, w = state[0], state[1], state[2], state[3]
    n_strata = s_start.shape[0]
    for b in range(0, m, 2):
        ome_a = 0.0
        ome_b = 0.0
        for s in range(n_strata):
            lo = s_start[s]
            hi = s_stop[s]
            sel_a = 0.0
            sel_b = 0.0
            for i in range(lo, lo + s_take[s]):
                size = np.uint64(hi - i)
                while True:
                    r = a + b_ + w  # one SFC64 step
                    w += _ONE
                    a = b_ ^ (b_ >> _S11)
                    b_ = c + (c << _S3)
                    c = ((c << _S24) | (c >> _S40)) + r
                    pa = (r & _LOW) * size
                    pb = (r >> _S32) * size
                    la = pa & _LOW
                    lb = pb & _LOW
                    # Lemire: accept unless the low part falls in the biased zone
                    if ((la >= size or la >= (_TWO32 - size) % size)
                            and (lb >= size or lb >= (_TWO32 - size) % size)):
                        break
                j = i + np.int64(pa >> _S32)
                t = idx_a[j]
                idx_a[j] = idx_a[i]
                idx_a[i] = t
                sel_a += scores[t]
                j = i + np.int64(pb >> _S32)
                t = idx_b[j]
                idx_b[j] = idx_b[i]
                idx_b[i] = t
                sel_b += scores[t]
            if s_flip[s]:
                ome_a += s_total[s] - sel_a
                ome_b += s_total[s] - sel_b
            else:
                ome_a += sel_a
                ome_b += sel_b
        out_ome[b] = ome_a
        out_ome[b + 1] = ome_b
        if variance:
            v_a = 0.0
            v_b = 0.0
            for s in range(n_strata):
                lo = s_start[s]
                hi = s_stop[s]
                fl = np.uint8(s_flip[s])
                for i in range(lo, lo + s_take[s]):
                    flag[idx_a[i]] |= 1
                    flag[idx_b[i]] |= 2
                acc_a = 0
                acc_b = 0
                for r in range(hi - 1, lo - 1, -1):
                    f = flag[r]
                    acc_a += (f & 1) ^ fl
                    acc_b += (f >> 1) ^ fl
                    e = ecell_at[r]
                    if e >= 0:
                        v_a += a_n[e] * acc_a - a_n2[e] * (acc_a * acc_a)
                        v_b += a_n[e] * acc_b - a_n2[e] * (acc_b * acc_b)
                for i in range(lo, lo + s_take[s]):
                    flag[idx_a[i]] = 0
                    flag[idx_b[i]] = 0
            out_v[b] = v_a
            out_v[b + 1] = v_b
    state[0], state[1], state[2], state[3] = a, b_, c, w
