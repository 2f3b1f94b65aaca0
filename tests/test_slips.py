"""Transcription slips: numbers one keystroke away, and the search that names them."""

from harness.audit.checks.slips import describe, find_slips, variants


def test_variants_of_a_short_number():
    v = variants("0.5")
    # one digit replaced: 9 for each of the two digits (0.5 -> 1.5 ... 9.5 and 0.0 ... 0.9)
    assert "1.5" in v and "0.6" in v and "0.0" in v
    # one character dropped: "05" -> "5", ".5" -> "0.5" (the original, left out), "0." invalid
    assert "5" in v
    # decimal point moved: "05" -> "5"; no duplicates; the original is absent
    assert "0.5" not in v and len(v) == len(set(v))


def test_moved_decimal_point_is_a_variant():
    assert "1.344" in variants("0.1344")
    assert "13.44" in variants("0.1344")


def test_relation_and_percent_are_kept():
    assert all(x.startswith("<") for x in variants("<0.05"))
    assert "62%" in variants("52%")


def test_non_numbers_have_no_variants():
    assert variants("ns") == [] and variants("0.3-0.4") == []


def test_find_slip_in_an_unordered_ci():
    # a CI 0.304-0.1344 around HR 0.64 is fixed only by making the upper bound > 0.64 with a
    # log midpoint near ln 0.64: sqrt(0.304 * 1.344) = 0.639, so '1.344' must be found
    fields = {"hr": "0.64", "lower": "0.304", "upper": "0.1344"}

    def ok(f):
        lo, up, hr = float(f["lower"]), float(f["upper"]), float(f["hr"])
        return lo < hr < up and abs((lo * up) ** 0.5 - hr) < 0.006

    found = find_slips(fields, ok)
    assert ("upper", "0.1344", "1.344") in found
    assert describe([found[0]]).endswith("makes it consistent")


def test_no_slip_found_says_nothing():
    assert find_slips({"x": "7"}, lambda f: False) == []
    assert describe([]) == ""
