"""``/``: the national scorecard: KPI tiles by pillar, the regions map, courts needing attention."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from kpi.catalogue import KPIS
from layouts import controls, ids
from layouts.components import attrs, chart_card, page_store, report_link
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/", title=page_title("nav.scorecard"), name="scorecard",
                   nav="nav.scorecard", nav_order=1)


def layout(**query) -> html.Div:
    state = page_state(query, kpi="clearance_rate")
    lang = state["lang"]
    kpi_name = KPIS[state["kpi"]].names.get(lang, KPIS[state["kpi"]].names["en"])
    return html.Div([
        page_store("scorecard", state),
        html.Div([html.H1(t("scorecard.title", lang), className="h3 mb-0 me-auto"),
                  report_link("national", None, state["year"], lang, state["part"])],
                 className="d-flex align-items-center flex-wrap gap-2 mt-3 mb-2"),
        dbc.Row([*controls.period_controls(state["year"], state["part"], lang),
                 controls.category_control(state["category"], lang),
                 controls.kpi_control(state["kpi"], lang, "control.map_kpi")],
                className="mb-3 g-2"),
        html.Div(id=ids.SCORECARD_PERIOD, **attrs(aria_live="polite")),
        dcc.Loading(html.Div(id=ids.SCORECARD_TILES), delay_show=300),
        dbc.Row([
            dbc.Col(chart_card("map", t("scorecard.map", lang, kpi=kpi_name), lang,
                               definition_href=f"/kpi/{state['kpi']}"), lg=6),
            dbc.Col(dbc.Card([
                dbc.CardHeader(html.H2(t("scorecard.attention", lang), className="h6 mb-0")),
                dbc.CardBody(html.Div(id=ids.SCORECARD_ATTENTION,
                                      className="table-responsive attention")),
            ], className="mb-3"), lg=6),
        ]),
    ])
