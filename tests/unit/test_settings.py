"""One settings object reads the environment: no other module of the package reads a variable itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import orchestration
from orchestration.lib.settings import settings

ROOT = Path(orchestration.__file__).parents[1]
# the code location, its client (the c360 command, the runner) and the tools: the client reads settings
# through the same object
PACKAGES = ("orchestration", "c360", "c360_tools")


def _reads_environment(tree: ast.AST) -> list[int]:
    """Lines that read a variable: os.getenv(...), os.environ.get(...), os.environ[...] as a value,
    `... in os.environ`. Passing the whole environment on (``{**os.environ}``) and setting a variable
    for a child process are not reads."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = ast.unparse(node.func)
            if target in ("os.getenv", "os.environ.get", "environ.get", "getenv"):
                lines.append(node.lineno)
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" and isinstance(node.ctx, ast.Load) or isinstance(node, ast.Compare) and any(ast.unparse(c) == "os.environ" for c in node.comparators):
            lines.append(node.lineno)
    return lines


def test_only_the_settings_module_reads_environment_variables():
    readers = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path != ROOT / "orchestration/lib/settings.py" and (lines := _reads_environment(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert readers == {}


def test_settings_are_read_anew_on_every_call(monkeypatch, tmp_path):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("C360_PUBLISH_KEEP", "9")
    monkeypatch.delenv("C360_PSEUDONYM_KEY", raising=False)
    first = settings()
    assert first.data_dir == tmp_path and first.publish_keep == 9 and first.pseudonym_key is None
    assert first.paths.warehouse == tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("C360_DUCKDB_MEMORY_LIMIT", "2GB")
    assert settings().duckdb_config == {"memory_limit": "2GB"}


def test_the_dbt_project_and_the_contract_default_to_the_projects_own(monkeypatch, tmp_path):
    monkeypatch.delenv("C360_DBT_PROJECT_DIR", raising=False)
    monkeypatch.delenv("C360_EXPORTS_FILE", raising=False)
    defaults = settings()
    assert (defaults.dbt_project_dir / "dbt_project.yml").is_file()
    assert defaults.exports_file == Path(orchestration.__file__).parent / "ingest" / "exports.yaml"
    monkeypatch.setenv("C360_DBT_PROJECT_DIR", str(tmp_path / "project"))
    monkeypatch.setenv("C360_EXPORTS_FILE", str(tmp_path / "exports.yaml"))
    assert (settings().dbt_project_dir, settings().exports_file) == (tmp_path / "project", tmp_path / "exports.yaml")

def test_the_engine_is_duckdb_unless_set_to_spark(monkeypatch, tmp_path):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("C360_ENGINE", raising=False)
    monkeypatch.delenv("C360_LAKE_DIR", raising=False)
    assert (settings().engine, settings().dbt_target) == ("duckdb", "duckdb")
    assert settings().lake_dir == tmp_path / "lake" and settings().paths.spark_dir == tmp_path / "spark"
    monkeypatch.setenv("C360_ENGINE", " Spark ")
    monkeypatch.setenv("C360_LAKE_DIR", str(tmp_path / "elsewhere"))
    assert (settings().engine, settings().dbt_target, settings().lake_dir) == ("spark", "spark", tmp_path / "elsewhere")
    monkeypatch.setenv("C360_ENGINE", "postgres")
    with pytest.raises(ValueError, match="C360_ENGINE"):
        settings()
