"""Resampling: permutation tests and the case bootstrap for censored data.

Two routines, both vectorised over resamples with numpy, memory bounded by processing the
resamples in blocks, optionally on several threads, reproducible from an integer seed:

* :func:`permutation_test`: the weighted log-rank family (any weight of
  :data:`harness.core.cells.WEIGHTS`: log-rank, Peto / G-rho, Fleming-Harrington,
  Gehan-Breslow-Wilcoxon, Tarone-Ware), the Mantel-Haenszel and the Cox hazard ratio, for k
  groups and strata (labels are permuted within strata), by complete enumeration when the
  number of distinct label arrangements is small and by Monte Carlo otherwise.
* :func:`bootstrap`: case resampling (``boot::censboot(sim = "ordinary")``, optionally
  stratified by group) of the median, the Kaplan-Meier survival at a time, the RMST, the
  Mantel-Haenszel and the Cox hazard ratio, with the normal, basic, percentile and BCa intervals
  computed exactly as ``boot::boot.ci`` (:func:`boot_intervals`).

Modules
-------
``args``           argument checks shared by both routines
``engine``         seeded blocks, threads, progress (the result depends on ``seed`` only)
``statistics``     the statistics for a block of resamples at once (risk-set cells, weights,
                   the MH and Cox hazard ratios come from :mod:`harness.core`)
``kernels``        the compiled (numba) two-group sampler of the chisq / coin statistics
``combinatorics``  counting and listing label arrangements (exact tests)
``permutation``    :func:`permutation_test`, :func:`permutation_statistics`
``bootstrap``      :func:`bootstrap`
``intervals``      ``boot.ci``'s intervals: :func:`boot_intervals`, :func:`norm_inter`

Random numbers: the resamples are generated in blocks whose size depends only on ``n`` and
``B``; block ``i`` uses ``numpy.random.default_rng(SeedSequence(seed).spawn(...)[i])``
(``numpy.random.SFC64`` of that child for the compiled two-group sampler).
``seed=None`` draws fresh entropy and records it in the result (``seed`` attribute), so every
run can be repeated.

R equivalent: ``coin::logrank_test(..., distribution = approximate(nresample = B))`` and
``survdiff`` on permuted labels; ``boot::censboot(data, statistic, R = B, sim = "ordinary")``
with ``boot::boot.ci(..., type = c("norm", "basic", "perc", "bca"))``.
"""

from __future__ import annotations

from harness.resample.bootstrap import BOOTSTRAP_STATISTICS, BootstrapResult, bootstrap
from harness.resample.intervals import INTERVAL_TYPES, boot_intervals, norm_inter
from harness.resample.permutation import (
    PERMUTATION_STATISTICS,
    PermutationResult,
    permutation_statistics,
    permutation_test,
)

__all__ = [
    "BOOTSTRAP_STATISTICS",
    "INTERVAL_TYPES",
    "PERMUTATION_STATISTICS",
    "BootstrapResult",
    "PermutationResult",
    "boot_intervals",
    "bootstrap",
    "norm_inter",
    "permutation_statistics",
    "permutation_test",
]
