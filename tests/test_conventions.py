"""The software-convention catalogue (harness/conventions/catalogue.toml) loads and validates;
a malformed entry is an error naming the file and the key."""

from __future__ import annotations

import pytest

from harness.conventions import FAMILIES, OPTIONS, load_catalogue, parse_catalogue
from harness.core.cells import WEIGHTS
from harness.errors import CaseFileError

SOFTWARE = {"r-survival", "coin", "survminer", "nphrct", "sas-lifetest", "sas-phreg", "spss",
            "stata", "prism", "lifelines", "statsmodels"}


def test_bundled_catalogue_loads_with_every_program():
    cat = load_catalogue()
    assert set(cat.software) == SOFTWARE
    assert {c.software.id for c in cat.conventions} == SOFTWARE
    ids = [c.id for c in cat.conventions]
    assert len(ids) == len(set(ids))
    for c in cat.conventions:
        assert c.source.startswith("http"), c.id
        assert set(c.options) <= set(OPTIONS[c.family]), c.id
        assert set(c.statistics) <= set(FAMILIES[c.family]), c.id
        assert c.status in ("implemented", "missing", "pending"), c.id
        if c.status != "implemented":
            assert c.reason, c.id


def test_defaults_named_in_the_brief():
    cat = load_catalogue()
    opts = {c.id: c.options for c in cat.conventions}
    assert opts["r-survfit-log"] == {"conf_type": "log"}
    assert opts["r-survdiff-rho0"] == {"weights": "logrank"}
    assert opts["r-coxph-efron"] == {"ties": "efron"}
    assert opts["sas-phreg-breslow"] == {"ties": "breslow"}
    assert opts["stata-stcox-breslow"] == {"ties": "breslow"}
    assert opts["statsmodels-phreg"] == {"ties": "breslow"}
    assert opts["sas-lifetest-median"] == {"median_rule": "sas"}
    assert opts["prism-hr-mh"] == {"hr_method": "mantel-haenszel"}
    assert opts["lifelines-km"] == {"conf_type": "log-log"}
    assert cat.by_id("sas-lifetest-peto").options == {"weights": "peto-peto"}
    assert cat.by_id("r-survdiff-rho1").options == {"weights": "peto", "rho": 1.0}
    for cid in ("sas-phreg-exact", "sas-lifetest-lr"):
        assert cat.by_id(cid).status == "missing"
    # timefix is in the core now (R's default, implied by every R entry), not a convention
    assert "r-timefix" not in {c.id for c in cat.conventions}


def test_weights_not_in_the_core_are_pending_not_errors():
    cat = load_catalogue()
    for c in cat.conventions:
        w = c.options.get("weights")
        if w is not None:
            assert c.status == ("implemented" if w in WEIGHTS else "pending"), c.id


GOOD = """
[software.x]
name = "X"
sources = ["https://example.org/x"]

[[convention]]
id = "x-log"
software = "x"
label = "X log"
family = "km"
options = { conf_type = "log" }
"""


def test_minimal_catalogue_parses():
    cat = parse_catalogue(GOOD, "mine.toml")
    (c,) = cat.conventions
    assert (c.id, c.status, c.source, c.statistics) == (
        "x-log", "implemented", "https://example.org/x", FAMILIES["km"])


@pytest.mark.parametrize("old,new,key", [
    ('family = "km"', 'family = "kaplan"', "convention[0].family"),
    ('conf_type = "log"', 'conf_type = "loglog"', "convention[0].options.conf_type"),
    ('{ conf_type = "log" }', '{ ties = "efron" }', "convention[0].options.ties"),
    ('software = "x"\nlabel', 'software = "y"\nlabel', "convention[0].software"),
    ('id = "x-log"', 'id = ""', "convention[0].id"),
    ('label = "X log"', 'label = "X log"\ncolour = "red"', "convention[0].colour"),
    ('label = "X log"', 'label = "X log"\nstatus = "done"', "convention[0].status"),
    ('label = "X log"', 'label = "X log"\nstatus = "missing"', "convention[0].reason"),
    ('label = "X log"', 'label = "X log"\nstatistics = ["hr"]', "convention[0].statistics"),
    ('label = "X log"', 'label = "X log"\ndefault = "yes"', "convention[0].default"),
    ('label = "X log"', 'label = "X log"\nsource = "docs page"', "convention[0].source"),
    ('sources = ["https://example.org/x"]', 'sources = ["example.org"]', "software.x.sources[0]"),
    ('sources = ["https://example.org/x"]', 'sources = []', "software.x.sources"),
    ('{ conf_type = "log" }', '{}', "convention[0].options"),
])
def test_bad_entry_names_file_and_key(old, new, key):
    assert old in GOOD
    with pytest.raises(CaseFileError) as err:
        parse_catalogue(GOOD.replace(old, new, 1), "mine.toml")
    assert str(err.value).startswith(f"mine.toml: {key}: "), str(err.value)


def test_duplicate_id_and_bad_rho_are_refused():
    twice = GOOD + GOOD[GOOD.index("[[convention]]"):]
    with pytest.raises(CaseFileError, match=r"convention\[1\]\.id: duplicate id 'x-log'"):
        parse_catalogue(twice, "mine.toml")
    lr = GOOD.replace('family = "km"', 'family = "logrank"').replace(
        '{ conf_type = "log" }', '{ weights = "peto", rho = -1 }')
    with pytest.raises(CaseFileError, match=r"options\.rho: expected a number >= 0"):
        parse_catalogue(lr, "mine.toml")


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(CaseFileError, match="mine.toml: not valid TOML"):
        parse_catalogue("[[convention]\n", "mine.toml")
    with pytest.raises(CaseFileError, match="no such catalogue file"):
        load_catalogue(tmp_path / "nope.toml")
