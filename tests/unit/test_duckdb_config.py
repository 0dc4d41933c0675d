"""C360_DUCKDB_MEMORY_LIMIT caps the memory of the DuckDB connections the platform opens itself (dbt
reads the same variable in profiles.yml), so that a large run spills to disk instead of failing."""

from orchestration.lib.warehouse import open_duckdb


def test_the_memory_limit_from_the_environment_applies_to_warehouse_connections(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_DUCKDB_MEMORY_LIMIT", "300MB")
    with open_duckdb(tmp_path / "w.duckdb") as con:
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    assert limit in {"286.1 MiB", "300.0 MB"}, limit


def test_without_it_duckdb_keeps_its_own_default(tmp_path, monkeypatch):
    monkeypatch.delenv("C360_DUCKDB_MEMORY_LIMIT", raising=False)
    with open_duckdb(tmp_path / "w.duckdb") as con:
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    assert limit not in {"286.1 MiB", "300.0 MB"}
