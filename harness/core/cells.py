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
``"peto-peto"``                   ``S~(t)``, Peto's ``prod_{t_j <= t} (1 - d_j / (n_j + 1))``
                                  *at* ``t`` (SAS LIFETEST ``TEST=PETO``)
``"modified-peto"``               ``S~(t) n_t / (n_t + 1)`` (SAS ``TEST=MODPETO``)
``"modestly-weighted"``           ``1 / max(S(t-), S(t*))`` (Magirr & Burman 2019; ``t_star``
                                  or ``s_star`` in place of ``S(t*)``)
================================  ======================================================

The two SAS weights are defined on the SAS/STAT LIFETEST page "Comparison of Two or More
Groups of Survival Data" (table "Weight Functions for Various Tests",
https://support.sas.com/documentation/cdl/en/statug/68162/HTML/default/statug_lifetest_details16.htm):
``S~`` includes the events at ``t`` itself, so ``"peto-peto"`` is not ``survdiff``'s
``rho = 1`` (``"peto"``, the left-continuous Kaplan-Meier).

Adding a weight is one entry in :data:`WEIGHTS` (and its test): every routine that takes
``weights=`` (:func:`harness.core.logrank.weighted_logrank`,
:func:`harness.core.logrank.logrank_scores`, :func:`harness.resample.permutation_test`,
:func:`harness.resample.permutation_statistics`) looks the name up here, and an unknown name
raises ``ValueError`` naming the choices.

