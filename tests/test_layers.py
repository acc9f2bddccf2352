"""The shape of the code: layers point one way, no import cycles, no module over 500 lines, no generated code."""

from __future__ import annotations

import re
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 500
# Modules allowed over the limit. Nothing may join this list.
OVER_THE_LIMIT: set[str] = set()


def test_the_import_layer_contracts_are_kept() -> None:
    # The contracts are in pyproject.toml ([tool.importlinter]); 0 means every one is kept.
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    m = stack.pop()
                    on.discard(m)
                    component.append(m)
                    if m == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("triage", "api")
    modules = {m for m in graph.modules if not m.endswith(".__init__")}
    # A package's __init__ importing its own modules is not a cycle a reader must untangle.
    packages = {m for m in modules if (ROOT / m.replace(".", "/") / "__init__.py").is_file()}
    assert _cycles(graph, modules - packages) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    class Fake:
        def find_modules_directly_imported_by(self, m: str) -> set[str]:
            return edges.get(m, set())

    assert _cycles(Fake(), {"a", "b", "c", "d"}) == [["a", "b", "c"]]  # type: ignore[arg-type]


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for folder in ("triage", "api")
        for p in (ROOT / folder).rglob("*.py")
        if "migrations" not in p.parts and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert set(long) <= OVER_THE_LIMIT, long


def test_no_code_is_generated_and_run() -> None:
    """Conditions and the question search are plain Python (``conditions.interpret``): nothing runs ``exec``.

    The builtin only: a database session's ``s.exec(select(...))`` is a query.
    """
    builtin_exec = re.compile(r"(?<![\w.])exec\s*\(")
    found = [
        f"{p.relative_to(ROOT)}:{i}: {line.strip()}"
        for folder in ("triage", "api")
        for p in sorted((ROOT / folder).rglob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "exec(compile" in line or builtin_exec.search(line)
    ]
    assert found == []
