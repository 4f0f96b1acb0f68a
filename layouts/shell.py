"""The page shell around every page: navigation bar, data banner, page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.i18n import t


def shell(lang: str = "en") -> html.Div:
    nav = [("nav.scorecard", "/"), ("nav.explorer", "/kpi/clearance_rate"),
           ("nav.compare", "/compare"), ("nav.coverage", "/coverage")]
    return html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        dbc.Navbar(dbc.Container([
            dbc.NavbarBrand(t("app.title", lang), href="/"),
            dbc.Nav([dbc.NavItem(dbc.NavLink(t(key, lang), href=href, active="partial"
                                             if href != "/" else "exact"))
                     for key, href in nav], navbar=True),
        ], fluid=True), color="dark", dark=True, className="py-1"),
        dbc.Container([
            html.Div(id=ids.BANNER),
            html.Main(dash.page_container, id="main"),
        ], fluid=True, className="pb-4"),
    ])
