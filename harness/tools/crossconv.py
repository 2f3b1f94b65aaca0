"""Which programs print each ``harness crosscheck`` value: the catalogued software conventions
(:mod:`harness.conventions`) whose options are the row's variant.

Nothing is recomputed: a crosscheck row (``chisq | Gehan-Breslow-Wilcoxon``) is mapped to a
statistic and core options (``logrank_chisq``, ``weights = "gehan-breslow"``) and every
implemented convention governing that statistic with those options is named on the row
(``CrossRecord.conventions``). :func:`program_table` pivots them to one column per program
(``default`` when the program prints it unasked, ``option`` when a catalogued option does).

R equivalent: not applicable (a lookup in the catalogue).
"""

from __future__ import annotations

import dataclasses
import math
import re

from harness.conventions import Catalogue, load_catalogue, normal_options, statistic_family

_WEIGHTS = {
    "log-rank (rho=0)": {"weights": "logrank"},
    "Peto & Peto (rho=1)": {"weights": "peto", "rho": 1.0},
    "Gehan-Breslow-Wilcoxon": {"weights": "gehan-breslow"},
    "Tarone-Ware": {"weights": "tarone-ware"},
    "Fleming-Harrington (1,1)": {"weights": "fleming-harrington", "rho": 1.0, "gamma": 1.0},
}
_HR = {"Mantel-Haenszel (Prism)": {"hr_method": "mantel-haenszel"},
       "logrank (O/E ratio)": {"hr_method": "logrank"}}
_COX = {"cox_coef": "cox_coef", "cox_se": "cox_se", "cox_wald_p": "cox_p",
        "cox_lr_p": "cox_lr_p", "cox_score_p": "cox_score_p"}


def row_statistic(estimand: str, variant: str) -> tuple[str, dict] | None:
    """The identify statistic and core options of a crosscheck row (None: not catalogued)."""
    base = re.sub(r"\(.*\)$", "", estimand)
    if base in ("km_survival", "km_std_err"):
        return ("km_rate" if base == "km_survival" else "km_se"), {}
    if base in ("km_lower", "km_upper"):
        return base, {"conf_type": variant}
    if base == "median":
        return "median", {"median_rule": variant}
    if base in ("median_lower", "median_upper"):
        m = re.fullmatch(r"(\S+) \((.+)\)", variant)
        return (base, {"median_rule": m[1], "conf_type": m[2]}) if m else None
    if base in ("chisq", "p") and variant in _WEIGHTS:
        return ("logrank_chisq" if base == "chisq" else "logrank_p"), dict(_WEIGHTS[variant])
    if base == "hr" and variant in _HR:
        return "hr", dict(_HR[variant])
    if base in _COX:
        return _COX[base], {"ties": variant}
    return None


def conventions_of(estimand: str, variant: str, catalogue: Catalogue | None = None) -> list:
    """Implemented conventions that print this crosscheck row's value."""
    found = row_statistic(estimand, variant)
    if found is None:
        return []
    stat, opts = found
    fam = statistic_family(stat)
    want = normal_options(opts, fam)
    keys = set(opts) | ({"rho", "gamma"} & set(want))
    out = []
    for c in (catalogue or load_catalogue()).for_statistic(stat):
        if not c.computable:
            continue
        have = normal_options(c.options, fam)
        if all(have.get(k) == want.get(k) for k in keys):
            out.append(c)
    return out


def annotate(records: list, catalogue: Catalogue | None = None) -> list:
    """The records with ``conventions`` set to the ids of the conventions that print them."""
    cat = catalogue or load_catalogue()
    return [dataclasses.replace(r, conventions=tuple(
        c.id for c in conventions_of(r.estimand, r.variant, cat))) for r in records]


def program_table(records: list, catalogue: Catalogue | None = None
                  ) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: estimand, variant, group, Python value, then one column per program
    (``default``, ``option`` or empty), for the rows some convention prints."""
    from harness.pack.printed import fmt

    cat = catalogue or load_catalogue()
    programs = list(dict.fromkeys(s.short for s in cat.software.values()))
    rows = []
    for r in records:
        convs = [cat.by_id(cid) for cid in r.conventions]
        if not convs:
            continue
        cells = []
        for prog in programs:
            mine = [c for c in convs if c.software.short == prog]
            cells.append("default" if any(c.default for c in mine) else
                         "option" if mine else "")
        value = "NA" if r.python is None or math.isnan(r.python) else fmt(r.python, 8)
        rows.append([r.estimand, r.variant, r.group, value, *cells])
    return ["estimand", "variant", "group", "python", *programs], rows
