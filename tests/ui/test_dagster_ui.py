"""Tried as a user would: `dagster dev` on workspace.yaml starts, the asset graph loads in headless
Chromium, a materialisation launched from the UI completes, and a backfill of a date range launched from
the UI loads exactly those days in one run. Needs Debian's chromium (the CI script installs it); skips
with the reason otherwise."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from exports import USER_HEADER, user_row, write_csv

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_for_server(port: int, process: subprocess.Popen, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dagster dev exited with {process.returncode}")
        try:
            data = graphql(
                port,
                "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
                "locationOrLoadError { __typename ... on PythonError { message } } } } } }",
            )
            entries = data["data"]["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                errors = [e["locationOrLoadError"] for e in entries if e["locationOrLoadError"]["__typename"] == "PythonError"]
                if errors:
                    raise RuntimeError(f"the code location failed to load: {errors[0]['message']}")
                return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError("dagster dev did not load the code location in time")


@pytest.fixture
def landing_exports() -> dict[str, list[list[str]]]:
    """The mini program user exports in the landing folder, by path below it; a test overrides this
    with ``@pytest.mark.parametrize("landing_exports", ...)``."""
    return {"miniprogram/users/2026-10-01.csv": [user_row("oMp1"), user_row("oMp2")]}


@pytest.fixture
def dagster_dev(tmp_path, landing_exports):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency: pip install -e '.[dev]'")
    landing = tmp_path / "landing"
    for relative, rows in landing_exports.items():
        write_csv(landing / relative, USER_HEADER, rows)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "C360_LANDING_DIR": str(landing), "C360_DATA_DIR": str(tmp_path / "data")}
    dagster = Path(sys.executable).with_name("dagster")
    log = (tmp_path / "dagster_dev.log").open("w")
    process = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for_server(port, process)
        yield port, tmp_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def dismiss_welcome_dialog(page) -> None:
    """A first visit asks to join the community; a user would skip it."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=5_000)
        skip.click()
    except Exception:  # no dialog this time
        pass


def open_browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    return browser, browser.new_page(viewport={"width": 1600, "height": 1000})


def click_materialize(page) -> None:
    """The asset page's Materialize button ("Materialize…" on a partitioned asset: it opens the launch dialog)."""
    page.locator("button").filter(has_text=re.compile(r"^\s*Materialize(…|\.\.\.)?\s*$")).first.click(timeout=60_000)


def latest_run_status(port: int) -> str | None:
    data = graphql(port, "{ runsOrError(limit: 1) { ... on Runs { results { status } } } }")
    runs = data["data"]["runsOrError"]["results"]
    return runs[0]["status"] if runs else None


def assert_the_asset_graph_shows_every_group(page, base: str, tmp_path: Path) -> None:
    page.goto(f"{base}/asset-groups", wait_until="domcontentloaded")
    dismiss_welcome_dialog(page)
    page.get_by_text("publish").first.wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "asset-graph.png"))
    body = page.inner_text("body")
    for group in ("ingest", "staging", "identity", "marts", "publish"):
        assert group in body, f"asset group {group} is not in the lineage page"
    assert (tmp_path / "asset-graph.png").stat().st_size > 10_000


def test_dagster_dev_loads_the_code_location_and_the_asset_graph_shows_every_group(dagster_dev):
    from playwright.sync_api import sync_playwright

    port, tmp_path = dagster_dev
    with sync_playwright() as playwright:
        browser, page = open_browser(playwright)
        assert_the_asset_graph_shows_every_group(page, f"http://127.0.0.1:{port}", tmp_path)
        browser.close()


@pytest.mark.long  # a run launched from the UI (about a minute); CI loads the graph above
def test_the_asset_graph_loads_and_a_materialisation_from_the_ui_completes(dagster_dev):
    from playwright.sync_api import sync_playwright

    port, tmp_path = dagster_dev
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser, page = open_browser(playwright)
        assert_the_asset_graph_shows_every_group(page, base, tmp_path)
        page.goto(f"{base}/assets/raw/ingest_summary", wait_until="domcontentloaded")
        click_materialize(page)
        # the UI asks for confirmation because the raw assets upstream were never materialised
        page.get_by_role("button", name="Confirm").click(timeout=30_000)
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and status not in ("SUCCESS", "FAILURE", "CANCELED"):
            time.sleep(2)
            status = latest_run_status(port)
        page.goto(f"{base}/runs", wait_until="domcontentloaded")
        page.get_by_text("Success").first.wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "runs.png"))
        browser.close()
    assert status == "SUCCESS"


# Three days of mini program users, a week back (the launch dialog shows the last 90 days by default, so
# the days follow the clock); the backfill takes the first two, the third must stay unloaded.
_TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
BACKFILL_DAYS = [(_TODAY - timedelta(days=n)).isoformat() for n in (9, 8, 7)]
BACKFILL_USERS = {BACKFILL_DAYS[0]: ["oMp1", "oMp2"], BACKFILL_DAYS[1]: ["oMp3"], BACKFILL_DAYS[2]: ["oMp4", "oMp5", "oMp6"]}
BACKFILL_EXPORTS = {
    f"miniprogram/users/{day}.csv": [user_row(openid, update_time=f"{day} 10:00:00") for openid in openids]
    for day, openids in BACKFILL_USERS.items()
}
BACKFILL_FIELDS = """
    id status numPartitions partitionNames isAssetBackfill error { message }
    assetSelection { path }
    assetBackfillData {
      rootTargetedPartitions { partitionKeys ranges { start end } }
      assetBackfillStatuses { ... on AssetPartitionsStatusCounts {
        assetKey { path } numPartitionsTargeted numPartitionsMaterialized numPartitionsFailed numPartitionsInProgress } }
    }
"""
BACKFILL_DONE = ("COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED")


