"""``/releases``: staff and admins publish a year as a numbered, frozen release and see
every release with what it revised and its downloads (issue 14)."""

from __future__ import annotations

import dash
from dash import dcc, html

from data.accounts.access import PUBLISH
from layouts import releases_view as v
from layouts.components import page_store
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/releases", title=page_title("releases.title"),
                   name="releases", permission=PUBLISH,
                   nav="nav.releases", nav_order=11, nav_menu="nav.data")


def layout(**query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    return html.Div([
        page_store("releases", state),
        dcc.Store(id=v.CHANGED, data=0),
        v.confirm_modal(lang),
        html.H1(t("releases.title", lang), className="h3 mt-3"),
        html.P(t("releases.intro", lang), className="text-muted small"),
        html.Div(id=v.P + "public"),
        html.Div(id=v.P + "form", className="card card-body mb-3"),
        html.Div(id=v.LIST),
    ])
