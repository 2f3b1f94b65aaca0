"""Analyse one chunk of trials with every analysis of the study, all trials at once.

:func:`run_chunk` is the unit of work of the engine: it rebuilds the chunk's random
generator from its :class:`numpy.random.SeedSequence`, draws the trials
(:func:`harness.simulate.generate.draw`), sorts them once (:func:`risk_table`) and applies
each analysis to the whole (trials x patients) block. The result is a long table, one row
per (trial, analysis): ``statistic``, ``p``, ``estimate``, ``lower``, ``upper`` (NaN where
undefined). The only Python loops are over analyses (and, inside them, over tie
multiplicity or max-combo coordinates), never over trials.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from harness.simulate import estimates, weighted
from harness.simulate.generate import Trials, draw
from harness.simulate.riskset import risk_table
from harness.simulate.study import Analysis, Scenario

COLUMNS = ("statistic", "p", "estimate", "lower", "upper")


def _nan(b: int) -> np.ndarray:
    return np.full(b, np.nan)


def analyse(trials: Trials, analyses: tuple[Analysis, ...], conf_level: float,
            rngs: list[np.random.Generator]) -> dict[str, dict[str, np.ndarray]]:
    """Every analysis on every trial: ``{analysis id: {column: array (b,)}}``."""
    rt = risk_table(trials.time, trials.event, trials.group)
    z = float(stats.norm.ppf(0.5 + conf_level / 2.0))
    b = trials.time.shape[0]
    out: dict[str, dict[str, np.ndarray]] = {}
    s_left = None
    for a, rng in zip(analyses, rngs):
        k = a.kind
        if k in ("logrank", "gehan-breslow", "tarone-ware", "peto", "fleming-harrington"):
            if k in ("peto", "fleming-harrington") and s_left is None:
                s_left = rt.s_left()
            zz, _ = weighted.weighted_z(rt, k, a.rho, a.gamma, s_left)
            res = {"statistic": zz**2, "p": weighted.p_from_z(zz)}
        elif k == "maxcombo":
            zmax, p, _, _ = weighted.maxcombo(rt)
            res = {"statistic": zmax, "p": p}
        elif k == "permutation":
            u, p = weighted.permutation_logrank(rt, rng, a.B)
            res = {"statistic": u, "p": p}
        elif k == "hr-mantel-haenszel":
            res = estimates.hr_mantel_haenszel(rt, z)
        elif k == "hr-logrank":
            res = estimates.hr_logrank(rt, z)
        elif k == "hr-cox":
            res = estimates.hr_cox(rt, z)
        elif k == "rmst-difference":
            res = estimates.rmst_difference(rt, a.tau, z)
        elif k == "median-bootstrap":
            cols = trials.group == (1 if a.arm == "experimental" else 0)
            res = estimates.median_bootstrap(trials.time[:, cols], trials.event[:, cols],
                                             rng, a.B, conf_level)
        else:  # pragma: no cover - the schema closes the list
            raise ValueError(f"unknown analysis kind {k!r}")
        out[a.id] = {c: np.asarray(res.get(c, _nan(b)), float) for c in COLUMNS}
    return out


def chunk_rngs(seq: np.random.SeedSequence, n_analyses: int
               ) -> tuple[np.random.Generator, list[np.random.Generator]]:
    """The chunk's data generator and one generator per analysis (independent streams)."""
    data = np.random.default_rng(seq)
    per = [np.random.default_rng(np.random.SeedSequence(seq.entropy,
                                                        spawn_key=seq.spawn_key + (10**6 + i,)))
           for i in range(n_analyses)]
    return data, per


def run_chunk(scenario: Scenario, analyses: tuple[Analysis, ...], conf_level: float,
              seq: np.random.SeedSequence, size: int, first_trial: int) -> pd.DataFrame:
    """Draw and analyse one chunk; one row per (trial, analysis)."""
    data_rng, rngs = chunk_rngs(seq, len(analyses))
    trials = draw(scenario, data_rng, size)
    res = analyse(trials, analyses, conf_level, rngs)
    trial = np.arange(first_trial, first_trial + size)
    frames = []
    for a in analyses:
        cols = res[a.id]
        frames.append(pd.DataFrame({"scenario": scenario.id, "analysis": a.id, "trial": trial,
                                    **cols}))
    return pd.concat(frames, ignore_index=True)
