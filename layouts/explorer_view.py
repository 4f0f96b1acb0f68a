"""The KPI explorer's builders: the definition card, the outlook in words, the trend and
the ranking with their tables, the funnel plot (pure; the callbacks read)."""

from __future__ import annotations

from collections.abc import Mapping

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from kpi.catalogue import KpiDef
from kpi.gap import Gap
from kpi.outlook import BOUNDS, DEFAULT_HORIZON, projection_path
from layouts import figures, gap_view, outlook_view
from layouts.components import table_data
from layouts.export import json_records
from layouts.format import period_label
from layouts.i18n import t


def definition(kpi: KpiDef, lang: str) -> dbc.Card:
    rows = [
        (t("explorer.formula", lang), kpi.formula),
        (t("explorer.unit", lang), t(f"unit.{kpi.unit}", lang)),
        (t("explorer.better", lang), t(f"explorer.better.{kpi.direction}", lang)),
        (t("explorer.tolerance", lang), "—" if kpi.tolerance is None else str(kpi.tolerance)),
        (t("explorer.source", lang), kpi.source),
        (t("explorer.why", lang), t(f"kpi.{kpi.code}.why", lang)),
    ]
    return dbc.Card(dbc.CardBody(html.Dl(
        [item for label, text in rows for item in (html.Dt(label, className="col-sm-3"),
                                                   html.Dd(text, className="col-sm-9"))],
        className="row mb-0 small")), className="mb-3", id="definition")


def outlook_sentences(outlooks: pd.DataFrame, units: list[str], names, kpi: KpiDef,
                      lang: str, track: pd.DataFrame | None = None) -> str:
    """The outlook of the nation (and the chosen region) in words, each with how often
    such projections held in past years when the data say (``track``: kpi.backtest
    summary) (pure)."""
    rows = {r["code"]: r for r in json_records(outlooks)}
    parts = []
    for code in units:
        row = rows.get(code)
        parts.append(outlook_view.sentence(row, kpi, names.get(code, code), lang))
        if row is not None and track is not None and row["projected"] is not None:
            parts.append(outlook_view.track_record(
                track, [kpi.code], "national" if code == "KZ" else "region",
                int(row["horizon"]) - int(row["last_year"]), lang))
    return " ".join(p for p in parts if p)


def filter_courts(courts: pd.DataFrame, state: dict) -> pd.DataFrame:
    """Courts matching the page's region, level and specialisation filters (pure)."""
    keep = pd.Series(True, index=courts.index)
    for col, key in (("region_code", "region"), ("level", "level"),
                     ("specialization", "spec")):
        if state.get(key):
            keep &= courts[col] == state[key]
    return courts[keep]


def trend_outputs(trend: pd.DataFrame, targets: pd.DataFrame, notes: pd.DataFrame, names,
                  kpi: KpiDef, lang: str,
                  calibration: Mapping[int, float] | None = None) -> tuple:
    """(figure, table payload) of the trend of the nation and the chosen units, with the
    national target trajectory, the projection to the horizon and the notes.
    ``calibration``: the KPI's learnt multipliers, so the band ends at the outlook's."""
    trend = trend.assign(label=trend["code"].map(names))
    notes = notes.assign(label=notes["code"].map(names))
    # The whole trajectory (to 2029), not only the years that have values.
    national_target = targets[(targets["kpi"] == kpi.code) & (targets["court_code"] == "")][
        ["year", "target", "illustrative"]].sort_values("year") if len(targets) else targets
    nation = trend[trend["code"] == "KZ"]
    projection = projection_path(nation["year"], nation["value"], DEFAULT_HORIZON,
                                 BOUNDS[kpi.code], calibration)
    fig = figures.trend_figure(trend[["year", "value", "label"]],
                               national_target if len(national_target) else None,
                               kpi, lang, projection, notes)
    data = table_data(trend, {"label": t("col.unit", lang), "year": t("col.year", lang),
                              "value": t("col.value", lang), "target": t("col.target", lang),
                              "coverage": t("col.coverage", lang)}, f"{kpi.code}-trend")
    return fig, data


def ranking_outputs(ranked: pd.DataFrame, national: float | None, names, kpi: KpiDef,
                    year: int | str | None, lang: str) -> tuple:
    """(figure, table payload) of the regions or courts ranked on the KPI."""
    ranked = ranked.assign(name=ranked["code"].map(names),
                           status=ranked["status"].fillna("none"))
    fig = figures.ranking_figure(ranked[["code", "name", "value", "status", "coverage"]],
                                 national, kpi, lang)
    data = table_data(ranked.sort_values("value", ascending=kpi.direction == "lower"),
                      {"name": t("col.unit", lang), "value": t("col.value", lang),
                       "target": t("col.target", lang), "status": t("col.status", lang),
                       "coverage": t("col.coverage", lang)}, f"{kpi.code}-ranking-{year}")
    return fig, data


def gap_outputs(found: Gap | None, error: str | None, scope: str, year: int | str | None,
                names, kpi: KpiDef, lang: str) -> tuple:
    """(figure, table payload, sentence) of where the gap of the scope is; ``year``: the
    year, or the period's code (said in words)."""
    title = t("gap.title", lang)
    if found is None or year is None:
        text = gap_view.error_text(error or "no_courts", lang)
        return figures.empty_figure(text, title), None, text
    fig = figures.pareto_figure(gap_view.named(found, names), title, kpi, lang)
    return (fig, gap_view.table_payload(found, names, kpi, year, lang),
            gap_view.sentence(found, scope, period_label(str(year), lang), kpi, names, lang))


def funnel_outputs(values: pd.DataFrame, national: float, names, kpi: KpiDef,
                   year: int | str | None, lang: str) -> tuple:
    """(figure, table payload) of the funnel plot of the courts with a value."""
    values = values[values["value"].notna()]
    values = values.assign(name=values["code"].map(names))
    fig = figures.funnel_figure(values[["code", "name", "value", "denominator",
                                        "funnel_class"]], national, kpi, lang)
    data = table_data(values, {"name": t("col.court", lang), "value": t("col.value", lang),
                               "denominator": t("col.volume", lang)},
                      f"{kpi.code}-funnel-{year}")
    return fig, data


def seasonal_outputs(series: pd.DataFrame | None, year: int | None, kpi: KpiDef, code: str,
                     lang: str) -> tuple:
    """(figure, table payload) of the KPI month by month (figures.seasonal_figure)."""
    if series is None or year is None:
        text = t("fig.seasonal.yearly_only" if year is not None else "fig.no_data", lang)
        return figures.empty_figure(text, t("chart.seasonal", lang), 250), None
    fig = figures.seasonal_figure(series, year, kpi, lang)
    data = table_data(series.assign(month=series["month"].map(
        lambda m: t(f"month.{int(m):02d}", lang))), {
        "year": t("fig.year", lang), "month": t("col.month", lang),
        "value": t("col.value", lang)}, f"{kpi.code}-{code}-months-{year}")
    return fig, data
