"""What a person sees and does on each page, in headless Chromium against the real app.

The app runs on the small synthetic demo (see conftest.py). Every test uses the
``page`` fixture, so a console error, a page error or an HTTP 5xx fails it.
"""

from __future__ import annotations

import csv
import json
import re
import time

import pytest
from playwright.sync_api import Locator, Page, expect

from kpi.catalogue import CATALOGUE
from tests.browser.conftest import dropdown_option, wait_idle

pytestmark = pytest.mark.browser

COURT = "KZ75-D01"
COURT_NAME = "Almaly District Court of Almaty"
# Courts of the demo, several of which have no survey (so no satisfaction) in the
# latest year; KZ75-D01 is one of them.
SOME_COURTS = ("KZ75-D01", "KZ71-D01", "KZ75-ECO")


# --- small steps ---------------------------------------------------------------------


def open_page(page: Page, path: str) -> float:
    """Go to ``path`` and wait until Dash has no callback in flight; seconds it took."""
    started = time.monotonic()
    page.goto(page.app_url + path)
    wait_idle(page)
    return time.monotonic() - started


def by_id(page: Page, kind: str, **keys: str) -> Locator:
    """A component with a pattern ID: Dash writes it as JSON with sorted keys."""
    dash_id = json.dumps({"type": kind, **keys}, sort_keys=True, separators=(",", ":"))
    return page.locator(f"[id='{dash_id}']")


def choose(page: Page, control: str, option: str) -> None:
    """Open a dropdown control and pick the option with this visible text."""
    by_id(page, "control", name=control).click()
    dropdown_option(page, option).click()
    wait_idle(page)


def card(page: Page, title: str) -> Locator:
    """The card whose header says ``title``."""
    return page.locator(".card").filter(
        has=page.locator(".card-header").get_by_role("heading", name=title, exact=True))


def tile(page: Page, kpi_name: str) -> Locator:
    return page.locator(".kpi-tile").filter(
        has=page.locator(".kpi-name").get_by_text(kpi_name, exact=True))


def row(table: Locator, first_cell: str) -> Locator:
    return table.locator("tbody tr").filter(
        has=table.page.locator("td:first-child").get_by_text(first_cell, exact=True))


# --- scorecard -----------------------------------------------------------------------


def test_scorecard_shows_tiles_map_and_courts_needing_attention(page: Page):
    seconds = open_page(page, "/")
    print(f"\nfirst render of / in the browser: {seconds:.2f} s")

    expect(page.get_by_role("heading", name="National scorecard", level=1)).to_be_visible()
    expect(page.get_by_text("Synthetic demo data: these numbers describe no real court."))\
        .to_be_visible()

    # Tiles grouped by pillar: "Clearance rate" sits under "Efficiency".
    efficiency = page.locator("section").filter(
        has=page.get_by_role("heading", name="Efficiency", exact=True))
    clearance = efficiency.locator(".kpi-tile").filter(has_text="Clearance rate")
    expect(clearance).to_have_count(1)
    expect(clearance.locator(".kpi-value")).to_have_text(re.compile(r"^-?[\d,]+\.\d %$"))
    expect(clearance.locator(".status-badge")).to_have_text(
        re.compile(r"(on target|near target|off target)$"))
    for pillar in ("Quality", "Accessibility", "Transparency", "Trust", "Resources"):
        expect(page.get_by_role("heading", name=pillar, exact=True)).to_be_visible()
    # Its trend is an image the browser drew, described for screen readers.
    trend = clearance.get_by_role("img", name=re.compile(r"^Trend 20\d\d–20\d\d"))
    expect(trend).to_be_visible()
    assert trend.evaluate("img => img.complete && img.naturalWidth > 0")
    assert trend.bounding_box()["width"] > 100

    # The regions map is drawn.
    regions_map = card(page, "Regions: Clearance rate")
    expect(regions_map.locator(".js-plotly-plot")).to_be_visible()
    expect(regions_map.locator(".js-plotly-plot .main-svg").first).to_be_visible()

    # Courts needing attention: rows that link to court profiles.
    attention = card(page, "Courts needing attention")
    expect(attention.locator("thead")).to_contain_text("Court")
    links = attention.locator("tbody tr td:first-child a")
    expect(links.first).to_be_visible()
    expect(links.nth(2)).to_be_visible()
    expect(links.first).to_have_attribute("href", re.compile(r"^/court/KZ[\w-]+$"))


