"""App-wide callbacks: controls → URL, year options, the data banner, chart cards."""

from __future__ import annotations

import pandas as pd
from dash import ALL, MATCH, ClientsideFunction, Input, Output, State, ctx, dcc, no_update

from callbacks.context import Services
from callbacks.first_view import EVERY_PAGE, view
from data.accounts.access import anonymous_position
from layouts import ids, period_view
from layouts.components import data_table
from layouts.export import to_csv_bytes, to_xlsx_bytes
from layouts.i18n import request_language
from layouts.params import query_string


def register(app, services: Services) -> None:
    # The top bar's menu button opens and closes the links on narrow screens; in the
    # browser, so it answers at once.
    app.clientside_callback(
        "function (n, open) { return n ? !open : open; }",
        Output(ids.NAV_COLLAPSE, "is_open"),
        Input(ids.NAV_TOGGLE, "n_clicks"),
        State(ids.NAV_COLLAPSE, "is_open"),
        prevent_initial_call=True,
    )

    # The controls' values into the URL (assets/url_state.js): in the browser, so the
    # controls of a page that appears cost no round trip.
    app.clientside_callback(
        ClientsideFunction("court_kpi", "controls_to_url"),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.control(ALL), "value"),
        State(ids.control(ALL), "id"),
        State({"type": ids.PAGE_STATE, "page": ALL}, "data"),
        prevent_initial_call=True,
    )

    # The period controls' options, from the data, filled in as any page that has them is
    # rendered (callbacks.first_view); a new year chosen is a new URL, so a new render.
    @view(app, EVERY_PAGE, Output(ids.control("year"), "options"),
          Output(ids.control("year"), "placeholder"))
    def year_options(_state):
        return period_view.year_options(services.years(), services.year_in_progress(),
                                        request_language())

    @view(app, EVERY_PAGE, Output(ids.control("part"), "options"),
          Output(ids.control("part"), "placeholder"))
    def part_options(state):
        return period_view.part_options(*page_year(services, (state or {}).get("year")),
                                        request_language())

    # A lazy chart (layouts.components.LAZY_CHARTS) gets its Plotly chart, in the
    # browser, once its box has been seen (assets/lazy_charts.js sets the flag), and again
    # with each new figure after that.
    app.clientside_callback(
        ClientsideFunction("court_kpi", "lazy_chart"),
        Output(ids.chart(ids.CHART_BOX, MATCH), "children"),
        Input(ids.chart(ids.CHART_SEEN, MATCH), "data"),
        Input(ids.chart(ids.CHART_FIGURE, MATCH), "data"),
        State(ids.chart(ids.CHART_BOX, MATCH), "id"),
        State(ids.chart(ids.CHART_BOX, MATCH), "data-graph"),
    )

    @app.callback(Output(ids.chart(ids.CHART_TABLE_COLLAPSE, MATCH), "is_open"),
                  Input(ids.chart(ids.CHART_TABLE_TOGGLE, MATCH), "n_clicks"),
                  State(ids.chart(ids.CHART_TABLE_COLLAPSE, MATCH), "is_open"),
                  prevent_initial_call=True)
    def toggle_table(_n, is_open):
        return not is_open

    # A chart's new data asks the server for its table only while the table is open: a
    # closed table costs no round trip after every chart of a page is drawn.
    app.clientside_callback(
        "(payload, isOpen) => isOpen ? Date.now() : window.dash_clientside.no_update",
        Output(ids.chart(ids.CHART_TABLE_STALE, MATCH), "data"),
        Input(ids.chart(ids.CHART_DATA, MATCH), "data"),
        State(ids.chart(ids.CHART_TABLE_COLLAPSE, MATCH), "is_open"),
        prevent_initial_call=True,
    )

    @app.callback(Output(ids.chart(ids.CHART_TABLE, MATCH), "children"),
                  Input(ids.chart(ids.CHART_TABLE_COLLAPSE, MATCH), "is_open"),
                  Input(ids.chart(ids.CHART_TABLE_STALE, MATCH), "data"),
                  State(ids.chart(ids.CHART_DATA, MATCH), "data"),
                  State({"type": ids.PAGE_STATE, "page": ALL}, "data"),
                  prevent_initial_call=True)
    def table_view(is_open, _stale, payload, states):
        # Built only when shown: a ranking of 400 courts is 400 rows of DOM.
        if not is_open:
            return None
        return data_table(payload, (states[0] if states else {}).get("lang")
                          or request_language())

    @app.callback(Output(ids.chart(ids.CHART_DOWNLOAD, MATCH), "data"),
                  Input(ids.chart(ids.CHART_CSV, MATCH), "n_clicks"),
                  Input(ids.chart(ids.CHART_XLSX, MATCH), "n_clicks"),
                  State(ids.chart(ids.CHART_DATA, MATCH), "data"), prevent_initial_call=True)
    def download(_csv, _xlsx, payload):
        if not payload:
            return no_update
        frame = pd.DataFrame(payload["rows"], columns=payload["columns"])
        name = payload.get("filename", "court-kpi")
        if ctx.triggered_id and ctx.triggered_id["type"] == ids.CHART_XLSX:
            return dcc.send_bytes(to_xlsx_bytes(frame, "data"), f"{name}.xlsx")
        return dcc.send_bytes(to_csv_bytes(frame), f"{name}.csv")


