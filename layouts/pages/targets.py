"""``/targets``: the targets by KPI and year, national and per court, editable by the
roles that may change them, with CSV export and import and a log of every change."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from data.accounts.access import VIEW_ALL
from layouts import targets_view as v
from layouts.components import page_store
from layouts.grid_locale import locale_text
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/targets", title=page_title("nav.targets"), name="targets",
                   permission=VIEW_ALL,
                   nav="nav.targets", nav_order=9, nav_menu="nav.data")


def layout(**query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    scope = str(query.get("court") or "")[:64]
    return html.Div([
        page_store("targets", state),
        dcc.Store(id=v.REFRESH, data=0),
        dcc.Store(id=v.PENDING, data={}),
        dcc.Download(id=v.EXPORT_DOWNLOAD),
        html.H1(t("targets.title", lang), className="h3 mt-3"),
        html.P(t("targets.intro", lang), className="text-muted small mb-2"),
        dbc.Row([
            dbc.Col([
                dbc.Label(t("targets.scope", lang), html_for=v.SCOPE, className="small mb-0"),
                # The chosen court is an option from the start (named by the callback),
                # or the dropdown would drop a value it does not list.
                dcc.Dropdown(id=v.SCOPE, value=scope, clearable=False, options=[
                    {"label": t("targets.national", lang), "value": ""}]
                    + ([{"label": scope, "value": scope}] if scope else [])),
            ], md=5),
        ], className="mb-2"),
        dbc.Alert(t("targets.readonly", lang), id=v.READONLY_NOTE, color="secondary",
                  className="py-2 small d-none"),
        html.Div([
            html.Div([
                dbc.Button(t("targets.save", lang), id=v.SAVE, color="primary", size="sm",
                           className="me-2"),
                dbc.Button(t("targets.discard", lang), id=v.DISCARD, color="secondary",
                           outline=True, size="sm", className="me-3"),
                dcc.Upload(dbc.Button(t("targets.import", lang), color="secondary",
                                      outline=True, size="sm"),
                           id=v.IMPORT, accept=".csv,.txt,.xlsx", max_size=5 * 1024 * 1024,
                           className="d-inline-block me-2"),
            ], id=v.EDIT_TOOLS, className="d-inline-flex align-items-center d-none"),
            dbc.Button(t("targets.export", lang), id=v.EXPORT, color="secondary",
                       outline=True, size="sm"),
        ], className="d-flex align-items-center flex-wrap gap-1 mb-2"),
        html.Div(id=v.MESSAGE, role="status"),
        dag.AgGrid(
            id=v.GRID,
            columnDefs=v.column_defs(lang, bool(scope), editable=False),
            rowData=[],
            defaultColDef={"resizable": True, "sortable": True, "wrapHeaderText": True,
                           "autoHeaderHeight": True},
            dashGridOptions={
                "localeText": locale_text(lang),
                "singleClickEdit": True,
                "stopEditingWhenCellsLoseFocus": True,
                "tooltipShowDelay": 300,
                "animateRows": False,
            },
            style={"height": "640px", "width": "100%"},
        ),
        html.P(t("targets.legend", lang), className="small text-muted mt-1"),
        dbc.Card([
            dbc.CardHeader(html.H2(t("targets.log", lang), className="h6 mb-0")),
            dbc.CardBody(html.Div(id=v.LOG, className="table-responsive")),
        ], className="mt-3"),
    ])
