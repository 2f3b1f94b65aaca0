"""Progress bars for long work (reconstruction, large packs), on a terminal only.

``progress(iterable, total=..., desc=...)`` wraps an iterable in a tqdm bar written to
stderr when stderr is a terminal, and returns the iterable unchanged otherwise (piped
output, CI logs, tests), so nothing is printed where nobody watches. ``HARNESS_PROGRESS=0``
turns the bars off, ``=1`` forces them on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def enabled(stream=None) -> bool:
    """Bars are shown when the stream (stderr) is a terminal, unless HARNESS_PROGRESS says."""
    force = os.environ.get("HARNESS_PROGRESS", "").strip()
    if force in ("0", "1"):
        return force == "1"
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def progress(items: Iterable[T], total: int | None = None, desc: str = "",
             unit: str = "it") -> Iterable[T] | Iterator[T]:
    """``items`` with a progress bar on a terminal; ``items`` itself when piped."""
    if not enabled():
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=desc, unit=unit, file=sys.stderr, leave=False,
                dynamic_ncols=True)
