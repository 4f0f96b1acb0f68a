"""``/workload``: judges needed by weighted caseload (where-to-act.md section 2), for
staff and analysts. Courts by need ratio (map of regions, ranked bars), the region and
national totals, the reallocation proposal and the inputs it rests on. A measure of
courts, never of a judge: the page says so, and that the proposal is for discussion."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from data.accounts.access import VIEW_ALL
from layouts import controls, ids, workload_view
from layouts.components import chart_card, page_top
from layouts.i18n import page_title, t
from layouts.params import page_state

dash.register_page(__name__, path="/workload", title=page_title("nav.workload"),
                   name="workload", permission=VIEW_ALL, nav="nav.workload", nav_order=5.5)


def _card(title: str, body: list, card_id: str | None = None) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(html.H2(title, className="h6 mb-0")),
                     dbc.CardBody(body)], className="mb-3", id=card_id or "")


def layout(**query) -> html.Div:
    state = page_state(query)
    lang = state["lang"]
    within = [{"label": t("workload.within.nation", lang), "value": "nation"},
              {"label": t("workload.within.region", lang), "value": "region"}]
    return html.Div([
        *page_top("workload", state, t("workload.title", lang)),
        dbc.Alert(t("workload.what_it_is_not", lang), color="info", className="small"),
        dbc.Row([controls.year_control(state["year"], lang),
                 controls.region_control(state["region"], lang)], className="mb-2 g-2"),
        html.P(id=ids.WORKLOAD_SUMMARY, className="mb-3", role="status"),
        dbc.Row([
            dbc.Col(chart_card("workload-map", t("workload.map", lang), lang,
                               definition_href="/kpi/judge_need_ratio"), lg=6),
            dbc.Col(chart_card("workload-ranking", t("workload.ranking", lang), lang), lg=6),
        ]),
        _card(t("workload.totals", lang), [html.Div(id=ids.WORKLOAD_TOTALS,
                                                     className="table-responsive")]),
        chart_card("workload-proposal", t("workload.proposal", lang), lang, extra=[
            html.P(t("workload.proposal.caveat", lang), className="small text-muted"),
            html.Fieldset([
                html.Legend(t("workload.within", lang), className="small fw-bold mb-1"),
                dbc.RadioItems(id=ids.WORKLOAD_WITHIN, options=within,
                               value=workload_view.DEFAULT_WITHIN, inline=True),
            ], className="mb-2"),
            html.Div(id=ids.WORKLOAD_MOVES, className="mb-2"),
        ]),
        _card(t("workload.inputs", lang), [
            html.Div(id=ids.WORKLOAD_INPUTS),
            # The weights in force as a case_weights file: edit it, then upload it.
            dbc.Button(t("workload.weights_csv", lang), id=ids.WORKLOAD_WEIGHTS_CSV,
                       size="sm", color="secondary", outline=True, className="mb-2"),
            dcc.Download(id=ids.WORKLOAD_WEIGHTS_DOWNLOAD),
            # In every page so its callback always has its inputs; shown (by the page's
            # callback) to those who may edit, and refused on the server to others.
            html.Div(workload_view.judge_year_form(lang), id=ids.WORKLOAD_FORM, hidden=True),
        ], "workload-inputs-card"),
    ])
