"""Totals, percentages of counts, pooled mean ± SD, pooled median (range), same number."""

import numpy as np
import pytest

from harness.audit.checks import summary
from tests.checkhelp import case_toml, judge


def test_count_sum(tmp_path):
    # 22 + 11 = 33
    r = judge(tmp_path, case_toml("count", "33", "{ parts = [22, 11] }"))
    assert r.verdict == "consistent" and r.python == 33
    r = judge(tmp_path, case_toml("count", "34", "{ parts = [22, 11] }", verdict="inconsistent"))
    assert r.verdict == "inconsistent" and "+1" in r.message
    assert judge(tmp_path, case_toml("count", "7")).verdict == "unverifiable"


def test_percentage_grim(tmp_path):
    # 2/15 = 13.33% -> "13%"; 3/44 = 6.82% -> "7%"; 33/64 = 51.56% -> "52%"
    for pct, c, n in (("13%", 2, 15), ("7%", 3, 44), ("52%", 33, 64)):
        assert judge(tmp_path, case_toml("percentage", pct, f"{{ count = {c}, n = {n} }}")
                     ).verdict == "consistent"
    # 1/44 = 2.27% is not 4%; counts of 44 giving 4%: 2/44 = 4.55 no (rounds to 5), none
    r = judge(tmp_path, case_toml("percentage", "4%", "{ count = 1, n = 44 }",
                                  verdict="inconsistent"))
    assert r.verdict == "inconsistent" and "no count of 44" in r.message
    r = judge(tmp_path, case_toml("percentage", "30%", "{ count = 5, n = 20 }",
                                  verdict="inconsistent"))
    assert "count 6 of 20" in r.message  # 6/20 = 30%
    r = judge(tmp_path, case_toml("mortality_rate", "0%", "{ count = 0, n = 44 }"))
    assert r.verdict == "consistent"


def test_pooled_by_hand():
    # groups (n=2: 1, 3 -> mean 2, SD sqrt(2)) and (n=2: 5, 7 -> mean 6, SD sqrt(2));
    # pooled values 1,3,5,7: mean 4, SD sqrt(20/3) = 2.582
    m, s = summary.pooled_mean_sd([2, 2], [[2.0, 6.0]], [[2 ** 0.5, 2 ** 0.5]])
    assert m[0] == pytest.approx(4.0) and s[0] == pytest.approx((20 / 3) ** 0.5)


def test_pooled_case(tmp_path):
    g = ('{ groups = [{ label = "a", n = 44, mean_sd = "7.5 ± 3.8" }, '
         '{ label = "b", n = 20, mean_sd = "10.2 ± 4.7" }] }')
    # (44*7.5 + 20*10.2)/64 = 8.34; at most (44*7.55 + 20*10.25)/64 = 8.39 < 8.55
    r = judge(tmp_path, case_toml("mean_sd", "8.6 ± 4.3", g, verdict="inconsistent"))
    assert r.verdict == "inconsistent" and "mean 8.6" in r.message and "SD" not in r.message.split(":")[0]
    assert judge(tmp_path, case_toml("mean_sd", "8.3 ± 4.3", g)).verdict == "consistent"


def test_median_range(tmp_path):
    g = ('{ groups = [{ label = "a", median_range = "26 (4–242)" }, '
         '{ label = "b", median_range = "8 (5–12)" }] }')
    assert judge(tmp_path, case_toml("median_range", "15 (4–242)", g)).verdict == "consistent"
    r = judge(tmp_path, case_toml("median_range", "30 (4–200)", g, verdict="inconsistent"))
    assert "outside the group medians" in r.message and "maximum" in r.message
    g2 = '{ groups = [{ label = "a", median_range = "3 (1–34)" }, { label = "b", median = "17" }] }'
    r = judge(tmp_path, case_toml("median_range", "5 (1-100)", g2))
    assert r.verdict == "consistent" and "must reach 100" in r.message


def test_same_number(tmp_path):
    occ = '{ of = "logrank_p", occurrences = [{ published = "0.028", where = "Table 3" }] }'
    r = judge(tmp_path, case_toml("same_number", "p = 0.028", occ))
    assert r.verdict == "consistent"
    r = judge(tmp_path, case_toml("same_number", "p = 0.01", occ, verdict="inconsistent"))
    assert r.verdict == "inconsistent" and "Table 3" in r.message and "same significance" in r.message
    r = judge(tmp_path, case_toml("same_number", "p = 0.1", occ, verdict="decision_error"))
    assert r.verdict == "decision_error"
    occ2 = '{ of = "logrank_p", occurrences = [{ published = "<0.0001", where = "Table 1" }] }'
    assert judge(tmp_path, case_toml("same_number", "p < 0.001", occ2)).verdict == "consistent"
    occ3 = '{ of = "median_survival", occurrences = [{ published = "40.3", where = "T1" }] }'
    assert judge(tmp_path, case_toml("same_number", "40", occ3)).verdict == "consistent"


def test_same_number_bad_input(tmp_path):
    from harness.errors import CaseFileError

    with pytest.raises(CaseFileError) as info:
        judge(tmp_path, case_toml("same_number", "40",
                                  '{ of = "vibes", occurrences = [{ published = "4", where = "x" }] }'))
    assert info.value.key.endswith("inputs.of")
    with pytest.raises(CaseFileError) as info:
        judge(tmp_path, case_toml("same_number", "40",
                                  '{ of = "count", occurrences = [{ published = "four", where = "x" }] }'))
    assert "occurrences[0].published" in info.value.key


@pytest.mark.r
def test_r_matches_python(r):
    n = np.array([44.0, 20.0])
    means = np.array([[52.3, 63.5], [52.25, 63.55]])
    sds = np.array([[12.8, 12.8], [12.75, 12.85]])
    out = r.call("harness_pooled_mean_sd", n, means, sds)
    pm, ps = summary.pooled_mean_sd(n, means, sds)
    np.testing.assert_allclose(out["mean"], pm, rtol=1e-12)
    np.testing.assert_allclose(out["sd"], ps, rtol=1e-12)
    # sums, percentages and min/max are not cross-checked in R (no implementation difference
    # is possible): test_count_sum, test_percentage_grim and test_median_range test them by
    # hand, without R