def test_scorecard_year_goes_into_the_url_and_back_returns(page: Page):
    open_page(page, "/")
    clearance_link = tile(page, "Clearance rate").locator("a").first
    expect(clearance_link).to_have_attribute("href", re.compile(r"year=2025"))
    latest_value = tile(page, "Clearance rate").locator(".kpi-value").inner_text()

    choose(page, "year", "2023")
    expect(page).to_have_url(re.compile(r"[?&]year=2023\b"))
    # The tiles are redrawn for 2023: their links carry the year, the value changed.
    expect(clearance_link).to_have_attribute("href", re.compile(r"year=2023"))
    expect(tile(page, "Clearance rate").locator(".kpi-value")).not_to_have_text(latest_value)
    expect(by_id(page, "control", name="year")).to_have_text("2023")

    page.go_back()
    wait_idle(page)
    expect(page).not_to_have_url(re.compile(r"year=2023"))
    expect(tile(page, "Clearance rate").locator("a").first).to_have_attribute(
        "href", re.compile(r"year=2025"))
    expect(tile(page, "Clearance rate").locator(".kpi-value")).to_have_text(latest_value)


def hover_over(page: Page, mark: Locator) -> Locator:
    """Move the mouse to the middle of a Plotly point or bar; its hover label.

    Plotly listens on its drag layer above the marks, so the mouse goes to the
    mark's page coordinates rather than to the SVG element; a following
    ``page.mouse.down()``/``up()`` is a click on that mark.
    """
    mark.scroll_into_view_if_needed()
    box = mark.bounding_box()
    assert box, "the mark has a size"
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    label = page.locator(".hoverlayer .hovertext").first
    expect(label).to_be_visible()
    return label


def test_clicking_a_region_on_the_map_opens_its_courts(page: Page):
    open_page(page, "/")
    regions_map = by_id(page, "chart-graph", chart="map")
    labels = regions_map.locator(".scatterlayer g.textpoint text")
    expect(labels).to_have_count(20)
    # A tile's label is its short name and value, e.g. "Almaty" + "98.7 %".
    almaty = next(i for i, text in enumerate(labels.all_text_contents())
                  if re.match(r"Almaty\d", text))
    tile_mark = regions_map.locator(".scatterlayer path.point").nth(almaty)
    expect(hover_over(page, tile_mark)).to_contain_text("Almaty")
    page.mouse.down()
    page.mouse.up()

    expect(page).to_have_url(re.compile(r"/kpi/clearance_rate\?.*region=KZ-75"))
    expect(page).to_have_url(re.compile(r"[?&]view=courts\b"))
    wait_idle(page)
    expect(page.locator("#breadcrumbs")).to_have_text("Kazakhstan › Almaty › Clearance rate")
    expect(card(page, "Courts ranked")).to_be_visible()
    expect(by_id(page, "control", name="region")).to_have_text("Almaty")


# --- KPI explorer --------------------------------------------------------------------


def ranking_bars(page: Page) -> Locator:
    return by_id(page, "chart-graph", chart="ranking").locator("g.point path")


def test_explorer_definition_category_and_ranking_by_courts(page: Page):
    open_page(page, "/kpi/clearance_rate")
    expect(page.get_by_role("heading", name="Clearance rate", level=1)).to_be_visible()
    expect(page.locator("#definition")).to_contain_text("100 × resolved / incoming")
    expect(card(page, "Regions ranked")).to_be_visible()
    expect(ranking_bars(page)).to_have_count(20)  # one bar per region

    choose(page, "category", "Civil")
    expect(page).to_have_url(re.compile(r"[?&]category=civil\b"))
    expect(by_id(page, "control", name="category")).to_have_text("Civil")

    page.get_by_label("Courts", exact=True).check()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"[?&]view=courts\b"))
    expect(page).to_have_url(re.compile(r"[?&]category=civil\b"))
    expect(card(page, "Courts ranked")).to_be_visible()
    bars = ranking_bars(page)
    expect(bars.first).to_be_visible()
    expect(bars.nth(20)).to_be_attached()  # one bar per court with civil cases


def test_clicking_a_court_bar_opens_its_profile(page: Page):
    open_page(page, "/kpi/clearance_rate?view=courts")
    bar = ranking_bars(page).first
    expect(bar).to_be_visible()

    # Hovering shows the court's name; clicking opens that court's profile.
    hover = hover_over(page, bar)
    court_name = (hover.locator("tspan[style*='bold']").first.text_content() or "").strip()
    assert court_name.endswith("Court") or " Court " in court_name, court_name
    page.mouse.down()
    page.mouse.up()

    expect(page).to_have_url(re.compile(r"/court/KZ[\w-]+"))
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(court_name)
    expect(card(page, "Scorecard against region and nation")).to_be_visible()


