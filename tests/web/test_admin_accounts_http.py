"""/admin/users over raw HTTP for issue 33: accounts from a CSV upload (all or none,
problems with line and column, the new passwords downloaded once), only for an
administrator; directory accounts shown as such and not editable here."""

from __future__ import annotations

import base64
import json
import time

import pytest
from sqlalchemy import text

from data.accounts import users
from data.store.db import make_engine
from layouts import ids
from tests.web.conftest import callback_body, post_callback, sign_in
from tests.web.test_admin_http import EN, message_of, response_json

NON_ADMINS = ["staff", "analyst", "judge"]


@pytest.fixture
def db(demo_db):
    engine = make_engine(demo_db)
    yield engine
    engine.dispose()


def _upload(app, csv_text: str, filename: str = "accounts.csv") -> dict:
    contents = "data:text/csv;base64," + base64.b64encode(csv_text.encode()).decode()
    return callback_body(app, ids.USERS_IMPORT_UPLOAD, "contents", contents,
                         state=[EN, filename])


def _names(db) -> set[str]:
    with db.connect() as conn:
        return set(conn.execute(text("SELECT username FROM users")).scalars())


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_an_administrator_imports(app, as_role, db, role):
    before = _names(db)
    response = post_callback(as_role(role), _upload(app, f"name,role,court,email\n"
                                                         f"forged-{role},admin,,\n"))
    assert response.status_code == 403 and b"Traceback" not in response.data
    assert _names(db) == before


def test_an_upload_adds_every_account_and_downloads_the_passwords_once(app, as_role, db):
    tag = time.monotonic_ns()
    names = [f"b{tag}-judge", f"b{tag}-analyst"]
    answer = response_json(post_callback(as_role("admin"), _upload(
        app, f"name,role,court,email\n{names[0]},judge,KZ10-D01,j@sud.kz\n"
             f"{names[1]},analyst,,\n")))
    assert "2 accounts added" in json.dumps(answer[ids.USERS_MESSAGE])
    download = answer[ids.USERS_IMPORT_DOWNLOAD]["data"]
    assert download["filename"].startswith("court-kpi-passwords-")
    assert download["base64"] is False
    lines = download["content"].strip().splitlines()
    assert lines[0] == "name,password" and len(lines) == 3
    issued = dict(line.split(",", 1) for line in lines[1:])
    assert set(issued) == set(names)
    for name, password in issued.items():
        response = sign_in(app.server.test_client(), name, password, address="10.8.0.1")
        assert response.status_code == 302, name
    with db.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE username = :u"),
                              {"u": names[0]}).scalar_one()
        detail = conn.execute(text("SELECT detail FROM audit_log WHERE action = 'user_add' "
                                   "AND username = 'u-admin' ORDER BY id DESC")).scalar()
    assert issued[names[0]] not in stored and "bulk import" in detail


def test_a_bad_file_says_where_and_adds_nobody(app, as_role, db):
    before = _names(db)
    answer = response_json(post_callback(as_role("admin"), _upload(
        app, "name,role,court,email\nok-x,analyst,,\nj-x,judge,,\nu-staff,staff,,\n")))
    message = json.dumps(answer[ids.USERS_MESSAGE], ensure_ascii=False)
    assert "Line 3, column court" in message and "Line 4, column name" in message
    assert ids.USERS_IMPORT_DOWNLOAD not in answer or \
        answer[ids.USERS_IMPORT_DOWNLOAD] is None
    assert _names(db) == before
    # Not base64 at all: a sentence, not a 500.
    body = callback_body(app, ids.USERS_IMPORT_UPLOAD, "contents", "data:text/csv;base64,@@",
                         state=[EN, "x.csv"])
    assert "could not be read" in message_of(post_callback(as_role("admin"), body))


def test_directory_accounts_are_shown_and_not_editable_here(app, as_role, db):
    name = f"dir-{time.monotonic_ns()}"
    with db.begin() as conn:
        users.sync_directory(conn, name, "analyst", None, None)
    admin = as_role("admin")
    table = json.dumps(response_json(post_callback(
        admin, callback_body(app, ids.USERS_STATE, "data", EN)))[ids.USERS_TABLE])
    assert "directory (changed there)" in table and "local (password here)" in table
    choose = None
    for cb in app._callback_list:
        if [i["id"] for i in cb["inputs"]] == [ids.USERS_EDIT_USER, ids.USERS_STATE]:
            choose = cb
    assert choose is not None
    for action, button in (("save", ids.USERS_EDIT_SAVE), ("disable", ids.USERS_EDIT_DISABLE),
                           ("reset", ids.USERS_EDIT_RESET)):
        state = [EN, name, "staff", None] if action == "save" else [EN, name]
        message = message_of(post_callback(admin, callback_body(app, button, "n_clicks", 1,
                                                                state=state)))
        assert "comes from the directory" in message, action
    with db.connect() as conn:
        account = users.get(conn, name)
    assert (account.role, account.active) == ("analyst", True)
