"""The page shell around every page: navigation bar, data banner, page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from data.accounts.access import Viewer
from layouts import ids
from layouts.components import attrs, synthetic_banner
from layouts.i18n import LANGUAGE_NAMES, LANGUAGES, request_language, t


def language_switcher(lang: str) -> html.Div:
    """Қазақша / Русский / English: plain links, so the whole page re-renders."""
    links: list[Component] = []
    for code in LANGUAGES:
        if code == lang:
            links.append(html.Span(LANGUAGE_NAMES[code], className="text-white fw-bold mx-1",
                                   **attrs(aria_current="true")))
        else:
            links.append(html.A(LANGUAGE_NAMES[code], href=f"/lang/{code}", lang=code,
                                className="link-light mx-1 lang-link"))
    return html.Div(links, className="ms-3 small", id="language-switcher")


def nav_entries() -> list[tuple[str, str, str | None, str | None]]:
    """(label, path, permission needed or None, menu) of every page that asks for a link
    (``nav=...`` in its ``dash.register_page``), in ``nav_order``. Links a role cannot
    use are not shown (the server refuses them anyway, web.guard); data and
    administration pages sit in two menus so the bar fits one line in Kazakh and
    Russian too."""
    pages = sorted((p for p in dash.page_registry.values() if p.get("nav")),
                   key=lambda p: p.get("nav_order", 0))
    return [(p["nav"], p.get("nav_href") or p["path"], p.get("permission"),
             p.get("nav_menu")) for p in pages]


def navigation(viewer: Viewer | None, lang: str) -> dbc.Nav:
    """The links and menus the viewer's role may use."""
    allowed = [(key, href, menu) for key, href, permission, menu in nav_entries()
               if permission is None or (viewer and viewer.can(permission))]
    items: list[Component | str] = []  # a str: where the menu of that name goes
    menus: dict[str, list[Component]] = {}
    for key, href, menu in allowed:
        if menu is None:
            items.append(dbc.NavItem(dbc.NavLink(
                t(key, lang), href=href, active="exact" if href == "/" else "partial")))
        else:
            if menu not in menus:
                menus[menu] = []
                items.append(menu)  # placeholder: the menu goes where its first link is
            menus[menu].append(dbc.DropdownMenuItem(t(key, lang), href=href))
    return dbc.Nav([dbc.DropdownMenu(menus[i], label=t(i, lang), nav=True, in_navbar=True,
                                     id=f"menu-{i.split('.')[1]}")
                    if isinstance(i, str) else i for i in items],
                   navbar=True, className="me-auto")


def account_menu(viewer: Viewer | None, lang: str) -> html.Div | None:
    """Who is signed in, in which role, and a sign-out button (a POST with its token)."""
    if viewer is None:
        return None
    from flask_wtf.csrf import generate_csrf

    who = viewer.username + (f" · {viewer.court_code}" if viewer.court_code else "")
    return html.Div([
        html.Span(who, className="text-white-50 me-1", id="account-name"),
        html.Span(t(f"role.{viewer.role}", lang), className="badge text-bg-secondary me-2",
                  id="account-role"),
        html.Form([
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            html.Button(t("nav.logout", lang), type="submit", id="logout",
                        className="btn btn-sm btn-outline-light"),
        ], method="POST", action="/logout", className="d-inline"),
    ], className="ms-3 small d-flex align-items-center flex-wrap gap-1")


def shell(viewer: Viewer | None = None, synthetic: bool = False) -> html.Div:
    """The frame of every page for ``viewer`` (None: signed out), whose links and menus
    are those the viewer's role may use; the web layer passes the viewer in, and whether
    the data are synthetic (the banner, there from the first response)."""
    lang = request_language()
    return html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        dcc.Store(id=ids.DRILL_CLICK),
        # The first Tab stop: past the menus to the page (WCAG 2.4.1).
        html.A(t("a11y.skip", lang), href="#main", className="skip-link"),
        dbc.Navbar(dbc.Container([
            dbc.NavbarBrand(t("app.title", lang), href="/"),
            # Under 992 px the links fold into a menu button (callbacks/navigation.py).
            # A plain button: dbc's toggler names itself in English only.
            html.Button(html.Span(className="navbar-toggler-icon"), id=ids.NAV_TOGGLE,
                        n_clicks=0, type="button", className="navbar-toggler",
                        **attrs(aria_label=t("a11y.menu", lang), aria_expanded="false",
                                aria_controls=ids.NAV_COLLAPSE)),
            dbc.Collapse([
                navigation(viewer, lang),
                html.Div([language_switcher(lang), account_menu(viewer, lang)],
                         className="d-flex align-items-center ms-lg-auto flex-wrap gap-1"),
            ], id=ids.NAV_COLLAPSE, navbar=True, is_open=False),
        ], fluid=True), color="dark", dark=True, expand="lg", className="py-1"),
        dbc.Container([
            html.Div(synthetic_banner(synthetic, lang), id=ids.BANNER),
            html.Main(dash.page_container, id="main", tabIndex="-1"),
        ], fluid=True, className="pb-4"),
    ])
