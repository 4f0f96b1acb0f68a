"""``/compare``: 2-8 courts or regions side by side."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from kpi.catalogue import KPIS
from layouts import controls, ids
from layouts.components import chart_card, page_top
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/compare", title=page_title("nav.compare"), name="compare",
                   nav="nav.compare", nav_order=5)


def layout(**query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    return html.Div([
        *page_top("compare", state, t("compare.title", lang)),
        dbc.Row([controls.units_control(state["units"], lang)], className="mb-2 g-2"),
        dbc.Row([*controls.period_controls(state["year"], state["part"], lang),
                 controls.category_control(state["category"], lang),
                 controls.kpi_control(state["kpi"], lang)], className="mb-3 g-2"),
        dbc.Card([
            dbc.CardHeader(html.H2(t("compare.grid", lang), className="h6 mb-0")),
            dbc.CardBody(html.Div(id=ids.COMPARE_GRID, className="table-responsive")),
        ], className="mb-3"),
        chart_card("compare", t("compare.chart", lang, kpi=KPIS[state["kpi"]].names.get(
            lang, KPIS[state["kpi"]].names["en"])), lang, definition_href=f"/kpi/{state['kpi']}"),
    ])
