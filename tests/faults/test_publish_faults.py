"""Never lie: a publish that cannot write everything fails, leaves the published version as it was and
nothing of itself behind; a broken version is never offered for rollback."""

from __future__ import annotations

import os

import duckdb
import pytest
from warehouses import build_tiny_warehouse, execute

from orchestration.lib.warehouse import Warehouse
from orchestration.publish.swap import BrokenVersion, PublishLayout, publish, rollback, verify_version


@pytest.fixture
def warehouse(tmp_path):
    return build_tiny_warehouse(tmp_path / "warehouse.duckdb")


def leftovers(layout: PublishLayout) -> list[str]:
    return sorted(p.name for folder in (layout.data_dir, layout.versions_dir) for p in folder.glob(".*"))


def order_count(path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*) from c360.orders").fetchone()[0]


@pytest.mark.parametrize("leave_kib", [16, 256, 1024])
def test_a_publish_onto_a_full_disk_fails_and_keeps_the_published_version(warehouse, small_disk, fill_disk, leave_kib):
    layout = PublishLayout(small_disk / "data")
    publish(Warehouse(warehouse), layout.data_dir, {}, [])
    execute(warehouse, "delete from marts.orders where channel = 'web'")
    fill_disk(small_disk, leave_kib * 1024)
    with pytest.raises((duckdb.Error, OSError, BrokenVersion)):
        publish(Warehouse(warehouse), layout.data_dir, {}, [])
    assert layout.versions() == [1]
    assert layout.current_version() == 1
    verify_version(layout, 1)
    assert order_count(layout.published) == 4
    assert leftovers(layout) == []  # no temporary file, no write-ahead log holding phones


def test_a_version_written_but_broken_is_never_rolled_back_to(warehouse, tmp_path):
    layout = PublishLayout(tmp_path / "data")
    for _ in range(3):
        publish(Warehouse(warehouse), layout.data_dir, {}, [])
    (layout.version_parquet(2) / "orders.parquet").unlink()  # version 2 lost a file after it was written
    restored, passed_over = rollback(layout.data_dir)
    assert restored == 1
    assert passed_over and "version 2" in passed_over[0]


def test_a_truncated_version_file_is_passed_over(warehouse, tmp_path):
    layout = PublishLayout(tmp_path / "data")
    for _ in range(2):
        publish(Warehouse(warehouse), layout.data_dir, {}, [])
    with layout.version_file(1).open("r+b") as handle:
        handle.truncate(4096)
    with pytest.raises(RuntimeError, match="version 1"):
        rollback(layout.data_dir)
    assert layout.current_version() == 2


def test_leftovers_of_a_killed_publish_are_removed_by_the_next(warehouse, tmp_path):
    layout = PublishLayout(tmp_path / "data")
    publish(Warehouse(warehouse), layout.data_dir, {}, [])
    stranded = layout.versions_dir / ".v000002.duckdb.0123abcd.tmp"
    for path in (stranded, stranded.with_name(stranded.name + ".wal"), layout.data_dir / ".published.duckdb.99.tmp"):
        path.write_bytes(b"13800138001")
    (layout.versions_dir / ".v000002.0123abcd.tmp").mkdir()
    publish(Warehouse(warehouse), layout.data_dir, {}, [])
    assert leftovers(layout) == []
    assert layout.current_version() == 2


def test_a_publish_to_a_folder_whose_path_has_quotes_works(warehouse, tmp_path):
    data = tmp_path / "o'brien's \"data\"; drop table x"
    result = publish(Warehouse(warehouse), data, {}, [])
    assert result.version == 1
    assert order_count(data / "published.duckdb") == 4
    assert duckdb.execute("select count(*) from read_parquet(?)", [str(data / "published_parquet" / "orders.parquet")]).fetchall() == [(4,)]


def test_published_files_stay_owner_only_under_a_permissive_umask(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("C360_PSEUDONYM_KEY", "k")
    previous = os.umask(0o000)
    try:
        publish(Warehouse(warehouse), tmp_path / "data", {}, [])
    finally:
        os.umask(previous)
    for path in (tmp_path / "data").rglob("*"):
        if not path.is_symlink():
            assert path.stat().st_mode & 0o077 == 0, path
