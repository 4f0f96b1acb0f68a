"""Coverage callbacks: court × year matrix, upload warnings, KPIs with low coverage, the
plausibility flags.

Seeing coverage needs VIEW_ALL. The parts are built by layouts.coverage_view.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Output

from callbacks.context import Services, request_viewer, unit_options
from callbacks.first_view import view
from data.accounts.access import VIEW_ALL, Viewer
from data.store import upload_records
from layouts import coverage_view, ids
from layouts.params import payload_state
from web.guard import require

MAX_COURT_ROWS = 100


# --- what the callbacks do --------------------------------------------------------------


def coverage_flags(services: Services, state: dict | None) -> list:
    """The plausibility flags of the chosen year and region, ranked."""
    viewer = request_viewer()
    state = payload_state(state)
    require(VIEW_ALL)
    lang = state["lang"]
    found = services.flags(viewer)
    if state["year"]:
        found = found[found["year"] == state["year"]]
    if state["region"]:
        courts = services.directory(viewer)
        inside = set(courts.loc[courts["region_code"] == state["region"], "court_code"])
        found = found[found["court_code"].isin(inside)]
    names = services.unit_names(viewer, lang)
    return coverage_view.flags(found, names, lang)


def coverage_page(services: Services, state: dict | None) -> tuple:
    """The region options, the KPIs with low coverage, the matrix, the upload warnings and
    the day the newest data are as of."""
    viewer = request_viewer()
    state = payload_state(state)
    require(VIEW_ALL)
    lang = state["lang"]
    names = services.unit_names(viewer, lang)
    regions = services.regions()
    options = unit_options(names, regions["region_code"])
    year = services.latest_year(state["year"])
    with services.connect() as conn:
        national = services.kpi_values(viewer, level="national", year=year, category="all")
        matrix = services.coverage_matrix(viewer)
        uploads = upload_records.uploads_with_warnings(conn)
    as_of = services.as_of_by_court(viewer)
    low_view = coverage_view.low_coverage(national, lang)
    matrix_view = matrix_part(services, viewer, state, matrix, names, as_of)
    return (options, low_view, matrix_view, coverage_view.upload_warnings(uploads, lang),
            coverage_view.as_of_line(newest_as_of(services, viewer, as_of), lang))


def newest_as_of(services: Services, viewer: Viewer, as_of: pd.DataFrame):
    """The day the newest data the viewer may see are as of (a judge: their court's)."""
    if viewer.sees_all:
        return services.data_as_of()
    return max(as_of["as_of"]) if len(as_of) else None


def matrix_part(services: Services, viewer: Viewer, state: dict, matrix: pd.DataFrame,
                names: dict[str, str], as_of: pd.DataFrame) -> dbc.Table:
    """Court × year for a region or a small country, with the flagged court-years and each
    court's as-of day; for a national court list, regions × year with their courts' span
    of as-of days."""
    lang = state["lang"]
    courts = services.courts(viewer)
    if state["region"]:
        courts = courts[courts["region_code"] == state["region"]]
    elif len(courts) > MAX_COURT_ROWS:
        # A national court list is thousands of cells the browser takes seconds to
        # draw: show regions, each a link to its courts.
        summary = coverage_view.region_summary(courts, matrix)
        return coverage_view.region_matrix(summary, names, lang,
                                           coverage_view.region_dates(courts, as_of))
    found = services.flags(viewer)
    flagged = set(zip(found["court_code"], found["year"].astype(int)))
    return coverage_view.court_matrix(courts, matrix, names, lang, flagged,
                                      coverage_view.court_dates(as_of))


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    @view(app, "coverage", Output(ids.COVERAGE_FLAGS, "children"))
    def flags(state):
        return coverage_flags(services, state)

    @view(app, "coverage", Output(ids.control("region"), "options"),
          Output(ids.COVERAGE_LOW, "children"), Output(ids.COVERAGE_MATRIX, "children"),
          Output(ids.COVERAGE_WARNINGS, "children"), Output(ids.COVERAGE_AS_OF, "children"))
    def coverage(state):
        return coverage_page(services, state)
