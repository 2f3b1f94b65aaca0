"""Exceptions shared by the whole package.

Every error names what is wrong in words a user can act on: the case file and key for a
malformed pack, the missing package for an unusable R, R's own message for an R failure.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base class of the harness's own errors."""


class CaseFileError(HarnessError, ValueError):
    """A case file that cannot be read or does not follow the schema.

    Parameters
    ----------
    file : str
        Path of the case file.
    key : str
        Dotted location of the offending value (``case[3].published``); empty for the file.
    message : str
        What was expected and what was found.
    """

    def __init__(self, file: str, key: str, message: str):
        self.file = str(file)
        self.key = key
        self.message = message
        where = f"{self.file}: {key}: " if key else f"{self.file}: "
        super().__init__(where + message)


class RUnavailable(HarnessError, RuntimeError):
    """R cannot be used; ``reason`` says why (no R, a missing R package, rpy2 cannot load)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class RError(HarnessError, RuntimeError):
    """R raised an error; the message is R's own."""

    def __init__(self, call: str, r_message: str):
        self.call = call
        self.r_message = r_message.strip()
        super().__init__(f"R error in {call}: {self.r_message}")
