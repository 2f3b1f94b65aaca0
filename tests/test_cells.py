"""Risk-set cells and THE weight table (harness.core.cells): hand-computed cells, numbers at
risk and weights; every routine that takes ``weights=`` dispatches through the table (a new
weight is one table entry), and an unknown weight fails with the choices named."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from harness.core import cells as C
from harness.core import logrank as L
from harness.resample import permutation_statistics, permutation_test

# Two strata with ties.          stratum 0: times 1 1 2 4 (events 1 0 1 1)
#                                stratum 1: times 2 3 3   (events 1 1 1)
TIME = np.array([1.0, 2.0, 1.0, 4.0, 3.0, 2.0, 3.0])
EVENT = np.array([1, 1, 0, 1, 1, 1, 1])
STRATA = np.array([0, 0, 0, 0, 1, 1, 1])


def test_cells_by_hand():
    c = C.risk_cells(TIME, STRATA, 2)
    # cells: (0,1) (0,2) (0,4) | (1,2) (1,3)
    assert_array_equal(c.time, [1, 2, 4, 2, 3])
    assert_array_equal(c.stratum, [0, 0, 0, 1, 1])
    assert_array_equal(c.inverse, [0, 1, 0, 2, 4, 3, 4])
    assert_array_equal(c.start, [0, 0, 0, 3, 3])
    assert_array_equal(c.stop, [3, 3, 3, 5, 5])
    rows = np.bincount(c.inverse, minlength=5).astype(float)
    d = np.bincount(c.inverse, weights=EVENT.astype(float), minlength=5)
    n = C.suffix_within(rows, c)
    assert_array_equal(n, [4, 2, 1, 3, 2])  # numbers at risk, restarting in stratum 1
    assert_array_equal(d, [1, 1, 1, 1, 2])
    # S(t-): stratum 0: 1, 3/4, 3/4 * 1/2;  stratum 1: 1, 2/3
    assert_allclose(C.km_left(d, n, c.start), [1, 0.75, 0.375, 1, 2 / 3], rtol=1e-15)


def test_level_codes():
    codes, lv = C.level_codes(np.array(["b", "a", "b"]), 3)
    assert lv == ["a", "b"] and codes.tolist() == [1, 0, 1]
    codes, lv = C.level_codes(None, 2)
    assert lv == [None] and codes.tolist() == [0, 0]


@pytest.mark.parametrize(
    "name,kw,expected",
    [
        # n = [4, 2, 1, 3, 2], S(t-) = [1, .75, .375, 1, 2/3] (test_cells_by_hand)
        ("logrank", {}, [1, 1, 1, 1, 1]),
        ("gehan-breslow", {}, [4, 2, 1, 3, 2]),
        ("tarone-ware", {}, [2, np.sqrt(2), 1, np.sqrt(3), np.sqrt(2)]),
        ("peto", {"rho": 1}, [1, 0.75, 0.375, 1, 2 / 3]),
        ("fleming-harrington", {"rho": 1, "gamma": 1}, [0, 0.75 * 0.25, 0.375 * 0.625, 0, 2 / 9]),
        ("fleming-harrington", {"rho": 0, "gamma": 2}, [0, 0.0625, 0.625**2, 0, 1 / 9]),
        ("peto", {"rho": 0.5}, np.sqrt([1, 0.75, 0.375, 1, 2 / 3])),
    ],
)
def test_weight_table_by_hand(name, kw, expected):
    c = C.risk_cells(TIME, STRATA, 2)
    n = np.array([4.0, 2, 1, 3, 2])
    d = np.array([1.0, 1, 1, 1, 2])
    assert_allclose(C.cell_weights(name, n, d, c.start, **kw), expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    "name,kw,expected",
    [
        # Peto's S~(t) = prod_{t_j <= t} (1 - d_j/(n_j + 1)), the cell's own events included
        # (SAS LIFETEST, "Weight Functions for Various Tests"): stratum 0: 4/5, 4/5 * 2/3,
        # 4/5 * 2/3 * 1/2; stratum 1: 3/4, 3/4 * 1/3
        ("peto-peto", {}, [0.8, 8 / 15, 4 / 15, 0.75, 0.25]),
        # times n / (n + 1)
        ("modified-peto", {}, [0.8 * 4 / 5, 8 / 15 * 2 / 3, 4 / 15 / 2, 0.75 * 3 / 4, 0.25 * 2 / 3]),
        # 1 / max(S(t-), s*), S(t-) = [1, .75, .375, 1, 2/3]
        ("modestly-weighted", {"s_star": 0.5}, [1, 4 / 3, 2, 1, 1.5]),
        # t* = 2: S(2) = 3/4 * 1/2 = 0.375 in stratum 0, 2/3 in stratum 1
        ("modestly-weighted", {"t_star": 2}, [1, 4 / 3, 1 / 0.375, 1, 1.5]),
        # t* before every event: S(t*) = 1, the log-rank
        ("modestly-weighted", {"t_star": 0.5}, [1, 1, 1, 1, 1]),
    ],
)
def test_sas_and_modest_weights_by_hand(name, kw, expected):
    c = C.risk_cells(TIME, STRATA, 2)
    n = np.array([4.0, 2, 1, 3, 2])
    d = np.array([1.0, 1, 1, 1, 2])
    assert_allclose(C.cell_weights(name, n, d, c.start, time=c.time, **kw), expected,
                    rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    "name,kw,match",
    [
        ("modestly-weighted", {}, "needs exactly one of t_star"),
        ("modestly-weighted", {"t_star": 1, "s_star": 0.5}, "needs exactly one of t_star"),
        ("modestly-weighted", {"s_star": 0}, r"s_star must be a survival level in \(0, 1\]"),
        ("modestly-weighted", {"t_star": -1}, "t_star must be a finite time >= 0"),
        ("logrank", {"t_star": 1}, "t_star is only used with weights='modestly-weighted'"),
        ("peto-peto", {"rho": 1}, "rho is only used with"),
    ],
)
def test_modest_parameters_checked_by_the_table(name, kw, match):
    with pytest.raises(ValueError, match=match):
        C.check_weights(name, **kw)
    with pytest.raises(ValueError, match=match):
        L.weighted_logrank(T, E, G, weights=name, **kw)


def test_simulation_risk_tables_refuse_per_data_set_weights():
    with pytest.raises(ValueError, match="computed per data set only"):
        C.risk_weights("peto-peto", np.ones(3), np.ones(3))


def test_table_lists_the_family():
    assert set(C.WEIGHTS) == {"logrank", "peto", "fleming-harrington", "gehan-breslow",
                              "tarone-ware", "peto-peto", "modified-peto", "modestly-weighted"}
    assert C.weight_spec("Tarone-Ware").name == "tarone-ware"  # case-insensitive


T = np.array([1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 9, 9], float)
E = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1])
G = np.array(list("ABABABABBAAB"))


@pytest.mark.parametrize(
    "call",
    [
        lambda w: L.weighted_logrank(T, E, G, weights=w),
        lambda w: L.logrank_scores(T, E, weights=w),
        lambda w: permutation_test(T, E, G, weights=w, B=10, seed=1),
        lambda w: permutation_statistics(T, E, G, G[None, :], weights=w),
        lambda w: C.cell_weights(w, np.ones(2), np.ones(2), np.zeros(2, np.intp)),
    ],
    ids=["weighted_logrank", "logrank_scores", "permutation_test", "permutation_statistics",
         "cell_weights"],
)
@pytest.mark.parametrize("name", ["modpeto", "wilcoxon", "", None])
def test_unknown_weight_fails_naming_the_choices(call, name):
    """No fall-through: a weight missing from the table is an error, never another weight."""
    with pytest.raises(ValueError) as exc:
        call(name)
    msg = str(exc.value)
    assert msg.startswith("weights must be one of")
    for choice in C.WEIGHTS:
        assert choice in msg
    assert repr(name) in msg


@pytest.mark.parametrize(
    "name,kw,match",
    [
        ("logrank", {"rho": 1}, "rho is only used with weights='peto' or 'fleming-harrington'"),
        ("tarone-ware", {"gamma": 1}, "gamma is only used with weights='fleming-harrington'"),
        ("peto", {"rho": -1}, "rho must be a finite number >= 0"),
        ("fleming-harrington", {"gamma": np.inf}, "gamma must be a finite number >= 0"),
    ],
)
def test_exponents_checked_by_the_table(name, kw, match):
    with pytest.raises(ValueError, match=match):
        C.check_weights(name, **kw)
    with pytest.raises(ValueError, match=match):
        permutation_test(T, E, G, weights=name, B=10, seed=1, **kw)


def test_a_new_weight_is_one_table_entry(monkeypatch):
    """Adding ``w_t = 2`` to the table alone makes every ``weights=`` routine use it: O, E and
    the scores double, V quadruples, so the chi-square equals the log-rank's."""
    monkeypatch.setitem(C.WEIGHTS, "twice", C.Weight(
        "twice", "twice log-rank", "2", (), lambda n, s_left, rho, gamma: np.full(np.shape(n), 2.0)))
    lr = L.weighted_logrank(T, E, G)
    tw = L.weighted_logrank(T, E, G, weights="twice")
    assert tw.test == "twice"
    assert_allclose(tw.observed, 2 * lr.observed, rtol=1e-14)
    assert_allclose(tw.expected, 2 * lr.expected, rtol=1e-14)
    assert_allclose(tw.variance, 4 * lr.variance, rtol=1e-14)
    assert tw.chisq == pytest.approx(lr.chisq, rel=1e-13)
    assert_allclose(L.logrank_scores(T, E, weights="twice"), 2 * L.logrank_scores(T, E),
                    rtol=1e-14)
    perm = permutation_test(T, E, G, weights="twice", method="exact")
    ref = permutation_test(T, E, G, weights="logrank", method="exact")
    assert perm.test == "twice" and perm.observed == pytest.approx(lr.chisq, rel=1e-12)
    assert perm.p_value == ref.p_value and perm.exceed == ref.exceed
    with pytest.raises(ValueError, match="rho is only used with"):
        L.weighted_logrank(T, E, G, weights="twice", rho=1)


