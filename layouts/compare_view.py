"""The compare page's parts: the KPI × unit grid with its notes, and one KPI over the years
(chart and data) for the chosen units.

Pure builders; the callbacks (callbacks.compare) read the data.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from kpi.catalogue import CATALOGUE, KpiDef
from layouts import figures
from layouts.components import status_badge, table_data
from layouts.format import fmt_value
from layouts.i18n import t
from layouts.plotspec import Figure


def too_few(lang: str) -> tuple[html.P, Figure, None]:
    """The grid, chart and data when fewer than two units are chosen: a hint to add more."""
    hint = html.P(t("compare.too_few", lang), className="text-muted")
    return hint, figures.empty_figure(t("compare.too_few", lang)), None


def _cell(sel: pd.DataFrame, unit: str, kpi: KpiDef, lang: str) -> html.Td:
    if unit not in sel.index:
        return html.Td(t("empty.no_data", lang), className="text-muted")
    r = sel.loc[unit]
    badge = [] if r["status"] == "none" else [
        html.Br(), status_badge(r["status"], lang, r["value"])]
    return html.Td([fmt_value(r["value"], kpi.unit, lang), *badge])


def grid(values: pd.DataFrame, units: list[str], names: dict[str, str], year: int | None,
         category: str, lang: str) -> dbc.Table:
    """KPI × unit: each KPI's value and status in ``year`` for every unit."""
    head = html.Thead(html.Tr([html.Th(t("col.kpi", lang))]
                              + [html.Th(names.get(u, u)) for u in units]))
    body = []
    for kpi in CATALOGUE:
        cat = "all" if kpi.grain == "court" else category
        sel = values[(values["kpi"] == kpi.code) & (values["year"] == year)
                     & (values["category"] == cat)].set_index("code")
        cells = [html.Td(kpi.names.get(lang, kpi.names["en"]))]
        cells += [_cell(sel, u, kpi, lang) for u in units]
        body.append(html.Tr(cells))
    return dbc.Table([head, html.Tbody(body)], size="sm", bordered=True, className="small")


def grid_part(grid_table: dbc.Table, too_many: bool, lang: str) -> html.Div:
    """The grid, under a note when more units were asked for than are compared."""
    notes = [dbc.Alert(t("compare.too_many", lang), color="info", className="py-1")] \
        if too_many else []
    return html.Div([*notes, grid_table])


def trend(values: pd.DataFrame, kpi: KpiDef, category: str, names: dict[str, str],
          lang: str) -> tuple[Figure, dict]:
    """One KPI over the years for each unit: the chart and its data table."""
    cat = "all" if kpi.grain == "court" else category
    series = values[(values["kpi"] == kpi.code) & (values["category"] == cat)]
    series = series.assign(label=series["code"].map(names))
    fig = figures.trend_figure(series[["year", "value", "label"]], None, kpi, lang)
    data = table_data(series, {"label": t("col.unit", lang), "year": t("col.year", lang),
                               "value": t("col.value", lang),
                               "status": t("col.status", lang)},
                      f"compare-{kpi.code}")
    return fig, data
