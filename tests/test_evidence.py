"""The evidence script for the unresolved comparison t1_pm (scripts/evidence/t1_pm_frontier.py).

Its full search takes about a minute and is run by hand; here the closest order it reports is
pinned: the script's own O-E and V arithmetic must equal the survival core's on that order as
times, and the core must find every printed number of t1_pm held except the CI's bounds."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from harness import ipd, reconstruct
from harness.cases import load_pack

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "evidence" / "t1_pm_frontier.py"
#: printed by the script (closest of 8,130,330 orders): (no-PM deaths, PM deaths,
#: no-PM censored, PM censored) per event time
CLOSEST = [(0, 0, 3, 1), (1, 0, 0, 0), (5, 0, 0, 0), (5, 0, 0, 0), (0, 0, 1, 1),
           (0, 1, 0, 0), (0, 2, 0, 0), (0, 3, 0, 0)]


@pytest.fixture(scope="module")
def frontier():
    spec = importlib.util.spec_from_file_location("t1_pm_frontier", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_closest_order_recomputed_by_the_core(frontier):
    pack = load_pack(ROOT / "cases" / "stork2022")
    spec = {s.id: s for s in reconstruct.load_specs(pack)}["t1_pm"]
    oe, v, s_no, s_pm = frontier.evaluate(CLOSEST)
    rows = frontier.to_times(CLOSEST)
    g, t, e = zip(*rows)
    assert len(rows) == 64 and g.count("Yes") == 44
    data = ipd.IPDSet("t1_pm", np.arange(1, 65), np.array(t, float), np.array(e, int),
                      np.array(g, dtype=object), {})
    rec = ipd.recompute(data, spec, "No", use_r=False).python
    # the script's exact arithmetic is the core's (O-E and V of survdiff, ties included)
    assert rec["o_minus_e"] == pytest.approx(oe, rel=1e-12)
    assert rec["v"] == pytest.approx(v, rel=1e-12)
    held = {tg.key: tg.allows(rec.get(tg.key)) for tg in spec.targets}
    assert {k for k, ok in held.items() if not ok} == {"ci_lower", "ci_upper"}
    # and it misses them in the fourth digit: 6.593 for 6.594, 80.85 for 80.88
    assert round(rec["ci_lower"], 3) == 6.593 and round(rec["ci_upper"], 2) == 80.85
    assert round(100 * s_pm, 1) == 85.7 and round(100 * s_no, 1) == 35.3
