"""The floor a nightly run is measured against: DuckDB alone reading every export file once into tables,
and writing the published tables once (a DuckDB file and Parquet)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

from orchestration.ingest.landing import scan
from orchestration.publish.tables import published_tables


def _load_file(con: duckdb.DuckDBPyConnection, table: str, path: Path, fmt: str) -> None:
    source = str(path)
    if fmt == "jsonl":
        con.execute(f"create table {table} as select * from read_json(?, format = 'newline_delimited')", [source])
        return
    if fmt == "xlsx":  # DuckDB's excel extension would be a download: read the sheet with polars instead
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
        con.register("sheet", frame)
        con.execute(f"create table {table} as select * from sheet")
        con.unregister("sheet")
        return
    options = "all_varchar = true, strict_mode = false, null_padding = true, header = true"
    try:
        con.execute(f"create table {table} as select * from read_csv(?, {options})", [source])
    except duckdb.Error:
        # GB18030 needs a download-only DuckDB extension: decode in Python and read the UTF-8 text
        raw = path.read_bytes()
        if fmt == "csv.gz":
            import gzip

            raw = gzip.decompress(raw)
        text = raw.decode("gb18030", errors="replace").encode("utf-8")
        with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
            handle.write(text)
            handle.flush()
            con.execute(f"create table {table} as select * from read_csv(?, {options})", [handle.name])


def read_floor_seconds(landing_dir: Path, work_dir: Path) -> float:
    database = work_dir / "floor_read.duckdb"
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        for number, file in enumerate(f for f in scan(landing_dir) if f.format):
            try:
                _load_file(con, f"f{number}", file.path, file.format)
            except duckdb.Error:
                pass  # a deliberately broken file: the floor does not reject, it only reads
    elapsed = time.perf_counter() - started
    database.unlink(missing_ok=True)
    return elapsed


def write_floor_seconds(published: Path, work_dir: Path) -> float:
    """Copying the run's published tables (whichever engine built them) into a new file and Parquet once."""
    target = work_dir / "floor_publish.duckdb"
    parquet = work_dir / "floor_parquet"
    target.unlink(missing_ok=True)
    parquet.mkdir(exist_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(target)) as con:
        con.execute("attach ? as wh (read_only)", [str(published)])
        con.execute("create schema c360")
        for table in published_tables():
            con.execute(f"create table c360.{table.name} as select * from wh.c360.{table.name}")
            con.execute(f"copy c360.{table.name} to '{parquet / (table.name + '.parquet')}' (format parquet)")
    elapsed = time.perf_counter() - started
    target.unlink(missing_ok=True)
    return elapsed
