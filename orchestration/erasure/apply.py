"""Applying erasure requests to the warehouse: the erasure asset, after ingestion and before the models.

A new request is resolved through the identity of the last build (``marts.customer_identifiers``): every
source record of the matching customers is recorded as erased (a keyed hash of ``source:key``), and on
every run the raw rows of every erased record are deleted again, so a reloaded old export cannot bring a
person back. The identity registry and the id history forget the erased customers too. A request that
matches no one yet stays pending; the quality gate refuses to publish a customer who matches one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from ..ingest.load import REMOVALS_DDL, record_removals
from ..lib.yaml_files import read_yaml
from .requests import ErasureRequest

RECORDS_FILE = Path(__file__).with_name("records.yaml")
REQUESTS_TABLE = "raw._erasure_requests"
ERASED_TABLE = "raw._erased_records"

_DDL = [
    f"""create table if not exists {REQUESTS_TABLE} (
        request_file varchar, line bigint, id_type varchar, id_hash varchar, received_at timestamptz,
        status varchar, erased_at timestamptz, customers bigint, records bigint)""",
    f"create table if not exists {ERASED_TABLE} (source varchar, key_hash varchar, request_file varchar, erased_at timestamptz)",
    REMOVALS_DDL,
]


@dataclass
class ErasureSummary:
    new_requests: int = 0
    resolved_requests: int = 0
    pending_requests: int = 0
    erased_records: int = 0
    raw_rows_deleted: int = 0


@cache
def record_locations() -> dict:
    return read_yaml(RECORDS_FILE)


def erased_record_hash(erasure_key: str, source: str, source_key: str) -> str:
    """The keyed hash ``_erased_records`` holds for a record, computed in Python (as ``_hash`` in SQL)."""
    return hashlib.sha256(f"{erasure_key}|{source}:{source_key}".encode()).hexdigest()


def _hash(expr: str) -> str:
    return f"sha256(getvariable('erasure_key') || '|' || {expr})"


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchall()[0][0])


def record_new_requests(con: duckdb.DuckDBPyConnection, requests: list[ErasureRequest]) -> int:
    if not requests:
        return 0
    frame = pl.DataFrame(
        {"request_file": [r.request_file for r in requests], "line": [r.line for r in requests],
         "id_type": [r.id_type for r in requests], "id_value": [r.id_value for r in requests]}
    )
    con.register("_erasure_incoming", frame)
    try:
        before = con.execute(f"select count(*) from {REQUESTS_TABLE}").fetchall()[0][0]
        con.execute(
            f"""insert into {REQUESTS_TABLE}
            select i.request_file, i.line, i.id_type, {_hash("i.id_type || ':' || i.id_value")}, now(), 'pending', null, 0, 0
            from _erasure_incoming as i
            where not exists (select 1 from {REQUESTS_TABLE} r where r.request_file = i.request_file and r.line = i.line)"""
        )
        return con.execute(f"select count(*) from {REQUESTS_TABLE}").fetchall()[0][0] - before
    finally:
        con.unregister("_erasure_incoming")


def resolve_pending(con: duckdb.DuckDBPyConnection) -> int:
    """Pending requests that match customers of the last build: their records become erased records."""
    if not (table_exists(con, "marts", "customer_identifiers") and table_exists(con, "marts", "customer_xref")):
        return 0
    con.execute(
        f"""create or replace temp table _erasure_matches as
        select distinct r.request_file, r.line, i.customer_id
        from {REQUESTS_TABLE} as r
        join marts.customer_identifiers as i on {_hash("i.id_type || ':' || i.id_value")} = r.id_hash
        where r.status = 'pending'"""
    )
    con.execute(
        f"""insert into {ERASED_TABLE}
        select distinct x.source, {_hash("x.source || ':' || x.source_key")}, m.request_file, now()
        from _erasure_matches as m join marts.customer_xref as x using (customer_id)
        union all
        select distinct 'identifier', {_hash("i.id_type || ':' || i.id_value")}, m.request_file, now()
        from _erasure_matches as m join marts.customer_identifiers as i using (customer_id)"""
    )
    for schema, table in (("intermediate", "int_identity__customer_registry"), ("marts", "customer_id_history")):
        if table_exists(con, schema, table):
            con.execute(f"delete from {schema}.{table} where customer_id in (select customer_id from _erasure_matches)")
    resolved = con.execute(
        f"""update {REQUESTS_TABLE} as r set status = 'erased', erased_at = now(),
               customers = (select count(distinct customer_id) from _erasure_matches m where m.request_file = r.request_file and m.line = r.line),
               records = (select count(*) from marts.customer_xref x join _erasure_matches m using (customer_id)
                          where m.request_file = r.request_file and m.line = r.line)
            where r.status = 'pending' and exists (
                select 1 from _erasure_matches m where m.request_file = r.request_file and m.line = r.line)"""
    ).fetchall()  # DuckDB applies a statement's changes only once its result is read to the end
    return resolved[0][0] if resolved else 0


def _delete_raw_rows(con: duckdb.DuckDBPyConnection, table: str, condition: str, params: dict) -> int:
    """Delete, and leave a removal marker so that the table's incremental staging model rebuilds."""
    deleted = con.execute(f"delete from raw.{table} where {condition}", params).fetchall()[0][0]
    if deleted:
        record_removals(con, table, "erased")
    return deleted


