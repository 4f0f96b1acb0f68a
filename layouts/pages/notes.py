"""``/notes``: notes on the figures ("2024: courts No. 2 and 3 merged") on a court-,
region- or national year, optionally for one KPI. Everyone reads the notes of what
they may see; analysts, staff and admins add, edit and delete them (issue 15).

``?unit=&year=&kpi=`` prefills the form (the explorer and the court profile link here).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import notes_view as v
from layouts.components import page_store
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/notes", title=page_title("notes.title"), name="notes",
                   nav="nav.notes", nav_order=10, nav_menu="nav.data")


def layout(**query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    unit = str(query.get("unit") or "")[:64] or None
    kpi = str(query.get("kpi") or "")[:64] or None
    return html.Div([
        page_store("notes", state),
        dcc.Store(id=v.EDITING),
        dcc.Store(id=v.CHANGED, data=0),
        dcc.Store(id=v.PENDING),
        v.confirm_modal(lang),
        html.H1(t("notes.title", lang), className="h3 mt-3"),
        html.P(t("notes.intro", lang), className="text-muted small"),
        dbc.Card([
            dbc.CardHeader(html.H2(t("notes.add", lang), className="h6 mb-0")),
            dbc.CardBody([
                v.form(lang, unit, state["year"], kpi),
                html.P(t("notes.readonly", lang), id=v.READONLY,
                       className="small text-muted mb-0 d-none"),
            ]),
        ], className="mb-3"),
        dbc.Row(dbc.Col([
            dbc.Label(t("notes.filter_year", lang), html_for=v.FILTER_YEAR,
                      className="small mb-1"),
            dbc.Input(id=v.FILTER_YEAR, type="number", min=1990, max=2100, step=1,
                      size="sm"),
        ], md=3), className="mb-2"),
        html.Div(id=v.LIST),
    ])
