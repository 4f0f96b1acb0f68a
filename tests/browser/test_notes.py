"""Issue 15 in the browser: a note is written on /notes, read next to the chart and on
the chart itself, seen by a judge without the form, and deleted after a confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_idle
from tests.browser.test_pages import card, open_page

pytestmark = pytest.mark.browser
SAID = "2024: courts No. 2 and 3 merged, clearance < 100 % & backlog > 2 years"


def test_a_note_is_written_shown_on_the_trend_read_by_a_judge_and_deleted(page_as):
    page = page_as("analyst")
    open_page(page, "/notes?unit=KZ&kpi=clearance_rate&year=2024")
    form = page.locator("#notes-form")
    expect(form).to_be_visible()
    expect(page.get_by_label("KPI", exact=True)).to_have_value("clearance_rate")
    expect(page.get_by_label("Year", exact=True)).to_have_value("2024")
    # Keyboard only: into the text, then Tab to the button and Enter.
    text = page.get_by_label("Note", exact=True)
    text.focus()
    page.keyboard.type(SAID)
    page.get_by_role("button", name="Save note").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#notes-message")).to_have_text("Note saved.")
    row = page.locator("#notes-list tr", has_text=SAID)
    expect(row).to_have_count(1)  # shown as written: "<", ">" and "&" are text
    expect(row).to_contain_text("Clearance rate")

    # Next to the explorer's trend, and a star on the national line in 2024.
    open_page(page, "/kpi/clearance_rate")
    expect(page.locator("#explorer-notes")).to_contain_text(SAID)
    trend = card(page, "Trend with target")
    expect(trend.locator(".legendtext", has_text="Notes")).to_have_count(1)
    hover = page.evaluate("""() => {
        const plot = [...document.querySelectorAll('.js-plotly-plot')]
            .find(p => (p.data || []).some(d => d.name === 'Notes'));
        const notes = plot.data.find(d => d.name === 'Notes');
        return [notes.x, notes.hovertext];
    }""")
    assert hover[0] == [2024]
    assert "clearance &lt; 100 % &amp; backlog<br>&gt; 2 years" in hover[1][0]  # wrapped

    # A judge reads it, without the form or the buttons.
    judge = page_as("judge")
    open_page(judge, "/notes")
    expect(judge.locator("#notes-readonly")).to_be_visible()
    expect(judge.locator("#notes-form")).to_be_hidden()
    expect(judge.locator("#notes-list tr", has_text=SAID)).to_have_count(1)
    expect(judge.get_by_role("button", name="Delete")).to_have_count(0)

    # The analyst deletes it after the confirmation.
    open_page(page, "/notes")
    page.locator("#notes-list tr", has_text=SAID).get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(SAID)
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator("#notes-message")).to_have_text("Note deleted.")
    expect(page.locator("#notes-list tr", has_text=SAID)).to_have_count(0)
    wait_idle(page)
