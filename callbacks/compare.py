"""Compare callbacks: a KPI × unit grid and one KPI over the years."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, html

from callbacks.context import Services, chart_outputs, request_viewer, unit_options
from kpi.catalogue import CATALOGUE, KPIS
from layouts import figures, ids
from layouts.components import status_badge, table_data
from layouts.format import fmt_value
from layouts.i18n import t
from layouts.params import MAX_COMPARE, payload_state


def register(app, services: Services) -> None:
    @app.callback(Output(ids.control("units"), "options", allow_duplicate=True),
                  Output(ids.COMPARE_GRID, "children"), *chart_outputs("compare"),
                  Input(ids.page_state("compare"), "data"),
                  prevent_initial_call="initial_duplicate")
    def compare(state):
        viewer = request_viewer()
        state = payload_state(state)
        lang, category = state["lang"], state["category"]
        names = services.unit_names(viewer, lang)
        options = unit_options(names, list(services.regions()["region_code"])
                               + list(services.courts(viewer)["court_code"]), with_code=True)
        known = {o["value"] for o in options}
        units = [u for u in state["units"] if u in known]
        notes = []
        if len(units) > MAX_COMPARE:
            notes.append(dbc.Alert(t("compare.too_many", lang), color="info", className="py-1"))
            units = units[:MAX_COMPARE]
        if len(units) < 2:
            hint = html.P(t("compare.too_few", lang), className="text-muted")
            return options, hint, figures.empty_figure(t("compare.too_few", lang)), None
        year = services.latest_year(state["year"])
        kpi = KPIS[state["kpi"]]
        values = services.kpi_values(viewer, code=units)
        grid = _grid(values, units, names, year, category, lang)
        cat = "all" if kpi.grain == "court" else category
        series = values[(values["kpi"] == kpi.code) & (values["category"] == cat)]
        series = series.assign(label=series["code"].map(names))
        fig = figures.trend_figure(series[["year", "value", "label"]], None, kpi, lang)
        data = table_data(series, {"label": t("col.unit", lang), "year": t("col.year", lang),
                                   "value": t("col.value", lang),
                                   "status": t("col.status", lang)},
                          f"compare-{kpi.code}")
        return options, html.Div([*notes, grid]), fig, data


def _grid(values, units, names, year, category, lang):
    head = html.Thead(html.Tr([html.Th(t("col.kpi", lang))]
                              + [html.Th(names.get(u, u)) for u in units]))
    body = []
    for kpi in CATALOGUE:
        cat = "all" if kpi.grain == "court" else category
        sel = values[(values["kpi"] == kpi.code) & (values["year"] == year)
                     & (values["category"] == cat)].set_index("code")
        cells = [html.Td(kpi.names.get(lang, kpi.names["en"]))]
        for u in units:
            if u in sel.index:
                r = sel.loc[u]
                badge = [] if r["status"] == "none" else [
                    html.Br(), status_badge(r["status"], lang, r["value"])]
                cells.append(html.Td([fmt_value(r["value"], kpi.unit, lang), *badge]))
            else:
                cells.append(html.Td(t("empty.no_data", lang), className="text-muted"))
        body.append(html.Tr(cells))
    return dbc.Table([head, html.Tbody(body)], size="sm", bordered=True, className="small")
