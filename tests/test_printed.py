"""Printed numbers read as the intervals of true values they allow."""

import math

import pytest

from harness.pack.printed import parse_interval, parse_mean_sd, parse_median_range, parse_number


@pytest.mark.parametrize(
    "text, lo, hi, relation",
    [
        ("0.798", 0.7975, 0.7985, "="),
        ("0.05", 0.045, 0.055, "="),
        ("1", 0.5, 1.5, "="),
        ("23.1", 23.05, 23.15, "="),
        ("<0.0001", -math.inf, 0.0001, "<"),
        ("≤ 0.05", -math.inf, 0.05, "<="),
        (">0.99", 0.99, math.inf, ">"),
        ("52%", 51.5, 52.5, "="),
    ],
)
def test_number_interval(text, lo, hi, relation):
    n = parse_number(text)
    assert n.relation == relation
    assert n.lo == pytest.approx(lo, abs=1e-12) if math.isfinite(lo) else n.lo == lo
    assert n.hi == pytest.approx(hi, abs=1e-12) if math.isfinite(hi) else n.hi == hi
    assert n.text == text


def test_decimals_are_kept_as_printed():
    assert parse_number("0.050").decimals == 3
    assert parse_number("0.050").half_unit == pytest.approx(0.0005)


def test_rounding_boundary_is_allowed():
    n = parse_number("0.05")
    assert n.allows(0.055) and n.allows(0.045)
    assert not n.allows(0.0551)


@pytest.mark.parametrize("bad", ["ns", "p = ns", "0.05a", "", "0.3.1", "--1"])
def test_garbage_is_rejected(bad):
    with pytest.raises(ValueError, match="not a printed number"):
        parse_number(bad)


def test_non_string_is_rejected():
    with pytest.raises(ValueError, match="a string"):
        parse_number(0.05)


def test_interval_keeps_each_bound_digits():
    iv = parse_interval("(0.353–1.874)")
    assert (iv.lower.value, iv.upper.value) == (0.353, 1.874)
    iv = parse_interval("0.131-1")
    assert iv.upper.decimals == 0 and iv.lower.decimals == 3
    # printed as-is even when the bounds are out of order (a check judges that, not the parser)
    assert parse_interval("0.304-0.1344").upper.value == 0.1344


def test_mean_sd_and_median_range():
    ms = parse_mean_sd("55.8 ± 13.7")
    assert (ms.mean.value, ms.sd.value, ms.sd.decimals) == (55.8, 13.7, 1)
    assert parse_mean_sd("55.8 +/- 13.7").mean.value == 55.8
    mr = parse_median_range("15 (4–242)")
    assert (mr.median.value, mr.range.lower.value, mr.range.upper.value) == (15, 4, 242)
    with pytest.raises(ValueError, match="median"):
        parse_median_range("17")
