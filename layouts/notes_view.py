"""Notes on the figures (issue 15): the /notes page's form and list, and the short list
of notes the explorer and the court profile show next to their charts.

Builders only. A note's text is handed to Dash as a string, never as markup, so it
is shown exactly as written (and markup is refused when a note is saved anyway).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from kpi.catalogue import KPIS
from layouts.components import attrs, confirm_dialog
from layouts.i18n import t

P = "notes-"
UNIT = P + "unit"
YEAR = P + "year"
KPI = P + "kpi"
TEXT = P + "text"
SAVE = P + "save"
CANCEL = P + "cancel"
EDITING = P + "editing"  # dcc.Store: the id of the note being edited, or None
CHANGED = P + "changed"  # dcc.Store: bumped after every save or delete
MESSAGE = P + "message"
FORM = P + "form"
READONLY = P + "readonly"
LIST = P + "list"
FILTER_YEAR = P + "filter-year"
EDIT = P + "edit"  # pattern {"type": EDIT, "index": note id}
DELETE = P + "delete"  # pattern {"type": DELETE, "index": note id}
CONFIRM = P + "confirm"
CONFIRM_BODY = P + "confirm-body"
CONFIRM_OK = P + "confirm-ok"
CONFIRM_CANCEL = P + "confirm-cancel"
PENDING = P + "pending"  # dcc.Store: the id of the note waiting for the delete confirmation
WHOLE_YEAR = "-"  # the KPI select: the note is on the unit's whole year
MAX_TEXT = 2000


def kpi_options(lang: str) -> list[dict]:
    return [{"label": t("notes.whole_year", lang), "value": WHOLE_YEAR}] + [
        {"label": k.names.get(lang, k.names["en"]), "value": k.code} for k in KPIS.values()]


def form(lang: str, unit: str | None, year: int | None, kpi: str | None) -> html.Div:
    """The add / edit form, shown to the roles that may write notes."""
    return html.Div([
        dbc.Row([
            dbc.Col([
                dbc.Label(t("notes.unit", lang), html_for=UNIT, className="small mb-1"),
                # Options come from the callback; the asked unit is one from the start.
                dcc.Dropdown(id=UNIT, value=unit, clearable=False, searchable=True,
                             options=[{"label": unit, "value": unit}] if unit else []),
            ], md=5),
            dbc.Col([
                dbc.Label(t("notes.year", lang), html_for=YEAR, className="small mb-1"),
                dbc.Input(id=YEAR, type="number", min=1990, max=2100, step=1, value=year,
                          size="sm"),
            ], md=2),
            dbc.Col([
                dbc.Label(t("notes.kpi", lang), html_for=KPI, className="small mb-1"),
                dbc.Select(id=KPI, options=kpi_options(lang), size="sm",
                           value=kpi if kpi in KPIS else WHOLE_YEAR),
            ], md=5),
        ], className="g-2 mb-2"),
        dbc.Label(t("notes.text", lang), html_for=TEXT, className="small mb-1"),
        dbc.Textarea(id=TEXT, maxLength=MAX_TEXT, rows=3, className="mb-1"),
        html.P(t("notes.text_help", lang, limit=MAX_TEXT), className="small text-muted"),
        html.Div([
            dbc.Button(t("notes.save", lang), id=SAVE, color="primary", size="sm",
                       className="me-2"),
            dbc.Button(t("notes.cancel", lang), id=CANCEL, color="secondary", outline=True,
                       size="sm"),
        ]),
        html.Div(id=MESSAGE, className="small mt-2", role="status"),
    ], id=FORM, className="d-none")


def confirm_modal(lang: str) -> dbc.Modal:
    return confirm_dialog((CONFIRM, CONFIRM_BODY, CONFIRM_CANCEL, CONFIRM_OK),
                          t("notes.delete.title", lang), t("notes.cancel", lang),
                          t("notes.delete", lang), ok_color="danger")


def kpi_label(kpi: str, lang: str) -> str:
    if not kpi:
        return t("notes.whole_year", lang)
    definition = KPIS.get(kpi)
    return definition.names.get(lang, definition.names["en"]) if definition else kpi


def notes_table(rows: pd.DataFrame, names, lang: str, editable: bool) -> html.Div | html.P:
    """Every note as a row: unit, year, KPI, text, who and when; edit and delete buttons
    for the roles that may write."""
    if rows.empty:
        return html.P(t("notes.none", lang), className="small text-muted")
    header: list[Component | str] = [
        t("notes.unit", lang), t("notes.year", lang), t("notes.kpi", lang),
        t("notes.text", lang), t("notes.by", lang)]
    if editable:
        header.append(html.Span(t("notes.actions", lang), className="visually-hidden"))
    body = []
    for r in rows.itertuples(index=False):
        cells = [html.Td(names.get(r.code, r.code)), html.Td(str(r.year)),
                 html.Td(kpi_label(r.kpi, lang)),
                 html.Td(r.text, className="note-text", style={"whiteSpace": "pre-wrap"}),
                 html.Td(f"{r.updated_by}, {_day(r.updated_at)}", className="text-nowrap")]
        if editable:
            cells.append(html.Td([
                dbc.Button(t("notes.edit", lang), id={"type": EDIT, "index": int(r.id)},
                           size="sm", color="secondary", outline=True, className="me-1",
                           title=t("notes.edit_one", lang, unit=names.get(r.code, r.code),
                                   year=r.year)),
                dbc.Button(t("notes.delete", lang), id={"type": DELETE, "index": int(r.id)},
                           size="sm", color="danger", outline=True,
                           title=t("notes.delete_one", lang, unit=names.get(r.code, r.code),
                                   year=r.year)),
            ], className="text-nowrap"))
        body.append(html.Tr(cells, **attrs(data_note=str(int(r.id)))))
    return html.Div(html.Table([
        html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
        html.Tbody(body),
    ], className="table table-sm small align-middle"), className="table-responsive")


def _day(moment) -> str:
    try:
        return pd.Timestamp(moment).strftime("%Y-%m-%d")
    except (TypeError, ValueError):
        return ""


def notes_aside(rows: pd.DataFrame, names, lang: str, add_href: str | None) -> html.Div:
    """The notes next to a chart (explorer, court profile): year, unit, text; a link to
    add one for the roles that may."""
    items = [html.Li([html.Strong(f"{r.year} · {names.get(r.code, r.code)}"),
                      f" ({kpi_label(r.kpi, lang)})" if r.kpi else "", ": ",
                      html.Span(r.text, style={"whiteSpace": "pre-wrap"})])
             for r in rows.itertuples(index=False)]
    parts: list[Component] = [html.H3(t("notes.title", lang), className="h6 mb-1")]
    parts.append(html.Ul(items, className="small mb-1") if items else
                 html.P(t("notes.none_here", lang), className="small text-muted mb-1"))
    if add_href:
        parts.append(dcc.Link(t("notes.add", lang), href=add_href, className="small"))
    return html.Div(parts, className="notes-aside mt-2")
