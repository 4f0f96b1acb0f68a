"""``/uploads``: every upload with its counts and status, its report, and Undo."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from data.accounts.access import VIEW_ALL
from layouts import uploads_view as v
from layouts.components import page_store
from layouts.grid_locale import locale_text
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/uploads", title=page_title("nav.uploads"), name="uploads",
                   permission=VIEW_ALL,
                   nav="nav.uploads", nav_order=8, nav_menu="nav.data")


def _modal(lang: str) -> dbc.Modal:
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(t("history.undo_title", lang))),
        dbc.ModalBody(html.Div(id=v.MODAL_BODY)),
        dbc.ModalFooter([
            dbc.Button(t("history.cancel", lang), id=v.CANCEL, color="secondary",
                       outline=True),
            dbc.Button(t("history.undo_confirm", lang), id=v.CONFIRM, color="danger"),
        ]),
    ], id=v.MODAL, is_open=False, backdrop="static")


def layout(**query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    return html.Div([
        page_store("uploads", state),
        dcc.Store(id=v.PENDING),
        dcc.Store(id=v.REFRESH, data=0),
        dcc.Download(id=v.REPORT_DOWNLOAD),
        html.H1(t("history.title", lang), className="h3 mt-3"),
        html.P(t("history.intro", lang), className="text-muted small mb-2"),
        html.Div([
            dbc.Button(t("history.report", lang), id=v.REPORT, color="secondary",
                       outline=True, size="sm", disabled=True, className="me-2"),
            dbc.Button(t("history.undo", lang), id=v.UNDO, color="danger", outline=True,
                       size="sm", disabled=True, className="me-3"),
            html.Span(t("history.select_hint", lang), id=v.SELECTED,
                      className="small text-muted"),
        ], className="d-flex align-items-center flex-wrap gap-1 mb-2"),
        html.Div(id=v.MESSAGE, role="status"),
        dag.AgGrid(
            id=v.GRID,
            columnDefs=v.column_defs(lang),
            rowData=[],
            defaultColDef={"resizable": True, "sortable": True, "wrapHeaderText": True,
                           "autoHeaderHeight": True},
            getRowStyle=v.ROW_STYLE,
            dashGridOptions={
                "localeText": locale_text(lang),
                "rowSelection": {"mode": "singleRow", "checkboxes": False,
                                 "enableClickSelection": True},
                "pagination": True,
                "paginationPageSize": 25,
                "domLayout": "autoHeight",
                "paginationPageSizeSelector": False,
                "tooltipShowDelay": 300,
                "animateRows": False,
            },
            style={"width": "100%"},
        ),
        html.P(t("history.times", lang), className="small text-muted mt-1"),
        _modal(lang),
    ])