def _erased(key_expr: str) -> str:
    """A condition on raw rows: the keyed hash of ``<$source>:<key_expr>`` is an erased record's."""
    hashed = _hash("$source || ':' || " + key_expr)
    return f"{hashed} in (select key_hash from {ERASED_TABLE} where source = $source)"


def delete_erased_rows(con: duckdb.DuckDBPyConnection) -> int:
    """Every raw row of every erased record, and what belongs to it (orders' after-sales, messages)."""
    if not con.execute(f"select count(*) from {ERASED_TABLE}").fetchall()[0][0]:
        return 0
    locations = record_locations()
    deleted = 0
    removed_orders: dict[str, str] = {}
    parents = {d["parent"] for d in locations["dependent_rows"]}
    for source, spec in locations["sources"].items():
        for table, column in spec["rows"]:
            condition = _erased(column)
            if table.endswith("__orders") and table in parents:
                con.execute(
                    f"create or replace temp table _erased_orders_{table} as select distinct order_id from raw.{table} where {condition}",
                    {"source": source},
                )
                removed_orders[table] = f"_erased_orders_{table}"
            deleted += _delete_raw_rows(con, table, condition, {"source": source})
            if spec.get("recipient_type") and column == spec["rows"][0][1]:
                deleted += _delete_raw_rows(
                    con, "touchpoints__messages",
                    f"recipient_type = $recipient_type and {_erased('recipient_id')}",
                    {"source": source, "recipient_type": spec["recipient_type"]},
                )
    deleted += _delete_raw_rows(
        con, "touchpoints__messages",
        f"""recipient_type = 'phone'
        and {_hash("'phone:' || recipient_id")} in (select key_hash from {ERASED_TABLE} where source = 'identifier')""",
        {},
    )
    for dependent in locations["dependent_rows"]:
        if dependent["parent"] in removed_orders:
            deleted += _delete_raw_rows(
                con, dependent["table"], f"{dependent['column']} in (select order_id from {removed_orders[dependent['parent']]})", {}
            )
    return deleted


def apply_erasure(con: duckdb.DuckDBPyConnection, requests: list[ErasureRequest], key: str) -> ErasureSummary:
    for ddl in _DDL:
        con.execute(ddl)
    con.execute("set variable erasure_key = ?", [key])
    try:
        summary = ErasureSummary()
        con.execute("begin transaction")
        summary.new_requests = record_new_requests(con, requests)
        summary.resolved_requests = resolve_pending(con)
        summary.raw_rows_deleted = delete_erased_rows(con)
        con.execute("commit")
        summary.pending_requests = con.execute(f"select count(*) from {REQUESTS_TABLE} where status = 'pending'").fetchall()[0][0]
        summary.erased_records = con.execute(f"select count(*) from {ERASED_TABLE}").fetchall()[0][0]
        return summary
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.execute("reset variable erasure_key")

