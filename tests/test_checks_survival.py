"""HR vs CI, CI vs HR, p vs CI: hand-derived examples (Python) and R cross-checks."""

import math

import numpy as np
import pytest

from harness.audit.checks import slips
from harness.core import printed_ci
from harness.errors import CaseFileError
from tests.checkhelp import case_toml, judge


def test_midpoint_and_upper_by_hand():
    # CI 1-4: log midpoint exp((0 + ln 4)/2) = 2; HR 2 with lower 1 -> upper 2^2/1 = 4
    assert printed_ci.hr_midpoint(1.0, 4.0) == pytest.approx(2.0)
    assert printed_ci.ci_upper(2.0, 1.0) == pytest.approx(4.0)


def test_wald_p_by_hand():
    # HR 2, CI exp(ln2 -/+ 1.96*0.5): SE = 0.5, z = ln 2 / 0.5 = 1.3863, p = 2(1-Phi(1.3863)) = 0.1657
    lo, up = math.exp(math.log(2) - 1.959964 * 0.5), math.exp(math.log(2) + 1.959964 * 0.5)
    out = printed_ci.wald_p_from_ci(2.0, lo, up)
    assert out["se"] == pytest.approx(0.5, rel=1e-6)
    assert out["p"] == pytest.approx(0.16566, abs=1e-4)


def test_mh_by_hand():
    # same CI: V = (1.96/0.98... ) -> half-width ln(up/2) = 0.98, V = (1.96/0.98)^2 = 4,
    # O-E = V ln 2 = 2.7726, chi2 = (O-E)^2/V = 4 (ln 2)^2 = 1.9218
    lo, up = math.exp(math.log(2) - 1.959964 * 0.5), math.exp(math.log(2) + 1.959964 * 0.5)
    out = printed_ci.mh_from_ci(lo, up)
    assert out["v"] == pytest.approx(4.0, rel=1e-6)
    assert out["o_minus_e"] == pytest.approx(4 * math.log(2), rel=1e-6)
    assert out["chisq"] == pytest.approx(4 * math.log(2) ** 2, rel=1e-6)


def test_hr_consistent(tmp_path):
    # Stork Table 1 age: sqrt(0.182*0.926) = 0.4105, rounds to 0.41
    r = judge(tmp_path, case_toml("hazard_ratio", "0.41", '{ ci = "0.182-0.926" }'))
    assert r.verdict == "consistent" and r.check == "hr_vs_ci"
    assert r.python == pytest.approx(math.sqrt(0.182 * 0.926))
    assert "O-E" in r.message and r.details["mh"]["v"] > 0


def test_hr_slip_found(tmp_path):
    # 0.304-0.1344 is disordered; 0.304-1.344 has midpoint sqrt(0.4086) = 0.639 -> 0.64
    r = judge(tmp_path, case_toml("hazard_ratio", "0.64", '{ ci = "0.304-0.1344" }'))
    assert r.verdict == "inconsistent"
    assert "not ordered" in r.message and "changing 0.1344 to 1.344" in r.message


def test_hr_off_midpoint(tmp_path):
    # CI 1-4 centres on 2; HR 2.5 is not at the midpoint, but inside the CI
    r = judge(tmp_path, case_toml("hazard_ratio", "2.5", '{ ci = "1.0-4.0" }'))
    assert r.verdict == "inconsistent" and "log midpoint" in r.message


def test_hr_without_ci_unverifiable(tmp_path):
    r = judge(tmp_path, case_toml("hazard_ratio", "2.5"))
    assert r.verdict == "unverifiable" and "without its CI" in r.message


def test_direction_note(tmp_path):
    # reference A (median 10), B median 20 lives longer, so HR(B vs A) should be < 1; 2.0 runs
    # against it. Exponential: HR ~ 10/20 = 0.5, 4-fold off. A note, not a verdict.
    inputs = ('{ ci = "1.0-4.0", reference = "A", groups = [{ label = "A", median = "10" }, '
              '{ label = "B", median = "20" }] }')
    r = judge(tmp_path, case_toml("hazard_ratio", "2.0", inputs))
    assert r.verdict == "consistent"
    assert "runs against" in r.message and "4.0-fold off" in r.message
    assert r.details["direction"]["direction_agrees"] is False


