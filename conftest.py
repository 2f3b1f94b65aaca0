"""Project-wide pytest configuration: the hypothesis profile.

R gating (the ``r`` marker and fixture: skip without R locally, fail in CI) lives in the
harness's pytest plugin, :mod:`harness.pytest_plugin`, loaded through its entry point.
"""

from __future__ import annotations

import os

from hypothesis import settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Property tests draw new examples on every local run (that is how they find bugs); in CI
# they are derandomized, so a landing is judged on the same examples every time.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if IN_CI:
    settings.load_profile("ci")
