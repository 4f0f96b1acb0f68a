"""The year in progress on the pages (issue 26), in headless Chromium, on SQLite and on
PostgreSQL: the app runs on the small demo extracted on 15 October 2026, so its data
reach 30 September 2026 and 2026 is a year in progress.

A person switches the period by mouse and by keyboard, in three languages, and reads
the values back against ``python -m kpi values --period`` on the same database; the
in-year controls, tiles, cards and tables pass the axe sweep.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from layouts.format import fmt_date, fmt_value, period_label
from tests.browser.conftest import (
    ACCOUNTS,
    ROOT,
    _new_page,
    browser_database,
    dropdown_option,
    served_demo,
    wait_idle,
)
from tests.browser.test_accessibility import violations
from tests.browser.test_pages import by_id, card, tile
from tests.browser.test_report_buttons import download_pdf

# One xdist worker runs this whole module (--dist loadgroup in ./dev): its module-wide
# fixtures are built once, not once per worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("in_year")]

AS_OF = "2026-10-15"  # the demo's extraction day: data through 30 September 2026
DATA_END = "2026-09-30"
COURT = "KZ75-D01"


@pytest.fixture(scope="module")
def in_year_app(tmp_path_factory, demo_templates, pg_reason):
    """(base URL, database URL) of the app over a demo with a year in progress."""
    kind = browser_database(pg_reason)
    with served_demo(kind, tmp_path_factory.mktemp("in-year"), demo_templates, AS_OF,
                     {"staff": ACCOUNTS["staff"]}) as served:
        yield served


@pytest.fixture
def staff_page(browser, in_year_app):
    """``staff_page(locale)``: a page signed in as staff, in that browser language."""
    problems: list[str] = []
    pages = []

    def make(locale: str = "en-US"):
        pg = _new_page(browser, in_year_app[0], "staff", problems)
        if locale != "en-US":
            pg.context.set_extra_http_headers({"Accept-Language": locale})
        pages.append(pg)
        return pg
    yield make
    for pg in pages:
        pg.context.close()
    assert not problems, "\n".join(problems)


def engine_value(db_url: str, period: str, kpi: str = "clearance_rate",
                 level: str = "national", code: str | None = None) -> float:
    """What ``python -m kpi values --period`` says: the number every page must show."""
    args = [sys.executable, "-m", "kpi", "values", "--db", db_url, "--period", period,
            "--level", level, "--kpi", kpi, "--category", "all", "--format", "json"]
    if code:
        args += ["--code", code]
    out = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True,
                         timeout=300)
    rows = [r for r in json.loads(out.stdout) if r["period"] == period]
    assert len(rows) == 1, rows
    return rows[0]["value"]


def arrow_to(page: Page, value: str) -> None:
    """In an open dropdown, arrow keys (up first, then down) until ``value`` is the
    highlighted option, as a person does."""
    for key in ("ArrowUp", "ArrowDown"):
        for _ in range(20):
            if page.evaluate("() => document.activeElement.value") == value:
                return
            page.keyboard.press(key)
            page.wait_for_timeout(150)
    raise AssertionError(f"{value} not reached by the arrow keys")


def open_in(page: Page, path: str) -> None:
    page.goto(page.app_url + path)
    wait_idle(page, timeout=60_000)


def period_line(page: Page):
    return page.locator(".period-line").first


def test_scorecard_opens_on_the_year_to_date_with_last_year_and_the_projection(
        staff_page, in_year_app):
    page = staff_page()
    open_in(page, "/")
    expect(period_line(page)).to_contain_text("2026, January–September")
    expect(period_line(page)).to_contain_text(f"data as of {fmt_date(DATA_END, 'en')}")
    clearance = tile(page, "Clearance rate")
    now = engine_value(in_year_app[1], "2026-YTD09")
    before = engine_value(in_year_app[1], "2025-YTD09")
    expect(clearance.locator(".kpi-value")).to_have_text(fmt_value(now, "%", "en"))
    expect(clearance).to_contain_text(
        f"same period last year: {fmt_value(before, '%', 'en')}")
    expect(clearance).to_contain_text("vs the same period last year")
    # The year-end projection, with its status in words (never colour alone).
    projection = clearance.locator(".kpi-projection")
    expect(projection).to_contain_text("Projected 2026:")
    expect(projection.locator(".status-badge")).to_have_text(
        re.compile(r"(on target|near target|off target|no target)$"))
    # A KPI measured once a year shows its latest year, said so, not "no data".
    vacancy = tile(page, "Judge vacancy rate")
    expect(vacancy).to_contain_text("Yearly indicator: 2025")
    expect(vacancy.locator(".kpi-value")).to_have_text(
        fmt_value(engine_value(in_year_app[1], "2025", "judge_vacancy_rate"), "%", "en"))
    # The year control offers the year in progress, marked, first.
    by_id(page, "control", name="year").click()
    expect(page.locator(".dash-dropdown-content label").first).to_have_text(
        "2026 (in progress)")
    page.keyboard.press("Escape")


def test_switching_the_period_by_mouse_and_by_keyboard(staff_page, in_year_app):
    page = staff_page()
    open_in(page, "/")
    clearance = tile(page, "Clearance rate").locator(".kpi-value")
    # By mouse: the second quarter.
    by_id(page, "control", name="part").click()
    dropdown_option(page, "Quarter 2").click()
    wait_idle(page, timeout=60_000)
    expect(page).to_have_url(re.compile(r"[?&]part=Q2\b"))
    expect(period_line(page)).to_contain_text("Q2 2026")
    expect(clearance).to_have_text(fmt_value(engine_value(in_year_app[1], "2026-Q2"), "%",
                                             "en"))
    # A quarter the data do not reach cannot be chosen.
    by_id(page, "control", name="part").click()
    q4 = dropdown_option(page, "Quarter 4")
    expect(q4.locator("input")).to_be_disabled()
    page.keyboard.press("Escape")
    # By keyboard: focus the period control, open it, arrow to the first half, Enter.
    by_id(page, "control", name="part").focus()
    page.keyboard.press("Enter")
    arrow_to(page, "H1")  # above the quarter chosen before
    page.keyboard.press("Enter")
    wait_idle(page, timeout=60_000)
    expect(page).to_have_url(re.compile(r"[?&]part=H1\b"))
    expect(period_line(page)).to_contain_text("First half of 2026")
    expect(clearance).to_have_text(fmt_value(engine_value(in_year_app[1], "2026-H1"), "%",
                                             "en"))
    # A complete year is still a whole year, with no projection.
    open_in(page, "/?year=2025")
    expect(period_line(page)).to_have_text("2025")
    expect(clearance).to_have_text(fmt_value(engine_value(in_year_app[1], "2025"), "%", "en"))
    expect(tile(page, "Clearance rate").locator(".kpi-projection")).to_have_count(0)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_period_in_russian_and_kazakh(staff_page, in_year_app, lang):
    page = staff_page()
    open_in(page, f"/?lang={lang}&part=09")
    expect(period_line(page)).to_contain_text(period_label("2026-09", lang))
    expect(period_line(page)).to_contain_text(fmt_date(DATA_END, lang))
    value = engine_value(in_year_app[1], "2026-09")
    expect(page.locator(".kpi-tile .kpi-value").first).to_have_text(
        fmt_value(value, "%", lang))


def test_explorer_court_compare_and_outlook_in_the_period(staff_page, in_year_app):
    page = staff_page()
    db = in_year_app[1]
    # The explorer: the period, and the month-by-month chart against earlier years.
    open_in(page, "/kpi/clearance_rate")
    expect(period_line(page)).to_contain_text("2026, January–September")
    seasonal = card(page, "Month by month")
    expect(seasonal.locator(".js-plotly-plot .main-svg").first).to_be_attached()
    expect(seasonal).to_contain_text("Range 2023–2025")
    # The court profile: the in-year card with the projection.
    open_in(page, f"/court/{COURT}")
    expect(period_line(page)).to_contain_text("2026, January–September")
    in_year = page.locator("#court-in-year")
    expect(in_year.locator("thead")).to_contain_text("Same period a year before")
    expect(in_year.locator("thead")).to_contain_text("Projected year end")
    court_now = engine_value(db, "2026-YTD09", level="court", code=COURT)
    court_before = engine_value(db, "2025-YTD09", level="court", code=COURT)
    expect(in_year.locator("tbody tr").filter(has_text="Clearance rate")).to_contain_text(
        re.compile(re.escape(fmt_value(court_now, "%", "en")) + r"\s*"
                   + re.escape(fmt_value(court_before, "%", "en"))))
    # Compare: the grid is of the period.
    open_in(page, "/compare?units=KZ-75,KZ-71&part=Q1&year=2026")
    expect(period_line(page)).to_contain_text("Q1 2026")
    # The outlook's table: the period's value beside each series' outlook.
    open_in(page, "/outlook?part=H1&year=2026")
    expect(period_line(page)).to_contain_text("First half of 2026")
    headers = page.locator("#outlook-grid .ag-header-cell-text")
    expect(headers.filter(has_text="Value in the period")).to_have_count(1)
    expect(headers.filter(has_text="Projected year end")).to_have_count(1)
    # The downloaded table has them too, each series with its value of the period.
    with page.expect_download() as got:
        card(page, "Outlook to 2029 by KPI").get_by_role("button", name="CSV").click()
    with open(got.value.path(), encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    kz = [r for r in rows if r["KPI"] == "Clearance rate" and r["Court or region"] ==
          "Kazakhstan"]
    assert len(kz) == 1, kz
    assert kz[0]["Value in the period"] == fmt_value(engine_value(db, "2026-H1"), "%", "en")
    assert kz[0]["Same period a year before"] == fmt_value(engine_value(db, "2025-H1"), "%",
                                                            "en")
    # "98.0 % ● near target": a value and its status in words.
    assert re.fullmatch(r"[0-9.,]+ % . (on|near|off) target", kz[0]["Projected year end"])


def test_in_year_pages_have_no_serious_accessibility_violation(staff_page, in_year_app):
    page = staff_page()
    found: list[str] = []
    for path in ("/", "/kpi/clearance_rate", f"/court/{COURT}", "/outlook",
                 "/compare?units=KZ-75,KZ-71"):
        open_in(page, path)
        found.extend(violations(page))
    # The period control open, its disabled parts included.
    open_in(page, "/")
    by_id(page, "control", name="part").click()
    found.extend(violations(page))
    page.set_viewport_size({"width": 390, "height": 900})
    open_in(page, "/?lang=kk")
    found.extend(violations(page))
    open_in(page, f"/court/{COURT}")  # its in-year table stacked (next test)
    found.extend(violations(page))
    assert not found, "\n".join(found)


def test_on_a_phone_the_courts_year_in_progress_reads_without_scrolling_sideways(
        staff_page, in_year_app):
    page = staff_page()
    page.set_viewport_size({"width": 390, "height": 900})
    open_in(page, f"/court/{COURT}")
    table = page.locator("#court-in-year table")
    expect(table).to_be_visible()
    wrapper = page.locator("#court-in-year .table-responsive")
    assert wrapper.evaluate("e => e.scrollWidth <= e.clientWidth"), "scrolls sideways"
    # Each value says which column it is: "Year to date  97.6 %" on its own line.
    row = table.locator("tbody tr").filter(has_text="Clearance rate")
    cells = row.locator("td")
    labels = [cells.nth(i).evaluate("e => getComputedStyle(e, '::before').content")
              for i in range(cells.count())]
    assert labels[1:] == ['"Year to date"', '"Same period a year before"',
                          '"Projected year end"', '"Target"', '"Status"'], labels
    assert labels[0] == "none"
    # At a desktop's width it is the table it was: the header row shows.
    page.set_viewport_size({"width": 1400, "height": 900})
    expect(table.locator("thead th").first).to_be_visible()
    assert table.locator("thead").evaluate("e => e.getBoundingClientRect().height") > 10


def test_the_report_button_gives_the_period_on_the_page(staff_page, in_year_app):
    page = staff_page()
    open_in(page, "/")
    filename, body = download_pdf(page, "Report (PDF)")
    assert body.startswith(b"%PDF") and "2026-YTD09" in filename
    by_id(page, "control", name="part").click()
    dropdown_option(page, "Quarter 2").click()
    wait_idle(page, timeout=60_000)
    filename, body = download_pdf(page, "Report (PDF)")
    assert body.startswith(b"%PDF") and "2026-Q2" in filename
