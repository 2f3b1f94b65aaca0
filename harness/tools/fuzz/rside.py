"""Run ``harness/tools/fuzz/fuzz.R`` in its own ``Rscript``; data and results as hex floats."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np

from harness.tools.fuzz.generate import FuzzSet

__all__ = ["R_SCRIPT", "r_values", "encode"]

R_SCRIPT = Path(str(resources.files("harness.tools.fuzz") / "fuzz.R"))
#: survdiff with ``timefix = FALSE`` (survival 3.5-3 cannot run it from a formula)
R_TIMEFIX = Path(str(resources.files("harness.r") / "timefix.R"))


def _hex(values) -> str:
    return ",".join(float(v).hex() for v in values)


def _ints(values) -> str:
    return "-" if values is None else ",".join(str(int(v)) for v in values)


def encode(s: FuzzSet, exact: bool) -> str:
    """One input line: id, times, status, group, strata, km times, tau, exact flag, timefix."""
    return "\t".join([s.id, _hex(s.time) or "-", _ints(s.status) if s.n else "-",
                      _ints(s.group), _ints(s.strata), _hex(s.km_times) or "-",
                      float(s.tau).hex(), "1" if exact else "0", "1" if s.timefix else "0"])


def _parse(text: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        sid, key, val = parts[0], parts[1], parts[2]
        d = out.setdefault(sid, {})
        if val == "ERR":
            d[key] = "ERR: " + (parts[3] if len(parts) > 3 else "")
        elif val == "TXT":
            d[key] = (d[key] + " | " if key in d else "") + (parts[3] if len(parts) > 3 else "")
        else:
            d[key] = np.nan if val == "NA" else float.fromhex(val) if "0x" in val else float(val)
    return out


def r_values(sets: list[FuzzSet], exact: dict[str, bool], timeout: float = 3600) -> dict:
    """``{set id: {key: value}}`` computed by R ``survival`` for every set (one process)."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        raise RuntimeError("Rscript not found: install R (scripts/setup.sh) to run the fuzz suite")
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = Path(tmp) / "in.tsv", Path(tmp) / "out.tsv"
        inp.write_text("\n".join(encode(s, exact[s.id]) for s in sets) + "\n")
        proc = subprocess.run([rscript, "--vanilla", str(R_SCRIPT), str(inp), str(outp),
                               str(R_TIMEFIX)],
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"Rscript fuzz.R failed: {proc.stderr.strip()[-500:]}")
        return _parse(outp.read_text())
