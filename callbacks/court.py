"""Court profile callbacks: header, scorecard vs region and nation, case flow, trends, data."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, html

from callbacks.context import Services, chart_outputs, request_viewer
from data.accounts.access import ANNOTATE
from data.edits import annotations
from kpi import analysis
from kpi.outlook import DEFAULT_HORIZON
from layouts import figures, flags_view, ids, notes_view
from layouts.backlog_view import backlog_outputs
from layouts.components import breadcrumbs, report_link, status_badge, table_data
from layouts.format import fmt_number, fmt_value
from layouts.i18n import t
from layouts.outlook_view import outlook_badge
from layouts.params import payload_state


def scorecard_rows(values: pd.DataFrame, peers: pd.DataFrame, court: str, region: str,
                   year: int, category: str,
                   outlooks: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """One row per KPI: court, region and national values, target, status, percentile,
    and the court's outlook to the horizon (kpi.analysis.scorecard_rows, which the PDF
    report shares, with the page's column names)."""
    rows = analysis.scorecard_rows(values, peers, court, region, year, category, outlooks)
    return rows.rename(columns={"value": "court", "parent": "region"})[
        ["kpi", "court", "region", "national", "target", "status", "percentile", "outlook"]]


def register(app, services: Services) -> None:
    register_backlog(app, services)
    register_notes(app, services)

    @app.callback(Output(ids.BREADCRUMBS, "children", allow_duplicate=True),
                  Output(ids.COURT_HEADER, "children"), Output(ids.COURT_SCORECARD, "children"),
                  Output(ids.COURT_DATA_SENT, "children"), *chart_outputs("flow"),
                  *chart_outputs("trends"), Input(ids.page_state("court"), "data"),
                  prevent_initial_call="initial_duplicate")
    def court_profile(state):
        viewer = request_viewer()
        state = payload_state(state)
        lang, category = state["lang"], state["category"]
        courts = services.directory(viewer)
        match = courts[courts["court_code"] == state["court"]]
        allowed = viewer.may_see_court(state["court"])
        if match.empty or not allowed:
            # To a judge, another court's code is refused whether or not it exists.
            msg = dbc.Alert(t("empty.not_found", lang, what=state["court"]) if allowed
                            else t("error.forbidden", lang), color="warning")
            empty = figures.empty_figure(t("empty.no_data", lang))
            return None, msg, None, None, empty, None, empty, None
        court = match.iloc[0]
        code, region = court["court_code"], court["region_code"]
        names = services.unit_names(viewer, lang)
        year = services.latest_year(state["year"])
        peer_codes = courts[(courts["level"] == court["level"])
                            & (courts["specialization"] == court["specialization"])]["court_code"]
        values = services.kpi_values(viewer, code=[code, region, "KZ"])
        # The percentile among peers names no other court, so all peers count.
        peers = services.peer_values(viewer, code, year, sorted({category, "all"})) \
            if year else None
        flow = services.case_flow(viewer, "court", code, category)
        sent = services.coverage_matrix(viewer)
        own_outlook = services.outlook(viewer, code=code, category=sorted({category, "all"}))
        outlooks = dict(zip(zip(own_outlook["kpi"], own_outlook["category"]),
                            own_outlook["outlook"]))
        header = html.Div([
            html.Div([html.H1(names.get(code, code), className="h3 mb-0 me-auto"),
                      report_link("court", code, state["year"], lang)],
                     className="d-flex align-items-center flex-wrap gap-2"),
            html.P(f"{code} · {names.get(region, region)} · {t('level.' + court['level'], lang)}"
                   f" · {t('spec.' + court['specialization'], lang)}",
                   className="text-muted small"),
            html.P(t("court.peers", lang, level=t("level." + court["level"], lang),
                     spec=t("spec." + court["specialization"], lang), n=len(peer_codes)),
                   className="small"),
        ])
        crumbs = breadcrumbs([(t("nav.national", lang), "/"),
                              (names.get(region, region), f"/kpi/clearance_rate?region={region}"),
                              (names.get(code, code), None)])
        rows = scorecard_rows(values, peers, code, region, year, category, outlooks) \
            if year else None
        table = _scorecard_table(rows, lang) if rows is not None else None
        flagged = services.flags(viewer)
        flagged = flagged[(flagged["court_code"] == code)
                          & ((flagged["category"] == category) | (category == "all"))]
        flow_fig = figures.case_flow_figure(flow, lang, flags_view.rows_for(flagged, lang))
        flow_data = table_data(flow, {"year": t("col.year", lang),
                                      "incoming": t("col.incoming", lang),
                                      "resolved": t("col.resolved", lang),
                                      "pending_end": t("col.pending_end", lang)},
                               f"{code}-case-flow")
        mine = values[(values["code"] == code)
                       & ((values["category"] == category) | (values["category"] == "all"))]
        trends_fig = figures.small_multiples_figure(mine, category, lang)
        trends_data = table_data(mine.assign(name=mine["kpi"]),
                                 {"name": t("col.kpi", lang), "year": t("col.year", lang),
                                  "category": t("control.category", lang),
                                  "value": t("col.value", lang),
                                  "target": t("col.target", lang)}, f"{code}-trends")
        data_sent = _sent_table(sent[sent["court_code"] == code], lang)
        return crumbs, header, table, data_sent, flow_fig, flow_data, trends_fig, trends_data


