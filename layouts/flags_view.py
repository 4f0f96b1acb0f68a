"""Plausibility flags where people read them (issue 15): the ranked table of /coverage,
the court profile and the upload review, and the sentence of each flag.

Builders only: the flags come from data.derive.flags (through callbacks), already scoped.
"""

from __future__ import annotations

import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from data.ingest import names as contract_names
from kpi.plausibility import messages
from layouts.components import attrs
from layouts.format import fmt_number
from layouts.i18n import t

SHOWN = 100  # rows on a page; the API and the CLI give every flag
SYMBOL = "⚑"


def field_name(field: str, lang: str) -> str:
    """A figure's name as the page's language writes it (the contract's in English)."""
    return contract_names.header_name(field, lang)


def rows_for(found: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The flags with their sentence in ``lang`` (pure)."""
    return found.assign(message=messages(found, t, lang)) if len(found) \
        else found.assign(message=pd.Series(dtype=str))


def flags_table(found: pd.DataFrame, unit_names, lang: str, with_court: bool = True,
                table_id: str | None = None) -> html.Div | html.P:
    """Most implausible first: court, year, category, figure, what is wrong, score, and
    whether a note explains it."""
    if found.empty:
        return html.P(t("flags.none", lang), className="small text-muted mb-0")
    shown = rows_for(found.head(SHOWN), lang)
    header = ([t("col.court", lang)] if with_court else []) + [
        t("col.year", lang), t("flags.col.category", lang), t("flags.col.field", lang),
        t("flags.col.check", lang), t("flags.col.score", lang), t("flags.col.status", lang)]
    body = []
    for r in shown.itertuples(index=False):
        court = [html.Td(dcc.Link(unit_names.get(r.court_code, r.court_code),
                                  href=f"/court/{r.court_code}"))] if with_court else []
        note = getattr(r, "note", "") or ""
        status = (html.Span([html.Span("✔ ", **attrs(aria_hidden="true")),
                             t("flags.explained", lang), html.Br(),
                             html.Span(note, className="text-muted",
                                       style={"whiteSpace": "pre-wrap"})])
                  if note else html.Span([html.Span(f"{SYMBOL} ", **attrs(aria_hidden="true")),
                                          t("flags.to_check", lang)]))
        body.append(html.Tr(court + [
            html.Td(str(int(r.year))),
            html.Td(t(f"category.{r.category}", lang) if r.category else "—"),
            html.Td(field_name(r.field, lang)),
            html.Td([html.Strong(t(f"flags.name.{r.rule}", lang)), html.Br(),
                     html.Span(r.message, className="small")]),
            html.Td(fmt_number(float(r.score), 1, lang), className="text-end"),
            html.Td(status, className="small"),
        ], className="flag-explained" if note else "flag-open"))
    parts: list[Component] = [
        html.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
                    html.Tbody(body)],
                   className="table table-sm small align-middle", id=table_id)]
    if len(found) > SHOWN:
        parts.append(html.P(t("flags.more", lang, n=fmt_number(len(found) - SHOWN, 0, lang)),
                            className="small text-muted"))
    return html.Div(parts)


def flags_summary(found: pd.DataFrame, lang: str) -> html.P | None:
    """"12 figures look implausible, 3 of them explained by a note." (None when there
    are none: the table says so.)"""
    if found.empty:
        return None
    open_ = int((found.get("note", pd.Series("", index=found.index)) == "").sum())
    return html.P(t("flags.summary", lang, n=fmt_number(len(found), 0, lang),
                    explained=fmt_number(len(found) - open_, 0, lang)),
                  className="small mb-2")
