"""From outcomes to files: the patients' rows (PFS paired with OS) and each comparison's
outcome record; the formats themselves are :mod:`harness.ipd.io`'s."""

from __future__ import annotations

import numpy as np

from harness.ipd.io import ComparisonOutcome, Row, render_csv
from harness.ipd.reconstruct.objective import match
from harness.ipd.reconstruct.verdict import Outcome


def outcome_record(o: Outcome) -> ComparisonOutcome:
    """What is stored for a comparison (``outcomes.json``) and shown in its CSV header."""
    s = o.spec
    sizes = (np.bincount(o.state.g, minlength=s.k).tolist() if o.state is not None
             else [None] * s.k)
    return ComparisonOutcome(
        id=s.id, verdict=o.verdict, finding=o.message,
        conflicts=[list(c) for c in o.conflicts], conflict_kind=o.conflict_kind,
        numerator=None if o.numerator is None else s.labels[o.numerator],
        denominator=None if o.numerator is None else s.labels[1 - o.numerator],
        targeted=[t.key for t in s.targets if t.key in o.used],
        dropped=[t.key for t in s.targets if t.key not in o.used],
        sizes={g.label: n for g, n in zip(s.groups, sizes)},
    )


def rows(outcomes: list[Outcome]) -> list[Row] | None:
    """One row per patient of the first (OS) set, sorted by group, time and event, with the
    paired PFS record of every later comparison (None when that one has no set)."""
    base = outcomes[0]
    if base.state is None:
        return None
    s, st = base.spec, base.state
    order = sorted(range(st.t.size), key=lambda i: (int(st.g[i]), int(st.t[i]), not st.e[i]))
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
    out: list[Row] = []
    for i in order:
        cells: list[tuple[int, bool] | None] = [(int(st.t[i]), bool(st.e[i]))]
        for oth in others:
            if oth is None:
                cells.append(None)
            else:
                ostate, pairs = oth
                a = pairs[i]
                cells.append((int(ostate.t[a]), bool(ostate.e[a])))
        out.append((s.labels[st.g[i]], cells))
    return out


def csv_text(outcomes: list[Outcome]) -> str:
    """The CSV of one file (an OS comparison and its PFS pair, or one comparison)."""
    return render_csv([(o.spec, outcome_record(o)) for o in outcomes], rows(outcomes))
