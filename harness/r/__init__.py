"""R sources used by :mod:`harness.rbridge` (package data)."""
