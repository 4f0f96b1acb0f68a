"""``/coverage``: what data is loaded per court and year, upload warnings, low coverage."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from data.accounts.access import VIEW_ALL
from layouts import controls, ids
from layouts.components import page_top
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/coverage", title=page_title("nav.coverage"), name="coverage",
                   permission=VIEW_ALL,
                   nav="nav.coverage", nav_order=6, nav_menu="nav.data")


def _card(title: str, body_id: str) -> dbc.Card:
    return dbc.Card([
        dbc.CardHeader(html.H2(title, className="h6 mb-0")),
        dbc.CardBody(html.Div(id=body_id, className="table-responsive")),
    ], className="mb-3")


def layout(**query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    return html.Div([
        *page_top("coverage", state, t("coverage.title", lang)),
        html.Div(id=ids.COVERAGE_AS_OF, className="mb-2"),
        dbc.Row([controls.year_control(state["year"], lang),
                 controls.region_control(state["region"], lang)], className="mb-3 g-2"),
        _card(t("coverage.low", lang), ids.COVERAGE_LOW),
        _card(t("coverage.matrix", lang), ids.COVERAGE_MATRIX),
        _card(t("coverage.warnings", lang), ids.COVERAGE_WARNINGS),
        dbc.Card([
            dbc.CardHeader(html.H2(t("flags.title", lang), className="h6 mb-0")),
            dbc.CardBody([html.P(t("flags.intro", lang), className="small text-muted"),
                          html.Div(id=ids.COVERAGE_FLAGS, className="table-responsive")]),
        ], className="mb-3", id="coverage-flags-card"),
    ])
