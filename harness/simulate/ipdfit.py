"""Scenarios derived from a pack's pseudo-IPD comparison (``from_comparison = "t1_pm"``).

The comparison's reconstructed set (``cases/<pack>/ipd/<file>.csv``, read with
:func:`harness.ipd.read_csv`) gives the design: its group sizes, and per group a
piecewise-exponential hazard fitted by maximum likelihood (events / time at risk in each
piece between the change points ``breaks``, default every 12 months up to 60). Censoring is
fitted the same way, pooled over groups, with the censorings as the events (the
reverse-Kaplan-Meier idea), and the follow-up window ends at the pack's ``max_time`` (in
the pack's time unit).

* ``hypothesis = "observed"`` (default): each group keeps its own fitted hazards (the
  alternative the paper's data suggest); the control arm is the reference group of the
  comparison's HR (the denominator), the experimental arm its numerator.
* ``hypothesis = "null"``: both arms get the hazards fitted to the pooled set (H0 with the
  paper's sizes and censoring): which test would have kept its size.

R equivalent: ``survival::pyears`` / ``eha::piecewise`` style occurrence / exposure rates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from harness.errors import CaseFileError
from harness.ipd.io import read_outcomes
from harness.simulate.model import Arm, Scenario

DEFAULT_BREAKS = (12.0, 24.0, 36.0, 48.0, 60.0)


def piecewise_rates(time: np.ndarray, event: np.ndarray, breaks: tuple[float, ...]
                    ) -> tuple[float, ...]:
    """Occurrence / exposure rate in each piece ``[0, b1), [b1, b2), ..., [bk, inf)``."""
    edges = np.concatenate(([0.0], breaks, [np.inf]))
    expo = np.clip(time[:, None] - edges[:-1], 0.0, np.diff(edges)).sum(axis=0)
    piece = np.searchsorted(edges, time, side="right") - 1
    ev = np.bincount(piece[event == 1], minlength=len(edges) - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(expo > 0, ev / expo, 0.0)
    return tuple(float(r) for r in rates)


def _load(pack_dir: Path, comparison: str, file: str, key: str):
    from harness.ipd import read_csv
    from harness.pack.cases import load_pack
    from harness.pack.comparisons import load_specs

    pack = load_pack(pack_dir)
    specs = {s.id: s for s in load_specs(pack)}
    if comparison not in specs:
        raise CaseFileError(file, key, f"names comparison {comparison!r}, which "
                            f"{pack_dir}/ipd/comparisons.toml does not have "
                            f"(it has: {', '.join(sorted(specs))})")
    spec = specs[comparison]
    path = pack_dir / "ipd" / spec.file
    data = read_csv(path, spec.id, spec.columns) if path.is_file() else None
    if data is None:
        raise CaseFileError(file, key, f"comparison {comparison!r} has no pseudo-IPD set in "
                            f"{path} (run `harness reconstruct`)")
    return spec, data


def scenario_from_comparison(raw: dict, key: str, file: str, pack: str | None,
                             replicates: int) -> Scenario:
    """Build the :class:`Scenario` of a ``from_comparison`` entry (see the module doc)."""
    for k in ("n", "control", "experimental", "censoring"):
        if k in raw:
            raise CaseFileError(file, f"{key}.{k}", "is taken from the comparison's "
                                "pseudo-IPD set; do not give it with from_comparison")
    if not pack:
        raise CaseFileError(file, f"{key}.from_comparison", "needs the study's `pack` key (the "
                            "case pack folder holding the comparison's pseudo-IPD set)")
    pack_dir = Path(pack)
    spec, data = _load(pack_dir, raw["from_comparison"], file, f"{key}.from_comparison")
    labels = spec.labels
    if len(labels) != 2:
        raise CaseFileError(file, f"{key}.from_comparison", f"comparison "
                            f"{spec.id!r} has {len(labels)} groups; a scenario needs two")
    outcome = read_outcomes(pack_dir / "ipd").get(spec.id)
    num = (outcome.numerator if outcome is not None else None) or spec.numerator
    if num not in labels:
        num = labels[1]
    ref = next(x for x in labels if x != num)
    breaks = tuple(float(b) for b in raw.get("breaks", DEFAULT_BREAKS))
    t, e, g = data.time, data.event, data.group
    null = raw.get("hypothesis", "observed") == "null"
    arms = []
    for lab in (ref, num):
        m = np.ones(t.size, bool) if null else g == lab
        arms.append(Arm("piecewise", piecewise_rates(t[m], e[m], breaks), breaks))
    cens = piecewise_rates(t, 1 - e, breaks)
    n = (int(np.sum(g == ref)), int(np.sum(g == num)))
    return Scenario(
        id=raw["id"], title=raw.get("title", f"{spec.id}: {num} vs {ref} ({spec.title})"),
        n=n, control=arms[0], experimental=arms[1], follow_up=float(spec.max_time),
        dropout_breaks=breaks, dropout_rates=cens, round_to=float(raw.get("round_to", 0.0)),
        family=raw.get("family", ""), effect=raw.get("effect", 1.0 if null else None),
        true_hr=raw.get("true_hr", 1.0 if null else None),
        replicates=int(raw.get("replicates", replicates)), null=null,
        source=f"{pack_dir.name}/ipd/{spec.file} ({spec.id}); numerator {num}, reference {ref}",
    )
