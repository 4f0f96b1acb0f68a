"""KPI explorer callbacks: definition, trend, ranking, funnel plot."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, html

from callbacks.context import Services, chart_outputs, request_viewer, unit_options
from data.accounts.access import ANNOTATE
from data.edits import annotations
from kpi.catalogue import KPIS, KpiDef
from kpi.outlook import BOUNDS, DEFAULT_HORIZON, projection_path
from layouts import figures, ids, notes_view, outlook_view
from layouts.backlog_view import backlog_outputs
from layouts.components import breadcrumbs, table_data
from layouts.export import json_records
from layouts.i18n import t
from layouts.params import MAX_COMPARE, payload_state


def definition(kpi, lang: str) -> dbc.Card:
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


def outlook_sentences(outlooks: pd.DataFrame, units: list[str], names, kpi,
                      lang: str) -> str:
    """The outlook of the nation (and the chosen region) in words (pure)."""
    rows = {r["code"]: r for r in json_records(outlooks)}
    return " ".join(outlook_view.sentence(rows.get(code), kpi, names.get(code, code), lang)
                    for code in units)


def filter_courts(courts: pd.DataFrame, state: dict) -> pd.DataFrame:
    """Courts matching the page's region, level and specialisation filters (pure)."""
    keep = pd.Series(True, index=courts.index)
    for col, key in (("region_code", "region"), ("level", "level"),
                     ("specialization", "spec")):
        if state.get(key):
            keep &= courts[col] == state[key]
    return courts[keep]


def read_state(services: Services, state) -> tuple[dict, KpiDef, str, int | None]:
    """The page state checked, its KPI, the category it is read in (all categories for a
    court-level KPI) and the year (the latest with data when none is chosen)."""
    state = payload_state(state)
    kpi = KPIS[state["kpi"]]
    category = "all" if kpi.grain == "court" else state["category"]
    return state, kpi, category, services.latest_year(state["year"])


