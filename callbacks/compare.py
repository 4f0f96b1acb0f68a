"""Compare callbacks: a KPI × unit grid and one KPI over the years.

The parts are built by layouts.compare_view.
"""

from __future__ import annotations

import pandas as pd
from dash import Output

from callbacks.context import Services, chart_outputs, request_viewer, unit_options
from callbacks.first_view import view
from kpi.catalogue import KPIS
from layouts import compare_view, ids, period_view
from layouts.params import MAX_COMPARE, payload_state

# --- what the callbacks do --------------------------------------------------------------


def compare_page(services: Services, state: dict | None) -> tuple:
    """The unit options, the grid of the chosen units (two to MAX_COMPARE) and the chosen
    KPI over the years for them."""
    viewer = request_viewer()
    state = payload_state(state)
    lang, category = state["lang"], state["category"]
    names = services.unit_names(viewer, lang)
    options = unit_options(names, list(services.regions()["region_code"])
                           + list(services.courts(viewer)["court_code"]), with_code=True)
    known = {o["value"] for o in options}
    units = [u for u in state["units"] if u in known]
    too_many = len(units) > MAX_COMPARE
    units = units[:MAX_COMPARE]
    if len(units) < 2:
        return options, *compare_view.too_few(lang)
    period, message = services.period_or_default(state["year"], state["part"])
    kpi = KPIS[state["kpi"]]
    values = services.kpi_values(viewer, code=units)
    shown = values
    if period is not None and not period.is_year:
        # The grid in the period, against the same months a year before.
        shown = pd.concat([services.values_in(viewer, period, code=units),
                           services.values_a_year_before(viewer, period, code=units)],
                          ignore_index=True)
    year = None if period is None else period.year
    grid = compare_view.grid(shown, units, names, year, category, lang)
    fig, data = compare_view.trend(values, kpi, category, names, lang)
    head = period_view.head(period, services.data_as_of(), message, lang)
    return options, [*head, compare_view.grid_part(grid, too_many, lang)], fig, data


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    @view(app, "compare", Output(ids.control("units"), "options"),
          Output(ids.COMPARE_GRID, "children"), *chart_outputs("compare"))
    def compare(state):
        return compare_page(services, state)
