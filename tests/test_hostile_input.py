"""Pieces behind the bad-input corpus: the fast schema checker is never more lenient than
jsonschema, the Fisher table bound is an upper bound, the LR-p allowance, the pack sanity
rules through the Python API."""

from __future__ import annotations

import itertools
import tomllib

import jsonschema
import numpy as np
import pytest

from harness.audit.checks.baseline import fisher_tables_bound
from harness.core.summary_tests import _tables
from harness.errors import CaseFileError
from harness.pack import registry, schema
from harness.pack.cases import case_files, load_pack
from harness.pack.fastschema import compile_schema
from harness.tools.crosscheck import LOGLIK_REL_ERR, lr_allowance
from tests.test_badinput import ENTRIES, SEED


def _case_docs() -> list[dict]:
    docs = []
    for file in case_files(SEED):
        with file.open("rb") as fh:
            docs.append(tomllib.load(fh))
    for e in ENTRIES:
        try:
            docs.append(tomllib.loads(e.get("case", "")))
        except tomllib.TOMLDecodeError:
            pass
    return docs


def _mutations(doc: dict):
    """The document, and each case with one key dropped, retyped or given a stray key."""
    yield doc
    for case in doc.get("case", [])[:3]:
        for key in list(case):
            yield {"case": [{k: v for k, v in case.items() if k != key}]}
            for bad in (1, 1.0, True, "x", [], {}):
                yield {"case": [{**case, key: bad}]}
        yield {"case": [{**case, "extra": 1}]}


def test_fast_checker_never_accepts_what_jsonschema_rejects():
    full = schema.case_file_schema()
    fast = compile_schema(full)
    slow = jsonschema.Draft202012Validator(full)
    checked = accepted = 0
    for doc in _case_docs():
        for variant in _mutations(doc):
            checked += 1
            if fast(variant):
                accepted += 1
                assert slow.is_valid(variant), variant
    assert checked > 2000 and accepted > 100


@pytest.mark.parametrize("name", sorted(registry.ESTIMANDS))
def test_fast_checker_of_every_estimands_inputs(name):
    est = registry.ESTIMANDS[name]
    fast = compile_schema(est.inputs)
    slow = jsonschema.Draft202012Validator(est.inputs)
    assert fast is not None
    samples = [{}, {"counts": [[1, 2], [3, 4]]}, {"counts": [[1.0, 2], [3, 4]]},
               {"groups": [{"label": "a", "n": 2, "mean_sd": "1 ± 1"}] * 2},
               {"groups": [{"label": "a", "n": True, "mean_sd": "1 ± 1"}] * 2},
               {"hr": "2", "ci": "1-3", "level": 0.95}, {"level": 1}, {"count": 1, "n": 2},
               {"of": "count", "occurrences": [{"published": "1", "where": "x"}]},
               {"parts": [1, 2]}, {"parts": []}, {"unit": "months"}, {"time": "12"}]
    for s in samples:
        if fast(s):
            assert slow.is_valid(s), (name, s)
        else:
            assert not slow.is_valid(s) or s.get("counts") == [[1.0, 2], [3, 4]], (name, s)


def test_seed_pack_takes_the_fast_path():
    fast = compile_schema(schema.case_file_schema())
    for file in case_files(SEED):
        with file.open("rb") as fh:
            assert fast(tomllib.load(fh)), file


def test_fisher_bound_is_an_upper_bound():
    rng = np.random.default_rng(7)
    for r, c in itertools.product((2, 3), (2, 3)):
        for _ in range(4):
            x = rng.integers(1, 5, (r, c))
            n_tables = len(_tables(x.sum(axis=1), x.sum(axis=0)))
            assert fisher_tables_bound(x) >= n_tables - 1e-6
    # two columns: the count is exact (21 tables for Stork's gender row)
    assert fisher_tables_bound(np.array([[22, 11], [22, 9]])) == 21


def test_lr_allowance_scales_with_the_log_likelihood():
    # chi-square(1) density at 1 is 0.2419707 (R: dchisq(1, 1))
    assert lr_allowance(1.0, -1e5) == pytest.approx(0.2419707245 * 2 * LOGLIK_REL_ERR * 1e5)
    assert lr_allowance(1.0, -10.0) < 1e-10
    assert lr_allowance(float("nan"), -1e5) == 0.0


def test_api_load_pack_names_file_and_key(tmp_path):
    from tests.packs import make_pack

    bad = ('[[case]]\nid = "x"\nwhere = { table = "T" }\npublished = "7"\n'
           'statistic = "contingency_p"\ninputs = { counts = [[1, 2], [3, 4]] }\n'
           'expect = { verdict = "consistent" }\n')
    with pytest.raises(CaseFileError) as info:
        load_pack(make_pack(tmp_path / "p", bad))
    assert info.value.file.endswith("table1.toml")
    assert info.value.key == "case[0] (id 'x').published"


def test_fast_checker_takes_a_list_of_types():
    """``"type": ["string", "number"]`` (the data-backed case schema uses it) compiles and
    answers as jsonschema does."""
    from harness.pack.fastschema import compile_schema

    check = compile_schema({"type": ["string", "number"]})
    assert check is not None
    assert check("a") and check(1) and check(2.5)
    assert not check(True) and not check([]) and not check(None)
