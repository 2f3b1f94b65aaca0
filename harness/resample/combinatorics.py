"""Counting and listing the distinct label arrangements (for exact permutation tests)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np


def multinomial(counts: Sequence[int]) -> int:
    """Number of distinct arrangements of a multiset with these counts (exact integer).

    R equivalent: ``factorial(sum(counts)) / prod(factorial(counts))``.
    """
    out, total = 1, 0
    for c in counts:
        total += int(c)
        out *= math.comb(total, int(c))
    return out


def labelings(codes: np.ndarray, k: int) -> np.ndarray:
    """All distinct arrangements of the multiset ``codes`` (rows), as an int8 matrix."""
    n = codes.size
    counts = np.bincount(codes, minlength=k)
    # assign groups 1..k-1 successively to combinations of still-free positions (group 0 rest)
    states = [(np.zeros(n, np.int8), np.arange(n))]
    for j in range(1, k):
        nxt = []
        for lab, fr in states:
            for comb in itertools.combinations(range(fr.size), int(counts[j])):
                new = lab.copy()
                new[fr[list(comb)]] = j
                nxt.append((new, np.delete(fr, comb)))
        states = nxt
    return np.array([s[0] for s in states], dtype=np.int8)


def labelings_two(n: int, n1: int) -> np.ndarray:
    """All 0/1 arrangements with ``n1`` ones (fast path for two groups)."""
    total = math.comb(n, n1)
    idx = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n), n1)),
                      dtype=np.int32, count=total * n1).reshape(total, n1)
    out = np.zeros((total, n), np.int8)
    np.put_along_axis(out, idx.astype(np.intp), 1, axis=1)
    return out
