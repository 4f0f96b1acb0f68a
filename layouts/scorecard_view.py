"""The scorecard page's builders: tiles by pillar with sparklines and outlook, the
region map with its table, courts needing attention (pure; the callbacks read)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from kpi.analysis import change_from_previous
from kpi.catalogue import CATALOGUE, KPIS, PILLARS, KpiDef
from kpi.outlook import BOUNDS, Calibration, projection_path
from layouts import figures, outlook_view, period_view
from layouts.components import kpi_tile, status_badge, table_data
from layouts.export import json_records
from layouts.format import fmt_value
from layouts.i18n import t
from layouts.params import query_string


def tiles(values: pd.DataFrame, year: int, category: str, lang: str,
          targets: pd.DataFrame | None = None,
          outlooks: dict[str, dict] | None = None,
          gaps: dict[str, str] | None = None,
          in_year: InYear | None = None,
          calibration: Calibration | None = None) -> list:
    """Tiles by pillar for the national values of all years (pure).

    ``targets``: national targets of every year, so each sparkline shows the target
    trajectory to 2029, not only the years that already have values. ``outlooks``: the
    national outlook row of each KPI (kpi.outlook), shown as a line and drawn as the
    sparkline's band to the horizon. ``gaps``: KPI -> "62 % of the gap in 5 of 67
    courts" for the tiles off target, linking to the explorer's gap chart.
    ``in_year``: a period that is not a whole year: ``values`` then hold that period
    (``year``) and the same period a year before; each tile says both, and the year-end
    projection instead of the outlook when there is one. ``calibration``: the outlook's
    learnt multipliers (kpi.outlook.calibrate), so each band ends where its row does.
    """
    national = values[values["category"] == category]
    this_year = national[national["year"] == year].set_index("kpi")
    changes = change_from_previous(national, year)
    # Split once by KPI: filtering the frames per tile was half the callback's time.
    series_of = {k: g for k, g in national[["kpi", "year", "value"]].groupby("kpi", sort=False)}
    if targets is not None and len(targets):
        own = targets[targets["court_code"] == ""]
    else:
        own = national[["kpi", "year", "target"]].dropna()
    targets_of = {k: g for k, g in own.groupby("kpi", sort=False)}
    sections = []
    for pillar in PILLARS:
        cards = []
        for kpi in (k for k in CATALOGUE if k.pillar == pillar):
            if kpi.grain == "court" and category != "all":
                continue
            row = this_year.loc[kpi.code] if kpi.code in this_year.index else None
            years, vals, tgt = figures.sparkline_series(series_of.get(kpi.code),
                                                        targets_of.get(kpi.code))
            outlook = (outlooks or {}).get(kpi.code)
            spark = _sparkline(years, vals, tgt, lang, outlook, kpi.code,
                               (calibration or {}).get(kpi.code)) \
                if np.count_nonzero(~np.isnan(vals)) > 1 else None
            href = f"/kpi/{kpi.code}" + query_string({
                "year": year, "category": category, "lang": lang if lang != "en" else None,
                "part": None if in_year is None else in_year.part})
            gap = (gaps or {}).get(kpi.code)
            gap_line = None if gap is None else html.Div(
                dcc.Link(gap, href=href + "#gap"), className="small kpi-gap")
            if in_year is None:
                tile = kpi_tile(kpi, row, changes.get(kpi.code), spark, href, lang,
                                outlook_view.tile_line(outlook, kpi, lang), gap_line)
            elif kpi.code in in_year.yearly:
                # Measured once a year (resources, surveys): the latest year, said so.
                last, yearly_row = in_year.yearly[kpi.code]
                tile = kpi_tile(kpi, pd.Series(yearly_row), None, None, href, lang,
                                extra=[html.Div(t("period.yearly_indicator", lang, year=last),
                                                className="small text-muted")])
            else:
                before = in_year.before.get(kpi.code)
                tile = kpi_tile(kpi, row, changes.get(kpi.code), None, href, lang,
                                period_view.projection_line(
                                    in_year.projections.get(kpi.code), kpi, lang),
                                gap_line, "tile.change_period",
                                [period_view.same_period_line(before, kpi, lang)])
            cards.append(dbc.Col(tile, xs=12, sm=6, md=4, xl=3, className="mb-2"))
        if cards:
            sections.append(html.Section([
                html.H2(t(f"pillar.{pillar}", lang), className="h5 mt-2"),
                dbc.Row(cards, className="g-2"),
            ]))
    return sections


@dataclass(frozen=True)
class InYear:
    """What a tile of a period that is not a year says besides its value."""

    part: str  # the URL's part of the year
    before: dict[str, float]  # KPI -> its value in the same period a year before
    projections: dict[str, dict]  # KPI -> its year-end projection (kpi.yearend row)
    # KPI -> (the latest complete year, its national row) of the KPIs measured once a
    # year, which a part of a year has no value of (kpi.periods.YEARLY_ONLY).
    yearly: dict[str, tuple[int, dict]] = field(default_factory=dict)


def _sparkline(years: list[int], values, targets: list[tuple[int, float]], lang: str,
               outlook: dict | None = None, kpi: str = "",
               calibration: Mapping[int, float] | None = None) -> tuple[str, str] | None:
    """(image source, text alternative) of a tile's trend, with its band to the horizon."""
    projection = []
    if outlook is not None and outlook.get("projected") is not None:
        path = projection_path(years, values, int(outlook["horizon"]), BOUNDS[kpi],
                               calibration)
        last = int(outlook["last_year"])
        projection = [(int(r.year), r.fitted, r.lower, r.upper)
                      for r in path[path["year"] >= last].itertuples(index=False)]
    svg = figures.sparkline_svg(years, values, targets, projection)
    if svg is None:
        return None
    span = years + [y for y, _ in targets]
    if projection:
        return figures.svg_data_uri(svg), t("outlook.method.tile_alt", lang, first=min(span),
                                            last=max(years), horizon=projection[-1][0])
    key = "tile.trend_target" if targets else "tile.trend"
    return figures.svg_data_uri(svg), t(key, lang, first=min(span), last=max(span))