def test_ranking_table_view_and_downloads(page: Page):
    open_page(page, "/kpi/clearance_rate")
    ranking = card(page, "Regions ranked")

    ranking.get_by_role("button", name="Table", exact=True).click()
    table = ranking.locator("table")
    expect(table).to_be_visible()
    expect(table.locator("thead")).to_contain_text("Value")
    expect(table.locator("tbody tr")).to_have_count(20)
    expect(table.locator("tbody tr").first).to_contain_text(re.compile(r"\d+\.\d\d"))

    with page.expect_download() as csv_download:
        ranking.get_by_role("button", name="CSV", exact=True).click()
    csv_file = csv_download.value
    assert csv_file.suggested_filename.endswith(".csv")
    assert csv_file.suggested_filename.startswith("clearance_rate-ranking")
    with open(csv_file.path(), encoding="utf-8-sig", newline="") as f:
        header, *lines = list(csv.reader(f))
    # The file has the columns the table view shows, and one line per region.
    assert header == table.locator("thead th").all_inner_texts(), header
    assert "Value" in header and "Coverage, %" in header
    assert len(lines) == 20

    with page.expect_download() as xlsx_download:
        ranking.get_by_role("button", name="Excel", exact=True).click()
    xlsx_file = xlsx_download.value
    assert xlsx_file.suggested_filename.endswith(".xlsx")
    with open(xlsx_file.path(), "rb") as f:
        assert f.read(2) == b"PK"


def test_controls_change_the_url_only_when_the_user_changed_something(page: Page):
    """assets/url_state.js, evaluated in Chromium on the page states the server makes."""
    from layouts.params import page_state

    open_page(page, "/")
    state = page_state({"year": "2024"})
    call = """([values, names, state]) => {
        const f = window.dash_clientside.court_kpi.controls_to_url;
        const out = f(values, names.map(name => ({name, type: "control"})), [state]);
        return out === window.dash_clientside.no_update ? null : out; }"""
    assert page.evaluate(call, [[2024, "all"], ["year", "category"], state]) is None
    assert page.evaluate(call, [[2023, "all"], ["year", "category"], state]) == \
        "?category=all&kpi=clearance_rate&view=regions&year=2023"
    # Lists join with commas, empty values drop out, as layouts.params.query_string.
    assert page.evaluate(call, [[["KZ-75", "KZ10-D01"], None], ["units", "region"], state]) \
        == "?category=all&kpi=clearance_rate&units=KZ-75%2CKZ10-D01&view=regions&year=2024"


def test_a_chart_table_is_asked_for_only_when_opened(page: Page):
    """A chart's table is built on the server only while it is open: drawing a page or a
    new year's charts sends no request for the closed tables; opening one sends one."""
    asked = []
    page.on("request", lambda r: asked.append(r.post_data or "")
            if "_dash-update-component" in r.url else None)
    open_page(page, "/kpi/clearance_rate")
    choose(page, "year", "2023")
    expect(page).to_have_url(re.compile(r"[?&]year=2023\b"))
    wait_idle(page)
    assert asked and not any('"chart-table"' in body for body in asked), asked

    ranking = card(page, "Regions ranked")
    ranking.get_by_role("button", name="Table", exact=True).click()
    expect(ranking.locator("table tbody tr")).to_have_count(20)
    assert sum('"chart-table"' in body for body in asked) == 1


