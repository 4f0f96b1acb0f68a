"""User administration callbacks: the account list and every change to accounts.

Each callback checks MANAGE_USERS on the server before anything else, so a forged
request from another role is refused whatever the page showed. Each change and its
audit event are written in one transaction by data.accounts.user_admin (which checks the
permission again): neither is kept without the other.
"""

from __future__ import annotations

import base64
import datetime as dt
import re

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from callbacks.context import Services, request_viewer, unit_options
from data.accounts import bulk, user_admin, users
from data.accounts.access import MANAGE_USERS
from data.accounts.user_admin import OwnAccount
from layouts import ids
from layouts.accounts_bulk import problem_text
from layouts.audit_view import fmt_times
from layouts.components import alert
from layouts.export import csv_text
from layouts.i18n import LANGUAGE_NAMES, state_lang, t
from web.auth import client_address
from web.guard import require

_QUOTED = r"['\"](?P<{}>.*)['\"]"
# data.accounts.users raises AccountError with English sentences; these patterns give each one
# its catalogue key (tests/test_admin_logic.py raises every one and checks the match).
_ERRORS: list[tuple[re.Pattern, str]] = [(re.compile(pattern), key) for pattern, key in [
    (r"^A user name is 1-80 characters", "account.name_invalid"),
    (r"^The password must have at least (?P<n>\d+) characters", "account.password_short"),
    (r"^Unknown role ", "account.unknown_role"),
    (r"^A judge must be bound to a court", "account.judge_needs_court"),
    (r"^No court with code " + _QUOTED.format("code"), "account.no_court"),
    (r"^Only judges are bound to a court", "account.court_only_judges"),
    (r"^A user named " + _QUOTED.format("name") + r" already exists", "account.exists"),
    (r"^No user named " + _QUOTED.format("name"), "account.no_user"),
    (r"^" + re.escape(users.LAST_ADMIN_MESSAGE), "account.last_admin"),
    (r"^(?P<name>\S+) comes from the directory:", "account.directory"),
]]


MAX_PROBLEMS_SHOWN = 50


def account_error_text(message: str, lang: str) -> str:
    """An AccountError's message in ``lang``; the English sentence if it is a new one."""
    for pattern, key in _ERRORS:
        match = pattern.match(message)
        if match:
            return t(key, lang, **match.groupdict())
    return message


def _password_alert(text: str, password: str) -> dbc.Alert:
    # Shown once: it is in this response only and stored nowhere but as a hash.
    return alert([html.Div(text), html.Code(password, className="new-password fs-5 "
                                                                 "user-select-all")],
                  "success")


def _bumped(state: dict) -> dict:
    version = state.get("version") if isinstance(state, dict) else None
    return {"lang": state_lang(state), "version": (version if isinstance(version, int) else 0) + 1}


def users_table(accounts: pd.DataFrame, court_names, lang: str) -> html.Table | html.P:
    """Every account: name, role, court, active, language, created, has an API token."""
    if accounts.empty:
        return html.P(t("users.none", lang), className="text-muted")
    cols = ("username", "role", "court", "active", "source", "language", "created", "token")
    head = html.Thead(html.Tr([html.Th(t(f"users.col.{c}", lang), scope="col") for c in cols]))
    created = fmt_times(accounts["created_at"], lang, date_only=True)

    def yes_no(value) -> str:
        return t("users.yes" if bool(value) else "users.no", lang)

    # A missing court or language reads NaN in a frame; None is what the checks expect.
    accounts = accounts.astype(object).where(accounts.notna(), None)
    rows = []
    for row, made in zip(accounts.itertuples(index=False), created):
        court = (f"{court_names.get(row.court_code, row.court_code)} ({row.court_code})"
                 if row.court_code else "")
        name = [row.username]
        if not row.active:
            name += [" ", html.Span(t("users.disabled_badge", lang),
                                    className="badge text-bg-secondary")]
        rows.append(html.Tr([
            html.Td(name), html.Td(t(f"role.{row.role}", lang)), html.Td(court),
            html.Td(yes_no(row.active)),
            html.Td(t(f"users.source.{row.source}", lang), className=f"source-{row.source}"),
            html.Td(LANGUAGE_NAMES.get(row.language, "")),
            html.Td(made), html.Td(yes_no(row.has_token)),
        ], className="" if row.active else "text-muted"))
    return dbc.Table([head, html.Tbody(rows)], size="sm", striped=True, hover=True,
                     className="small users-table")


