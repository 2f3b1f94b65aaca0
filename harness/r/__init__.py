"""R sources used by :mod:`harness.r.bridge` (package data)."""
