"""Statistical validity of the simulation: size, power vs Schoenfeld, Cox unbiasedness.

Every tolerance is 3 Monte Carlo standard errors (a fixed seed, so each test is
deterministic; with a correct engine a 3-SE miss has probability about 0.003 per check).
Trials are drawn and analysed in-process, chunk by chunk, exactly as the engine's tasks do.
"""

import math

import numpy as np
import pandas as pd
from scipy import stats

from harness.simulate.analyse import run_chunk
from harness.simulate.study import Analysis, Arm, Scenario

ALPHA = 0.05


def _run(scenario: Scenario, analyses, trials: int, seed: int, chunk: int = 500):
    seqs = np.random.SeedSequence(seed).spawn(trials // chunk)
    return pd.concat([run_chunk(scenario, analyses, 0.95, s, chunk, i * chunk)
                      for i, s in enumerate(seqs)], ignore_index=True)


def _exp_scenario(n, median, hr, follow_up=12.0, accrual=12.0) -> Scenario:
    ctrl = Arm("exponential", (math.log(2.0) / median,))
    exp = Arm("exponential", ctrl.rates, hr=hr)
    return Scenario("s", "s", n, ctrl, exp, follow_up=follow_up, accrual=accrual,
                    true_hr=hr, null=hr == 1.0)


def test_size_of_every_test_within_3_mc_se_of_alpha():
    # H0, exchangeable groups (same distribution, 120 vs 80, ~55% events, ties from
    # rounding to 0.1): size of each test within 3 SE = 3 sqrt(alpha (1 - alpha) / N)
    sc = _exp_scenario((120, 80), 20.0, 1.0)
    sc = Scenario(**{**sc.__dict__, "round_to": 0.1})
    analyses = (Analysis("logrank", "logrank"), Analysis("gbw", "gehan-breslow"),
                Analysis("tw", "tarone-ware"), Analysis("peto", "peto", rho=1.0),
                Analysis("fh01", "fleming-harrington", 0.0, 1.0),
                Analysis("maxcombo", "maxcombo"), Analysis("perm", "permutation", B=199),
                Analysis("mh", "hr-mantel-haenszel"), Analysis("cox", "hr-cox"))
    n_trials = 4000
    res = _run(sc, analyses, n_trials, seed=11)
    tol = 3 * math.sqrt(ALPHA * (1 - ALPHA) / n_trials)  # 0.0103
    for aid, g in res.groupby("analysis"):
        assert g["p"].notna().all(), aid
        rate = float((g["p"] <= ALPHA).mean())
        assert abs(rate - ALPHA) <= tol, f"{aid}: size {rate:.4f}, alpha {ALPHA} +/- {tol:.4f}"


def _expected_events(n: int, rate: float, follow_up: float, accrual: float) -> float:
    # P(event) with follow-up C ~ U(follow_up, follow_up + accrual), exponential hazard
    lo, hi = follow_up, follow_up + accrual
    return n * (1.0 - (math.exp(-rate * lo) - math.exp(-rate * hi)) / (rate * accrual))


def test_logrank_power_matches_schoenfeld_at_large_n():
    # Schoenfeld (1981): power = Phi(sqrt(D p (1 - p)) |ln HR| - z_{1-alpha/2}) with D the
    # expected number of events; 1000 patients (1:1), HR 0.8, D ~ 630
    hr, median = 0.8, 12.0
    sc = _exp_scenario((500, 500), median, hr)
    lam = math.log(2.0) / median
    d = _expected_events(500, lam, 12.0, 12.0) + _expected_events(500, lam * hr, 12.0, 12.0)
    z = stats.norm.ppf(1 - ALPHA / 2)
    power = stats.norm.cdf(math.sqrt(d * 0.25) * abs(math.log(hr)) - z)
    n_trials = 2000
    res = _run(sc, (Analysis("logrank", "logrank"),), n_trials, seed=12)
    rate = float((res["p"] <= ALPHA).mean())
    tol = 3 * math.sqrt(power * (1 - power) / n_trials)  # ~0.033
    assert 0.5 < power < 0.8
    assert abs(rate - power) <= tol, f"power {rate:.4f} vs Schoenfeld {power:.4f} +/- {tol:.4f}"


def test_cox_recovers_the_exponential_true_hr_without_bias():
    # mean log HR over trials vs ln(true HR), tolerance 3 SE = 3 sd / sqrt(N)
    hr = 0.7
    sc = _exp_scenario((400, 400), 12.0, hr)
    n_trials = 2000
    res = _run(sc, (Analysis("cox", "hr-cox"),), n_trials, seed=13)
    x = np.log(res["estimate"].to_numpy())
    assert np.isfinite(x).all()
    bias = float(x.mean() - math.log(hr))
    tol = 3 * float(x.std(ddof=1)) / math.sqrt(n_trials)
    assert abs(bias) <= tol, f"bias of log HR {bias:.5f} beyond 3 MC SE {tol:.5f}"
    lo, up = np.log(res["lower"].to_numpy()), np.log(res["upper"].to_numpy())
    cover = float(((lo <= math.log(hr)) & (math.log(hr) <= up)).mean())
    assert abs(cover - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / n_trials)
