"""Kazakh, Russian and English on every page: switcher, remembered choice, formats, charts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from layouts.i18n import catalogue
from tests.browser.test_pages import by_id, open_page, tile

pytestmark = pytest.mark.browser

PAGES = {
    "/": "scorecard.title",
    "/kpi/clearance_rate": None,
    "/court/KZ75-D01": "court.scorecard",
    "/compare?units=KZ-75,KZ-71": "compare.title",
    "/coverage": "coverage.title",
    "/upload": "upload.title",
    "/uploads": "history.title",
    "/targets": "targets.title",
    "/admin/users": "users.title",
    "/audit": "audit.title",
}
# English UI words that must not be seen on a kk or ru page.
ENGLISH_WORDS = ("Year", "Category", "Table", "Scorecard", "no data", "on target",
                 "Coverage", "Definition")


def visible_text(page: Page) -> str:
    return page.locator("body").inner_text()


def test_switcher_changes_the_language_and_remembers_it(page: Page):
    open_page(page, "/")
    expect(page.get_by_role("heading", name="National scorecard")).to_be_visible()
    page.get_by_role("link", name="Русский").click()
    page.wait_for_load_state("networkidle")
    ru = catalogue("ru")
    expect(page.get_by_role("heading", name=ru["scorecard.title"])).to_be_visible()
    # Numbers in Russian: decimal comma, e.g. "99,0 %".
    value = tile(page, "Коэффициент рассмотрения дел").locator(".kpi-value").inner_text()
    assert re.fullmatch(r"\d+,\d %", value), value
    # The choice is kept (cookie) on the next page opened without ?lang=.
    open_page(page, "/coverage")
    expect(page.get_by_role("heading", name=ru["coverage.title"])).to_be_visible()
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Data coverage")).to_be_visible()


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_page_in_kk_and_ru_has_no_english_ui_text(page: Page, lang):
    texts = catalogue(lang)
    for path, heading in PAGES.items():
        sep = "&" if "?" in path else "?"
        open_page(page, f"{path}{sep}lang={lang}")
        if heading:
            # In the page itself: the same words may name a (closed) menu item too.
            main = page.locator("main")
            expect(main.get_by_text(texts[heading], exact=True).first).to_be_visible()
        body = visible_text(page)
        leaked = [w for w in ENGLISH_WORDS if re.search(rf"\b{re.escape(w)}\b", body)]
        assert not leaked, f"{path} in {lang} shows English words {leaked}"
        if lang == "kk":
            assert re.search("[әғқңөұүһі]", body), path


def test_chart_labels_follow_the_language(page: Page):
    open_page(page, "/kpi/clearance_rate?lang=kk")
    ranking = by_id(page, "chart-graph", chart="ranking")
    expect(ranking.locator(".js-plotly-plot")).to_be_visible()
    # SVG text has no innerText: read textContent.
    labels = ranking.locator(".ytick text").evaluate_all("els => els.map(e => e.textContent)")
    # Region names in Kazakh (from the database), e.g. "Абай облысы".
    assert any("облысы" in label for label in labels), labels[:5]
    title = ranking.locator(".gtitle").text_content()
    assert "Істерді қарау коэффициенті" in title, title
