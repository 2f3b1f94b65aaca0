"""Bounds on a reconstruction's work: a time budget per comparison and a size limit.

The search is a stochastic search; on a large study it can run for a long time without
reaching every printed number. Two bounds keep ``harness reconstruct`` honest and finite:

* :data:`MAX_PATIENTS` patients per comparison (sum of the group sizes, or the cohort's size
  when sizes are searched): above it the command refuses before any work (exit 2, naming the
  comparison, its size and the limit). Every candidate costs ``O(n log n)`` and the search
  needs more moves as ``n`` grows, so far larger sets cannot be rebuilt in useful time.
* a **time budget** per comparison (:data:`DEFAULT_SECONDS`, ``--time-budget``), in CPU
  seconds of the process doing the work: when it runs out, the search stops with the best set
  found so far and the verdict is ``unresolved`` with the reason "stopped at the time budget
  after X s; best set misses: ...". CPU time, not wall time, so that a loaded machine (the
  shared 2-core test machine runs at a load of 10) does not stop a search that an idle one
  finishes: the seed pack's slowest comparison needs ~30 CPU s. A run that stops at the budget
  still depends on the machine's speed and is *not* reproducible byte for byte; a run that
  finishes within it is.
"""

from __future__ import annotations

import time

#: most patients in one comparison ``harness reconstruct`` accepts (documented in README)
MAX_PATIENTS = 5000
#: default time budget per comparison, in CPU seconds (``harness reconstruct --time-budget``)
DEFAULT_SECONDS = 120.0


class Budget:
    """A CPU-time budget for one comparison (``None`` seconds: unbounded).

    ``expired()`` is checked by the search loops (every few hundred candidates); once it is
    true it stays true, and ``hit`` records that the budget stopped the work.
    """

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds
        self.start = time.process_time()
        self.hit = False

    def elapsed(self) -> float:
        return time.process_time() - self.start

    def expired(self) -> bool:
        if self.hit:
            return True
        if self.seconds is not None and self.elapsed() > self.seconds:
            self.hit = True
        return self.hit


#: the budget of a search called without one (never expires)
UNBOUNDED = Budget(None)
