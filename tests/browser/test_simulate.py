"""The simulator (/simulate) in headless Chromium, as a person uses it: pick a unit, move
the incoming-change slider with the keyboard, type a clearance rate, read the sentence
and the table; as a judge; on a 390 px phone; in Russian."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import JUDGE_COURT, dropdown_option, wait_idle
from tests.browser.test_pages import card, open_page

pytestmark = pytest.mark.browser

CHART = "Pending cases and disposition time, reported and projected"
NNBSP = "\u202f"
# "…, 1,838 cases will be pending at the end of 2029 …"
PENDING = re.compile(r"([\d,]+) cases? will be pending at the end of (\d{4})")


def sentence(page: Page) -> str:
    return page.locator("#simulate-sentence").inner_text()


def table_rows(page: Page, title: str = CHART) -> list[list[str]]:
    """The chart's table as shown (opened with its Table button when closed)."""
    chart = card(page, title)
    table = chart.locator("table")
    if not table.is_visible():
        chart.locator(".card-header button").first.click()
        wait_idle(page)
    expect(table).to_be_visible()
    return [r.locator("td").all_inner_texts() for r in table.locator("tbody tr").all()]


def pick_unit(page: Page, name: str) -> None:
    page.locator("#simulate-unit").click()
    dropdown_option(page, name).click()
    wait_idle(page)


def test_pick_a_unit_move_incoming_with_the_keyboard_read_sentence_and_table(page):
    open_page(page, "/simulate")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case-flow simulator: what if?")
    expect(page.locator("#simulate-sentence")).to_contain_text("will be pending at the end of "
                                                               "2029")
    # Every control is named by its visible label.
    for label in ("Category", "Horizon year", "Incoming cases: change a year (%)",
                  "Clearance rate (%)", "Judges in post"):
        expect(page.get_by_label(label, exact=True)).to_have_count(1)
    expect(page.get_by_role("group", name="Court, region or the nation")).to_be_visible()

    pick_unit(page, "Almaty")
    expect(page.locator("#simulate-sentence")).to_contain_text("incoming cases ±0 % a year")
    # The clearance rate field shows the unit's last year, said again under it.
    shown = page.get_by_label("Clearance rate (%)").input_value()
    expect(page.locator("#simulate-clearance-hint")).to_contain_text(
        f"2025 as reported: {float(shown):.1f} %")
    # Below 100 % cases pile up, so more incoming shows (the demo's Almaty cleared over
    # 100 % in 2025 and would end 2029 with none pending either way).
    page.get_by_label("Clearance rate (%)").fill("95")
    page.keyboard.press("Tab")
    wait_idle(page)
    expect(page.locator("#simulate-sentence")).to_contain_text("At a clearance rate of 95.0 %")
    before = PENDING.search(sentence(page)).group(1)
    assert int(before.replace(",", "")) > 0

    slider = page.get_by_label("Incoming cases: change a year (%)")
    slider.focus()
    for _ in range(6):  # 0.5 a step
        page.keyboard.press("ArrowRight")
    wait_idle(page)
    expect(page.locator("#simulate-change-value")).to_have_text("+3 %")
    expect(page.locator("#simulate-sentence")).to_contain_text(
        "At a clearance rate of 95.0 % and incoming cases +3 % a year")
    after = PENDING.search(sentence(page))
    assert after.group(2) == "2029"
    assert int(after.group(1).replace(",", "")) > int(before.replace(",", ""))

    # The table says what the sentence says: 2029, projected, the same pending cases.
    rows = table_rows(page)
    assert [r[0] for r in rows][-5:] == ["2025", "2026", "2027", "2028", "2029"]
    assert rows[-5][1] == "reported" and rows[-1][1] == "projected"
    assert rows[-1][4] == after.group(1)

    # A clearance rate typed in, and a horizon picked from the list.
    page.get_by_label("Clearance rate (%)").fill("110")
    page.keyboard.press("Tab")
    page.get_by_label("Horizon year").select_option("2031")
    wait_idle(page)
    expect(page.locator("#simulate-sentence")).to_contain_text(
        "At a clearance rate of 110.0 % and incoming cases +3 % a year")
    expect(page.locator("#simulate-sentence")).to_contain_text("at the end of 2031")
    assert table_rows(page)[-1][:2] == ["2031", "projected"]
    # The chart draws the projection dashed, after the reported years.
    chart = card(page, CHART)
    expect(chart.locator(".legendtext", has_text="Projected (what if)")).to_have_count(1)
    dashed = chart.locator("path.js-line[style*='stroke-dasharray']")
    expect(dashed.nth(1)).to_be_attached()  # pending cases and disposition time


