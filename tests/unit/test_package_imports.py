"""No import cycles between the packages; each imports alone; the code location (orchestration) imports
neither its client (c360: the command and the in-process runner) nor the tools (c360_tools)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import orchestration

ROOT = Path(orchestration.__file__).parents[1]
PACKAGES = ("orchestration", "c360", "c360_tools")
CLIENTS = ("c360", "c360_tools")  # what the code location must never import


def _members(package: str) -> list[str]:
    """The modules and subpackages directly below a package."""
    return sorted(p.stem if p.is_file() else p.name for p in (ROOT / package).iterdir()
                  if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and any(p.glob("*.py"))))


def _imported_modules(source: str, module: list[str]) -> list[tuple[list[str], int]]:
    """The project modules a file imports (absolute dotted parts) with their lines; ``module`` is the
    file's own dotted path (``__init__`` for a package)."""
    package = module[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            found.append((base + (node.module.split(".") if node.module else []), node.lineno))
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module.split("."), node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name.split("."), node.lineno) for a in node.names]
    return [(m, line) for m, line in found if m and m[0] in PACKAGES]


def _files(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        yield path, list(path.relative_to(ROOT).with_suffix("").parts)


def package_graph(package: str = "orchestration") -> dict[str, set[str]]:
    """Which of a package's members import which others."""
    graph: dict[str, set[str]] = {name: set() for name in _members(package)}
    for path, module in _files(package):
        owner = module[1]
        if owner == "__init__":
            continue
        imported = _imported_modules(path.read_text(encoding="utf-8"), module)
        graph[owner] |= {m[1] for m, _ in imported if m[0] == package and len(m) > 1 and m[1] != owner}
    return graph


def top_level_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in PACKAGES}
    for package in PACKAGES:
        for path, module in _files(package):
            graph[package] |= {m[0] for m, _ in _imported_modules(path.read_text(encoding="utf-8"), module) if m[0] != package}
    return graph


def client_imports(source: str, module: list[str]) -> list[tuple[str, int]]:
    """Imports of the client or the tools in a file of the code location, as (module, line)."""
    return [(".".join(m), line) for m, line in _imported_modules(source, module) if m[0] in CLIENTS]


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*trail, nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


@pytest.mark.parametrize("package", PACKAGES)
def test_the_packages_import_one_another_without_cycles(package):
    assert _cycle(package_graph(package)) is None


def test_a_planted_cycle_is_found():
    cycle = _cycle({"quality": {"publish"}, "publish": {"lib", "quality"}, "lib": set()})
    assert cycle is not None and set(cycle) == {"quality", "publish"}


def test_the_client_and_the_tools_depend_on_the_code_location_never_the_reverse():
    graph = top_level_graph()
    assert graph["orchestration"] == set()
    assert graph["c360_tools"] == {"orchestration"}  # the contract, through the ingest's loader
    assert graph["c360"] == {"orchestration", "c360_tools"}
    assert _cycle(graph) is None


def test_no_module_of_the_code_location_imports_the_client_or_the_tools():
    found = {
        "/".join(module): imports
        for path, module in _files("orchestration")
        if (imports := client_imports(path.read_text(encoding="utf-8"), module))
    }
    assert found == {}


def test_a_planted_import_of_the_client_is_found():
    source = "import c360_tools.generate\nfrom c360.runner import run_nightly\nfrom orchestration.lib import settings\n"
    assert client_imports(source, ["orchestration", "automation", "jobs"]) == [("c360_tools.generate", 1), ("c360.runner", 2)]


_IMPORT_ALONE = (
    "import importlib, sys; importlib.import_module(sys.argv[1]); "
    "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in sys.argv[2:])))"
)


@pytest.mark.parametrize("module", [f"{package}.{member}" for package in PACKAGES for member in _members(package)])
def test_each_package_imports_alone(module):
    """Imported alone in a fresh interpreter; a module of the code location pulls in no client module."""
    result = subprocess.run([sys.executable, "-c", _IMPORT_ALONE, module, *CLIENTS], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    if module.startswith("orchestration."):
        assert result.stdout.strip() == ""


@pytest.mark.parametrize("tool", ["c360_tools.generate", "c360_tools.evaluate"])
def test_the_tools_load_neither_dagster_nor_dbt(tool):
    """The generator reads the contract through orchestration's loader, not through its definitions."""
    result = subprocess.run([sys.executable, "-c", _IMPORT_ALONE, tool, "dagster", "dagster_dbt", "dbt"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""


# what only the steps use when they run; importing any of them while the definitions load slows every load
# (the UI, each run worker, each sensor tick): polars and numpy alone cost about 0.25 s
STEP_LIBRARIES = ("polars", "numpy", "pyarrow", "fastexcel", "great_expectations", "pandas", "pyspark")


def test_loading_the_definitions_imports_no_library_only_a_step_uses():
    result = subprocess.run([sys.executable, "-c", _IMPORT_ALONE, "orchestration.definitions", *STEP_LIBRARIES],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""
