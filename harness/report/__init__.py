"""Renderers of an :class:`~harness.audit.session.AuditReport`: one module per format, each
with ``render(report) -> str``. Renderers never recompute.

- :mod:`harness.report.table`: terminal table (``harness audit``'s default)
- :mod:`harness.report.markdown`: GitHub-flavoured Markdown
- :mod:`harness.report.json`: JSON under a documented schema (``harness.report.json.SCHEMA``)
- :mod:`harness.report.html`: one self-contained page with Kaplan-Meier plots

A new format is a new module here with a ``render`` function, and its name in :data:`FORMATS`.
"""

from __future__ import annotations

import importlib

#: format name -> module under harness.report that renders it
FORMATS = {"table": "table", "markdown": "markdown", "json": "json", "html": "html"}


def render(report, fmt: str = "table") -> str:
    """Render an audit report in one of :data:`FORMATS`.

    Raises
    ------
    ValueError
        An unknown format (the message lists the known ones).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return importlib.import_module(f"harness.report.{FORMATS[fmt]}").render(report)
