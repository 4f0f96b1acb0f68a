"""``GET /api/v1/report`` over raw HTTP: signed in or refused, scoped like /api/v1/kpi
(a judge: their own court, the regions, the nation; another court 404 and never a
PDF), bad parameters 400 with a sentence, never a 500."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from data.accounts.access import SYSTEM
from tests.web.conftest import JUDGE_COURT, OTHER_COURT

REGION = "KZ-75"


def _text(response) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    # No-break spaces keep numbers with their units on the page; read as spaces.
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")


def test_signed_out_gets_401_and_no_pdf(client):
    for query in ("level=national", f"level=court&code={JUDGE_COURT}"):
        response = client.get(f"/api/v1/report?{query}")
        assert response.status_code == 401
        assert not response.get_data().startswith(b"%PDF")
    token = client.get("/api/v1/report?level=national",
                       headers={"Authorization": "Bearer ck_not-a-real-token"})
    assert token.status_code == 401


def test_a_judge_gets_their_own_courts_report(as_role):
    judge = as_role("judge")
    response = judge.get(f"/api/v1/report?level=court&code={JUDGE_COURT}&year=2025&lang=kk")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF")
    assert f'filename="court-kpi-{JUDGE_COURT}-2025-kk.pdf"' in \
        response.headers["Content-Disposition"]
    text = _text(response)
    assert "Семей қалалық соты" in text and "2025 жылғы" in text


def test_a_judge_gets_404_for_any_other_court_whether_or_not_it_exists(as_role):
    judge = as_role("judge")
    answers = {}
    for code in (OTHER_COURT, "KZ99-D99"):
        response = judge.get(f"/api/v1/report?level=court&code={code}&year=2025")
        assert response.status_code == 404
        assert not response.get_data().startswith(b"%PDF")
        answers[code] = response.get_json()["error"].replace(code, "CODE")
    assert answers[OTHER_COURT] == answers["KZ99-D99"]  # nothing tells them apart


def test_a_judges_region_report_anonymises_other_courts_staffs_names_them(as_role, app):
    from callbacks.context import Services

    services: Services = app.server.extensions["court_kpi_services"]
    courts = services.directory(SYSTEM)
    names = courts.loc[courts["region_code"] == REGION, "name_en"].tolist()
    judge = as_role("judge").get(f"/api/v1/report?level=region&code={REGION}&lang=en")
    assert judge.status_code == 200
    text = _text(judge)
    assert not [n for n in names if n in text]
    assert f"Court 1 of {len(names)}" in text
    staff = as_role("staff").get(f"/api/v1/report?level=region&code={REGION}&lang=en")
    assert staff.status_code == 200
    assert all(n in _text(staff) for n in names)


def test_a_token_opens_the_national_report_in_the_asked_language(app, demo_db):
    from data.accounts import users
    from data.store.db import make_engine

    engine = make_engine(demo_db)
    with engine.begin() as conn:
        token = users.issue_token(conn, "u-analyst")
    engine.dispose()
    client = app.server.test_client()
    response = client.get("/api/v1/report?level=national&lang=ru",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Отчёт о показателях эффективности за 2025 год" in _text(response)


@pytest.mark.parametrize("query, status, message", [
    ("", 400, "level is required"),
    ("level=planet", 400, "level must be one of"),
    ("level=national&year=20x5", 400, "year must be a year"),
    ("level=national&year=99999", 400, "year must be a year"),
    ("level=national&lang=de", 400, "lang must be one of"),
    ("level=national&category=civil", 400, "no category or kpi"),
    ("level=national&kpi=clearance_rate", 400, "no category or kpi"),
    ("level=court&code=" + "X" * 65, 400, "code is at most 64 characters"),
    ("level=court", 400, "code is required for a court report"),
    ("level=region&code=KZ-00", 404, "no region with the code 'KZ-00'"),
    ("level=national&code=KZ-75", 404, "the national report has no code"),
    ("level=national&year=2031", 404, "no data for 2031"),
    ("level=court&code=KZ-SC&year=2025", 404, "no data for KZ-SC in 2025"),
])
def test_bad_parameters_get_a_sentence_never_a_pdf_or_500(as_role, query, status, message):
    response = as_role("analyst").get(f"/api/v1/report?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert message in response.get_json()["error"]


@pytest.mark.parametrize("query", [
    "level=court&code=%00", "level=court&code=' OR 1=1 --", "level=region&code=../../etc",
    "level=national&year=-1", "level=national&lang=", "level=national&year=0",
    "level[]=national", "level=national&lang=%F0%9F%98%80",
])
def test_hostile_input_is_never_a_500(as_role, query):
    response = as_role("judge").get(f"/api/v1/report?{query}")
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert "error" in response.get_json()


# --- the monitoring report of a part of a year (issue 26) --------------------------------

def test_period_gives_the_monitoring_report_scoped_like_the_annual_one(as_role):
    """The web demo is as of 2026-01-01, so 2025's halves and quarters are complete."""
    judge = as_role("judge")
    own = judge.get(f"/api/v1/report?level=court&code={JUDGE_COURT}&period=2025-H2&lang=ru")
    assert own.status_code == 200 and own.mimetype == "application/pdf"
    assert f'filename="court-kpi-{JUDGE_COURT}-2025-H2-ru.pdf"' in \
        own.headers["Content-Disposition"]
    text = _text(own)
    assert "Мониторинг показателей стратегии: Второе полугодие 2025" in text
    for code in (OTHER_COURT, "KZ99-D99"):
        other = judge.get(f"/api/v1/report?level=court&code={code}&period=2025-H2")
        assert other.status_code == 404 and not other.get_data().startswith(b"%PDF")
    region = as_role("staff").get(f"/api/v1/report?level=region&code={REGION}"
                                  "&period=2025-Q3&lang=kk")
    assert region.status_code == 200
    assert "Стратегия көрсеткіштерінің мониторингі" in _text(region)
    # A whole year as the period is that year's annual report.
    year = as_role("staff").get("/api/v1/report?level=national&period=2025&lang=en")
    assert year.status_code == 200 and "Court performance report for 2025" in _text(year)


