"""Progress bars: on a terminal only, quiet when piped (harness/progress.py)."""

import io

from harness import progress as prog


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_piped_output_gets_no_bar(monkeypatch, capsys):
    monkeypatch.delenv("HARNESS_PROGRESS", raising=False)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    items = [1, 2, 3]
    assert prog.progress(items, total=3, desc="x") is items  # unchanged, nothing written
    assert not prog.enabled()


def test_a_terminal_gets_a_tqdm_bar(monkeypatch):
    monkeypatch.delenv("HARNESS_PROGRESS", raising=False)
    tty = _Tty()
    monkeypatch.setattr("sys.stderr", tty)
    assert prog.enabled()
    assert list(prog.progress(range(4), total=4, desc="reconstruct")) == [0, 1, 2, 3]
    assert "reconstruct" in tty.getvalue()  # tqdm drew on the terminal


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("HARNESS_PROGRESS", "0")
    monkeypatch.setattr("sys.stderr", _Tty())
    assert not prog.enabled()
    monkeypatch.setenv("HARNESS_PROGRESS", "1")
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert prog.enabled()
