"""The labelled sample's published tables against a committed snapshot, table by table: a change meant
to alter no behaviour (a refactor, a new engine's macros) leaves every table identical. A change meant to
alter what is published updates the snapshot in the same commit, so its diff names the tables that moved:

    .venv/bin/python -m pytest tests/integration/test_published_snapshot.py --update-published-snapshot

Uses the runs of test_identity (the sample in two parts, plus one merging account). A table's digest is
its row count and an md5 of its rows sorted as text. Left out are the columns that differ from one data
folder or run to the next by design (stamped with the run's start, or hashed with the data folder's own
key); floating-point values are rounded to 9 significant digits (parallel sums may differ in the last bits)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from integration.test_identity_runs import pytestmark, sample_runs  # noqa: F401  (pytestmark: the same skip)

from orchestration.lib.published import PUBLISHED_SCHEMA, PublishLayout
from orchestration.publish.tables import published_tables

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "sample_published.json"
VARY_BY_RUN = {
    "customer_id_history": {"changed_at"},  # the run's start
    "audiences": {"computed_at"},  # the run's start
    "customers": {"customer_id_created_at"},  # the run's start, for a customer first seen in it
    "identity_links": {"id_value_hash"},  # keyed by the data folder's secret
}
FLOATS = {"DOUBLE", "FLOAT", "REAL"}


def _cell(column: str, data_type: str) -> str:
    quoted = f'"{column}"'
    if data_type.upper() in FLOATS:
        return f"coalesce(format('{{:.9g}}', {quoted}), '∅')"
    return f"coalesce(cast({quoted} as varchar), '∅')"


def table_digest(con: duckdb.DuckDBPyConnection, table: str) -> dict:
    columns = con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [PUBLISHED_SCHEMA, table]).fetchall()
    kept = [(c, t) for c, t in columns if c not in VARY_BY_RUN.get(table, set())]
    row_text = " || chr(31) || ".join(_cell(c, t) for c, t in kept)
    rows, digest = con.execute(
        f"select count(*), md5(coalesce(string_agg(r, chr(10) order by r), '')) "
        f"from (select {row_text} as r from {PUBLISHED_SCHEMA}.{table})").fetchone()
    return {"rows": rows, "md5": digest, "columns": [c for c, _ in kept]}


def published_digests(data_dir: Path) -> dict:
    with duckdb.connect(str(PublishLayout(data_dir).published), read_only=True) as con:
        return {table.name: table_digest(con, table.name) for table in published_tables()}


@pytest.fixture(scope="module")
def digests():
    return published_digests(sample_runs().warehouse.parent)


def test_the_sample_publishes_what_the_snapshot_holds(digests, request):
    if request.config.getoption("--update-published-snapshot"):
        SNAPSHOT.write_text(json.dumps(digests, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    moved = {t: {"now": digests.get(t), "snapshot": expected.get(t)} for t in expected.keys() | digests.keys()
             if digests.get(t) != expected.get(t)}
    assert not moved, f"published tables differ from {SNAPSHOT.name}: {json.dumps(moved, indent=1)}"