@pytest.mark.parametrize("period", ["2026-Q5", "2026-13", "2026-Q1", "2026-H1", "2025-H3",
                                    "%F0%9F%98%80", "2026"])
def test_a_malformed_or_impossible_period_is_400_with_the_accepted_forms(as_role, period):
    response = as_role("analyst").get(f"/api/v1/report?level=national&period={period}")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert "2026-H1 or 2026-H2 (a half-year), 2026-Q1 to 2026-Q4 (a quarter)" in error
    assert not response.get_data().startswith(b"%PDF")


def test_the_report_button_gives_the_period_the_page_shows(as_role):
    """``part`` (the Report button): the page's year and part, or its default."""
    staff = as_role("staff")
    quarter = staff.get("/api/v1/report?level=national&year=2025&part=Q2&lang=en")
    assert quarter.status_code == 200
    assert 'filename="court-kpi-KZ-2025-Q2-en.pdf"' in quarter.headers["Content-Disposition"] \
        or "2025-Q2" in quarter.headers["Content-Disposition"]
    # The page's default of a complete year is the year: the annual report.
    default = staff.get("/api/v1/report?level=national&year=2024&part=page&lang=en")
    assert default.status_code == 200 and "Court performance report for 2024" in _text(default)
    latest = staff.get("/api/v1/report?level=national&part=&lang=en")
    assert latest.status_code == 200 and "Court performance report for 2025" in _text(latest)
    # Scoped like every report: a judge's own court only.
    judge = as_role("judge")
    assert judge.get(f"/api/v1/report?level=court&code={JUDGE_COURT}&year=2025&part=H1"
                     ).status_code == 200
    assert judge.get(f"/api/v1/report?level=court&code={OTHER_COURT}&year=2025&part=H1"
                     ).status_code == 404
    assert staff.get("/api/v1/report?level=national&part=Q1&year=2019").status_code == 404
    for query in ("part=Q9&year=2025", "part=%3Cscript%3E", "part=Q1&period=2025-Q1"):
        bad = staff.get(f"/api/v1/report?level=national&{query}")
        assert bad.status_code == 400, (query, bad.get_data(as_text=True)[:200])
        assert "error" in bad.get_json()
