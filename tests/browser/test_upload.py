"""The upload page in headless Chromium: pick or drop a file, review, load, see the KPIs move.

This module runs its own app over its own copy of the demo database (the loads here
change data other browser tests rely on), with a 5 MB upload limit so the limit can
be shown with a small file. Background callbacks run as in production without Redis:
in processes forked from the app, results in a disk cache.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import os
import re

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from bench.appserver import running_app
from tests.browser.conftest import ACCOUNTS, demo_with_accounts, wait_idle

# One xdist worker runs this whole module (--dist loadgroup in ./dev): its module-wide
# fixtures are built once, not once per worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("upload_browser")]

COURT = "KZ19-D01"  # a district court with case-level data in every demo year
LIMIT_MB = 5


@contextlib.contextmanager
def environment(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, demo_templates) -> str:
    folder = tmp_path_factory.mktemp("upload-browser")
    # Its own copy of the demo (``python -m data demo --as-of 2026-01-01``).
    with demo_with_accounts(demo_templates, "sqlite", folder, "2026-01-01", ACCOUNTS) as url:
        with environment(COURT_KPI_UPLOAD_DIR=str(folder / "uploads"),
                         COURT_KPI_CACHE_DIR=str(folder / "cache"),
                         COURT_KPI_MAX_UPLOAD_MB=str(LIMIT_MB)):
            with running_app(url, folder / "app.log") as base:
                yield base


# --- files ---------------------------------------------------------------------------


def cases_cp1251(path, n: int = 300) -> None:
    """New civil cases of COURT filed and resolved in 2025: Windows-1251, ";", DD.MM.YYYY,
    yes/no in Russian."""
    lines = ["case_id;court_code;category;filed_date;resolved_date;e_filed;appealed"]
    for i in range(1, n + 1):
        day = 1 + i % 27
        lines.append(f"2-9{i:04d}/2025;{COURT};civil;{day:02d}.03.2025;{day:02d}.04.2025;"
                     f"{'да' if i % 2 else 'нет'};нет")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))


def surveys_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["court_code", "year", "respondents", "satisfied", "trusting"])
    sheet.append([COURT, 2025, 200, 20, 30])  # satisfaction falls to 10 %
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


BROKEN = ("case_id;court_code;category;filed_date;resolved_date\n"
          f"X-1;{COURT};civil;31.02.2025;\n"
          "X-2;NOPE;civil;01.02.2025;01.01.2025\n"
          f"X-3;{COURT};family;01.02.2025;\n").encode()


# --- steps ---------------------------------------------------------------------------


def open_upload(page: Page) -> None:
    page.goto(page.app_url + "/upload")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Upload data", level=1)).to_be_visible()


def pick(page: Page, path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose a file…").click()
    chooser.value.set_files(str(path))


def drop(page: Page, name: str, content: bytes, mime: str) -> None:
    """Drop a file on the zone the way a browser does (a drop event with a DataTransfer)."""
    page.evaluate("""([name, data, mime]) => {
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type: mime}));
        const zone = document.getElementById('upload-drop');
        for (const type of ['dragenter', 'dragover', 'drop']) {
            zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true,
                                                     cancelable: true}));
        }
    }""", [name, base64.b64encode(content).decode(), mime])


def reviewed(page: Page) -> None:
    expect(page.locator("#upload-verdict")).to_be_visible(timeout=60_000)
    wait_idle(page)


def detected(page: Page) -> dict[str, str]:
    rows = page.locator("#upload-detected tr")
    return {rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
            for i in range(rows.count())}


def last_job(page: Page) -> str | None:
    card = page.locator("#upload-job-card")
    return card.get_attribute("data-job") if card.count() else None


def wait_for_done(page: Page, previous: str | None) -> None:
    """Until the page shows a finished load other than ``previous`` (the one shown before)."""
    page.wait_for_function(
        """previous => {
            const card = document.querySelector('#upload-job-card');
            return card && card.dataset.state === 'done' && card.dataset.job !== previous;
        }""", arg=previous or "", timeout=120_000)
    wait_idle(page)


def load(page: Page) -> None:
    previous = last_job(page)
    page.get_by_role("button", name="Load into the database").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Load this file?")
    dialog.get_by_role("button", name="Load", exact=True).click()
    wait_for_done(page, previous)


def court_value(page: Page, kpi: str) -> str:
    page.goto(page.app_url + f"/court/{COURT}")
    wait_idle(page)
    table = page.locator("#court-scorecard table")
    row = table.locator("tbody tr").filter(
        has=page.locator("td:first-child").get_by_text(kpi, exact=True))
    expect(row).to_have_count(1)
    return row.locator("td").nth(1).inner_text().strip()


# --- tests ---------------------------------------------------------------------------


def test_cp1251_semicolon_file_is_reviewed_loaded_and_the_court_kpis_change(page_as,
                                                                              tmp_path):
    page = page_as("analyst")
    before = court_value(page, "Clearance rate")
    path = tmp_path / "дела март.csv"
    cases_cp1251(path)
    open_upload(page)
    expect(page.get_by_role("button", name="Load into the database")).to_be_disabled()
    pick(page, path)
    reviewed(page)
    expect(page.locator("#upload-verdict")).to_contain_text(
        "No errors: the file can be loaded.")
    seen = detected(page)
    assert seen["File"] == "дела март.csv"
    assert seen["Kind of data"] == "Cases"
    assert seen["Encoding"] == "Windows-1251"
    assert seen["Delimiter"] == "semicolon (;)"
    assert seen["Dates"] == "DD.MM.YYYY"
    assert seen["Data rows"] == "300"
    # The first rows as parsed: dates as dates, да/нет as yes/no.
    preview = page.locator("#upload-preview table")
    expect(preview.locator("tbody tr")).to_have_count(20)
    first = preview.locator("tbody tr").first.locator("td")
    expect(first.nth(0)).to_have_text("2")  # its line in the file
    assert first.all_inner_texts()[1:] == ["2-90001/2025", COURT, "civil", "2025-03-02",
                                            "2025-04-02", "yes", "no"]
    expect(page.locator("#upload-error-count")).to_have_text("Errors: 0")

    load(page)
    result = page.locator("#upload-job-card")
    expect(result).to_contain_text(re.compile(r"Loaded as upload #\d+: дела март\.csv "
                                              r"\(Cases\), 300 rows\."))
    expect(result.locator("#upload-counts")).to_contain_text("new rows: 300")
    expect(result.locator("#upload-counts")).to_contain_text(re.compile(
        r"KPI cells recomputed: [1-9]"))
    link = result.locator("#upload-courts a")
    expect(link).to_have_attribute("href", f"/court/{COURT}")
    link.click()
    wait_idle(page)
    after = court_value(page, "Clearance rate")
    assert after != before, (before, after)
    # Leaving and coming back: the last load is still shown.
    open_upload(page)
    expect(page.locator("#upload-job-card[data-state='done']")).to_contain_text(
        "дела март.csv")


def test_dropped_xlsx_file_is_loaded_and_satisfaction_changes(page_as):
    page = page_as("analyst")
    before = court_value(page, "Court user satisfaction")
    open_upload(page)
    drop(page, "surveys.xlsx", surveys_xlsx(),
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    reviewed(page)
    seen = detected(page)
    assert seen["Format"] == "Excel workbook (.xlsx)"
    assert seen["Kind of data"] == "Surveys" and seen["Data rows"] == "1"
    assert seen["Encoding"] == "—" and seen["Delimiter"] == "—"
    load(page)
    expect(page.locator("#upload-counts")).to_contain_text("replaced rows: 1")
    after = court_value(page, "Court user satisfaction")
    assert after == "10.0 %" and after != before, (before, after)


def test_broken_file_shows_its_report_and_cannot_be_loaded(page_as, tmp_path):
    page = page_as("analyst")
    path = tmp_path / "broken.csv"
    path.write_bytes(BROKEN)
    open_upload(page)
    pick(page, path)
    reviewed(page)
    expect(page.locator("#upload-verdict")).to_contain_text("The file has errors")
    expect(page.locator("#upload-error-count")).to_have_text("Errors: 4")
    expect(page.get_by_role("button", name="Load into the database")).to_be_disabled()
    table = page.locator(".upload-issues-table")
    expect(table.locator("tbody tr")).to_have_count(4)
    lines = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert lines == sorted(lines, key=int) == ["2", "3", "3", "4"]
    expect(table).to_contain_text("'31.02.2025' is not a valid date")
    expect(table).to_contain_text("Court 'NOPE' is not known")
    expect(table).to_contain_text("'family' is not allowed in 'category'")

    page.get_by_placeholder("Filter by line, column, value or message").fill("family")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(table.locator("tbody tr")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as CSV").click()
    assert download.value.suggested_filename == "broken-report.csv"
    with open(download.value.path(), encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == ["Type", "Line", "Column", "Value", "Message"]
    assert rows == [["error", "4", "category", "family",
                     "'family' is not allowed in 'category'; use one of: civil, criminal, "
                     "administrative, admin_offence."]]

    page.get_by_placeholder("Filter by line, column, value or message").fill("")
    page.keyboard.press("Enter")
    page.locator("#upload-issue-severity").select_option("warnings")
    wait_idle(page)
    expect(page.locator("#upload-issues")).to_contain_text(
        "No error or warning matches the filter.")


def test_a_file_over_the_limit_is_explained_and_not_sent(page_as, tmp_path):
    page = page_as("analyst")
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * (LIMIT_MB * 1024 * 1024 + 1))
    open_upload(page)
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/upload/file" in r.url else None)
    pick(page, path)
    expect(page.locator("#upload-transfer-msg")).to_have_text(
        f"The file is larger than the limit of {LIMIT_MB} MB. Split it into smaller files "
        "and upload them one by one.")
    expect(page.locator("#upload-transfer-msg")).to_have_class(re.compile("text-danger"))
    assert sent == []
    expect(page.get_by_text(f"up to {LIMIT_MB} MB").first).to_be_visible()


def test_templates_and_examples_download(page_as):
    page = page_as("analyst")
    open_upload(page)
    templates = page.locator(".card").filter(has_text="Templates and examples")
    cases = templates.locator("tr").filter(has_text="Cases")
    with page.expect_download() as download:
        cases.get_by_role("button", name="Template").click()
    assert download.value.suggested_filename == "cases-template.csv"
    with open(download.value.path(), encoding="utf-8") as f:
        assert f.read().startswith("case_id,court_code,category,filed_date,resolved_date")
    with page.expect_download() as download:
        cases.get_by_role("button", name="Example").click()
    with open(download.value.path(), encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][:2] == ["case_id", "court_code"] and len(rows) == 6


def test_a_long_load_can_be_left_and_found_again(page_as, tmp_path):
    """Leave the page while a load runs; back on /upload the load is shown, running or
    done, and ends as done."""
    page = page_as("admin")
    n = 90_000  # about 4.5 MB: under the 5 MB limit of this app
    rng = np.random.default_rng(1)
    filed = np.datetime64("2024-01-01") + rng.integers(0, 600, n)
    resolved = filed + rng.integers(5, 200, n)
    path = tmp_path / "many.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write("case_id,court_code,category,filed_date,resolved_date\n")
        for i in range(n):
            f.write(f"L-{i},{COURT},criminal,{filed[i]},{resolved[i]}\n")
    open_upload(page)
    previous = last_job(page)
    pick(page, path)
    reviewed(page)
    page.get_by_role("button", name="Load into the database").click()
    page.get_by_role("dialog").get_by_role("button", name="Load", exact=True).click()
    expect(page.locator("#upload-load-busy .progress")).to_be_visible()
    page.goto(page.app_url + "/")
    wait_idle(page)
    open_upload(page)
    card = page.locator("#upload-job-card")
    expect(card).to_have_attribute("data-state", re.compile("running|done"))
    assert last_job(page) != previous
    expect(card).to_contain_text("many.csv")
    wait_for_done(page, previous)
    expect(card).to_contain_text(f"new rows: {n:,}")


def own_names_file(path, start: int, n: int = 40) -> None:
    """Cases of COURT as a court's own system names them: a column and a category word
    neither the contract nor the Russian/Kazakh list knows."""
    lines = ["Рег. номер;Код суда;Категория;Дата поступления;Дата рассмотрения"]
    for i in range(start, start + n):
        day = 1 + i % 27
        lines.append(f"2-8{i:04d}/2025;{COURT};ГПК;{day:02d}.05.2025;{day:02d}.06.2025")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def test_unknown_names_are_mapped_saved_as_a_profile_and_read_by_it_next_time(page_as,
                                                                            tmp_path):
    """Issue 19: map an unknown column and word on the page, save the profile, and the
    next file with the same names is read by it without choosing anything."""
    page = page_as("analyst")
    first = tmp_path / "cms-may.csv"
    own_names_file(first, 1)
    open_upload(page)
    pick(page, first)
    reviewed(page)
    expect(page.locator("#upload-verdict")).to_contain_text("errors")
    box = page.locator("#upload-profile-mapping-box")
    expect(box).to_be_visible()
    # The selects are named by their labels, and work from the keyboard.
    column = box.get_by_label("Column “Рег. номер” holds")
    column.focus()
    column.select_option("case_id")
    box.get_by_label("“ГПК” in category means").select_option("civil")
    box.get_by_role("button", name="Apply and review again").click()
    expect(page.locator("#upload-verdict")).to_contain_text(
        "No errors: the file can be loaded.", timeout=60_000)
    wait_idle(page)
    seen = detected(page)
    assert seen["Kind of data"] == "Cases"
    assert seen["Import profile used"] == "the mapping chosen on this page"
    assert "рег. номер → case_id" in seen["Columns read as"]  # as the reader names it

    box.get_by_label("Save these choices as a profile named").fill("Court 19 CMS")
    box.get_by_role("button", name="Save profile").click()
    expect(box).to_contain_text("Profile “Court 19 CMS” saved.")
    expect(page.get_by_label("Import profile", exact=True)).to_have_value("Court 19 CMS")
    load(page)
    expect(page.locator("#upload-job-card")).to_contain_text("40 rows")

    # A second file with the same own names: read by the saved profile automatically.
    second = tmp_path / "cms-june.csv"
    own_names_file(second, 101)
    open_upload(page)
    expect(page.get_by_label("Import profile", exact=True)).to_have_value("auto")
    pick(page, second)
    reviewed(page)
    expect(page.locator("#upload-verdict")).to_contain_text("No errors: the file can be loaded.")
    assert detected(page)["Import profile used"] == "Court 19 CMS"
    expect(box).to_be_hidden()
    load(page)
    expect(page.locator("#upload-job-card")).to_contain_text(re.compile(r"cms-june\.csv.*40 rows"))

    # Two columns mapped to one field are refused with the reason, and nothing changes.
    third = tmp_path / "cms-two.csv"
    third.write_text("Рег. номер;Номер в системе;Код суда;Категория;Дата поступления\n"
                     f"2-70001/2025;7;{COURT};civil;01.07.2025\n", encoding="utf-8")
    page.get_by_label("Import profile", exact=True).select_option("none")
    pick(page, third)
    reviewed(page)
    box.get_by_label("Column “Рег. номер” holds").select_option("case_id")
    box.get_by_label("Column “Номер в системе” holds").select_option("case_id")
    box.get_by_role("button", name="Apply and review again").click()
    expect(box).to_contain_text("Two columns are mapped to “case_id”")
    expect(page.get_by_role("button", name="Load into the database")).to_be_disabled()


def test_the_as_of_date_set_on_the_page_is_reviewed_loaded_and_listed(page_as, tmp_path):
    """periods.md "Data freshness": the date field is reached by its label, the review
    says the date, and the upload history lists it with the upload."""
    page = page_as("analyst")
    path = tmp_path / "october-as-of.csv"
    path.write_text("case_id,court_code,category,filed_date,resolved_date\n"
                    f"AS-1/2025,{COURT},criminal,2025-10-01,2025-10-14\n"
                    f"AS-2/2025,{COURT},criminal,2025-10-03,\n", encoding="utf-8")
    open_upload(page)
    field = page.get_by_label("Data as of")
    expect(field).to_have_attribute("type", "date")
    field.fill("2025-10-20")
    field.press("Tab")
    pick(page, path)
    reviewed(page)
    expect(page.locator("#upload-as-of-note")).to_have_text("Data as of 2025-10-20.")
    expect(page.locator("#upload-verdict")).to_contain_text(
        "No errors: the file can be loaded.")
    load(page)
    expect(page.locator("#upload-job-card")).to_contain_text("october-as-of.csv")
    page.goto(page.app_url + "/uploads")
    wait_idle(page)
    row = page.locator("#uploads-grid .ag-center-cols-container .ag-row").filter(
        has_text="october-as-of.csv")
    expect(row.locator(".ag-cell[col-id='as_of']")).to_have_text("2025-10-20")
    expect(page.locator("#uploads-grid .ag-header-cell[col-id='as_of']")).to_contain_text(
        "Data as of")
