"""``/outlook``: will each target be met by 2029? KPIs × the nation and the regions
(or one region's courts), each cell the outlook word and icon."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from kpi.outlook import DEFAULT_HORIZON
from layouts import controls, ids
from layouts.components import chart_card, page_top
from layouts.grid_locale import locale_text
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/outlook", title=page_title("nav.outlook"), name="outlook",
                   nav="nav.outlook", nav_order=3)


def column_defs(lang: str) -> list[dict]:
    """The sortable table: one row per KPI and unit."""
    number = {"type": "numericColumn", "filter": "agNumberColumnFilter"}
    return [
        {"field": "kpi_name", "headerName": t("col.kpi", lang), "filter": True, "minWidth": 180,
         "pinned": "left"},
        {"field": "unit", "headerName": t("col.unit", lang), "filter": True, "minWidth": 160},
        {"field": "outlook_text", "headerName": t("outlook.col", lang, horizon=DEFAULT_HORIZON),
         "filter": True, "minWidth": 150},
        {"field": "last_text", "headerName": t("outlook.col.last", lang), "minWidth": 110},
        {"field": "projected", "headerName": t("outlook.col.projected", lang), **number},
        {"field": "interval_text", "headerName": t("outlook.col.interval", lang),
         "minWidth": 150},
        {"field": "target_text", "headerName": t("col.target", lang), "minWidth": 90},
        {"field": "needed_text", "headerName": t("outlook.col.needed", lang), "minWidth": 120},
        {"field": "moved_text", "headerName": t("outlook.col.moved", lang), "minWidth": 120},
        # The page's period beside the outlook (issue 26): its value, the same months a
        # year before and, during the year, where the year is heading.
        {"field": "period_text", "headerName": t("period.col.value", lang), "minWidth": 110},
        {"field": "before_text", "headerName": t("period.col.before", lang), "minWidth": 110},
        {"field": "yearend_text", "headerName": t("period.col.yearend", lang),
         "minWidth": 150},
    ]


def layout(**query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    return html.Div([
        *page_top("outlook", state, t("outlook.title", lang, horizon=DEFAULT_HORIZON)),
        html.P(t("outlook.intro", lang, horizon=DEFAULT_HORIZON), className="small text-muted"),
        dbc.Row([*controls.period_controls(state["year"], state["part"], lang),
                 controls.category_control(state["category"], lang),
                 controls.region_control(state["region"], lang)], className="mb-2 g-2"),
        html.P(id=ids.OUTLOOK_SUMMARY, className="mb-2", role="status"),
        html.Div(id=ids.OUTLOOK_PERIOD),
        chart_card("outlook", t("outlook.grid", lang, horizon=DEFAULT_HORIZON), lang),
        html.H2(t("outlook.table", lang), className="h6"),
        dag.AgGrid(
            id=ids.OUTLOOK_GRID, columnDefs=column_defs(lang), rowData=[],
            defaultColDef={"resizable": True, "sortable": True, "wrapHeaderText": True,
                           "autoHeaderHeight": True},
            # Every column in the page (12): none hidden from a screen reader or a test
            # by the grid's horizontal virtualisation.
            dashGridOptions={"localeText": locale_text(lang), "pagination": True,
                             "suppressColumnVirtualisation": True,
                             "paginationPageSize": 25, "domLayout": "autoHeight",
                             "paginationPageSizeSelector": False, "animateRows": False},
            style={"width": "100%"}, className="mb-4"),
    ])
