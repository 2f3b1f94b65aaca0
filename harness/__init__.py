"""harness: validate published survival statistics against Python and R ``survival``."""

__version__ = "0.1.0"


def identify(data, **kwargs):
    """Which software conventions reproduce a printed number (``harness identify``).

    See :func:`harness.conventions.identify.identify` for the parameters; returns an
    :class:`~harness.conventions.identify.IdentifyResult`.

    R equivalent: one call per convention (e.g. ``survdiff(..., rho = 1)$chisq``).
    """
    from harness.conventions.identify import identify as _identify

    return _identify(data, **kwargs)