# --- what the callbacks do (each checks MANAGE_USERS first) ----------------------------


def court_options(services: Services, lang: str) -> list[dict]:
    viewer = request_viewer()
    return unit_options(services.unit_names(viewer, lang), services.courts(viewer)["court_code"],
                        with_code=True)


def accounts_view(services: Services, lang: str) -> tuple:
    """The account table, the accounts to choose from, the courts for both forms."""
    viewer = request_viewer()
    require(MANAGE_USERS)
    with services.connect() as conn:
        accounts = users.listing(conn)
    options = court_options(services, lang)
    account_options = [{"label": name, "value": name} for name in accounts["username"]]
    return (users_table(accounts, services.unit_names(viewer, lang), lang), account_options,
            options, options)


def court_for_role(role: str | None) -> tuple:
    """Only a judge is bound to a court: the court field is off, and empty, otherwise."""
    require(MANAGE_USERS)
    return role != "judge", no_update if role == "judge" else None


def chosen_account(services: Services, username: str | None) -> tuple:
    """The chosen account's role and court in the form; the buttons that apply."""
    require(MANAGE_USERS)
    with services.connect() as conn:
        account = users.get(conn, username) if username else None
        source = users.source_of(conn, account.username) if account else None
    if account is None:
        return None, None, True, True, True, True
    if source == users.DIRECTORY:  # changed in the directory, not here
        return account.role, account.court_code, True, True, True, True
    return account.role, account.court_code, False, not account.active, account.active, False


def add_account(services: Services, state, username, role, court_code, password) -> tuple:
    admin = require(MANAGE_USERS)
    lang = state_lang(state)
    username = (username or "").strip()
    generated = not password
    password = password or users.new_password()
    try:
        user_admin.add(services.engine, admin, username, role, password,
                       court_code if role == "judge" else None, client_address())
    except users.AccountError as exc:
        return alert(account_error_text(str(exc), lang), "danger"), no_update, no_update, \
            no_update
    done = t("users.added", lang, name=username)
    shown = (_password_alert(f"{done} {t('users.generated', lang, name=username)}", password)
             if generated else alert(done, "success"))
    return shown, _bumped(state), "", ""


def change_account(services: Services, state, username: str | None, action: str,
                   **values) -> tuple:
    """One change to the chosen account ("save", "enable", "disable", "reset"), and what
    to say: done, nothing to do, or why it is refused."""
    admin = require(MANAGE_USERS)
    lang = state_lang(state)
    if not username:
        return alert(t("users.choose_first", lang), "warning"), no_update
    engine, address = services.engine, client_address()
    try:
        if action == "reset":
            password = user_admin.reset_password(engine, admin, username, address)
            return _password_alert(t("users.password_reset", lang, name=username), password), \
                _bumped(state)
        if action == "save":
            changed = user_admin.save(engine, admin, username, values["role"],
                                      values["court_code"], address)
            if not changed:
                return alert(t("users.unchanged", lang, name=username), "info"), no_update
            key = "users.changed"
        else:
            user_admin.set_active(engine, admin, username, action == "enable", address)
            key = "users.now_enabled" if action == "enable" else "users.now_disabled"
    except users.AccountError as exc:
        return alert(account_error_text(str(exc), lang), "danger"), no_update
    except OwnAccount:
        return alert(t("users.not_yourself", lang), "warning"), no_update
    return alert(t(key, lang, name=username), "success"), _bumped(state)


