"""Where the gap is, as a person sees it (issue 27): the line on an off-target tile, the
link to the explorer's Pareto chart and its sentence, in three languages; a judge sees
other courts only as "Court 17 of 42"; the court profile says the court's own part."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_pages import open_page

pytestmark = pytest.mark.browser

# (tile line, explorer sentence, table column) as the locale files say them.
WORDS = {
    "en": (r"of the gap in \d+ of \d+ courts", r"of it is in \d+ of \d+ courts",
           "Part of the gap"),
    "ru": (r"разрыва приходится на \d+ из \d+ судов", r"этого приходится на \d+ из \d+ судов",
           "Вклад в разрыв"),
    "kk": (r"Алшақтықтың .* үлесі \d+ соттың \d+ сотында", r"үлесі \d+ соттың \d+ сотына",
           "Алшақтыққа үлесі"),
}


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_an_off_target_tile_leads_to_the_courts_that_make_its_gap(page, lang):
    tile_words, sentence_words, column = WORDS[lang]
    open_page(page, f"/?lang={lang}")
    line = page.locator(".kpi-gap a").first
    expect(line).to_be_visible()
    assert re.search(tile_words, line.inner_text()), line.inner_text()
    line.click()
    page.wait_for_url(re.compile(r"/kpi/\w+.*#gap"))
    open_page(page, page.url.replace(page.app_url, ""))
    card = page.locator("#gap")
    note = card.locator("#explorer-gap-note")
    expect(note).to_contain_text(re.compile(sentence_words))
    # The Pareto chart: one bar per widening court (or "more courts") and the line.
    expect(card.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    expect(card.locator(".js-plotly-plot g.point").nth(1)).to_be_attached()
    card.get_by_role("button", name=re.compile("Table|Таблица|Кесте")).click()
    expect(card.locator("table th").filter(has_text=column)).to_have_count(1)


def test_a_judge_sees_other_courts_of_the_gap_anonymised(page_as):
    page = page_as("judge")
    open_page(page, "/kpi/clearance_rate?lang=en")
    note = page.locator("#explorer-gap-note")
    expect(note).to_contain_text(re.compile(r"Court \d+ of \d+"))
    # Courts a staff member sees named among the largest parts are not named here.
    staff_names = ("Karaganda City Court", "Kokshetau City Court", "Abay District Court")
    assert not [n for n in staff_names if n in note.inner_text()], note.inner_text()


def test_the_court_profile_says_its_part_of_the_gap(page):
    open_page(page, "/court/KZ75-D01?lang=en")
    part = page.locator("#court-gap-list")
    if part.count() == 0:
        pytest.skip("neither the court's region nor the nation is off target in the demo")
    expect(part).to_contain_text(re.compile(r"This court|narrows"))
