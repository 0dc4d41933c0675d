"""Publishing whole versions: atomic swaps under concurrent readers, the log, rollback, pruning, permissions."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import time

import duckdb
import pytest
from warehouses import build_tiny_warehouse, execute

from orchestration.lib.warehouse import Warehouse
from orchestration.publish import swap
from orchestration.publish.swap import PublishLayout, publish, rollback
from orchestration.publish.tables import published_tables


@pytest.fixture
def warehouse(tmp_path):
    return build_tiny_warehouse(tmp_path / "warehouse.duckdb")


def published_counts(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return {t.name: con.execute(f"select count(*) from c360.{t.name}").fetchone()[0] for t in published_tables()}


def test_publish_writes_every_table_with_its_columns_and_a_log(warehouse, tmp_path):
    result = publish(Warehouse(warehouse), tmp_path, check_summary={"orders": "passed"}, input_files=["app/orders/2026-10-01.csv@h1"])
    assert result.version == 1
    with duckdb.connect(str(tmp_path / "published.duckdb"), read_only=True) as con:
        for table in published_tables():
            columns = [r[0] for r in con.execute(f"describe c360.{table.name}").fetchall()]
            assert columns[: len(table.columns)] == list(table.columns)
        version, counts, checks, files = con.execute("select version, row_counts, check_summary, input_files from c360._publish_log").fetchone()
    assert version == 1
    assert json.loads(counts)["orders"] == 4
    assert json.loads(checks) == {"orders": "passed"}
    assert json.loads(files) == ["app/orders/2026-10-01.csv@h1"]
    assert sorted(p.name for p in (tmp_path / "published_parquet").iterdir()) == sorted(f"{t.name}.parquet" for t in published_tables())
    assert duckdb.sql(f"select count(*) from '{tmp_path / 'published_parquet' / 'orders.parquet'}'").fetchall()[0][0] == 4


def test_published_files_are_owner_only(warehouse, tmp_path):
    publish(Warehouse(warehouse), tmp_path, {}, [])
    mode = stat.S_IMODE(os.stat(tmp_path / "published.duckdb").st_mode)
    assert mode == 0o600
    for parquet in (tmp_path / "published_parquet").iterdir():
        assert stat.S_IMODE(parquet.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "published_versions").stat().st_mode) == 0o700


def test_versions_accumulate_in_the_log_and_old_ones_are_pruned(warehouse, tmp_path):
    for _ in range(4):
        publish(Warehouse(warehouse), tmp_path, {}, [], keep=2)
    layout = PublishLayout(tmp_path)
    assert layout.versions() == [3, 4]
    assert layout.current_version() == 4
    with duckdb.connect(str(layout.published), read_only=True) as con:
        assert [r[0] for r in con.execute("select version from c360._publish_log order by version").fetchall()] == [1, 2, 3, 4]


def test_rollback_restores_the_previous_version(warehouse, tmp_path):
    publish(Warehouse(warehouse), tmp_path, {}, [])
    execute(warehouse, "delete from marts.orders where channel = 'web'")
    publish(Warehouse(warehouse), tmp_path, {}, [])
    assert published_counts(tmp_path / "published.duckdb")["orders"] == 2
    assert rollback(tmp_path) == (1, [])
    assert published_counts(tmp_path / "published.duckdb")["orders"] == 4
    assert duckdb.sql(f"select count(*) from '{tmp_path / 'published_parquet' / 'orders.parquet'}'").fetchall()[0][0] == 4
    with pytest.raises(RuntimeError, match="no complete version older"):
        rollback(tmp_path)


def test_a_publish_that_fails_half_way_leaves_the_published_version(warehouse, tmp_path, monkeypatch):
    publish(Warehouse(warehouse), tmp_path, {}, [])
    before = (tmp_path / "published.duckdb").read_bytes()
    execute(warehouse, "delete from marts.orders")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(swap, "_fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        publish(Warehouse(warehouse), tmp_path, {}, [])
    assert (tmp_path / "published.duckdb").read_bytes() == before
    assert PublishLayout(tmp_path).versions() == [1]
    assert not list((tmp_path / "published_versions").glob(".*.tmp"))


def test_a_mart_missing_a_published_column_is_not_published(warehouse, tmp_path):
    execute(warehouse, "alter table marts.sharers drop column store_name")
    with pytest.raises(ValueError, match="store_name"):
        publish(Warehouse(warehouse), tmp_path, {}, [])
    assert not (tmp_path / "published.duckdb").exists()


def _read_in_a_loop(path, stop_at, results):
    seen = []
    while time.monotonic() < stop_at:
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                versions = con.execute("select max(version), count(*) from c360._publish_log").fetchone()
                orders = con.execute("select count(*) from c360.orders").fetchone()[0]
                customers = con.execute("select count(*) from c360.customers").fetchone()[0]
                seen.append((versions[0], versions[1], orders, customers))
        except duckdb.IOException:
            seen.append(("missing",))
    results.put(seen)


def test_readers_always_see_one_complete_version_during_publishes(warehouse, tmp_path):
    publish(Warehouse(warehouse), tmp_path, {}, [])
    results = multiprocessing.get_context("spawn").Queue()
    stop_at = time.monotonic() + 8
    readers = [
        multiprocessing.get_context("spawn").Process(target=_read_in_a_loop, args=(tmp_path / "published.duckdb", stop_at, results))
        for _ in range(3)
    ]
    for reader in readers:
        reader.start()
    publishes = 0
    while time.monotonic() < stop_at - 1:
        # alternate between two shapes of the data, so a mix of versions would show
        execute(warehouse, "delete from marts.orders where order_key = 'x:1'" if publishes % 2 else
                "insert into marts.orders select 'x:1', 'app', '1', 'C000001', created_at, status, 0, 0, 0, null, null from marts.orders limit 1")
        publish(Warehouse(warehouse), tmp_path, {}, [], keep=3)
        publishes += 1
    observations = [obs for _ in readers for obs in results.get(timeout=30)]
    for reader in readers:
        reader.join(timeout=30)
    assert publishes >= 3
    assert len(observations) > 20
    assert ("missing",) not in observations
    for version, log_rows, orders, customers in observations:
        assert log_rows == version  # the log of version N holds N entries: the file is one whole version
        assert orders == (4 if version % 2 == 1 else 5)  # odd versions without the extra order, even with it
        assert customers == 2


def test_the_pseudonymised_copy_hashes_identifiers_joinably_and_drops_personal_data(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("C360_PSEUDONYM_KEY", "test-secret-1")
    publish(Warehouse(warehouse), tmp_path, {}, [])
    copy = tmp_path / "published_pseudonymised.duckdb"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    with duckdb.connect(str(copy), read_only=True) as con:
        customer_columns = [r[0] for r in con.execute("describe c360.customers").fetchall()]
        assert "name" not in customer_columns
        ids = {r[0] for r in con.execute("select customer_id from c360.customers").fetchall()}
        assert "C000001" not in ids and all(len(i) == 64 for i in ids)
        joined = con.execute("select count(*) from c360.orders o join c360.customers c using (customer_id)").fetchone()[0]
        assert joined == 4
        assert con.execute("select birthday from c360.customers where birthday is not null order by 1").fetchall() == [("--01-02",), ("--03-04",)]
        dump = str(con.execute("select * from c360.customers").fetchall()) + str(con.execute("select * from c360.customer_identifiers").fetchall())
    for personal in ("13800138001", "a@example.com", "张三", "C000001"):
        assert personal not in dump
    monkeypatch.setenv("C360_PSEUDONYM_KEY", "another-secret")
    publish(Warehouse(warehouse), tmp_path, {}, [])
    with duckdb.connect(str(copy), read_only=True) as con:
        assert ids.isdisjoint({r[0] for r in con.execute("select customer_id from c360.customers").fetchall()})


def test_no_key_no_pseudonymised_copy(warehouse, tmp_path, monkeypatch):
    monkeypatch.delenv("C360_PSEUDONYM_KEY", raising=False)
    publish(Warehouse(warehouse), tmp_path, {}, [])
    assert not (tmp_path / "published_pseudonymised.duckdb").exists()
