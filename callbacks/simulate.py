"""Simulator callbacks: the units the viewer may pick, and the projection as the
levers move (the arithmetic is kpi.simulate's, the same as the CLI's)."""

from __future__ import annotations

import math

import pandas as pd
from dash import Input, Output, State

from callbacks.context import Services, request_viewer
from data import repository
from data.schema import CATEGORIES
from kpi.catalogue import KPIS
from kpi.outlook import HORIZONS
from kpi.simulate import SimulationError, simulate, start_from_flow
from layouts import figures, ids
from layouts.components import table_data
from layouts.format import fmt_number, fmt_value
from layouts.i18n import t
from layouts.params import payload_state

LIMITS = {"incoming": (-50.0, 50.0), "clearance": (0.0, 300.0), "judges": (0.0, 500.0)}


def number(value, limits: tuple[float, float]) -> float | None:
    """A lever's value, None when empty; ValueError when not a number in its range."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(value)
    x = float(value)
    if math.isnan(x) or not limits[0] <= x <= limits[1]:
        raise ValueError(value)
    return x


def summary(frame: pd.DataFrame, unit: str, incoming: float, clearance: float | None,
            judges: float | None, lang: str) -> str:
    """The projection in one sentence (pure)."""
    first, last = frame.iloc[0], frame.iloc[-1]
    days = KPIS["disposition_time"].unit
    if judges is not None:
        lever = t("sim.lever.judges", lang, value=fmt_number(judges, 0, lang))
    else:
        rate = clearance if clearance is not None else first["clearance_rate"]
        lever = t("sim.lever.clearance", lang, value=fmt_value(rate, "%", lang))
    sign = "+" if incoming > 0 else "−" if incoming < 0 else "±"
    return t("sim.summary", lang, unit=unit,
             incoming=f"{sign}{fmt_number(abs(incoming), 1, lang)} %", lever=lever,
             start=int(first["year"]), horizon=int(last["year"]),
             pending_start=fmt_number(first["pending_end"], 0, lang),
             pending_end=fmt_number(last["pending_end"], 0, lang),
             dt_start=fmt_value(first["disposition_time"], days, lang),
             dt_end=fmt_value(last["disposition_time"], days, lang))


def register(app, services: Services) -> None:
    @app.callback(
        Output(ids.SIM_UNIT, "options"),
        Input(ids.page_state("simulate"), "data"),
    )
    def units(state):
        lang = payload_state(state)["lang"]
        names = services.unit_names(lang)
        codes = ["KZ", *services.regions()["region_code"], *services.courts()["court_code"]]
        return [{"label": names.get(c, c), "value": c} for c in codes]

    @app.callback(
        Output(ids.SIM_SUMMARY, "children"),
        Output(ids.chart(ids.CHART_GRAPH, "simulate"), "figure"),
        Output(ids.chart(ids.CHART_DATA, "simulate"), "data"),
        Output(ids.SIM_JUDGES, "disabled"),
        Input(ids.SIM_UNIT, "value"), Input(ids.SIM_CATEGORY, "value"),
        Input(ids.SIM_HORIZON, "value"), Input(ids.SIM_INCOMING, "value"),
        Input(ids.SIM_CLEARANCE, "value"), Input(ids.SIM_JUDGES, "value"),
        State(ids.page_state("simulate"), "data"),
    )
    def project(unit, category, horizon, incoming, clearance, judges, state):
        lang = payload_state(state)["lang"]
        return run(services, unit, category, horizon, incoming, clearance, judges, lang)


def run(services: Services, unit, category, horizon, incoming, clearance, judges,
        lang: str):
    """(sentence, figure, table, judges disabled) for the levers as sent."""
    nothing = figures.empty_figure(t("empty.no_data", lang))
    regions = set(services.regions()["region_code"])
    courts = set(services.directory()["court_code"])
    unit = unit if isinstance(unit, str) else ""
    level = "national" if unit == "KZ" else "region" if unit in regions else \
        "court" if unit in courts else None
    if level is None or (level == "court" and not request_viewer().may_see_court(unit)):
        # Another court's code, forged: refused like the court profile refuses it.
        return t("error.forbidden", lang), nothing, None, True
    category = category if category in ("all", *CATEGORIES) else "all"
    horizon = horizon if horizon in HORIZONS else HORIZONS[3]
    try:
        g = number(incoming, LIMITS["incoming"]) or 0.0
        c = number(clearance, LIMITS["clearance"])
        j = number(judges, LIMITS["judges"])
    except ValueError:
        return t("sim.bad_input", lang), nothing, None, level != "court"
    judges_allowed = level == "court" and category == "all"
    note = ""
    if j is not None and not judges_allowed:
        j, note = None, " " + t("sim.judges_only_court", lang)
    with services.connect() as conn:
        flow = repository.case_flow(conn, level, unit, category)
        per_year = repository.judges_in_post(conn, unit) if level == "court" else {}
        targets = repository.targets(conn)
    try:
        frame = simulate(start_from_flow(flow, per_year), horizon, g,
                         None if j is not None else c, j)
    except SimulationError as exc:
        return t("sim.error", lang, detail=str(exc)), nothing, None, not judges_allowed
    name = services.unit_names(lang).get(unit, unit)
    target = targets[(targets["kpi"] == "disposition_time") & (targets["court_code"] == "")] \
        if len(targets) else targets
    fig = figures.simulation_figure(frame, target, lang)
    data = table_data(frame, {"year": t("col.year", lang), "incoming": t("col.incoming", lang),
                              "resolved": t("col.resolved", lang),
                              "pending_end": t("col.pending_end", lang),
                              "disposition_time": t("sim.disposition", lang),
                              "clearance_rate": t("col.value", lang)},
                      f"simulate-{unit}-{category}")
    return summary(frame, name, g, c, j, lang) + note, fig, data, not judges_allowed
