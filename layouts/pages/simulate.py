"""``/simulate``: what if incoming cases, the clearance rate or the judges in post
change? One unit's case flow projected year by year to the horizon (kpi.simulate,
shared/spec/outlook.md "Case-flow simulator"). Every signed-in role may use it; the
callbacks refuse a court the viewer may not see."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from data.accounts.access import Viewer
from kpi.outlook import DEFAULT_HORIZON, HORIZONS
from layouts import ids
from layouts import simulate_view as v
from layouts.components import attrs, chart_card, page_store
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/simulate", title=page_title("nav.simulate"),
                   name="simulate",
                   nav="nav.simulate", nav_order=4)


def _label(text: str, control_id: str) -> dbc.Label:
    return dbc.Label(text, html_for=control_id, id=f"{control_id}-label",
                     className="small mb-0 fw-semibold")


def _hint(hint_id: str, text: str = "") -> html.Div:
    return html.Div(text, id=hint_id, className="form-text small mt-0")


def _field(label: str, control, md: int, hint: html.Div | None = None) -> dbc.Col:
    """A control under its visible label (``for`` its id), with a hint line under it."""
    return dbc.Col(html.Div([_label(label, control.id), control,
                             *([hint] if hint is not None else [])]), xs=12, md=md)


def _change_field(value: float, lang: str) -> dbc.Col:
    """The yearly change of incoming cases: a native range input (arrow keys, Home/End,
    Page Up/Down; labelled, announced by screen readers), the value in words beside the
    label and the scale under it."""
    low, high = (int(x) for x in v.CHANGE_RANGE)
    scale = [html.Span("0" if x == 0 else f"{x:+d}".replace("-", "−"))
             for x in range(low, high + 1, 10)]
    return dbc.Col(html.Div([
        html.Div([_label(t("simulate.change", lang), v.CHANGE),
                  html.Output(v.signed_percent(value, lang), id=v.CHANGE_VALUE,
                              htmlFor=v.CHANGE, className="fw-bold small ms-2")],
                 className="d-flex align-items-baseline flex-wrap"),
        # A plain <input type="range"> (dcc.Input's breaks on arrow keys in Dash 4);
        # it sends its value as text, which the callback reads as a number.
        dbc.Input(id=v.CHANGE, type="range", min=low, max=high, step=0.5, value=value,
                  class_name="form-range", debounce=300,
                  style={"border": "0", "padding": "0", "height": "1.5rem"}),
        html.Div(scale, className="d-flex justify-content-between small text-muted",
                 **attrs(aria_hidden="true")),
        _hint(f"{v.CHANGE}-hint", t("simulate.hint.change", lang)),
    ]), xs=12, md=6)


def _default_unit(query: dict, viewer: Viewer | None) -> str:
    """The unit of the link, else a judge's own court, else the nation."""
    unit = query.get("unit")
    if isinstance(unit, str) and unit.strip():
        return unit.strip()[:64]
    if viewer is not None and viewer.court_code:
        return viewer.court_code
    return v.NATIONAL


def _horizon(value) -> int:
    try:
        year = int(str(value))
    except (TypeError, ValueError):
        return DEFAULT_HORIZON
    return year if year in HORIZONS else DEFAULT_HORIZON


def _change(value) -> float:
    try:
        change = float(str(value))
    except (TypeError, ValueError):
        return 0.0
    low, high = v.CHANGE_RANGE
    return change if low <= change <= high else 0.0


def layout(viewer: Viewer | None = None, **query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    unit = _default_unit(query, viewer)
    categories = [{"label": t(f"category.{c}", lang), "value": c} for c in v.CATEGORY_CHOICES]
    return html.Div([
        page_store("simulate", state),
        dcc.Store(id=v.BASE),
        html.H1(t("simulate.title", lang), className="h3 mt-3"),
        html.P(t("simulate.intro", lang), className="small text-muted"),
        dbc.Row([
            # A searchable list (a country's courts are many); named by its label for
            # assistive technology through the group. The chosen unit is an option from
            # the start (named by the callback), or the dropdown would drop it.
            dbc.Col(html.Div([
                _label(t("simulate.unit", lang), v.UNIT),
                dcc.Dropdown(id=v.UNIT, value=unit, clearable=False, options=[
                    {"label": t("nav.national", lang) if unit == v.NATIONAL else unit,
                     "value": unit}]),
            ], role="group", **attrs(aria_labelledby=f"{v.UNIT}-label")), xs=12, md=6),
            _field(t("control.category", lang), dbc.Select(
                id=v.CATEGORY, value=state["category"], options=categories), 3),
            _field(t("simulate.horizon", lang), dbc.Select(
                id=v.HORIZON, value=str(_horizon(query.get("horizon"))),
                options=v.horizon_options()), 3),
        ], className="mb-2 g-2"),
        dbc.Row([
            _change_field(_change(query.get("change")), lang),
            _field(t("simulate.clearance", lang), dbc.Input(
                id=v.CLEARANCE, type="number", min=v.CLEARANCE_RANGE[0],
                max=v.CLEARANCE_RANGE[1], step=0.1, debounce=600, inputmode="decimal"), 3,
                _hint(v.CLEARANCE_HINT)),
            _field(t("simulate.judges", lang), dbc.Input(
                id=v.JUDGES, type="number", min=v.JUDGES_RANGE[0], max=v.JUDGES_RANGE[1],
                step=1, debounce=600, disabled=True, inputmode="decimal"), 3,
                html.Div([_hint(v.JUDGES_HINT),
                          # One court's judges needed by its weighted caseload (/workload).
                          dbc.Button(t("workload.simulate.start", lang),
                                     id=ids.WORKLOAD_SIM_NEEDED, color="link", size="sm",
                                     className="p-0"),
                          html.Div(id=ids.WORKLOAD_SIM_NOTE, className="form-text small",
                                   role="status")])),
        ], className="mb-3 g-2"),
        html.Div(id=v.SENTENCE, className="mb-3", role="status", **attrs(aria_live="polite")),
        chart_card(v.CHART, t("simulate.chart", lang), lang,
                   definition_href="/kpi/disposition_time"),
    ])
