"""No import cycles between the packages of the code location; each imports alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import orchestration

PACKAGE = Path(orchestration.__file__).parent
TOP_LEVEL = sorted(p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
                   if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and any(p.glob("*.py"))))


def _imported_modules(path: Path) -> list[list[str]]:
    """The orchestration modules a file imports, as paths below the package."""
    relative = list(path.relative_to(PACKAGE).with_suffix("").parts)
    package = relative[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            found.append(base + (node.module.split(".") if node.module else []))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("orchestration."):
            found.append(node.module.split(".")[1:])
        elif isinstance(node, ast.Import):
            found += [a.name.split(".")[1:] for a in node.names if a.name.startswith("orchestration.")]
    return [m for m in found if m]


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in TOP_LEVEL}
    for path in PACKAGE.rglob("*.py"):
        owner = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if owner == "__init__":
            continue
        graph[owner] |= {m[0] for m in _imported_modules(path) if m[0] != owner}
    return graph


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


def test_the_packages_import_one_another_without_cycles():
    assert _cycle(package_graph()) is None


def test_a_planted_cycle_is_found():
    cycle = _cycle({"quality": {"publish"}, "publish": {"lib", "quality"}, "lib": set()})
    assert cycle is not None and set(cycle) == {"quality", "publish"}


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_each_package_imports_alone(name):
    result = subprocess.run([sys.executable, "-c", f"import orchestration.{name}"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
