"""Which software convention printed this number? ``harness identify`` and ``harness.identify``.

Every convention of the catalogue (:mod:`harness.conventions`) that governs the statistic is
computed from the data with the survival core (the same recomputations the audit uses,
:mod:`harness.audit.checks.data_compute`, Python only), and each value is judged against the
printed number at its printed precision (:meth:`harness.pack.printed.Number.allows`: a printed
``9.8238`` allows [9.82375, 9.82385]). The result lists the conventions that reproduce the
print and the values of all the others, e.g. ``9.8238 = SAS LIFETEST TEST=PETO; R survdiff
rho=1 gives 9.9000``. Conventions the core does not implement are listed with their reason.

Without ``statistic`` every statistic whose printed form fits (a number, a p, an interval)
and whose inputs are given (``at`` for Kaplan-Meier rows, a group for tests and hazard
ratios) is tried.

R equivalent: one call per convention, e.g. ``survdiff(Surv(t, e) ~ g, rho = 1)$chisq``
(R survdiff rho=1), ``summary(survfit(...), times = t)$lower`` (R survfit conf.type "log");
SAS: ``PROC LIFETEST; TIME t*e(0); STRATA g / TEST=PETO;`` for SAS LIFETEST TEST=PETO.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from harness.conventions import FAMILIES, Catalogue, Convention, load_catalogue, statistic_family
from harness.pack import printed

#: identify statistic -> (value names in data_compute's Values, extra options)
VALUES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "km_rate": (("estimate",), {}), "km_lower": (("lower",), {}),
    "km_upper": (("upper",), {}), "km_ci": (("lower", "upper"), {}),
    "km_se": (("std_err",), {}),
    "median": (("estimate",), {}), "median_lower": (("lower",), {}),
    "median_upper": (("upper",), {}), "median_ci": (("lower", "upper"), {}),
    "logrank_chisq": (("estimate",), {}), "logrank_p": (("p",), {}),
    "hr": (("estimate",), {}), "hr_lower": (("lower",), {}), "hr_upper": (("upper",), {}),
    "hr_ci": (("lower", "upper"), {}),
    "cox_coef": (("coef",), {}), "cox_se": (("se",), {}), "cox_z": (("z",), {}),
    "cox_p": (("p",), {"test": "wald"}), "cox_wald": (("estimate",), {"test": "wald"}),
    "cox_score": (("estimate",), {"test": "score"}),
    "cox_score_p": (("p",), {"test": "score"}),
    "cox_lr": (("estimate",), {"test": "lr"}), "cox_lr_p": (("p",), {"test": "lr"}),
}
P_STATISTICS = ("logrank_p", "cox_p", "cox_score_p", "cox_lr_p")
STATISTICS: tuple[str, ...] = tuple(s for stats in FAMILIES.values() for s in stats)


@dataclass(frozen=True)
class ConventionValue:
    """One convention's value of one statistic (for one group level where that matters)."""

    convention: str
    label: str
    software: str
    statistic: str
    group: str
    value: tuple[float, ...]
    matches: bool | None
    status: str
    default: bool
    verified: bool
    source: str
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["value"] = [None if math.isnan(v) else v for v in self.value]
        return d


