"""The coverage page's parts: the KPIs with low coverage, the court × year matrix (or the
region × year summary of a national court list), the upload warnings and the flags.

Pure builders; the callbacks (callbacks.coverage) read the data and check access.
"""

from __future__ import annotations

import json

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from kpi.catalogue import KPIS
from layouts import flags_view
from layouts.format import fmt_coverage
from layouts.i18n import t
from layouts.issues import issue_text

LOW_COVERAGE = 80.0
SOURCES = ("cases", "caseload", "none")


def low_coverage(national: pd.DataFrame, lang: str) -> html.P | dbc.Table:
    """The national KPIs whose coverage is below LOW_COVERAGE, each a link to its page."""
    low = national[national["coverage"] < LOW_COVERAGE]
    if low.empty:
        return html.P(t("coverage.none_low", lang), className="text-muted")
    head = html.Thead(html.Tr([html.Th(t("col.kpi", lang)), html.Th(t("col.coverage", lang))]))
    body = html.Tbody([html.Tr([
        html.Td(dcc.Link(KPIS[r.kpi].names.get(lang), href=f"/kpi/{r.kpi}")),
        html.Td(fmt_coverage(r.coverage, lang))])
        for r in low.itertuples()])
    return dbc.Table([head, body], size="sm")


def region_summary(courts: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    """Per region and year: how many courts sent case-level data, aggregates or nothing."""
    years = sorted(matrix["year"].unique()) if len(matrix) else []
    grid = courts[["court_code", "region_code"]].merge(pd.DataFrame({"year": years}),
                                                       how="cross")
    grid = grid.merge(matrix, on=["court_code", "year"], how="left")
    grid["source"] = grid["source"].fillna("none")
    return grid.groupby(["region_code", "year", "source"]).size().unstack(
        "source", fill_value=0).reset_index()


def _year_head(first: str, years: list) -> html.Thead:
    return html.Thead(html.Tr([html.Th(first)] + [html.Th(str(y)) for y in years]))


def _matrix_table(head: html.Thead, body: list[html.Tr]) -> dbc.Table:
    return dbc.Table([head, html.Tbody(body)], size="sm", bordered=True,
                     className="small coverage-matrix")


def region_matrix(summary: pd.DataFrame, names: dict[str, str], lang: str) -> dbc.Table:
    """Region × year (from ``region_summary``): how many courts sent what, each region a
    link to its courts."""
    years = sorted(summary["year"].unique())
    body = []
    for region, rows in summary.groupby("region_code", sort=False):
        by_year = rows.set_index("year")
        tds = [html.Td(dcc.Link(names.get(region, region), href=f"/coverage?region={region}"))]
        for y in years:
            counts = by_year.loc[y] if y in by_year.index else None
            parts = [f"{int(counts[src])} {t(f'court.source.{src}', lang)}"
                     for src in SOURCES
                     if counts is not None and src in counts and counts[src]]
            tds.append(html.Td(" · ".join(parts)))
        body.append(html.Tr(tds))
    return _matrix_table(_year_head(t("col.region", lang), years), body)


def _flag_mark(text: str, lang: str) -> list:
    return [text, " ", html.Span(flags_view.SYMBOL, title=t("flags.chart", lang),
                                 className="flag-mark"),
            html.Span(t("flags.chart", lang), className="visually-hidden")]


def court_matrix(courts: pd.DataFrame, matrix: pd.DataFrame, names: dict[str, str], lang: str,
                 flagged: set[tuple[str, int]] | None = None) -> dbc.Table:
    """Court × year: what each sent; ⚑ on a court-year with a plausibility flag."""
    years = sorted(matrix["year"].unique()) if len(matrix) else []
    cell = {(r.court_code, r.year): r.source for r in matrix.itertuples()}
    flagged = flagged or set()
    body = []
    for c in courts["court_code"]:
        tds = [html.Td(dcc.Link(names.get(c, c), href=f"/court/{c}"))]
        for y in years:
            source = cell.get((c, y), "none")
            text = t(f"court.source.{source}", lang)
            shown = _flag_mark(text, lang) if (c, int(y)) in flagged else text
            tds.append(html.Td(shown, className=f"coverage-{source}"))
        body.append(html.Tr(tds))
    return _matrix_table(_year_head(t("col.court", lang), years), body)


def upload_warnings(uploads: pd.DataFrame, lang: str) -> html.P | html.Div:
    """The uploads loaded with warnings, each a folded list of its first 20 warnings."""
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


def flags(found: pd.DataFrame, names: dict[str, str], lang: str) -> list:
    """The plausibility flags part: a summary line and the ranked table."""
    return [flags_view.flags_summary(found, lang),
            flags_view.flags_table(found, names, lang, table_id="flags-table")]
