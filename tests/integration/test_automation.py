"""The nightly schedule, the landing sensor, freshness and failure alerts."""

from __future__ import annotations

import os
import time
from datetime import date

import dagster as dg
import pytest
from exports import USER_HEADER, user_row, write_csv

from orchestration.automation import alerts
from orchestration.automation.freshness import latest_file_dates, max_silent_days, silence
from orchestration.automation.schedules import nightly_schedule
from orchestration.automation.sensors import landing_sensor
from orchestration.ingest.schema import entities_by_name
from orchestration.resources import LandingResource, WarehouseResource


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs as definitions

    return definitions


def users_file(landing, day, openid="oMp1"):
    return write_csv(landing / "miniprogram" / "users" / f"{day}.csv", USER_HEADER, [user_row(openid)])


def test_the_nightly_schedule_covers_every_file_date(tmp_path):
    landing = tmp_path / "landing"
    users_file(landing, "2026-10-03")
    write_csv(landing / "app" / "orders" / "2026-10-09.csv", ["order_id"], [["A1"]])
    with schedule_context(landing, tmp_path / "data" / "warehouse.duckdb") as context:
        request = nightly_schedule(context)
    assert isinstance(request, dg.RunRequest)
    assert request.tags["dagster/asset_partition_range_start"] == "2026-10-03"
    assert request.tags["dagster/asset_partition_range_end"] == "2026-10-09"


def schedule_context(landing, warehouse):
    return dg.build_schedule_context(
        resources={"landing": LandingResource(path=str(landing)), "warehouse": WarehouseResource(path=str(warehouse))}
    )


def test_before_the_first_run_the_nightly_schedule_skips_an_empty_landing_folder(tmp_path):
    (tmp_path / "landing").mkdir()
    with schedule_context(tmp_path / "landing", tmp_path / "no_warehouse_yet.duckdb") as context:
        assert isinstance(nightly_schedule(context), dg.SkipReason)


@pytest.mark.parametrize("landing_state", ["missing", "empty"])
def test_beside_a_real_warehouse_a_missing_or_empty_landing_folder_fails_the_tick(tmp_path, landing_state):
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(b"")
    landing = tmp_path / "landing"
    if landing_state == "empty":
        (landing / "app" / "orders").mkdir(parents=True)
    with schedule_context(landing, warehouse) as context, pytest.raises(Exception, match=str(landing)):
        nightly_schedule(context)


def test_the_schedule_runs_at_two_in_the_morning_in_shanghai():
    assert nightly_schedule.cron_schedule == "0 2 * * *"
    assert nightly_schedule.execution_timezone == "Asia/Shanghai"


def evaluate_sensor(defs, landing, cursor=None):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"landing": LandingResource(path=str(landing))}, definitions=defs
    )
    return landing_sensor(context), context


def test_the_sensor_asks_for_new_files_partitions_and_entities_only(defs, tmp_path):
    landing = tmp_path / "landing"
    users_file(landing, "2026-10-01")
    first, context = evaluate_sensor(defs, landing)
    (request,) = first.run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "2026-10-01"
    assert dg.AssetKey(["raw", "miniprogram", "users"]) in request.asset_selection
    assert dg.AssetKey(["raw", "app", "orders"]) not in request.asset_selection
    assert dg.AssetKey(["staging", "stg_miniprogram__users"]) in request.asset_selection
    assert dg.AssetKey(["publish", "published_tables"]) in request.asset_selection

    nothing_new, _ = evaluate_sensor(defs, landing, first.cursor)
    assert isinstance(nothing_new, dg.SkipReason)

    time.sleep(0.01)
    write_csv(landing / "app" / "orders" / "2026-10-05.csv", ["order_id"], [["A1"]])
    changed, _ = evaluate_sensor(defs, landing, first.cursor)
    (request,) = changed.run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "2026-10-05"
    assert request.tags["dagster/asset_partition_range_end"] == "2026-10-05"
    assert dg.AssetKey(["raw", "app", "orders"]) in request.asset_selection
    assert dg.AssetKey(["raw", "miniprogram", "users"]) not in request.asset_selection


def test_the_sensor_sees_a_file_replaced_with_new_bytes(defs, tmp_path):
    landing = tmp_path / "landing"
    path = users_file(landing, "2026-10-01")
    first, _ = evaluate_sensor(defs, landing)
    write_csv(path, USER_HEADER, [user_row("oMp1"), user_row("oMp2")])
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    again, _ = evaluate_sensor(defs, landing, first.cursor)
    assert len(again.run_requests) == 1


def test_freshness_fails_after_the_configured_silence(tmp_path):
    landing = tmp_path / "landing"
    users_file(landing, "2026-10-01")
    users_file(landing, "2026-10-10")
    latest = latest_file_dates(landing)
    users = entities_by_name()["miniprogram/users"]
    allowed = max_silent_days("miniprogram")
    assert silence(users, latest, date(2026, 10, 10 + allowed)) == (True, allowed)
    assert silence(users, latest, date(2026, 10, 11 + allowed)) == (False, allowed + 1)
    assert silence(entities_by_name()["crm/members"], latest, date(2026, 10, 10)) == (False, None)
    assert max_silent_days("crm") == 7


def test_failure_alert_posts_a_wecom_robot_message_without_personal_data(tmp_path, monkeypatch, webhook):
    url, received = webhook
    monkeypatch.setenv("C360_ALERT_WEBHOOK", url)
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    alerts.send_failure_alert("nightly", "abcdef0123456789", "bad row for 13800138001 / zhang.san@example.com")
    (payload,) = received
    assert payload["msgtype"] == "markdown"
    content = payload["markdown"]["content"]
    assert "nightly" in content and "abcdef01" in content
    assert "13800138001" not in content and "zhang.san@example.com" not in content
    log = (tmp_path / "alerts.log").read_text(encoding="utf-8")
    assert "138****01" in log and "13800138001" not in log


def test_the_failure_sensor_alerts_on_a_failed_run(tmp_path, monkeypatch, webhook):
    url, received = webhook
    monkeypatch.setenv("C360_ALERT_WEBHOOK", url)
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))

    @dg.op
    def explode():
        raise RuntimeError("warehouse unreachable while loading 13912345678")

    @dg.job
    def broken():
        explode()

    with dg.instance_for_test() as instance:
        result = broken.execute_in_process(instance=instance, raise_on_error=False)
        failure = result.get_run_failure_event()
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert", dagster_instance=instance, dagster_run=result.dagster_run, dagster_event=failure
        ).for_run_failure()
        alerts.run_failure_alert(context)
    (payload,) = received
    assert "explode" in payload["markdown"]["content"]
    assert "13912345678" not in payload["markdown"]["content"]
