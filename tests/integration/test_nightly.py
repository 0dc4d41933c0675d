"""The whole nightly job in process on generated data: ingest, models, quality gate, publish; again on
unchanged input; then an erasure request."""

from __future__ import annotations

import json
import os

import duckdb
import pytest

from c360.runner import run_nightly
from c360_tools.generate import generate
from orchestration.lib.settings import DBT_PROJECT_DIR, Paths
from orchestration.publish.swap import PublishLayout, rollback
from orchestration.publish.tables import published_tables

pytestmark = [pytest.mark.slow, pytest.mark.long]  # make test-long: CI runs the nightly in test_personal_data, test_ingest_faults and the snapshot


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """A data folder whose path has quotes (no SQL pastes a path), written under a permissive umask."""
    root = tmp_path_factory.mktemp("nightly")
    summary = generate(root / "gen", persons=800, days=7, seed=3)
    paths = Paths(landing_dir=summary.landing_dir, data_dir=root / "o'brien's \"data\"")
    previous_umask = os.umask(0o022)
    try:
        result = run_nightly(paths)
    finally:
        os.umask(previous_umask)
    return paths, summary, result


def published(paths: Paths, sql: str):
    with duckdb.connect(str(PublishLayout(paths.data_dir).published), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_nightly_job_publishes_every_table(first_run):
    paths, _, result = first_run
    assert result.success, result.failure
    assert {"ingest_exports", "dbt_models", "quality_gate", "publish__published_tables"} <= set(result.step_windows)
    for table in published_tables():
        columns = [r[0] for r in published(paths, f"describe c360.{table.name}")]
        assert columns[: len(table.columns)] == list(table.columns), table.name
    counts = dict(published(paths, "select table_name, estimated_size from duckdb_tables() where schema_name = 'c360'"))
    assert counts["customers"] > 0 and counts["orders"] > 0
    (log,) = published(paths, "select version, check_summary from c360._publish_log")
    assert log[0] == 1 and set(json.loads(log[1]).values()) == {"passed"}


def test_every_file_the_run_wrote_is_the_owners_only(first_run):
    paths, _, result = first_run
    assert result.success, result.failure
    written = [p for p in paths.data_dir.rglob("*") if not p.is_symlink()]
    assert any(p.name == "warehouse.duckdb" for p in written) and any("quality_docs" in p.parts for p in written)
    loose = [str(p.relative_to(paths.data_dir)) for p in written if p.stat().st_mode & 0o077]
    assert loose == []
    assert paths.data_dir.stat().st_mode & 0o077 == 0


def test_the_dbt_step_reuses_the_parse_prepared_for_this_warehouse(first_run):
    _, _, result = first_run
    (run_dir,) = (DBT_PROJECT_DIR / "target").glob(f"dbt_models-{result.run_id[:7]}-*")
    text = "".join(log.read_text(encoding="utf-8") for log in run_dir.glob("dbt.log*"))  # dbt rotates it at 10 MB
    assert "Unable to do partial parsing" not in text
    assert "skipping partial parsing" in text or "Partial parsing enabled" in text


def test_every_published_order_and_record_traces_back_to_the_exports(first_run):
    paths, summary, _ = first_run
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        read, loaded, rejected = con.execute("select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from raw._files").fetchone()
    assert read == loaded + rejected
    xref_sources = {r[0] for r in published(paths, "select distinct source from c360.customer_xref")}
    assert xref_sources == {"miniprogram.users", "miniprogram.sharers", "miniprogram.buyers", "channels.buyers", "wecom.contacts",
                            "official_account.followers", "app.users", "web.customers", "web.guests", "crm.members"}


def test_a_second_run_on_unchanged_input_keeps_every_id_and_loads_nothing_again(first_run):
    paths, _, _ = first_run
    before = set(published(paths, "select source, source_key, customer_id from c360.customer_xref"))
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        manifest_before = con.execute("select source_file, file_hash, loaded_at from raw._files order by 1").fetchall()
    again = run_nightly(paths)
    assert again.success, again.failure
    after = set(published(paths, "select source, source_key, customer_id from c360.customer_xref"))
    assert after == before
    assert published(paths, "select max(version) from c360._publish_log") == [(2,)]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        manifest_after = con.execute("select source_file, file_hash, loaded_at from raw._files order by 1").fetchall()
    assert manifest_after == manifest_before  # nothing was loaded again


def test_an_erasure_request_removes_the_person_everywhere_and_stays(first_run):
    paths, summary, _ = first_run
    (customer_id, phone) = published(
        paths,
        "select c.customer_id, c.phone from c360.customers c join c360.customer_xref x using (customer_id) "
        "where c.phone is not null group by all order by count(*) desc, 1 limit 1",
    )[0]
    records = published(paths, f"select source, source_key from c360.customer_xref where customer_id = '{customer_id}'")
    erasure = paths.landing_dir / "erasure"
    erasure.mkdir()
    (erasure / "2026-10-20.csv").write_text(f"id_type,id_value\nphone,+86 {phone[:3]} {phone[3:7]} {phone[7:]}\n", encoding="utf-8")

    result = run_nightly(paths)
    assert result.success, result.failure
    assert published(paths, f"select count(*) from c360.customer_xref where customer_id = '{customer_id}'") == [(0,)]
    keys = {k for _, k in records}
    remaining = published(paths, "select source_key from c360.customer_xref")
    assert keys.isdisjoint({k for (k,) in remaining})
    assert published(paths, f"select count(*) from c360.customers where phone = '{phone}'") == [(0,)]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        log = con.execute("select * from raw._erasure_requests").fetchall()
        dump = str(log) + str(con.execute("select * from raw._erased_records").fetchall())
        assert log and log[0][5] == "erased"
        raw_hits = con.execute(f"select count(*) from raw.miniprogram__users where phone like '%{phone[-4:]}' and phone like '%{phone[:3]}%'").fetchone()[0]
    assert phone not in dump and customer_id not in dump
    assert raw_hits == 0

    # an old export delivered again (new bytes at the same path) does not bring the person back
    for path in summary.landing_dir.rglob("*.csv"):
        if path.parent.name != "erasure":
            path.write_bytes(path.read_bytes() + b"\n")
    again = run_nightly(paths)
    assert again.success, again.failure
    remaining = published(paths, "select source_key from c360.customer_xref")
    assert keys.isdisjoint({k for (k,) in remaining})

    # no version that still holds the person can be read or rolled back to
    layout = PublishLayout(paths.data_dir)
    assert layout.versions() == [3, 4]  # 1 and 2 were written before the erasure
    for version in layout.versions():
        with duckdb.connect(str(layout.version_file(version)), read_only=True) as con:
            assert con.execute("select count(*) from c360.customers where phone = ?", [phone]).fetchone()[0] == 0
    assert rollback(paths.data_dir)[0] == 3
    with pytest.raises(RuntimeError, match="no complete version older than 3"):
        rollback(paths.data_dir)
