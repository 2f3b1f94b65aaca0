"""What every check is given besides its case: the paper, and whether R runs."""

from __future__ import annotations

from dataclasses import dataclass

from harness.pack.cases import Paper


@dataclass(frozen=True)
class Context:
    """What a check needs besides the case: the paper, and whether R runs."""

    paper: Paper
    use_r: bool = True
