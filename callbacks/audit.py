"""Audit log callbacks: filtered events, newest first, and their CSV download.

Times are stored in UTC and shown in Astana time: the people reading the log work in
Kazakhstan, and an event at 23:30 UTC belongs to the next day there. The tz database
knows that the country moved to a single zone (UTC+5) in March 2024, so older events
keep the offset they had.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html

from callbacks.context import Services
from data.accounts import audit, users
from data.accounts.access import READ_AUDIT
from layouts import ids
from layouts.export import to_csv_bytes
from layouts.i18n import state_lang, t
from web.guard import require

ZONE = ZoneInfo("Asia/Almaty")
TIME_FORMATS = {"en": "%Y-%m-%d %H:%M", "ru": "%d.%m.%Y %H:%M", "kk": "%d.%m.%Y %H:%M"}
DATE_FORMATS = {"en": "%Y-%m-%d", "ru": "%d.%m.%Y", "kk": "%d.%m.%Y"}
# The page draws this many rows; the CSV takes up to EXPORT_LIMIT.
MAX_SHOWN = 500
EXPORT_LIMIT = 100_000
COLUMNS = ("time", "user", "action", "detail", "address")




def local_times(values: pd.Series) -> pd.Series:
    """Stored times (UTC; naive text on SQLite, aware on PostgreSQL) in Astana time."""
    if values.empty:
        return pd.Series([], dtype="datetime64[us, Asia/Almaty]", index=values.index)
    return pd.to_datetime(values, utc=True, format="ISO8601").dt.tz_convert(ZONE)


def fmt_times(values: pd.Series, lang: str, date_only: bool = False) -> pd.Series:
    """DD.MM.YYYY HH:MM in Kazakh and Russian, YYYY-MM-DD HH:MM in English."""
    formats = DATE_FORMATS if date_only else TIME_FORMATS
    local = local_times(values)
    return local.dt.strftime(formats.get(lang, formats["en"])).where(local.notna(), "")


def _day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None  # a forged or half-typed date filters nothing


def time_range(date_from, date_to) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[since, until) in UTC for whole days ``date_from`` .. ``date_to`` in Astana time.

    The end day is included. Either may be missing; an unreadable date counts as missing.
    """
    start, end = _day(date_from), _day(date_to)

    def utc_midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), ZONE).astimezone(dt.UTC)

    return (utc_midnight(start) if start else None,
            utc_midnight(end + dt.timedelta(days=1)) if end else None)


def filters(username, action, date_from, date_to) -> dict:
    """The keyword arguments of ``audit.events`` for the page's filters."""
    since, until = time_range(date_from, date_to)
    return {"username": (username or "").strip()[:120] or None,
            "action": action if action in audit.ACTIONS else None,
            "since": since, "until": until}


def action_name(action: str, lang: str) -> str:
    return t(f"audit.action.{action}", lang) if action in audit.ACTIONS else action


def readable(events: pd.DataFrame, lang: str, iso: bool = False) -> pd.DataFrame:
    """Events as people read them: local time, translated action, headers in ``lang``.

    ``iso``: the time in full ISO 8601 with its offset, for files other programs read.
    """
    if iso:
        local = local_times(events["at"])
        time = local.map(lambda v: v.isoformat(timespec="seconds"))
    else:
        time = fmt_times(events["at"], lang)
    out = pd.DataFrame({
        "time": time,
        "user": events["username"],
        "action": events["action"].map(lambda a: action_name(a, lang)),
        "detail": events["detail"].fillna(""),
        "address": events["address"].fillna(""),
    }, columns=list(COLUMNS))
    return out.rename(columns={c: t(f"audit.col.{c}", lang) for c in COLUMNS})


def _table(shown: pd.DataFrame) -> dbc.Table:
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in shown.columns]))
    body = html.Tbody([html.Tr([html.Td(row[0], className="text-nowrap"), html.Td(row[1]),
                                html.Td(row[2]), html.Td(row[3], className="text-break"),
                                html.Td(row[4])])
                       for row in shown.itertuples(index=False)])
    return dbc.Table([head, body], size="sm", striped=True, className="small audit-table")


def register(app, services: Services) -> None:
    @app.callback(Output(ids.AUDIT_USER_LIST, "children"), Input(ids.AUDIT_STATE, "data"))
    def user_suggestions(_state):
        require(READ_AUDIT)
        with services.connect() as conn:
            names = users.listing(conn)["username"].tolist()
        return [html.Option(value=name) for name in names]

    @app.callback(Output(ids.AUDIT_TABLE, "children"), Output(ids.AUDIT_COUNT, "children"),
                  Input(ids.AUDIT_STATE, "data"), Input(ids.AUDIT_USER, "value"),
                  Input(ids.AUDIT_ACTION, "value"), Input(ids.AUDIT_FROM, "value"),
                  Input(ids.AUDIT_TO, "value"))
    def events(state, username, action, date_from, date_to):
        require(READ_AUDIT)
        lang = state_lang(state)
        asked = filters(username, action, date_from, date_to)
        if asked["since"] and asked["until"] and asked["since"] >= asked["until"]:
            return dbc.Alert(t("audit.bad_dates", lang), color="warning"), ""
        with services.connect() as conn:
            found = audit.events(conn, **asked, limit=MAX_SHOWN + 1)
        if found.empty:
            return html.P(t("audit.none", lang), className="text-muted"), ""
        count = (t("audit.count_cut", lang, shown=MAX_SHOWN) if len(found) > MAX_SHOWN
                 else t("audit.count", lang, n=len(found)))
        return _table(readable(found.head(MAX_SHOWN), lang)), count

    @app.callback(Output(ids.AUDIT_DOWNLOAD, "data"), Input(ids.AUDIT_CSV, "n_clicks"),
                  State(ids.AUDIT_STATE, "data"), State(ids.AUDIT_USER, "value"),
                  State(ids.AUDIT_ACTION, "value"), State(ids.AUDIT_FROM, "value"),
                  State(ids.AUDIT_TO, "value"), prevent_initial_call=True)
    def download(_clicks, state, username, action, date_from, date_to):
        require(READ_AUDIT)
        lang = state_lang(state)
        with services.connect() as conn:
            found = audit.events(conn, **filters(username, action, date_from, date_to),
                                 limit=EXPORT_LIMIT)
        stamp = dt.datetime.now(ZONE).strftime("%Y%m%d-%H%M")
        # to_csv_bytes neutralises formulas: user names of failed sign-ins are typed by
        # anyone, e.g. "=HYPERLINK(...)".
        return dcc.send_bytes(to_csv_bytes(readable(found, lang, iso=True)),
                              f"audit-{stamp}.csv")
