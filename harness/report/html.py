"""One self-contained HTML page: the audit table, a Kaplan-Meier plot per pseudo-IPD
comparison, and the variant spread. Never recomputes: it renders
:class:`harness.audit.records.CaseResult` records and :class:`harness.ipd.ComparisonResult` objects
(whose step curves and printed marks were computed beforehand). Inline CSS; plots are PNGs from
matplotlib's Agg backend embedded as base64 data URIs.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter

from harness.pack.printed import fmt

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#222;
max-width:1150px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
h3{font-size:1.05em;margin-bottom:.3em}
table{border-collapse:collapse;font-size:12px;width:100%;margin:.5em 0}
th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3}
.v-consistent{background:#e5f5e5}.v-inconsistent{background:#fde8d8}
.v-decision_error{background:#f8c9c9}.v-unresolved{background:#fff4c2}.v-unverifiable{background:#eef}.v-error{background:#f99}
.ok{color:#146c2e;font-weight:600}.bad{color:#b3261e;font-weight:600}
.cmp{border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:14px 0}
.cmp img{max-width:560px;float:right;margin-left:14px}
.clear{clear:both}.small{font-size:12px;color:#555}
"""


def _esc(x) -> str:
    return html.escape("" if x is None else str(x))


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def km_plot(comp) -> str:
    """A data URI of the comparison's KM curves with the printed medians and rates marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.2, 3.6))
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    for (label, (t, s, cens)), col in zip(comp.curves.items(), colors):
        ax.step(t, s, where="post", color=col, label=f"{label} (n={comp.sizes.get(label, '?')})")
        if cens:
            import numpy as np

            idx = np.searchsorted(np.asarray(t), np.asarray(cens), side="right") - 1
            ax.plot(cens, np.asarray(s)[idx], "|", color=col, markersize=7)
    labels = list(comp.curves)
    for m in comp.marks:
        col = colors[labels.index(m["group"])] if m.get("group") in labels else "black"
        if m["kind"] == "median":
            ax.plot([m["value"]], [0.5], "D", color=col, markersize=6, markerfacecolor="none")
            ax.annotate(f"{m['text']}", (m["value"], 0.5), textcoords="offset points",
                        xytext=(3, 4), fontsize=7, color=col)
        else:
            ax.plot([m["time"]], [m["value"]], "s", color=col, markersize=6,
                    markerfacecolor="none")
            ax.annotate(f"{m['text']}", (m["time"], m["value"]), textcoords="offset points",
                        xytext=(3, -10), fontsize=7, color=col)
    ax.axhline(0.5, color="#999", lw=0.6, ls=":")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(f"months ({comp.endpoint})")
    ax.set_ylabel("survival (pseudo-IPD)")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(comp.id, fontsize=9)
    uri = _png(fig)
    plt.close(fig)
    return uri


def _audit_table(records) -> str:
    head = ("<table class='audit'><thead><tr><th>case</th><th>source</th><th>published</th>"
            "<th>python</th><th>R</th><th>verdict</th><th>reason</th></tr></thead><tbody>")
    rows = []
    for r in records:
        rows.append(
            f"<tr class='v-{_esc(r.verdict)}'><td>{_esc(r.case)}</td><td>{_esc(r.source)}</td>"
            f"<td>{_esc(r.published)}</td><td>{_esc(fmt(r.python))}</td>"
            f"<td>{_esc(fmt(r.r) if r.r is not None else '-')}</td><td>{_esc(r.verdict)}</td>"
            f"<td>{_esc(r.message)}</td></tr>")
    return head + "".join(rows) + "</tbody></table>"


def _stat_table(comp) -> str:
    rows = []
    for row in comp.rows:
        if row.role == "variant":
            continue
        mark = ("-" if row.reproduced is None else
                "<span class='ok'>yes</span>" if row.reproduced else "<span class='bad'>no</span>")
        rows.append(f"<tr><td>{_esc(row.key)}</td><td>{_esc(row.role)}</td>"
                    f"<td>{_esc(row.case)}</td><td>{_esc(row.printed)}</td>"
                    f"<td>{_esc(fmt(row.python, 6))}</td>"
                    f"<td>{_esc(fmt(row.r, 6) if row.r is not None else '-')}</td>"
                    f"<td>{mark}</td></tr>")
    return ("<table><thead><tr><th>statistic</th><th>role</th><th>case</th><th>printed</th>"
            "<th>python</th><th>R</th><th>reproduced</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _variant_table(comps) -> str:
    from harness.ipd import VARIANT_KEYS, VARIANT_LABELS

    head = "".join(f"<th>{_esc(VARIANT_LABELS[k])}</th>" for k in VARIANT_KEYS)
    rows = []
    for c in comps:
        vals = {r.key: r.python for r in c.rows if r.key in VARIANT_KEYS}
        if not vals:
            continue
        direction = f"{c.numerator} / {c.denominator}" if c.numerator else "-"
        cells = "".join(f"<td>{_esc(fmt(vals.get(k), 4))}</td>" for k in VARIANT_KEYS)
        rows.append(f"<tr><td>{_esc(c.id)}</td><td>{_esc(direction)}</td>{cells}</tr>")
    return (f"<table class='variants'><thead><tr><th>comparison</th><th>HR direction</th>{head}"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


_LOG_KEYS = ("hr", "ci_", "p", "gbw_p")


def _interval_svg(r) -> str:
    """An inline SVG of one feasible range: the searched range (blue bar), the exact bound
    (grey line), the printed rounding interval (green or red band) and the written set's
    value (black dot); log axis for HRs and p values."""
    import math

    printed = None
    if r.printed_lo is not None or r.printed_hi is not None:
        printed = (r.printed_lo if r.printed_lo is not None else -math.inf,
                   r.printed_hi if r.printed_hi is not None else math.inf)
    vals = [v for v in (r.lo, r.hi, r.written, r.bound_lo, r.bound_hi) if v is not None]
    if printed:
        vals += [v for v in printed if math.isfinite(v)]
    log = r.key.startswith(_LOG_KEYS) and vals and min(vals) > 0
    f = (lambda v: math.log10(v)) if log else (lambda v: v)
    tv = [f(v) for v in vals if math.isfinite(v)]
    if not tv:
        return ""
    a, b = min(tv), max(tv)
    if b - a < 1e-12:
        a, b = a - 1, b + 1
    pad = 0.05 * (b - a)
    a, b = a - pad, b + pad

    def x(v: float) -> float:
        v = min(max(f(v), a), b) if math.isfinite(v) else (b if v > 0 else a)
        return 4 + 212 * (v - a) / (b - a)

    parts = ["<svg width='220' height='16' role='img' class='rng'>"]
    if printed:
        col = "#cfe9cf" if r.verdict == "consistent" else "#f6c6c0"
        x0, x1 = x(printed[0]), x(printed[1])
        parts.append(f"<rect x='{x0:.1f}' y='1' width='{max(x1 - x0, 2):.1f}' height='14' "
                     f"fill='{col}'/>")
    if r.bound_lo is not None:
        hi = r.bound_hi if r.bound_hi is not None else float("inf")
        parts.append(f"<line x1='{x(r.bound_lo):.1f}' x2='{x(hi):.1f}' y1='13' y2='13' "
                     "stroke='#888' stroke-width='2'/>")
    if r.lo is not None and r.hi is not None:
        x0, x1 = x(r.lo), x(r.hi)
        parts.append(f"<rect x='{x0:.1f}' y='5' width='{max(x1 - x0, 2):.1f}' height='6' "
                     "fill='#1f77b4'/>")
    if r.written is not None:
        parts.append(f"<circle cx='{x(r.written):.1f}' cy='8' r='2.5' fill='#000'/>")
    parts.append("</svg>")
    return "".join(parts)


def _ranges_section(comps) -> str:
    rows = []
    for c in comps:
        if c.ranges_state in ("stale", "missing"):
            rows.append(f"<tr><td>{_esc(c.id)}</td><td colspan='6'>feasible ranges "
                        f"{_esc(c.ranges_state)}</td></tr>")
        for r in c.ranges:
            verdict = r.verdict + (f" ({r.basis})" if r.verdict == "inconsistent" else "")
            cls = f" class='v-{_esc(r.verdict)}'" if r.verdict else ""
            bound = ("-" if r.bound_lo is None else
                     f"{fmt(r.bound_lo)}-{fmt(r.bound_hi) if r.bound_hi is not None else 'inf'}")
            rows.append(
                f"<tr{cls}><td>{_esc(c.id)}</td><td>{_esc(r.key)}</td><td>{_esc(r.role)}</td>"
                f"<td>{_esc(r.printed or '-')}</td>"
                f"<td>{_esc(fmt(r.lo))}-{_esc(fmt(r.hi))} (set: {_esc(fmt(r.written))})</td>"
                f"<td>{_esc(bound)}</td><td>{_interval_svg(r)}</td>"
                f"<td>{_esc(verdict or '-')}</td></tr>")
    if not rows:
        return ""
    return ("<h2>Feasible ranges</h2><p class='small'>Lowest and highest value reached by "
            "searched sets that satisfy each comparison's targeted numbers (blue; the written "
            "set's value is the dot), the exact bound of the (O-E, V) screen where one exists "
            "(grey) and the printed number's rounding interval (green: met, red: not). A "
            "searched range is evidence, not proof; a bound is proven.</p>"
            "<table class='ranges'><thead><tr><th>comparison</th><th>statistic</th>"
            "<th>role</th><th>printed</th><th>range</th><th>bound</th><th>interval</th>"
            "<th>verdict</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def render_html(records, comparisons, title: str = "", notes: list[str] = (),
                plots: dict[str, str] | None = None,
                review: list[tuple[str, str]] = ()) -> str:
    """The whole page. ``plots`` (comparison id -> data URI) is drawn here when not given."""
    counts = Counter(r.verdict for r in records)
    summary = ", ".join(f"{n} {v}" for v, n in counts.items())
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>{_esc(title or 'harness audit')}</title><style>{_CSS}</style></head><body>",
             f"<h1>{_esc(title or 'harness audit')}</h1>"]
    parts += [f"<p class='small'>{_esc(n)}</p>" for n in notes]
    parts.append(f"<p>{len(records)} cases: {_esc(summary)}</p>")
    if comparisons:
        v = Counter(c.verdict for c in comparisons)
        parts.append("<h2>Pseudo-IPD reconstructions</h2>")
        parts.append(
            f"<p>{len(comparisons)} comparisons: {v['consistent']} with a data set satisfying "
            f"every printed number, {v['inconsistent']} inconsistent (a conflict proven by the "
            f"exact (O-E, V) screen), {v['unresolved']} unresolved (the search failed: "
            "evidence, not proof). The sets are "
            "constructed, not the patients' data; <em>targeted</em> numbers were constraints "
            "of the search, <em>held out</em> numbers were not (their agreement is evidence). "
            "Python and R agree to 1e-9 on every recomputation unless stated.</p>")
        for c in comparisons:
            uri = (plots or {}).get(c.id) or (km_plot(c) if c.curves else "")
            cls = f"v-{c.verdict}"
            parts.append(f"<div class='cmp' id='cmp-{_esc(c.id)}'>")
            if uri:
                parts.append(f"<img alt='Kaplan-Meier curves of {_esc(c.id)}' src='{uri}'>")
            parts.append(f"<h3>{_esc(c.id)}: {_esc(c.title)}</h3>")
            parts.append(f"<p><span class='{cls}'>verdict: {_esc(c.verdict)}</span> "
                         f"<span class='small'>{_esc(c.file)}</span></p>")
            parts.append(f"<p class='small'>{_esc(c.finding)}</p>")
            for conf in c.conflicts:
                parts.append(f"<p class='small'>conflicting printed numbers "
                             f"({_esc(c.conflict_kind)}): {_esc(' | '.join(conf))}</p>")
            if c.disagreements:
                parts.append("<p class='bad'>Python and R disagree: "
                             + _esc("; ".join(c.disagreements)) + "</p>")
            parts.append("<div class='clear'></div>")
            parts.append(_stat_table(c))
            parts.append("</div>")
        parts.append("<h2>Variant spread</h2><p class='small'>Not printed by the paper "
                     "(except where a row above says so): the HR by Prism's Mantel-Haenszel and "
                     "logrank methods and by Cox (efron ties), and the log-rank, "
                     "Gehan-Breslow-Wilcoxon and Peto-Peto p, from each pseudo-IPD set.</p>")
        parts.append(_variant_table(comparisons))
        parts.append(_ranges_section(comparisons))
    if review:
        parts.append(f"<h2>Review marks</h2><p>{len(review)} cases of a draft pack still carry "
                     "a <code>review</code> mark (confirm, then delete it):</p><ul>")
        parts += [f"<li>{_esc(cid)}: {_esc(text)}</li>" for cid, text in review]
        parts.append("</ul>")
    parts.append("<h2>Audit table</h2>")
    parts.append(_audit_table(records))
    parts.append("</body></html>")
    return "\n".join(parts)


def render(report) -> str:
    """``harness audit --format html``: the page for an
    :class:`~harness.audit.session.AuditReport`."""
    review = [(cid, text) for part in report.packs for cid, text in part.review_marks]
    return render_html(report.records, report.comparisons, report.title, report.notes,
                       review=review)
