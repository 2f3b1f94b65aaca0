"""Software conventions as data: ``catalogue.toml`` and its schema-checked loader.

Each convention names a program's way of printing one family of statistics (Kaplan-Meier
limits, median, log-rank family, hazard ratio, Cox model) as the options of the survival core
that reproduce it, with the documentation page it comes from. :func:`load_catalogue` reads and
validates the file; a malformed entry is a :class:`~harness.errors.CaseFileError` naming the
file and the key (``catalogue.toml: convention[3].options.ties: ...``).

A convention whose ``weights`` is not (yet) a key of :data:`harness.core.cells.WEIGHTS` loads
with status ``"pending"`` (the catalogue may name weights the core is about to gain); one
marked ``status = "missing"`` is listed with its reason and never computed.

R equivalent: not applicable (a table of program defaults; each entry's options say which R
call, if any, computes the same number).
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import CaseFileError

CATALOGUE = Path(__file__).with_name("catalogue.toml")

#: statistics of each family (what ``harness identify --statistic`` takes)
FAMILIES: dict[str, tuple[str, ...]] = {
    "km": ("km_rate", "km_lower", "km_upper", "km_ci", "km_se"),
    "median": ("median", "median_lower", "median_upper", "median_ci"),
    "logrank": ("logrank_chisq", "logrank_p"),
    "hr": ("hr", "hr_lower", "hr_upper", "hr_ci"),
    "cox": ("cox_coef", "cox_se", "cox_z", "cox_p", "cox_wald", "cox_score", "cox_score_p",
            "cox_lr", "cox_lr_p"),
}
#: option names each family's conventions may set (the core's names)
OPTIONS: dict[str, tuple[str, ...]] = {
    "km": ("conf_type", "timefix"),
    "median": ("median_rule", "conf_type", "timefix"),
    "logrank": ("weights", "rho", "gamma", "timefix"),
    "hr": ("hr_method", "ties", "timefix", "convergence"),
    "cox": ("ties", "timefix", "convergence"),
}
STATUSES = ("implemented", "missing", "pending")
_KEYS = {"id", "software", "label", "family", "options", "default", "statistics", "status",
         "reason", "verified", "source", "note"}


@dataclass(frozen=True)
class Software:
    """A program: its printed name and documentation pages."""

    id: str
    name: str
    sources: tuple[str, ...]
    short: str = ""


@dataclass(frozen=True)
class Convention:
    """One printed convention of one program for one family of statistics.

    Attributes
    ----------
    options : dict
        The survival core's options that reproduce it (empty for a missing one).
    status : str
        ``"implemented"``, ``"missing"`` (``reason`` says what the core lacks) or
        ``"pending"`` (its weight is not in ``core/cells.WEIGHTS`` yet).
    statistics : tuple of str
        The statistics of the family it governs (all by default).
    """

    id: str
    software: Software
    label: str
    family: str
    options: dict[str, Any]
    default: bool = False
    statistics: tuple[str, ...] = ()
    status: str = "implemented"
    reason: str = ""
    verified: bool = False
    source: str = ""
    note: str = ""

    @property
    def computable(self) -> bool:
        return self.status == "implemented"

    def covers(self, statistic: str) -> bool:
        return statistic in self.statistics


@dataclass(frozen=True)
class Catalogue:
    """The loaded catalogue: programs and conventions in file order."""

    path: Path
    software: dict[str, Software]
    conventions: tuple[Convention, ...] = field(default_factory=tuple)

    def for_statistic(self, statistic: str) -> list[Convention]:
        """Every convention (any status) governing ``statistic``."""
        return [c for c in self.conventions if c.covers(statistic)]

    def family(self, family: str) -> list[Convention]:
        return [c for c in self.conventions if c.family == family]

    def by_id(self, cid: str) -> Convention:
        for c in self.conventions:
            if c.id == cid:
                return c
        raise KeyError(cid)


def statistic_family(statistic: str) -> str:
    """The family of an identify statistic (``ValueError`` naming the choices)."""
    for fam, stats in FAMILIES.items():
        if statistic in stats:
            return fam
    raise ValueError(f"unknown statistic {statistic!r}; choose from "
                     + ", ".join(s for stats in FAMILIES.values() for s in stats))


def _str(file: str, key: str, v: Any, required: bool = True) -> str:
    if v is None and not required:
        return ""
    if not isinstance(v, str) or (required and not v.strip()):
        raise CaseFileError(file, key, f"expected a non-empty string, got {v!r}")
    return v


def _bool(file: str, key: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise CaseFileError(file, key, f"expected true or false, got {v!r}")
    return v


def _software(file: str, raw: Any) -> dict[str, Software]:
    if not isinstance(raw, dict) or not raw:
        raise CaseFileError(file, "software", "expected [software.ID] tables")
    out = {}
    for sid, body in raw.items():
        if not isinstance(body, dict):
            raise CaseFileError(file, f"software.{sid}", "expected a table")
        extra = set(body) - {"name", "short", "sources"}
        if extra:
            raise CaseFileError(file, f"software.{sid}.{sorted(extra)[0]}",
                                "unknown key; allowed: name, short, sources")
        srcs = body.get("sources")
        if not isinstance(srcs, list) or not srcs:
            raise CaseFileError(file, f"software.{sid}.sources",
                                "expected a non-empty list of documentation URLs")
        for i, s in enumerate(srcs):
            if not isinstance(s, str) or not s.startswith(("http://", "https://")):
                raise CaseFileError(file, f"software.{sid}.sources[{i}]",
                                    f"expected an http(s) URL, got {s!r}")
        name = _str(file, f"software.{sid}.name", body.get("name"))
        short = _str(file, f"software.{sid}.short", body.get("short"), required=False)
        out[sid] = Software(sid, name, tuple(srcs), short or name)
    return out


def _options(file: str, key: str, family: str, raw: Any) -> dict[str, Any]:
    from harness.core.cox import _TIES as TIES
    from harness.core.km import CONF_TYPES
    from harness.core.quantiles import RULES

    if not isinstance(raw, dict):
        raise CaseFileError(file, key, f"expected a table of options, got {raw!r}")
    allowed = {
        "conf_type": CONF_TYPES, "median_rule": RULES, "ties": TIES,
        "hr_method": ("mantel-haenszel", "logrank", "cox"),
        "convergence": ("r", "sas"),
    }
    for name, value in raw.items():
        if name not in OPTIONS[family]:
            raise CaseFileError(file, f"{key}.{name}", f"not an option of family {family!r}; "
                                f"allowed: {', '.join(OPTIONS[family])}")
        if name in ("rho", "gamma"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise CaseFileError(file, f"{key}.{name}", f"expected a number >= 0, got "
                                    f"{value!r}")
        elif name == "weights":
            _str(file, f"{key}.{name}", value)
        elif name == "timefix":
            if not isinstance(value, bool):
                raise CaseFileError(file, f"{key}.{name}", f"expected true or false, got "
                                    f"{value!r}")
        elif value not in allowed[name]:
            raise CaseFileError(file, f"{key}.{name}", f"{value!r} is not one of "
                                + ", ".join(allowed[name]))
    return dict(raw)


def _convention(file: str, i: int, raw: Any, software: dict[str, Software],
                seen: set[str]) -> Convention:
    from harness.core.cells import WEIGHTS

    key = f"convention[{i}]"
    if not isinstance(raw, dict):
        raise CaseFileError(file, key, "expected a table")
    extra = set(raw) - _KEYS
    if extra:
        raise CaseFileError(file, f"{key}.{sorted(extra)[0]}",
                            f"unknown key; allowed: {', '.join(sorted(_KEYS))}")
    cid = _str(file, f"{key}.id", raw.get("id"))
    if cid in seen:
        raise CaseFileError(file, f"{key}.id", f"duplicate id {cid!r}")
    seen.add(cid)
    sid = _str(file, f"{key}.software", raw.get("software"))
    if sid not in software:
        raise CaseFileError(file, f"{key}.software", f"{sid!r} is not a [software] table; "
                            f"known: {', '.join(software)}")
    family = _str(file, f"{key}.family", raw.get("family"))
    if family not in FAMILIES:
        raise CaseFileError(file, f"{key}.family", f"{family!r} is not one of "
                            + ", ".join(FAMILIES))
    opts = _options(file, f"{key}.options", family, raw.get("options", {}))
    stats = raw.get("statistics", list(FAMILIES[family]))
    if not isinstance(stats, list) or not stats or any(s not in FAMILIES[family]
                                                       for s in stats):
        raise CaseFileError(file, f"{key}.statistics", f"expected a list of statistics of "
                            f"family {family!r} ({', '.join(FAMILIES[family])}), got {stats!r}")
    status = raw.get("status", "implemented")
    if status not in ("implemented", "missing"):
        raise CaseFileError(file, f"{key}.status", f"{status!r}: expected \"implemented\" or "
                            "\"missing\" (\"pending\" is set by the loader)")
    reason = _str(file, f"{key}.reason", raw.get("reason"), required=status == "missing")
    if status == "implemented" and not opts:
        raise CaseFileError(file, f"{key}.options", "an implemented convention names the "
                            "options that reproduce it")
    weights = opts.get("weights")
    if status == "implemented" and weights is not None and weights not in WEIGHTS:
        status = "pending"
        reason = (f"weights {weights!r} are not in core/cells.WEIGHTS yet (pending another "
                  "branch)")
    src = _str(file, f"{key}.source", raw.get("source"), required=False)
    if src and not src.startswith(("http://", "https://")):
        raise CaseFileError(file, f"{key}.source", f"expected an http(s) URL, got {src!r}")
    return Convention(
        id=cid, software=software[sid], label=_str(file, f"{key}.label", raw.get("label")),
        family=family, options=opts,
        default=_bool(file, f"{key}.default", raw.get("default", False)),
        statistics=tuple(stats), status=status, reason=reason,
        verified=_bool(file, f"{key}.verified", raw.get("verified", False)),
        source=src or software[sid].sources[0],
        note=_str(file, f"{key}.note", raw.get("note"), required=False))


def parse_catalogue(text: str, file: str = "catalogue.toml") -> Catalogue:
    """Validate a catalogue given as TOML text (what :func:`load_catalogue` reads)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseFileError(file, "", f"not valid TOML: {exc}") from None
    extra = set(raw) - {"software", "convention"}
    if extra:
        raise CaseFileError(file, sorted(extra)[0], "unknown top-level key; allowed: "
                            "software, convention")
    software = _software(file, raw.get("software"))
    items = raw.get("convention")
    if not isinstance(items, list) or not items:
        raise CaseFileError(file, "convention", "expected [[convention]] entries")
    seen: set[str] = set()
    convs = tuple(_convention(file, i, c, software, seen) for i, c in enumerate(items))
    return Catalogue(Path(file), software, convs)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate a catalogue (default: the bundled ``catalogue.toml``, cached).

    Raises
    ------
    CaseFileError
        The file is missing, not TOML, or an entry breaks the schema (file and key named).
    """
    if path is None:
        return _bundled()
    p = Path(path)
    if not p.is_file():
        raise CaseFileError(str(p), "", "no such catalogue file")
    return parse_catalogue(p.read_text(encoding="utf-8"), str(p))


@functools.lru_cache(maxsize=1)
def _bundled() -> Catalogue:
    return parse_catalogue(CATALOGUE.read_text(encoding="utf-8"), str(CATALOGUE))


#: data-backed estimand (harness/pack/data_estimands.py) -> identify statistic; the Cox
#: model test estimands depend on ``method.test`` (see :func:`data_statistic`)
DATA_STATISTICS: dict[str, str] = {
    "km_survival_at": "km_rate", "km_ci_lower_at": "km_lower", "km_ci_upper_at": "km_upper",
    "km_ci_at": "km_ci", "km_std_err_at": "km_se",
    "median_from_data": "median", "median_ci_lower_from_data": "median_lower",
    "median_ci_upper_from_data": "median_upper", "median_ci_from_data": "median_ci",
    "logrank_chisq_from_data": "logrank_chisq", "logrank_p_from_data": "logrank_p",
    "logrank_expected_from_data": "logrank_chisq",
    "hr_from_data": "hr", "hr_ci_from_data": "hr_ci",
    "cox_coef_from_data": "cox_coef", "cox_se_from_data": "cox_se", "cox_z_from_data": "cox_z",
}
_COX_TESTS = {("cox_chisq_from_data", "wald"): "cox_wald",
              ("cox_chisq_from_data", "score"): "cox_score",
              ("cox_chisq_from_data", "lr"): "cox_lr",
              ("cox_p_from_data", "wald"): "cox_p", ("cox_p_from_data", "score"): "cox_score_p",
              ("cox_p_from_data", "lr"): "cox_lr_p"}


def data_statistic(estimand: str, options: dict[str, Any]) -> str | None:
    """The identify statistic of a data-backed estimand (None when no convention governs it)."""
    if estimand in DATA_STATISTICS:
        return DATA_STATISTICS[estimand]
    return _COX_TESTS.get((estimand, options.get("test", "wald")))


#: the core's default of each option, by family (what a case that omits it gets)
_DEFAULTS = {"km": {"conf_type": "log"}, "median": {"median_rule": "R"},
             "logrank": {"weights": "logrank"}, "hr": {"hr_method": "mantel-haenszel"},
             "cox": {"ties": "efron"}}


def normal_options(options: dict[str, Any], family: str | None = None) -> dict[str, Any]:
    """Options with the core's defaults of ``family`` filled in, the log-rank exponents made
    explicit (``peto`` has rho 1 by default; Fleming-Harrington(rho, 0) is written as G-rho
    ``peto``, and G-rho 0 as ``logrank``) and options the computation ignores dropped
    (conf_type under the "sas", "prism" and "spss" median rules, whose limits are their own;
    ties of a non-Cox hazard ratio), so equal computations compare equal."""
    out = {**_DEFAULTS.get(family or "", {}), **options}
    out = {k: (float(v) if k in ("rho", "gamma") else v) for k, v in out.items()}
    if family == "median" or "median_rule" in out:
        if out.get("median_rule", "R") in ("sas", "prism", "spss"):
            out.pop("conf_type", None)
        else:
            out.setdefault("conf_type", "log")
    if family == "hr" or "hr_method" in out:
        if out.get("hr_method") == "cox":
            out.setdefault("ties", "efron")
        else:
            out.pop("ties", None)
    w = out.get("weights")
    if w is None:
        return out
    if w == "fleming-harrington" and float(out.get("gamma", 0.0)) == 0.0:
        w = out["weights"] = "peto"  # G(rho, 0) is survdiff's G-rho
        out["rho"] = float(out.get("rho", 0.0))
    if w == "peto" and float(out.get("rho", 1.0)) == 0.0:
        w = out["weights"] = "logrank"  # S(t-)^0 = 1
    if w == "peto":
        out["rho"] = float(out.get("rho", 1.0))
        out.pop("gamma", None)
    elif w == "fleming-harrington":
        out["rho"], out["gamma"] = float(out.get("rho", 0.0)), float(out.get("gamma", 0.0))
    else:
        out.pop("rho", None)
        out.pop("gamma", None)
    return out


def conventions_for(estimand: str, options: dict[str, Any],
                    catalogue: Catalogue | None = None) -> list[tuple[Convention, dict]]:
    """Computable conventions governing a data-backed case, each with the case's options
    overridden by the convention's (normalised, see :func:`normal_options`)."""
    stat = data_statistic(estimand, options)
    if stat is None:
        return []
    cat = catalogue or load_catalogue()
    return [(c, normal_options({**options, **c.options}, c.family))
            for c in cat.for_statistic(stat)
            if c.computable]
