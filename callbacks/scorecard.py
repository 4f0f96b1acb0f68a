"""Scorecard callbacks: tiles, map and courts needing attention (builders in
layouts.scorecard_view)."""

from __future__ import annotations

import json
import os
from functools import cache

import pandas as pd
from dash import Input, Output

from callbacks.context import Services, chart_outputs, request_viewer
from data.accounts.access import Viewer
from kpi.analysis import attention
from kpi.catalogue import KPIS
from kpi.gap import GapError, decomposable
from layouts import gap_view, ids, scorecard_view
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
              category: str, lang: str) -> dict[str, str]:
    """KPI -> "62 % of the gap in 5 of 67 courts" for each tile off target this year."""
    off = national[(national["year"] == year) & (national["status"] == "red")]
    lines: dict[str, str] = {}
    for code in off["kpi"]:
        if decomposable(KPIS[code]) is not None:
            continue
        try:
            found = services.gap(viewer, "national", "KZ", year, code, category)
        except GapError:
            continue
        line = gap_view.tile_line(found, lang)
        if line:
            lines[code] = line
    return lines


def scorecard(services: Services, state: dict | None) -> tuple:
    """Tiles of the national values, the map of the chosen KPI by region, and the
    courts needing attention, in the year and category of the page."""
    viewer = request_viewer()
    state = payload_state(state)
    lang, category = state["lang"], state["category"]
    year = services.latest_year(state["year"])
    kpi = KPIS[state["kpi"]]
    if year is None:
        return scorecard_view.empty(lang)
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
    return (scorecard_view.tiles(national, year, category, lang, targets, outlooks, gaps), fig,
            payload, scorecard_view.attention_table(attention(courts), names, lang))


def register(app, services: Services) -> None:
    @app.callback(Output(ids.SCORECARD_TILES, "children"), *chart_outputs("map"),
                  Output(ids.SCORECARD_ATTENTION, "children"),
                  Input(ids.page_state("scorecard"), "data"))
    def scorecard_page(state):
        return scorecard(services, state)
