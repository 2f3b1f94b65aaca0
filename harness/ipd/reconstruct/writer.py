"""The CSV of a comparison: a header saying how it was made, then the rows."""

from __future__ import annotations

import numpy as np

from harness.ipd.reconstruct.objective import match
from harness.ipd.reconstruct.verdict import Outcome


# ------------------------------------------------------------------------- writing
def _fmt_time(t10: int, grid: float) -> str:
    return f"{t10 * grid:.1f}"


def header_lines(outcomes: list[Outcome]) -> list[str]:
    """The '#' comment header of a CSV (one or two comparisons of the same patients)."""
    first = outcomes[0].spec
    lines = [
        f"# pseudo-IPD, not patient data: {first.file} ({', '.join(o.spec.id for o in outcomes)})",
        "# made by `harness reconstruct` (harness/reconstruct/): exact (O-E, V) screen, "
        "constructive start, seeded simulated annealing",
        f"#   on a {first.grid:g}-month grid (where it fails, an exhaustive search over event "
        f"orders), seed {first.seed};",
        "#   rerunning it rewrites this file byte for byte",
        f"# follow-up window 0.1-{first.max_months:g} months (diagnoses 2004-2020); "
        "event 1 = death (OS) or progression/death (PFS), 0 = censored at last follow-up",
    ]
    if len(outcomes) > 1:
        lines.append("# PFS <= OS for every patient; a PFS-censored patient is OS-censored "
                     "no earlier")
    for o in outcomes:
        s = o.spec
        lines.append(f"# comparison {s.id}: {s.title}; columns {','.join(s.columns)}")
        sizes = np.bincount(o.state.g, minlength=s.k) if o.state is not None else [None] * s.k
        for g, n in zip(s.groups, sizes):
            how = "printed" if g.n is not None else f"searched {g.n_range[0]}-{g.n_range[1]}"
            lines.append(f"#   group {g.label}: n = {n} ({how}; {g.n_source})")
        if o.numerator is not None:
            lines.append(f"#   HR = {s.labels[o.numerator]} / {s.labels[1 - o.numerator]} "
                         "(Mantel-Haenszel, GraphPad Prism)")
        for t in s.targets:
            tag = "target" if t.key in o.used else "dropped"
            lines.append(f"#   {tag} {t.key}: {t.label()}")
        for t in s.heldout:
            lines.append(f"#   held out {t.key}: {t.case} = {t.text}")
        for note in s.notes:
            lines.append(f"#   {note}")
        lines.append(f"#   verdict: {o.verdict}")
        for c in o.conflicts:
            lines.append(f"#   conflict ({o.conflict_kind}): {' | '.join(c)}")
        lines.append(f"#   finding: {o.message}")
    return lines


def render_csv(outcomes: list[Outcome]) -> str:
    """CSV text: '#' header, then id, group and each comparison's time/event columns."""
    base = outcomes[0]
    s = base.spec
    if base.state is None:
        return "\n".join(header_lines(outcomes) + ["id,group," + ",".join(s.columns)]) + "\n"
    st = base.state
    order = sorted(range(st.t.size), key=lambda i: (int(st.g[i]), int(st.t[i]), not st.e[i]))
    cols = ["id", "group"] + [c for o in outcomes for c in o.spec.columns]
    rows = [",".join(cols)]
    others = []
    for o in outcomes[1:]:
        if o.state is None:
            others.append(None)
            continue
        pairs = {}
        for j in range(s.k):
            pi = np.flatnonzero(o.state.g == j)
            oi = np.flatnonzero(st.g == j)
            m = match(o.state.t[pi], o.state.e[pi], st.t[oi], st.e[oi])
            for a, b in zip(pi, m):
                pairs[int(oi[b])] = int(a)
        others.append((o.state, pairs))
    for new_id, i in enumerate(order, start=1):
        row = [str(new_id), s.labels[st.g[i]], _fmt_time(int(st.t[i]), s.grid), str(int(st.e[i]))]
        for oth in others:
            if oth is None:
                row += ["", ""]
            else:
                ostate, pairs = oth
                a = pairs[i]
                row += [_fmt_time(int(ostate.t[a]), s.grid), str(int(ostate.e[a]))]
        rows.append(",".join(row))
    return "\n".join(header_lines(outcomes) + rows) + "\n"
