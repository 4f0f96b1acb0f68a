"""The coverage page's parts: the KPIs with low coverage, the court × year matrix (or the
region × year summary of a national court list), the upload warnings and the flags.

Pure builders; the callbacks (callbacks.coverage) read the data and check access.
"""

from __future__ import annotations

import datetime as dt
import json

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from kpi.catalogue import KPIS
from layouts import flags_view
from layouts.format import fmt_coverage, fmt_date
from layouts.i18n import t
from layouts.issues import issue_text

LOW_COVERAGE = 80.0
SOURCES = ("cases", "caseload", "none")
NO_DATE = "—"  # a court (or region) without data has no as-of date


def as_of_line(day: dt.date | None, lang: str) -> list:
    """The day the newest data the reader may see are as of, and what a court's date means."""
    if day is None:
        return [html.P(t("coverage.as_of.none", lang), className="mb-0 text-muted")]
    return [html.P(t("coverage.as_of", lang, date=fmt_date(day, lang)),
                   className="fw-semibold mb-0"),
            html.P(t("coverage.as_of.help", lang), className="small text-muted mb-0")]


def court_dates(as_of: pd.DataFrame) -> dict[str, dt.date]:
    """court_code -> the day its data are as of (from ``as_of_by_court``)."""
    return dict(zip(as_of["court_code"], as_of["as_of"], strict=True))


def region_dates(courts: pd.DataFrame, as_of: pd.DataFrame) -> dict[str, tuple]:
    """region_code -> (earliest, latest) as-of day of its courts with data."""
    dated = courts[["court_code", "region_code"]].merge(as_of, on="court_code")
    spans = dated.groupby("region_code")["as_of"].agg(["min", "max"])
    return {str(r): (lo, hi) for r, lo, hi in spans.itertuples()}


def date_span(span: tuple | None, lang: str) -> str:
    """One day, or the earliest and latest days: 30.09.2026–30.11.2026."""
    if not span:
        return NO_DATE
    lo, hi = (fmt_date(d, lang) for d in span)
    return lo if lo == hi else f"{lo}–{hi}"


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


def _year_head(first: str, years: list, lang: str) -> html.Thead:
    return html.Thead(html.Tr([html.Th(first, scope="col"),
                               html.Th(t("col.as_of", lang), scope="col")]
                              + [html.Th(str(y), scope="col") for y in years]))


def _matrix_table(head: html.Thead, body: list[html.Tr]) -> dbc.Table:
    return dbc.Table([head, html.Tbody(body)], size="sm", bordered=True,
                     className="small coverage-matrix")


def region_matrix(summary: pd.DataFrame, names: dict[str, str], lang: str,
                  dates: dict[str, tuple] | None = None) -> dbc.Table:
    """Region × year (from ``region_summary``): how many courts sent what, each region a
    link to its courts, with the earliest and latest as-of day of its courts."""
    years = sorted(summary["year"].unique())
    dates = dates or {}
    body = []
    for region, rows in summary.groupby("region_code", sort=False):
        by_year = rows.set_index("year")
        tds = [html.Td(dcc.Link(names.get(region, region), href=f"/coverage?region={region}")),
               html.Td(date_span(dates.get(str(region)), lang), className="text-nowrap")]
        for y in years:
            counts = by_year.loc[y] if y in by_year.index else None
            parts = [f"{int(counts[src])} {t(f'court.source.{src}', lang)}"
                     for src in SOURCES
                     if counts is not None and src in counts and counts[src]]
            tds.append(html.Td(" · ".join(parts)))
        body.append(html.Tr(tds))
    return _matrix_table(_year_head(t("col.region", lang), years, lang), body)


def _flag_mark(text: str, lang: str) -> list:
    return [text, " ", html.Span(flags_view.SYMBOL, title=t("flags.chart", lang),
                                 className="flag-mark"),
            html.Span(t("flags.chart", lang), className="visually-hidden")]


def court_matrix(courts: pd.DataFrame, matrix: pd.DataFrame, names: dict[str, str], lang: str,
                 flagged: set[tuple[str, int]] | None = None,
                 dates: dict[str, dt.date] | None = None) -> dbc.Table:
    """Court × year: the day each court's data are as of and what it sent; ⚑ on a
    court-year with a plausibility flag."""
    years = sorted(matrix["year"].unique()) if len(matrix) else []
    cell = {(r.court_code, r.year): r.source for r in matrix.itertuples()}
    flagged = flagged or set()
    dates = dates or {}
    body = []
    for c in courts["court_code"]:
        tds = [html.Td(dcc.Link(names.get(c, c), href=f"/court/{c}")),
               html.Td(fmt_date(dates.get(c), lang) or NO_DATE,
                       className="text-nowrap coverage-as-of")]
        for y in years:
            source = cell.get((c, y), "none")
            text = t(f"court.source.{source}", lang)
            shown = _flag_mark(text, lang) if (c, int(y)) in flagged else text
            tds.append(html.Td(shown, className=f"coverage-{source}"))
        body.append(html.Tr(tds))
    return _matrix_table(_year_head(t("col.court", lang), years, lang), body)


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
