"""Argument checks shared by the permutation test and the bootstrap.

Every bad argument raises ``ValueError`` naming the argument and what was expected (by design
also for wrong types, so that callers catch one exception class).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from harness.core.survdata import SurvData


def check_B(B: Any) -> int:
    """Number of resamples: an integer >= 1."""
    if isinstance(B, bool) or not isinstance(B, numbers.Integral):  # ValueError by design
        raise ValueError(f"B (number of resamples) must be an integer >= 1, got {B!r}")  # noqa: TRY004
    if int(B) < 1:
        raise ValueError(f"B (number of resamples) must be an integer >= 1, got {B!r}")
    return int(B)


def check_seed(seed: Any) -> int:
    """A non-negative integer seed; ``None`` draws fresh entropy (returned, so it is recorded)."""
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(  # noqa: TRY004 (ValueError for every bad argument, by design)
            f"seed must be an integer (or None for fresh entropy), got {seed!r} of type "
            f"{type(seed).__name__}"
        )
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_conf(conf_level: Any) -> float:
    """A confidence level strictly between 0 and 1."""
    c = float(conf_level)
    if not 0.0 < c < 1.0:
        raise ValueError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    return c


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """``value`` must be one of ``choices``; the message names them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def group_codes(data: SurvData, levels: Sequence[Any] | None) -> tuple[np.ndarray, list]:
    """Integer code per row and the level order (``levels`` when given, else sorted labels).

    ``SurvData`` has already checked that every given level has rows.
    """
    if levels is not None:
        lv = list(levels)
        index = {v: i for i, v in enumerate(lv)}
        return np.fromiter((index[v] for v in data.group.tolist()), np.intp, data.n), lv
    return data.group_codes()
