"""/admin/users and /audit over raw HTTP: only an administrator gets in, and a forged
callback from any other role changes nothing."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import text

from data.accounts import users
from data.store.db import make_engine
from layouts import ids
from tests.web.conftest import PASSWORD, callback_body, post_callback, sign_in

NON_ADMINS = ["staff", "analyst", "judge"]
EN = {"lang": "en", "version": 0}


@pytest.fixture
def db(demo_db):
    engine = make_engine(demo_db)
    yield engine
    engine.dispose()


def snapshot(engine) -> tuple:
    """Everything an account change could touch: accounts (with hashes) and the log."""
    with engine.connect() as conn:
        accounts = conn.execute(text(
            "SELECT username, password_hash, role, court_code, active, session_version, "
            "token_hash FROM users ORDER BY id")).all()
        changes = conn.execute(text(
            "SELECT id FROM audit_log WHERE action IN ('user_add', 'user_change', "
            "'password_change')")).all()
    return accounts, changes


def audit_rows(engine, action: str, username: str) -> list:
    with engine.connect() as conn:
        return conn.execute(text("SELECT detail, address FROM audit_log WHERE action = :a "
                                 "AND username = :u ORDER BY id"),
                            {"a": action, "u": username}).all()


def body_for(app, values: dict, state: list | None = None) -> dict:
    """The request of the callback whose inputs are exactly ``values`` ({id: (prop, value)});
    for callbacks of several inputs, which ``callback_body`` does not build."""
    for cb in app._callback_list:
        if [i["id"] for i in cb["inputs"]] == list(values):
            return {"output": cb["output"],
                    "outputs": [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]}
                                for o in cb["output"][2:-2].split("...")],
                    "inputs": [{"id": i, "property": p, "value": v}
                               for i, (p, v) in values.items()],
                    "changedPropIds": [f"{i}.{p}" for i, (p, _) in values.items()],
                    "state": [{"id": s["id"], "property": s["property"], "value": v}
                              for s, v in zip(cb["state"], state or [])]}
    raise LookupError(values)


def audit_filter_body(app, user=None, action=None, date_from=None, date_to=None) -> dict:
    return body_for(app, {ids.AUDIT_STATE: ("data", {"lang": "en"}),
                          ids.AUDIT_USER: ("value", user), ids.AUDIT_ACTION: ("value", action),
                          ids.AUDIT_FROM: ("value", date_from), ids.AUDIT_TO: ("value", date_to)})


def admin_callbacks(app) -> dict[str, dict]:
    """A well-formed request for every callback of the two pages, as an admin would send."""
    return {
        "refresh": callback_body(app, ids.USERS_STATE, "data", EN),
        "add": callback_body(app, ids.USERS_ADD_SUBMIT, "n_clicks", 1,
                             state=[EN, "forged-user", "admin", None, "forged-password-1"]),
        "add_role": callback_body(app, ids.USERS_ADD_ROLE, "value", "judge"),
        "edit_role": callback_body(app, ids.USERS_EDIT_ROLE, "value", "judge"),
        "choose": body_for(app, {ids.USERS_EDIT_USER: ("value", "u-admin"),
                                 ids.USERS_STATE: ("data", EN)}),
        "save": callback_body(app, ids.USERS_EDIT_SAVE, "n_clicks", 1,
                              state=[EN, "u-admin", "judge", "KZ10-D01"]),
        "disable": callback_body(app, ids.USERS_EDIT_DISABLE, "n_clicks", 1,
                                 state=[EN, "u-admin"]),
        "enable": callback_body(app, ids.USERS_EDIT_ENABLE, "n_clicks", 1,
                                state=[EN, "u-admin"]),
        "reset": callback_body(app, ids.USERS_EDIT_RESET, "n_clicks", 1,
                               state=[EN, "u-admin"]),
        "audit_users": callback_body(app, ids.AUDIT_STATE, "data", {"lang": "en"}),
        "audit_events": audit_filter_body(app),
        "audit_csv": callback_body(app, ids.AUDIT_CSV, "n_clicks", 1,
                                   state=[{"lang": "en"}, None, None, None, None]),
    }


def response_json(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def message_of(response) -> str:
    return json.dumps(response_json(response)[ids.USERS_MESSAGE], ensure_ascii=False)


@pytest.mark.parametrize("role", NON_ADMINS)
def test_other_roles_get_403_for_the_pages(as_role, role):
    client = as_role(role)
    for path in ("/admin/users", "/audit"):
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 403, path


@pytest.mark.parametrize("role", NON_ADMINS)
def test_forged_admin_callbacks_are_refused_and_change_nothing(app, as_role, db, role):
    client = as_role(role)
    before = snapshot(db)
    for name, body in admin_callbacks(app).items():
        response = post_callback(client, body)
        assert response.status_code == 403, (name, response.status_code)
        assert b"u-admin" not in response.data and b"Traceback" not in response.data
    assert snapshot(db) == before


def test_signed_out_callbacks_get_401(app, client):
    for name, body in admin_callbacks(app).items():
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 401, name


def test_admin_sees_both_pages_and_the_accounts(app, as_role):
    admin = as_role("admin")
    for path in ("/admin/users", "/audit"):
        assert admin.get(path, headers={"Accept": "text/html"}).status_code == 200, path
    answer = response_json(post_callback(admin, admin_callbacks(app)["refresh"]))
    table = json.dumps(answer[ids.USERS_TABLE])
    assert all(f"u-{role}" in table for role in ("admin", "staff", "analyst", "judge"))
    courts = answer[ids.USERS_ADD_COURT]["options"]
    assert {"KZ10-D01", "KZ11-D01"} <= {o["value"] for o in courts}


def test_admin_adds_a_user_with_a_generated_password(app, as_role, db):
    admin = as_role("admin")
    body = callback_body(app, ids.USERS_ADD_SUBMIT, "n_clicks", 1,
                         state=[EN, "new-judge", "judge", "KZ11-D01", ""])
    answer = response_json(post_callback(admin, body))
    password = answer[ids.USERS_MESSAGE]["children"]["props"]["children"][1]["props"]["children"]
    assert len(password) >= users.MIN_PASSWORD_LENGTH
    assert answer[ids.USERS_STATE]["data"]["version"] == 1
    with db.connect() as conn:
        account = users.get(conn, "new-judge")
    assert (account.role, account.court_code, account.active) == ("judge", "KZ11-D01", True)
    assert audit_rows(db, "user_add", "u-admin")[-1] == ("new-judge as judge of KZ11-D01",
                                                         "127.0.0.1")
    # The password shown once is the one that works.
    fresh = app.server.test_client()
    assert sign_in(fresh, "new-judge", password).status_code == 302


def test_a_bad_new_account_is_explained_and_not_written(app, as_role, db):
    admin = as_role("admin")
    before = snapshot(db)
    for state, key_text in (
            (["u-staff", "staff", None, "long-enough-pass"], "already exists"),
            (["x y", "staff", None, "long-enough-pass"], "without spaces"),
            (["short-pass", "staff", None, "abc"], "at least 10 characters"),
            (["no-court", "judge", None, "long-enough-pass"], "bound to a court")):
        body = callback_body(app, ids.USERS_ADD_SUBMIT, "n_clicks", 1, state=[EN, *state])
        message = message_of(post_callback(admin, body))
        assert key_text in message and '"danger"' in message, message
    assert snapshot(db) == before


def test_disabling_the_last_admin_is_refused(app, as_role, db):
    admin = as_role("admin")
    before = snapshot(db)
    ru = {"lang": "ru", "version": 0}
    for body in (callback_body(app, ids.USERS_EDIT_DISABLE, "n_clicks", 1,
                               state=[ru, "u-admin"]),
                 callback_body(app, ids.USERS_EDIT_SAVE, "n_clicks", 1,
                               state=[ru, "u-admin", "staff", None])):
        message = message_of(post_callback(admin, body))
        assert "Последнего активного администратора" in message, message
    assert snapshot(db) == before
    assert admin.get("/admin/users", headers={"Accept": "text/html"}).status_code == 200


def test_an_admin_cannot_disable_or_demote_themselves(app, as_role, db):
    with db.begin() as conn:
        users.add_user(conn, "second-admin", "admin", PASSWORD)
    try:
        admin = as_role("admin")
        before = snapshot(db)
        for body in (callback_body(app, ids.USERS_EDIT_DISABLE, "n_clicks", 1,
                                   state=[EN, "u-admin"]),
                     callback_body(app, ids.USERS_EDIT_SAVE, "n_clicks", 1,
                                   state=[EN, "u-admin", "analyst", None])):
            assert "ask another administrator" in message_of(post_callback(admin, body))
        assert snapshot(db) == before
        # The other administrator may be demoted.
        body = callback_body(app, ids.USERS_EDIT_SAVE, "n_clicks", 1,
                             state=[EN, "second-admin", "staff", None])
        assert "changed" in message_of(post_callback(admin, body))
    finally:
        with db.begin() as conn:
            users.change(conn, "second-admin", role="staff", active=False)


def test_a_disabled_user_is_signed_out_and_can_be_enabled(app, as_role, db):
    with db.begin() as conn:
        users.add_user(conn, "leaving", "analyst", PASSWORD)
    leaving = app.server.test_client()
    assert sign_in(leaving, "leaving").status_code == 302
    assert leaving.get("/api/v1/kpi?level=national&year=2025").status_code == 200
    admin = as_role("admin")
    message = message_of(post_callback(admin, callback_body(
        app, ids.USERS_EDIT_DISABLE, "n_clicks", 1, state=[EN, "leaving"])))
    assert "disabled" in message
    assert leaving.get("/api/v1/kpi?level=national&year=2025").status_code == 401
    assert sign_in(leaving, "leaving").status_code == 401
    assert audit_rows(db, "user_change", "u-admin")[-1][0] == "leaving: disabled"
    post_callback(admin, callback_body(app, ids.USERS_EDIT_ENABLE, "n_clicks", 1,
                                       state=[EN, "leaving"]))
    assert sign_in(leaving, "leaving").status_code == 302


def test_role_change_and_password_reset(app, as_role, db):
    with db.begin() as conn:
        users.add_user(conn, "mover", "analyst", PASSWORD)
    admin = as_role("admin")
    save = callback_body(app, ids.USERS_EDIT_SAVE, "n_clicks", 1,
                         state=[EN, "mover", "judge", "KZ10-D01"])
    assert "changed" in message_of(post_callback(admin, save))
    assert audit_rows(db, "user_change", "u-admin")[-1][0] == \
        "mover: role analyst -> judge, court - -> KZ10-D01"
    # Saving the same again writes nothing.
    count = len(audit_rows(db, "user_change", "u-admin"))
    assert "Nothing to save" in message_of(post_callback(admin, save))
    assert len(audit_rows(db, "user_change", "u-admin")) == count
    answer = response_json(post_callback(admin, callback_body(
        app, ids.USERS_EDIT_RESET, "n_clicks", 1, state=[EN, "mover"])))
    password = answer[ids.USERS_MESSAGE]["children"]["props"]["children"][1]["props"]["children"]
    assert sign_in(app.server.test_client(), "mover", PASSWORD).status_code == 401
    assert sign_in(app.server.test_client(), "mover", password).status_code == 302
    assert audit_rows(db, "password_change", "u-admin")[-1][0] == "mover"


def test_audit_filters_and_safe_csv(app, as_role):
    attacker = app.server.test_client()
    sign_in(attacker, '=HYPERLINK("http://evil")', "wrong", address="10.6.6.6")
    admin = as_role("admin")
    answer = response_json(post_callback(admin, audit_filter_body(app, action="login_failed")))
    table = json.dumps(answer[ids.AUDIT_TABLE], ensure_ascii=False)
    assert "failed sign-in" in table and "10.6.6.6" in table
    assert "signed in" not in table.replace("failed sign-in", "")
    # A day range without today finds nothing.
    answer = response_json(post_callback(admin, audit_filter_body(
        app, action="login_failed", date_from="2001-01-01", date_to="2001-01-31")))
    assert "No events match" in json.dumps(answer[ids.AUDIT_TABLE])
    csv_body = callback_body(app, ids.AUDIT_CSV, "n_clicks", 1,
                             state=[{"lang": "en"}, None, "login_failed", None, None])
    download = response_json(post_callback(admin, csv_body))[ids.AUDIT_DOWNLOAD]["data"]
    assert download["filename"].startswith("audit-") and download["filename"].endswith(".csv")
    csv = base64.b64decode(download["content"]).decode("utf-8-sig")
    lines = csv.splitlines()
    assert lines[0] == "Time,User,Action,Details,Address"
    assert all(",failed sign-in," in line for line in lines[1:])
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv
