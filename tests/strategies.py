"""Hypothesis strategies for survival data sets that stress estimators where they differ.

Heavy ties, heavy censoring, a group with no events, a group of one, all events at one time,
times on a coarse grid (whole months, as papers round them).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


@st.composite
def surv_datasets(draw, min_groups: int = 1, max_groups: int = 3, max_n: int = 60):
    """Draw ``(time, event, group)`` numpy arrays; every group has at least one row.

    Groups are labelled 0..k-1. At least one event overall (an estimator with no event at
    all is tested separately).
    """
    k = draw(st.integers(min_groups, max_groups))
    sizes = [draw(st.integers(1, max(1, max_n // k))) for _ in range(k)]
    n = sum(sizes)
    shape = draw(st.sampled_from(["grid", "continuous", "one_time", "few_values"]))
    if shape == "grid":
        # whole months, as papers print them: many ties
        time = np.array(draw(st.lists(st.integers(1, 120), min_size=n, max_size=n)), float)
    elif shape == "continuous":
        time = np.array(
            draw(st.lists(st.floats(0.01, 200, allow_nan=False), min_size=n, max_size=n))
        )
        time = np.round(time, 2)
    elif shape == "one_time":
        time = np.full(n, float(draw(st.integers(1, 60))))
    else:
        values = draw(st.lists(st.integers(1, 30), min_size=1, max_size=4, unique=True))
        time = np.array(
            draw(st.lists(st.sampled_from(values), min_size=n, max_size=n)), float
        )
    censor_rate = draw(st.sampled_from([0.0, 0.3, 0.7, 0.9]))
    event = np.array(
        draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool
    ) if censor_rate == 0.3 else np.array(
        [draw(st.floats(0, 1)) >= censor_rate for _ in range(n)], bool
    )
    group = np.repeat(np.arange(k), sizes)
    if k > 1 and draw(st.booleans()):
        # one group with no events at all
        event[group == draw(st.integers(0, k - 1))] = False
    if not event.any():
        event[draw(st.integers(0, n - 1))] = True
    return time, event, group
