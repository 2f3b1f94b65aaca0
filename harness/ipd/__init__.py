"""Pseudo individual patient data (IPD): the sets, their outcomes, and judging a paper by them.

A pack's ``ipd/`` folder holds ``comparisons.toml`` (what each set must satisfy, read by
:mod:`harness.pack.comparisons`), one CSV per set, ``outcomes.json`` (the verdicts) and
``ranges.json`` (the feasible ranges), all written by ``harness reconstruct``
(:mod:`harness.ipd.reconstruct`).

Modules
-------
``io``           the one owner of the CSV and ``outcomes.json`` formats, both ways
``recompute``    every statistic of a comparison from its set, Python and R (to 1e-9);
                 the seeded resampling variants apart (:func:`~harness.ipd.recompute.resampled`)
``evaluate``     printed numbers judged against the sets (targeted / dropped / held out),
                 the variant spread: :func:`evaluate_pack` gives what the reports render
``feasible``     stored feasible ranges read back when their content hash matches, and the
                 printed numbers they cover judged (reachable or not)
``reconstruct/`` the search that builds the sets and their feasible ranges (uses ``io`` and
                 ``recompute``; nothing here imports it); ``reconstruct/pooled`` rebuilds the
                 members of a cohort with its pooled rates (``ipd/pooled/``, witness sets for
                 the pooled constraints)

R equivalent: ``harness_ipd_stats`` (harness/r/ipd.R).
"""

from harness.ipd.evaluate import (
    VARIANT_KEYS,
    VARIANT_LABELS,
    ComparisonResult,
    StatRow,
    evaluate,
    evaluate_pack,
    has_ipd,
    variant_spread,
)
from harness.ipd.io import (
    OUTCOMES_FILE,
    ComparisonOutcome,
    IPDSet,
    read_csv,
    read_outcomes,
    write_outcomes,
)
from harness.ipd.recompute import RESAMPLED_KEYS, Recomputed, resampled

__all__ = [
    "OUTCOMES_FILE", "RESAMPLED_KEYS", "VARIANT_KEYS", "VARIANT_LABELS", "ComparisonOutcome",
    "ComparisonResult", "IPDSet", "Recomputed", "StatRow", "evaluate", "evaluate_pack",
    "has_ipd", "read_csv", "read_outcomes", "resampled", "variant_spread", "write_outcomes",
]
