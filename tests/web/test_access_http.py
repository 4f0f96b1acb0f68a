"""Issue #5 over raw HTTP: default deny, judge scoping, throttling, headers."""

from __future__ import annotations

import json

import dash
import pytest

from layouts import ids
from tests.web.conftest import (
    JUDGE_COURT,
    OTHER_COURT,
    PASSWORD,
    components,
    page_body,
    post_callback,
    sign_in,
)


def _find(node, component_id):
    """The component of a rendered layout (JSON) with ``component_id``, or None."""
    if isinstance(node, list):
        return next((f for f in (_find(n, component_id) for n in node) if f), None)
    if isinstance(node, dict) and "props" in node:
        if node["props"].get("id") == component_id:
            return node
        return _find(node["props"].get("children"), component_id)
    return None


def _page_paths() -> list[str]:
    paths = []
    for page in dash.page_registry.values():
        template = page.get("path_template")
        paths.append(template.replace("<code>", OTHER_COURT) if template else page["path"])
    return paths


def test_anonymous_requests_get_nothing(app, client):
    for path in _page_paths() + ["/does-not-exist"]:
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")
    for path in ("/_dash-layout", "/_dash-dependencies", "/api/v1/kpi",
                 "/api/v1/kpi?format=csv&level=court"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert b"clearance_rate" not in response.data
    # A callback (downloads are callbacks too) with a perfectly valid payload.
    body = page_body(f"/court/{OTHER_COURT}")
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 401
    assert OTHER_COURT.encode() not in response.data
    # The CSV/Excel downloads are pattern-matching callbacks: their request, as sent.
    download = {"output": '{"chart":["MATCH"],"type":"chart-download"}.data',
                "outputs": {"id": {"type": "chart-download", "chart": "trend"},
                            "property": "data"},
                "inputs": [[{"id": {"type": "chart-csv", "chart": "trend"},
                             "property": "n_clicks", "value": 1}]],
                "changedPropIds": ['{"chart":"trend","type":"chart-csv"}.n_clicks'],
                "state": []}
    response = client.post("/_dash-update-component", json=download)
    assert response.status_code == 401 and b"court" not in response.data


def test_public_routes_are_only_the_harmless_ones(client):
    assert client.get("/login").status_code == 200
    assert client.get("/health").get_json() == {"status": "ok"}
    assert client.get("/assets/app.css").status_code == 200


def test_wrong_token_and_forged_session_are_refused(client):
    r = client.get("/api/v1/kpi", headers={"Authorization": "Bearer ck_not-a-real-token"})
    assert r.status_code == 401
    client.set_cookie("session", "eyJfdXNlcl9pZCI6IjE6MCJ9.forged.sig")
    assert client.get("/api/v1/kpi").status_code == 401


def test_judge_sees_own_court_and_no_other_by_url(as_role):
    judge = as_role("judge")
    assert judge.get(f"/court/{JUDGE_COURT}").status_code == 200
    assert judge.get(f"/court/{OTHER_COURT}").status_code == 403
    assert judge.get("/coverage").status_code == 403


def test_judge_callback_for_another_court_gets_no_named_data(app, as_role):
    judge = as_role("judge")
    # The court profile is rendered with its first view (callbacks.first_view): for
    # another court the page is refused before anything is computed.
    response = post_callback(judge, page_body(f"/court/{OTHER_COURT}"))
    assert response.status_code == 200
    content = response.get_json()["response"]["_pages_content"]["children"]
    assert content["props"]["id"] == "forbidden"
    assert OTHER_COURT not in json.dumps(content)
    # The same request for the judge's own court is answered in full.
    response = post_callback(judge, page_body(f"/court/{JUDGE_COURT}"))
    assert response.status_code == 200
    content = response.get_json()["response"]["_pages_content"]["children"]
    assert JUDGE_COURT in json.dumps(_find(content, ids.COURT_HEADER)["props"]["children"])
    assert _find(content, ids.COURT_SCORECARD)["props"]["children"]


def test_judge_explorer_ranks_other_courts_anonymously(app, as_role, demo_db):
    judge = as_role("judge")
    # The page as rendered with its first view (callbacks.first_view), asked for another
    # court by its URL: what the page computed names no other court (the page's state and
    # the units control only echo the address the judge typed).
    response = post_callback(judge, page_body("/kpi/clearance_rate",
                                              f"?view=courts&units={OTHER_COURT}"))
    assert response.status_code == 200
    page = components(response)
    page.pop(json.dumps(ids.page_state("explorer"), sort_keys=True, separators=(",", ":")))
    units = page[json.dumps(ids.control("units"), sort_keys=True, separators=(",", ":"))]
    assert units.pop("value", None) in (None, [], [OTHER_COURT])
    body = json.dumps(page)
    from data.store import repository
    from data.store.db import make_engine

    with make_engine(demo_db).connect() as conn:
        courts = repository.courts(conn)
    others = courts[courts["court_code"] != JUDGE_COURT]
    leaked = [c for c in others["court_code"] if f'"{c}"' in body]
    leaked += [n for n in others["name_en"] if n and n in body]
    assert not leaked
    assert "anon-" in body and JUDGE_COURT in body


def test_staff_sees_every_court_in_the_same_ranking(app, as_role):
    staff = as_role("staff")
    response = post_callback(staff, page_body("/kpi/clearance_rate", "?view=courts"))
    assert OTHER_COURT in response.get_data(as_text=True)
    assert "anon-" not in response.get_data(as_text=True)


def test_api_scoped_for_judge_token(app, demo_db):
    from data.accounts import users
    from data.store.db import make_engine

    engine = make_engine(demo_db)
    with engine.begin() as conn:
        token = users.issue_token(conn, "u-judge")
    client = app.server.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    named = client.get(f"/api/v1/kpi?code={OTHER_COURT}", headers=auth)
    assert named.status_code == 200 and named.get_json() == []
    ranking = client.get("/api/v1/kpi?level=court&year=2025&kpi=clearance_rate", headers=auth)
    rows = ranking.get_json()
    codes = {r["code"] for r in rows}
    assert JUDGE_COURT in codes
    assert all(c == JUDGE_COURT or c.startswith("anon-") for c in codes)
    csv = client.get("/api/v1/kpi?level=court&format=csv", headers=auth).get_data(as_text=True)
    assert OTHER_COURT not in csv
    # Regions and the nation are there in full.
    national = client.get("/api/v1/kpi?level=national&kpi=clearance_rate&year=2025",
                          headers=auth).get_json()
    assert len(national) >= 1 and national[0]["code"] == "KZ"


def test_api_matches_the_cli_values_for_staff(as_role, demo_db):
    from data.store import repository
    from data.store.db import make_engine

    staff = as_role("staff")
    got = staff.get("/api/v1/kpi?level=court&code=KZ11-D01&year=2025").get_json()
    with make_engine(demo_db).connect() as conn:
        expected = repository.kpi_values(conn, level="court", code="KZ11-D01", year=2025)
    assert len(got) == len(expected) > 0
    assert [r["value"] for r in got] == [None if v != v else v for v in expected["value"]]


def test_api_rejects_bad_parameters_with_a_message(as_role):
    staff = as_role("staff")
    for query in ("level=planet", "year=20x5", "kpi=nope", "category=x", "format=xml"):
        response = staff.get(f"/api/v1/kpi?{query}")
        assert response.status_code == 400, query
        assert "error" in response.get_json()


def test_dash_callbacks_need_the_csrf_header(app, as_role):
    staff = as_role("staff")
    body = page_body(f"/court/{OTHER_COURT}")
    response = staff.post("/_dash-update-component", json=body)  # no X-CSRFToken
    assert response.status_code == 400
    assert post_callback(staff, body).status_code == 200


def test_login_form_needs_its_csrf_token(client):
    response = client.post("/login", data={"username": "u-staff", "password": PASSWORD})
    assert response.status_code == 400


def test_sixth_wrong_password_in_a_minute_is_refused(app):
    client = app.server.test_client()
    for _ in range(5):
        assert sign_in(client, "u-analyst", "wrong-password", "10.9.9.9").status_code == 401
    # Now even the right password is refused, with a clear message.
    response = sign_in(client, "u-analyst", PASSWORD, "10.9.9.9")
    assert response.status_code == 429
    assert "Подождите минуту" in response.get_data(as_text=True)  # Russian by default
    # Another address is not locked out by this one.
    assert sign_in(client, "u-analyst", PASSWORD, "10.9.9.8").status_code == 302


def test_redirect_after_login_stays_on_this_site(client):
    from tests.web.conftest import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post("/login", data={"username": "u-staff", "password": PASSWORD,
                                               "csrf_token": token, "next": evil})
        assert response.headers["Location"] == "/", evil
        client.post("/logout", data={"csrf_token": token})


def test_security_headers_and_cookies(as_role, client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    signed_in = sign_in(client, "u-staff")
    session = [c for c in signed_in.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert session and "HttpOnly" in session[0] and "SameSite=Lax" in session[0]


def test_the_policy_allows_every_inline_script_dash_adds(app, as_role):
    """app.py keys its cached Content-Security-Policy on the count of Dash's inline
    scripts (a private attribute: Dash adds them on its first request). Dash is pinned
    in requirements.txt; this says at once if an upgrade moves that attribute or adds a
    script the policy does not allow, instead of clientside callbacks failing silently
    in browsers."""
    staff = as_role("staff")
    assert isinstance(app._inline_scripts, list)
    page = staff.get("/", headers={"Accept": "text/html"})
    again = staff.get("/", headers={"Accept": "text/html"})
    for response in (page, again):
        policy = response.headers["Content-Security-Policy"]
        script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
        missing = [h for h in app.csp_hashes() if h not in script_src]
        assert missing == [], missing
    assert len(app.csp_hashes()) >= 1


def test_errors_are_sentences_not_tracebacks(as_role):
    staff = as_role("staff")
    response = staff.post("/_dash-update-component", data=b"{not json",
                          headers={"Content-Type": "application/json",
                                   "X-CSRFToken": staff.get_cookie("_csrf_token").value})
    assert response.status_code in (400, 500)
    assert b"Traceback" not in response.data


def test_logout_ends_the_session(as_role):
    staff = as_role("staff")
    assert staff.get("/api/v1/kpi?level=national&year=2025").status_code == 200
    # The sign-out button is a form in the page shell, carrying its CSRF token.
    staff.post("/logout", data={"csrf_token": _shell_token(staff)})
    assert staff.get("/api/v1/kpi").status_code == 401


def _shell_token(client) -> str:
    import re

    layout = client.get("/_dash-layout").get_data(as_text=True)
    # The hidden input of the sign-out form: {"type": "hidden", "name": "csrf_token", ...}
    found = re.search(r'\{[^{}]*"name":\s*"csrf_token"[^{}]*\}', layout)
    return re.search(r'"value":\s*"([^"]+)"', found.group(0)).group(1)


@pytest.mark.parametrize("role", ["staff", "analyst", "judge"])
def test_non_admins_cannot_reach_admin_pages(as_role, role):
    client = as_role(role)
    for path in ("/admin/users", "/audit"):
        assert client.get(path, headers={"Accept": "text/html"}).status_code in (403, 404)
