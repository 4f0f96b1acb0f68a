"""Issue 14 in the browser: staff publish a year on /releases after a confirmation, and
anyone, signed out, reads the release on /public in their language, with the values
the KPI API gives, and downloads its open data; the public pages pass axe."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from layouts.format import fmt_value
from tests.browser.conftest import wait_idle
from tests.browser.test_accessibility import violations
from tests.browser.test_pages import open_page

pytestmark = pytest.mark.browser
NOTE = "Annual release for the Congress of Judges"


def test_staff_publish_and_the_public_reads_it(page_as):
    staff = page_as("staff")
    open_page(staff, "/releases")
    year = staff.get_by_label("Year to publish").input_value()
    staff.get_by_label("Note (optional, plain text)").fill(NOTE)
    staff.get_by_role("button", name="Publish").click()
    dialog = staff.get_by_role("dialog")
    expect(dialog).to_contain_text(f"The figures of {year} and earlier years will be frozen")
    number = int(dialog.inner_text().split("as release ")[1].split(".")[0])
    dialog.get_by_role("button", name="Publish").click()
    expect(staff.locator("#releases-message")).to_contain_text(
        f"Published release {number} ({year})", timeout=60_000)
    wait_idle(staff)
    expect(staff.get_by_label("Note (optional, plain text)")).to_have_value("")
    row = staff.locator(f"#releases-list tr[data-release='{number}']")
    expect(row).to_contain_text(NOTE)
    expect(row).to_contain_text("t-staff")
    # The value the engine gives, as the API returns it to staff.
    api = staff.request.get(f"{staff.app_url}/api/v1/kpi?level=national&year={year}"
                            "&kpi=clearance_rate&category=all")
    value = next(r["value"] for r in api.json() if r["code"] == "KZ")

    public = page_as(None)
    public.goto(f"{public.app_url}/public?lang=ru")
    expect(public.get_by_role("heading", level=1)).to_have_text(f"Казахстан · {year}")
    expect(public.locator("#public-release")).to_contain_text(f"Выпуск {number}")
    cell = public.locator("#public-scorecard tr[data-kpi='clearance_rate'] td").first
    expect(cell).to_have_text(fmt_value(value, "%", "ru"))
    # Another KPI on the map, by keyboard, and the region table follows.
    public.get_by_label("Показатель на карте").select_option("on_time_rate")
    public.get_by_role("button", name="Показать").press("Enter")
    expect(public).to_have_url(re.compile(r"kpi=on_time_rate"))
    expect(public.locator("svg.public-map title").first).to_contain_text("Рассмотрено")
    # A region, then back; the open data as a download.
    public.locator("#public-regions a").first.click()
    expect(public.locator("#public-scorecard")).to_be_visible()
    assert not violations(public)
    public.goto(f"{public.app_url}/public?lang=en")
    assert not violations(public)
    with public.expect_download() as caught:
        public.locator("#public-csv").click()
    archive = zipfile.ZipFile(io.BytesIO(open(caught.value.path(), "rb").read()))
    assert "LICENCE.txt" in archive.namelist()
    with public.expect_download() as caught:
        public.locator("#public-json").click()
    document = json.loads(open(caught.value.path(), "rb").read())
    assert document["release"] == number and document["year"] == int(year)
