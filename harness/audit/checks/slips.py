"""Transcription slips: printed numbers one keystroke away from what was printed.

A slip is one digit replaced, one character dropped, or the decimal point moved
(``0.1344`` -> ``1.344``). A check that finds a row inconsistent asks which single slip in
one of the row's printed numbers would make it consistent, and says so in its message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable


def variants(text: str) -> list[str]:
    """Every printed number one slip away from ``text`` (a plain decimal like ``0.1344``).

    Leading zeros produced by a slip are normalised (``01.344`` -> ``1.344``); the original
    text and duplicates are left out. Non-numeric text gives no variants.
    """
    s = text.strip()
    m = re.fullmatch(r"([<>=\u2264\u2265]?\s*)(\d*\.?\d+)(%?)", s)
    if not m:
        return []
    head, body, tail = m.groups()
    out: list[str] = []
    for i, ch in enumerate(body):  # one digit replaced
        if ch.isdigit():
            for d in "0123456789":
                if d != ch:
                    out.append(body[:i] + d + body[i + 1:])
    for i in range(len(body)):  # one character dropped
        out.append(body[:i] + body[i + 1:])
    digits = body.replace(".", "")
    for i in range(1, len(digits)):  # the decimal point moved
        out.append(digits[:i] + "." + digits[i:])
    out.append(digits)
    seen, res = set(), []
    for v in out:
        v = _normalise(v)
        if v and v != _normalise(body) and v not in seen:
            seen.add(v)
            res.append(head + v + tail)
    return res


def _normalise(v: str) -> str:
    if not re.fullmatch(r"\d*\.?\d+|\d+\.", v) or v.endswith("."):
        return ""
    if "." in v:
        whole, frac = v.split(".")
        whole = whole.lstrip("0") or "0"
        return f"{whole}.{frac}"
    return v.lstrip("0") or "0"


def find_slips(fields: dict[str, str], consistent: Callable[[dict[str, str]], bool],
               limit: int = 3) -> list[tuple[str, str, str]]:
    """Single slips in one of ``fields`` (name -> printed text) that make ``consistent`` true.

    Returns up to ``limit`` triples (field, printed, corrected), fewest changed characters
    first.
    """
    found = []
    for name, text in fields.items():
        for alt in variants(text):
            trial = dict(fields, **{name: alt})
            try:
                ok = consistent(trial)
            except (ValueError, ZeroDivisionError, FloatingPointError):
                ok = False
            if ok:
                found.append((name, text, alt))
    found.sort(key=lambda t: abs(len(t[2]) - len(t[1])))
    return found[:limit]


def describe(slips: Iterable[tuple[str, str, str]]) -> str:
    """'changing 0.1344 to 1.344 (upper CI bound) makes it consistent', or ''."""
    parts = [f"changing {old} to {new} ({name})" for name, old, new in slips]
    if not parts:
        return ""
    return "; ".join(parts) + (" makes it consistent" if len(parts) == 1
                                else " would each make it consistent")
