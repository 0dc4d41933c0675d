"""Another process holding the warehouse's write lock: wait and retry, then a clear error; never damage."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest

from orchestration.lib.warehouse import WarehouseLocked, open_duckdb

HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists t as select 42 as answer")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_lock(path, seconds):
    process = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


pytestmark = pytest.mark.long  # each waits out a lock held by another process: make test-long


def test_a_locked_warehouse_is_reported_clearly_after_the_wait(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    holder = hold_lock(path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseLocked, match="locked by another process"), open_duckdb(path, lock_timeout_s=1.5, retry_every_s=0.2):
            pass
        assert 1.4 <= time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select answer from t").fetchone() == (42,)


def test_a_lock_released_during_the_wait_is_taken(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    holder = hold_lock(path, 1.0)
    try:
        with open_duckdb(path, lock_timeout_s=20, retry_every_s=0.2) as con:
            assert con.execute("select answer from t").fetchone() == (42,)
    finally:
        holder.wait()
