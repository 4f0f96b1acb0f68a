"""Coverage callbacks: court × year matrix, upload warnings, KPIs with low coverage."""

from __future__ import annotations

import json

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, dcc, html

from callbacks.context import Services, request_viewer, unit_options
from data.accounts.access import VIEW_ALL
from data.store import upload_records
from kpi.catalogue import KPIS
from layouts import flags_view, ids
from layouts.format import fmt_coverage
from layouts.i18n import t
from layouts.issues import issue_text
from layouts.params import payload_state
from web.guard import require

LOW_COVERAGE = 80.0
MAX_COURT_ROWS = 100


def register(app, services: Services) -> None:
    register_flags(app, services)

    @app.callback(Output(ids.control("region"), "options", allow_duplicate=True),
                  Output(ids.COVERAGE_LOW, "children"), Output(ids.COVERAGE_MATRIX, "children"),
                  Output(ids.COVERAGE_WARNINGS, "children"),
                  Input(ids.page_state("coverage"), "data"),
                  prevent_initial_call="initial_duplicate")
    def coverage(state):
        viewer = request_viewer()
        state = payload_state(state)
        require(VIEW_ALL)
        lang = state["lang"]
        names = services.unit_names(viewer, lang)
        regions = services.regions()
        options = unit_options(names, regions["region_code"])
        year = services.latest_year(state["year"])
        with services.connect() as conn:
            national = services.kpi_values(viewer, level="national", year=year, category="all")
            matrix = services.coverage_matrix(viewer)
            uploads = upload_records.uploads_with_warnings(conn)
        low = national[national["coverage"] < LOW_COVERAGE]
        low_view = (html.P(t("coverage.none_low", lang), className="text-muted") if low.empty
                    else dbc.Table([html.Thead(html.Tr([html.Th(t("col.kpi", lang)),
                                                        html.Th(t("col.coverage", lang))])),
                                    html.Tbody([html.Tr([
                                        html.Td(dcc.Link(KPIS[r.kpi].names.get(lang),
                                                         href=f"/kpi/{r.kpi}")),
                                        html.Td(fmt_coverage(r.coverage, lang))])
                                        for r in low.itertuples()])], size="sm"))
        courts = services.courts(viewer)
        if state["region"]:
            courts = courts[courts["region_code"] == state["region"]]
        elif len(courts) > MAX_COURT_ROWS:
            # A national court list is thousands of cells the browser takes seconds to
            # draw: show regions, each a link to its courts.
            summary = region_summary(courts, matrix)
            return options, low_view, _region_matrix(summary, names, lang), \
                _warnings(uploads, lang)
        found = services.flags(viewer)
        flagged = set(zip(found["court_code"], found["year"].astype(int)))
        return options, low_view, _matrix(courts, matrix, names, lang, flagged), \
            _warnings(uploads, lang)


def register_flags(app, services: Services) -> None:
    @app.callback(Output(ids.COVERAGE_FLAGS, "children"),
                  Input(ids.page_state("coverage"), "data"))
    def coverage_flags(state):
        viewer = request_viewer()
        state = payload_state(state)
        require(VIEW_ALL)
        lang = state["lang"]
        found = services.flags(viewer)
        if state["year"]:
            found = found[found["year"] == state["year"]]
        if state["region"]:
            courts = services.directory(viewer)
            inside = set(courts.loc[courts["region_code"] == state["region"], "court_code"])
            found = found[found["court_code"].isin(inside)]
        names = services.unit_names(viewer, lang)
        return [flags_view.flags_summary(found, lang),
                flags_view.flags_table(found, names, lang, table_id="flags-table")]


def region_summary(courts: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    """Per region and year: how many courts sent case-level data, aggregates or nothing."""
    years = sorted(matrix["year"].unique()) if len(matrix) else []
    grid = courts[["court_code", "region_code"]].merge(pd.DataFrame({"year": years}),
                                                       how="cross")
    grid = grid.merge(matrix, on=["court_code", "year"], how="left")
    grid["source"] = grid["source"].fillna("none")
    return grid.groupby(["region_code", "year", "source"]).size().unstack(
        "source", fill_value=0).reset_index()


def _region_matrix(summary: pd.DataFrame, names, lang):
    years = sorted(summary["year"].unique())
    head = html.Thead(html.Tr([html.Th(t("col.region", lang))]
                              + [html.Th(str(y)) for y in years]))
    body = []
    for region, rows in summary.groupby("region_code", sort=False):
        by_year = rows.set_index("year")
        tds = [html.Td(dcc.Link(names.get(region, region), href=f"/coverage?region={region}"))]
        for y in years:
            counts = by_year.loc[y] if y in by_year.index else None
            parts = [f"{int(counts[src])} {t(f'court.source.{src}', lang)}"
                     for src in ("cases", "caseload", "none")
                     if counts is not None and src in counts and counts[src]]
            tds.append(html.Td(" · ".join(parts)))
        body.append(html.Tr(tds))
    return dbc.Table([head, html.Tbody(body)], size="sm", bordered=True,
                     className="small coverage-matrix")


def _matrix(courts, matrix, names, lang, flagged: set | None = None):
    """Court × year: what each sent; ⚑ on a court-year with a plausibility flag."""
    years = sorted(matrix["year"].unique()) if len(matrix) else []
    cell = {(r.court_code, r.year): r.source for r in matrix.itertuples()}
    flagged = flagged or set()
    head = html.Thead(html.Tr([html.Th(t("col.court", lang))]
                              + [html.Th(str(y)) for y in years]))
    body = []
    for c in courts["court_code"]:
        tds = [html.Td(dcc.Link(names.get(c, c), href=f"/court/{c}"))]
        for y in years:
            source = cell.get((c, y), "none")
            text = t(f"court.source.{source}", lang)
            if (c, int(y)) in flagged:
                text = [text, " ", html.Span(flags_view.SYMBOL, title=t("flags.chart", lang),
                                             className="flag-mark"),
                        html.Span(t("flags.chart", lang), className="visually-hidden")]
            tds.append(html.Td(text, className=f"coverage-{source}"))
        body.append(html.Tr(tds))
    return dbc.Table([head, html.Tbody(body)], size="sm", bordered=True,
                     className="small coverage-matrix")


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
