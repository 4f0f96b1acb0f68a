"""The /releases page (issue 14): publish a year, list the releases. Builders only."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import attrs, confirm_dialog
from layouts.i18n import t

P = "releases-"
YEAR = P + "year"
NOTE = P + "note"
PUBLISH = P + "publish"
MESSAGE = P + "message"
LIST = P + "list"
CHANGED = P + "changed"  # dcc.Store: bumped after every release
CONFIRM = P + "confirm"
CONFIRM_BODY = P + "confirm-body"
CONFIRM_OK = P + "confirm-ok"
CONFIRM_CANCEL = P + "confirm-cancel"
MAX_NOTE = 2000


def form(lang: str, years: list[int]) -> html.Div:
    return html.Div([
        dbc.Row([
            dbc.Col([
                dbc.Label(t("releases.year", lang), html_for=YEAR, className="small mb-1"),
                dbc.Select(id=YEAR, options=[{"label": str(y), "value": str(y)}
                                             for y in reversed(years)],
                           value=str(years[-1]) if years else None, size="sm"),
            ], md=3),
            dbc.Col([
                dbc.Label(t("releases.note", lang), html_for=NOTE, className="small mb-1"),
                dbc.Textarea(id=NOTE, maxLength=MAX_NOTE, rows=2),
            ], md=9),
        ], className="g-2 mb-2"),
        dbc.Button(t("releases.publish", lang), id=PUBLISH, color="primary", size="sm",
                   disabled=not years),
        dcc.Loading(html.Div(id=MESSAGE, className="small mt-2", role="status"),
                    delay_show=300),
    ])


def confirm_modal(lang: str) -> dbc.Modal:
    return confirm_dialog((CONFIRM, CONFIRM_BODY, CONFIRM_CANCEL, CONFIRM_OK),
                          t("releases.publish", lang), t("releases.cancel", lang),
                          t("releases.publish", lang))


def public_status(lang: str, public: bool) -> dbc.Alert:
    if not public:
        return dbc.Alert(t("releases.public_off", lang), color="secondary",
                         className="small py-2")
    return dbc.Alert([t("releases.public_on", lang), " ",
                      html.A(t("releases.open_public", lang), href=f"/public?lang={lang}",
                             target="_blank", rel="noopener", className="alert-link")],
                     color="info", className="small py-2")


def releases_table(rows: pd.DataFrame, revised: dict[int, int], lang: str,
                   public: bool) -> html.Div | html.P:
    """Every release: number, year, when and by whom, the note, how many figures it
    revised, and its downloads (all courts; the public files when the view is on)."""
    if rows.empty:
        return html.P(t("releases.none", lang), className="small text-muted")
    header = [t("public.number", lang), t("col.year", lang), t("public.published", lang),
              t("releases.by", lang), t("public.note", lang), t("releases.revised", lang),
              t("releases.full", lang)]
    body = []
    for r in rows.itertuples(index=False):
        number = int(r.id)
        links: list[Component | str] = [
            html.A("CSV", href=f"/download/release-{number}.zip", download="",
                   **attrs(aria_label=t("public.csv", lang, number=number))), " · ",
            html.A("JSON", href=f"/download/release-{number}.json", download="",
                   **attrs(aria_label=t("public.json", lang, number=number)))]
        if public:
            links += [" · ", html.A(t("public.title", lang),
                                    href=f"/public?release={number}&lang={lang}",
                                    target="_blank", rel="noopener")]
        body.append(html.Tr([
            html.Th(str(number), scope="row"), html.Td(str(r.year)),
            html.Td(pd.Timestamp(r.published_at).strftime("%Y-%m-%d %H:%M")),
            html.Td(r.published_by), html.Td(r.note, style={"whiteSpace": "pre-wrap"}),
            html.Td("—" if number not in revised else str(revised[number])),
            html.Td(links, className="text-nowrap"),
        ], **attrs(data_release=str(number))))
    return html.Div(html.Table([
        html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
        html.Tbody(body),
    ], className="table table-sm small align-middle"), className="table-responsive")
