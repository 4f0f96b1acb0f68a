"""``/court/<code>``: one court next to its region and the nation."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from layouts import controls, ids
from layouts.components import attrs, chart_card, page_store
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path_template="/court/<code>", title=page_title("court.title"),
                   name="court")


def layout(code: str | None = None, **query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    return html.Div([
        page_store("court", state, court=str(code or "")[:64]),
        html.Div(id=ids.BREADCRUMBS),
        html.Div(id=ids.COURT_HEADER),
        dbc.Row([*controls.period_controls(state["year"], state["part"], lang),
                 controls.category_control(state["category"], lang)], className="mb-3 g-2"),
        html.Div(id=ids.COURT_IN_YEAR, **attrs(aria_live="polite")),
        dbc.Card([
            dbc.CardHeader(html.H2(t("court.scorecard", lang), className="h6 mb-0")),
            dbc.CardBody([html.Div(id=ids.COURT_SCORECARD, className="table-responsive"),
                          html.Div(id=ids.COURT_GAP)]),
        ], className="mb-3"),
        dbc.Card([
            dbc.CardHeader(html.H2(t("workload.card", lang), className="h6 mb-0")),
            dbc.CardBody(html.Div(id=ids.COURT_WORKLOAD)),
        ], className="mb-3"),
        dbc.Card([
            dbc.CardHeader(html.H2(t("court.notes", lang), className="h6 mb-0")),
            dbc.CardBody(html.Div(id=ids.COURT_NOTES)),
        ], className="mb-3"),
        dbc.Row([
            dbc.Col(chart_card("flow", t("court.case_flow", lang), lang), lg=5),
            dbc.Col(dbc.Card([
                dbc.CardHeader(html.H2(t("court.data_sent", lang), className="h6 mb-0")),
                dbc.CardBody(html.Div(id=ids.COURT_DATA_SENT, className="table-responsive")),
            ], className="mb-3"), lg=7),
        ]),
        chart_card("court_backlog", t("backlog.title", lang), lang, extra=[
            html.P(id=ids.COURT_BACKLOG_NOTE, className="small mb-1")]),
        chart_card("trends", t("court.trends", lang), lang, body_id=ids.COURT_TRENDS),
        chart_card("court_seasonal", t("chart.seasonal", lang), lang),
    ])
