"""``/audit``: who did what, when and from where, filtered, newest first, as CSV too.

The events come from callbacks.audit, which checks READ_AUDIT on the server.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from data.accounts.access import READ_AUDIT
from data.accounts.audit import ACTIONS
from layouts import ids
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/audit", title=page_title("nav.audit"), name="audit",
                   permission=READ_AUDIT,
                   nav="nav.audit", nav_order=13, nav_menu="nav.admin")


def action_options(lang: str) -> list[dict]:
    return [{"label": t(f"audit.action.{action}", lang), "value": action}
            for action in ACTIONS]


def _field(label: str, control, md: int) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=control.id, className="small mb-0"), control],
                   md=md)


def layout(**query) -> html.Div:
    lang = page_state(query)["lang"]
    filters = dbc.Row([
        # Free text with the accounts as suggestions: failed sign-ins name users that
        # do not exist, and they are what an administrator most often looks for.
        _field(t("audit.user", lang), dbc.Input(
            id=ids.AUDIT_USER, type="text", list=ids.AUDIT_USER_LIST, debounce=True,
            placeholder=t("audit.user_placeholder", lang), autocomplete="off"), 3),
        _field(t("audit.action", lang), dcc.Dropdown(
            id=ids.AUDIT_ACTION, options=action_options(lang),
            placeholder=t("audit.any_action", lang)), 3),
        # Native date inputs: the value is always YYYY-MM-DD, shown in the browser's locale.
        _field(t("audit.from", lang), dbc.Input(id=ids.AUDIT_FROM, type="date"), 2),
        _field(t("audit.to", lang), dbc.Input(id=ids.AUDIT_TO, type="date"), 2),
        dbc.Col(dbc.Button("CSV", id=ids.AUDIT_CSV, color="secondary", outline=True),
                md=2, className="d-flex align-items-end"),
    ], className="g-2 mb-2")
    return html.Div([
        dcc.Store(id=ids.AUDIT_STATE, data={"lang": lang}),
        html.H1(t("audit.title", lang), className="h3 mt-3"),
        filters,
        html.Datalist(id=ids.AUDIT_USER_LIST),
        html.P([html.Span(id=ids.AUDIT_COUNT), " ", t("audit.times", lang)],
               className="small text-muted mb-2"),
        dcc.Loading(html.Div(id=ids.AUDIT_TABLE, className="table-responsive"),
                    delay_show=300),
        dcc.Download(id=ids.AUDIT_DOWNLOAD),
    ])
