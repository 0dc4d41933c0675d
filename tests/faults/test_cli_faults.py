"""What ``c360`` does when the night cannot go well: it refuses to invent data, stops on what it cannot
trust, names the cause and the file, alerts (log and webhook), and leaves the published version alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from exports import USER_HEADER, user_row, write_csv

from orchestration.publish.swap import PublishLayout

PHONE = "13912345678"


def c360(*args: str, landing: Path, data: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "C360_ALERT_WEBHOOK")}
    env.update({"C360_LANDING_DIR": str(landing), "C360_DATA_DIR": str(data), **(extra_env or {})})
    return subprocess.run([sys.executable, "-m", "c360.cli", *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def real_data_folder(tmp_path):
    """A data folder holding a warehouse of real data (no demo marker) and a published version."""
    data = tmp_path / "data"
    data.mkdir()
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        con.execute("create table kept as select range as n, md5(range::varchar) as h from range(200000)")
    published = PublishLayout(data).published
    with duckdb.connect(str(published)) as con:
        con.execute("create schema c360; create table c360.customers as select 'C1' as customer_id")
    return data, published.read_bytes()


def landing_with_one_file(landing: Path) -> Path:
    write_csv(landing / "miniprogram" / "users" / "2026-10-01.csv", USER_HEADER, [user_row("oMp1", phone=PHONE)])
    return landing


@pytest.mark.parametrize("landing_state", ["missing", "empty", "only folders"])
def test_a_run_without_exports_on_a_real_data_folder_fails_and_generates_nothing(tmp_path, real_data_folder, landing_state):
    data, published_before = real_data_folder
    landing = tmp_path / "landing"
    if landing_state != "missing":
        landing.mkdir()
    if landing_state == "only folders":
        (landing / "app" / "orders").mkdir(parents=True)
    for command in ("run", "demo"):
        result = c360(command, landing=landing, data=data)
        assert result.returncode == 2, result.stdout + result.stderr
        assert str(landing) in result.stderr or str(data) in result.stderr
    assert not landing.exists() or not [p for p in landing.rglob("*") if p.is_file()]
    assert not (data / "sample_truth").exists()
    assert (data / "published.duckdb").read_bytes() == published_before


def test_sample_exports_are_never_generated_into_a_real_data_folder(real_data_folder):
    data, _ = real_data_folder
    result = c360("generate", "--persons", "10", "--days", "1", "--out", str(data), landing=data / "landing", data=data)
    assert result.returncode == 2
    assert not (data / "landing").exists() and not (data / "truth").exists()


def test_a_malformed_erasure_file_fails_the_run_with_the_file_and_line_and_alerts(tmp_path, real_data_folder, webhook):
    data, published_before = real_data_folder
    landing = landing_with_one_file(tmp_path / "landing")
    (landing / "erasure").mkdir()
    (landing / "erasure" / "2026-10-20.csv").write_text(f"id_type;id_value\nphone;{PHONE}\n", encoding="utf-8")
    url, received = webhook
    result = c360("run", landing=landing, data=data, extra_env={"C360_ALERT_WEBHOOK": url})
    assert result.returncode == 1
    summary = result.stdout[result.stdout.index("nightly run FAILED"):]
    assert "erasure/2026-10-20.csv line 1" in summary and "header" in summary
    assert "  erasure: failed" in result.stdout and len(result.stdout.splitlines()) < 30  # stages, not the event log
    event_log = Path(summary.split("event log:")[1].split()[0])
    assert "STEP_FAILURE" in event_log.read_text(encoding="utf-8")
    assert (data / "published.duckdb").read_bytes() == published_before
    alert_log = (data / "alerts.log").read_text(encoding="utf-8")
    assert "erasure/2026-10-20.csv" in alert_log
    assert len(received) == 1 and "erasure/2026-10-20.csv" in received[0]["markdown"]["content"]
    everything = result.stdout + result.stderr + alert_log + str(received)
    assert PHONE not in everything


def test_an_unreachable_webhook_still_leaves_the_alert_in_the_log(tmp_path, real_data_folder):
    data, _ = real_data_folder
    landing = landing_with_one_file(tmp_path / "landing")
    (landing / "erasure").mkdir()
    (landing / "erasure" / "x.xlsx").write_bytes(b"PK")
    result = c360("run", landing=landing, data=data, extra_env={"C360_ALERT_WEBHOOK": "http://127.0.0.1:9/nothing-listens"})
    assert result.returncode == 1
    lines = (data / "alerts.log").read_text(encoding="utf-8").splitlines()
    assert "erasure/x.xlsx" in lines[0]
    assert "could not be posted" in lines[1]


@pytest.mark.parametrize("damage", [pytest.param("truncated", marks=pytest.mark.long), "not a database"])  # a c360 run each
def test_a_corrupt_warehouse_is_named_in_the_summary_not_a_traceback(tmp_path, real_data_folder, damage):
    data, published_before = real_data_folder
    warehouse = data / "warehouse.duckdb"
    if damage == "truncated":  # a copy or a disk that gave out part-way
        with warehouse.open("r+b") as handle:
            handle.truncate(100_000)
    else:
        warehouse.write_bytes(b"this is a spreadsheet someone saved over the warehouse" * 100)
    landing = landing_with_one_file(tmp_path / "landing")
    result = c360("run", landing=landing, data=data)
    assert result.returncode == 1
    summary = result.stdout[result.stdout.index("nightly run FAILED"):]
    assert "the warehouse" in summary and str(warehouse) in summary
    assert "Traceback" not in summary
    assert (data / "published.duckdb").read_bytes() == published_before
    assert "c360 run failed" in (data / "alerts.log").read_text(encoding="utf-8")



def c360_without_tqdm(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """``c360 ARGV`` with tqdm hidden, as on an install without the extra 'tools' (tqdm is only its)."""
    code = f"import sys; sys.modules['tqdm'] = None; from c360.cli import main; sys.exit(main({argv!r}))"
    env = {**os.environ, "C360_LANDING_DIR": str(tmp_path / "landing"), "C360_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["generate", "demo"])
def test_without_the_tools_extra_the_sample_commands_say_what_to_install(tmp_path, command):
    argv = ["generate", "--out", str(tmp_path / "sample"), "--quiet"] if command == "generate" else ["demo"]
    result = c360_without_tqdm(argv, tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"c360 {command}: the sample generator needs the extra 'tools' (tqdm is not installed)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "sample").exists() and not (tmp_path / "landing").exists()
