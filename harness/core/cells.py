"""Risk-set cells and THE table of log-rank weights: the one home of both.

Risk-set cells
--------------
Every survival statistic of the harness that works on risk sets (the weighted log-rank family
in :mod:`harness.core.logrank`, the Cox model in :mod:`harness.core.cox`, the permutation and
bootstrap engines in :mod:`harness.resample`) groups the rows into *cells*: the distinct
(stratum, time) pairs, sorted by stratum then time. Per cell one counts rows and events with
``bincount``; the number at risk is the suffix sum of the row counts within the stratum
(:func:`suffix_within`); the pooled Kaplan-Meier just before each cell's time is
:func:`km_left`.

Weights
-------
:data:`WEIGHTS` maps each weight name to a :class:`Weight`: the function giving ``w_t`` per
cell from the pooled number at risk ``n_t``, the events ``d_t`` and (through the stratum's
first cell) the left-continuous pooled Kaplan-Meier ``S(t-)`` within the stratum, plus which
of the exponents ``rho`` / ``gamma`` it uses.

================================  ======================================================
``"logrank"``                     1
``"peto"`` / G-rho ``rho``        ``S(t-)^rho``, ``S`` the pooled Kaplan-Meier in the stratum
``"fleming-harrington"``          ``S(t-)^rho (1 - S(t-))^gamma``
``"gehan-breslow"``               ``n_t`` (Prism's "Gehan-Breslow-Wilcoxon")
``"tarone-ware"``                 ``sqrt(n_t)``
================================  ======================================================

Adding a weight is one entry in :data:`WEIGHTS` (and its test): every routine that takes
``weights=`` (:func:`harness.core.logrank.weighted_logrank`,
:func:`harness.core.logrank.logrank_scores`, :func:`harness.resample.permutation_test`,
:func:`harness.resample.permutation_statistics`) looks the name up here, and an unknown name
raises ``ValueError`` naming the choices.

R equivalent: ``survival::survdiff(..., rho = rho)`` for ``"logrank"`` (``rho = 0``) and
``"peto"``; ``coin::logrank_test(..., type = "Gehan-Breslow" | "Tarone-Ware" |
"Fleming-Harrington")`` for the others' ``O - E`` (see :mod:`harness.core.logrank`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "WEIGHTS",
    "risk_weights",
    "Cells",
    "Weight",
    "cell_weights",
    "check_weights",
    "km_left",
    "level_codes",
    "risk_cells",
    "suffix_within",
    "weight_spec",
]


# --------------------------------------------------------------------------------------------
# risk-set cells
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cells:
    """Rows grouped into (stratum, time) cells, cells sorted by stratum then time.

    Attributes
    ----------
    inverse : ndarray of int
        Cell index of each row.
    time : ndarray
        Time of each cell.
    stratum : ndarray of int
        Stratum code of each cell.
    stop : ndarray of int
        For each cell: one past the last cell of its stratum.
    start : ndarray of int
        For each cell: the first cell of its stratum.
    n_strata : int
    """

    inverse: np.ndarray
    time: np.ndarray
    stratum: np.ndarray
    stop: np.ndarray
    start: np.ndarray
    n_strata: int


def level_codes(values: np.ndarray | None, n: int) -> tuple[np.ndarray, list]:
    """Integer codes ``0..k-1`` of ``values`` in sorted-level order, and the levels.

    ``None`` gives one level (``[None]``) and all-zero codes of length ``n``.

    R equivalent: ``as.integer(factor(values)) - 1`` and ``levels(factor(values))``.
    """
    if values is None:
        return np.zeros(n, dtype=np.intp), [None]
    lv, inv = np.unique(values, return_inverse=True)
    return inv.astype(np.intp).reshape(-1), list(lv.tolist())


def risk_cells(time: np.ndarray, strata_codes: np.ndarray, n_strata: int) -> Cells:
    """Group rows into (stratum, time) cells sorted by stratum then time.

    Parameters
    ----------
    time : ndarray
        Times (validated, no NaN).
    strata_codes : ndarray of int
        Stratum code ``0..n_strata-1`` of each row (:func:`level_codes`).
    n_strata : int

    Returns
    -------
    Cells

    Notes
    -----
    R equivalent: the distinct ``(strata, time)`` pairs at which ``survfit`` / ``survdiff``
    evaluate (without ``timefix``: times are compared exactly).
    """
    if n_strata == 1:
        ut, inv = np.unique(time, return_inverse=True)
        inv = inv.reshape(-1)
        m = ut.size
        return Cells(inv, ut, np.zeros(m, np.intp), np.full(m, m, np.intp),
                     np.zeros(m, np.intp), 1)
    ut, tinv = np.unique(time, return_inverse=True)
    key = strata_codes.astype(np.int64) * ut.size + tinv.reshape(-1)
    uk, inv = np.unique(key, return_inverse=True)
    inv = inv.reshape(-1)
    s = (uk // ut.size).astype(np.intp)
    ctime = ut[uk % ut.size]
    first = np.searchsorted(s, np.arange(n_strata), side="left")
    last = np.searchsorted(s, np.arange(n_strata), side="right")
    return Cells(inv, ctime, s, last[s], first[s], n_strata)


def suffix_within(values: np.ndarray, cells: Cells) -> np.ndarray:
    """Sum of ``values`` over cells at or after each cell, within its stratum (axis 0).

    With ``values`` the rows per cell this is the number at risk at each cell's time.

    R equivalent: ``rev(cumsum(rev(x)))`` within each stratum.
    """
    rev = np.cumsum(values[::-1], axis=0)[::-1]
    pad = np.concatenate([rev, np.zeros((1,) + rev.shape[1:], rev.dtype)], axis=0)
    return pad[np.arange(values.shape[0])] - pad[cells.stop]


def km_left(d: np.ndarray, n: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Pooled Kaplan-Meier just before each cell's time, within its stratum.

    Parameters
    ----------
    d, n : ndarray
        Events and number at risk per cell.
    start : ndarray of int
        First cell of each cell's stratum (:attr:`Cells.start`).

    Notes
    -----
    R equivalent: ``c(1, head(survfit(Surv(time, status) ~ 1)$surv, -1))`` at the cell
    times, per stratum (the left-continuous ``S(t-)`` that ``survdiff`` uses for ``rho``).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        lf = np.where((d > 0) & (d < n), np.log1p(-d / np.where(n > 0, n, 1)), 0.0)
    # a cell with d == n empties the stratum: S(t-) is needed for no later cell of it
    excl = np.cumsum(lf) - lf
    return np.exp(excl - excl[start])


# --------------------------------------------------------------------------------------------
# the weight table
# --------------------------------------------------------------------------------------------
#: ``(n_t, s_left, rho, gamma) -> w_t`` elementwise, any array shape (cells of one data set,
#: or trials x times in a simulation batch); ``s_left`` is the pooled ``S(t-)`` or None.
WeightFunction = Callable[[np.ndarray, np.ndarray | None, float, float], np.ndarray]


@dataclass(frozen=True)
class Weight:
    """One member of the weighted log-rank family.

    Attributes
    ----------
    name : str
        The key in :data:`WEIGHTS` (what ``weights=`` takes).
    label : str
        Printed name.
    formula : str
        ``w_t`` in words.
    params : tuple of str
        Which of ``"rho"``, ``"gamma"`` the weight uses (the others must be 0).
    function : callable
        ``(n_t, s_left, rho, gamma) -> w_t`` elementwise (any array shape).
    needs_km : bool
        Whether ``function`` needs the pooled Kaplan-Meier ``S(t-)`` (``s_left``).
    """

    name: str
    label: str
    formula: str
    params: tuple[str, ...]
    function: WeightFunction
    needs_km: bool = False


def _ones(n, s_left, rho, gamma) -> np.ndarray:
    return np.ones(np.shape(n))


def _at_risk(n, s_left, rho, gamma) -> np.ndarray:
    return np.array(n, dtype=float, copy=True)


def _sqrt_at_risk(n, s_left, rho, gamma) -> np.ndarray:
    return np.sqrt(n)


def _km_power(n, s_left, rho, gamma) -> np.ndarray:
    w = s_left**rho if rho != 0 else np.ones(np.shape(s_left))
    if gamma != 0:
        w = w * (1.0 - s_left) ** gamma
    return w


#: THE table of log-rank weights, by the name ``weights=`` takes.
WEIGHTS: dict[str, Weight] = {
    w.name: w
    for w in (
        Weight("logrank", "log-rank", "1", (), _ones),
        Weight("peto", "Peto & Peto (G-rho)", "S(t-)^rho", ("rho",), _km_power, True),
        Weight("fleming-harrington", "Fleming-Harrington G(rho, gamma)",
               "S(t-)^rho (1 - S(t-))^gamma", ("rho", "gamma"), _km_power, True),
        Weight("gehan-breslow", "Gehan-Breslow-Wilcoxon", "n_t", (), _at_risk),
        Weight("tarone-ware", "Tarone-Ware", "sqrt(n_t)", (), _sqrt_at_risk),
    )
}


def weight_spec(name: str) -> Weight:
    """The :class:`Weight` called ``name`` (case-insensitive).

    Raises
    ------
    ValueError
        An unknown name; the message names the choices.
    """
    key = name.lower() if isinstance(name, str) else name
    try:
        return WEIGHTS[key]
    except (KeyError, TypeError):
        raise ValueError(
            f"weights must be one of {', '.join(WEIGHTS)}; got {name!r}") from None


def check_weights(name: str, rho: float = 0.0, gamma: float = 0.0) -> tuple[Weight, float, float]:
    """Validate a weight name and its exponents: ``(Weight, rho, gamma)``.

    Raises
    ------
    ValueError
        An unknown name (the choices are named), ``rho`` or ``gamma`` not a finite number
        >= 0, or a non-zero exponent the weight does not use.
    """
    spec = weight_spec(name)
    values = {}
    for param, value in (("rho", rho), ("gamma", gamma)):
        v = float(value)
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"{param} must be a finite number >= 0, got {value!r}")
        if v != 0 and param not in spec.params:
            users = [w.name for w in WEIGHTS.values() if param in w.params]
            raise ValueError(
                f"{param} is only used with weights={' or '.join(map(repr, users))}, "
                f"not with {spec.name!r}")
        values[param] = v
    return spec, values["rho"], values["gamma"]


def cell_weights(name: str, n: np.ndarray, d: np.ndarray, start: np.ndarray,
                 rho: float = 0.0, gamma: float = 0.0) -> np.ndarray:
    """The weight ``w_t`` of every cell.

    Parameters
    ----------
    name : str
        A key of :data:`WEIGHTS`.
    n, d : ndarray
        Pooled number at risk and events per cell.
    start : ndarray of int
        First cell of each cell's stratum (:attr:`Cells.start`); the Kaplan-Meier based
        weights restart in every stratum.
    rho, gamma : float
        Exponents, validated by :func:`check_weights`.

    Notes
    -----
    R equivalent: for ``"peto"``, ``survdiff``'s ``rho`` weight ``S(t-)^rho``; the others
    as ``coin::logrank_test``'s ``type``.
    """
    spec, rho, gamma = check_weights(name, rho, gamma)
    s_left = km_left(d, n, start) if spec.needs_km else None
    return spec.function(n, s_left, rho, gamma)


def risk_weights(name: str, n_at_risk: np.ndarray, s_left: np.ndarray | None = None,
                 rho: float = 0.0, gamma: float = 0.0) -> np.ndarray:
    """The weight ``w_t`` from the number at risk (and ``S(t-)``), any array shape.

    What :mod:`harness.simulate` uses for a batch (trials x times) whose pooled Kaplan-Meier
    it computes itself; :func:`cell_weights` is the same table for the cells of one data set.

    Raises
    ------
    ValueError
        An unknown weight or exponent (see :func:`check_weights`), or a weight that needs
        ``s_left`` without it.

    Notes
    -----
    R equivalent: as :func:`cell_weights`.
    """
    spec, rho, gamma = check_weights(name, rho, gamma)
    if spec.needs_km and s_left is None:
        raise ValueError(f"{spec.name} weights need the pooled Kaplan-Meier S(t-)")
    return spec.function(n_at_risk, s_left, rho, gamma)
