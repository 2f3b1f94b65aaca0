"""Pseudo-IPD reconstruction: the exact (O-E, V) screen, determinism of `harness reconstruct`,
and the data-set invariants (follow-up window, group sizes, PFS <= OS)."""

from pathlib import Path

import numpy as np
import pytest

from harness import ipd
from harness.cli import main
from harness.ipd import reconstruct
from harness.ipd.reconstruct.verdict import as_printed
from harness.pack.cases import load_pack

PACK = Path(__file__).resolve().parent.parent / "cases" / "stork2022"
#: regenerated in the byte-identity test: the fast ones (the whole pack takes about a minute on
#: 2 cores, see the report), one of each kind: one group with rates, three groups, a
#: searched group size, a garbled CI read as printed-slip, a proven conflict with a PFS pair,
#: and the one only the exhaustive order search fits (t1_pm, ~30 s)
FAST = ["cohort", "fig2_three_groups", "t1_age", "t1_gender", "t1_pm"]


@pytest.fixture(scope="module")
def pack():
    return load_pack(PACK)


@pytest.fixture(scope="module")
def specs(pack):
    return {s.id: s for s in reconstruct.load_specs(pack)}


def test_every_comparison_is_listed(specs):
    # 9 rows of Table 1, 6 factors x (PFS, OS) of Table 3, Fig. 2, the whole cohort
    assert len(specs) == 23
    assert sum(s.id.startswith("t1_") for s in specs.values()) == 9
    assert sum(s.id.startswith("t3_") for s in specs.values()) == 12


def test_targets_come_from_cases(specs, pack):
    # numbers are read from the case pack, not copied: Table 1 age HR 0.41 (0.182-0.926)
    s = specs["t1_age"]
    assert s.target("hr").text == "0.41" and s.target("hr").case == "table1::age::hr"
    assert (s.target("ci_lower").text, s.target("ci_upper").text) == ("0.182", "0.926")
    # the complementary group's searched size range: 64 - [12, 40]
    assert s.groups[1].n_range == (24, 52)
    # grade: G2G3 = 16 + 33 from Table 2
    assert [g.n for g in specs["t1_grade"].groups] == [6, 49]


def test_exact_screen_by_hand(specs):
    # HR 0.41 with CI 0.182-0.926 and p 0.032: ln-midpoint 0.4105, V = (1.96/0.8134)^2 = 5.81,
    # chi2 = ln(0.4105)^2 * 5.81 = 4.59 -> p 0.032: no conflict
    assert reconstruct.exact_conflicts(specs["t1_age"]) == []
    # Table 3 PFS age: HR 1.187 is not the log midpoint 1.205 of 0.601-2.418, and the CI
    # implies p ~ 0.60, not 0.251
    conf = reconstruct.exact_conflicts(specs["t3_age_pfs"])
    assert ("hr", "ci_lower", "ci_upper") in conf
    assert ("ci_lower", "ci_upper", "p") in conf
    # the gender CI as printed (0.304-0.1344) is not an interval at all
    assert ("ci_lower", "ci_upper") in reconstruct.exact_conflicts(
        as_printed(specs["t1_gender"]))


def test_matching_pfs_to_os():
    # PFS 5 (event) and 8 (censored) vs OS 8 (censored) and 9 (event): the censored PFS needs
    # the censored OS record; the PFS event takes the other
    m = reconstruct.match(np.array([5, 8]), np.array([True, False]),
                          np.array([8, 9]), np.array([False, True]))
    assert m.tolist() == [1, 0]
    # a censored PFS with only event OS records left cannot be paired
    m = reconstruct.match(np.array([5]), np.array([False]), np.array([9]), np.array([True]))
    assert m.tolist() == [-1]


