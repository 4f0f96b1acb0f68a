"""Outlook page callbacks: the KPI × unit grid of outlooks and its sortable table.

The order, the table and the summary are built by layouts.outlook_view.
"""

from __future__ import annotations

from dash import Output

from callbacks.context import Services, chart_outputs, request_viewer, unit_options
from callbacks.first_view import view
from data.accounts.access import Viewer
from kpi.periods import Period
from layouts import figures, ids, outlook_view, period_view
from layouts.params import payload_state

# --- what the callbacks do --------------------------------------------------------------


def shown_units(services: Services, viewer: Viewer, region: str | None,
                regions: list[str]) -> list[str]:
    """The courts of the chosen region; without one, the nation and the regions."""
    if region in regions:
        courts = services.courts(viewer)
        return list(courts.loc[courts["region_code"] == region, "court_code"])
    return ["KZ", *regions]


def outlook_page(services: Services, state: dict | None) -> tuple:
    """The region options, the summary line, the track record, the grid (figure and data)
    and the table."""
    viewer = request_viewer()
    state = payload_state(state)
    lang, category = state["lang"], state["category"]
    names = services.unit_names(viewer, lang)
    regions = list(services.regions()["region_code"])
    options = unit_options(names, regions)
    units = shown_units(services, viewer, state["region"], regions)
    rows, kpis = outlook_view.ordered(services.outlook(viewer, code=units, category=category),
                                      units)
    fig = figures.outlook_grid_figure(rows, kpis, units, names, lang)
    records = outlook_view.table_records(rows, names, lang)
    period, message = services.period_or_default(state["year"], state["part"])
    if period is not None:
        records = in_the_period(services, viewer, period, units, category, records, lang)
    head = period_view.head(period, services.data_as_of(), message, lang)
    data = outlook_view.table(records, category, lang)
    track = outlook_view.track_record(
        services.track_record(viewer), kpis, "court" if state["region"] in regions else "region",
        outlook_view.typical_steps(rows), lang, "outlook.method.track_page")
    return options, outlook_view.summary_line(rows, lang), track, fig, data, records, head


def in_the_period(services: Services, viewer: Viewer, period: Period, units: list[str],
                  category: str, records: list[dict], lang: str) -> list[dict]:
    """The table's rows with the period's value, the same months a year before and, in
    the year in progress, the projected year end."""
    now = services.values_in(viewer, period, code=units, category=category)
    before = services.values_a_year_before(viewer, period, code=units, category=category)
    ahead = None
    if period.year == services.year_in_progress():
        ahead = services.yearend(viewer, code=units, category=category)
    return period_view.with_period(records, now, before, ahead, lang)


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    @view(app, "outlook", Output(ids.control("region"), "options"),
          Output(ids.OUTLOOK_SUMMARY, "children"), Output(ids.OUTLOOK_TRACK, "children"),
          *chart_outputs("outlook"),
          Output(ids.OUTLOOK_GRID, "rowData"), Output(ids.OUTLOOK_PERIOD, "children"))
    def outlook(state):
        return outlook_page(services, state)
