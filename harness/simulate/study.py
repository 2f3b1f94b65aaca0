"""Study files: the TOML schema of a simulation study, and loading it into dataclasses.

A study is data (read with ``tomllib``, validated with :func:`harness.pack.schema.validate`, so an
error names the file and the key)::

    [study]
    id = "stork2022_design"
    seed = 20220512
    replicates = 1000          # trials per scenario
    chunk_size = 250           # trials per task (and per Parquet file)
    alpha = 0.05
    conf_level = 0.95

    [[scenario]]
    id = "ph_hr2_44_20"
    n = [44, 20]               # control, experimental
    control = { dist = "exponential", median = 40 }
    experimental = { hr = 2 }  # proportional hazards relative to control: S1 = S0^hr
    censoring = { follow_up = 60, accrual = 48, dropout = 0.005 }
    round_to = 0.1             # times rounded up to a grid (ties, as printed data have)
    family = "exp 44/20"       # scenarios of one family form one power curve
    effect = 2.0               # its x value (default: the true HR)

    [[analysis]]
    id = "fh01"
    kind = "fleming-harrington"
    rho = 0
    gamma = 1

Arms: ``dist`` = ``exponential`` (``rate`` or ``median``), ``weibull`` (``shape`` and
``scale`` or ``median``), ``piecewise`` (``rates`` and change points ``breaks``), each with an
optional ``cure`` fraction; the experimental arm may instead give ``hr`` (proportional hazards
on the control arm). Crossing hazards are two piecewise arms whose rates cross. A scenario can
instead be derived from a pack's pseudo-IPD comparison: ``from_comparison = "t1_pm"`` (see
:mod:`harness.simulate.ipdfit`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from harness.errors import CaseFileError
from harness.pack import schema
from harness.simulate.model import ESTIMATORS, KINDS, TESTS, Analysis, Arm, Scenario, Study  # noqa: F401

#: analyses: tests (rejection at alpha) and estimators (estimate with a CI)

_POS = {"type": "number", "exclusiveMinimum": 0}
_NONNEG = {"type": "number", "minimum": 0}
_ARM = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "dist": {"enum": ["exponential", "weibull", "piecewise"]},
        "rate": _POS, "median": _POS, "shape": _POS, "scale": _POS,
        "rates": {"type": "array", "minItems": 1, "items": _NONNEG},
        "breaks": {"type": "array", "items": _POS},
        "cure": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "hr": _POS,
    },
}
STUDY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["study", "scenario", "analysis"],
    "additionalProperties": False,
    "properties": {
        "study": {
            "type": "object",
            "required": ["id", "seed", "replicates"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"},
                "title": {"type": "string"},
                "seed": {"type": "integer", "minimum": 0},
                "replicates": {"type": "integer", "minimum": 1},
                "chunk_size": {"type": "integer", "minimum": 1},
                "alpha": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                "conf_level": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                "pack": {"type": "string"},
                "note": {"type": "string"},
            },
        },
        "scenario": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"},
                    "title": {"type": "string"},
                    "n": {"type": "array", "minItems": 2, "maxItems": 2,
                          "items": {"type": "integer", "minimum": 1}},
                    "control": _ARM,
                    "experimental": _ARM,
                    "censoring": {
                        "type": "object",
                        "required": ["follow_up"],
                        "additionalProperties": False,
                        "properties": {"follow_up": _POS, "accrual": _NONNEG,
                                       "dropout": _NONNEG},
                    },
                    "round_to": _POS,
                    "family": {"type": "string"},
                    "effect": {"type": "number"},
                    "true_hr": _POS,
                    "from_comparison": {"type": "string"},
                    "hypothesis": {"enum": ["observed", "null"]},
                    "breaks": {"type": "array", "items": _POS},
                    "replicates": {"type": "integer", "minimum": 1},
                },
            },
        },
        "analysis": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["kind"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Za-z0-9_.()=,-]+$"},
                    "kind": {"enum": list(KINDS)},
                    "rho": _NONNEG, "gamma": _NONNEG,
                    "B": {"type": "integer", "minimum": 19},
                    "tau": _POS,
                    "arm": {"enum": ["control", "experimental"]},
                },
            },
        },
    },
}


def _median_rate(spec: dict, file: str, key: str) -> float:
    if ("rate" in spec) == ("median" in spec):
        raise CaseFileError(file, key, "exponential arm needs exactly one of rate, median")
    import math

    return float(spec["rate"]) if "rate" in spec else math.log(2.0) / float(spec["median"])


def _arm(spec: dict | None, file: str, key: str, control: Arm | None = None) -> Arm:
    import math

    if spec is None:
        raise CaseFileError(file, key, "is missing (required unless from_comparison is given)")
    cure = float(spec.get("cure", 0.0))
    if "hr" in spec:
        if control is None:
            raise CaseFileError(file, f"{key}.hr", "only the experimental arm can be given "
                                "as a hazard ratio on the control arm")
        if set(spec) - {"hr"}:
            raise CaseFileError(file, key, "with hr, give no other key (the arm is "
                                "the control arm with its cumulative hazard times hr)")
        return Arm(control.dist, control.rates, control.breaks, control.shape, control.scale,
                   control.cure, control.hr * float(spec["hr"]))
    dist = spec.get("dist")
    if dist is None:
        raise CaseFileError(file, f"{key}.dist", "is missing (exponential, weibull, piecewise)")
    allowed = {"exponential": {"rate", "median"}, "weibull": {"shape", "scale", "median"},
               "piecewise": {"rates", "breaks"}}[dist] | {"dist", "cure"}
    extra = sorted(set(spec) - allowed)
    if extra:
        raise CaseFileError(file, f"{key}.{extra[0]}", f"is not a parameter of dist = {dist!r} "
                            f"(allowed: {', '.join(sorted(allowed))})")
    if dist == "exponential":
        return Arm(dist, (_median_rate(spec, file, key),), cure=cure)
    if dist == "weibull":
        if "shape" not in spec or ("scale" in spec) == ("median" in spec):
            raise CaseFileError(file, key, "weibull arm needs shape and one of scale, median")
        shape = float(spec["shape"])
        scale = (float(spec["scale"]) if "scale" in spec
                 else float(spec["median"]) / math.log(2.0) ** (1.0 / shape))
        return Arm(dist, (), (), shape, scale, cure)
    rates = tuple(float(r) for r in spec.get("rates", ()))
    breaks = tuple(float(b) for b in spec.get("breaks", ()))
    if len(rates) != len(breaks) + 1:
        raise CaseFileError(file, f"{key}.rates", f"needs one rate per piece: {len(breaks)} "
                            f"change points give {len(breaks) + 1} pieces, got {len(rates)}")
    if list(breaks) != sorted(set(breaks)):
        raise CaseFileError(file, f"{key}.breaks", "change points must increase strictly")
    if rates[-1] == 0 and cure == 0:
        pass  # a last piece with no hazard is a cure by another name; allowed
    return Arm(dist, rates, breaks, cure=cure)


def _true_hr(c: Arm, e: Arm) -> float | None:
    """The hazard ratio experimental / control when it is constant in time, else None."""
    same = (c.dist, c.rates, c.breaks, c.shape, c.scale, c.cure) == \
        (e.dist, e.rates, e.breaks, e.shape, e.scale, e.cure)
    if same:
        return e.hr / c.hr
    if c.dist == e.dist == "exponential" and c.cure == e.cure == 0:
        return (e.rates[0] * e.hr) / (c.rates[0] * c.hr)
    return None


def _scenario(raw: dict, i: int, file: str, pack: str | None, replicates: int) -> Scenario:
    key = f"scenario[{i}] (id {raw['id']!r})"
    if "from_comparison" in raw:
        from harness.simulate.ipdfit import scenario_from_comparison

        return scenario_from_comparison(raw, key, file, pack, replicates)
    if raw.get("hypothesis"):
        raise CaseFileError(file, f"{key}.hypothesis", "is only used with from_comparison")
    for k in ("n", "control", "experimental", "censoring"):
        if k not in raw:
            raise CaseFileError(file, f"{key}.{k}", "is missing (required unless "
                                "from_comparison is given)")
    control = _arm(raw["control"], file, f"{key}.control")
    exp = _arm(raw["experimental"], file, f"{key}.experimental", control)
    true_hr = raw.get("true_hr", _true_hr(control, exp))
    cens = raw["censoring"]
    eff = raw.get("effect", true_hr)
    return Scenario(
        id=raw["id"], title=raw.get("title", raw["id"]), n=tuple(raw["n"]), control=control,
        experimental=exp, follow_up=float(cens["follow_up"]),
        accrual=float(cens.get("accrual", 0.0)), dropout=float(cens.get("dropout", 0.0)),
        round_to=float(raw.get("round_to", 0.0)), family=raw.get("family", ""),
        effect=None if eff is None else float(eff),
        true_hr=None if true_hr is None else float(true_hr),
        replicates=int(raw.get("replicates", replicates)),
        null=true_hr is not None and abs(true_hr - 1.0) < 1e-12 and control == exp,
    )


def _analysis(raw: dict, i: int, file: str) -> Analysis:
    kind = raw["kind"]
    key = f"analysis[{i}]"
    allowed = {"fleming-harrington": {"rho", "gamma"}, "peto": set(), "permutation": {"B"},
               "median-bootstrap": {"B", "arm"}, "rmst-difference": {"tau"}}.get(kind, set())
    extra = sorted(set(raw) - allowed - {"id", "kind"})
    if extra:
        raise CaseFileError(file, f"{key}.{extra[0]}", f"is not a parameter of kind {kind!r}")
    if kind == "rmst-difference" and "tau" not in raw:
        raise CaseFileError(file, f"{key}.tau", "is missing (the RMST horizon, required)")
    rho = float(raw.get("rho", 1.0 if kind == "peto" else 0.0))
    gamma = float(raw.get("gamma", 0.0))
    default_id = kind if kind != "fleming-harrington" else f"fh({rho:g},{gamma:g})"
    B = int(raw.get("B", 999 if kind == "permutation" else 200))
    return Analysis(raw.get("id", default_id), kind, rho, gamma, B,
                    None if "tau" not in raw else float(raw["tau"]), raw.get("arm", "control"))


def load_study(path: str | Path, pack: str | Path | None = None) -> Study:
    """Read and validate a study file.

    Parameters
    ----------
    path : path
        The TOML study file.
    pack : path, optional
        Case pack for ``from_comparison`` scenarios; default the study's ``pack`` key
        (relative to the study file), else the folder holding the study file when it is a
        pack (a from_comparison scenario without a pack is an error naming the key).

    Raises
    ------
    CaseFileError
        Naming the file and the key of the first problem.
    """
    path = Path(path)
    file = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CaseFileError(file, "", f"cannot be read: {exc}") from None
    schema.validate(data, STUDY_SCHEMA, file)
    st = data["study"]
    if pack is None and "pack" in st:
        pack = path.parent / st["pack"]
    elif pack is None and (path.parent / "pack.toml").is_file():
        pack = path.parent
    reps = int(st["replicates"])
    scenarios = tuple(_scenario(raw, i, file, None if pack is None else str(pack), reps)
                      for i, raw in enumerate(data["scenario"]))
    analyses = tuple(_analysis(raw, i, file) for i, raw in enumerate(data["analysis"]))
    for kind, items in (("scenario", scenarios), ("analysis", analyses)):
        seen: set[str] = set()
        for i, it in enumerate(items):
            if it.id in seen:
                raise CaseFileError(file, f"{kind}[{i}].id", f"{it.id!r} is used twice")
            seen.add(it.id)
    return Study(st["id"], st.get("title", st["id"]), int(st["seed"]), reps,
                 int(st.get("chunk_size", 250)), float(st.get("alpha", 0.05)),
                 float(st.get("conf_level", 0.95)), scenarios, analyses, file, data)