def page_year(services: Services, year) -> tuple:
    """(year, as-of date, year in progress) for the part control: the year chosen, or
    the page's default year."""
    in_progress, years = services.year_in_progress(), services.years()
    if not isinstance(year, int) or isinstance(year, bool) or (
            year not in years and year != in_progress):
        year = in_progress or (years[-1] if years else None)
    return year, services.data_as_of(), in_progress


def clicked_code(click: dict | None) -> str | None:
    """The unit code a click on a bar, point or tile carries (customdata), if any."""
    if click is None:
        return None
    try:
        data = click["points"][0]["customdata"]
    except (TypeError, KeyError, IndexError):
        return None
    if isinstance(data, list):
        data = data[0] if data else None
    return str(data) if data else None


def drill_href(code: str, region_codes: set[str], state: dict) -> str:
    """Where a click on a unit goes: a region opens its courts, a court its profile (pure)."""
    keep = {k: state.get(k) for k in ("year", "part", "category")}
    if code in region_codes:
        return f"/kpi/{state.get('kpi', 'clearance_rate')}" + query_string(
            {**keep, "region": code, "view": "courts"})
    return f"/court/{code}" + query_string(keep)


DRILL_CHARTS = ("ranking", "funnel", "map")  # charts whose units open their page on a click


def register_drilldown(app, services: Services) -> None:
    # A click on a unit of a chart goes to the shell's store, in the browser, only when it
    # is a click: Plotly sets clickData back to nothing as it draws, and a callback whose
    # input arrives with the page is fired by Dash as the page appears. Gated here, and
    # with the server's callback listening to a store of the shell (there from the start),
    # drawing a page costs no round trip; a click costs one.
    app.clientside_callback(
        """function (clicks) {
            const triggered = window.dash_clientside.callback_context.triggered || [];
            for (const t of triggered) {
                if (!t.value) { continue; }
                const id = JSON.parse(t.prop_id.slice(0, t.prop_id.lastIndexOf(".")));
                return {chart: id.chart, click: t.value};
            }
            return window.dash_clientside.no_update;
        }""",
        Output(ids.DRILL_CLICK, "data"),
        Input(ids.chart(ids.CHART_GRAPH, ALL), "clickData"),
        prevent_initial_call=True,
    )

    @app.callback(Output(ids.URL, "href", allow_duplicate=True), Input(ids.DRILL_CLICK, "data"),
                  State({"type": ids.PAGE_STATE, "page": ALL}, "data"),
                  prevent_initial_call=True)
    def drill(clicked, states):
        if not isinstance(clicked, dict) or clicked.get("chart") not in DRILL_CHARTS:
            return no_update
        code = clicked_code(clicked.get("click"))
        if not code or anonymous_position(code):
            return no_update
        state = next((s for s in states or [] if isinstance(s, dict)), {})
        regions = set(services.regions()["region_code"])
        return drill_href(code, regions, state)
