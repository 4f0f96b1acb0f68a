"""/workload as a person reads it (issue 28): in Kazakh, Russian and English the nation's
sentence, the map and ranking of need ratios, the totals, the reallocation as moves and
the inputs it rests on; the page says it measures courts, not judges; no serious axe
violation; a judge is not let in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.browser.test_pages import open_page

pytestmark = pytest.mark.browser

# (sentence, not-a-judge words, move words, judge year words) as the locale files say.
WORDS = {
    "en": (r"needs [\d.,]+ judges and \d+ are in post", "never of any judge",
           r"Move \d+ post", r"220 working days of 6\.0 hours"),
    "ru": (r"требует [\d,\u202f]+ судей, в должности \d+", "а не отдельного судьи",
           r"Перенести должностей: \d+", r"220 рабочих дней по 6,0 ч"),
    "kk": (r"[\d,\u202f]+ судьяны талап етеді, лауазымда \d+", "жеке судьяның емес",
           r"\d+ лауазым ауыстыру", r"6,0 сағаттан 220 жұмыс күні"),
}

WITHIN = {"en": "nationwide", "ru": "по всей стране", "kk": "бүкіл ел бойынша"}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_workload_page_reads_in_three_languages(page_as, lang):
    sentence, caveat, move, judge_year = WORDS[lang]
    page = page_as("analyst")
    open_page(page, f"/workload?lang={lang}")
    expect(page.locator("#workload-summary")).to_contain_text(re.compile(sentence))
    expect(page.locator(".alert-info")).to_contain_text(caveat)
    # The map and the ranked bars are drawn; the totals start with the nation.
    expect(page.locator(".js-plotly-plot").nth(2)).to_be_attached()
    totals = page.locator("#workload-totals table")
    expect(totals.locator("tbody tr").first).to_have_class(re.compile("table-active"))
    expect(totals.locator("tbody tr")).to_have_count(21)  # the nation and 20 regions
    expect(page.locator("#workload-moves")).to_contain_text(re.compile(move))
    inputs = page.locator("#workload-inputs")
    expect(inputs).to_contain_text(re.compile(judge_year))
    # The weights: a row per category, a column per court level (the small demo loads
    # its own, so none is marked illustrative).
    expect(inputs.locator("table tbody tr")).to_have_count(4)
    expect(inputs.locator("table thead th")).to_have_count(4)
    # Nationwide instead of within each region: the moves are recomputed.
    page.get_by_label(WITHIN[lang]).check()
    expect(page.locator("#workload-moves")).to_contain_text(re.compile(move))
    assert not violations(page), violations(page)


def test_the_proposal_table_and_download(page_as):
    page = page_as("staff")
    open_page(page, "/workload?lang=en")
    card = page.locator(".chart-card").filter(has_text="Reallocation proposal")
    card.get_by_role("button", name="Table").click()
    expect(card.locator("table th").filter(has_text="Need ratio after, %")).to_have_count(1)
    with page.expect_download() as got:
        card.get_by_role("button", name="CSV").click()
    assert got.value.suggested_filename.startswith("workload-proposal-region-2025")
    # Staff edit the judge year on the page: the form is there.
    expect(page.locator("#workload-days")).to_have_value("220")
    assert not violations(page), violations(page)


def test_a_judge_is_not_let_in(page_as):
    page = page_as("judge")
    page.refusals_expected = True
    response = page.goto(page.app_url + "/workload")
    assert response is not None and response.status == 403


def test_judge_need_ratio_has_an_explorer_page_like_every_kpi(page_as):
    page = page_as("analyst")
    open_page(page, "/kpi/judge_need_ratio?lang=en")
    expect(page.locator("h1")).to_contain_text("Judges against workload")
    expect(page.locator("body")).to_contain_text("100 × judges_in_post / judges_needed")
    expect(page.locator(".js-plotly-plot").nth(1)).to_be_attached()
