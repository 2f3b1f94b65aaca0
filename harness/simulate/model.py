"""The objects a study file describes: arms, scenarios, analyses, the study (see
:mod:`harness.simulate.study` for the file format and its loading)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

TESTS = ("logrank", "gehan-breslow", "tarone-ware", "peto", "fleming-harrington", "maxcombo",
         "permutation")
ESTIMATORS = ("hr-mantel-haenszel", "hr-logrank", "hr-cox", "rmst-difference",
              "median-bootstrap")
KINDS = TESTS + ESTIMATORS


@dataclass(frozen=True)
class Arm:
    """One arm's event-time distribution (see :mod:`harness.simulate.distributions`)."""

    dist: str
    rates: tuple[float, ...]  # exponential: (rate,); piecewise: one per piece
    breaks: tuple[float, ...] = ()
    shape: float = 1.0  # weibull
    scale: float = 1.0  # weibull
    cure: float = 0.0
    hr: float = 1.0  # multiplies the cumulative hazard (S^hr): proportional hazards


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    n: tuple[int, int]
    control: Arm
    experimental: Arm
    follow_up: float
    accrual: float = 0.0
    dropout: float = 0.0
    dropout_breaks: tuple[float, ...] = ()
    dropout_rates: tuple[float, ...] = ()
    round_to: float = 0.0
    family: str = ""
    effect: float | None = None
    true_hr: float | None = None
    replicates: int = 0
    null: bool = False
    source: str = ""


@dataclass(frozen=True)
class Analysis:
    id: str
    kind: str
    rho: float = 0.0
    gamma: float = 0.0
    B: int = 999
    tau: float | None = None
    arm: str = "control"

    @property
    def is_test(self) -> bool:
        return self.kind in TESTS


@dataclass(frozen=True)
class Study:
    id: str
    title: str
    seed: int
    replicates: int
    chunk_size: int
    alpha: float
    conf_level: float
    scenarios: tuple[Scenario, ...]
    analyses: tuple[Analysis, ...]
    file: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    def fingerprint(self) -> str:
        """Hash of everything that determines the results (scenarios, analyses, seed)."""
        payload = json.dumps({"scenarios": [asdict(s) for s in self.scenarios],
                              "analyses": [asdict(a) for a in self.analyses],
                              "seed": self.seed, "chunk_size": self.chunk_size,
                              "conf_level": self.conf_level},
                             sort_keys=True, default=list)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]
