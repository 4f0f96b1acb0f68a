"""The upload page over raw HTTP: who may send and load files, limits, tokens, the flow.

Background callbacks run for real here (the disk-cache manager forks this process);
the helpers below poll them the way dash-renderer does.
"""

from __future__ import annotations

import io
import json
import time
from urllib.parse import quote

import pytest
from sqlalchemy import text

from data.ingest import staging
from layouts import upload_view as V
from layouts.params import page_state
from tests.web.conftest import _outputs, components, page_body, post_callback
from web import uploads

# Windows-1251, ";", and a column the kind does not use (a warning, kept with the upload).
GOOD = ("court_code;year;respondents;satisfied;trusting;примечание\r\n"
        "KZ19-D01;2025;120;99;70;проверено\r\n").encode("cp1251")
PAGE_STATE = json.dumps({"page": "upload", "type": "page-state"}, sort_keys=True,
                        separators=(",", ":"))
UPLOADS_STATE = PAGE_STATE.replace('"upload"', '"uploads"')
COVERAGE_STATE = PAGE_STATE.replace('"upload"', '"coverage"')


def csrf(client) -> dict:
    cookie = client.get_cookie("_csrf_token")
    return {"X-CSRFToken": cookie.value} if cookie else {}


def send_file(client, body: bytes, name: str = "surveys.csv", headers: dict | None = None):
    return client.post("/upload/file", data=body, headers={
        "Content-Type": "application/octet-stream", "X-Filename": quote(name),
        **csrf(client), **(headers or {})})


def staged_folders(app) -> set[str]:
    root = uploads.staging_root(app.server.config)
    return {p.name for p in root.iterdir()} if root.is_dir() else set()


