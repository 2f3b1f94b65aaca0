"""Honest exit codes for the command line, and the checks made before any work starts.

``harness`` exits 0 when a command ran (findings are results), 1 only when a requested gate
matched (``--fail-on``, a Python-vs-R disagreement), 2 on bad usage or bad input (a case-file
error, an unreadable CSV, an option out of range, an unwritable ``--out``, an unusable R) and
3 on an internal error. An internal error prints one line on stderr saying where the traceback
was written (a file in the temporary folder); with ``HARNESS_DEBUG=1`` the traceback itself is
printed instead. A reader that closes the pipe early (``harness audit | head``) ends the output
quietly: the rest is discarded and the command's own exit code stands.

R equivalent: not applicable (command-line plumbing).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from harness.errors import CaseFileError, HarnessError, RUnavailable

OK, GATE, USAGE, INTERNAL = 0, 1, 2, 3


class InputError(HarnessError, ValueError):
    """Bad usage or input that is not a case file: an option value, a data file, a path."""


class _QuietPipe:
    """A stdout whose writes stop silently once the reader has gone (EPIPE)."""

    def __init__(self, stream):
        self._stream = stream
        self.closed_by_reader = False

    def write(self, text: str) -> int:
        if self.closed_by_reader:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._reader_gone()
            return len(text)

    def flush(self) -> None:
        if self.closed_by_reader:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._reader_gone()

    def _reader_gone(self) -> None:
        self.closed_by_reader = True
        try:  # so the interpreter's final flush of the real stdout cannot fail either
            fd = self._stream.fileno()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            os.close(devnull)
        except (AttributeError, OSError, ValueError):
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _internal_error(command: str, exc: BaseException) -> int:
    text = "".join(traceback.format_exception(exc))
    what = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    if os.environ.get("HARNESS_DEBUG", "") not in ("", "0"):
        sys.stderr.write(text)
        print(f"harness: internal error in {command} ({what}); traceback above", file=sys.stderr)
        return INTERNAL
    try:
        fd, path = tempfile.mkstemp(prefix="harness-traceback-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        where = f"traceback written to {path}"
    except OSError:
        where = "the traceback could not be saved; rerun with HARNESS_DEBUG=1 to see it"
    print(f"harness: internal error in {command} ({what}); {where} "
          "(HARNESS_DEBUG=1 prints it); this is a bug in harness, not a finding",
          file=sys.stderr)
    return INTERNAL


def run_guarded(command: str, body: Callable[[], int]) -> int:
    """Run one command and map every way it can end to an honest exit code."""
    real = sys.stdout
    quiet = _QuietPipe(real)
    sys.stdout = quiet
    try:
        code = body()
        quiet.flush()
        return code
    except CaseFileError as exc:
        print(f"harness: case file error: {exc}", file=sys.stderr)
        return USAGE
    except RUnavailable as exc:
        print(f"harness: R is not usable: {exc.reason} (or run with --no-r)", file=sys.stderr)
        return USAGE
    except InputError as exc:
        print(f"harness: {command}: {exc}", file=sys.stderr)
        return USAGE
    except BrokenPipeError:  # a write outside our stdout wrapper (e.g. a library's own handle)
        quiet._reader_gone()
        return OK
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001  (the one place every other failure ends up)
        return _internal_error(command, exc)
    finally:
        if sys.stdout is quiet:
            sys.stdout = real


def check_out_file(path: Path | None, option: str = "--out") -> None:
    """Fail before the work when ``path`` cannot be written as a file.

    Refused: a folder, a path whose folder does not exist (or is not a folder), a path that
    cannot be opened for writing. An existing file is left untouched by the probe.
    """
    if path is None:
        return
    if path.is_dir():
        raise InputError(f"{option} {path} is a folder; give a file name inside it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise InputError(f"{option} {path}: the folder {parent} does not exist (create it first)")
    if not parent.is_dir():
        raise InputError(f"{option} {path}: {parent} is not a folder")
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise InputError(f"{option} {path} cannot be written: {exc.strerror or exc}") from None
    if not existed:
        path.unlink(missing_ok=True)


def check_out_dir(path: Path | None, option: str = "--out") -> None:
    """Fail before the work when ``path`` cannot hold written files.

    A missing folder is refused unless its parent exists (then it is created by the command);
    a file is refused; a folder that cannot be written is refused.
    """
    if path is None:
        return
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path} is a file, not a folder")
    target = path if path.exists() else path.parent
    if not target.is_dir():
        raise InputError(f"{option} {path}: the folder {path.parent} does not exist "
                         "(create it first)")
    try:
        fd, probe = tempfile.mkstemp(prefix=".harness-write-probe-", dir=target)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{option} {path} cannot be written: {exc.strerror or exc}") from None
