"""The corpus of hostile and careless inputs (``tests/badinput/*.toml``), run in-process.

Each entry is data: the command line (or API call), the files it needs (written into
``tmp_path``), the exit code and message fragments expected. Every entry must end with its
code, show its fragments, and never print a traceback. Add an entry for every new bad input.

Placeholders in ``argv`` and file texts: ``{tmp}`` (the test's folder), ``{pack}`` (the pack
written from ``case``), ``{csv}`` (the CSV written from ``csv``), ``{seed}`` (the bundled seed
pack); ``{{nest:N}}`` in a file text becomes N nested brackets.
"""

from __future__ import annotations

import importlib
import re
import sys
import tomllib
from pathlib import Path

import pytest

from harness.cli import main
from tests.packs import PAPER

HERE = Path(__file__).parent / "badinput"
SEED = Path(__file__).resolve().parent.parent / "cases" / "stork2022"
CLASSES = {
    "impossible_printed": "impossible or degenerate printed values",
    "schema_miss": "inputs the schema misses (shapes, encodings, nesting)",
    "crosscheck_input": "crosscheck data and options",
    "groups": "group labels: order, reference, merged or lost labels",
    "out_path": "--out into a missing folder, a folder, an unwritable path",
    "packs": "pack arguments: twice, a case file, not a pack",
    "exit_codes": "usage errors, internal errors, gates, broken pipes",
    "scale": "sizes that must not hang",
}


def _entries() -> list[dict]:
    out = []
    for file in sorted(HERE.glob("*.toml")):
        with file.open("rb") as fh:
            for e in tomllib.load(fh)["entry"]:
                e["_file"] = file.name
                out.append(e)
    return out


ENTRIES = _entries()


def _params():
    for e in ENTRIES:
        marks = [pytest.mark.r] if e.get("r") else []
        yield pytest.param(e, id=e["id"], marks=marks)


def _subst(text: str, tmp: Path) -> str:
    text = re.sub(r"\{\{nest:(\d+)\}\}", lambda m: "[" * int(m[1]) + "1" + "]" * int(m[1]),
                  text)
    for key, value in (("{tmp}", tmp), ("{pack}", tmp / "pack"), ("{csv}", tmp / "data.csv"),
                       ("{seed}", SEED)):
        text = text.replace(key, str(value))
    return text


def _write(path: Path, text: str, entry: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode(entry.get("encoding", "utf-8"))
    if entry.get("bom"):
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def _materialize(entry: dict, tmp: Path) -> None:
    if "case" in entry:
        (tmp / "pack").mkdir()
        (tmp / "pack" / "pack.toml").write_text(entry.get("paper", PAPER), encoding="utf-8")
        _write(tmp / "pack" / "table1.toml", _subst(entry["case"], tmp), entry)
    if "csv" in entry:
        _write(tmp / "data.csv", _subst(entry["csv"], tmp), entry)
    for name, text in entry.get("files", {}).items():
        _write(tmp / name, _subst(text, tmp), {})


class _BrokenPipe:
    """A stdout whose reader has gone: every write raises EPIPE."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self):
        raise OSError("no file descriptor")


def _run_cli(entry: dict, tmp: Path, capsys, monkeypatch) -> tuple[int, str, str]:
    argv = [_subst(a, tmp) for a in entry["argv"]]
    if entry.get("broken_pipe"):
        monkeypatch.setattr(sys, "stdout", _BrokenPipe())
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    finally:
        if entry.get("broken_pipe"):
            monkeypatch.undo()
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _run_api(entry: dict, tmp: Path) -> tuple[int, str, str]:
    module, name = entry["api"].split(":")
    func = getattr(importlib.import_module(module), name)
    args = [_subst(a, tmp) if isinstance(a, str) else a for a in entry.get("args", [])]
    try:
        result = func(*args, **entry.get("kwargs", {}))
    except Exception as exc:  # noqa: BLE001  (the entry names the class it expects)
        return (2 if type(exc).__name__ == entry.get("raises") else 3), "", str(exc)
    return 0, repr(result), ""


@pytest.mark.parametrize("entry", _params())
def test_bad_input(entry, tmp_path, capsys, monkeypatch):
    for key, value in entry.get("env", {}).items():
        monkeypatch.setenv(key, value)
    _materialize(entry, tmp_path)
    if "api" in entry:
        code, out, err = _run_api(entry, tmp_path)
    else:
        code, out, err = _run_cli(entry, tmp_path, capsys, monkeypatch)
    shown = f"exit {code}\n--- stdout\n{out[-2000:]}\n--- stderr\n{err[-2000:]}"
    assert code == entry["exit"], shown
    assert "Traceback" not in err, shown
    for frag in _list(entry.get("stderr")):
        assert _subst(frag, tmp_path) in err, shown
    for frag in _list(entry.get("stdout")):
        assert _subst(frag, tmp_path) in out, shown
    for frag in _list(entry.get("not_stdout")):
        assert frag not in out, shown
    if code == 3:  # an internal error says where its traceback went, and it is there
        m = re.search(r"traceback written to (\S+)", err)
        assert m and Path(m[1]).read_text().startswith("Traceback"), shown
        Path(m[1]).unlink()


def _list(x) -> list[str]:
    return [] if x is None else [x] if isinstance(x, str) else list(x)


def test_corpus_is_large_and_covers_every_class():
    assert len(ENTRIES) >= 100
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    assert {e["class"] for e in ENTRIES} == set(CLASSES)
    for e in ENTRIES:
        assert e["exit"] in (0, 1, 2, 3), e["id"]
        assert e.get("stderr") or e.get("stdout") or e["exit"] == 0, \
            f"{e['id']}: a failing entry names the message it expects"
