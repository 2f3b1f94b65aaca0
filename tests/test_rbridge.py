"""The R bridge: availability probe, conversions, R's errors carried to Python."""

import numpy as np
import pandas as pd
import pytest

from harness.errors import RError
from harness.r import bridge as rbridge


def test_probe_names_missing_r(monkeypatch):
    # with no R on PATH the probe must say what to install (the real probe, a bare PATH)
    monkeypatch.setenv("PATH", "/nonexistent")
    rbridge.probe.cache_clear()
    try:
        status = rbridge.probe()
    finally:
        rbridge.probe.cache_clear()
    assert not status.ok
    assert "R is not installed" in status.reason and "r-cran-survival" in status.reason


@pytest.mark.r
def test_probe_ok():
    status = rbridge.probe()
    assert status.ok and status.r_version.startswith("R version")


@pytest.mark.r
def test_r_error_carries_r_message():
    with pytest.raises(RError, match="must have at least 2 rows and columns"):
        rbridge.call("harness_fisher_p", np.array([1, 2, 3]))


@pytest.mark.r
def test_results_are_plain_python():
    out = rbridge.evaluate("list(a = 1.5, b = c(1L, 2L), s = c('x', 'y'), flag = TRUE)")
    assert out == {"a": 1.5, "b": out["b"], "s": ["x", "y"], "flag": True}
    assert isinstance(out["b"], np.ndarray) and out["b"].tolist() == [1, 2]


@pytest.mark.r
def test_bindings_round_trip():
    x = np.array([1.0, 2.5, np.nan])
    assert rbridge.evaluate("sum(is.na(x))", x=x) == 1
    assert rbridge.evaluate("nchar(s)", s="survival") == 8


@pytest.mark.r
def test_dataset_lung():
    lung = rbridge.dataset("lung")
    assert isinstance(lung, pd.DataFrame)
    # R: nrow(lung); sum(lung$status == 2)  -> 228, 165
    assert lung.shape[0] == 228 and int((lung["status"] == 2).sum()) == 165
    assert list(lung.columns[:3]) == ["inst", "time", "status"]


@pytest.mark.r
def test_unknown_dataset_is_r_error():
    with pytest.raises(RError, match="not an exported object"):
        rbridge.dataset("no_such_data")


@pytest.mark.r
def test_1d_arrays_become_plain_vectors():
    # R code that rejects 1-d arrays (dim attribute) must receive plain vectors
    assert rbridge.evaluate("is.null(dim(x)) && is.double(x)", x=np.array([1.0, 2.0]))
    assert rbridge.evaluate("is.integer(x)", x=np.array([1, 2]))
    assert rbridge.evaluate("is.logical(x)", x=np.array([True, False]))
    assert rbridge.evaluate("identical(dim(m), c(2L, 2L))", m=np.array([[1, 2], [3, 4]]))


@pytest.mark.r
def test_integer_na_becomes_nan():
    # R: sum(is.na(pbc$trt)) -> 106; R's integer NA must not arrive as -2147483648
    assert np.isnan(rbridge.evaluate("c(1L, NA, 3L)")[1])
    pbc = rbridge.dataset("pbc")
    assert int(pbc["trt"].isna().sum()) == rbridge.evaluate("sum(is.na(pbc$trt))") == 106


@pytest.mark.r
def test_survival_data_sets_win_over_boot():
    # boot also ships an `aml`; inside the bridge the survival one (time, status, x) is seen
    assert rbridge.evaluate("names(aml)") == ["time", "status", "x"]
