"""/admin/users and /audit in the browser: an administrator adds an analyst who signs in
through the form, disables them (their next request is signed out), then reads the
audit log and downloads it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTS, dropdown_option, wait_idle
from tests.browser.test_pages import open_page
from tests.browser.test_roles import nav_links

pytestmark = pytest.mark.browser

NEW_USER = "br-analyst"
NEW_PASSWORD = "typed-password-42"


def pick(page: Page, dropdown_id: str, option: str) -> None:
    """Open a dcc.Dropdown and choose the option with this visible text."""
    page.locator(f"#{dropdown_id}").click()
    dropdown_option(page, option).click()
    wait_idle(page)


def sign_in_with_form(page: Page, username: str, password: str) -> None:
    page.goto(page.app_url + "/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    wait_idle(page)


def test_admin_adds_then_disables_an_analyst_and_reads_the_audit_log(page: Page, page_as):
    # Add an analyst with a typed password.
    open_page(page, "/admin/users")
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    accounts = page.locator(".users-table")
    expect(accounts).to_contain_text(ACCOUNTS["judge"])
    # The court is asked for judges only, and forgotten when the role changes.
    court = page.locator("#users-add-court")
    expect(court).to_be_disabled()
    page.locator("#users-add-role").select_option("judge")
    wait_idle(page)
    expect(court).to_be_enabled()
    pick(page, "users-add-court", "Semey City Court (KZ10-D01)")
    expect(court).to_contain_text("KZ10-D01")
    page.locator("#users-add-role").select_option("analyst")
    wait_idle(page)
    expect(court).to_be_disabled()
    expect(court).to_contain_text("Choose a court")
    page.get_by_label("User name").fill(NEW_USER)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Add user").click()
    wait_idle(page)
    expect(page.locator("#users-message")).to_contain_text(f"User {NEW_USER} added.")
    # A typed password is not echoed back; the form is empty for the next one.
    expect(page.locator("#users-message")).not_to_contain_text(NEW_PASSWORD)
    expect(page.get_by_label("User name")).to_have_value("")
    row = accounts.locator("tbody tr").filter(has_text=NEW_USER)
    expect(row).to_contain_text("analyst")
    expect(row.locator("td").nth(3)).to_have_text("yes")

    # The analyst signs in through the form: Upload is offered, Users is not.
    analyst = page_as(None)
    analyst.refusals_expected = True  # once disabled, callbacks in flight get 401
    sign_in_with_form(analyst, NEW_USER, NEW_PASSWORD)
    expect(analyst.locator("#account-name")).to_have_text(NEW_USER)
    links = nav_links(analyst)
    assert "Upload" in links and "Users" not in links and "Audit log" not in links, links
    assert analyst.goto(analyst.app_url + "/admin/users").status == 403

    # The admin disables them; the analyst's next request is signed out.
    pick(page, "users-edit-user", NEW_USER)
    expect(page.locator("#users-edit-role")).to_have_value("analyst")
    expect(page.locator("#users-edit-enable")).to_be_disabled()
    page.get_by_role("button", name="Disable").click()
    wait_idle(page)
    expect(page.locator("#users-message")).to_contain_text(f"Account {NEW_USER} disabled")
    expect(row.locator("td").nth(3)).to_have_text("no")
    expect(page.locator("#users-edit-enable")).to_be_enabled()
    analyst.goto(analyst.app_url + "/")
    expect(analyst).to_have_url(re.compile(r"/login\?next=/"))

    # The audit log, filtered to sign-ins: the analyst's is there, newest first.
    open_page(page, "/audit")
    pick(page, "audit-action", "signed in")
    table = page.locator(".audit-table")
    expect(table.locator("tbody tr").first).to_be_visible()
    rows = table.locator("tbody tr").all_inner_texts()
    cells = [r.split("\t") for r in rows]
    assert all(c[2] == "signed in" for c in cells), cells[:3]
    assert NEW_USER in [c[1] for c in cells]
    times = [c[0] for c in cells]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", s) for s in times), times[:3]
    assert times == sorted(times, reverse=True)
    expect(page.locator("#audit-count")).to_have_text(f"{len(rows)} events, newest first.")

    # The CSV holds the same events.
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV").click()
    assert re.fullmatch(r"audit-\d{8}-\d{4}\.csv", download.value.suggested_filename)
    text = open(download.value.path(), encoding="utf-8-sig").read()
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["Time", "User", "Action", "Details", "Address"]
    assert len(lines) - 1 == len(rows)
    assert {line[2] for line in lines[1:]} == {"signed in"}
    assert NEW_USER in {line[1] for line in lines[1:]}

    # And the disabling itself was recorded.
    pick(page, "audit-action", "user changed")
    expect(table).to_contain_text(f"{NEW_USER}: disabled")