R equivalent: ``survival::survdiff(..., rho = rho)`` for ``"logrank"`` (``rho = 0``) and
``"peto"``; ``coin::logrank_test(..., type = "Gehan-Breslow" | "Tarone-Ware" |
"Fleming-Harrington" | "Prentice-Marek")`` for the others' ``O - E`` (see
:mod:`harness.core.logrank`); coin's ``"Prentice-Marek"`` is ``"peto-peto"``; coin's
``"Andersen-Borgan-Gill-Keiding"`` is ``S~(t-) n_t / (n_t + 1)``, *not* SAS's
``"modified-peto"``; coin's ``"Peto-Peto"`` is ``"peto"`` with ``rho = 1``.
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
    "peto_survival",
    "risk_cells",
    "survival_cap",
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
    # a cell with d == n empties the stratum: S(t-) is needed for no later cell of it.
    # The running sum *before* each cell is the previous cell's cumulative sum (not
    # ``cumsum - lf``, whose rounding made S(t-) = 1 - 1e-16 before a stratum's first event,
    # and so a weight (1 - S)^gamma of 1e-32 where R has 0)
    excl = np.concatenate([[0.0], np.cumsum(lf)[:-1]])
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
    extras : tuple of str
        Further per-cell inputs ``function`` takes as keywords: ``"s_tilde"`` (Peto's
        survival at ``t``, :func:`peto_survival`), ``"s_cap"`` (the modestly weighted
        test's ``S(t*)`` or ``s*``).
    """

    name: str
    label: str
    formula: str
    params: tuple[str, ...]
    function: WeightFunction
    needs_km: bool = False
    extras: tuple[str, ...] = ()


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


def _peto_tilde(n, s_left, rho, gamma, *, s_tilde) -> np.ndarray:
    return np.array(s_tilde, dtype=float, copy=True)


def _peto_modified(n, s_left, rho, gamma, *, s_tilde) -> np.ndarray:
    return s_tilde * n / (n + 1.0)


def _modest(n, s_left, rho, gamma, *, s_cap) -> np.ndarray:
    return 1.0 / np.maximum(s_left, s_cap)


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
        Weight("peto-peto", "Peto-Peto (SAS TEST=PETO)",
               "S~(t) = prod_{t_j <= t} (1 - d_j/(n_j+1))", (), _peto_tilde,
               extras=("s_tilde",)),
        Weight("modified-peto", "modified Peto-Peto (SAS TEST=MODPETO)",
               "S~(t) n_t/(n_t+1)", (), _peto_modified, extras=("s_tilde",)),
        Weight("modestly-weighted", "modestly weighted log-rank (Magirr & Burman)",
               "1/max(S(t-), S(t*))", ("t_star", "s_star"), _modest, True,
               extras=("s_cap",)),
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


def check_weights(name: str, rho: float = 0.0, gamma: float = 0.0, *,
                  t_star: float | None = None, s_star: float | None = None
                  ) -> tuple[Weight, float, float]:
    """Validate a weight name and its parameters: ``(Weight, rho, gamma)``.

    Raises
    ------
    ValueError
        An unknown name (the choices are named), ``rho`` or ``gamma`` not a finite number
        >= 0, a non-zero exponent the weight does not use, ``t_star`` / ``s_star`` given to
        a weight other than ``"modestly-weighted"``, or that weight without exactly one of
        them (``t_star`` finite >= 0, ``s_star`` in (0, 1]).
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
    _check_cap(spec, t_star, s_star)
    return spec, values["rho"], values["gamma"]


def _check_cap(spec: Weight, t_star, s_star) -> None:
    """``t_star`` / ``s_star``: exactly one for a weight that uses them, none otherwise."""
    given = [p for p, v in (("t_star", t_star), ("s_star", s_star)) if v is not None]
    if "t_star" not in spec.params:
        if given:
            raise ValueError(f"{given[0]} is only used with weights='modestly-weighted', "
                             f"not with {spec.name!r}")
        return
    if len(given) != 1:
        raise ValueError(f"weights={spec.name!r} needs exactly one of t_star (a time) or "
                         f"s_star (a survival level); got {given or 'neither'}")
    if t_star is not None and not (np.isfinite(float(t_star)) and float(t_star) >= 0):
        raise ValueError(f"t_star must be a finite time >= 0, got {t_star!r}")
    if s_star is not None and not (0 < float(s_star) <= 1):
        raise ValueError(f"s_star must be a survival level in (0, 1], got {s_star!r}")


def peto_survival(d: np.ndarray, n: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Peto's survival ``S~(t) = prod_{t_j <= t} (1 - d_j / (n_j + 1))`` at each cell's time.

    Includes the cell's own events (SAS LIFETEST's ``S~(t_i)``), within its stratum.

    Notes
    -----
    R equivalent: ``cumprod(1 - d / (n + 1))`` over the distinct times of a stratum, as
    ``coin:::logrank_weight(type = "Prentice-Marek")``.
    """
    lf = np.log1p(-d / (n + 1.0))
    cum = np.cumsum(lf)
    return np.exp(cum - (cum - lf)[start])


def survival_cap(d: np.ndarray, n: np.ndarray, start: np.ndarray, time: np.ndarray | None,
                 s_left: np.ndarray, t_star: float | None, s_star: float | None) -> np.ndarray:
    """The modestly weighted test's floor ``S(t*)`` (or ``s*``) for each cell's stratum.

    ``S(t*)`` is the pooled Kaplan-Meier *at* ``t*`` (events at ``t*`` included, as
    ``summary(survfit(...), times = t_star)``) within the stratum; 1 before the first event.

    Notes
    -----
    R equivalent: ``summary(survfit(Surv(time, status) ~ 1), times = t_star)$surv``.
    """
    if s_star is not None:
        return np.full(np.shape(n), float(s_star))
    if time is None:
        raise ValueError("weights='modestly-weighted' with t_star needs the cell times")
    with np.errstate(divide="ignore", invalid="ignore"):
        right = s_left * np.where(n > 0, 1.0 - d / np.where(n > 0, n, 1), 1.0)
    floor = np.ones(np.shape(n))
    np.minimum.at(floor, start, np.where(time <= float(t_star), right, 1.0))
    return floor[start]


def cell_weights(name: str, n: np.ndarray, d: np.ndarray, start: np.ndarray,
                 rho: float = 0.0, gamma: float = 0.0, *, time: np.ndarray | None = None,
                 t_star: float | None = None, s_star: float | None = None) -> np.ndarray:
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
    time : ndarray, optional
        Cell times (needed by ``"modestly-weighted"`` with ``t_star``).
    t_star, s_star : float, optional
        The modestly weighted test's ``t*`` or ``s*`` (exactly one, that weight only).

    Notes
    -----
    R equivalent: for ``"peto"``, ``survdiff``'s ``rho`` weight ``S(t-)^rho``; the others
    as ``coin::logrank_test``'s ``type`` (see the module docstring).
    """
    spec, rho, gamma = check_weights(name, rho, gamma, t_star=t_star, s_star=s_star)
    s_left = km_left(d, n, start) if spec.needs_km else None
    extra = {}
    if "s_tilde" in spec.extras:
        extra["s_tilde"] = peto_survival(d, n, start)
    if "s_cap" in spec.extras:
        extra["s_cap"] = survival_cap(d, n, start, time, s_left, t_star, s_star)
    return spec.function(n, s_left, rho, gamma, **extra)


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
    if spec.extras:
        raise ValueError(f"weights={spec.name!r} is computed per data set only "
                         f"(harness.core.cells.cell_weights), not from a risk table")
    if spec.needs_km and s_left is None:
        raise ValueError(f"{spec.name} weights need the pooled Kaplan-Meier S(t-)")
    return spec.function(n_at_risk, s_left, rho, gamma)