def test_km_left_is_exactly_one_before_a_later_strata_first_event():
    """S(t-) is exactly 1 before a stratum's first event, whatever the strata before it (a
    rounding of 1e-16 there gave a Fleming-Harrington(0.5, 2) weight of 1e-32 and a chi-square
    of 0.25 where R's loop, tests/results/conventions.R, has weights 0 and chi-square 0)."""
    from harness.core import logrank as L
    from harness.core.cells import km_left

    d = np.array([1.0, 0.0, 1.0, 0.0, 0.0, 1.0])
    n = np.array([24.0, 23.0, 20.0, 19.0, 6.0, 5.0])
    start = np.array([0, 0, 0, 3, 3, 3])
    s = km_left(d, n, start)
    assert s[3] == 1.0 and s[4] == 1.0 and s[5] == 1.0
    t = np.array([2.0] + [1.0] * 23 + [2.0] + [1.0] * 13 + [2.0] * 5)
    e = np.zeros(43, bool)
    e[[0, 42]] = True
    g = np.array([0] * 5 + [1] * 20 + [2] * 18)
    st = np.array([0] * 24 + [1] + [0] * 12 + [1, 0, 1, 1, 1, 1])
    res = L.weighted_logrank(t, e, g, st, weights="fleming-harrington", rho=0.5, gamma=2)
    assert res.chisq == 0.0 and np.all(res.variance == 0.0)
