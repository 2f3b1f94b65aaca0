"""Draw a chunk of simulated trials of one scenario as (trials x patients) arrays.

Patients ``0 .. n0-1`` are the control arm, ``n0 .. n-1`` the experimental arm (the group
vector is the same for every trial). Each patient's observed time is the smallest of the
event time, the administrative censoring time and the dropout time:

* administrative: ``follow_up + accrual * u`` with ``u ~ U(0, 1)``: uniform entry over an
  accrual period of length ``accrual``, analysis ``follow_up`` after the last entry (with
  ``accrual = 0`` everyone is followed exactly ``follow_up``);
* dropout: exponential with rate ``dropout`` per time unit (or the piecewise-exponential
  censoring fitted by ``from_comparison``).

With ``round_to`` the observed times are rounded up to that grid (ties, as in printed data).
The random numbers are drawn in a fixed order from one generator per chunk, so a chunk is the
same whichever worker computes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.simulate.distributions import times_from_exponential
from harness.simulate.study import Arm, Scenario


@dataclass(frozen=True)
class Trials:
    """``b`` simulated two-arm trials: ``time``/``event`` (b, n), ``group`` (n,) 0/1."""

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray

    @property
    def n1(self) -> int:
        return int(self.group.sum())


def draw(scenario: Scenario, rng: np.random.Generator, b: int) -> Trials:
    """Simulate ``b`` trials of ``scenario`` with generator ``rng``.

    R equivalent: ``t <- rexp(n, rate); c <- follow_up + accrual * runif(n);
    d <- rexp(n, dropout); time <- pmin(t, c, d); status <- t <= pmin(c, d)``.
    """
    n0, n1 = scenario.n
    x0 = rng.standard_exponential((b, n0))
    x1 = rng.standard_exponential((b, n1))
    u_acc = rng.random((b, n0 + n1))
    x_drop = rng.standard_exponential((b, n0 + n1))
    t = np.concatenate([times_from_exponential(scenario.control, x0),
                        times_from_exponential(scenario.experimental, x1)], axis=1)
    cens = scenario.follow_up + scenario.accrual * u_acc
    if scenario.dropout_rates:
        drop = times_from_exponential(
            Arm("piecewise", scenario.dropout_rates, scenario.dropout_breaks), x_drop)
        cens = np.minimum(cens, drop)
    elif scenario.dropout > 0:
        cens = np.minimum(cens, x_drop / scenario.dropout)
    event = t <= cens
    time = np.where(event, t, cens)
    if scenario.round_to > 0:
        r = scenario.round_to
        time = np.maximum(np.ceil(time / r - 1e-9), 1.0) * r
    group = np.r_[np.zeros(n0, np.int8), np.ones(n1, np.int8)]
    return Trials(time, event.astype(np.int8), group)
