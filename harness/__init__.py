"""harness: validate published survival statistics against Python and R ``survival``."""

__version__ = "0.1.0"
