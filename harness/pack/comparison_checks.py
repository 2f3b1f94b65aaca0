"""Checks of ``comparisons.toml`` against the cases it names (kinds, ranges, shared files).

The JSON schema (:data:`harness.pack.schema.COMPARISONS_SCHEMA`) checks shapes; these checks
need the pack's cases and the other comparisons:

* **kinds**: each slot names a case of the right estimand (an ``hr`` that points at a median
  case is refused, not used as an HR);
* **groups**: an HR, its CI and a between-group p need two or more groups; labels are unique;
* **ranges**: an ``n_range`` is ``[low, high]`` with ``low <= high``; every time (rates, held-out
  numbers) lies inside the follow-up window ``(0, max_time]``; the grid is finer than the
  window;
* **files**: two comparisons may share one CSV only when one is the other's ``pair_of`` (the
  PFS and OS columns of the same patients); otherwise one set would silently overwrite or
  couple the other.

Every error is a :class:`harness.errors.CaseFileError` naming the file and the key.
"""

from __future__ import annotations

from harness.errors import CaseFileError

#: the estimands each slot of a comparison may name
SLOT_KINDS: dict[str, tuple[str, ...]] = {
    "median": ("median_survival",),
    "hr": ("hazard_ratio",),
    "ci": ("hazard_ratio_ci",),
    "p": ("logrank_p",),
    "rates": ("km_rate",),
}
#: the estimands each held-out statistic may name
HELDOUT_KINDS: dict[str, tuple[str, ...]] = {
    "gbw_p": ("gbw_p",),
    "pooled_rate": ("km_rate",),
    "pct_time_gt": ("percentage",),
    "count_censored_gt": ("count",),
}
#: held-out statistics that are read at a time (``time`` required)
TIMED_HELDOUT = ("pooled_rate", "pct_time_gt", "count_censored_gt")


def _kind(statistics: dict[str, str], cid: str, allowed: tuple[str, ...], file: str,
          key: str, slot: str) -> None:
    stat = statistics.get(cid)
    if stat is not None and stat not in allowed:
        raise CaseFileError(file, key, f"names case {cid!r}, a {stat} case; {slot} must name "
                                       f"a {' or '.join(allowed)} case")


def check_comparison(raw: dict, where: str, statistics: dict[str, str], defaults: dict,
                     file: str) -> None:
    """Kinds, group counts and ranges of one raw comparison (``where`` prefixes the key)."""
    labels = [g["label"] for g in raw["groups"]]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise CaseFileError(file, f"{where}.groups", f"label {dup[0]!r} is given twice")
    for gi, g in enumerate(raw["groups"]):
        if g.get("median"):
            _kind(statistics, g["median"], SLOT_KINDS["median"], file,
                  f"{where}.groups[{gi}].median", "a median")
        rng = g.get("n_range")
        if rng is not None and rng[0] > rng[1]:
            raise CaseFileError(file, f"{where}.groups[{gi}].n_range",
                                f"[{rng[0]}, {rng[1]}] is reversed: give [low, high]")
        if rng is not None and g.get("n") is not None:
            raise CaseFileError(file, f"{where}.groups[{gi}]",
                                "gives both n and n_range: give one")
    for slot, name in (("hr", "an hr"), ("ci", "a ci"), ("p", "a p")):
        if raw.get(slot):
            _kind(statistics, raw[slot], SLOT_KINDS[slot], file, f"{where}.{slot}", name)
            if len(labels) < 2:
                raise CaseFileError(file, f"{where}.{slot}",
                                    f"compares groups, but the comparison has {len(labels)} "
                                    "group; give two or more groups or drop it")
    max_time = float(defaults["max_time"])
    unit = defaults["unit"]
    if float(defaults["grid"]) >= max_time:
        raise CaseFileError(file, "defaults.grid", f"{defaults['grid']:g} {unit} is not finer "
                                                   f"than the follow-up window max_time = "
                                                   f"{max_time:g} {unit}")
    for ri, r in enumerate(raw.get("rates", [])):
        _kind(statistics, r["case"], SLOT_KINDS["rates"], file, f"{where}.rates[{ri}].case",
              "a rate")
        _in_window(r["time"], max_time, unit, file, f"{where}.rates[{ri}].time")
    for hi, h in enumerate(raw.get("heldout", [])):
        _kind(statistics, h["case"], HELDOUT_KINDS[h["stat"]], file,
              f"{where}.heldout[{hi}].case", f"a held-out {h['stat']}")
        if h["stat"] in TIMED_HELDOUT and h.get("time") is None:
            raise CaseFileError(file, f"{where}.heldout[{hi}].time",
                                f"a held-out {h['stat']} needs its time")
        if h.get("time") is not None:
            _in_window(h["time"], max_time, unit, file, f"{where}.heldout[{hi}].time")


def _in_window(time: float, max_time: float, unit: str, file: str, key: str) -> None:
    if not 0 < float(time) <= max_time:
        raise CaseFileError(file, key, f"{time:g} {unit} lies outside the follow-up window "
                                       f"(0, {max_time:g}] {unit} (defaults.max_time)")


def check_files(raws: list[dict], file: str) -> None:
    """Two comparisons share a CSV only when one is the other's ``pair_of``."""
    seen: dict[str, int] = {}
    for i, raw in enumerate(raws):
        if raw["id"] in seen:
            raise CaseFileError(file, f"comparison[{i}].id",
                                f"{raw['id']!r} is also the id of comparison[{seen[raw['id']]}]")
        seen[raw["id"]] = i
    by_file: dict[str, list[dict]] = {}
    for raw in raws:
        by_file.setdefault(raw["file"], []).append(raw)
    for name, group in by_file.items():
        if len(group) == 1:
            continue
        ids = [r["id"] for r in group]
        paired = len(group) == 2 and (group[1].get("pair_of") == ids[0]
                                      or group[0].get("pair_of") == ids[1])
        if not paired:
            i = raws.index(group[1])
            raise CaseFileError(file, f"comparison[{i}] (id {ids[1]!r}).file",
                                f"{name!r} is also the file of {', '.join(map(repr, ids[:1]))}"
                                f"{' and others' if len(ids) > 2 else ''}; comparisons share "
                                "a CSV only as a PFS/OS pair (pair_of): give each its own file")
