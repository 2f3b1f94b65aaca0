"""The corpus of hostile and careless inputs (``tests/badinput/*.toml``), run in-process.

Each entry is data: the command line (or API call), the files it needs (written into
``tmp_path``), the exit code and message fragments expected. Every entry must end with its
code, show its fragments, and never print a traceback. Add an entry for every new bad input.

Placeholders in ``argv`` and file texts: ``{tmp}`` (the test's folder), ``{pack}`` (the pack
written from ``case``), ``{csv}`` (the CSV written from ``csv``), ``{seed}`` (the bundled seed
pack); ``{{nest:N}}`` in a file text becomes N nested brackets.

``copy = "tests/packs/othertrial"`` copies a pack of the repository to ``{pack}``; then each
``edit = [{ file, old, new }]`` replaces text in one of its files (``old`` must be there once), and
``append_hex = { file, hex }`` appends raw bytes to one.
"""

from __future__ import annotations

import importlib
import re
import shutil
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
    "comparisons": "comparisons.toml against its cases, pseudo-IPD CSVs, stale sets",
    "method_options": "options of the weighted log-rank family, max-combo and exponential LR",
}
ROOT = Path(__file__).resolve().parent.parent


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
    if "copy" in entry:
        shutil.copytree(ROOT / entry["copy"], tmp / "pack")
    for e in entry.get("edit", []):
        path = tmp / "pack" / e["file"]
        text = path.read_text(encoding="utf-8")
        assert text.count(e["old"]) == 1, f"{entry['id']}: {e['old']!r} not once in {e['file']}"
        path.write_text(text.replace(e["old"], e["new"]), encoding="utf-8")
    if "append_hex" in entry:
        with (tmp / "pack" / entry["append_hex"]["file"]).open("ab") as fh:
            fh.write(bytes.fromhex(entry["append_hex"]["hex"]))
    if "case" in entry:
        (tmp / "pack").mkdir()
        (tmp / "pack" / "pack.toml").write_text(entry.get("paper", PAPER), encoding="utf-8")
        _write(tmp / "pack" / "table1.toml", _subst(entry["case"], tmp), entry)
    if "csv" in entry:
        _write(tmp / "data.csv", _subst(entry["csv"], tmp), entry)
    if "pack_gen" in entry:  # the seed pack's cases repeated to n (harness/tools/bigpack.py)
        from harness.tools.bigpack import make_big_pack

        make_big_pack(tmp / "pack", **entry["pack_gen"])
    if "csv_gen" in entry:
        _write(tmp / "data.csv", _generated_csv(**entry["csv_gen"]), {})
    for name, text in entry.get("files", {}).items():
        _write(tmp / name, _subst(text, tmp), {})


def _generated_csv(n: int, distinct_times: int, seed: int) -> str:
    """``t,e,g`` with ``n`` rows: times drawn from 1..distinct_times (many ties), two groups."""
    import numpy as np

    rng = np.random.default_rng(seed)
    t = rng.integers(1, distinct_times + 1, n)
    e = rng.integers(0, 2, n)
    g = np.where(rng.random(n) < 0.5, "a", "b")
    return "t,e,g\n" + "".join(f"{a},{b},{c}\n" for a, b, c in zip(t, e, g))


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


def test_internal_error_exits_3_with_traceback_file(monkeypatch, capsys):
    import harness.cli

    def boom(args):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(harness.cli, "cmd_audit", boom)
    assert main(["audit", "--no-r"]) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "internal error in audit (ZeroDivisionError: simulated bug)" in err
    assert "not a finding" in err
    path = Path(re.search(r"traceback written to (\S+)", err)[1])
    text = path.read_text()
    path.unlink()
    assert "Traceback" in text and "simulated bug" in text


def test_internal_error_harness_debug_prints_traceback(monkeypatch, capsys):
    import harness.cli

    def boom(args):
        raise KeyError("simulated")

    monkeypatch.setattr(harness.cli, "cmd_crosscheck", boom)
    monkeypatch.setenv("HARNESS_DEBUG", "1")
    assert main(["crosscheck", "x.csv", "--time", "t", "--event", "e"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "traceback above" in err


def test_real_broken_pipe_exits_quietly(tmp_path):
    """``harness audit | head -1`` in a real shell: no traceback, the audit's exit code."""
    import subprocess

    from tests.packs import make_pack

    pack = make_pack(tmp_path / "pack")
    exe = Path(sys.executable).parent / "harness"
    cmd = f"'{exe}' audit '{pack}' --no-r | head -1; exit ${{PIPESTATUS[0]}}"
    res = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stderr == "" and len(res.stdout.splitlines()) == 1