def backfills(port: int) -> list[dict]:
    data = graphql(port, "{ partitionBackfillsOrError { ... on PartitionBackfills { results { %s } } } }" % BACKFILL_FIELDS)
    return data["data"]["partitionBackfillsOrError"]["results"]


def backfill_runs(port: int, backfill_id: str) -> list[dict]:
    data = graphql(
        port,
        '{ runsOrError(filter: {tags: [{key: "dagster/backfill", value: "%s"}]}) { ... on Runs { results {'
        " runId status assetSelection { path } tags { key value } } } } }" % backfill_id,
    )
    return data["data"]["runsOrError"]["results"]


def wait_for_backfill(port: int, backfill_id: str, timeout_s: float = 360) -> dict:
    """The backfill once the daemon has finished it (its ticks come every ~30 s; the run starts a process)."""
    deadline = time.monotonic() + timeout_s
    found: list[dict] = []
    while time.monotonic() < deadline:
        found = [b for b in backfills(port) if b["id"] == backfill_id]
        if found and found[0]["status"] in BACKFILL_DONE:
            return found[0]
        time.sleep(3)
    raise TimeoutError(f"backfill {backfill_id} did not finish in {timeout_s:.0f}s: {found}")


@pytest.mark.long  # CI loads the graph in the UI; this flow, like the materialisation above, runs in make test-long
@pytest.mark.parametrize("landing_exports", [BACKFILL_EXPORTS], ids=["three-days"])
def test_a_backfill_of_a_date_range_from_the_ui_loads_those_days_in_one_run(dagster_dev):
    from playwright.sync_api import sync_playwright

    from orchestration.lib.warehouse import open_duckdb

    port, tmp_path = dagster_dev
    base = f"http://127.0.0.1:{port}"
    first, last = BACKFILL_DAYS[0], BACKFILL_DAYS[1]
    with sync_playwright() as playwright:
        browser, page = open_browser(playwright)
        page.goto(f"{base}/assets/raw/miniprogram/users", wait_until="domcontentloaded")
        dismiss_welcome_dialog(page)
        click_materialize(page)
        dialog = page.get_by_role("dialog")
        dialog.get_by_text("Partition selection").wait_for(timeout=30_000)
        box = dialog.get_by_placeholder("No matching partitions")
        box.fill(f"[{first}...{last}]")
        box.press("Enter")
        dialog.get_by_text("2 partitions", exact=True).wait_for(timeout=10_000)
        # the single-run backfill policy of the raw assets, as the dialog states it
        dialog.get_by_text("Backfills all partitions in a single run").wait_for(timeout=10_000)
        page.screenshot(path=str(tmp_path / "launch-dialog.png"))
        dialog.get_by_role("button", name="Launch backfill").click()

        toast = page.get_by_text(re.compile(r"Created backfill \w+"))
        toast.wait_for(timeout=30_000)
        backfill_id = re.search(r"Created backfill (\w+)", toast.inner_text())[1]
        page.locator(f'a[href="/runs/b/{backfill_id}"]').get_by_text("View", exact=True).click()  # the toast's link
        page.wait_for_url(f"**/runs/b/{backfill_id}**", timeout=30_000)

        backfill = wait_for_backfill(port, backfill_id)
        page.reload(wait_until="domcontentloaded")
        page.get_by_text("Succeeded").first.wait_for(timeout=60_000)
        page.get_by_text("100% completed").wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "backfill.png"))
        page_text = page.inner_text("body")
        browser.close()

    assert backfill["status"] in ("COMPLETED", "COMPLETED_SUCCESS"), backfill
    assert [b["id"] for b in backfills(port)] == [backfill_id]
    assert backfill["isAssetBackfill"] and backfill["assetSelection"] == [{"path": ["raw", "miniprogram", "users"]}]
    assert backfill["numPartitions"] == 2 and backfill["partitionNames"] == [first, last]
    assert backfill["assetBackfillData"]["rootTargetedPartitions"]["ranges"] == [{"start": first, "end": last}]
    [counts] = backfill["assetBackfillData"]["assetBackfillStatuses"]
    assert (counts["numPartitionsTargeted"], counts["numPartitionsMaterialized"], counts["numPartitionsFailed"]) == (2, 2, 0)

    # the single-run backfill policy: one run for the whole range, tagged with it
    [run] = backfill_runs(port, backfill_id)
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert run["status"] == "SUCCESS"
    assert tags["dagster/asset_partition_range_start"] == first
    assert tags["dagster/asset_partition_range_end"] == last
    assert "dagster/partition" not in tags
    assert run["assetSelection"] == [{"path": ["raw", "miniprogram", "users"]}]

    for text in (backfill_id, f"{first}...{last}", "Succeeded", "raw / miniprogram / users", "100% completed"):
        assert text in page_text, f"{text!r} is not on the backfill page"
    assert (tmp_path / "backfill.png").stat().st_size > 10_000

    # the rows of the chosen days, and only those, landed in the warehouse
    with open_duckdb(tmp_path / "data" / "warehouse.duckdb", read_only=True) as con:
        loaded = con.execute(
            "select strftime(_file_date, '%Y-%m-%d'), list(openid order by openid) from raw.miniprogram__users group by 1 order by 1"
        ).fetchall()
        files = con.execute("select source_file, status from raw._files order by 1").fetchall()
    assert loaded == [(first, BACKFILL_USERS[first]), (last, BACKFILL_USERS[last])]
    assert files == [(f"miniprogram/users/{first}.csv", "loaded"), (f"miniprogram/users/{last}.csv", "loaded")]