def test_a_judge_simulates_their_own_court_with_the_judges_lever(page_as):
    page = page_as("judge")
    open_page(page, "/simulate")
    # Their own court is the unit from the start, the only court in the list.
    expect(page.locator("#simulate-unit")).to_contain_text(f"({JUDGE_COURT})")
    page.locator("#simulate-unit").click()
    courts = dropdown_option(page, re.compile(r"\(KZ\d\d-"))
    expect(courts).to_have_count(1)
    page.keyboard.press("Escape")
    judges = page.get_by_label("Judges in post")
    expect(judges).to_be_enabled()
    expect(page.locator("#simulate-judges-hint")).to_contain_text("in post")
    judges.fill("2")
    page.keyboard.press("Tab")
    wait_idle(page)
    expect(page.locator("#simulate-sentence")).to_contain_text("With 2 judges in post")
    # A category other than all: the judges lever is off again.
    page.get_by_label("Category").select_option("civil")
    wait_idle(page)
    expect(judges).to_be_disabled()
    expect(page.locator("#simulate-sentence")).to_contain_text("At a clearance rate of")


def test_a_judge_following_a_link_to_another_court_is_refused(page_as):
    page = page_as("judge")
    open_page(page, "/simulate?unit=KZ75-D01")
    expect(page.locator("#simulate-sentence")).not_to_contain_text("will be pending")
    expect(page.locator("body")).not_to_contain_text("Almaly")


@pytest.mark.parametrize("lang, words", [
    ("en", "will be pending at the end of 2029"),
    ("ru", "остаток неоконченных дел к концу 2029 года составит"),
])
def test_on_a_390_px_phone_nothing_overflows(page, lang, words):
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, f"/simulate?lang={lang}")
    expect(page.locator("#simulate-sentence")).to_contain_text(words)
    page.locator("#simulate-change").focus()
    page.keyboard.press("ArrowLeft")
    wait_idle(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    for selector in ("#simulate-unit", "#simulate-category", "#simulate-horizon",
                     "#simulate-change", "#simulate-clearance", "#simulate-judges",
                     "#simulate-sentence", ".chart-card .js-plotly-plot"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5, selector


def test_in_russian(page):
    open_page(page, "/simulate?lang=ru")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Симулятор движения дел: что если?")
    expect(page.get_by_label("Коэффициент рассмотрения (%)")).to_have_count(1)
    text = sentence(page)
    assert text.startswith("При коэффициенте рассмотрения ")
    assert re.search(r"\d+,\d %", text), text  # 99,0 %: a decimal comma
    assert re.search(rf"\d{NNBSP}\d{{3}} дел", text), text  # 1 838 дел
    page.get_by_label("Поступление дел: изменение за год (%)").focus()
    page.keyboard.press("ArrowLeft")
    wait_idle(page)
    expect(page.locator("#simulate-change-value")).to_have_text("−0,5 %")
    expect(page.locator("#simulate-sentence")).to_contain_text("на −0,5 % в год")
    rows = table_rows(page, "Остаток неоконченных дел и расчётный срок: по отчёту и расчёт")
    assert rows[-1][:2] == ["2029", "расчёт"]
    assert NNBSP in rows[-1][2] and re.fullmatch(r"\d+,\d", rows[-1][6]), rows[-1]
    headers = card(page, "Остаток неоконченных дел и расчётный срок: по отчёту и расчёт") \
        .locator("thead th").all_inner_texts()
    assert "Остаток на конец года" in headers
