"""Build one case from TOML text and judge it (Python only unless use_r)."""

from __future__ import annotations

from harness.audit.checks import Context, run_check
from harness.pack.cases import load_pack
from tests.packs import PAPER, make_pack


def judge(tmp_path, case_toml: str, use_r: bool = False):
    pack = load_pack(make_pack(tmp_path, case_toml, PAPER))
    (case,) = pack.cases
    return run_check(case, Context(pack.paper, use_r=use_r))


def case_toml(statistic: str, published: str, inputs: str = "", extra: str = "",
              verdict: str = "consistent") -> str:
    reason = ', reason = "x"' if verdict in ("inconsistent", "decision_error") else ""
    return (f'[[case]]\nid = "c"\nwhere = {{ table = "T" }}\npublished = "{published}"\n'
            f'statistic = "{statistic}"\n' + (f"inputs = {inputs}\n" if inputs else "")
            + extra + f'expect = {{ verdict = "{verdict}"{reason} }}\n')
