"""Outlook page callbacks: the KPI × unit grid of outlooks and its sortable table."""

from __future__ import annotations

import pandas as pd
from dash import Input, Output

from callbacks.context import Services, chart_outputs, request_viewer, unit_options
from kpi.catalogue import CATALOGUE, KPIS
from kpi.outlook import DEFAULT_HORIZON, OUTCOMES
from layouts import figures, ids
from layouts.components import table_data
from layouts.export import json_records
from layouts.format import DECIMALS, fmt_value
from layouts.i18n import t
from layouts.outlook_view import OUTLOOK_ICONS, outlook_word, per_year, range_text
from layouts.params import payload_state

# Most in need of attention first: off track, then uncertain, then the rest.
SEVERITY = {"off_track": 0, "uncertain": 1, "on_track": 2, "no_target": 3,
            "insufficient_data": 4}


def ordered(rows: pd.DataFrame, units: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Rows of the shown units, and the KPIs most off track first (pure)."""
    rows = rows[rows["code"].isin(units)]
    if rows.empty:
        return rows, []
    counts = rows.groupby("kpi")["outlook"].agg(
        off=lambda s: int((s == "off_track").sum()), unsure=lambda s: int((s == "uncertain")
                                                                           .sum()))
    position = {k.code: i for i, k in enumerate(CATALOGUE)}
    kpis = sorted(counts.index, key=lambda k: (-counts.loc[k, "off"], -counts.loc[k, "unsure"],
                                               position.get(k, 99)))
    return rows, kpis


def table_rows(rows: pd.DataFrame, names, lang: str) -> list[dict]:
    """The sortable table's rows, numbers rounded as the pages round them (pure)."""
    out = []
    for r in json_records(rows):
        kpi = KPIS[r["kpi"]]
        out.append({
            "kpi": r["kpi"], "code": r["code"],
            "kpi_name": kpi.names.get(lang, kpi.names["en"]),
            "unit": names.get(r["code"], r["code"]),
            "outlook_text": f"{OUTLOOK_ICONS[r['outlook']]} {outlook_word(r['outlook'], lang)}",
            "severity": SEVERITY[r["outlook"]],
            "last_text": "" if r["last_value"] is None else
            f"{fmt_value(r['last_value'], kpi.unit, lang)} ({r['last_year']})",
            "projected": None if r["projected"] is None else
            round(r["projected"], DECIMALS.get(kpi.unit, 1)),
            "interval_text": range_text(r, kpi, lang),
            "target_text": "" if r["target"] is None else fmt_value(r["target"], kpi.unit, lang),
            "needed_text": "" if r["required_slope"] is None else
            per_year(r["required_slope"], kpi, lang),
            "moved_text": "" if r["slope"] is None else per_year(r["slope"], kpi, lang),
        })
    return out


def summary(rows: pd.DataFrame, lang: str) -> str:
    counts = rows["outlook"].value_counts()
    return t("outlook.summary", lang, **{o: int(counts.get(o, 0)) for o in OUTCOMES})


def register(app, services: Services) -> None:
    @app.callback(Output(ids.control("region"), "options", allow_duplicate=True),
                  Output(ids.OUTLOOK_SUMMARY, "children"), *chart_outputs("outlook"),
                  Output(ids.OUTLOOK_GRID, "rowData"), Input(ids.page_state("outlook"), "data"),
                  prevent_initial_call="initial_duplicate")
    def outlook(state):
        viewer = request_viewer()
        state = payload_state(state)
        lang, category = state["lang"], state["category"]
        names = services.unit_names(viewer, lang)
        regions = list(services.regions()["region_code"])
        options = unit_options(names, regions)
        if state["region"] in regions:
            courts = services.courts(viewer)
            units = list(courts.loc[courts["region_code"] == state["region"], "court_code"])
        else:
            units = ["KZ", *regions]
        rows, kpis = ordered(services.outlook(viewer, code=units, category=category), units)
        fig = figures.outlook_grid_figure(rows, kpis, units, names, lang)
        records = table_rows(rows.assign(_s=rows["outlook"].map(SEVERITY)).sort_values(
            ["_s", "kpi"]).drop(columns="_s"), names, lang) if len(rows) else []
        data = table_data(pd.DataFrame(records or None, columns=[
            "kpi_name", "unit", "outlook_text", "last_text", "projected", "interval_text",
            "target_text", "needed_text", "moved_text"]), {
            "kpi_name": t("col.kpi", lang), "unit": t("col.unit", lang),
            "outlook_text": t("outlook.col", lang, horizon=DEFAULT_HORIZON),
            "last_text": t("outlook.col.last", lang),
            "projected": t("outlook.col.projected", lang),
            "interval_text": t("outlook.col.interval", lang),
            "target_text": t("col.target", lang),
            "needed_text": t("outlook.col.needed", lang),
            "moved_text": t("outlook.col.moved", lang)}, f"outlook-{category}")
        text = summary(rows, lang) if len(rows) else t("empty.no_data", lang)
        return options, text, fig, data, records