@dataclass(frozen=True)
class IdentifyResult:
    """Every convention's value next to the printed number; :attr:`matches` reproduce it."""

    printed: str
    statistics: tuple[str, ...]
    data: str
    rows: int
    at: float | None
    values: tuple[ConventionValue, ...] = field(default_factory=tuple)

    @property
    def matches(self) -> list[ConventionValue]:
        return [v for v in self.values if v.matches]

    @property
    def computed(self) -> list[ConventionValue]:
        return [v for v in self.values if v.matches is not None]

    def summary(self) -> str:
        """``9.8238 = SAS TEST=PETO; R survdiff rho=1 gives 9.9000`` (one line).

        With matches, the other values shown are those of the statistics (and group levels)
        that matched; without, every computed value.
        """
        hits = self.matches
        many = len({(v.statistic, v.group) for v in self.computed}) > 1
        head = (f"{self.printed} = " + ", ".join(
            v.label + (f" ({_what(v)})" if many else "") for v in hits) if hits else
            f"{self.printed}: no catalogued convention reproduces it")
        keep = {(v.statistic, v.group) for v in hits}
        others: dict[tuple[str, str, str], list[str]] = {}
        for v in self.computed:
            if not v.matches and (not keep or (v.statistic, v.group) in keep):
                others.setdefault((v.statistic, v.group, format_value(v, self)),
                                  []).append(v.label)
        tail = [f"{', '.join(labels)} gives {val}"
                + (f" ({st}{' [' + g + ']' if g else ''})" if many else "")
                for (st, g, val), labels in others.items()]
        return "; ".join([head] + tail)

    def to_json(self) -> dict[str, Any]:
        return {"printed": self.printed, "statistics": list(self.statistics),
                "data": self.data, "rows": self.rows, "at": self.at,
                "matches": [v.convention for v in self.matches],
                "summary": self.summary(), "values": [v.to_json() for v in self.values]}


def _what(v: ConventionValue) -> str:
    return v.statistic + (f" [{v.group}]" if v.group else "")


def format_value(v: ConventionValue, res: IdentifyResult) -> str:
    """A value at the printed precision (two more digits if it would read as the print)."""
    try:
        parts = [p for p in _printed_parts(res.printed, v.statistic)]
    except ValueError:
        parts = []
    out = []
    for i, x in enumerate(v.value):
        part = parts[i] if i < len(parts) else None
        dec = part.decimals if isinstance(part, printed.Number) else 4
        scale = 100.0 if isinstance(part, printed.Number) and part.percent else 1.0
        if math.isnan(x):
            out.append("NA")
            continue
        text = f"{x * scale:.{dec}f}" if abs(x * scale) >= 10 ** -dec else printed.fmt(x * scale)
        if isinstance(part, printed.Number) and text == f"{part.value:.{dec}f}" \
                and not part.allows(x * scale):
            text = f"{x * scale:.{dec + 2}f}"
        out.append(text)
    return "-".join(out)


def _printed_parts(text: str, statistic: str) -> list:
    """The printed value parsed for ``statistic``: one part, or two for an interval."""
    if statistic == "median_ci":
        v = printed.parse_median_interval(text)
        return [v.lower, v.upper]
    if statistic.endswith("_ci"):
        v = printed.parse_interval(text)
        return [v.lower, v.upper]
    if statistic in P_STATISTICS:
        return [printed.parse_p_value(text)]
    if statistic in ("median", "median_lower", "median_upper"):
        return [printed.parse_median(text)]
    return [printed.parse_number(text)]


def _allows(part, x: float, statistic: str, alpha: float = 0.05) -> bool:
    if isinstance(part, printed.NotReached):
        return math.isnan(x)
    if isinstance(part, printed.NotSignificant):
        return not math.isnan(x) and x >= alpha
    if math.isnan(x):
        return False
    scale = 100.0 if part.percent and statistic.startswith("km_") else 1.0
    return part.allows(x * scale)


@dataclass
class _Data:
    time: np.ndarray
    event: np.ndarray
    group: np.ndarray | None
    strata: np.ndarray | None
    reference: str | None
    level: str | None


def _slice(d: _Data, mask: np.ndarray | None = None, with_group: bool = True):
    from harness.pack.data import Slice

    m = np.ones(d.time.size, bool) if mask is None else mask
    g = d.group[m] if (d.group is not None and with_group) else None
    s = d.strata[m] if d.strata is not None else None
    return Slice(d.time[m], d.event[m].astype(int), g, s, pd.DataFrame(), {})


def _case(statistic: str, options: dict, spec: dict):
    return SimpleNamespace(statistic=statistic, options=options,
                           data=SimpleNamespace(spec=spec, dataset=None))


