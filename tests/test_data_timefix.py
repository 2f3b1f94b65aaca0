"""``method.timefix`` in data-backed cases: R's aeqSurv (harness/core/timefix.py) on by default,
``timefix = false`` to keep nearly equal times apart; both sides (Python and harness/r/data.R)
follow the case.

The data are the hand-made near-equal times of tests/results/make_reference.R (section
"timefix"), written to a CSV with all 17 digits. Without R: the frozen chi-squares printed
there are reproduced with timefix on and not off (and the other way round), and a bad option
is a case-file error. With R: every survival family is recomputed with timefix on and off and
its printed value (R's own number from the bridge, code beside it) is consistent, with R and
Python agreeing to 1e-9.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.audit.checks import Context, run_check
from harness.errors import CaseFileError
from harness.pack.cases import load_pack
from tests.frozen import ref

PACK = """[paper]
id = "tfdemo"
title = "t"
citation = "c"
alpha = 0.05

[[data]]
id = "tf"
file = "data/tf.csv"
time = "time"
event = "status"
columns = { time = "number", status = "number", g = "string", s = "string" }
"""

ALL = '{ source = "tf" }'
BY_G = '{ source = "tf", group = "g" }'


def _write(root: Path, cases: str) -> Path:
    (root / "data").mkdir(parents=True, exist_ok=True)
    rows = zip(ref("timefix/hand/input"), ref("timefix/hand/status"), ref("timefix/hand/g"),
               ref("timefix/hand/s"))
    (root / "data" / "tf.csv").write_text(
        "time,status,g,s\n" + "".join(f"{float(t)!r},{int(e)},{int(g)},{int(s)}\n"
                                      for t, e, g, s in rows), encoding="utf-8")
    (root / "pack.toml").write_text(PACK, encoding="utf-8")
    (root / "c.toml").write_text(cases, encoding="utf-8")
    return root


def _case(cid, statistic, data, method, published, verdict="consistent") -> str:
    reason = ', reason = "x"' if verdict != "consistent" else ""
    return (f'[[case]]\nid = "{cid}"\nwhere = {{ table = "T" }}\npublished = "{published}"\n'
            f'statistic = "{statistic}"\ndata = {data}\n'
            + (f"method = {method}\n" if method else "")
            + f'expect = {{ verdict = "{verdict}"{reason} }}\n')


@pytest.mark.parametrize("method, on, off", [
    ("", "consistent", "inconsistent"),
    ("{ timefix = true }", "consistent", "inconsistent"),
    ("{ timefix = false }", "inconsistent", "consistent"),
])
def test_logrank_chisq_follows_timefix_without_r(tmp_path, method, on, off):
    # printed: R's survdiff chisq with timefix on (0.2525) and off (0.1782), frozen
    text = "\n".join([
        _case("on", "logrank_chisq_from_data", BY_G, method,
              f"{ref('timefix/survdiff/on/rho0/chisq')[0]:.4f}", on),
        _case("off", "logrank_chisq_from_data", BY_G, method,
              f"{ref('timefix/survdiff/off/rho0/chisq')[0]:.4f}", off)])
    pack = load_pack(_write(tmp_path, text))
    got = {c.id: run_check(c, Context(pack.paper, use_r=False)) for c in pack.cases}
    assert got["on"].verdict == on and got["off"].verdict == off
    if "false" in method:
        assert "timefix off" in got["on"].message


@pytest.mark.parametrize("method, key, words", [
    ('{ timefix = "no" }', "method.timefix", "boolean"),
])
def test_bad_timefix_option_is_a_case_file_error(tmp_path, method, key, words):
    with pytest.raises(CaseFileError) as err:
        load_pack(_write(tmp_path, _case("c", "logrank_chisq_from_data", BY_G, method, "1")))
    assert err.value.key.endswith(key) and words in err.value.message


def test_timefix_does_not_apply_to_counts(tmp_path):
    with pytest.raises(CaseFileError) as err:
        load_pack(_write(tmp_path, _case("c", "count_from_data", ALL, "{ timefix = false }",
                                         "16")))
    assert err.value.key.endswith("method.timefix") and "does not apply" in err.value.message


# ------------------------------------------------------------------------------ with R
# (statistic, data, method without timefix, R code with `tf`, printed decimals)
R_CASES = [
    ("km_survival_at", BY_G.replace("}", ', level = "1" }'), "time = 1",
     "summary(survfit(Surv(time, status) ~ 1, subset(d, g == 1), timefix = tf), times = 1)"
     "$surv", 6),
    ("median_from_data", ALL, "", "quantile(survfit(Surv(time, status) ~ 1, d, timefix = tf),"
     " 0.5)$quantile", 9),
    ("logrank_p_from_data", '{ source = "tf", group = "g", strata = "s" }', "",
     "harness_survdiff(Surv(time, status) ~ g + strata(s), d, timefix = tf)$pvalue", 6),
    ("hr_from_data", BY_G, 'hr_method = "mantel-haenszel"',
     "{x <- harness_survdiff(Surv(time, status) ~ g, d, timefix = tf); "
     "exp((x$obs[2] - x$exp[2]) / x$var[2, 2])}", 6),
    ("hr_from_data", BY_G, 'hr_method = "cox", ties = "exact"',
     "exp(coef(coxph(Surv(time, status) ~ g, d, ties = 'exact', "
     "control = coxph.control(timefix = tf))))", 6),
    ("cox_coef_from_data", BY_G, "",
     "coef(coxph(Surv(time, status) ~ g, d, control = coxph.control(timefix = tf)))", 6),
    ("rmst_from_data", ALL, "tau = 5",
     "summary(survfit(Surv(time, status) ~ 1, d, timefix = tf), rmean = 5)$table['rmean']", 9),
]


@pytest.mark.r
@pytest.mark.parametrize("tf", [True, False])
def test_every_survival_family_agrees_with_r_timefix_on_and_off(tmp_path, r, tf):
    root = _write(tmp_path, "")
    d = r.evaluate("read.csv(p, colClasses = c('numeric', 'numeric', 'character', "
                   "'character'))", p=str(root / "data" / "tf.csv"))
    texts = []
    for i, (stat, data, method, code, digits) in enumerate(R_CASES):
        value = float(r.evaluate(code, d=d, tf=tf))
        opts = ", ".join(x for x in (method, "" if tf else "timefix = false") if x)
        texts.append(_case(f"c{i}", stat, data, f"{{ {opts} }}" if opts else "",
                           f"{value:.{digits}f}"))
    (root / "c.toml").write_text("\n".join(texts), encoding="utf-8")
    pack = load_pack(root)
    for c in pack.cases:
        rec = run_check(c, Context(pack.paper, use_r=True))
        assert rec.verdict == "consistent", (c.id, rec.message)
        assert rec.r is not None and "disagree" not in rec.message, (c.id, rec.message)
