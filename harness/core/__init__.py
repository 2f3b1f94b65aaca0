"""The statistical core: pure numpy/scipy, no I/O (one home per formula).

The tests of the weighted log-rank family and its software conventions are reachable from
here (imported on first use, so importing a submodule such as :mod:`harness.core.cells` stays
cheap):

* :func:`weighted_logrank` - any weight of :data:`harness.core.cells.WEIGHTS`: ``"logrank"``,
  ``"peto"`` (survdiff's G-rho), ``"fleming-harrington"``, ``"gehan-breslow"``,
  ``"tarone-ware"``, SAS LIFETEST's ``"peto-peto"`` (``TEST=PETO``) and ``"modified-peto"``
  (``TEST=MODPETO``), ``"modestly-weighted"`` (Magirr & Burman, ``t_star`` / ``s_star``);
* :func:`survdiff`, :func:`fleming_harrington` - the G-rho and G(rho, gamma) shortcuts;
* :func:`harness.core.maxcombo.maxcombo` - max |Z| over Fleming-Harrington tests with its
  multivariate-normal p (``harness.core.maxcombo`` is the module: its name is taken by the
  submodule, so import the function from it);
* :func:`exponential_lr_test` - SAS LIFETEST's likelihood-ratio test (exponential model).
"""

from __future__ import annotations

import importlib

__all__ = ["WEIGHTS", "exponential_lr_test", "fleming_harrington", "survdiff",
           "weighted_logrank"]

_HOME = {
    "WEIGHTS": "harness.core.cells",
    "weighted_logrank": "harness.core.logrank",
    "survdiff": "harness.core.logrank",
    "fleming_harrington": "harness.core.logrank",
    "exponential_lr_test": "harness.core.exponential",
}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'harness.core' has no attribute {name!r}")
