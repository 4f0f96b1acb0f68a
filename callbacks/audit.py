"""Audit log callbacks: filtered events, newest first, and their CSV download.

Reading the log needs READ_AUDIT, checked on the server. The filters are whole days in
Astana time (layouts/audit_view.py shows the times there too).
"""

from __future__ import annotations

import datetime as dt

from dash import Input, Output, State, dcc, html

from callbacks.context import Services
from data.accounts import audit, users
from data.accounts.access import READ_AUDIT
from layouts import audit_view, ids
from layouts.export import to_csv_bytes
from layouts.i18n import state_lang
from web.guard import require

# The page draws this many rows; the CSV takes up to EXPORT_LIMIT.
MAX_SHOWN = 500
EXPORT_LIMIT = 100_000


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None  # a forged or half-typed date filters nothing


def time_range(date_from: object,
               date_to: object) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[since, until) in UTC for whole days ``date_from`` .. ``date_to`` in Astana time.

    The end day is included. Either may be missing; an unreadable date counts as missing.
    """
    start, end = _day(date_from), _day(date_to)

    def utc_midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), audit_view.ZONE).astimezone(dt.UTC)

    return (utc_midnight(start) if start else None,
            utc_midnight(end + dt.timedelta(days=1)) if end else None)


def filters(username: str | None, action: str | None, date_from: object,
            date_to: object) -> dict:
    """The keyword arguments of ``audit.events`` for the page's filters."""
    since, until = time_range(date_from, date_to)
    return {"username": (username or "").strip()[:120] or None,
            "action": action if action in audit.ACTIONS else None,
            "since": since, "until": until}


# --- what the callbacks do --------------------------------------------------------------


def user_suggestions(services: Services) -> list[html.Option]:
    """The accounts' names, suggested by the user filter."""
    require(READ_AUDIT)
    with services.connect() as conn:
        names = users.listing(conn)["username"].tolist()
    return audit_view.user_options(names)


def audit_table(services: Services, state: dict | None, username: str | None,
                action: str | None, date_from: str | None, date_to: str | None) -> tuple:
    """The newest MAX_SHOWN events the filters find, and how many are shown."""
    require(READ_AUDIT)
    lang = state_lang(state)
    asked = filters(username, action, date_from, date_to)
    if asked["since"] and asked["until"] and asked["since"] >= asked["until"]:
        return audit_view.bad_dates(lang), ""
    with services.connect() as conn:
        found = audit.events(conn, **asked, limit=MAX_SHOWN + 1)
    if found.empty:
        return audit_view.no_events(lang), ""
    return (audit_view.events_table(audit_view.readable(found.head(MAX_SHOWN), lang)),
            audit_view.count_text(len(found), MAX_SHOWN, lang))


def audit_csv(services: Services, state: dict | None, username: str | None,
              action: str | None, date_from: str | None, date_to: str | None) -> dict:
    """The events the filters find (up to EXPORT_LIMIT) as a CSV download."""
    require(READ_AUDIT)
    lang = state_lang(state)
    with services.connect() as conn:
        found = audit.events(conn, **filters(username, action, date_from, date_to),
                             limit=EXPORT_LIMIT)
    stamp = dt.datetime.now(audit_view.ZONE).strftime("%Y%m%d-%H%M")
    # to_csv_bytes neutralises formulas: user names of failed sign-ins are typed by
    # anyone, e.g. "=HYPERLINK(...)".
    return dcc.send_bytes(to_csv_bytes(audit_view.readable(found, lang, iso=True)),
                          f"audit-{stamp}.csv")


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    @app.callback(Output(ids.AUDIT_USER_LIST, "children"), Input(ids.AUDIT_STATE, "data"))
    def suggestions(_state):
        return user_suggestions(services)

    @app.callback(Output(ids.AUDIT_TABLE, "children"), Output(ids.AUDIT_COUNT, "children"),
                  Input(ids.AUDIT_STATE, "data"), Input(ids.AUDIT_USER, "value"),
                  Input(ids.AUDIT_ACTION, "value"), Input(ids.AUDIT_FROM, "value"),
                  Input(ids.AUDIT_TO, "value"))
    def events(state, username, action, date_from, date_to):
        return audit_table(services, state, username, action, date_from, date_to)

    @app.callback(Output(ids.AUDIT_DOWNLOAD, "data"), Input(ids.AUDIT_CSV, "n_clicks"),
                  State(ids.AUDIT_STATE, "data"), State(ids.AUDIT_USER, "value"),
                  State(ids.AUDIT_ACTION, "value"), State(ids.AUDIT_FROM, "value"),
                  State(ids.AUDIT_TO, "value"), prevent_initial_call=True)
    def download(_clicks, state, username, action, date_from, date_to):
        return audit_csv(services, state, username, action, date_from, date_to)
