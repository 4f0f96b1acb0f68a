"""Import profiles on /upload over raw HTTP: who may list, apply, save, delete and
download them, and what forged choices get (issue 19)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from data.ingest import profiles
from data.store.db import make_engine
from layouts import profile_view as PV
from layouts import upload_view as V
from layouts.params import page_state
from tests.web.conftest import _outputs
from tests.web.test_upload_http import csrf

STATE = {**page_state({"lang": "en"}), "page": "upload"}
PAGE = json.dumps({"page": "upload", "type": "page-state"}, sort_keys=True,
                  separators=(",", ":"))
REVIEWED = {"token": "T" * 32, "filename": "cms.csv", "status": "rejected", "ok": False,
            "profile": None,
            "unmapped": {"columns": ["рег. номер", "номер в системе"],
                         "values": [["category", "ГПК"]]}}


def body(app, trigger: str, values: dict, selects: tuple[list, list] = ([], [])) -> dict:
    """The request dash-renderer sends when ``trigger`` ("id.prop") fires its callback;
    ``selects`` are the values of the column and word selects (pattern ALL states)."""
    for cb in app._callback_list:
        inputs = [f"{i['id']}.{i['property']}" for i in cb["inputs"]]
        if trigger not in inputs or not cb["output"].count(PV.P):
            continue

        def item(d, value):
            return {"id": json.loads(d["id"]) if d["id"].startswith("{") else d["id"],
                    "property": d["property"], "value": value}

        def dep(d):
            if "[\"ALL\"]" in d["id"]:  # an ALL pattern: one item per select
                kind = json.loads(d["id"])["type"]
                chosen = selects[0] if kind == PV.COLUMN else selects[1]
                return [{"id": {"type": kind, "index": i}, "property": "value", "value": v}
                        for i, v in enumerate(chosen)]
            return item(d, values.get(f"{d['id']}.{d['property']}"))

        outputs = _outputs(cb["output"])
        return {"output": cb["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": [dep(d) for d in cb["inputs"]],
                "state": [dep(d) for d in cb["state"]], "changedPropIds": [trigger]}
    raise LookupError(trigger)


def post(client, request: dict):
    return client.post("/_dash-update-component", json=request, headers=csrf(client))


def said(response) -> str:
    """The answer's text with JSON escapes undone, as the page would show it."""
    return json.dumps(response.get_json(), ensure_ascii=False)


def bodies(app) -> list[dict]:
    page = {f"{PAGE}.data": STATE}
    return [
        body(app, f"{PAGE}.data", page),
        body(app, f"{PV.APPLY}.n_clicks", {**page, f"{PV.APPLY}.n_clicks": 1,
                                           f"{V.REVIEW_STATE}.data": REVIEWED},
             (["case_id"], [])),
        body(app, f"{PV.SAVE}.n_clicks", {**page, f"{PV.SAVE}.n_clicks": 1,
                                          f"{PV.NAME}.value": "forged",
                                          f"{V.REVIEW_STATE}.data": REVIEWED},
             (["case_id"], [])),
        body(app, f"{PV.DELETE}.n_clicks", {**page, f"{PV.DELETE}.n_clicks": 1,
                                            f"{PV.SELECT}.value": "kept"}),
        body(app, f"{PV.EXPORT}.n_clicks", {**page, f"{PV.EXPORT}.n_clicks": 1,
                                            f"{PV.SELECT}.value": "kept"}),
    ]


@pytest.fixture
def engine(demo_db):
    eng = make_engine(demo_db)
    yield eng
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM import_profiles"))
    eng.dispose()


def stored(engine) -> list[str]:
    with engine.connect() as conn:
        return [name for name, _by, _at in profiles.listing(conn)]


def test_every_profile_callback_is_401_signed_out_and_403_for_staff_and_judges(app, client,
                                                                              as_role,
                                                                              engine):
    profiles.save_now(engine, profiles.Profile("kept", {"рег. номер": "case_id"}), "admin")
    for request in bodies(app):
        assert post(client, request).status_code == 401, request["output"]
    for role in ("staff", "judge"):
        user = as_role(role)
        for request in bodies(app):
            assert post(user, request).status_code == 403, (role, request["output"])
    assert stored(engine) == ["kept"]


