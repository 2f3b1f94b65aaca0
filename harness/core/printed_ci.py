"""What a printed hazard ratio and its confidence interval imply: the one home of these formulas.

A printed HR with a log-symmetric CI determines the log-scale standard error (Altman & Bland,
BMJ 2011: ``SE = (ln U - ln L) / (2 z)``), hence the Wald z and p; under GraphPad Prism's
Mantel-Haenszel convention (``ln HR = (O-E)/V``, CI ``ln HR +/- z / sqrt(V)``) it also
determines the log-rank quantities ``O - E``, ``V`` and the chi-square ``(O-E)^2 / V``. Used by
the audit's checks, by :func:`harness.core.hazard.recover_mh` and by the reconstruction's
messages; every function is vectorised over numpy arrays (the checks pass the corners of a
rounding box).

R equivalents: ``harness_hr_midpoint``, ``harness_ci_upper``, ``harness_wald_p_from_ci``,
``harness_mh_from_ci`` in ``harness/r/audit.R``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["ci_upper", "hr_midpoint", "log_centre", "mh_from_ci", "wald_p_from_ci", "z_quantile"]


def z_quantile(level: float) -> float:
    """Two-sided normal quantile of a confidence level (1.959964... for 0.95).

    R equivalent: ``qnorm(1 - (1 - level) / 2)``.
    """
    return float(special.ndtri(1 - (1 - level) / 2))  # = stats.norm.ppf, without its overhead


def log_centre(lower, upper):
    """``((ln L + ln U) / 2, (ln U - ln L) / 2)``: centre and half-width on the log scale."""
    return (np.log(lower) + np.log(upper)) / 2, (np.log(upper) - np.log(lower)) / 2


def hr_midpoint(lower, upper):
    """``exp((ln L + ln U) / 2)``: the HR a log-symmetric CI is centred on."""
    return np.exp((np.log(lower) + np.log(upper)) / 2)


def ci_upper(hr, lower):
    """``HR^2 / L``: the upper bound of a log-symmetric CI with this HR and lower bound."""
    return np.asarray(hr, float) ** 2 / np.asarray(lower, float)


def wald_p_from_ci(hr, lower, upper, level: float = 0.95) -> dict:
    """Altman & Bland: ``SE = (ln U - ln L)/(2 z)``, ``z = ln HR / SE``, two-sided p."""
    se = (np.log(upper) - np.log(lower)) / (2 * z_quantile(level))
    z = np.log(hr) / se
    # ndtr(-|z|) is what stats.norm.sf computes; called directly, it is 50x cheaper per call
    return {"se": se, "z": z, "p": 2 * special.ndtr(-np.abs(z))}


def mh_from_ci(lower, upper, level: float = 0.95) -> dict:
    """O-E, V and the log-rank chi-square implied by a CI under Prism's MH convention.

    ``V = (z / (ln(U/L)/2))^2``, ``O-E = V * ln(HR_mid)`` with ``HR_mid`` the log midpoint,
    ``chi2 = (O-E)^2 / V`` on 1 df. Returns ``o_minus_e``, ``v``, ``chisq`` and ``p``.

    R equivalent: ``harness_mh_from_ci`` (harness/r/audit.R).
    """
    mid, half = log_centre(lower, upper)
    v = (z_quantile(level) / half) ** 2
    ome = mid * v
    chisq = ome ** 2 / v
    return {"o_minus_e": ome, "v": v, "chisq": chisq, "p": special.chdtrc(1, chisq)}  # chi2.sf
