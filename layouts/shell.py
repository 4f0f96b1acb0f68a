"""The page shell around every page: navigation bar, data banner, page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.i18n import LANGUAGE_NAMES, LANGUAGES, request_language, t


def language_switcher(lang: str) -> html.Div:
    """Қазақша / Русский / English: plain links, so the whole page re-renders."""
    links = []
    for code in LANGUAGES:
        if code == lang:
            links.append(html.Span(LANGUAGE_NAMES[code], className="text-white fw-bold mx-1",
                                   **{"aria-current": "true"}))
        else:
            links.append(html.A(LANGUAGE_NAMES[code], href=f"/lang/{code}", lang=code,
                                className="link-light mx-1 lang-link"))
    return html.Div(links, className="ms-3 small", id="language-switcher")


def shell() -> html.Div:
    lang = request_language()
    nav = [("nav.scorecard", "/"), ("nav.explorer", "/kpi/clearance_rate"),
           ("nav.compare", "/compare"), ("nav.coverage", "/coverage")]
    return html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        dbc.Navbar(dbc.Container([
            dbc.NavbarBrand(t("app.title", lang), href="/"),
            dbc.Nav([dbc.NavItem(dbc.NavLink(t(key, lang), href=href, active="partial"
                                             if href != "/" else "exact"))
                     for key, href in nav], navbar=True, className="me-auto"),
            language_switcher(lang),
        ], fluid=True), color="dark", dark=True, className="py-1"),
        dbc.Container([
            html.Div(id=ids.BANNER),
            html.Main(dash.page_container, id="main"),
        ], fluid=True, className="pb-4"),
    ])
