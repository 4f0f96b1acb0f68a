"""Issue #13 in the browser: the outlook to 2029 where people read it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import JUDGE_COURT, wait_idle
from tests.browser.test_pages import card, open_page

pytestmark = pytest.mark.browser
WORDS = re.compile(r"2029: [✔?✖—…] (on track|uncertain|off track|no target|too few years)")


def test_scorecard_tiles_say_whether_2029_targets_will_be_met(page):
    open_page(page, "/")
    lines = page.locator(".kpi-tile .kpi-outlook")
    expect(lines.first).to_be_visible()
    texts = lines.all_inner_texts()
    assert len(texts) >= 15 and all(WORDS.search(x) for x in texts), texts[:3]
    clearance = page.locator(".kpi-tile").filter(has_text="Clearance rate").first
    expect(clearance.locator(".kpi-outlook")).to_contain_text("(80 %:")
    alt = clearance.locator("img.kpi-sparkline").get_attribute("alt")
    assert alt.startswith("Trend 20") and "80 % band to 2029" in alt


def test_explorer_trend_reads_the_outlook_and_draws_the_band(page):
    open_page(page, "/kpi/clearance_rate")
    sentence = page.locator("#explorer-outlook")
    expect(sentence).to_contain_text("the 2025 value, carried to 2029")
    expect(sentence).to_contain_text("The target is 100.0 %")
    trend = card(page, "Trend with target")
    band = trend.locator(".legendtext", has_text="Projection and 80 % band to 2029")
    expect(band).to_have_count(1)
    ticks = trend.locator(".xtick text").all_text_contents()
    assert "2029" in ticks, ticks


def test_outlook_page_grid_table_and_download(page):
    open_page(page, "/outlook")
    expect(page.locator("h1")).to_have_text("Will the 2029 targets be met?")
    expect(page.locator("#outlook-summary")).to_contain_text("off track")
    grid = card(page, "Outlook to 2029 by KPI")
    expect(grid.locator(".heatmaplayer")).to_have_count(1)
    rows = page.locator("#outlook-grid .ag-center-cols-container .ag-row")
    expect(rows.first).to_be_visible()
    first = rows.first.inner_text()
    assert "off track" in first  # the worst first
    # Sort by KPI, as a person clicks the header.
    page.locator("#outlook-grid .ag-header-cell-text", has_text="KPI").click()
    wait_idle(page)
    with page.expect_download() as got:
        grid.get_by_role("button", name="CSV").click()
    assert got.value.suggested_filename.startswith("outlook")
    # One region's courts instead of the regions.
    open_page(page, "/outlook?region=KZ-10")
    expect(page.locator("#outlook-grid")).to_contain_text("Semey City Court")


def test_court_scorecard_has_the_2029_outlook_column(page):
    open_page(page, f"/court/{JUDGE_COURT}")
    table = card(page, "Scorecard against region and nation").locator("table")
    expect(table.locator("th", has_text="2029 outlook")).to_have_count(1)
    cells = table.locator("tbody tr td:last-child").all_inner_texts()
    assert len(cells) == 19 and all(re.match(r"[✔?✖—…] ", c) for c in cells), cells


def test_outlook_in_russian_and_kazakh(page):
    open_page(page, "/outlook?lang=ru")
    expect(page.locator("h1")).to_have_text("Будут ли достигнуты цели 2029 года?")
    expect(page.locator("#outlook-summary")).to_contain_text("Не по плану")
    open_page(page, "/kpi/clearance_rate?lang=kk")
    expect(page.locator("#explorer-outlook")).to_contain_text("көшірілген")


def test_judge_sees_only_own_court_in_a_regions_outlook(page_as):
    page = page_as("judge")
    open_page(page, "/outlook?region=KZ-10")
    table = page.locator("#outlook-grid")
    expect(table).to_contain_text("Semey City Court")
    units = set(page.locator("#outlook-grid .ag-row [col-id='unit']").all_inner_texts())
    assert units == {"Semey City Court"}, units


def test_backlog_age_on_the_court_profile_and_the_explorer(page_as):
    page = page_as("judge")
    open_page(page, f"/court/{JUDGE_COURT}")
    backlog = card(page, "Age of pending cases on 31 December")
    expect(backlog).to_contain_text("Time to disposition in 2025: half of the")
    backlog.scroll_into_view_if_needed()  # drawn as it comes into view
    expect(backlog.locator(".legendtext", has_text="over 2 years")).to_have_count(1)
    open_page(page, "/kpi/disposition_time?lang=ru")
    expect(card(page, "Возраст неоконченных дел на 31 декабря")).to_contain_text(
        "Срок рассмотрения в 2025 г.")
    open_page(page, "/kpi/e_filing_rate")  # not a time KPI: no backlog chart
    expect(page.locator(".card-header", has_text="Age of pending cases")).to_have_count(0)