def import_accounts(services: Services, state, contents: str | None,
                    filename: str | None) -> tuple:
    """Local accounts from an uploaded CSV: all or none; the new passwords go back once,
    as a download, and are kept nowhere."""
    admin = require(MANAGE_USERS)
    lang = state_lang(state)
    if not contents:
        return no_update, no_update, no_update
    try:
        raw = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, ValueError):
        return alert(t("users.import_unreadable", lang), "danger"), no_update, no_update
    try:
        issued = bulk.import_accounts(services.engine, admin, raw, client_address())
    except bulk.BulkRefused as exc:
        shown = exc.problems[:MAX_PROBLEMS_SHOWN]
        return alert([html.Div(t("users.import_refused", lang, n=len(exc.problems))),
                      html.Ul([html.Li(problem_text(p, lang)) for p in shown],
                              className="mb-0 import-problems")], "danger"), \
            no_update, no_update
    name = f"court-kpi-passwords-{dt.date.today().isoformat()}.csv"
    download = dcc.send_string(csv_text(bulk.passwords_frame(issued)), name)
    return alert(t("users.imported", lang, n=len(issued), file=name), "success"), \
        _bumped(state), download


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    @app.callback(
        Output(ids.USERS_TABLE, "children"), Output(ids.USERS_EDIT_USER, "options"),
        Output(ids.USERS_ADD_COURT, "options"), Output(ids.USERS_EDIT_COURT, "options"),
        Input(ids.USERS_STATE, "data"),
    )
    def refresh(state):
        return accounts_view(services, state_lang(state))

    # The role of either form switches its court field (the edit form's court is also
    # set when an account is chosen, hence the duplicate output there).
    for role, court, chosen_too in ((ids.USERS_ADD_ROLE, ids.USERS_ADD_COURT, False),
                                    (ids.USERS_EDIT_ROLE, ids.USERS_EDIT_COURT, True)):
        app.callback(Output(court, "disabled"),
                     Output(court, "value", allow_duplicate=chosen_too),
                     Input(role, "value"), prevent_initial_call=True)(court_for_role)

    @app.callback(
        Output(ids.USERS_EDIT_ROLE, "value"),
        Output(ids.USERS_EDIT_COURT, "value", allow_duplicate=True),
        Output(ids.USERS_EDIT_SAVE, "disabled"), Output(ids.USERS_EDIT_DISABLE, "disabled"),
        Output(ids.USERS_EDIT_ENABLE, "disabled"), Output(ids.USERS_EDIT_RESET, "disabled"),
        Input(ids.USERS_EDIT_USER, "value"), Input(ids.USERS_STATE, "data"),
        prevent_initial_call=True,
    )
    def choose(username, _state):
        return chosen_account(services, username)

    message = Output(ids.USERS_MESSAGE, "children", allow_duplicate=True)
    bump = Output(ids.USERS_STATE, "data", allow_duplicate=True)
    chosen = (State(ids.USERS_STATE, "data"), State(ids.USERS_EDIT_USER, "value"))

    @app.callback(
        message, bump, Output(ids.USERS_ADD_NAME, "value"),
        Output(ids.USERS_ADD_PASSWORD, "value"), Input(ids.USERS_ADD_SUBMIT, "n_clicks"),
        State(ids.USERS_STATE, "data"), State(ids.USERS_ADD_NAME, "value"),
        State(ids.USERS_ADD_ROLE, "value"), State(ids.USERS_ADD_COURT, "value"),
        State(ids.USERS_ADD_PASSWORD, "value"), prevent_initial_call=True,
    )
    def add(_clicks, state, username, role, court_code, password):
        return add_account(services, state, username, role, court_code, password)

    @app.callback(message, bump, Input(ids.USERS_EDIT_SAVE, "n_clicks"), *chosen,
                  State(ids.USERS_EDIT_ROLE, "value"), State(ids.USERS_EDIT_COURT, "value"),
                  prevent_initial_call=True)
    def save(_clicks, state, username, role, court_code):
        return change_account(services, state, username, "save", role=role,
                              court_code=court_code)

    @app.callback(message, bump, Output(ids.USERS_IMPORT_DOWNLOAD, "data"),
                  Input(ids.USERS_IMPORT_UPLOAD, "contents"), State(ids.USERS_STATE, "data"),
                  State(ids.USERS_IMPORT_UPLOAD, "filename"), prevent_initial_call=True)
    def import_file(contents, state, filename):
        return import_accounts(services, state, contents, filename)

    for action, button in (("disable", ids.USERS_EDIT_DISABLE), ("enable", ids.USERS_EDIT_ENABLE),
                           ("reset", ids.USERS_EDIT_RESET)):
        app.callback(message, bump, Input(button, "n_clicks"), *chosen,
                     prevent_initial_call=True)(_one_click(services, action))


def _one_click(services: Services, action: str):
    """The callback of a button that changes the chosen account with no other input."""

    def clicked(_clicks, state, username):
        return change_account(services, state, username, action)

    clicked.__name__ = f"account_{action}"
    return clicked
