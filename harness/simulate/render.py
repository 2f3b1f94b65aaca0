"""Render a simulation summary: table, Markdown, JSON, and an HTML page with plots.

The HTML page is self-contained (plots embedded as PNG, drawn with matplotlib's Agg backend):
power over effect size for each scenario family (one line per test), size per null scenario
(rejection rate with +/- 2 MC SE against alpha), then the full table.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math

import pandas as pd
from tabulate import tabulate

from harness.simulate.study import TESTS as TEST_KINDS
from harness.simulate.study import Study

_HEAD = ["scenario", "analysis", "rejection (MC SE)", "undef.", "mean", "truth", "bias",
         "RMSE", "coverage", "CI width"]


def _f(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v:.{digits}g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"


def _rows(summary: pd.DataFrame) -> list[list[str]]:
    out = []
    for r in summary.itertuples(index=False):
        rej = "-" if r.rejection is None or pd.isna(r.rejection) else \
            f"{r.rejection:.3f} ({r.rejection_mc_se:.3f})"
        und = f"{r.undefined}" if r.undefined else "0"
        out.append([r.scenario, r.analysis, rej, und, _f(r.mean), _f(r.truth), _f(r.bias),
                    _f(r.rmse), _f(r.coverage), _f(r.width)])
    return out


def _notes(study: Study, summary: pd.DataFrame) -> list[str]:
    reps = sorted(set(summary.trials.tolist()))
    return [
        f"study {study.id}: {len(study.scenarios)} scenarios x {len(study.analyses)} analyses, "
        f"{', '.join(map(str, reps))} trials per scenario, seed {study.seed}, "
        f"alpha {study.alpha:g}, {100 * study.conf_level:g}% intervals",
        "rejection: share of trials with p <= alpha (undefined counts as not rejecting); "
        "hazard ratios: mean = geometric mean, bias/RMSE/CI width of log HR; undef. = trials "
        "where the analysis gave no value",
    ]


def render_table(study: Study, summary: pd.DataFrame, fmt: str = "table") -> str:
    tf = "github" if fmt == "markdown" else "simple"
    body = tabulate(_rows(summary), headers=_HEAD, tablefmt=tf, disable_numparse=True)
    notes = _notes(study, summary)
    if fmt == "markdown":
        return f"## Simulation study `{study.id}`\n\n" + "\n".join(
            f"- {n}" for n in notes) + "\n\n" + body
    return "\n".join(notes) + "\n\n" + body


def render_json(study: Study, summary: pd.DataFrame) -> str:
    recs = []
    for rec in summary.to_dict(orient="records"):
        recs.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                     for k, v in rec.items()})
    return json.dumps({"study": study.id, "seed": study.seed, "alpha": study.alpha,
                       "conf_level": study.conf_level, "fingerprint": study.fingerprint(),
                       "results": recs}, indent=2, sort_keys=True)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def _plots(study: Study, summary: pd.DataFrame) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tests = summary[summary.rejection.notna()]
    out = []
    for fam, g in tests[tests.family != ""].groupby("family", sort=False):
        g = g[g.effect.notna()]
        if g.scenario.nunique() < 2:
            continue
        fig, ax = plt.subplots(figsize=(6.5, 4))
        for aid, h in g.groupby("analysis", sort=False):
            h = h.sort_values("effect")
            ax.errorbar(h.effect, h.rejection, yerr=2 * h.rejection_mc_se, marker="o",
                        capsize=2, label=aid)
        ax.axhline(study.alpha, color="grey", lw=0.8, ls="--")
        ax.set_xlabel("effect (true HR unless the study says otherwise)")
        ax.set_ylabel("rejection rate")
        ax.set_title(f"power: {fam}")
        ax.legend(fontsize=7, ncol=2)
        out.append((f"Power over effect size: {fam}", _png(fig)))
        plt.close(fig)
    null = tests[tests.null.astype(bool)]
    if len(null):
        fig, ax = plt.subplots(figsize=(7, 0.5 + 0.22 * len(null)))
        labels = [f"{r.scenario} / {r.analysis}" for r in null.itertuples()]
        y = range(len(null))
        ax.errorbar(null.rejection, list(y), xerr=2 * null.rejection_mc_se, fmt="o", capsize=2)
        ax.axvline(study.alpha, color="red", lw=0.8, ls="--")
        ax.set_yticks(list(y), labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(f"size (rejection rate under H0, +/- 2 MC SE); alpha = {study.alpha:g}")
        out.append(("Size per null scenario", _png(fig)))
        plt.close(fig)
    return out


def render_html(study: Study, summary: pd.DataFrame) -> str:
    esc = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>harness simulate: "
             f"{esc(study.id)}</title><style>body{{font-family:sans-serif;margin:1.5em}}"
             "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;"
             "padding:2px 6px}</style></head><body>",
             f"<h1>Simulation study {esc(study.title)}</h1>"]
    parts += [f"<p>{esc(n)}</p>" for n in _notes(study, summary)]
    for title, png in _plots(study, summary):
        parts.append(f"<h2>{esc(title)}</h2><img alt='{esc(title)}' "
                     f"src='data:image/png;base64,{png}'>")
    parts.append("<h2>Operating characteristics</h2><table><tr>"
                 + "".join(f"<th>{esc(h)}</th>" for h in _HEAD) + "</tr>")
    for row in _rows(summary):
        parts.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    parts.append("</table><h2>Estimands</h2><ul>")
    seen = set()
    for r in summary.itertuples(index=False):
        if (r.analysis, r.estimand) not in seen and r.kind not in TEST_KINDS:
            seen.add((r.analysis, r.estimand))
            parts.append(f"<li>{esc(r.analysis)}: {esc(r.estimand)}</li>")
    parts.append("</ul></body></html>")
    return "\n".join(parts)


def render(study: Study, summary: pd.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return render_json(study, summary)
    if fmt == "html":
        return render_html(study, summary)
    return render_table(study, summary, fmt)
