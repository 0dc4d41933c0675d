"""The identity gate (suite identity_changes, thresholds in the seed identity_gate_thresholds): a normal
new day publishes; a CRM export in which half the members suddenly carry the store's phone is blocked, and
so is an app release writing one device id for every user; the published version stays the one before.

Four runs on one data folder, generated exports of 3,000 persons over 14 days:
  run 1  days 1 to 13 (the first publish);
  run 2  day 14 (a normal new day);
  run 3  a CRM export for day 15 that rewrites every second member with the store's phone;
  run 4  that export withdrawn, an app users export for day 15 giving every user one device id.
"""

from __future__ import annotations

import shutil
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import pytest
from exports import write_csv

from c360.runner import run_nightly
from c360_tools.generate import generate
from orchestration.lib.settings import Paths
from orchestration.publish.swap import PublishLayout

pytestmark = [pytest.mark.slow, pytest.mark.long]  # make test-long: CI keeps the smaller cases

LAST_DAY = date(2026, 10, 14)
PLANTED_DAY = "2026-10-15"
STORE_PHONE = "13912349876"
ONE_DEVICE = "A1B2C3D4E5F60718"


def _copy_days(source: Path, target: Path, keep) -> None:
    for file in sorted(source.rglob("*")):
        if file.is_file() and keep(date.fromisoformat(file.name[:10])):
            destination = target / file.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination)


def _published_version(paths: Paths) -> tuple[str | None, int]:
    published = PublishLayout(paths.data_dir).published
    with duckdb.connect(str(published), read_only=True) as con:
        version = con.execute("select max(version) from c360._publish_log").fetchone()[0]
        customers = con.execute("select count(*) from c360.customers").fetchone()[0]
    return version, customers


def _plant_one_device_for_everyone(paths: Paths) -> int:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        users = con.execute(
            "select user_id, phone, register_time from staging.stg_app__users order by user_id").fetchall()
    rows = [[u, p or "", ONE_DEVICE, f"{r:%Y-%m-%d %H:%M:%S}", f"{PLANTED_DAY} 09:00:00"] for u, p, r in users]
    write_csv(paths.landing_dir / "app" / "users" / f"{PLANTED_DAY}.csv",
              ["user_id", "phone", "device_ids", "register_time", "update_time"], rows)
    return len(rows)


def _plant_store_phone(paths: Paths) -> int:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        members = con.execute(
            "select member_id, name, join_date from staging.stg_crm__members where phone_normalised is not null "
            "order by member_id").fetchall()
    rows = [[m, n or "", STORE_PHONE, str(j), f"{PLANTED_DAY} 09:00:00"] for i, (m, n, j) in enumerate(members) if i % 2 == 0]
    write_csv(paths.landing_dir / "crm" / "members" / f"{PLANTED_DAY}.csv",
              ["member_id", "name", "phone", "join_date", "update_time"], rows)
    return len(rows)


@cache
def gate_runs(work: Path) -> tuple:
    summary = generate(work / "gen", persons=3000, days=14, seed=11)
    paths = Paths(landing_dir=work / "landing", data_dir=work / "data")
    _copy_days(summary.landing_dir, paths.landing_dir, lambda d: d < LAST_DAY)
    first = run_nightly(paths)
    after_first = _published_version(paths)
    _copy_days(summary.landing_dir, paths.landing_dir, lambda d: d == LAST_DAY)
    second = run_nightly(paths)
    after_second = _published_version(paths)
    planted = _plant_store_phone(paths)
    third = run_nightly(paths)
    after_third = _published_version(paths)
    (paths.landing_dir / "crm" / "members" / f"{PLANTED_DAY}.csv").unlink()
    devices = _plant_one_device_for_everyone(paths)
    fourth = run_nightly(paths)
    return first, after_first, second, after_second, third, after_third, planted, fourth, _published_version(paths), devices


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return gate_runs(tmp_path_factory.mktemp("identity_gate"))


def test_a_normal_new_day_passes_the_identity_gate_and_publishes(runs):
    first, after_first, second, after_second, *_ = runs
    assert first.success, first.failure
    assert second.success, second.failure
    assert after_second[0] != after_first[0]


def test_a_store_phone_written_on_half_the_members_blocks_the_publish(runs):
    _, _, _, after_second, third, after_third, planted, *_ = runs
    assert planted > 300
    assert not third.success
    assert "identity_changes" in (third.failure or ""), third.failure
    # the store phone is capped (it links no one) yet the gate sees it suddenly on hundreds of customers
    assert "identifier_holders_growth" in third.failure
    assert STORE_PHONE not in third.failure
    assert after_third == after_second  # the published version is untouched


def test_one_device_id_written_for_every_app_user_blocks_the_publish(runs):
    _, _, _, after_second, *_, fourth, after_fourth, devices = runs
    assert devices > 300
    assert not fourth.success
    assert "identity_changes" in (fourth.failure or "") and "identifier_holders_growth" in fourth.failure, fourth.failure
    assert after_fourth == after_second
