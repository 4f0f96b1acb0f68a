"""Upload history with Undo, and the targets editor, in headless Chromium.

These tests change data (an upload, its undo, a target), so they run against their
own app and database (``app_url`` below overrides the session-wide one), leaving the
other browser tests' demo untouched.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect

from bench.appserver import running_app
from data.store import frames
from data.store.db import make_engine
from tests.browser.conftest import ACCOUNTS, ROOT, demo_with_accounts, wait_idle

# One xdist worker runs this whole module (--dist loadgroup in ./dev): its module-wide
# fixtures are built once, not once per worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("history_targets")]


@pytest.fixture(scope="module")
def db_url(tmp_path_factory, demo_templates) -> str:
    """This module's own copy of the demo (``python -m data demo --as-of 2026-01-01``)."""
    with demo_with_accounts(demo_templates, "sqlite", tmp_path_factory.mktemp("history"),
                            "2026-01-01", ACCOUNTS) as url:
        yield url


@pytest.fixture(scope="module")
def app_url(db_url, tmp_path_factory):
    with running_app(db_url, tmp_path_factory.mktemp("history-log") / "app.log") as base:
        yield base


def open_page(page: Page, path: str) -> None:
    page.goto(page.app_url + path)
    wait_idle(page)


def card(page: Page, title: str) -> Locator:
    return page.locator(".card").filter(
        has=page.locator(".card-header").get_by_role("heading", name=title, exact=True))


def clearance_of_court(page: Page, court: str) -> str:
    open_page(page, f"/court/{court}")
    table = card(page, "Scorecard against region and nation").locator("table")
    row = table.locator("tbody tr").filter(has_text="Clearance rate").first
    value = row.locator("td").nth(1)
    expect(value).to_have_text(re.compile(r"^[\d,]+\.\d %$"))
    return value.inner_text().strip()


def grid_row(page: Page, grid_id: str, *cells: str) -> Locator:
    """The AG Grid row (centre part) holding each of ``cells`` as a whole cell text."""
    rows = page.locator(f"#{grid_id} .ag-center-cols-container .ag-row")
    for text in cells:
        rows = rows.filter(has=page.locator(".ag-cell").get_by_text(text, exact=True))
    return rows


def show_kpi(page: Page, name: str) -> None:
    """Filter the targets grid to one KPI (rows out of view are not drawn)."""
    box = page.locator("#targets-grid .ag-floating-filter[col-id='kpi_name'] input")
    box.fill(name)
    wait_idle(page)


