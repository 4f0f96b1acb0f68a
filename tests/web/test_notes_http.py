"""Notes on the figures over raw HTTP (issue 15): the API's scope, the /notes page's
callbacks for each role, and hostile input (4xx or a sentence, never 500)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from data.accounts.access import Viewer
from data.edits import annotations
from data.edits.annotations import Note
from data.store.db import make_engine
from layouts import notes_view as v
from layouts.params import page_state
from tests.web.conftest import JUDGE_COURT, _outputs
from tests.web.test_upload_http import csrf

OTHER_COURT = "KZ75-D01"
STATE = {**page_state({"lang": "en"}), "page": "notes"}
PAGE = json.dumps({"page": "notes", "type": "page-state"}, sort_keys=True,
                  separators=(",", ":"))
WRITER = Viewer("setup", "admin")


@pytest.fixture
def engine(demo_db):
    eng = make_engine(demo_db)
    yield eng
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM annotations"))
    eng.dispose()


@pytest.fixture
def noted(engine):
    """A note on the nation, a region, the judge's court and another court."""
    ids = {}
    for level, code in (("national", "KZ"), ("region", "KZ-10"), ("court", JUDGE_COURT),
                        ("court", OTHER_COURT)):
        ids[code] = annotations.add(engine, Note(level, code, 2024, "", f"note on {code}"),
                                    WRITER)
    return ids


def body(app, trigger: str, values: dict, clicked: dict | None = None) -> dict:
    """The request dash-renderer sends when ``trigger`` fires; ``clicked`` is the pattern
    id of a button in a list (its n_clicks 1)."""
    for cb in app._callback_list:
        inputs = [f"{i['id']}.{i['property']}" for i in cb["inputs"]]
        patterns = [json.loads(i["id"]).get("type") for i in cb["inputs"]
                    if '["ALL"]' in i["id"]]
        if (clicked["type"] not in patterns) if clicked else (trigger not in inputs):
            continue

        def dep(d):
            if '["ALL"]' in d["id"]:
                kind = json.loads(d["id"])["type"]
                return [{"id": clicked, "property": "n_clicks", "value": 1}] \
                    if clicked and clicked["type"] == kind else []
            return {"id": json.loads(d["id"]) if d["id"].startswith("{") else d["id"],
                    "property": d["property"], "value": values.get(f"{d['id']}.{d['property']}")}

        outputs = _outputs(cb["output"])
        changed = json.dumps(clicked, sort_keys=True, separators=(",", ":")) + ".n_clicks" \
            if clicked else trigger
        return {"output": cb["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": [dep(d) for d in cb["inputs"]],
                "state": [dep(d) for d in cb["state"]], "changedPropIds": [changed]}
    raise LookupError(trigger)


def post(client, request: dict):
    return client.post("/_dash-update-component", json=request, headers=csrf(client))


def said(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False)


def save_body(app, unit, year, kpi, note, editing=None) -> dict:
    return body(app, f"{v.SAVE}.n_clicks", {
        f"{PAGE}.data": STATE, f"{v.SAVE}.n_clicks": 1, f"{v.UNIT}.value": unit,
        f"{v.YEAR}.value": year, f"{v.KPI}.value": kpi, f"{v.TEXT}.value": note,
        f"{v.EDITING}.data": editing, f"{v.CHANGED}.data": 0})


def stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT level, code, year, kpi, text FROM annotations ORDER BY id"))]


# --- the API ---------------------------------------------------------------------------


def test_api_anonymous_401_and_judge_reads_nation_regions_and_own_court(client, as_role,
                                                                         noted):
    assert client.get("/api/v1/annotations").status_code == 401
    judge = as_role("judge").get("/api/v1/annotations").get_json()
    assert {r["code"] for r in judge} == {"KZ", "KZ-10", JUDGE_COURT}
    assert as_role("judge").get(f"/api/v1/annotations?code={OTHER_COURT}").get_json() == []
    staff = as_role("staff").get("/api/v1/annotations?year=2024").get_json()
    assert {r["code"] for r in staff} == {"KZ", "KZ-10", JUDGE_COURT, OTHER_COURT}
    row = next(r for r in staff if r["code"] == "KZ")
    assert row["text"] == "note on KZ" and row["level"] == "national" and row["kpi"] == ""
    csv = as_role("staff").get("/api/v1/annotations?format=csv&level=court")
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0].startswith("id,level,code,year,kpi,text")
    assert as_role("staff").get("/api/v1/annotations?year=2023").get_json() == []


@pytest.mark.parametrize("query", ["level=planet", "year=soon", "kpi=nope", "category=civil",
                                   "format=xml", "code=" + "x" * 65])
def test_api_bad_parameters_are_400_with_a_sentence(as_role, query):
    response = as_role("analyst").get(f"/api/v1/annotations?{query}")
    assert response.status_code == 400 and response.get_json()["error"]


# --- the page's callbacks --------------------------------------------------------------


