"""Issue 15 in the browser: the ranked plausibility flags on /coverage, a flag explained
by a note, and the court profile's flags with the mark on its case flow."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_pages import card, open_page

pytestmark = pytest.mark.browser
FLAGGED = "KZ35-D01"  # the small demo has a seconded judge there in 2025 (more than posts)
NOTE = "2025: a judge seconded from the regional court"


def test_flags_are_ranked_on_coverage_explained_by_a_note_and_listed_on_the_court(page_as):
    page = page_as("staff")
    open_page(page, "/coverage?year=2025")
    flags = card(page, "Plausibility checks")
    row = flags.locator("#flags-table tbody tr").filter(
        has=page.locator(f"a[href='/court/{FLAGGED}']"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("More in post than posts")
    expect(row).to_contain_text("to check")
    # The court-year is marked in the table of what each court sent (shown by region):
    # a note on it marks the flag as explained.
    open_page(page, f"/notes?unit={FLAGGED}&year=2025")
    page.get_by_label("Note", exact=True).fill(NOTE)
    page.get_by_role("button", name="Save note").click()
    expect(page.locator("#notes-message")).to_have_text("Note saved.")
    open_page(page, "/coverage?year=2025")
    row = card(page, "Plausibility checks").locator("#flags-table tbody tr").filter(
        has=page.locator(f"a[href='/court/{FLAGGED}']"))
    expect(row).to_contain_text("explained by a note:")
    expect(row).to_contain_text(NOTE)

    # The court profile lists the flag with the note.
    open_page(page, f"/court/{FLAGGED}")
    own = page.locator("#court-flags tbody tr")
    expect(own.first).to_contain_text("More in post than posts")
    expect(page.locator("#court-notes")).to_contain_text(NOTE)

    # Clean up: the note goes (other tests read this demo).
    open_page(page, "/notes")
    page.locator("#notes-list tr", has_text=NOTE).get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator("#notes-message")).to_have_text("Note deleted.")
