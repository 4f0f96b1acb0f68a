"""``/simulate``: what if incoming cases, the clearance rate or the judges change? The
case flow of one unit projected to the horizon (kpi.simulate, shared/spec/outlook.md)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from data.schema import CATEGORIES
from kpi.outlook import DEFAULT_HORIZON, HORIZONS
from layouts import ids
from layouts.components import chart_card
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/simulate", title=page_title("nav.simulate"),
                   name="simulate")

UNIT, CATEGORY, HORIZON = ids.SIM_UNIT, ids.SIM_CATEGORY, ids.SIM_HORIZON
INCOMING, CLEARANCE, JUDGES, SUMMARY = ids.SIM_INCOMING, ids.SIM_CLEARANCE, ids.SIM_JUDGES, \
    ids.SIM_SUMMARY


def _field(label: str, control, md: int) -> dbc.Col:
    return dbc.Col(html.Div([dbc.Label(label, html_for=control.id, className="small mb-0"),
                             control]), md=md)


def layout(**query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    unit = str(query.get("unit") or "KZ")[:64]
    categories = [{"label": t(f"category.{c}", lang), "value": c} for c in ("all", *CATEGORIES)]
    return html.Div([
        dcc.Store(id=ids.page_state("simulate"), data={**state, "page": "simulate"}),
        html.H1(t("sim.title", lang, horizon=DEFAULT_HORIZON), className="h3 mt-3"),
        html.P(t("sim.intro", lang), className="small text-muted"),
        dbc.Row([
            _field(t("sim.unit", lang), dcc.Dropdown(
                id=UNIT, value=unit, options=[{"label": unit, "value": unit}],
                clearable=False), 5),
            _field(t("control.category", lang), dcc.Dropdown(
                id=CATEGORY, value=state["category"], options=categories, clearable=False,
                searchable=False), 4),
            _field(t("sim.horizon", lang), dcc.Dropdown(
                id=HORIZON, value=DEFAULT_HORIZON, clearable=False, searchable=False,
                options=[{"label": str(y), "value": y} for y in HORIZONS]), 3),
        ], className="mb-2 g-2"),
        dbc.Row([
            _field(t("sim.incoming", lang), dcc.Slider(
                id=INCOMING, min=-20, max=20, step=0.5, value=0,
                marks={v: f"{v:+d}" if v else "0" for v in range(-20, 21, 5)},
                tooltip={"placement": "bottom", "always_visible": True}), 5),
            _field(t("sim.clearance", lang), dbc.Input(
                id=CLEARANCE, type="number", min=0, max=300, step=0.5,
                debounce=True), 4),
            _field(t("sim.judges", lang), dbc.Input(
                id=JUDGES, type="number", min=0, max=500, step=1, debounce=True), 3),
        ], className="mb-3 g-2"),
        html.P(id=SUMMARY, className="mb-2", role="status", **{"aria-live": "polite"}),
        chart_card("simulate", t("sim.chart", lang, horizon=DEFAULT_HORIZON), lang),
    ])
