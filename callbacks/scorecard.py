"""Scorecard callbacks: tiles, map and courts needing attention (builders in
layouts.scorecard_view)."""

from __future__ import annotations

import json
import os
from functools import cache

import pandas as pd
from dash import Output

from callbacks.context import Services, chart_outputs, request_viewer
from callbacks.first_view import view
from data.accounts.access import Viewer
from kpi.analysis import attention, early_warning
from kpi.catalogue import KPIS
from kpi.gap import GapError, decomposable
from kpi.periods import YEARLY_ONLY, Period, PeriodError, part_of, ytd
from layouts import gap_view, ids, period_view, scorecard_view
from layouts.params import payload_state


@cache
def boundary_geojson() -> dict | None:
    """The configured region boundaries (COURT_KPI_GEOJSON), else None: tile map."""
    path = os.environ.get("COURT_KPI_GEOJSON")
    if not path or not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def tile_gaps(services: Services, viewer: Viewer, national: pd.DataFrame, year: int,
              category: str, lang: str, period: str | None = None) -> dict[str, str]:
    """KPI -> "62 % of the gap in 5 of 67 courts" for each tile off target this year
    (or in ``period``)."""
    off = national[(national["year"] == year) & (national["status"] == "red")]
    lines: dict[str, str] = {}
    for code in off["kpi"]:
        if decomposable(KPIS[code]) is not None:
            continue
        try:
            found = services.gap(viewer, "national", "KZ", year, code, category, period=period)
        except (GapError, PeriodError):
            continue
        line = gap_view.tile_line(found, lang)
        if line:
            lines[code] = line
    return lines


def scorecard(services: Services, state: dict | None) -> tuple:
    """Tiles of the national values, the map of the chosen KPI by region, and the
    courts needing attention, in the period and category of the page."""
    viewer = request_viewer()
    state = payload_state(state)
    lang = state["lang"]
    try:
        period = services.page_period(state["year"], state["part"])
    except PeriodError as exc:
        return (period_view.not_reached(str(exc), lang), *scorecard_view.empty(lang)[1:],
                None)
    if period is None:
        return (*scorecard_view.empty(lang), None)
    line = period_view.period_line(period, services.data_as_of(), lang)
    if not period.is_year:
        return (*in_year(services, viewer, state, period), line)
    return (*whole_year(services, viewer, state, period.year), line)


def whole_year(services: Services, viewer: Viewer, state: dict, year: int) -> tuple:
    """The scorecard of a complete year: tiles with their trend and outlook."""
    lang, category = state["lang"], state["category"]
    kpi = KPIS[state["kpi"]]
    national = services.kpi_values(viewer, level="national", category=category)
    regional = services.kpi_values(viewer, level="region", year=year, kpi=kpi.code,
                                   category="all" if kpi.grain == "court" else category)
    courts = services.kpi_values(viewer, level="court", year=year, category="all")
    targets = services.targets(viewer)
    outlooks = scorecard_view.outlook_rows(
        services.outlook(viewer, level="national", category=category))
    names = services.unit_names(viewer, lang)
    fig, payload = scorecard_view.region_map(services.regions(), regional, names, kpi, year,
                                             lang, boundary_geojson())
    gaps = tile_gaps(services, viewer, national, year, category, lang)
    return (scorecard_view.tiles(national, year, category, lang, targets, outlooks, gaps,
                                 calibration=services.outlook_calibration(viewer)), fig,
            payload, scorecard_view.attention_table(attention(courts), names, lang))


def in_year(services: Services, viewer: Viewer, state: dict, period: Period) -> tuple:
    """The scorecard of a part of a year: each tile with the same period a year before
    and, in the year in progress, the projection to its end; the courts projected to
    end the year worse than the last."""
    lang, category = state["lang"], state["category"]
    kpi = KPIS[state["kpi"]]
    now = services.values_in(viewer, period, level="national", category=category)
    before = services.values_a_year_before(viewer, period, level="national", category=category)
    projections: dict[str, dict] = {}
    warning = None
    if period.year == services.year_in_progress():
        ahead = services.yearend(viewer, level="national", category=category)
        projections = period_view.rows_by_kpi(ahead)
        warning = early_warning_table(services, viewer, period, lang)
    national = pd.concat([now, before], ignore_index=True)
    regional = services.values_in(viewer, period, level="region", kpi=kpi.code,
                                  category=category)
    names = services.unit_names(viewer, lang)
    fig, payload = scorecard_view.region_map(services.regions(), regional, names, kpi,
                                             period.year, lang, boundary_geojson())
    gaps = tile_gaps(services, viewer, now, period.year, category, lang, period.code)
    context = scorecard_view.InYear(
        part_of(period), dict(zip(before["kpi"], before["value"])), projections,
        yearly_indicators(services, viewer, category))
    if warning is None:
        courts = services.values_in(viewer, period, level="court", category="all")
        warning = scorecard_view.attention_table(attention(courts), names, lang)
    return (scorecard_view.tiles(national, period.year, category, lang, gaps=gaps,
                                 in_year=context), fig, payload, warning)



def yearly_indicators(services: Services, viewer: Viewer, category: str
                      ) -> dict[str, tuple[int, dict]]:
    """KPI -> (the latest complete year, its national row) of the KPIs measured once a
    year, shown on an in-year scorecard as what they are."""
    last = services.latest_year(None)
    if last is None or category != "all":
        return {}
    rows = services.kpi_values(viewer, level="national", year=last, category="all")
    rows = rows[rows["kpi"].isin(YEARLY_ONLY)]
    return {r["kpi"]: (last, r) for r in rows.to_dict("records")}


def early_warning_table(services: Services, viewer: Viewer, period: Period, lang: str):
    """Courts whose projected year-end status is worse than last year's (a judge: their
    own court, as the year-end projection is scoped)."""
    ahead = services.yearend(viewer, level="court", category="all")
    last = services.kpi_values(viewer, level="court", year=period.year - 1, category="all")
    months = int(ahead["months"].iloc[0]) if len(ahead) else 12
    volume = services.values_in(viewer, ytd(period.year, months), level="court",
                                category="all")
    rows = early_warning(ahead, last, volume)
    return scorecard_view.warning_table(rows, services.unit_names(viewer, lang), period.year,
                                        lang)


def register(app, services: Services) -> None:
    @view(app, "scorecard", Output(ids.SCORECARD_TILES, "children"), *chart_outputs("map"),
          Output(ids.SCORECARD_ATTENTION, "children"), Output(ids.SCORECARD_PERIOD, "children"))
    def scorecard_page(state):
        return scorecard(services, state)