def test_regenerates_byte_identically(pack, tmp_path):
    """`harness reconstruct` rewrites the committed CSVs byte for byte (fast subset)."""
    sums = reconstruct.reconstruct_pack(pack, tmp_path, only=FAST, jobs=2)
    assert {s["id"] for s in sums} == set(FAST)
    files = {s.file for s in reconstruct.load_specs(pack) if s.id in FAST}
    for f in files:
        assert (tmp_path / f).read_bytes() == (PACK / "ipd" / f).read_bytes(), f
    # outcomes.json holds exactly the regenerated comparisons, each as committed
    got, want = ipd.read_outcomes(tmp_path), ipd.read_outcomes(PACK / "ipd")
    assert list(got) == [s.id for s in reconstruct.load_specs(pack) if s.id in FAST]
    assert all(got[i] == want[i] for i in got)


def test_cli_reconstruct(tmp_path, capsys):
    assert main(["reconstruct", str(PACK), "--out", str(tmp_path), "--only", "cohort",
                 "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "cohort: consistent" in out and "cohort: ranges computed" in out
    assert (tmp_path / "cohort.csv").read_bytes() == (PACK / "ipd" / "cohort.csv").read_bytes()
    # the feasible ranges too: same hash, same ranges as the committed ones (deterministic;
    # floats to 1e-12, as another CPU may round the last bit of a sum differently)
    from tests.test_ranges import _same_ranges

    mine, committed = ipd.io.read_ranges(tmp_path)["cohort"], ipd.io.read_ranges(PACK / "ipd")["cohort"]
    assert (mine.hash, mine.settings) == (committed.hash, committed.settings)
    assert _same_ranges(mine.ranges, committed.ranges)
    assert main(["reconstruct", str(PACK), "--out", str(tmp_path), "--only", "cohort",
                 "--ranges-only"]) == 0
    assert "cohort: ranges current" in capsys.readouterr().out
    assert main(["reconstruct", str(PACK), "--out", str(tmp_path), "--only", "nope"]) == 2


def test_every_comparison_has_a_set_or_a_conflict(specs):
    branches = {"inconsistent": 0, "not searched": 0, "names conflicts": 0}
    outcomes = ipd.read_outcomes(PACK / "ipd")
    assert list(outcomes) == list(specs)
    for s in specs.values():
        path = PACK / "ipd" / s.file
        assert path.is_file(), s.file
        meta = outcomes[s.id]
        assert meta.verdict in ("consistent", "inconsistent", "unresolved"), s.id
        if meta.verdict == "inconsistent":
            branches["inconsistent"] += 1
            assert meta.conflict_kind == "exact", s.id  # proven by the (O-E, V) screen
        if meta.verdict != "consistent" and meta.finding.startswith("not searched"):
            branches["not searched"] += 1
            continue
        if meta.verdict != "consistent":
            branches["names conflicts"] += 1
            assert meta.conflicts, f"{s.id}: an inconsistent verdict names its numbers"
            assert meta.finding
            # a single printed number always holds on its own: a named conflict has two or more
            assert all(len(c) >= 2 for c in meta.conflicts), (s.id, meta.conflicts)
        # the CSV's comment lines (for humans) say the same as the stored outcome
        assert f"#   verdict: {meta.verdict}" in path.read_text("utf-8").splitlines(), s.id
        # every comparison gets a data set: the one satisfying every printed number, or
        # (inconsistent / unresolved) the printed numbers left once the conflict is relaxed
        assert ipd.read_csv(path, s.id, s.columns) is not None, s.id
    # the branches above ran: 4 of the 23 comparisons are inconsistent (19 consistent), each
    # with its conflicting numbers named; none was left unsearched
    assert branches == {"inconsistent": 4, "not searched": 0, "names conflicts": 4}


def test_sets_respect_window_sizes_and_pfs_before_os(specs):
    checked = {"sets": 0, "fixed n": 0, "n range": 0, "PFS/OS pairs": 0}
    for s in specs.values():
        data = ipd.read_csv(PACK / "ipd" / s.file, s.id, s.columns)
        if data is None:
            continue
        checked["sets"] += 1
        assert (data.time > 0).all() and (data.time <= s.max_time).all(), s.id
        assert set(np.unique(data.event)) <= {0, 1}
        for g in s.groups:
            n = int(np.sum(data.group == g.label))
            if g.n is not None:
                checked["fixed n"] += 1
                assert n == g.n, (s.id, g.label)
            else:
                checked["n range"] += 1
                assert g.n_range[0] <= n <= g.n_range[1], (s.id, g.label)
        if s.pair_of:
            checked["PFS/OS pairs"] += 1
            os_spec = specs[s.pair_of]
            os_ = ipd.read_csv(PACK / "ipd" / s.file, os_spec.id, os_spec.columns)
            assert (data.id == os_.id).all() and (data.group == os_.group).all()
            assert (data.time <= os_.time).all(), s.id
            cens = data.event == 0
            assert (os_.event[cens] == 0).all(), f"{s.id}: PFS-censored but OS event"
    # every comparison has its set; 6 PFS sets (Table 3) are paired with their OS set
    assert checked == {"sets": 23, "fixed n": 18, "n range": 28, "PFS/OS pairs": 6}


# ------------------------------------------------------------------ malformed comparisons.toml
_GOOD = """
[defaults]
seed = 1
unit = "months"
max_time = 120.0
grid = 0.1

[[comparison]]
id = "t1_age"
file = "x.csv"
endpoint = "OS"
origin = "imaging diagnosis of pulmonary metastases"
groups = [{ label = "A", n = 30 }, { label = "B", n = 34 }]
numerator = "B"
hr = "table1::age::hr"
"""


@pytest.mark.parametrize(
    "change, key, words",
    [
        (('n = 30', 'n = "30"'), "comparison[0].groups[0].n", "'30' does not match"),
        (('hr = "table1::age::hr"', 'hr = "table1::age::hr"\nhr_ci = "x"'),
         "comparison[0]", "hr_ci"),
        (('endpoint = "OS"', 'endpoint = "DFS"'), "comparison[0].endpoint", "DFS"),
        (('seed = 1', 'seed = 1.5'), "defaults.seed", "integer"),
        (('numerator = "B"', 'numerator = "C"'), "comparison[0] (id 't1_age').numerator",
         "not a group label"),
        (('hr = "table1::age::hr"', 'hr = "table1::nope::hr"'),
         "comparison[0] (id 't1_age').hr", "does not have"),
        (('numerator = "B"', 'numerator = "B"\npair_of = "t9"'),
         "comparison[0] (id 't1_age').pair_of", "no comparison 't9'"),
        (('unit = "months"\n', ''), "defaults", "'unit' is missing"),
        (('unit = "months"', 'unit = "fortnights"'), "defaults.unit", "fortnights"),
        (('grid = 0.1', 'grid_months = 0.1'), "defaults", "'grid' is missing"),
        (('{ label = "A", n = 30 }', '{ label = "A", n_range = [10, 20] }'),
         "comparison[0] (id 't1_age').origin", "no [[cohort]] with origin"),
        (('[[comparison]]', '[[cohort]]\norigin = "x"\nn = "table2::nope"\n\n[[comparison]]'),
         "cohort[0].n", "does not have"),
    ],
)
def test_malformed_comparisons_name_file_and_key(pack, tmp_path, change, key, words):
    from harness.errors import CaseFileError

    old, new = change
    assert old in _GOOD
    path = tmp_path / "comparisons.toml"
    path.write_text(_GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CaseFileError) as info:
        reconstruct.load_specs(pack, path)
    err = info.value
    assert str(path) in str(err) and key in str(err) and words in str(err), str(err)


def test_missing_comparisons_file_is_named(pack, tmp_path):
    from harness.errors import CaseFileError

    with pytest.raises(CaseFileError, match="missing.toml.*cannot be read"):
        reconstruct.load_specs(pack, tmp_path / "missing.toml")


def test_wellformed_comparisons_load(pack, tmp_path):
    path = tmp_path / "comparisons.toml"
    path.write_text(_GOOD, encoding="utf-8")
    (spec,) = reconstruct.load_specs(pack, path)
    assert [g.n for g in spec.groups] == [30, 34] and spec.numerator == "B"
