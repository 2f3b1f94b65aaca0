"""Writing the draft pack: ``pack.toml`` and one case file per table and for the text, in the
format of a hand-made pack (TOML written here; read back with tomllib and the schema)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from harness.extract.model import Draft
from harness.extract.sections import PaperMeta


def toml_value(v: Any) -> str:
    """A TOML value: strings as basic strings, lists, dicts as inline tables."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v!r} to TOML")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    return k if k.replace("_", "").isalnum() and k.isascii() else json.dumps(k)


def case_file_text(cases: list[Draft], header: str) -> str:
    out = [f"# {line}" for line in header.splitlines()]
    for d in cases:
        out += ["", "[[case]]"]
        body = d.toml_dict()
        body["expect"] = d.fields.get("expect", {"verdict": "unverifiable"})
        for k, v in body.items():
            out.append(f"{_key(k)} = {toml_value(v)}")
    return "\n".join(out) + "\n"


def pack_toml_text(pack_id: str, meta: PaperMeta, source: str) -> str:
    paper: dict[str, Any] = {"id": pack_id, "title": meta.title or "(title not found)",
                             "citation": meta.citation or "(citation not found in the text)",
                             "source": source}
    if meta.software:
        paper["software"] = meta.software
    notes = list(meta.notes)
    if meta.alpha is None:
        paper["alpha"] = 0.05
        notes.append("alpha not stated in the Methods: 0.05 assumed")
    else:
        paper["alpha"] = meta.alpha
    if meta.significant_if:
        paper["significant_if"] = meta.significant_if
    notes.append("draft written by `harness extract`; `expect` verdicts are the harness's own "
                 "Python-only audit at extraction, to be confirmed by a reader")
    paper["note"] = "; ".join(notes)
    lines = ["# Draft case pack written by `harness extract` (see REVIEW.md beside it).",
             "[paper]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in paper.items()]
    return "\n".join(lines) + "\n"


def write_pack(out: Path, pack_id: str, meta: PaperMeta, source: str,
               files: dict[str, list[Draft]], headers: dict[str, str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "pack.toml").write_text(pack_toml_text(pack_id, meta, source), encoding="utf-8")
    written = [out / "pack.toml"]
    for name, cases in files.items():
        if cases:
            path = out / f"{name}.toml"
            path.write_text(case_file_text(cases, headers.get(name, "")), encoding="utf-8")
            written.append(path)
    return written
