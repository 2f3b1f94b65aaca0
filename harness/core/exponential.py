"""SAS LIFETEST's likelihood-ratio test of equal exponential hazards across groups.

With ``N_k`` events and total time on test ``T_k`` in group ``k`` (``N``, ``T`` pooled),

    chi2 = 2 N log(T / N) - 2 sum_k N_k log(T_k / N_k)

on ``K - 1`` degrees of freedom (Lawless 1982): twice the log-likelihood gain of one
exponential rate per group over a common rate. A group without events contributes its limit
0 (``N_k log(T_k / N_k) -> 0``), where the group's fitted rate is 0.

Formula: SAS/STAT User's Guide, LIFETEST, "Comparison of Two or More Groups of Survival Data",
"Likelihood Ratio Test"
(https://support.sas.com/documentation/cdl/en/statug/68162/HTML/default/statug_lifetest_details16.htm).

R equivalent: ``2 * (f1$loglik[2] - f0$loglik[2])`` with
``f1 <- survreg(Surv(time, status) ~ group, dist = "exponential")`` and ``f0`` the same
``~ 1`` (``anova(f0, f1)``); with a group without events survreg's coefficient diverges and
its log-likelihood approaches the limit used here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from harness.core.logrank import _prepare

__all__ = ["ExponentialLRResult", "exponential_lr_test"]


@dataclass(frozen=True)
class ExponentialLRResult:
    """Result of :func:`exponential_lr_test`.

    Attributes
    ----------
    levels : tuple
        Group labels; ``events`` and ``time_on_test`` follow them.
    events, time_on_test : ndarray
        ``N_k`` and ``T_k``.
    chisq, df, p_value
        The likelihood-ratio chi-square on ``K - 1`` df.
    """

    levels: tuple
    events: np.ndarray
    time_on_test: np.ndarray
    chisq: float
    df: int
    p_value: float


def exponential_lr_test(
    time: Any,
    event: Any,
    group: Any,
    *,
    coding: str = "01",
    levels: Sequence[Any] | None = None,
) -> ExponentialLRResult:
    """Likelihood-ratio test of equal exponential rates (SAS LIFETEST "Likelihood Ratio").

    Parameters
    ----------
    time, event, group, coding, levels
        As :func:`harness.core.logrank.weighted_logrank` (no strata: SAS computes this test
        for the unstratified comparison only).

    Returns
    -------
    ExponentialLRResult

    Raises
    ------
    ValueError
        Fewer than two groups, or no event at all (the pooled rate is 0).

    Notes
    -----
    R equivalent: ``2 * diff(sapply(list(f0, f1), function(f) f$loglik[2]))`` for
    ``survreg(..., dist = "exponential")`` fits without and with the group.
    SAS: ``PROC LIFETEST; TIME t*status(0); STRATA group;`` prints it as "Likelihood Ratio"
    in "Test of Equality over Strata".
    """
    data, g, lv = _prepare(time, event, group, None, coding, levels)
    k = len(lv)
    n_k = np.bincount(g, weights=data.event.astype(float), minlength=k)
    t_k = np.bincount(g, weights=data.time, minlength=k)
    n, t = n_k.sum(), t_k.sum()
    if n == 0:
        raise ValueError("no events: the exponential likelihood-ratio test is undefined")
    # xlogy: N_k log(N_k / T_k) with 0 log 0 = 0 (a group without events)
    with np.errstate(divide="ignore"):
        gain = special.xlogy(n_k, n_k).sum() - special.xlogy(n_k, t_k).sum()
    chisq = float(2.0 * (gain - (n * np.log(n) - n * np.log(t))))
    chisq = max(chisq, 0.0)
    return ExponentialLRResult(levels=tuple(lv), events=n_k, time_on_test=t_k, chisq=chisq,
                               df=k - 1, p_value=float(stats.chi2.sf(chisq, k - 1)))