def compute(statistic: str, options: dict[str, Any], d: _Data, at: float | None,
            level: str | None) -> tuple[float, ...]:
    """One statistic under one set of core options (Python; ``ValueError`` if impossible)."""
    from harness.audit.checks import data_compute as dc

    names, extra = VALUES[statistic]
    opts = {**options, **extra}
    fam = statistic_family(statistic)
    spec: dict[str, Any] = {}
    if fam in ("km", "median"):
        mask = None if level is None else d.group == level
        if fam == "km":
            opts["time"] = at
            vals = dc.km(_case(statistic, opts, spec), _slice(d, mask, False), False)
        else:
            vals = dc.median(_case(statistic, opts, spec), _slice(d, mask, False), False)
    elif fam == "logrank":
        vals = dc.logrank(_case(statistic, opts, spec), _slice(d), False)
    else:
        spec = {"group": "group"}
        if d.reference is not None:
            spec["reference"] = d.reference
        if d.level is not None:
            spec["numerator"] = d.level
        fn = dc.hazard if fam == "hr" else dc.cox
        vals = fn(_case(statistic, opts, spec), _slice(d), False)
    return tuple(float(vals.python[n]) for n in names)


def _needs(statistic: str, d: _Data, at: float | None) -> str:
    """Why a statistic cannot be computed from what was given ('' when it can)."""
    fam = statistic_family(statistic)
    if fam == "km" and at is None:
        return "needs --at TIME"
    if fam in ("logrank", "hr", "cox") and d.group is None:
        return "needs --group"
    if d.strata is not None and fam in ("km", "median", "hr"):
        return "--strata applies to the log-rank tests and the Cox model only"
    return ""


def _levels(statistic: str, d: _Data) -> list[str | None]:
    if statistic_family(statistic) in ("km", "median") and d.group is not None:
        return [d.level] if d.level is not None else sorted(set(d.group.tolist()))
    return [None]


def _rows(statistic: str, conv: Convention, d: _Data, at, parts, cache) -> list[ConventionValue]:
    out = []
    for lv in _levels(statistic, d):
        base = dict(convention=conv.id, label=conv.label, software=conv.software.name,
                    statistic=statistic, group="" if lv is None else str(lv),
                    status=conv.status, default=conv.default, verified=conv.verified,
                    source=conv.source)
        if not conv.computable:
            out.append(ConventionValue(value=(), matches=None, note=conv.reason, **base))
            continue
        key = (statistic, lv, tuple(sorted(conv.options.items())))
        if key not in cache:
            try:
                cache[key] = compute(statistic, conv.options, d, at, lv)
            except ValueError as exc:  # the pack keys' names, as CLI options
                cache[key] = str(exc).replace("data.numerator", "--level").replace(
                    "data.reference", "--reference")
        got = cache[key]
        if isinstance(got, str):
            out.append(ConventionValue(value=(), matches=None, note=f"not computable: {got}",
                                       **base))
            continue
        ok = all(_allows(p, x, statistic) for p, x in zip(parts, got))
        out.append(ConventionValue(value=got, matches=ok, note=conv.note, **base))
    return out


