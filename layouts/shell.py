"""The page shell and the overview table (components only; data comes from callbacks)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from data.schema import CATEGORIES
from kpi.catalogue import KPIS
from layouts import ids
from layouts.format import STATUS_WORDS, fmt_coverage, fmt_value


def shell() -> html.Div:
    return html.Div([
        dcc.Location(id=ids.URL),
        dbc.Navbar(dbc.Container(dbc.NavbarBrand("Court KPI")), color="dark", dark=True),
        dbc.Container([
            html.Div(id=ids.BANNER),
            html.H1("National scorecard", className="h3 mt-3"),
            dbc.Row([
                dbc.Col([dbc.Label("Year", html_for=ids.YEAR),
                         dcc.Dropdown(id=ids.YEAR, clearable=False)], md=3),
                dbc.Col([dbc.Label("Category", html_for=ids.CATEGORY),
                         dcc.Dropdown(id=ids.CATEGORY, value="all", clearable=False,
                                      options=[{"label": "All categories", "value": "all"}]
                                      + [{"label": c.replace("_", " "), "value": c}
                                         for c in CATEGORIES])], md=3),
            ], className="mb-3"),
            html.Div(id=ids.TABLE),
        ]),
    ])


def banner(synthetic: bool) -> dbc.Alert | None:
    if not synthetic:
        return None
    return dbc.Alert("Synthetic demo data: these numbers describe no real court.",
                     color="warning", className="mt-3 mb-0")


def kpi_table(values: pd.DataFrame) -> dbc.Table | html.P:
    """One row per KPI: value, target, status word, coverage."""
    if values.empty:
        return html.P("No data for this selection.", className="text-muted")
    head = html.Thead(html.Tr([html.Th(h) for h in
                               ("KPI", "Value", "Target", "Status", "Coverage")]))
    rows = []
    for r in values.itertuples():
        k = KPIS[r.kpi]
        target = "" if pd.isna(r.target) else fmt_value(r.target, k.unit)
        if target and r.illustrative:
            target += " (illustrative)"
        rows.append(html.Tr([
            html.Td(k.names["en"]), html.Td(fmt_value(r.value, k.unit)), html.Td(target),
            html.Td(STATUS_WORDS[r.status], className=f"status-{r.status}"),
            html.Td(fmt_coverage(r.coverage)),
        ]))
    return dbc.Table([head, html.Tbody(rows)], striped=True, hover=True, size="sm")
