"""The public view of releases and the releases page over raw HTTP (issue 14): what
anyone on the internet can ask, and what each role may do.

The shared app has the public view on, courts off. Variants (courts on, a low rate
limit, the view off) run on a bare Flask server with the same guard and public module:
a second Dash app cannot live in this process.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from flask import Flask
from sqlalchemy import text

from data.accounts.access import Viewer
from data.publish import releases
from data.store.db import make_engine
from layouts.format import fmt_value
from tests.web.conftest import JUDGE_COURT, post_callback

STAFF = Viewer("u-staff", "staff")
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def engine(demo_db):
    eng = make_engine(demo_db)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def published(engine):
    """A release of the latest year, published as staff would (once per module)."""
    with engine.connect() as conn:
        year = releases.repository.years(conn)[-1]
    return releases.publish(engine, year, "Годовой выпуск", STAFF)


def _national_value(engine, number: int, year: int, kpi: str = "clearance_rate") -> float:
    with engine.connect() as conn:
        values = releases.values(conn, number)
    row = values[(values["level"] == "national") & (values["year"] == year)
                 & (values["kpi"] == kpi) & (values["category"] == "all")]
    return float(row["value"].iloc[0])


def test_anyone_reads_the_release_without_signing_in(client, engine, published):
    number, year = published["id"], published["year"]
    page = client.get(f"/public?release={number}&lang=en", headers=HTML)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    value = fmt_value(_national_value(engine, number, year), "%", "en")
    assert f"Kazakhstan · {year}" in body and value in body
    assert "Годовой выпуск" in body
    # Read-only and sessionless: no session or CSRF cookie, cacheable, with an ETag.
    cookies = " ".join(page.headers.getlist("Set-Cookie"))
    assert "session" not in cookies and "csrf" not in cookies
    assert page.headers["Cache-Control"].startswith("public") and page.headers["ETag"]
    again = client.get(f"/public?release={number}&lang=en", headers={
        **HTML, "If-None-Match": page.headers["ETag"].strip('"')})
    assert again.status_code == 304
    ru = client.get(f"/public?release={number}&lang=ru").get_data(as_text=True)
    assert fmt_value(_national_value(engine, number, year), "%", "ru") in ru
    assert client.get("/public/region/KZ-11?lang=kk").status_code == 200
    listing = client.get("/public/releases").get_data(as_text=True)
    assert f'data-release="{number}"' in listing


def test_courts_stay_out_of_the_public_view(client, published):
    number = published["id"]
    assert client.get(f"/public/court/{JUDGE_COURT}").status_code == 404
    region = client.get("/public/region/KZ-10").get_data(as_text=True)
    assert JUDGE_COURT not in region and "/public/court/" not in region
    document = client.get(f"/public/releases/{number}.json")
    assert document.status_code == 200 and document.mimetype == "application/json"
    assert document.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    data = json.loads(document.data)
    assert {v["level"] for v in data["values"]} == {"national", "region"}
    assert {u["level"] for u in data["units"]} == {"national", "region"}
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/public/releases/{number}.zip").data))
    assert JUDGE_COURT not in archive.read("values.csv").decode("utf-8-sig")
    assert "CC BY 4.0" in archive.read("LICENCE.txt").decode()


def test_the_public_view_opens_nothing_else(app, client, published):
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/public").status_code == 405
        assert getattr(client, method)(f"/public/releases/{published['id']}.json") \
            .status_code in (404, 405)
    assert client.get("/", headers=HTML).status_code == 302
    assert client.get("/releases", headers=HTML).status_code == 302
    for path in ("/_dash-layout", "/_dash-dependencies", "/api/v1/kpi",
                 f"/download/release-{published['id']}.zip", "/publicity", "/public-x"):
        assert client.get(path).status_code in (401, 404), path
    assert b"clearance_rate" not in client.get("/_dash-layout").data


@pytest.mark.parametrize("path, status", [
    ("/public?release=abc", 400), ("/public?release=-1", 400), ("/public?release=1.5", 400),
    ("/public?release=99999999999", 400), ("/public?release=999999", 404),
    ("/public?kpi=%3Cscript%3E", 400), ("/public?kpi=clearance_rate&lang=%3Cb%3E", 200),
    ("/public/region/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 404),
    ("/public/region/KZ", 404), ("/public/releases/0.zip", 404),
    ("/public/releases/1.exe", 404), ("/public/releases/999999.json", 404),
    ("/public/releases/x.json", 404),
])
def test_bad_public_requests_get_a_4xx_never_a_500(client, published, path, status):
    response = client.get(path, headers=HTML)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert b"<script>" not in response.data


def test_later_uploads_change_only_the_next_release(client, engine, published):
    """A published release keeps its figures; the next one lists the revision."""
    year, number = published["year"], published["id"]
    before = _national_value(engine, number, year)
    changed = round(before - 7.25, 6)
    query = ("UPDATE kpi_values SET value = :v WHERE level = 'national' AND code = 'KZ' "
             "AND year = :y AND category = 'all' AND kpi = 'clearance_rate'")
    with engine.begin() as conn:
        conn.execute(text(query), {"v": changed, "y": year})
    try:
        old = client.get(f"/public?release={number}&lang=en").get_data(as_text=True)
        assert fmt_value(before, "%", "en") in old
        newer = releases.publish(engine, year, "revised", STAFF)
        latest = client.get("/public?lang=en").get_data(as_text=True)
        assert f"Release {newer['id']}," in latest
        assert fmt_value(changed, "%", "en") in latest
        assert 'id="public-revisions"' in latest
        revisions = latest[latest.index('id="public-revisions"'):]
        assert "Clearance rate" in revisions and fmt_value(before, "%", "en") in revisions
        # The older release still reads as it was, and says it is not the latest.
        old = client.get(f"/public?release={number}&lang=en").get_data(as_text=True)
        assert fmt_value(before, "%", "en") in old and "not the latest" in old
    finally:
        with engine.begin() as conn:
            conn.execute(text(query), {"v": before, "y": year})


@pytest.mark.parametrize("role, status", [("judge", 403), ("analyst", 200), ("staff", 200)])
def test_full_downloads_are_for_those_who_see_every_court(as_role, published, role, status):
    response = as_role(role).get(f"/download/release-{published['id']}.json")
    assert response.status_code == status
    if status == 200:
        data = json.loads(response.data)
        assert "court" in {v["level"] for v in data["values"]}
        assert response.headers["Cache-Control"] == "private, no-store"
    else:
        assert b"clearance_rate" not in response.data


def _publish_body(app, year, note: str, ok: int = 1, as_sent: bool = False) -> dict:
    """The OK of the publish dialog; the year as the select sends it (a string), or
    ``as_sent`` exactly as given (a forged float, bool or list)."""
    cb = next(c for c in app._callback_list if "releases-confirm.is_open" in c["output"])
    inputs = [{"id": "releases-publish", "property": "n_clicks", "value": None},
              {"id": "releases-confirm-ok", "property": "n_clicks", "value": ok},
              {"id": "releases-confirm-cancel", "property": "n_clicks", "value": None}]
    state = [{"id": "releases-year", "property": "value",
              "value": year if as_sent else str(year)},
             {"id": "releases-note", "property": "value", "value": note},
             {"id": "releases-changed", "property": "data", "value": 0},
             {"id": "page-state-releases", "property": "data",
              "value": {"lang": "en", "page": "releases"}}]
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]}
               for o in cb["output"][2:-2].split("...")]
    return {"output": cb["output"], "outputs": outputs, "inputs": inputs,
            "changedPropIds": ["releases-confirm-ok.n_clicks"], "state": state}


@pytest.mark.parametrize("role", ["judge", "analyst"])
def test_only_staff_and_admins_reach_the_releases_page_and_publish(app, as_role, engine,
                                                                   published, role):
    client = as_role(role)
    assert client.get("/releases", headers=HTML).status_code == 403
    with engine.connect() as conn:
        count = len(releases.listing(conn))
    response = post_callback(client, _publish_body(app, published["year"], "forged"))
    assert response.status_code == 403
    with engine.connect() as conn:
        assert len(releases.listing(conn)) == count


def test_staff_publish_through_the_page(app, as_role, engine, published):
    client = as_role("staff")
    assert client.get("/releases", headers=HTML).status_code == 200
    response = post_callback(client, _publish_body(app, published["year"], "from the page"))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    with engine.connect() as conn:
        latest = releases.latest(conn)
        audited = conn.execute(text("SELECT username FROM audit_log WHERE action = "
                                    "'release_published' AND detail LIKE :d"),
                               {"d": f"#{latest['id']} %"}).scalar()
    assert (latest["note"], latest["published_by"], audited) == \
        ("from the page", "u-staff", "u-staff")
    assert f"Published release {latest['id']}" in response.get_data(as_text=True)
    # Markup in the note is refused with a sentence; nothing is published.
    response = post_callback(client, _publish_body(app, published["year"], "<b>x</b>"))
    assert response.status_code == 200 and "plain text" in response.get_data(as_text=True)
    with engine.connect() as conn:
        assert releases.latest(conn)["id"] == latest["id"]


def _bare(demo_db, tmp_path, **config) -> Flask:
    """The guard, sign-in and public view on a bare Flask server (no Dash)."""
    from web import auth, guard, public, security

    server = Flask("bare")
    server.config.update({"REDIS_URL": None, **config})
    security.configure(server, tmp_path)
    server.extensions["court_kpi_engine"] = make_engine(demo_db)
    auth.init(server)
    guard.init(server)
    public.init(server, server.extensions["court_kpi_engine"])
    return server


def test_courts_are_public_only_when_configured(demo_db, tmp_path, published):
    client = _bare(demo_db, tmp_path, PUBLIC="1", PUBLIC_COURTS="1").test_client()
    page = client.get(f"/public/court/{JUDGE_COURT}?lang=en")
    assert page.status_code == 200 and "Kazakhstan" in page.get_data(as_text=True)
    assert f"/public/court/{JUDGE_COURT}" in client.get("/public/region/KZ-10").get_data(
        as_text=True)
    data = json.loads(client.get(f"/public/releases/{published['id']}.json").data)
    assert "court" in {v["level"] for v in data["values"]}


def test_public_requests_are_rate_limited(demo_db, tmp_path, published):
    client = _bare(demo_db, tmp_path, PUBLIC="1", PUBLIC_RATE="3 per minute").test_client()
    assert [client.get("/public/releases").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/public?lang=ru", headers=HTML)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert "Слишком много запросов" in refused.get_data(as_text=True)
    # Another address has its own count.
    other = client.get("/public/releases", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 200


def test_the_rate_limit_is_shared_by_every_worker_through_redis(demo_db, tmp_path,
                                                               published):
    """Two workers (two apps) over one Redis count one address together."""
    import uuid

    redis_url = "redis://127.0.0.1:6379/12"
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=0.5).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means no Redis here
        pytest.skip(f"Redis not reachable: {exc}")
    workers = [_bare(demo_db, tmp_path / str(i), PUBLIC="1", PUBLIC_RATE="3 per minute",
                     REDIS_URL=redis_url).test_client() for i in range(2)]
    address = {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}
    codes = [workers[i % 2].get("/public/releases", environ_base=address).status_code
             for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_without_the_setting_there_is_no_public_view(demo_db, tmp_path, published):
    client = _bare(demo_db, tmp_path, PUBLIC="0").test_client()
    response = client.get("/public", headers=HTML)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get(f"/public/releases/{published['id']}.json").status_code == 401
