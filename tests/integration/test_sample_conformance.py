"""The labelled sample (../shared/samples): loading it rejects exactly the rows its truth lists."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from orchestration.ingest.pipeline import ingest_landing, reject_misfit_files

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def loaded_sample(shared_samples, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    ingest_landing(con, shared_samples / "landing")
    reject_misfit_files(con, shared_samples / "landing")
    yield con
    con.close()


def test_rejects_are_exactly_the_truths_bad_rows(loaded_sample, shared_samples):
    truth = pl.read_csv(shared_samples / "truth" / "bad_rows.csv", infer_schema=False).fill_null("")
    expected = sorted((r["file"], int(r["row"]), r["reason"], r["column"]) for r in truth.iter_rows(named=True))
    got = sorted(
        (f, int(row), reason, column or "")
        for f, row, reason, column in loaded_sample.execute('select source_file, row_number, reason, "column" from raw._rejects').fetchall()
    )
    assert got == expected


def test_every_row_read_is_loaded_or_rejected(loaded_sample):
    mismatched = loaded_sample.execute(
        "select source_file from raw._files where status = 'loaded' and rows_read != rows_loaded + rows_rejected"
    ).fetchall()
    assert mismatched == []
    read, loaded, rejected = loaded_sample.execute("select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from raw._files").fetchone()
    assert read == loaded + rejected and loaded > 10_000


def test_every_sample_file_is_accounted_for(loaded_sample, shared_samples):
    on_disk = {p.relative_to(shared_samples / "landing").as_posix() for p in (shared_samples / "landing").rglob("*") if p.is_file()}
    recorded = {r[0] for r in loaded_sample.execute("select source_file from raw._files").fetchall()}
    assert recorded == on_disk


def test_truth_orders_all_arrive_in_raw(loaded_sample, shared_samples):
    truth = pl.read_csv(shared_samples / "truth" / "orders.csv", infer_schema=False)
    expected = set(truth["order_key"])
    got = set()
    for channel in ("miniprogram", "channels", "app", "web"):
        got |= {f"{channel}:{r[0]}" for r in loaded_sample.execute(f"select distinct order_id from raw.{channel}__orders").fetchall()}
    assert expected <= got
