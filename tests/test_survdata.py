"""Validation in harness.core.survdata: every error path, with its message."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from harness.core.survdata import SurvData, as_events, as_times


@pytest.mark.parametrize(
    "value, match",
    [
        ([1, -1, 2], "time has negative values at index 1"),
        ([np.nan, 1], "time has NaN at index 0"),
        ([1, np.inf], "time has infinite values at index 1"),
        ([[1, 2]], "time must be one-dimensional"),
        (["a", "b"], "time must be numeric"),
        (list(range(-7, 0)), "at index 0, 1, 2, 3, 4 and 2 more"),
    ],
)
def test_as_times_errors(value, match):
    with pytest.raises(ValueError, match=match):
        as_times(value)


def test_as_times_ok():
    assert_array_equal(as_times([0, 1.5]), [0.0, 1.5])


@pytest.mark.parametrize(
    "value, coding, match",
    [
        ([0, 1, 2], "01", "event codes must be 0/1; found 2 at index 2"),
        ([1, 2, 2], "01", "pass coding='12' to accept it"),
        ([0, 1], "12", "event codes must be 1/2; found 0"),
        ([True, False], "12", "boolean but coding='12'"),
        ([0, 1], "21", "coding must be '01' or '12'"),
        ([[0, 1]], "01", "event must be one-dimensional"),
        (["x", "y"], "01", "event must be 0/1 or boolean"),
    ],
)
def test_as_events_errors(value, coding, match):
    with pytest.raises(ValueError, match=match):
        as_events(value, coding)


def test_as_events_codings():
    assert_array_equal(as_events([0, 1]), [False, True])
    assert_array_equal(as_events([1, 2], "12"), [False, True])
    assert_array_equal(as_events(np.array([True, False])), [True, False])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(time=[], event=[]), "no observations"),
        (dict(time=[1, 2], event=[1]), "length mismatch: time has 2 values, event has 1"),
        (dict(time=[1, 2], event=[1, 0], group=[1]), "group has 1"),
        (dict(time=[1, 2], event=[1, 0], strata=[1, 2, 3]), "strata has 3"),
        (dict(time=[1, 2], event=[1, 0], group=[np.nan, 1.0]), "group has missing labels"),
        (dict(time=[1, 2], event=[1, 0], group=np.array(["a", None], dtype=object)),
         r"missing labels \(None\)"),
        (dict(time=[1, 2], event=[1, 0], group=[[1, 2]]), "group must be one-dimensional"),
        (dict(time=[1, 2], event=[1, 0], group=["a", "b"], levels=["a", "b", "c"]),
         r"group\(s\) \['c'\] have no rows"),
        (dict(time=[1, 2], event=[1, 0], group=["a", "x"], levels=["a"]),
         r"group labels \['x'\] are not among levels"),
    ],
)
def test_from_arrays_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SurvData.from_arrays(**kwargs)


def test_levels_and_codes():
    d = SurvData.from_arrays([1, 2, 3], [1, 0, 1], group=["b", "a", "b"])
    assert d.n == 3 and d.levels() == ["a", "b"]
    codes, lv = d.group_codes()
    assert_array_equal(codes, [1, 0, 1]) and lv == ["a", "b"]
    codes, lv = SurvData.from_arrays([1], [1]).group_codes()
    assert_array_equal(codes, [0]) and lv == [None]


def test_group_codes_integer_fast_path_matches_sorted_levels():
    # the O(n) path for small-range integers must give R's factor order, as np.unique does
    g = np.array([5, -2, 5, 0, -2, 7])
    codes, levels = SurvData.from_arrays(np.arange(6.0) + 1, np.ones(6), g).group_codes()
    ref_levels, ref_codes = np.unique(g, return_inverse=True)
    assert levels == ref_levels.tolist() and codes.tolist() == ref_codes.tolist()
    codes, levels = SurvData.from_arrays([1, 2], [1, 0], np.array([True, False])).group_codes()
    assert levels == [False, True] and codes.tolist() == [1, 0]