def test_unknown_kpi_says_not_found(page: Page):
    open_page(page, "/kpi/nonsense")
    expect(page.get_by_text("Not found: nonsense.")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(0)


# --- court profile -------------------------------------------------------------------


def test_court_profile(page: Page):
    open_page(page, f"/court/{COURT}")
    expect(page.get_by_role("heading", name=COURT_NAME, level=1)).to_be_visible()
    crumbs = page.locator("#breadcrumbs")
    expect(crumbs.get_by_role("link", name="Kazakhstan")).to_have_attribute("href", "/")
    expect(crumbs.get_by_role("link", name="Almaty", exact=True)).to_be_visible()

    scorecard = card(page, "Scorecard against region and nation").locator("table")
    headers = scorecard.locator("thead th")
    expect(headers).to_contain_text(["KPI", "Court", "Region", "Kazakhstan"])
    clearance = row(scorecard, "Clearance rate")
    expect(clearance).to_have_count(1)
    expect(clearance.locator("td").nth(1)).to_have_text(re.compile(r"^[\d,]+\.\d %$"))

    flow = card(page, "Case flow")
    flow.scroll_into_view_if_needed()  # drawn when it scrolls into view
    expect(flow.locator(".js-plotly-plot")).to_be_visible()
    expect(flow.locator("g.point path").first).to_be_visible()

    # Every KPI's trend as a small image (no Plotly axes to lay out), named, with its
    # latest value and a text alternative.
    trends = card(page, "Every KPI over time")
    panels = trends.locator(".small-multiple")
    expect(panels).to_have_count(len(CATALOGUE))
    expect(panels.first).to_contain_text(re.compile(r"Clearance rate\s*20\d\d: [\d,.]+ %"))
    expect(panels.first.locator("img")).to_have_attribute("alt", re.compile(r"20\d\d"))
    assert trends.locator(".js-plotly-plot").count() == 0

    sent = card(page, "Data the court has sent").locator("table")
    expect(sent.locator("tbody tr").first).to_be_visible()
    years = sent.locator("tbody tr td:first-child").all_inner_texts()
    assert "2025" in years and all(re.fullmatch(r"20\d\d", y) for y in years), years
    expect(sent).to_contain_text(re.compile(r"case-level|aggregate"))


def test_charts_below_the_fold_are_drawn_when_scrolled_to(page: Page):
    # The court profile's charts are far below its first screen: the page is drawn
    # without them, and each is drawn as it comes into view, from the figure the page
    # brought (no request).
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, f"/court/{COURT}")
    seasonal = card(page, "Month by month")
    backlog = card(page, "Age of pending cases on 31 December")
    expect(page.locator("#court-scorecard table")).to_be_visible()
    for chart in (seasonal, backlog):
        expect(chart.locator("[data-lazy-chart]")).to_have_count(1)
        assert chart.locator(".js-plotly-plot").count() == 0, "drawn before it was seen"
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    backlog.scroll_into_view_if_needed()
    expect(backlog.locator(".js-plotly-plot .main-svg").first).to_be_attached()
    expect(backlog.locator("g.point path, .bars path").first).to_be_attached()
    seasonal.scroll_into_view_if_needed()
    expect(seasonal.locator(".js-plotly-plot .main-svg").first).to_be_attached()
    assert posts == [], posts
    # Back up to change the category: the page's new view brings new figures, drawn
    # again as each chart comes back into view.
    page.evaluate("window.scrollTo(0, 0)")
    choose(page, "category", "Civil")
    expect(page).to_have_url(re.compile(r"category=civil"))
    seasonal = card(page, "Month by month")
    seasonal.scroll_into_view_if_needed()
    expect(seasonal.locator(".js-plotly-plot .main-svg").first).to_be_attached()


def test_unknown_court_says_not_found(page: Page):
    open_page(page, "/court/NOPE")
    expect(page.get_by_text("Not found: NOPE.")).to_be_visible()
    expect(page.locator("#court-scorecard table")).to_have_count(0)


def test_missing_satisfaction_shows_no_data_not_zero(page: Page):
    shown = {}
    for code in SOME_COURTS:
        open_page(page, f"/court/{code}")
        scorecard = card(page, "Scorecard against region and nation").locator("table")
        satisfaction = row(scorecard, "Court user satisfaction")
        expect(satisfaction).to_have_count(1)
        value = satisfaction.locator("td").nth(1).inner_text().strip()
        shown[code] = value
        assert value == "no data" or re.fullmatch(r"[\d,]+\.\d %", value), (code, value)
        if value == "no data":
            # Not a zero, and the status says there is nothing to judge.
            assert "0.0" not in value
            expect(satisfaction.locator(".status-badge")).to_have_text(re.compile("no data"))
    assert shown[COURT] == "no data", shown  # the demo has no survey for it in 2025
    assert any(v != "no data" for v in shown.values()), shown


# --- compare and coverage ------------------------------------------------------------


def test_compare_two_regions(page: Page):
    open_page(page, "/compare?units=KZ-75,KZ-71")
    expect(page.get_by_role("heading", name="Compare courts and regions")).to_be_visible()
    grid = card(page, "KPIs side by side").locator("table")
    expect(grid.locator("thead th")).to_have_text(["KPI", "Almaty", "Astana"])
    clearance = row(grid, "Clearance rate")
    expect(clearance.locator("td")).to_have_count(3)
    expect(clearance.locator("td").nth(1)).to_contain_text("%")
    expect(grid.locator("tbody tr").nth(14)).to_be_attached()
    expect(card(page, "Clearance rate over the years").locator(".js-plotly-plot"))\
        .to_be_visible()


def test_compare_without_units_asks_for_two(page: Page):
    open_page(page, "/compare")
    expect(card(page, "KPIs side by side"))\
        .to_contain_text("Choose at least 2 courts or regions.")


def test_coverage_matrix(page: Page):
    open_page(page, "/coverage")
    expect(page.get_by_role("heading", name="Data coverage", level=1)).to_be_visible()
    matrix = card(page, "What each court has sent").locator("table")
    expect(matrix.locator("thead th").first).to_have_text("Court")
    expect(matrix.locator("thead")).to_contain_text("2025")
    expect(matrix.locator("td.coverage-cases").first).to_have_text("case-level")
    expect(matrix.locator("td.coverage-caseload").first).to_have_text("aggregate")
    expect(row(matrix, COURT_NAME).locator("a")).to_have_attribute("href", f"/court/{COURT}")
