"""What every check is given besides its case: the paper, whether R runs, joint verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.pack.cases import Paper


@dataclass(frozen=True)
class Context:
    """What a check needs besides the case: the paper, whether R runs, and the joint
    verdicts of the pack's pseudo-IPD comparisons (full case id ->
    :class:`harness.audit.joint.JointVerdict`; empty without comparisons) and its pooled
    constraints (full case id -> :class:`harness.audit.pooled.PooledVerdict`)."""

    paper: Paper
    use_r: bool = True
    joint: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    pooled: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
