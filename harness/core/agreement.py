"""When two computations of the same number agree: Python vs R, Python vs a frozen value.

Used by the audit's judge, the pseudo-IPD recomputation and the crosscheck; the tolerance has
this one home.

R equivalent: ``isTRUE(all.equal(a, b, tolerance = 1e-9))``, up to its mean-relative scale.
"""

from __future__ import annotations

import math

#: Python and R must agree to this relative difference (absolute below ABS_TOL)
REL_TOL = 1e-9
ABS_TOL = 1e-12


def rel_diff(a: float | None, b: float | None) -> float:
    """Relative difference |a-b| / max(|a|,|b|); 0 for two NaNs, NaN when one is missing."""
    if a is None or b is None:
        return math.nan
    if math.isnan(a) and math.isnan(b):
        return 0.0
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def agree(a: float | None, b: float | None) -> bool:
    """Python and R agree: relative difference <= 1e-9, or both tiny (< 1e-12 apart)."""
    if a is None or b is None:
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= ABS_TOL or rel_diff(a, b) <= REL_TOL
