"""``/admin/users``: the accounts, and forms to add, change, disable and reset them.

Only the structure is built here; the accounts, the courts and every change go
through callbacks.admin_users, each of which checks MANAGE_USERS on the server.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from data.accounts.access import MANAGE_USERS, ROLES
from data.accounts.users import MIN_PASSWORD_LENGTH
from layouts import ids
from layouts.components import attrs
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/admin/users", title=page_title("nav.users"),
                   name="admin_users", permission=MANAGE_USERS,
                   nav="nav.users", nav_order=12, nav_menu="nav.admin")


def role_options(lang: str) -> list[dict]:
    return [{"label": t(f"role.{role}", lang), "value": role} for role in ROLES]


def _field(label: str, control, help_text: str | None = None, md: int = 3) -> dbc.Col:
    parts = [dbc.Label(label, html_for=control.id, className="small mb-0"), control]
    if help_text:
        parts.append(dbc.FormText(help_text))
    return dbc.Col(parts, md=md)


def _court_dropdown(component_id: str, lang: str) -> dcc.Dropdown:
    # Options (every court) come from a callback: layouts never query.
    return dcc.Dropdown(id=component_id, options=[], placeholder=t("users.court_placeholder",
                                                                   lang), disabled=True)


def _form(title: str, fields: list, *below) -> dbc.Card:
    """A card with a heading, one row of fields and what goes under them."""
    return dbc.Card([
        dbc.CardHeader(html.H2(title, className="h6 mb-0")),
        dbc.CardBody([dbc.Row(fields, className="g-2 mb-2"), *below]),
    ], className="mb-3")


def _add_form(lang: str) -> dbc.Card:
    return _form(t("users.add", lang), [
        _field(t("users.username", lang),
               dbc.Input(id=ids.USERS_ADD_NAME, type="text", maxlength=80,
                         autocomplete="off"), t("users.username_help", lang)),
        _field(t("users.role", lang),
               dbc.Select(id=ids.USERS_ADD_ROLE, options=role_options(lang),
                          value="analyst"), md=2),
        _field(t("users.court", lang), _court_dropdown(ids.USERS_ADD_COURT, lang),
               md=4),
        _field(t("users.password", lang),
               dbc.Input(id=ids.USERS_ADD_PASSWORD, type="password",
                         autocomplete="new-password"),
               t("users.password_help", lang, n=MIN_PASSWORD_LENGTH)),
    ], dbc.Button(t("users.add_submit", lang), id=ids.USERS_ADD_SUBMIT, color="primary"))


def _edit_form(lang: str) -> dbc.Card:
    return _form(t("users.edit", lang), [
        _field(t("users.account", lang),
               dcc.Dropdown(id=ids.USERS_EDIT_USER, options=[],
                            placeholder=t("users.account_placeholder", lang)), md=3),
        _field(t("users.role", lang),
               dbc.Select(id=ids.USERS_EDIT_ROLE, options=role_options(lang)), md=2),
        _field(t("users.court", lang), _court_dropdown(ids.USERS_EDIT_COURT, lang),
               md=4),
    ],
    # Enabled once an account is chosen: disable or enable, whichever applies.
    html.Div([
        dbc.Button(t("users.save", lang), id=ids.USERS_EDIT_SAVE, color="primary",
                   disabled=True),
        dbc.Button(t("users.disable", lang), id=ids.USERS_EDIT_DISABLE,
                   color="danger", outline=True, disabled=True),
        dbc.Button(t("users.enable", lang), id=ids.USERS_EDIT_ENABLE,
                   color="success", outline=True, disabled=True),
        dbc.Button(t("users.reset_password", lang), id=ids.USERS_EDIT_RESET,
                   color="secondary", outline=True, disabled=True),
    ], className="d-flex flex-wrap gap-2 mb-1"),
    dbc.FormText(t("users.edit_help", lang)))


def _import_form(lang: str) -> dbc.Card:
    """Local accounts in bulk from a CSV (data.accounts.bulk): all or none; the new
    passwords come back once, as a file the browser downloads."""
    return dbc.Card([
        dbc.CardHeader(html.H2(t("users.import", lang), className="h6 mb-0")),
        dbc.CardBody([
            # A button inside the upload: assets/a11y.js names the file input by it.
            dcc.Upload(dbc.Button(t("users.import_drop", lang), color="secondary",
                                  outline=True),
                       id=ids.USERS_IMPORT_UPLOAD, accept=".csv,text/csv", multiple=False,
                       max_size=2 * 1024 * 1024, className="d-inline-block mb-1"),
            html.Div(dbc.FormText(t("users.import_help", lang))),
            dcc.Download(id=ids.USERS_IMPORT_DOWNLOAD),
        ]),
    ], className="mb-3")


def layout(**query) -> html.Div:
    lang = page_state(query)["lang"]
    return html.Div([
        dcc.Store(id=ids.USERS_STATE, data={"lang": lang, "version": 0}),
        html.H1(t("users.title", lang), className="h3 mt-3"),
        # Results of the forms: a sentence, an error, or a password shown this once.
        html.Div(id=ids.USERS_MESSAGE, role="status", **attrs(aria_live="polite")),
        _add_form(lang),
        _edit_form(lang),
        _import_form(lang),
        dbc.Card([
            dbc.CardHeader(html.H2(t("users.accounts", lang), className="h6 mb-0")),
            dbc.CardBody(html.Div(id=ids.USERS_TABLE, className="table-responsive")),
        ], className="mb-3"),
    ])
