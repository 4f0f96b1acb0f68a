"""Reusable components: chart cards with table view and downloads, status badges, tiles.

Builders only: they take data and return components, and never query.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from kpi.catalogue import KpiDef
from layouts import ids
from layouts.export import plain_values
from layouts.format import fmt_coverage, fmt_value
from layouts.i18n import t

STATUS_ICONS = {"green": "✔", "amber": "●", "red": "✖", "none": "—"}
STATUS_CLASS = {"green": "status-green", "amber": "status-amber", "red": "status-red",
                "none": "status-none"}
GRAPH_CONFIG: dcc.Graph.Config = {"displaylogo": False, "responsive": True,
                                  "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
# Charts far below the fold of their page (the court profile's three): their figures come
# with the page in a store and Plotly draws each when it scrolls into view
# (assets/lazy_charts.js, callbacks.navigation), so a page is drawn without them.
LAZY_CHARTS = frozenset({"flow", "court_backlog", "court_seasonal"})


def attrs(**values: str) -> dict[str, Any]:
    """HTML attributes whose names have a hyphen, ``aria_live="polite"`` for
    ``aria-live``, passed as ``**attrs(...)``. Dash takes ``aria-*`` and ``data-*``
    through ``**kwargs``; a literal ``**{"aria-live": ...}`` would be checked by mypy
    against every keyword parameter of the component instead."""
    return {name.replace("_", "-"): value for name, value in values.items()}


def status_badge(status: str, lang: str, value=0.0) -> html.Span:
    """Status as icon and word, with colour only as a third cue.

    Without a value there is nothing to judge: the badge says "no data", not "no target".
    """
    word = t(f"status.{status}", lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        status, word = "none", t("empty.no_data", lang)
    return html.Span([html.Span(STATUS_ICONS[status], **attrs(aria_hidden="true")), " ", word],
                     className=f"status-badge {STATUS_CLASS[status]}")


def chart_card(name: str, title: str, lang: str, definition_href: str | None = None,
               height: int | None = None, extra: list | None = None,
               body_id: str | None = None) -> dbc.Card:
    """A chart with its table view, CSV/Excel downloads and a link to the definition;
    with ``body_id``, a container of that id (static images, say) instead of a Plotly
    chart."""
    header: list[Component] = [html.H2(title, className="h6 mb-0 me-auto")]
    if definition_href:
        header.append(dcc.Link(t("chart.definition", lang), href=definition_href,
                               className="small me-2"))
    header += [
        dbc.Button(t("chart.table", lang), id=ids.chart(ids.CHART_TABLE_TOGGLE, name),
                   size="sm", color="link", className="p-0 me-2"),
        dbc.Button("CSV", id=ids.chart(ids.CHART_CSV, name), size="sm",
                   color="secondary", outline=True, className="me-1"),
        dbc.Button("Excel", id=ids.chart(ids.CHART_XLSX, name), size="sm",
                   color="secondary", outline=True),
    ]
    # dcc.Graph must not get style=None (Dash 4 reads style.height).
    graph_style = {"height": f"{height}px"} if height else {}
    if body_id:
        body: list[Component] = [html.Div(id=body_id)]
    elif name in LAZY_CHARTS:
        body = lazy_chart(name, graph_style)
    else:
        body = [dcc.Loading(dcc.Graph(id=ids.chart(ids.CHART_GRAPH, name), config=GRAPH_CONFIG,
                                      style=graph_style), delay_show=300)]
    return dbc.Card([
        dbc.CardHeader(html.Div(header, className="d-flex align-items-center flex-wrap gap-1")),
        dbc.CardBody([
            *(extra or []),
            *body,
            dbc.Collapse(html.Div(id=ids.chart(ids.CHART_TABLE, name),
                                  className="table-responsive"),
                         id=ids.chart(ids.CHART_TABLE_COLLAPSE, name), is_open=False),
            dcc.Store(id=ids.chart(ids.CHART_DATA, name)),
            dcc.Store(id=ids.chart(ids.CHART_TABLE_STALE, name)),
            dcc.Download(id=ids.chart(ids.CHART_DOWNLOAD, name)),
        ]),
    ], className="mb-3 chart-card")


def lazy_chart(name: str, graph_style: dict) -> list[Component]:
    """The box a lazy chart is drawn into once seen, the store of its figure and the flag
    the browser sets when the box scrolls into view. The box keeps the chart's height
    meanwhile, so nothing below it moves."""
    graph = json.dumps({"config": GRAPH_CONFIG, "style": graph_style})
    return [html.Div(id=ids.chart(ids.CHART_BOX, name), className="lazy-chart",
                     style={"minHeight": graph_style.get("height", "450px")},
                     **attrs(data_lazy_chart=name, data_graph=graph)),
            dcc.Store(id=ids.chart(ids.CHART_FIGURE, name)),
            dcc.Store(id=ids.chart(ids.CHART_SEEN, name))]


def table_data(frame: pd.DataFrame, columns: dict[str, str], filename: str) -> dict:
    """What a chart shows, as a store payload: column labels, rows and a file name."""
    values = [plain_values(frame[c]) for c in columns]
    rows = [list(row) for row in zip(*values)] if values else []
    return {"columns": list(columns.values()), "rows": rows, "filename": filename}


def data_table(payload: dict | None, lang: str) -> html.Table | html.P:
    if not payload or not payload.get("rows"):
        return html.P(t("empty.no_data", lang), className="text-muted small")
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in payload["columns"]]))
    body = html.Tbody([html.Tr([html.Td(_cell(v, lang)) for v in row])
                       for row in payload["rows"]])
    return html.Table([head, body], className="table table-sm table-striped small")


def _cell(v, lang: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return t("empty.no_data", lang)
    if isinstance(v, float):
        return f"{v:,.2f}".replace(",", " ")
    return str(v)


def kpi_tile(kpi: KpiDef, row: pd.Series | None, change: float | None,
             sparkline: tuple[str, str] | None, href: str, lang: str,
             outlook: html.Div | None = None, gap: html.Div | None = None,
             change_key: str = "tile.change", extra: list | None = None) -> dbc.Card:
    """One KPI of the scorecard: value, target, status, change, the outlook to the
    horizon (or, during the year, the projection to its end) and a small trend.

    ``sparkline``: (image source, text alternative) of the trend, or None;
    ``change_key``: how the change is said (on the previous year, or on the same period
    of it); ``extra``: more lines under the details (the same period last year).
    """
    value = None if row is None else row["value"]
    status = "none" if row is None else row["status"]
    body = [
        dcc.Link(html.H3(kpi.names.get(lang, kpi.names["en"]), className="h6 mb-1 kpi-name"),
                 href=href),
        html.Div(fmt_value(value, kpi.unit, lang), className="kpi-value"),
        html.Div([status_badge(status, lang, value)], className="mb-1"),
    ]
    details = []
    if row is not None and not pd.isna(row["target"]):
        target = t("tile.target", lang, value=fmt_value(row["target"], kpi.unit, lang))
        if bool(row["illustrative"]):
            target += " " + t("tile.illustrative", lang)
        details.append(html.Div(target))
    if change is not None and not math.isnan(change):
        arrow = "▲" if change > 0 else ("▼" if change < 0 else "■")
        details.append(html.Div(t(change_key, lang, arrow=arrow,
                                  value=fmt_value(abs(change), kpi.unit, lang))))
    details += [line for line in (extra or []) if line is not None]
    if row is not None and not pd.isna(row["coverage"]) and row["coverage"] < 99.95:
        details.append(html.Div(t("tile.coverage", lang, value=fmt_coverage(row["coverage"])),
                                className="text-warning-emphasis"))
    body.append(html.Div(details, className="small text-muted"))
    if outlook is not None:
        body.append(outlook)
    if gap is not None:
        body.append(gap)
    if sparkline is not None:
        src, alt = sparkline
        body.append(html.Img(src=src, alt=alt, title=alt, className="kpi-sparkline"))
    return dbc.Card(dbc.CardBody(body, className="p-2"),
                    className=f"kpi-tile h-100 border-start border-4 {STATUS_CLASS[status]}")


def alert(children, color: str, details=None) -> dbc.Alert:
    """A dismissable message after an action; ``details`` (a list, say) under a bold
    first line."""
    body = children if details is None else [html.Div(children, className="fw-semibold"),
                                              details]
    return dbc.Alert(body, color=color, dismissable=True, className="py-2")


def confirm_dialog(ids: tuple[str, str, str, str], title: str, cancel: str, ok: str,
                   ok_color: str = "primary") -> dbc.Modal:
    """A confirmation dialog: ``ids`` = (dialog, body, cancel button, ok button)."""
    dialog, body, cancel_id, ok_id = ids
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(title)),
        dbc.ModalBody(id=body),
        dbc.ModalFooter([
            dbc.Button(cancel, id=cancel_id, color="secondary", outline=True),
            dbc.Button(ok, id=ok_id, color=ok_color),
        ]),
    ], id=dialog, is_open=False)


def report_link(level: str, code: str | None, year: int | None, lang: str,
                part: str | None = None) -> html.A:
    """"Report (PDF)": the unit's report of the period the page shows (its year and
    part; "page": the page's default, the year to date of a year in progress): the
    annual report of a whole year, the monitoring report of a part of one, from GET
    /api/v1/report (which checks who asks, like every API route)."""
    params = {"level": level, "code": code, "year": year, "part": part or "page",
              "lang": lang}
    query = "&".join(f"{k}={quote(str(v))}" for k, v in params.items() if v)
    return html.A(t("report.button", lang), href=f"/api/v1/report?{query}", download="",
                  className="btn btn-outline-secondary btn-sm report-link",
                  title=t("report.button_title", lang))


def breadcrumbs(items: Sequence[tuple[str, str | None]]) -> html.Nav:
    """National › Region › Court: (label, href or None for the current page)."""
    parts: list[Component] = []
    for i, (label, href) in enumerate(items):
        if i:
            parts.append(html.Span(" › ", className="text-muted"))
        parts.append(dcc.Link(label, href=href) if href else html.Span(label, className="fw-bold"))
    return html.Nav(parts, className="small mb-2", **attrs(aria_label="breadcrumb"))


def synthetic_banner(is_synthetic: bool, lang: str) -> dbc.Alert | None:
    if not is_synthetic:
        return None
    return dbc.Alert(t("banner.synthetic", lang), color="warning", className="py-2 mt-2 mb-0")


def forbidden() -> dbc.Alert:
    """What a page shows to someone whose role does not include it."""
    from layouts.i18n import request_language

    return dbc.Alert(t("error.forbidden", request_language()), color="warning",
                     id="forbidden", className="mt-3")


def page_store(name: str, state: dict, **extra) -> dcc.Store:
    """The page's state (from its URL) that its callbacks start from."""
    return dcc.Store(id=ids.page_state(name), data={**state, "page": name, **extra})


def page_top(name: str, state: dict, title: str) -> list:
    """What a page begins with: its state and its heading."""
    return [page_store(name, state), html.H1(title, className="h3 mt-3")]