def test_judges_and_staff_see_the_list_judges_cannot_write(app, as_role, engine, noted):
    judge = as_role("judge")
    # The list: no other court's note and no edit buttons for a judge.
    text_seen = said(post(judge, body(app, f"{v.FILTER_YEAR}.value", {f"{PAGE}.data": STATE})))
    assert "note on KZ" in text_seen and f"note on {OTHER_COURT}" not in text_seen
    assert v.EDIT not in text_seen
    before = stored(engine)
    for request in (save_body(app, JUDGE_COURT, 2024, v.WHOLE_YEAR, "mine"),
                    body(app, f"{v.CANCEL}.n_clicks", {f"{PAGE}.data": STATE}),
                    body(app, f"{v.CONFIRM_OK}.n_clicks", {f"{PAGE}.data": STATE,
                                                          f"{v.PENDING}.data":
                                                          noted[JUDGE_COURT]}),
                    body(app, f"{v.CONFIRM_CANCEL}.n_clicks", {f"{PAGE}.data": STATE}),
                    body(app, "", {f"{PAGE}.data": STATE},
                         {"type": v.EDIT, "index": noted["KZ"]}),
                    body(app, "", {f"{PAGE}.data": STATE},
                         {"type": v.DELETE, "index": noted["KZ"]})):
        assert post(judge, request).status_code == 403, request["output"]
    assert stored(engine) == before
    staff = said(post(as_role("staff"), body(app, f"{v.FILTER_YEAR}.value",
                                             {f"{PAGE}.data": STATE})))
    assert f"note on {OTHER_COURT}" in staff and v.EDIT in staff


def test_analyst_adds_edits_and_deletes_a_note(app, as_role, engine):
    analyst = as_role("analyst")
    response = post(analyst, save_body(app, "KZ-10", "2024", "clearance_rate",
                                       "Суды № 2 и 3 объединены"))
    assert "Note saved." in said(response)
    assert stored(engine) == [("region", "KZ-10", 2024, "clearance_rate",
                               "Суды № 2 и 3 объединены")]
    with engine.connect() as conn:
        note_id = int(conn.execute(text("SELECT id FROM annotations")).scalar())
    edit = post(analyst, body(app, "", {f"{PAGE}.data": STATE},
                              {"type": v.EDIT, "index": note_id})).get_json()["response"]
    assert edit[v.EDITING]["data"] == note_id and edit[v.UNIT]["value"] == "KZ-10"
    post(analyst, save_body(app, "KZ", 2023, v.WHOLE_YEAR, "Реформа", editing=note_id))
    assert stored(engine) == [("national", "KZ", 2023, "", "Реформа")]
    asked = post(analyst, body(app, "", {f"{PAGE}.data": STATE},
                               {"type": v.DELETE, "index": note_id})).get_json()["response"]
    assert asked[v.CONFIRM]["is_open"] is True and asked[v.PENDING]["data"] == note_id
    gone = post(analyst, body(app, f"{v.CONFIRM_OK}.n_clicks", {
        f"{PAGE}.data": STATE, f"{v.PENDING}.data": note_id, f"{v.CHANGED}.data": 3}))
    assert "Note deleted." in said(gone)
    assert stored(engine) == []
    with engine.connect() as conn:
        actions = [r[0] for r in conn.execute(text(
            "SELECT action FROM audit_log WHERE username = 'u-analyst' AND action LIKE "
            "'note%' ORDER BY id"))]
    assert actions[-3:] == ["note_added", "note_changed", "note_deleted"]


@pytest.mark.parametrize(("unit", "year", "kpi", "note", "says"), [
    ("KZ", 2024, v.WHOLE_YEAR, "<script>alert(1)</script>", "markup such as"),
    ("KZ", 2024, v.WHOLE_YEAR, "x" * 2001, "at most 2000 characters"),
    ("KZ", 2024, v.WHOLE_YEAR, "", "Write the note first."),
    ("NOPE", 2024, v.WHOLE_YEAR, "x", "is not a known court"),
    ("KZ", "abc", v.WHOLE_YEAR, "x", "between 1990 and 2100"),
    ("KZ", 2024, "drop table", "x", "is not a KPI"),
    (["KZ"], 2024, v.WHOLE_YEAR, "x", "is not a known court"),
])
def test_bad_notes_get_a_sentence_and_nothing_is_stored(app, as_role, engine, unit, year,
                                                        kpi, note, says):
    response = post(as_role("analyst"), save_body(app, unit, year, kpi, note))
    assert response.status_code == 200
    assert says in said(response)
    assert stored(engine) == []


@pytest.mark.parametrize("forged", [{"type": v.EDIT, "index": "1 OR 1=1"},
                                    {"type": v.DELETE, "index": None},
                                    {"type": v.EDIT, "index": 10**12}])
def test_forged_buttons_are_answered_never_500(app, as_role, engine, forged):
    response = post(as_role("analyst"), body(app, "", {f"{PAGE}.data": STATE}, forged))
    assert response.status_code in (200, 204, 400)
    assert stored(engine) == []
