"""Coverage callbacks: court × year matrix, upload warnings, KPIs with low coverage."""

from __future__ import annotations

import json

import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from callbacks.context import Services
from data import repository
from kpi.catalogue import KPIS
from layouts import ids
from layouts.format import fmt_coverage
from layouts.i18n import t

LOW_COVERAGE = 80.0


def register(app, services: Services) -> None:
    @app.callback(
        Output(ids.control("region"), "options", allow_duplicate=True),
        Output(ids.COVERAGE_LOW, "children"),
        Output(ids.COVERAGE_MATRIX, "children"),
        Output(ids.COVERAGE_WARNINGS, "children"),
        Input(ids.page_state("coverage"), "data"),
        prevent_initial_call="initial_duplicate",
    )
    def coverage(state):
        lang = state["lang"]
        names = services.unit_names(lang)
        regions = services.regions()
        options = [{"label": names.get(c, c), "value": c} for c in regions["region_code"]]
        year = services.latest_year(state["year"])
        with services.connect() as conn:
            national = repository.kpi_values(conn, level="national", year=year, category="all")
            matrix = repository.coverage_matrix(conn)
            uploads = repository.uploads_with_warnings(conn)
        low = national[national["coverage"] < LOW_COVERAGE]
        low_view = (html.P(t("coverage.none_low", lang), className="text-muted") if low.empty
                    else dbc.Table([html.Thead(html.Tr([html.Th(t("col.kpi", lang)),
                                                        html.Th(t("col.coverage", lang))])),
                                    html.Tbody([html.Tr([
                                        html.Td(dcc.Link(KPIS[r.kpi].names.get(lang),
                                                         href=f"/kpi/{r.kpi}")),
                                        html.Td(fmt_coverage(r.coverage, lang))])
                                        for r in low.itertuples()])], size="sm"))
        courts = services.courts()
        if state["region"]:
            courts = courts[courts["region_code"] == state["region"]]
        return options, low_view, _matrix(courts, matrix, names, lang), _warnings(uploads, lang)


def _matrix(courts, matrix, names, lang):
    years = sorted(matrix["year"].unique()) if len(matrix) else []
    cell = {(r.court_code, r.year): r.source for r in matrix.itertuples()}
    head = html.Thead(html.Tr([html.Th(t("col.court", lang))]
                              + [html.Th(str(y)) for y in years]))
    body = []
    for c in courts["court_code"]:
        tds = [html.Td(dcc.Link(names.get(c, c), href=f"/court/{c}"))]
        for y in years:
            source = cell.get((c, y), "none")
            tds.append(html.Td(t(f"court.source.{source}", lang),
                               className=f"coverage-{source}"))
        body.append(html.Tr(tds))
    return dbc.Table([head, html.Tbody(body)], size="sm", bordered=True,
                     className="small coverage-matrix")


def issue_text(issue: dict, lang: str) -> str:
    """A stored validation issue as a sentence in ``lang`` (stored English as fallback)."""
    params = {"column": issue.get("column"), "value": issue.get("value"),
              **(issue.get("params") or {})}
    try:
        return t(f"validate.{issue.get('code')}", lang, **params)
    except (KeyError, IndexError, ValueError):
        return issue.get("message", "")


def _warnings(uploads, lang):
    if uploads.empty:
        return html.P(t("coverage.none_warn", lang), className="text-muted")
    items = []
    for u in uploads.itertuples():
        warnings = json.loads(u.warnings or "[]")
        lines = [html.Li(f"{w.get('line') or ''} {w.get('column') or ''}: "
                         f"{issue_text(w, lang)}") for w in warnings[:20]]
        items.append(html.Details([
            html.Summary(f"#{u.id} {u.filename} ({u.kind}) — {u.warning_count}"),
            html.Ul(lines, className="small"),
        ], className="mb-2"))
    return html.Div(items)