def test_ci_vs_hr(tmp_path):
    # HR 2, lower 1 -> upper 4 (3.9601..4.0401 over rounding of 2.0 and 1.0? 1.95^2/1.05 = 3.62,
    # 2.05^2/0.95 = 4.42); printed 4.0 fits
    r = judge(tmp_path, case_toml("hazard_ratio_ci", "1.0-4.0", '{ hr = "2.0" }'))
    assert r.verdict == "consistent" and r.python == pytest.approx(4.0)
    r = judge(tmp_path, case_toml("hazard_ratio_ci", "1.00-9.00", '{ hr = "2.00" }'))
    assert r.verdict == "inconsistent"


def test_ci_without_hr(tmp_path):
    assert judge(tmp_path, case_toml("hazard_ratio_ci", "1.0-4.0")).verdict == "unverifiable"
    assert judge(tmp_path, case_toml("hazard_ratio_ci", "4.0-1.0")).verdict == "inconsistent"


def test_p_vs_ci(tmp_path):
    # Stork Table 1 no. of metastases: SE = ln(6.053/1.214)/3.92 = 0.4099, z = ln 2.711/0.4099
    # = 2.433, p = 0.01497 -> 0.015
    inp = '{ hr = "2.711", ci = "1.214-6.053" }'
    r = judge(tmp_path, case_toml("logrank_p", "0.015", inp))
    assert r.verdict == "consistent" and r.python == pytest.approx(0.01497, abs=2e-5)
    # printed 0.15: same call (ns? no: 0.15 > 0.05 while recomputed 0.015 <= 0.05) -> flips
    r = judge(tmp_path, case_toml("logrank_p", "0.15", inp, verdict="decision_error"))
    assert r.verdict == "decision_error" and "method difference" in r.message
    r = judge(tmp_path, case_toml("logrank_p", "0.025", inp, verdict="inconsistent"))
    assert r.verdict == "inconsistent"


def test_p_unverifiable_cases(tmp_path):
    assert judge(tmp_path, case_toml("logrank_p", "p = ns", '{ hr = "2.0", ci = "1.0-4.0" }')
                 ).verdict == "unverifiable"
    r = judge(tmp_path, case_toml("logrank_p", "p < 0.001", "{ n_groups = 3 }"))
    assert r.verdict == "unverifiable" and "3-group" in r.message
    r = judge(tmp_path, case_toml("logrank_p", "0.2", '{ ci = "1.0-4.0" }'))
    assert r.verdict == "unverifiable" and "without an HR" in r.message
    r = judge(tmp_path, case_toml("logrank_p", "0.238", '{ hr = "0.64", ci = "0.304-0.1344" }'))
    assert r.verdict == "unverifiable" and "1.344" in r.message


def test_garbage_is_case_file_error(tmp_path):
    with pytest.raises(CaseFileError) as info:
        judge(tmp_path, case_toml("logrank_p", "0.2", '{ hr = "two", ci = "1.0-4.0" }'))
    assert info.value.key.endswith("inputs.hr")
    with pytest.raises(CaseFileError) as info:
        judge(tmp_path, case_toml("hazard_ratio", "p = lots"))
    assert info.value.key.endswith(".published")


def test_slip_variants():
    assert "1.344" in slips.variants("0.1344")
    assert "0.57" in slips.variants("0.52")
    assert slips.variants("abc") == []


@pytest.mark.r
def test_r_matches_python(r):
    H = np.array([0.41, 2.711, 1.187, 23.1])
    L = np.array([0.182, 1.214, 0.601, 6.594])
    U = np.array([0.926, 6.053, 2.418, 80.88])
    np.testing.assert_allclose(r.call("harness_hr_midpoint", L, U), printed_ci.hr_midpoint(L, U),
                               rtol=1e-12)
    np.testing.assert_allclose(r.call("harness_ci_upper", H, L), printed_ci.ci_upper(H, L),
                               rtol=1e-12)
    rw, pw = r.call("harness_wald_p_from_ci", H, L, U, 0.95), printed_ci.wald_p_from_ci(H, L, U)
    for k in ("se", "z", "p"):
        np.testing.assert_allclose(rw[k], pw[k], rtol=1e-10)
    rm, pm = r.call("harness_mh_from_ci", L, U, 0.95), printed_ci.mh_from_ci(L, U)
    for k in ("o_minus_e", "v", "chisq", "p"):
        np.testing.assert_allclose(rm[k], pm[k], rtol=1e-10)


@pytest.mark.r
def test_checks_with_r(r, tmp_path):
    res = judge(tmp_path, case_toml("logrank_p", "0.015", '{ hr = "2.711", ci = "1.214-6.053" }'),
                use_r=True)
    assert res.verdict == "consistent" and res.r == pytest.approx(res.python, rel=1e-9)
