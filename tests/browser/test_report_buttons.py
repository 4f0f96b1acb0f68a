"""Issue 14 in the browser: "Report (PDF)" on the scorecard (nation), the explorer with a
region chosen and the court profile downloads that unit's report for the year and
language shown; a judge gets their own court's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import JUDGE_COURT
from tests.browser.test_pages import open_page

pytestmark = pytest.mark.browser


def download_pdf(page, name: str) -> tuple[str, bytes]:
    with page.expect_download() as download:
        page.get_by_role("link", name=name).click()
    path = download.value.path()
    with open(path, "rb") as f:
        return download.value.suggested_filename, f.read()


def test_report_buttons_download_the_unit_s_pdf(page_as):
    page = page_as("staff")
    open_page(page, "/?year=2024")
    filename, body = download_pdf(page, "Report (PDF)")
    assert body.startswith(b"%PDF") and filename.endswith(".pdf") and "2024" in filename
    open_page(page, "/kpi/clearance_rate")
    expect(page.get_by_role("link", name="Report (PDF)")).to_have_count(0)  # no region yet
    open_page(page, "/kpi/clearance_rate?region=KZ-75&lang=ru")
    filename, body = download_pdf(page, "Отчёт (PDF)")
    assert body.startswith(b"%PDF") and "KZ-75" in filename
    judge = page_as("judge")
    open_page(judge, f"/court/{JUDGE_COURT}")
    link = judge.get_by_role("link", name="Report (PDF)")
    expect(link).to_have_attribute("href", re.compile(rf"level=court&code={JUDGE_COURT}"))
    filename, body = download_pdf(judge, "Report (PDF)")
    assert body.startswith(b"%PDF") and JUDGE_COURT in filename