def register_notes(app, services: Services) -> None:
    @app.callback(Output(ids.COURT_NOTES, "children"), Input(ids.page_state("court"), "data"))
    def court_notes(state):
        state = payload_state(state)
        lang, code = state["lang"], state["court"]
        viewer = request_viewer()
        match = services.directory(viewer)
        match = match[match["court_code"] == code]
        if match.empty or not viewer.may_see_court(code):
            return None
        region = match.iloc[0]["region_code"]
        with services.connect() as conn:
            rows = annotations.notes(conn, viewer, code=[code, region, "KZ"])
        add = f"/notes?unit={code}" + (f"&year={state['year']}" if state["year"] else "") \
            if viewer.can(ANNOTATE) else None
        names = services.unit_names(viewer, lang)
        found = services.flags(viewer)
        found = found[found["court_code"] == code]
        return [html.H3(t("flags.title", lang), className="h6"),
                flags_view.flags_summary(found, lang),
                html.Div(flags_view.flags_table(found, names, lang, with_court=False,
                                                table_id="court-flags"),
                         className="table-responsive"),
                notes_view.notes_aside(rows, names, lang, add)]


def register_backlog(app, services: Services) -> None:
    @app.callback(*chart_outputs("court_backlog"), Output(ids.COURT_BACKLOG_NOTE, "children"),
                  Input(ids.page_state("court"), "data"))
    def court_backlog(state):
        viewer = request_viewer()
        state = payload_state(state)
        code = state.get("court", "")
        if not viewer.may_see_court(code):
            return figures.empty_figure(t("error.forbidden", state["lang"])), None, ""
        rows = services.backlog(viewer, "court", code, state["category"])
        return backlog_outputs(rows, f"{code}-backlog", state["lang"])


def _scorecard_table(rows: pd.DataFrame, lang: str) -> dbc.Table:
    from kpi.catalogue import KPIS

    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in
                               ("col.kpi", "col.court", "col.region", "col.national",
                                "col.target", "col.status", "col.peer_percentile")]
                              + [html.Th(t("outlook.col", lang, horizon=DEFAULT_HORIZON))]))
    body = []
    for r in rows.itertuples():
        k = KPIS[r.kpi]
        pct = "" if r.percentile is None or pd.isna(r.percentile) else fmt_number(
            r.percentile, 0, lang)
        body.append(html.Tr([
            html.Td(k.names.get(lang, k.names["en"])),
            html.Td(fmt_value(r.court, k.unit, lang), className="fw-bold"),
            html.Td(fmt_value(r.region, k.unit, lang)),
            html.Td(fmt_value(r.national, k.unit, lang)),
            html.Td("" if pd.isna(r.target) else fmt_value(r.target, k.unit, lang)),
            html.Td(status_badge(r.status, lang, r.court)),
            html.Td(pct),
            html.Td(outlook_badge(r.outlook, lang)),
        ]))
    return dbc.Table([head, html.Tbody(body)], size="sm", hover=True,
                     className="small kpi-scorecard")


def _sent_table(sent: pd.DataFrame, lang: str):
    if sent.empty:
        return html.P(t("empty.no_data", lang), className="text-muted")
    head = html.Thead(html.Tr([html.Th(t("col.year", lang)), html.Th(t("col.source", lang))]))
    body = [html.Tr([html.Td(str(r.year)), html.Td(t(f"court.source.{r.source}", lang))])
            for r in sent.sort_values("year").itertuples()]
    return dbc.Table([head, html.Tbody(body)], size="sm", className="small")