def test_analyst_saves_a_mapping_as_a_profile_audited(app, as_role, engine):
    analyst = as_role("analyst")
    page = {f"{PAGE}.data": STATE, f"{V.REVIEW_STATE}.data": REVIEWED}
    request = body(app, f"{PV.SAVE}.n_clicks", {**page, f"{PV.SAVE}.n_clicks": 1,
                                                f"{PV.NAME}.value": "  Court 7  "},
                   (["case_id", "-"], ["civil"]))
    response = post(analyst, request)
    assert response.status_code == 200
    assert "Profile “Court 7” saved." in said(response)
    with engine.connect() as conn:
        profile = profiles.get(conn, "Court 7")
        events = conn.execute(text("SELECT username, action, detail, address FROM audit_log "
                                   "WHERE action LIKE 'profile%' AND detail = 'Court 7'")).all()
    assert profile.columns == {"рег. номер": "case_id"}
    assert profile.values == {"category": {"ГПК": "civil"}}
    assert [tuple(e) for e in events] == [("u-analyst", "profile_saved", "Court 7", "127.0.0.1")]
    # The list offers it; delete takes it away, audited.
    options = post(analyst, body(app, f"{PAGE}.data", {f"{PAGE}.data": STATE})).get_json()
    assert "Court 7" in [o["value"] for o in
                         options["response"][PV.SELECT]["options"]]
    export = post(analyst, body(app, f"{PV.EXPORT}.n_clicks", {
        f"{PAGE}.data": STATE, f"{PV.EXPORT}.n_clicks": 1, f"{PV.SELECT}.value": "Court 7"}))
    sent = export.get_json()["response"][PV.EXPORT_DOWNLOAD]["data"]
    assert profiles.from_json(sent["content"]) == profile and sent["filename"] == "Court-7.json"
    gone = post(analyst, body(app, f"{PV.DELETE}.n_clicks", {
        f"{PAGE}.data": STATE, f"{PV.DELETE}.n_clicks": 1, f"{PV.SELECT}.value": "Court 7"}))
    assert "Profile “Court 7” deleted." in said(gone)
    assert stored(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = "
                                 "'profile_deleted' AND detail = 'Court 7'")).scalar() == 1


@pytest.mark.parametrize(("name", "columns", "words", "says"), [
    ("two", ["case_id", "case_id"], [], "Two columns are mapped to “case_id”"),
    ("x" * 81, ["case_id"], [], "A profile name is 1 to 80 characters."),
    ("", ["case_id"], [], "A profile name is 1 to 80 characters."),
    ("bad field", ["<script>alert(1)</script>"], [], "which is no column of the data"),
    ("bad code", [], ["family"], "which is not a code of “category”"),
    ("nothing", ["-", "-"], ["-"], "Nothing to save"),
])
def test_refused_profiles_say_why_and_store_nothing(app, as_role, engine, name, columns,
                                                     words, says):
    analyst = as_role("analyst")
    response = post(analyst, body(app, f"{PV.SAVE}.n_clicks", {
        f"{PAGE}.data": STATE, f"{V.REVIEW_STATE}.data": REVIEWED,
        f"{PV.SAVE}.n_clicks": 1, f"{PV.NAME}.value": name}, (columns, words)))
    assert response.status_code == 200
    assert says in said(response)
    assert stored(engine) == []


def test_apply_refuses_two_columns_for_one_field_and_keeps_the_mapping_otherwise(app,
                                                                                 as_role):
    analyst = as_role("analyst")
    page = {f"{PAGE}.data": STATE, f"{V.REVIEW_STATE}.data": REVIEWED,
            f"{PV.APPLY}.n_clicks": 1}
    refused = post(analyst, body(app, f"{PV.APPLY}.n_clicks", page,
                                 (["case_id", "case_id"], []))).get_json()["response"]
    assert PV.MAPPING not in refused
    assert "Two columns are mapped" in json.dumps(refused, ensure_ascii=False)
    applied = post(analyst, body(app, f"{PV.APPLY}.n_clicks", page,
                                 (["case_id", "-"], ["civil"]))).get_json()["response"]
    assert applied[PV.MAPPING]["data"] == {"token": REVIEWED["token"],
                                           "columns": {"рег. номер": "case_id"},
                                           "values": {"category": {"ГПК": "civil"}}}


@pytest.mark.parametrize("forged", [
    {"unmapped": "x"}, {"unmapped": {"columns": [1, 2]}}, {"unmapped": {"values": [["a"]]}},
    {"token": None},
])
def test_forged_review_states_are_4xx_or_ignored_never_500(app, as_role, engine, forged):
    analyst = as_role("analyst")
    for trigger, extra in ((PV.APPLY, {}), (PV.SAVE, {f"{PV.NAME}.value": "f"})):
        response = post(analyst, body(app, f"{trigger}.n_clicks", {
            f"{PAGE}.data": STATE, f"{V.REVIEW_STATE}.data": {**REVIEWED, **forged},
            f"{trigger}.n_clicks": 1, **extra}, (["case_id"], ["civil"])))
        assert response.status_code in (200, 204, 400), response.get_data(as_text=True)[:200]
    assert stored(engine) in ([], ["f"])


