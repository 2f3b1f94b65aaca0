"""The package's import graph: no cycles among harness modules (the bench registry aside),
and in the pseudo-IPD house (harness.ipd, harness.pack.comparisons) no private name imported
from another module. Imports are read from the source (module level and inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "harness"
#: the one allowed cycle: the bench registry and the benchmarks that register themselves
BENCH_REGISTRY = ("harness.tools.bench", "harness.tools.benchmarks")
#: packages whose modules import only public names from other modules
PUBLIC_ONLY = ("harness.ipd", "harness.pack.comparisons")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: set[str]):
    """(target module, imported names) for every import statement of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in known:
                    yield a.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                up = up[:len(up) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            if not base.startswith("harness"):
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                if sub in known:  # `from harness import ipd`: the submodule itself
                    yield sub, []
                elif base in known:
                    yield base, [a.name]


def graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {m: {t for t, _ in _imports(m, p, known) if t != m} for m, p in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(frozenset(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_cycle():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(g) == [frozenset({"a", "b", "c"})]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_graph_sees_function_local_imports():
    g = graph()
    # harness.cli imports the reconstruction inside cmd_reconstruct only
    assert "harness.ipd.reconstruct" in g["harness.cli"]


def test_no_import_cycles():
    found = [sorted(c) for c in cycles(graph())
             if not all(m.startswith(BENCH_REGISTRY) for m in c)]
    assert found == []


def test_ipd_evaluation_does_not_import_the_reconstruction():
    g = graph()
    for m in ("harness.ipd", "harness.ipd.io", "harness.ipd.recompute", "harness.ipd.evaluate"):
        assert not any(t.startswith("harness.ipd.reconstruct") for t in g[m]), m


def test_no_private_names_across_modules_in_the_ipd_house():
    mods = _modules()
    known = set(mods)
    bad = []
    for m, p in mods.items():
        if not m.startswith(PUBLIC_ONLY):
            continue
        for target, names in _imports(m, p, known):
            if target.startswith("harness"):
                bad += [f"{m} imports {target}.{n}" for n in names if n.startswith("_")]
    assert bad == []
