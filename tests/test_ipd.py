"""Recomputation from the pseudo-IPD sets: Python (survival core) vs R survival to 1e-9, the
targeted printed numbers hold at their printed precision, the held-out ones are recorded."""

from pathlib import Path

import numpy as np
import pytest

from harness import ipd
from harness.ipd import RESAMPLED_KEYS, RESAMPLING_SEED, read_csv, reconstruct
from harness.ipd.reconstruct import load_specs
from harness.pack.cases import load_pack

PACK = Path(__file__).resolve().parent.parent / "cases" / "stork2022"
_CACHE: dict = {}


def _results(use_r: bool):
    if use_r not in _CACHE:
        _CACHE[use_r] = ipd.evaluate_pack(load_pack(PACK), use_r=use_r)
    return _CACHE[use_r]


@pytest.mark.r
def test_python_and_r_agree_on_every_set():
    # R gating is the marker's (the plugin skips or, in CI, fails), not the test's own skip
    results = _results(True)
    checked = 0
    for c in results:
        if not c.has_data:
            continue
        assert c.disagreements == [], (c.id, c.disagreements)
        for row in c.rows:
            if row.key in RESAMPLED_KEYS:  # stochastic: the engine's own tests check it vs R
                continue
            if row.python is not None and np.isfinite(row.python):
                assert row.r is not None, (c.id, row.key)
                checked += 1
    assert checked > 150


def test_resampling_on_every_set_is_seeded_and_reported():
    # issue 6 applied to the seed: permutation p and bootstrap HR interval per comparison
    from harness.resample import permutation_test

    results = _results(False)
    with_two = [c for c in results if c.has_data and c.numerator]
    assert with_two
    for c in with_two:
        rows = {r.key: r.python for r in c.rows}
        assert 0 < rows["p_perm"] <= 1
        lo, hi = rows["hr_boot_lower"], rows["hr_boot_upper"]
        assert np.isnan(lo) or np.isnan(hi) or lo <= hi
    # the value in the report is the engine's, for the same seed
    first = with_two[0]
    spec = next(s for s in load_specs(load_pack(PACK)) if s.id == first.id)
    data = read_csv(Path(PACK) / "ipd" / spec.file, spec.id, spec.columns)
    direct = permutation_test(data.time, data.event, data.group, weights="logrank", B=10_000,
                              seed=RESAMPLING_SEED, progress=False).p_value
    assert {r.key: r.python for r in first.rows}["p_perm"] == direct


def test_targeted_numbers_hold_at_printed_precision():
    for c in _results(False):
        for row in c.rows:
            if row.role == "targeted":
                assert row.reproduced, (c.id, row.key, row.printed, row.python)


def test_inconsistent_comparisons_name_their_conflict():
    for c in _results(False):
        assert c.verdict in ("consistent", "inconsistent", "unresolved"), (c.id, c.verdict)
        if c.verdict in ("inconsistent", "unresolved") and c.has_data:
            assert c.conflicts and c.finding, c.id
            keys = {r.key for r in c.rows}
            for conf in c.conflicts:
                assert set(conf) <= keys, (c.id, conf)


def test_held_out_numbers_are_recorded(capsys):
    """Held-out printed numbers are recomputed and recorded, not asserted to match."""
    lines = []
    for c in _results(False):
        for row in c.rows:
            if row.role == "held out" and c.has_data:
                assert row.python is not None and np.isfinite(row.python), (c.id, row.key)
                lines.append(f"{c.id} {row.key} printed {row.printed} recomputed "
                             f"{row.python:.4g} reproduced={row.reproduced}")
    assert any("pooled_rate" in x for x in lines)
    print("\n".join(lines))


def test_every_printed_survival_number_of_tables_1_and_3_is_recomputed():
    pack = load_pack(PACK)
    want = {f"{Path(c.file).stem}::{c.id}" for c in pack.cases
            if Path(c.file).stem in ("table1", "table3")
            and c.statistic in ("median_survival", "hazard_ratio", "hazard_ratio_ci",
                                "logrank_p", "gbw_p")}
    got, without_set = set(), set()
    for c in _results(False):
        for row in c.rows:
            if row.python is not None and np.isfinite(row.python):
                got.add(row.case)
            elif not c.has_data:
                without_set.add(row.case)
    # every printed number is recomputed from a set, except those of comparisons for which
    # no set could be built (they carry an inconsistent/unresolved verdict instead)
    missing = want - got
    print(f"recomputed {len(want & got)} of {len(want)}; no set for: {sorted(missing)}")
    assert missing <= without_set
    assert len(want) == 106  # 9 x 5 in Table 1, 12 x 5 + the GBW footnote in Table 3


def test_csv_round_trip_and_core_recompute():
    pack = load_pack(PACK)
    spec = {s.id: s for s in reconstruct.load_specs(pack)}["t1_age"]
    data = ipd.read_csv(PACK / "ipd" / spec.file, spec.id, spec.columns)
    assert data.header["numerator"] == "<60"
    rec = ipd.recompute(data, spec, "<60", use_r=False)
    # the MH HR is exp((O-E)/V) of the numerator group
    assert rec.python["hr"] == pytest.approx(np.exp(rec.python["o_minus_e"] / rec.python["v"]))
    assert spec.target("hr").allows(rec.python["hr"])


def test_variant_spread_is_reported():
    for c in _results(False):
        keys = {r.key for r in c.rows}
        if len(c.curves) == 2 and c.numerator:
            assert {"hr", "hr_logrank", "hr_cox", "p", "p_gbw", "p_peto"} <= keys, c.id
