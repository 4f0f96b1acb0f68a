"""The audit page's parts: events as people read them, their table, the messages.

Pure builders; callbacks/audit.py reads the events and checks who may see them.
Times are stored in UTC and shown in Astana time: the people reading the log work in
Kazakhstan, and an event at 23:30 UTC belongs to the next day there. The tz database
knows that the country moved to a single zone (UTC+5) in March 2024, so older events
keep the offset they had.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from data.accounts.audit import ACTIONS
from layouts.i18n import t

ZONE = ZoneInfo("Asia/Almaty")
TIME_FORMATS = {"en": "%Y-%m-%d %H:%M", "ru": "%d.%m.%Y %H:%M", "kk": "%d.%m.%Y %H:%M"}
DATE_FORMATS = {"en": "%Y-%m-%d", "ru": "%d.%m.%Y", "kk": "%d.%m.%Y"}
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


def action_name(action: str, lang: str) -> str:
    return t(f"audit.action.{action}", lang) if action in ACTIONS else action


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


def events_table(shown: pd.DataFrame) -> dbc.Table:
    """The events (as ``readable`` gives them) as a table."""
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in shown.columns]))
    body = html.Tbody([html.Tr([html.Td(row[0], className="text-nowrap"), html.Td(row[1]),
                                html.Td(row[2]), html.Td(row[3], className="text-break"),
                                html.Td(row[4])])
                       for row in shown.itertuples(index=False)])
    return dbc.Table([head, body], size="sm", striped=True, className="small audit-table")


def user_options(names: list[str]) -> list[html.Option]:
    """The user names the user filter suggests."""
    return [html.Option(value=name) for name in names]


def bad_dates(lang: str) -> dbc.Alert:
    return dbc.Alert(t("audit.bad_dates", lang), color="warning")


def no_events(lang: str) -> html.P:
    return html.P(t("audit.none", lang), className="text-muted")


def count_text(found: int, most: int, lang: str) -> str:
    """How many events the table shows: all ``found``, or the first ``most`` of more."""
    return (t("audit.count_cut", lang, shown=most) if found > most
            else t("audit.count", lang, n=found))
