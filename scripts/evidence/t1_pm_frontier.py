"""Evidence for the unresolved comparison t1_pm (Table 1, pulmonary metastasectomy).

``harness reconstruct`` finds no data set for t1_pm: n = 44 (PM) vs 20 (no PM), medians 73.2
and 24 months, 3-year OS 86% vs 35%, Mantel-Haenszel HR 23.1 with CI 6.594-80.88. Its exact
screen cannot decide (the (O-E, V) the CI asks for is attainable on its own); its stochastic
search stops far from the CI. This script searches a structured family of event orders
instead, exhaustively, and shows how close the printed numbers come to holding together.

Family (all events before 36 months, then every remaining no-PM patient censored, and the PM
group's later deaths placed where no no-PM patient is at risk, so they change neither O-E
nor V): ``c0`` no-PM and ``y0`` PM patients censored first; the no-PM deaths in up to four
tied blocks; the six PM deaths (86% of 44 at 3 years) in up to three tied blocks, each in a
gap between no-PM blocks; ``x`` no-PM and ``ymid`` PM patients censored just before the first
PM block.
About 8 million orders; O-E, V and the 36-month rates are exact for each (survdiff's
hypergeometric V, ties included). The best order is then turned into times (no-PM median at
24, PM median at 73.2, follow-up within 204 months) and recomputed with the public survival
core (`harness.ipd.recompute`), the same code that judges every pseudo-IPD set.

It is evidence, not proof: the family is a subset of all data sets.

Run: ``.venv/bin/python scripts/evidence/t1_pm_frontier.py`` (about a minute).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np

from harness import ipd, reconstruct
from harness.cases import load_pack

PACK = Path(__file__).resolve().parents[2] / "cases" / "stork2022"
Z = 1.959963984540054
N_PM, N_NO = 44, 20


def _targets(spec) -> dict[str, tuple[float, float]]:
    return {t.key: (t.number.lo, t.number.hi) for t in spec.targets}


def evaluate(blocks):
    """O-E (no PM), V, 36-month KM of no PM and PM for blocks (d_no, d_pm, c_no, c_pm)."""
    k_no, k_pm = N_NO, N_PM
    oe = v = 0.0
    s_no = s_pm = 1.0
    for d_no, d_pm, c_no, c_pm in blocks:
        n, d = k_no + k_pm, d_no + d_pm
        if d:
            if d_no > k_no or d_pm > k_pm:
                return None
            p = k_no / n
            oe += d_no - d * p
            v += d * p * (1 - p) * (n - d) / (n - 1) if n > 1 else 0.0
            s_no *= 1 - d_no / k_no if k_no else 1.0
            s_pm *= 1 - d_pm / k_pm if k_pm else 1.0
            k_no, k_pm = k_no - d_no, k_pm - d_pm
        k_no, k_pm = k_no - c_no, k_pm - c_pm
        if k_no < 0 or k_pm < 0:
            return None
    return oe, v, s_no, s_pm


def miss(res, tg) -> float:
    """How far (in log units of the printed HR and CI, and rate units) a result misses."""
    oe, v, s_no, s_pm = res
    x, s = oe / v, Z / math.sqrt(v)
    out = 0.0
    for key, val in (("rate[No]@36", 100 * s_no), ("rate[Yes]@36", 100 * s_pm)):
        lo, hi = tg[key]
        out += 50 * max(0.0, lo - val, val - hi)
    for key, val in (("hr", x), ("ci_lower", x - s), ("ci_upper", x + s)):
        lo, hi = (math.log(b) for b in tg[key])
        out += max(0.0, lo - val, val - hi)
    return out


def compositions(n: int, parts: int):
    for k in range(1, parts + 1):
        for cuts in itertools.combinations(range(1, n), k - 1):
            b = (0, *cuts, n)
            yield [b[i + 1] - b[i] for i in range(k)]


def search(tg):
    best = None
    count = 0
    for c0, y0 in itertools.product(range(6), range(3)):
        for m in range(1, N_NO - c0):
            s_no = (N_NO - c0 - m) / (N_NO - c0)
            if not tg["rate[No]@36"][0] <= 100 * s_no <= tg["rate[No]@36"][1]:
                continue
            for no_blocks in compositions(m, 4):
                for pm_blocks in compositions(6, 3):
                    gaps_all = itertools.combinations_with_replacement(
                        range(len(no_blocks) + 1), len(pm_blocks))
                    for gaps in gaps_all:
                        for x in range(N_NO - c0 - m + 1):
                            for ymid in (0, 1):
                                blocks = [(0, 0, c0, y0)]
                                j = 0
                                for i in range(len(no_blocks) + 1):
                                    while j < len(pm_blocks) and gaps[j] == i:
                                        if j == 0:
                                            blocks.append((0, 0, x, ymid))
                                        blocks.append((0, pm_blocks[j], 0, 0))
                                        j += 1
                                    if i < len(no_blocks):
                                        blocks.append((no_blocks[i], 0, 0, 0))
                                res = evaluate(blocks)
                                count += 1
                                if res is None:
                                    continue
                                d = miss(res, tg)
                                if best is None or d < best[0]:
                                    best = (d, blocks, res)
    return count, best


def to_times(blocks):
    """Times for an order: no-PM crossing of 50% at 24, events before 36, PM median 73.2."""
    rows = []  # (group, months, event)
    k_no, k_pm = N_NO, N_PM
    s_no = 1.0
    crossed = None
    for i, (d_no, _, _, _) in enumerate(blocks):
        if d_no and crossed is None:
            s_no *= 1 - d_no / k_no
            if s_no < 0.5:
                crossed = i
        k_no -= d_no + blocks[i][2]
    before = [0.1 + (23.9 - 0.1) * (i + 1) / (crossed + 1) for i in range(crossed)]
    after = [24.0 + 12.0 * (i + 1) / (len(blocks) - crossed) for i in
             range(len(blocks) - crossed - 1)]
    times = [round(t, 1) for t in before] + [24.0] + [round(t, 1) for t in after]
    k_no, k_pm = N_NO, N_PM
    for t, (d_no, d_pm, c_no, c_pm) in zip(times, blocks):
        rows += [("No", t, 1)] * d_no + [("Yes", t, 1)] * d_pm
        rows += [("No", t, 0)] * c_no + [("Yes", t, 0)] * c_pm
        k_no -= d_no + c_no
        k_pm -= d_pm + c_pm
    rows += [("No", 36.1, 0)] * k_no          # followed past 3 years, then lost
    # PM: one censored at 36.5, then deaths until the curve crosses 50% at 73.2
    s_pm = evaluate(blocks)[3]
    rows.append(("Yes", 36.5, 0))
    k_pm -= 1
    deaths = 0
    while s_pm * (k_pm - deaths - 1) / (k_pm - deaths) >= 0.5 or deaths == 0:
        s_pm *= (k_pm - deaths - 1) / (k_pm - deaths)
        deaths += 1
    # `deaths` keep the curve at or above 50%; one more crosses it at 73.2
    times_pm = [round(37.0 + (73.0 - 37.0) * i / max(deaths - 1, 1), 1) for i in range(deaths)]
    rows += [("Yes", t, 1) for t in times_pm] + [("Yes", 73.2, 1)]
    k_pm -= deaths + 1
    rows += [("Yes", round(80.0 + 120.0 * i / max(k_pm - 1, 1), 1), 0) for i in range(k_pm)]
    return rows


def main() -> None:
    pack = load_pack(PACK)
    spec = {s.id: s for s in reconstruct.load_specs(pack)}["t1_pm"]
    tg = _targets(spec)
    count, (d, blocks, res) = search(tg)
    oe, v, s_no, s_pm = res
    x, s = oe / v, Z / math.sqrt(v)
    v_hi = (2 * Z / (math.log(tg["ci_upper"][0]) - math.log(tg["ci_lower"][1]))) ** 2
    print(f"orders searched: {count:,}")
    print(f"closest order (d_no, d_pm, c_no, c_pm per time): {blocks}")
    print(f"  O-E {oe:.5f}  V {v:.5f} (the printed CI needs V <= {v_hi:.5f})")
    print(f"  HR {math.exp(x):.4g}  CI {math.exp(x - s):.4g}-{math.exp(x + s):.4g}  "
          f"3-year rates {100 * s_pm:.1f}% / {100 * s_no:.1f}%")
    rows = to_times(blocks)
    g, t, e = zip(*rows)
    data = ipd.IPDSet(spec.id, np.arange(1, len(rows) + 1), np.array(t, float),
                      np.array(e, int), np.array(g, dtype=object), {})
    rec = ipd.recompute(data, spec, "No", use_r=False).python
    print("recomputed by harness.ipd.recompute from that order as times:")
    for tgt in spec.targets:
        val = rec.get(tgt.key)
        print(f"  {tgt.key:<14} printed {tgt.text:<8} recomputed {val:.6g}  "
              f"{'holds' if tgt.allows(val) else 'MISSES'}")


if __name__ == "__main__":
    main()
