"""Differential fuzzing of the survival core against R ``survival`` in its own process.

``python -m harness.tools.fuzz --sets 5000 --report fuzz.md`` draws seeded data sets from nasty
families (:mod:`harness.tools.fuzz.generate`), computes every estimator in Python
(:mod:`harness.tools.fuzz.pyside`) and in a separate ``Rscript`` (``fuzz.R`` beside this
file; data and results pass as exact hex floats, never through the rpy2 bridge), and
classifies every
disagreement (:mod:`harness.tools.fuzz.compare`). A failing set is shrunk to a minimal example
(:mod:`harness.tools.fuzz.shrink`) and can be frozen as a regression test under
``tests/fuzz/regressions/``.
"""
