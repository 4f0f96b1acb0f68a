"""``/kpi/<code>``: one KPI — definition, trend, ranking and funnel plot."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from kpi.catalogue import KPIS
from kpi.gap import decomposable
from layouts import controls, ids
from layouts.components import attrs, chart_card, page_store, report_link
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path_template="/kpi/<code>", title=page_title("nav.explorer"),
                   name="explorer",
                   nav="nav.explorer", nav_order=2, nav_href="/kpi/clearance_rate")


def layout(code: str | None = None, **query) -> html.Div:
    state = page_state({**query, "kpi": code}, kpi="clearance_rate")
    lang = state["lang"]
    if code not in KPIS:
        return html.Div(dbc.Alert(t("empty.not_found", lang, what=str(code)[:64]),
                                  color="warning", className="mt-3"))
    kpi = KPIS[code]
    charts = [
        chart_card("trend", t("explorer.trend", lang), lang, extra=[
            html.P(id=ids.EXPLORER_OUTLOOK, className="small mb-1", **attrs(aria_live="polite")),
            html.Div(id=ids.EXPLORER_NOTES)]),
        chart_card("ranking", t(f"explorer.ranking_{state['view']}", lang), lang),
        chart_card("seasonal", t("chart.seasonal", lang), lang),
    ]
    if decomposable(kpi) is None:  # where the gap is: the scorecard's tiles link here
        charts.append(html.Div(chart_card("gap", t("gap.title", lang), lang, extra=[
            html.P(id=ids.EXPLORER_GAP_NOTE, className="small mb-1",
                   **attrs(aria_live="polite"))]), id="gap"))
    if kpi.pillar == "efficiency":  # the backlog's age explains the time KPIs
        charts.append(chart_card("backlog", t("backlog.title", lang), lang, extra=[
            html.P(id=ids.BACKLOG_NOTE, className="small mb-1")]))
    if kpi.share:
        charts.append(chart_card("funnel", t("explorer.funnel", lang), lang, extra=[
            html.P(t("explorer.funnel_note", lang), className="small text-muted mb-1")]))
    return html.Div([
        page_store("explorer", state),
        html.Div(id=ids.BREADCRUMBS),
        html.Div([html.H1(kpi.names.get(lang, kpi.names["en"]), className="h3 mb-0 me-auto"),
                  # The chosen region's annual report (every KPI, not only this one).
                  report_link("region", state["region"], state["year"], lang, state["part"])
                  if state["region"] else None],
                 className="d-flex align-items-center flex-wrap gap-2 mb-2"),
        html.Div(id=ids.EXPLORER_DEFINITION),
        dbc.Row([controls.kpi_control(state["kpi"], lang),
                 *controls.period_controls(state["year"], state["part"], lang),
                 controls.category_control(state["category"], lang)], className="mb-2 g-2"),
        dbc.Row([controls.region_control(state["region"], lang),
                 controls.level_control(state["level"], lang),
                 controls.spec_control(state["spec"], lang),
                 controls.view_control(state["view"], lang)], className="mb-2 g-2"),
        html.Div(id=ids.EXPLORER_PERIOD, **attrs(aria_live="polite")),
        dbc.Row([controls.units_control(state["units"], lang, "control.trend_units")],
                className="mb-3 g-2"),
        *charts,
    ])