def outlook_rows(frame: pd.DataFrame) -> dict[str, dict]:
    """KPI -> its outlook row (a dict, missing as None) of a one-unit, one-category frame."""
    return {r["kpi"]: r for r in json_records(frame)}


def attention_table(rows: pd.DataFrame, names: dict[str, str], lang: str) -> Component:
    if rows.empty:
        return html.P(t("scorecard.attention_none", lang), className="text-muted")
    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in
                               ("col.court", "col.kpi", "col.value", "col.target",
                                "col.status")]))
    body = []
    for r in rows.itertuples():
        k = KPIS[r.kpi]
        body.append(html.Tr([
            html.Td(dcc.Link(names.get(r.code, r.code), href=f"/court/{r.code}")),
            html.Td(dcc.Link(k.names.get(lang, k.names["en"]), href=f"/kpi/{r.kpi}")),
            html.Td(fmt_value(r.value, k.unit, lang)),
            html.Td(fmt_value(r.target, k.unit, lang)),
            html.Td(status_badge(r.status, lang)),
        ]))
    return dbc.Table([head, html.Tbody(body)], size="sm", hover=True, className="small")


def region_map(regions: pd.DataFrame, regional: pd.DataFrame, names: dict[str, str],
               kpi: KpiDef, year: int, lang: str, geo: dict | None) -> tuple:
    """(figure, table payload) of one KPI by region: a choropleth on the configured
    boundaries, else the tile map."""
    map_df = regions[["region_code"]].merge(
        regional.rename(columns={"code": "region_code"}), on="region_code", how="left")
    map_df["name"] = map_df["region_code"].map(names)
    map_df["status"] = map_df["status"].fillna("none")
    fig = (figures.choropleth_figure(geo, map_df, kpi, lang) if geo
           else figures.tile_map_figure(map_df, kpi, lang))
    payload = table_data(map_df.assign(unit=kpi.unit), {
        "name": t("col.region", lang), "value": t("col.value", lang),
        "unit": t("col.measure", lang), "target": t("col.target", lang),
        "status": t("col.status", lang), "coverage": t("col.coverage", lang)},
        f"regions-{kpi.code}-{year}")
    return fig, payload


def warning_table(rows: pd.DataFrame, names: dict[str, str], year: int, lang: str
                  ) -> Component:
    """Courts projected to end the year worse than last year (kpi.analysis.early_warning),
    each with its reason in a sentence."""
    if rows.empty:
        return html.P(t("scorecard.warning_none", lang), className="text-muted")
    items = []
    for r in rows.itertuples():
        k = KPIS[r.kpi]
        reason = t("scorecard.warning_reason", lang, kpi=k.names.get(lang, k.names["en"]),
                   projected=fmt_value(r.projected, k.unit, lang), year=year,
                   target=fmt_value(r.target, k.unit, lang), last_year=year - 1,
                   last=fmt_value(r.last_value, k.unit, lang),
                   last_status=t(f"status.{r.last_status}", lang))
        items.append(html.Li([
            dcc.Link(names.get(r.code, r.code), href=f"/court/{r.code}"), " ",
            status_badge(r.status, lang, r.projected), html.Div(reason, className="small")],
            className="mb-1"))
    return html.Ul(items, className="list-unstyled small mb-0")


def empty(lang: str) -> tuple:
    """The page's outputs when there is no year with data."""
    none = html.P(t("empty.no_selection", lang), className="text-muted")
    return none, figures.empty_figure(t("empty.no_data", lang)), None, none
