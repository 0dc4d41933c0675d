"""The sidebar page of `c360 serve` as a user sees it in headless Chromium at a phone's width: type a
phone in a written form, see the card, its orders and its dynamics. The screenshot is kept in
$C360_TEST_ARTEFACTS (default test-artefacts/). Needs Debian's chromium; skips with the reason otherwise."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from serving import MASKED_KEY, running_service
from warehouses import build_tiny_warehouse

from orchestration.lib.warehouse import Warehouse
from orchestration.publish.swap import publish

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTEFACTS = Path(os.environ.get("C360_TEST_ARTEFACTS", REPO_ROOT / "test-artefacts"))

pytestmark = [pytest.mark.ui]


@pytest.fixture
def service(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency: pip install -e '.[dev]'")
    warehouse = build_tiny_warehouse(tmp_path / "warehouse.duckdb")
    publish(Warehouse(warehouse), tmp_path / "data", check_summary={}, input_files=[])
    with running_service(tmp_path / "data") as url:
        yield url


def test_typing_a_phone_shows_the_card_orders_and_dynamics(service):
    from playwright.sync_api import expect, sync_playwright

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 375, "height": 900})
        page.on("request", lambda request: requested.append(request.url))
        page.goto(service + "/")
        expect(page.get_by_role("heading", name="客户名片 Customer card")).to_be_visible()
        page.get_by_label("API 密钥 API key").fill(MASKED_KEY)
        page.get_by_label("标识类型 Identifier kind").select_option("phone")
        page.get_by_label("标识 Identifier").fill("+86 138 0013 8001")
        page.get_by_role("button", name="查询 Search").click()

        expect(page.locator("#who")).to_have_text("张*")
        expect(page.locator("#phone")).to_contain_text("138****01")
        expect(page.locator("#phone")).to_contain_text("C000001")
        expect(page.locator("#audiences")).to_contain_text("birthday_next_7_days")
        expect(page.locator("#profile")).to_contain_text("RFM 分层 RFM segment")
        orders = page.locator("#order-rows tr")
        expect(orders).to_have_count(2)
        expect(orders.nth(1)).to_contain_text("已完成 completed")
        expect(orders.nth(1)).to_contain_text("¥8.00")
        events = page.locator("#event-rows li")
        expect(events).to_have_count(2)
        expect(events.first).to_contain_text("售后退款 After-sale refunded ¥2.00")
        expect(events.nth(1)).to_contain_text("下单 Order placed ¥10.00")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the panel
        assert "13800138001" not in page.content() and "张三" not in page.content()

        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "serve-card.png"), full_page=True)

        page.get_by_label("标识 Identifier").fill("13900000000")
        page.get_by_role("button", name="查询 Search").click()
        expect(page.locator("#status")).to_contain_text("未找到客户 Not found")
        expect(page.locator("#card")).to_be_hidden()
        browser.close()
    assert requested and all(url.startswith(service) for url in requested), "the page loads nothing from elsewhere"
    assert (ARTEFACTS / "serve-card.png").stat().st_size > 10_000
