"""The frozen R reference values are not stale: re-run the script, compare with git's copy.

tests/results/make_reference.R is run into ``tmp_path``; every key of the committed
``reference.tsv`` must come out again with the same values (numbers to rtol 1e-13, which
allows for last-digit differences of another platform's maths library, strings exactly), no
key may be added or lost, and the frozen data sets must be identical. Lines under ``meta/``
(R and survival versions) are reported, not compared. Refresh with
``Rscript tests/results/make_reference.R``.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from tests.frozen import REFERENCE, RESULTS, SCRIPT, read_reference

pytestmark = pytest.mark.r

DATA_SETS = ["lung", "aml", "ovarian", "veteran", "colon", "pbc"]


def _differs(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return a != b
    if a.shape != b.shape:
        return True
    same_nan = np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(a)
    return not (same_nan and np.allclose(a[ok], b[ok], rtol=1e-13, atol=0))


def test_frozen_reference_is_what_the_script_writes(tmp_path):
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is not on PATH (R is installed for rpy2 but its front end is not)"
    run = subprocess.run([rscript, str(SCRIPT), str(tmp_path)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, f"make_reference.R failed:\n{run.stderr[-2000:]}"
    fresh = read_reference(tmp_path / REFERENCE)
    frozen = read_reference(RESULTS / REFERENCE)
    fresh_keys = {k for k in fresh if not k.startswith("meta/")}
    frozen_keys = {k for k in frozen if not k.startswith("meta/")}
    hint = "stale: re-run `Rscript tests/results/make_reference.R` and commit tests/results/"
    assert fresh_keys == frozen_keys, (
        f"{hint}; new keys {sorted(fresh_keys - frozen_keys)[:5]}, "
        f"lost keys {sorted(frozen_keys - fresh_keys)[:5]}")
    changed = [k for k in sorted(frozen_keys) if _differs(fresh[k], frozen[k])]
    assert not changed, (f"{hint}; {len(changed)} changed value(s), e.g. {changed[:5]} "
                         f"(frozen with {frozen.get('meta/R')}, now {fresh.get('meta/R')})")
    for name in DATA_SETS:
        fresh_csv = (tmp_path / "data" / f"{name}.csv").read_text(encoding="utf-8")
        frozen_csv = (RESULTS / "data" / f"{name}.csv").read_text(encoding="utf-8")
        assert fresh_csv == frozen_csv, f"{hint}; data/{name}.csv differs"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(
        p.name for p in (RESULTS / "data").iterdir())