def body_for(app, output: str, values: dict, changed: str) -> dict:
    """The request dash-renderer sends for the callback writing ``output`` first.

    ``values`` maps "id.property" to its value; ``changed`` is the "id.property" that fired.
    """
    for cb in app._callback_list:
        first = _outputs(cb["output"])[0]
        if f"{first['id']}.{first['property']}" != output:
            continue

        def deps(items):
            return [{"id": json.loads(d["id"]) if d["id"].startswith("{") else d["id"],
                     "property": d["property"],
                     "value": values.get(f"{d['id']}.{d['property']}")} for d in items]

        outputs = _outputs(cb["output"])
        return {"output": cb["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": deps(cb["inputs"]), "state": deps(cb["state"]),
                "changedPropIds": [changed]}
    raise LookupError(output)


def run_callback(client, body: dict, timeout: float = 90) -> dict | None:
    """POST a callback; for a background one, poll until it answers (None: no update)."""
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    data = response.get_json()
    if "cacheKey" not in data:
        return data
    query = f"?cacheKey={quote(data['cacheKey'])}&job={quote(data['job'])}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        polled = client.post("/_dash-update-component" + query, json=body, headers=csrf(client))
        if polled.status_code == 204:
            return None
        assert polled.status_code == 200, polled.get_data(as_text=True)[:300]
        data = polled.get_json()
        if "response" in data:
            return data
        time.sleep(0.1)
    raise TimeoutError("background callback did not finish")


def review_body(app, token: dict | None, kind: str = V.AUTO, lang: str = "en",
                as_of=None) -> dict:
    return body_for(app, f"{V.REVIEW}.children",
                    {f"{V.TOKEN}.data": token, f"{V.KIND}.value": kind,
                     f"{V.AS_OF}.value": as_of,
                     f"{PAGE_STATE}.data": {**page_state({"lang": lang}), "page": "upload"}},
                    f"{V.TOKEN}.data")


def review(app, client, token: dict | None, kind: str = V.AUTO, lang: str = "en",
           as_of=None) -> dict | None:
    return run_callback(client, review_body(app, token, kind, lang, as_of))


def load(app, client, review_state: dict | None) -> dict | None:
    body = body_for(app, f"{V.RESULT_DATA}.data",
                    {f"{V.CONFIRM_OK}.n_clicks": 1, f"{V.REVIEW_STATE}.data": review_state,
                     f"{PAGE_STATE}.data": {**page_state({"lang": "en"}), "page": "upload"}},
                    f"{V.CONFIRM_OK}.n_clicks")
    return run_callback(client, body)


# --- who may ---------------------------------------------------------------------------


def test_anonymous_gets_401_for_the_file_route_and_the_callbacks(app, client):
    assert send_file(client, GOOD).status_code == 401
    assert client.post("/_dash-update-component", json=body_for(
        app, f"{V.RESULT_DATA}.data", {f"{V.CONFIRM_OK}.n_clicks": 1},
        f"{V.CONFIRM_OK}.n_clicks")).status_code == 401
    assert client.get("/upload", headers={"Accept": "text/html"}).status_code == 302


@pytest.mark.parametrize("role", ["staff", "judge"])
def test_staff_and_judges_get_403_for_the_page_the_route_and_every_callback(app, as_role,
                                                                             role):
    user = as_role(role)
    before = staged_folders(app)
    assert user.get("/upload", headers={"Accept": "text/html"}).status_code == 403
    assert send_file(user, GOOD).status_code == 403
    assert staged_folders(app) == before
    fake = {"token": "A" * 32, "filename": "x.csv", "kind": None, "ok": True,
            "status": "valid"}
    bodies = [
        body_for(app, f"{V.RESULT_DATA}.data", {f"{V.CONFIRM_OK}.n_clicks": 1,
                                               f"{V.REVIEW_STATE}.data": fake},
                 f"{V.CONFIRM_OK}.n_clicks"),
        body_for(app, f"{V.REVIEW}.children", {f"{V.TOKEN}.data": fake},
                 f"{V.TOKEN}.data"),
        body_for(app, f"{V.JOB}.children", {}, f"{PAGE_STATE}.data"),
        body_for(app, f"{V.ISSUES}.children", {f"{V.REVIEW_STATE}.data": fake},
                 f"{V.REVIEW_STATE}.data"),
    ]
    for body in bodies:
        response = user.post("/_dash-update-component", json=body, headers=csrf(user))
        assert response.status_code == 403, body["output"]
    # The background callback's polls are refused too, whatever handle they carry.
    poll = user.post("/_dash-update-component?cacheKey=x~y&job=1~z", json=bodies[0],
                     headers=csrf(user))
    assert poll.status_code == 403


# --- the file route ----------------------------------------------------------------------


def test_oversize_upload_is_413_with_a_sentence_and_nothing_is_staged(app, as_role,
                                                                       monkeypatch):
    analyst = as_role("analyst")
    monkeypatch.setitem(app.server.config, "MAX_UPLOAD_BYTES", 1 << 20)
    before = staged_folders(app)
    big = b"court_code,year\n" + b"KZ19-D01,2025\n" * 100_000  # 1.4 MB
    response = analyst.post("/upload/file?lang=ru", data=big, headers={
        "Content-Type": "application/octet-stream", **csrf(analyst)})
    assert response.status_code == 413
    assert "1 МБ" in response.get_json()["error"]
    # Without a Content-Length the limit is enforced while the body streams in.
    response = analyst.post("/upload/file?lang=en", input_stream=io.BytesIO(big),
                            environ_overrides={"wsgi.input_terminated": True},
                            headers={"Content-Type": "application/octet-stream",
                                     "Transfer-Encoding": "chunked", **csrf(analyst)})
    assert response.status_code == 413
    assert "larger than the limit of 1 MB" in response.get_json()["error"]
    assert staged_folders(app) == before
    # An empty body is refused too, and leaves nothing behind.
    assert send_file(analyst, b"").status_code == 400
    assert staged_folders(app) == before


def test_upload_without_csrf_token_is_400_and_nothing_is_staged(app, as_role):
    analyst = as_role("analyst")
    before = staged_folders(app)
    response = analyst.post("/upload/file", data=GOOD, headers={
        "Content-Type": "application/octet-stream", "X-Filename": "a.csv"})
    assert response.status_code == 400
    response = analyst.post("/upload/file", data=GOOD, headers={
        "Content-Type": "application/octet-stream", "X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert staged_folders(app) == before


def test_multipart_bodies_are_refused(as_role):
    analyst = as_role("analyst")
    response = analyst.post("/upload/file", data={"file": (io.BytesIO(GOOD),
                                                           "a.csv")},
                            headers=csrf(analyst))
    assert response.status_code == 415


def test_upload_answers_a_token_tied_to_the_user(app, as_role):
    analyst = as_role("analyst")
    response = send_file(analyst, GOOD, name="опрос 2025.csv")
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["filename"] == "опрос 2025.csv" and answer["size"] == len(GOOD)
    root = uploads.staging_root(app.server.config)
    staged = staging.find(root, answer["token"], "u-analyst")
    assert staged is not None and staged.path.read_bytes() == GOOD
    assert staging.find(root, answer["token"], "u-admin") is None


# --- tokens cannot be borrowed ---------------------------------------------------------


def test_another_users_token_is_refused_by_review_report_and_load(app, as_role, demo_db):
    """#17: another user's staging token is refused with 403 before anything starts (no
    background job for it), by the review, the issue list, the report and the load."""
    analyst, admin = as_role("analyst"), as_role("admin")
    token = send_file(analyst, GOOD).get_json()
    body = review_body(app, token)
    started = admin.post("/_dash-update-component", json=body, headers=csrf(admin))
    assert started.status_code == 403 and b"cacheKey" not in started.data
    forged = {"token": token["token"], "filename": "surveys.csv", "kind": None, "ok": True,
              "status": "valid", "rows": 1}
    for output, values, changed in (
            (f"{V.ISSUES}.children", {f"{V.REVIEW_STATE}.data": forged},
             f"{V.REVIEW_STATE}.data"),
            (f"{V.REPORT_DOWNLOAD}.data", {f"{V.ISSUES_CSV}.n_clicks": 1,
                                           f"{V.REVIEW_STATE}.data": forged},
             f"{V.ISSUES_CSV}.n_clicks"),
            (f"{V.RESULT_DATA}.data", {f"{V.CONFIRM_OK}.n_clicks": 1,
                                       f"{V.REVIEW_STATE}.data": forged},
             f"{V.CONFIRM_OK}.n_clicks")):
        response = admin.post("/_dash-update-component",
                              json=body_for(app, output, values, changed), headers=csrf(admin))
        assert response.status_code == 403, output
    from data.store.db import make_engine

    with make_engine(demo_db).connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM uploads WHERE source = 'web'")) \
            .scalar() == 0
    # The owner still can: the file was not touched by the refused requests.
    assert review(app, analyst, token)["response"][V.REVIEW_STATE]["data"]["ok"] is True


def test_a_token_whose_file_is_gone_is_explained_not_refused(app, as_role):
    admin = as_role("admin")
    gone = {"token": "A" * 32, "filename": "old.csv", "size": 1}
    got = review(app, admin, gone)["response"]
    assert got[V.REVIEW_STATE]["data"] is None
    assert "no longer available" in json.dumps(got[V.REVIEW]["children"])


def test_background_job_handles_belong_to_their_user(app, as_role):
    """#17: a poll or a cancel with another user's cacheKey or job id is refused."""
    analyst, admin = as_role("analyst"), as_role("admin")
    token = send_file(analyst, GOOD).get_json()
    body = review_body(app, token)
    started = analyst.post("/_dash-update-component", json=body, headers=csrf(analyst))
    handles = started.get_json()
    assert {"cacheKey", "job"} <= set(handles)
    poll = f"?cacheKey={quote(handles['cacheKey'])}&job={quote(handles['job'])}"
    assert admin.post("/_dash-update-component" + poll, json=body,
                      headers=csrf(admin)).status_code == 403
    cancel = f"?oldJob={quote(handles['job'])}"
    assert admin.post("/_dash-update-component" + cancel, json=body,
                      headers=csrf(admin)).status_code == 403
    forged = "?cacheKey=deadbeef~00&job=1~00"
    assert analyst.post("/_dash-update-component" + forged, json=body,
                        headers=csrf(analyst)).status_code == 403
    # Its owner polls it to the end as usual.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        polled = analyst.post("/_dash-update-component" + poll, json=body, headers=csrf(analyst))
        assert polled.status_code in (200, 204)
        if polled.status_code == 204 or "response" in polled.get_json():
            break
        time.sleep(0.1)
    else:
        raise TimeoutError("the review did not finish")


# --- the whole flow, as the browser drives it --------------------------------------------


def test_review_then_load_writes_one_upload_as_the_user(app, as_role, demo_db):
    from data.store.db import make_engine

    analyst = as_role("analyst")
    token = send_file(analyst, GOOD).get_json()
    got = review(app, analyst, token)["response"]
    state = got[V.REVIEW_STATE]["data"]
    assert state["ok"] is True and state["detected_kind"] == "surveys" and state["rows"] == 1
    assert got[V.LOAD]["disabled"] is False
    shown = json.dumps(got[V.REVIEW]["children"], ensure_ascii=False)
    assert "Windows-1251" in shown and "semicolon (;)" in shown and "Surveys" in shown
    assert state["warning_count"] == 1 and state["error_count"] == 0
    # The validated rows are kept for the load, which then need not read the file again.
    staged = staging.find(uploads.staging_root(app.server.config), token["token"], "u-analyst")
    assert (staged.folder / "checked.arrow").is_file()

    result = load(app, analyst, state)["response"]
    record = result[V.RESULT_DATA]["data"]
    assert record["state"] == "done", record
    report = record["report"]
    assert report["status"] == "loaded" and report["replaced"] == 1
    assert report["courts"] == ["KZ19-D01"]
    assert report["warning_count"] == 1 and report["warnings"][0]["code"] == "extra_column"
    engine = make_engine(demo_db)
    with engine.connect() as conn:
        row = conn.execute(text(
            'SELECT "user", source, filename FROM uploads WHERE id = :id'),
            {"id": report["upload_id"]}).one()
        audit = conn.execute(text(
            "SELECT username, address FROM audit_log WHERE action = 'upload' "
            "ORDER BY id DESC LIMIT 1")).one()
        satisfied = conn.execute(text(
            "SELECT satisfied FROM surveys WHERE court_code = 'KZ19-D01' AND year = 2025"
        )).scalar()
    assert tuple(row) == ("u-analyst", "web", "surveys.csv")
    assert audit.username == "u-analyst" and audit.address
    assert satisfied == 99
    # The staged file is gone once loaded; the job record says what happened.
    root = uploads.staging_root(app.server.config)
    assert staging.find(root, token["token"], "u-analyst") is None
    job = run_callback(analyst, body_for(app, f"{V.JOB}.children",
                                         {f"{PAGE_STATE}.data": {"lang": "en"}},
                                         f"{PAGE_STATE}.data"))["response"]
    assert f"#{report['upload_id']}" in json.dumps(job[V.JOB]["children"])
    assert job[V.JOB_TICK]["disabled"] is True
    # The same file again: already loaded, nothing to load.
    again = review(app, analyst, send_file(analyst, GOOD).get_json())["response"]
    assert again[V.REVIEW_STATE]["data"]["status"] == "already_loaded"
    assert again[V.LOAD]["disabled"] is True


def test_load_checks_again_when_the_database_changed_since_the_review(app, as_role, demo_db):
    """The review's rows are written as reviewed only while nothing was loaded or undone
    since; otherwise the file is read and checked again, against the database as it is."""
    from data.ingest.load import load_file
    from data.store.db import make_engine

    analyst = as_role("analyst")
    cases = (b"case_id,court_code,category,filed_date,resolved_date\n"
             b"C-77/2024,KZ35-ADM,civil,2024-02-01,2024-03-01\n")
    state = review(app, analyst, send_file(analyst, cases, "adm.csv").get_json())["response"][
        V.REVIEW_STATE]["data"]
    assert state["ok"] is True
    # Meanwhile someone loads a yearly caseload row for the same court, year and category:
    # cases of that cell can no longer be loaded.
    aggregate = app.server.config["INSTANCE"] + "/caseload.csv"
    with open(aggregate, "w") as f:
        f.write("court_code,year,category,pending_start,incoming,resolved,pending_end\n"
                "KZ35-ADM,2024,civil,0,5,5,0\n")
    assert load_file(make_engine(demo_db), aggregate, user="other").status == "loaded"
    record = load(app, analyst, state)["response"][V.RESULT_DATA]["data"]
    assert record["state"] == "done"
    report = record["report"]
    assert report["status"] == "rejected" and report["error_count"] == 2  # filed, resolved
    with make_engine(demo_db).connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM cases WHERE case_id = 'C-77/2024'")) \
            .scalar() == 0


# --- the as-of date of a case file (periods.md "Data freshness") --------------------------

# Cases of September 2025 (the demo's data are as of 2025-12-31, which stays the
# courts' as-of date: a load here moves no other test's figures).
SEPTEMBER = (b"case_id,court_code,category,filed_date,resolved_date\n"
             b"AS-1/2025,KZ19-D01,criminal,2025-09-02,2025-09-10\n"
             b"AS-2/2025,KZ19-D01,criminal,2025-09-05,2025-09-20\n")
AS_OF_SAID = {
    ("en", None): "No as-of date given: the data are taken as of 2025-09-30, the end of the "
                  "month of the file's latest date.",
    ("en", "2025-10-15"): "Data as of 2025-10-15.",
    ("ru", None): "Дата состояния данных не указана: данные считаются приведёнными по "
                  "состоянию на 30.09.2025 — последний день месяца самой поздней даты в файле.",
    ("ru", "2025-10-15"): "Данные по состоянию на 15.10.2025.",
    ("kk", None): "Деректердің жағдай күні көрсетілмеген: деректер 30.09.2025 жағдай бойынша "
                  "деп алынады — бұл файлдағы ең кейінгі күн кіретін айдың соңғы күні.",
    ("kk", "2025-10-15"): "Деректер 15.10.2025 жағдай бойынша.",
}


def review_said(answer: dict) -> str:
    return json.dumps(answer["response"][V.REVIEW]["children"], ensure_ascii=False)


@pytest.mark.parametrize(("lang", "as_of"), list(AS_OF_SAID))
def test_the_review_says_what_the_case_data_are_as_of(app, as_role, lang, as_of):
    analyst = as_role("analyst")
    token = send_file(analyst, SEPTEMBER, "september.csv").get_json()
    answer = review(app, analyst, token, lang=lang, as_of=as_of)
    assert AS_OF_SAID[lang, as_of] in review_said(answer)
    state = answer["response"][V.REVIEW_STATE]["data"]
    assert state["ok"] is True and state["as_of"] == as_of


def test_no_as_of_sentence_for_other_kinds(app, as_role):
    analyst = as_role("analyst")
    token = send_file(analyst, GOOD, "surveys-as-of.csv").get_json()
    said = review_said(review(app, analyst, token, as_of="2025-10-15"))
    assert V.P + "as-of-note" not in said and "as of" not in said


def test_an_as_of_date_before_the_data_or_ahead_is_an_error(app, as_role):
    import datetime as dt

    analyst = as_role("analyst")
    token = send_file(analyst, SEPTEMBER, "september-early.csv").get_json()
    answer = review(app, analyst, token, as_of="2025-09-15")
    assert answer["response"][V.LOAD]["disabled"] is True
    rows = run_callback(analyst, body_for(
        app, f"{V.ISSUES}.children",
        {f"{V.REVIEW_STATE}.data": answer["response"][V.REVIEW_STATE]["data"],
         f"{PAGE_STATE}.data": {"lang": "en"}}, f"{V.REVIEW_STATE}.data"))
    assert ("The data are said to be as of 2025-09-15, but the file has a date after it "
            "(2025-09-20).") in json.dumps(rows)
    ahead = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    answer = review(app, analyst, token, as_of=ahead)
    assert answer["response"][V.REVIEW_STATE]["data"]["status"] == "rejected"


@pytest.mark.parametrize("forged", ["2025-13-40", "yesterday", "2025-9-1", 20251015,
                                    {"day": 1}, ["2025-10-15"]])
def test_a_forged_as_of_date_is_refused_with_a_sentence(app, as_role, forged):
    analyst = as_role("analyst")
    token = send_file(analyst, SEPTEMBER, "september-forged.csv").get_json()
    answer = review(app, analyst, token, as_of=forged)  # 200: run_callback asserts it
    assert "is not a date. Choose the day the data are as of" in review_said(answer)
    assert answer["response"][V.LOAD]["disabled"] is True
    assert answer["response"][V.REVIEW_STATE]["data"] is None
    # The same date forged into the state a load starts from: a sentence, nothing loaded.
    state = {"token": token["token"], "filename": "september-forged.csv", "kind": None,
             "detected_kind": "cases", "ok": True, "status": "valid", "as_of": forged}
    record = load(app, analyst, state)["response"][V.RESULT_DATA]["data"]
    assert record["state"] == "failed" and "is not a date" in record["error"]


def find_callback(app, output_id: str) -> dict:
    return next(cb for cb in app._callback_list if f"{output_id}." in cb["output"])


def test_the_reviewed_as_of_date_is_stored_and_shown_on_uploads_and_coverage(app, as_role,
                                                                              demo_db):
    from data.store.db import make_engine
    from layouts import uploads_view

    analyst = as_role("analyst")
    token = send_file(analyst, SEPTEMBER, "september-load.csv").get_json()
    state = review(app, analyst, token, as_of="2025-10-15")["response"][V.REVIEW_STATE]["data"]
    report = load(app, analyst, state)["response"][V.RESULT_DATA]["data"]["report"]
    assert report["status"] == "loaded"
    with make_engine(demo_db).connect() as conn:
        stored = conn.execute(text("SELECT as_of FROM uploads WHERE id = :id"),
                              {"id": report["upload_id"]}).scalar()
    assert str(stored)[:10] == "2025-10-15"
    # /uploads: the column, empty for kinds without a date.
    for lang, shown in (("en", "2025-10-15"), ("ru", "15.10.2025")):
        body = body_for(app, f"{uploads_view.GRID}.rowData",
                        {f"{UPLOADS_STATE}.data": {**page_state({"lang": lang}),
                                                   "page": "uploads"}},
                        f"{uploads_view.REFRESH}.data")
        rows = run_callback(analyst, body)["response"][uploads_view.GRID]["rowData"]
        mine = next(r for r in rows if r["id"] == report["upload_id"])
        assert mine["as_of"] == shown
        assert {r["as_of"] for r in rows if r["kind"] != mine["kind"]} == {""}
    # /coverage: the newest date on top, each court's in its row (the demo's 2025-12-31).
    # (computed as the page is rendered: callbacks.first_view)
    rendered = post_callback(as_role("staff"), page_body("/coverage", "?lang=en"))
    assert rendered.status_code == 200
    answer = components(rendered)
    assert "Data as of 2025-12-31." in json.dumps(answer["coverage-as-of"]["children"])
    matrix = json.dumps(answer["coverage-matrix"]["children"], ensure_ascii=False)
    assert "Data as of" in matrix and "coverage-as-of" in matrix and "2025-12-31" in matrix