def identify_arrays(time: Any, event: Any, printed_text: str, group: Any = None,
                    strata: Any = None, *, statistic: str | None = None,
                    at: float | None = None, level: str | None = None,
                    reference: str | None = None, coding: str = "01",
                    catalogue: Catalogue | None = None, data_name: str = "") -> IdentifyResult:
    """:func:`identify` on arrays (see there)."""
    from harness.core.survdata import SurvData
    from harness.exits import InputError

    sd = SurvData.from_arrays(time, event, group, strata, coding=coding)
    g = None if sd.group is None else np.array([str(v) for v in sd.group.tolist()], object)
    s = None if sd.strata is None else np.array([str(v) for v in sd.strata.tolist()], object)
    found = sorted(set(g.tolist())) if g is not None else []
    for name, lab in (("level", level), ("reference", reference)):
        if lab is not None and g is None:
            raise InputError(f"--{name} needs --group")
        if lab is not None and lab not in found:
            raise InputError(f"--{name} {lab!r} is not a group; groups found: "
                             + ", ".join(repr(x) for x in found))
    if at is not None and (not math.isfinite(at) or at < 0):
        raise InputError(f"--at {at:g}: the time must be finite and >= 0")
    d = _Data(sd.time, sd.event, g, s, reference, level)
    cat = catalogue or load_catalogue()
    if statistic is not None:
        if statistic not in STATISTICS:
            raise InputError(f"--statistic {statistic!r}: choose from {', '.join(STATISTICS)}")
        why = _needs(statistic, d, at)
        if why:
            raise InputError(f"--statistic {statistic}: {why}")
        stats = [statistic]
    else:
        stats = [st for st in STATISTICS if not _needs(st, d, at)]
    values: list[ConventionValue] = []
    tried, cache = [], {}
    for st in stats:
        try:
            parts = _printed_parts(printed_text, st)
        except ValueError as exc:
            if statistic is not None:
                raise InputError(f"--printed {printed_text!r}: {exc} (as a {st})") from None
            continue
        tried.append(st)
        for conv in cat.for_statistic(st):
            values.extend(_rows(st, conv, d, at, parts, cache))
    if not tried:
        raise InputError(f"--printed {printed_text!r} is not a printed number, p or interval "
                         "that any statistic computable from the given columns takes")
    return IdentifyResult(printed_text, tuple(tried), data_name, int(sd.n), at, tuple(values))


def identify(data: Any, *, time: str, event: str, printed: str, group: str | None = None,
             strata: str | None = None, statistic: str | None = None, at: float | None = None,
             level: str | None = None, reference: str | None = None, event_coding: str = "01",
             catalogue: Catalogue | None = None) -> IdentifyResult:
    """Which catalogued software conventions reproduce a printed number from the data.

    Parameters
    ----------
    data : str, Path or pandas.DataFrame
        A CSV file (read as ``harness crosscheck`` reads it) or a data frame.
    time, event, group, strata : str
        Column names; events 0/1 (``event_coding="12"`` for R's 1/2).
    printed : str
        The number as printed (``"9.8238"``, ``"p<0.001"``, ``"0.42-0.82"``, ``"NR"``).
    statistic : str, optional
        One of :data:`STATISTICS`; by default every one the printed form and columns allow.
    at : float, optional
        Time of the Kaplan-Meier statistics.
    level : str, optional
        The group whose curve the KM and median statistics describe (default: each), and the
        numerator of the hazard ratio / Cox coefficient.
    reference : str, optional
        The reference group of the hazard ratio (default: the first label in code-point order).

    Returns
    -------
    IdentifyResult
        ``matches`` lists the conventions whose value rounds to the print; ``summary()``.

    Raises
    ------
    harness.exits.InputError
        A missing file or column, a printed text the statistic cannot take, a statistic
        whose inputs are missing, an unknown group label.

    Notes
    -----
    R equivalent: one call per convention (see the module docstring).
    SAS: ``TEST=PETO``, ``CONFTYPE=LOGLOG``, ``TIES=BRESLOW`` ... are catalogue entries.
    """
    from harness.exits import InputError
    from harness.tools import crossinput

    if isinstance(data, pd.DataFrame):
        missing = [c for c in (time, event, group, strata) if c and c not in data.columns]
        if missing:
            raise InputError(f"column(s) {missing} not found; columns are {list(data.columns)}")
        frame, name = data, "<data frame>"
        g = None if group is None else frame[group].astype(str).to_numpy(dtype=object)
        s = None if strata is None else frame[strata].astype(str).to_numpy(dtype=object)
    else:
        name = str(data)
        frame = crossinput.read_csv(name, time, event, group)
        g = None if group is None else frame[group].to_numpy(dtype=object)
        s = None
        if strata is not None:
            s = crossinput.read_csv(name, time, event, strata)[strata].to_numpy(dtype=object)
    try:
        return identify_arrays(frame[time].to_numpy(), frame[event].to_numpy(), printed, g, s,
                               statistic=statistic, at=at, level=level, reference=reference,
                               coding=event_coding, catalogue=catalogue, data_name=name)
    except InputError:
        raise
    except ValueError as exc:  # SurvData names the bad value
        raise InputError(f"{name}: {exc}") from None