def changed_caseload(db_url: str, path) -> tuple[str, int]:
    """A caseload file for one aggregate-reporting court's latest year with 10 more
    incoming (and pending) cases per category: its clearance rate drops."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        year = int(frames.read_sql(conn, "SELECT MAX(year) AS y FROM caseload")["y"].iloc[0])
        court = frames.read_sql(conn, "SELECT MIN(court_code) AS c FROM caseload "
                                     "WHERE year = :y", {"y": year})["c"].iloc[0]
        rows = frames.read_sql(conn, "SELECT * FROM caseload WHERE court_code = :c "
                                    "AND year = :y", {"c": court, "y": year})
    engine.dispose()
    rows = rows.drop(columns=["upload_id"])
    rows["incoming"] = rows["incoming"].astype(int) + 10
    rows["pending_end"] = rows["pending_end"].astype(int) + 10
    rows.astype(object).where(rows.notna(), None).to_csv(path, index=False)
    assert len(pd.read_csv(path)) == len(rows)
    return court, len(rows)


def test_analyst_undoes_an_upload_and_the_court_shows_its_previous_values(
        page_as, db_url, tmp_path):
    page = page_as("analyst")
    path = tmp_path / "caseload-fix.csv"
    court, n_rows = changed_caseload(db_url, path)
    before = clearance_of_court(page, court)

    # A corrected file comes in from the command line, as the analyst.
    subprocess.run([sys.executable, "-m", "data", "load", str(path), "--db", db_url,
                    "--user", ACCOUNTS["analyst"]], cwd=ROOT, check=True,
                   capture_output=True, timeout=300)
    changed = clearance_of_court(page, court)
    assert changed != before

    open_page(page, "/uploads")
    expect(page.get_by_role("heading", name="Upload history", level=1)).to_be_visible()
    upload = grid_row(page, "uploads-grid", "loaded").filter(has_text="caseload-fix.csv")
    expect(upload).to_have_count(1)
    expect(upload).to_contain_text(f"{ACCOUNTS['analyst']} · command line")
    upload.locator(".ag-cell").first.click()
    wait_idle(page)
    expect(page.locator("#uploads-selected")).to_contain_text("caseload-fix.csv")

    page.get_by_role("button", name="Undo upload…").click()
    wait_idle(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("caseload-fix.csv (yearly totals)")
    expect(dialog.locator("#uploads-undo-preview li")).to_have_text([
        "Rows it added, which will be removed: 0",
        f"Rows it replaced, which will be restored as they were before it: {n_rows}"])
    dialog.get_by_role("button", name="Undo the upload").click()
    wait_idle(page)
    expect(dialog).to_be_hidden()
    expect(page.locator("#uploads-message")).to_contain_text(
        f"undone; rows removed: 0, rows restored: {n_rows}.")
    # Still listed, now as undone by the analyst.
    undone = grid_row(page, "uploads-grid").filter(has_text="caseload-fix.csv")
    expect(undone).to_contain_text(f"undone by {ACCOUNTS['analyst']}")

    assert clearance_of_court(page, court) == before

    # Undoing it again is refused with the reason, and the button says so first.
    open_page(page, "/uploads")
    undone.locator(".ag-cell").first.click()
    wait_idle(page)
    expect(page.get_by_role("button", name="Undo upload…")).to_be_disabled()
    expect(page.locator("#uploads-selected")).to_contain_text("It is already undone.")

    # Its validation report downloads as CSV.
    with page.expect_download() as download:
        page.get_by_role("button", name="Validation report (CSV)").click()
    assert download.value.suggested_filename.endswith("-report.csv")


def test_undo_is_refused_with_the_reason_when_a_later_upload_changed_the_rows(
        page_as, db_url, tmp_path):
    page = page_as("analyst")
    first, second = tmp_path / "late-1.csv", tmp_path / "late-2.csv"
    changed_caseload(db_url, first)
    body = first.read_text().splitlines()
    header, rows = body[0], body[1:]
    cols = header.split(",")
    i = cols.index("incoming"), cols.index("pending_end")
    bumped = []
    for line in rows:
        cells = line.split(",")
        for j in i:
            cells[j] = str(int(float(cells[j])) + 1)
        bumped.append(",".join(cells))
    second.write_text("\n".join([header, *bumped]) + "\n")
    for path in (first, second):
        subprocess.run([sys.executable, "-m", "data", "load", str(path), "--db", db_url],
                       cwd=ROOT, check=True, capture_output=True, timeout=300)

    open_page(page, "/uploads")
    grid_row(page, "uploads-grid").filter(has_text="late-1.csv").locator(".ag-cell") \
        .first.click()
    wait_idle(page)
    page.get_by_role("button", name="Undo upload…").click()
    wait_idle(page)
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#uploads-undo-refusal")).to_contain_text(
        "a later upload changed the same rows")
    expect(dialog.locator("#uploads-undo-refusal")).to_contain_text("late-2.csv")
    expect(dialog.get_by_role("button", name="Undo the upload")).to_be_disabled()
    dialog.get_by_role("button", name="Cancel").click()
    wait_idle(page)
    expect(dialog).to_be_hidden()


def tile_status(page: Page, kpi_name: str) -> str:
    open_page(page, "/")
    tile = page.locator(".kpi-tile").filter(
        has=page.locator(".kpi-name").get_by_text(kpi_name, exact=True))
    badge = tile.locator(".status-badge")
    expect(badge).to_be_visible()
    return badge.inner_text().strip()


def test_staff_edits_a_national_target_and_the_scorecard_status_changes(page_as):
    page = page_as("staff")
    before = tile_status(page, "Clearance rate")
    # Higher is better: a very low target is met, a very high one is missed.
    new_target = "150" if "on target" in before else "50"

    open_page(page, "/targets")
    expect(page.get_by_role("heading", name="Targets", level=1)).to_be_visible()
    row = grid_row(page, "targets-grid", "Clearance rate", "2025")
    expect(row).to_have_count(1)
    expect(row.locator("[col-id='source']")).to_have_text("illustrative")
    cell = row.locator("[col-id='target']")
    cell.click()
    editor = cell.locator("input")
    expect(editor).to_be_visible()
    editor.fill(new_target)
    editor.press("Enter")
    wait_idle(page)
    expect(cell).to_have_text(new_target)
    page.get_by_role("button", name="Save changes").click()
    wait_idle(page)
    expect(page.locator("#targets-message")).to_contain_text("Saved; targets changed: 1.")
    row = grid_row(page, "targets-grid", "Clearance rate", "2025")
    expect(row.locator("[col-id='source']")).to_have_text("approved")
    expect(row.locator("[col-id='target']")).to_have_text(new_target)
    log = card(page, "Changes to targets").locator("tbody tr").first
    expect(log).to_contain_text(ACCOUNTS["staff"])
    expect(log).to_contain_text(f"100 → {new_target}")

    after = tile_status(page, "Clearance rate")
    assert after != before, (before, after)
    assert ("on target" in after) == (new_target == "50")


def test_a_wrong_target_is_refused_with_the_reason_and_nothing_changes(page_as):
    page = page_as("admin")
    open_page(page, "/targets")
    row = grid_row(page, "targets-grid", "Disposition time", "2027")
    cell = row.locator("[col-id='target']")
    original = cell.inner_text().strip()
    cell.click()
    cell.locator("input").fill("fast")
    cell.locator("input").press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Save changes").click()
    wait_idle(page)
    message = page.locator("#targets-message")
    expect(message).to_contain_text("Nothing was saved; errors found: 1.")
    expect(message).to_contain_text("Disposition time, 2027, Kazakhstan: 'fast' is not a number")
    page.get_by_role("button", name="Discard changes").click()
    wait_idle(page)
    expect(grid_row(page, "targets-grid", "Disposition time", "2027")
           .locator("[col-id='target']")).to_have_text(original)


def test_analyst_sees_targets_read_only(page_as):
    page = page_as("analyst")
    open_page(page, "/targets")
    expect(page.get_by_text("You can view targets; only administrators")).to_be_visible()
    expect(page.get_by_role("button", name="Save changes")).to_be_hidden()
    cell = grid_row(page, "targets-grid", "Clearance rate", "2026").locator("[col-id='target']")
    cell.click()
    expect(cell.locator("input")).to_have_count(0)


def test_targets_export_and_import_as_csv(page_as, tmp_path):
    page = page_as("staff")
    open_page(page, "/targets")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert exported.name == "targets-national.csv"
    frame = pd.read_csv(exported, encoding="utf-8-sig", keep_default_na=False)
    assert list(frame.columns) == ["kpi", "year", "court_code", "target", "tolerance"]
    assert len(frame) >= 70

    # A file with an error: every error listed with its line, nothing applied.
    bad = tmp_path / "bad-targets.csv"
    bad.write_text("kpi,year,target,tolerance\ne_filing_rate,2028,95,4\n"
                   "no_such_kpi,2028,1,\n", encoding="utf-8")
    page.locator("#targets-import input[type=file]").set_input_files(str(bad))
    wait_idle(page)
    message = page.locator("#targets-message")
    expect(message).to_contain_text("bad-targets.csv was not imported; errors found: 1.")
    expect(message).to_contain_text("Line 3 (kpi): 'no_such_kpi' is not a KPI code")
    show_kpi(page, "E-filed cases")
    row = grid_row(page, "targets-grid", "E-filed cases", "2028")
    expect(row.locator("[col-id='source']")).to_have_text("illustrative")

    good = tmp_path / "good-targets.csv"
    good.write_text("kpi,year,target,tolerance\ne_filing_rate,2028,95,4\n", encoding="utf-8")
    page.locator("#targets-import input[type=file]").set_input_files(str(good))
    wait_idle(page)
    expect(message).to_contain_text("good-targets.csv imported; targets changed: 1, "
                                    "unchanged: 0.")
    show_kpi(page, "E-filed cases")
    row = grid_row(page, "targets-grid", "E-filed cases", "2028")
    expect(row.locator("[col-id='target']")).to_have_text("95")
    expect(row.locator("[col-id='source']")).to_have_text("approved")
