"""Case packs: loading, schema validation and parsing of published values.

A pack is a folder: ``pack.toml`` describes the paper, every other ``*.toml`` file holds
cases (``[[case]]`` tables). Files are read with :mod:`tomllib` (data only, no code), checked
against :mod:`harness.pack.schema`, and every published value is parsed with the parser its
estimand names, so a malformed pack fails at load time with the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import CaseFileError
from harness.pack import printed, registry, sanity, schema
from harness.verdict import FINDINGS

PACK_FILE = "pack.toml"


@dataclass(frozen=True)
class Paper:
    """What a pack says about its paper."""

    id: str
    title: str
    citation: str
    alpha: float
    significant_if: str = "p <= alpha"
    software: tuple[str, ...] = ()
    source: str = ""
    note: str = ""

    def significant(self, p: float) -> bool:
        """The paper's own significance call for a p-value."""
        return p <= self.alpha if self.significant_if == "p <= alpha" else p < self.alpha


@dataclass(frozen=True)
class Expect:
    verdict: str
    reason: str = ""

    @property
    def is_finding(self) -> bool:
        return self.verdict in FINDINGS


@dataclass(frozen=True)
class Case:
    """One published statistic and what is needed to judge it.

    ``published`` keeps the text exactly as printed; ``value`` is its parsed form.
    """

    pack: str
    file: str
    index: int
    id: str
    where: dict[str, str]
    published: str
    statistic: str
    expect: Expect
    value: Any
    method: str = ""
    tests: tuple[str, ...] = ()
    endpoint: str = ""
    origin: str = ""
    groups: tuple[str, ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    data: Any = None  # harness.pack.data.DataRef for a data-backed case
    options: dict[str, Any] = field(default_factory=dict)  # its ``method = {...}``
    review: str = ""  # a draft's mark: what a reader must confirm (``harness extract``)

    @property
    def full_id(self) -> str:
        """Stable id across packs: ``pack::file-stem::case-id``."""
        return f"{self.pack}::{Path(self.file).stem}::{self.id}"

    @property
    def estimand(self) -> registry.Estimand:
        return registry.get(self.statistic)

    @property
    def source(self) -> str:
        """Where the number stands, for reports: 'Table 2, Gender, p Value'."""
        w = self.where
        parts = [w.get(k) for k in ("section", "table", "figure", "row", "column") if w.get(k)]
        if w.get("quote"):
            parts.append(f'"{w["quote"]}"')
        return ", ".join(parts)

    def key(self, name: str) -> str:
        """Dotted location of a field of this case, for error messages."""
        return f"case[{self.index}] (id {self.id!r}).{name}"


@dataclass(frozen=True)
class Pack:
    """A loaded, validated case pack."""

    path: Path
    paper: Paper
    cases: tuple[Case, ...]

    @property
    def id(self) -> str:
        return self.paper.id


def _read_toml(path: Path) -> dict[str, Any]:
    """TOML from ``path``; a UTF-8 byte order mark is accepted, anything else that is not
    UTF-8 TOML (or nests too deeply to read) is a :class:`CaseFileError` naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CaseFileError(str(path), "", f"cannot be read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise CaseFileError(str(path), "", f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at "
                            f"line {line} (save the file as UTF-8)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseFileError(str(path), "", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise CaseFileError(str(path), "", "nested too deeply to be a case file") from None


def load_paper(path: Path) -> Paper:
    """Read and validate ``pack.toml``."""
    data = _read_toml(path)
    schema.validate(data, schema.PAPER_SCHEMA, str(path))
    p = data["paper"]
    return Paper(
        id=p["id"],
        title=p["title"],
        citation=p["citation"],
        alpha=float(p["alpha"]),
        significant_if=p.get("significant_if", "p <= alpha"),
        software=tuple(p.get("software", ())),
        source=p.get("source", ""),
        note=p.get("note", ""),
    )


def load_case_file(path: Path, paper: Paper) -> list[Case]:
    """Read, validate and parse one case file of a pack."""
    data = _read_toml(path)
    file = str(path)
    schema.validate(data, schema.case_file_schema(), file)
    cases = []
    seen: set[str] = set()
    for i, raw in enumerate(data["case"]):
        est = registry.get(raw["statistic"])
        prefix = f"case[{i}] (id {raw['id']!r})"
        if raw["id"] in seen:
            raise CaseFileError(file, f"{prefix}.id", f"duplicate id {raw['id']!r} in this file")
        seen.add(raw["id"])
        schema.validate(raw.get("inputs", {}), est.inputs or {"type": "object"}, file,
                        f"{prefix}.inputs")
        try:
            value = printed.parse(est.printed, raw["published"])
        except ValueError as exc:
            raise CaseFileError(
                file, f"{prefix}.published", f"{exc}; {est.name} is printed as a {est.printed}"
            ) from None
        tests = tuple(raw.get("tests", est.tests))
        bad = [t for t in tests if t not in est.tests]
        if bad:
            raise CaseFileError(
                file, f"{prefix}.tests",
                f"{bad!r} do not apply to {est.name}; expected some of {list(est.tests)}",
            )
        _check_printed_inputs(raw.get("inputs", {}), file, f"{prefix}.inputs")
        sanity.check_case(raw, est, value, file, prefix)
        ref, options = _data_ref(raw, est, path, prefix)
        expect = raw["expect"]
        cases.append(
            Case(
                pack=paper.id,
                file=file,
                index=i,
                id=raw["id"],
                where=dict(raw["where"]),
                published=raw["published"],
                statistic=raw["statistic"],
                expect=Expect(expect["verdict"], expect.get("reason", "")),
                value=value,
                method=raw["method"] if isinstance(raw.get("method"), str) else
                options.get("describe", ""),
                tests=tests,
                endpoint=raw.get("endpoint", ""),
                origin=raw.get("origin", ""),
                groups=tuple(raw.get("groups", ())),
                inputs=raw.get("inputs", {}),
                note=raw.get("note", ""),
                data=ref,
                options=options,
                review=raw.get("review", ""),
            )
        )
    return cases


def _data_ref(raw: dict[str, Any], est: registry.Estimand, path: Path, prefix: str):
    """The data reference and method options of a data-backed case (``None, {}`` otherwise)."""
    from harness.pack import data

    return data.case_data(raw, est, path, prefix)


def _check_printed_inputs(inputs: dict[str, Any], file: str, prefix: str) -> None:
    """Inputs that are printed text (``mean_sd``, ``median_range``, ``hr``, ``ci``, a group's
    ``median``, an occurrence's ``published``) must parse too; ``of`` must be an estimand."""
    for gi, group in enumerate(inputs.get("groups", [])):
        for kind, parser in (("mean_sd", "mean_sd"), ("median_range", "median_range"),
                             ("median", "number")):
            if kind in group:
                try:
                    printed.parse(parser, group[kind])
                except ValueError as exc:
                    raise CaseFileError(file, f"{prefix}.groups[{gi}].{kind}", str(exc)) from None
    for key, parser in (("hr", "number"), ("ci", "interval")):
        if key in inputs:
            try:
                printed.parse(parser, inputs[key])
            except ValueError as exc:
                raise CaseFileError(file, f"{prefix}.{key}", str(exc)) from None
    for oi, occ in enumerate(inputs.get("occurrences", [])):
        try:
            printed.parse("p_value", occ["published"])
        except ValueError as exc:
            raise CaseFileError(file, f"{prefix}.occurrences[{oi}].published", str(exc)) from None
    if "occurrences" in inputs and inputs.get("of") not in registry.ESTIMANDS:
        raise CaseFileError(file, f"{prefix}.of", f"unknown estimand {inputs['of']!r}; "
                            f"registered: {', '.join(sorted(registry.ESTIMANDS))}")


def load_pack(path: str | Path) -> Pack:
    """Load a pack folder (or its ``pack.toml``); every ``*.toml`` beside it is a case file.

    Raises
    ------
    CaseFileError
        The folder has no ``pack.toml``, a file is not valid TOML or breaks the schema, a
        published value does not parse, or two cases share an id.
    """
    root = Path(path)
    if root.is_file():
        root = root.parent
    pack_file = root / PACK_FILE
    if not pack_file.is_file():
        raise CaseFileError(str(root), "", f"not a case pack: {PACK_FILE} is missing")
    paper = load_paper(pack_file)
    cases: list[Case] = []
    for file in case_files(root):
        cases += load_case_file(file, paper)  # ids are unique per file; full ids add the stem
    if not cases:
        raise CaseFileError(str(root), "", "the pack has no case files (*.toml with [[case]])")
    return Pack(root, paper, tuple(cases))


def case_files(root: Path) -> list[Path]:
    """The case files of a pack folder, sorted by name."""
    return sorted(f for f in root.glob("*.toml") if f.name != PACK_FILE)


def is_case_file(file: Path) -> bool:
    """A ``*.toml`` file, other than ``pack.toml``, in a folder that holds ``pack.toml``."""
    return (file.suffix == ".toml" and file.name != PACK_FILE
            and (file.parent / PACK_FILE).is_file())