# --- a profile maps only what the product does not know; limits (security item 6) -----------


def save_forged(client, app, review: dict, selects: tuple[list, list], name: str = "forged"):
    return post(client, body(app, f"{PV.SAVE}.n_clicks", {
        f"{PAGE}.data": STATE, f"{V.REVIEW_STATE}.data": review, f"{PV.SAVE}.n_clicks": 1,
        f"{PV.NAME}.value": name}, selects))


MANY = [["category", f"слово {i}"] for i in range(3000)]


@pytest.mark.parametrize(("review", "selects", "says"), [
    # A known code forged into the review's list of unknown words.
    ({"unmapped": {"columns": [], "values": [["category", "civil"]]}}, ([], ["criminal"]),
     "“civil” is already a code of “category”; a profile maps only words the product"),
    ({"unmapped": {"columns": [], "values": [["category", "Гражданские дела"]]}},
     ([], ["criminal"]), "“Гражданские дела” is already read as “civil” in “category”"),
    ({"unmapped": {"columns": ["номер дела"], "values": []}}, (["court_code"], []),
     "“номер дела” is already read as the column “case_id”"),
    # ... or into the profile the review says it used.
    ({"profile": {"name": "x", "columns": {"рег. номер": "case_id"},
                  "values": {"category": {"civil": "criminal"}}}}, (["-"], []),
     "“civil” is already a code of “category”"),
    ({"profile": {"name": "x", "columns": {"рег. номер": {"deep": ["case_id"]}}}},
     (["-"], []), "A profile's columns, fields, words and codes are all text."),
    ({"profile": ["not", "a", "profile"]}, (["case_id"], []), "are all text"),
    # Sizes: a 1 MB header, more words than a profile holds.
    ({"unmapped": {"columns": ["Ж" * 1_000_000], "values": []}}, (["case_id"], []),
     "is longer than 200 characters."),
    ({"unmapped": {"columns": [], "values": MANY}}, ([], ["civil"] * len(MANY)),
     "A profile maps at most 1000 words of “category”."),
])
def test_a_forged_save_of_a_known_or_huge_mapping_is_refused_storing_nothing(
        app, as_role, engine, review, selects, says):
    analyst = as_role("analyst")
    response = save_forged(analyst, app, {**REVIEWED, **review}, selects)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert says in said(response)
    assert len(response.get_data()) < 20_000  # the refusal quotes no megabyte back
    assert stored(engine) == []


def test_a_forged_apply_of_a_known_code_or_huge_header_is_refused(app, as_role):
    analyst = as_role("analyst")
    for review, selects, says in (
            ({"unmapped": {"columns": [], "values": [["category", "civil"]]}}, ([], ["criminal"]),
             "is already a code of “category”"),
            ({"unmapped": {"columns": ["Ж" * 1_000_000], "values": []}}, (["case_id"], []),
             "is longer than 200 characters")):
        response = post(analyst, body(app, f"{PV.APPLY}.n_clicks", {
            f"{PAGE}.data": STATE, f"{V.REVIEW_STATE}.data": {**REVIEWED, **review},
            f"{PV.APPLY}.n_clicks": 1}, selects))
        assert response.status_code == 200
        answer = response.get_json()["response"]
        assert PV.MAPPING not in answer and says in json.dumps(answer, ensure_ascii=False)


def test_a_stored_profile_the_rules_refuse_is_not_exported_and_says_why(app, as_role, engine):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO import_profiles (name, body, saved_by, saved_at) "
                          "VALUES ('legacy', :b, 'old', 0)"),
                     {"b": json.dumps({"name": "legacy", "columns": {},
                                       "values": {"category": {"civil": "criminal"}}})})
    analyst = as_role("analyst")
    options = post(analyst, body(app, f"{PAGE}.data", {f"{PAGE}.data": STATE}))
    assert options.status_code == 200  # listed (to be deleted), never a 500
    export = post(analyst, body(app, f"{PV.EXPORT}.n_clicks", {
        f"{PAGE}.data": STATE, f"{PV.EXPORT}.n_clicks": 1, f"{PV.SELECT}.value": "legacy"}))
    assert export.status_code == 200
    assert PV.EXPORT_DOWNLOAD not in export.get_json()["response"]
    assert "“civil” is already a code of “category”" in said(export)