def register(app, services: Services) -> None:
    @app.callback(Output(ids.EXPLORER_DEFINITION, "children"),
                  Output(ids.BREADCRUMBS, "children", allow_duplicate=True),
                  Output(ids.control("region"), "options"),
                  Output(ids.control("units"), "options", allow_duplicate=True),
                  *chart_outputs("trend"), *chart_outputs("ranking"),
                  Output(ids.EXPLORER_OUTLOOK, "children"),
                  Output(ids.EXPLORER_NOTES, "children"),
                  Input(ids.page_state("explorer"), "data"),
                  prevent_initial_call="initial_duplicate")
    def explorer(state):
        viewer = request_viewer()
        state, kpi, category, year = read_state(services, state)
        lang = state["lang"]
        names = services.unit_names(viewer, lang)
        regions = services.regions()
        region_options = unit_options(names, regions["region_code"])
        region = state["region"] if state["region"] in set(regions["region_code"]) else None
        crumbs = [(t("nav.national", lang), "/")]
        if region:
            crumbs.append((names.get(region, region), f"/kpi/{kpi.code}?region={region}"))
        crumbs.append((kpi.names.get(lang, kpi.names["en"]), None))
        with services.connect() as conn:
            # The nation, the chosen region and any courts or regions picked for the trend.
            chosen = [u for u in state["units"] if u in names][:MAX_COMPARE]
            trend_codes = list(dict.fromkeys(["KZ"] + ([region] if region else []) + chosen))
            trend = services.kpi_values(viewer, code=trend_codes, kpi=kpi.code,
                                        category=category)
            if state["view"] == "courts" or region:
                courts = filter_courts(services.directory(viewer), {**state, "region": region})
                ranked = services.court_values(viewer, year, kpi.code, category, courts)
            else:
                ranked = services.kpi_values(viewer, level="region", year=year, kpi=kpi.code,
                                             category=category)
                ranked = regions[["region_code"]].rename(columns={"region_code": "code"}).merge(
                    ranked, on="code", how="left")
            targets = services.targets(viewer)
            notes = annotations.notes(conn, viewer, code=trend_codes, kpi=kpi.code)
        trend = trend.assign(label=trend["code"].map(names))
        notes = notes.assign(label=notes["code"].map(names))
        # The whole trajectory (to 2029), not only the years that have values.
        national_target = targets[(targets["kpi"] == kpi.code) & (targets["court_code"] == "")][
            ["year", "target", "illustrative"]].sort_values("year") if len(targets) else targets
        outlook_units = ["KZ"] + ([region] if region else [])
        outlooks = services.outlook(viewer, code=outlook_units, kpi=kpi.code, category=category)
        nation = trend[trend["code"] == "KZ"]
        projection = projection_path(nation["year"], nation["value"], DEFAULT_HORIZON,
                                     BOUNDS[kpi.code])
        trend_fig = figures.trend_figure(trend[["year", "value", "label"]],
                                         national_target if len(national_target) else None,
                                         kpi, lang, projection, notes)
        reading = outlook_sentences(outlooks, outlook_units, names, kpi, lang)
        trend_data = table_data(trend, {"label": t("col.unit", lang), "year": t("col.year", lang),
                                        "value": t("col.value", lang),
                                        "target": t("col.target", lang),
                                        "coverage": t("col.coverage", lang)},
                                f"{kpi.code}-trend")
        ranked = ranked.assign(name=ranked["code"].map(names),
                               status=ranked["status"].fillna("none"))
        national_value = trend.loc[(trend["code"] == "KZ") & (trend["year"] == year), "value"]
        nat = float(national_value.iloc[0]) if len(national_value) else None
        rank_fig = figures.ranking_figure(ranked[["code", "name", "value", "status",
                                                  "coverage"]], nat, kpi, lang)
        rank_data = table_data(ranked.sort_values("value", ascending=kpi.direction == "lower"),
                               {"name": t("col.unit", lang), "value": t("col.value", lang),
                                "target": t("col.target", lang),
                                "status": t("col.status", lang),
                                "coverage": t("col.coverage", lang)},
                               f"{kpi.code}-ranking-{year}")
        units = region_options + unit_options(names, services.courts(viewer)["court_code"],
                                              with_code=True)
        add = (f"/notes?unit={region or 'KZ'}&kpi={kpi.code}&year={year}"
               if viewer.can(ANNOTATE) else None)
        return (definition(kpi, lang), breadcrumbs(crumbs), region_options, units,
                trend_fig, trend_data, rank_fig, rank_data, reading,
                notes_view.notes_aside(notes, names, lang, add))

    @app.callback(*chart_outputs("backlog"), Output(ids.BACKLOG_NOTE, "children"),
                  Input(ids.page_state("explorer"), "data"))
    def backlog(state):
        viewer = request_viewer()
        state = payload_state(state)
        region = state["region"] if state["region"] in set(
            services.regions()["region_code"]) else None
        level, code = ("region", region) if region else ("national", "KZ")
        rows = services.backlog(viewer, level, code, state["category"])
        return backlog_outputs(rows, f"{code}-backlog", state["lang"])

    @app.callback(*chart_outputs("funnel"), Input(ids.page_state("explorer"), "data"))
    def funnel(state):
        viewer = request_viewer()
        state, kpi, category, year = read_state(services, state)
        lang = state["lang"]
        names = services.unit_names(viewer, lang)
        courts = filter_courts(services.directory(viewer), state)
        nat = services.kpi_values(viewer, level="national", year=year, kpi=kpi.code,
                                  category=category)
        national_value = float(nat["value"].iloc[0]) if len(nat) else float("nan")
        values = services.court_values(viewer, year, kpi.code, category, courts,
                                       funnel_rate=national_value)
        values = values[values["value"].notna()]
        values = values.assign(name=values["code"].map(names))
        fig = figures.funnel_figure(values[["code", "name", "value", "denominator",
                                            "funnel_class"]], national_value, kpi, lang)
        data = table_data(values, {"name": t("col.court", lang), "value": t("col.value", lang),
                                   "denominator": t("col.volume", lang)},
                          f"{kpi.code}-funnel-{year}")
        return fig, data
