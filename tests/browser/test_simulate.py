"""The simulator in the browser (#13): pick a unit, move a lever, read the result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import JUDGE_COURT, wait_idle
from tests.browser.test_pages import card, open_page

pytestmark = pytest.mark.browser


def test_moving_the_levers_changes_the_projection(page):
    open_page(page, "/simulate")
    summary = page.locator("#sim-summary")
    expect(summary).to_contain_text("Kazakhstan: with incoming ±0.0 % a year")
    before = summary.inner_text()
    page.fill("#sim-clearance", "110")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(summary).to_contain_text("a clearance rate of 110.0 %")
    assert summary.inner_text() != before
    chart = card(page, "Pending cases and disposition time to 2029")
    chart.get_by_role("button", name="Table", exact=True).click()
    rows = chart.locator("table tbody tr")
    expect(rows).to_have_count(5)  # 2025 as reported, then 2026-2029


def test_a_judge_simulates_their_own_court_with_judges(page_as):
    page = page_as("judge")
    open_page(page, f"/simulate?unit={JUDGE_COURT}")
    expect(page.locator("#sim-judges")).to_be_enabled()
    page.fill("#sim-judges", "12")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(page.locator("#sim-summary")).to_contain_text("12 judges in post")


def test_simulator_in_kazakh_on_a_phone(browser, app_url):
    from bench.appserver import login
    from tests.browser.conftest import ACCOUNTS, PASSWORD

    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="kk-KZ")
    login(context, app_url, ACCOUNTS["staff"], PASSWORD)
    page = context.new_page()
    page.app_url = app_url
    page.goto(app_url + "/simulate?lang=kk")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text(re.compile("Не болады"))
    expect(page.locator("#sim-summary")).to_contain_text("қалдық")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    context.close()
