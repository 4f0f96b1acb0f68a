"""The court profile's builders: the header and breadcrumbs, the scorecard against the
region and the nation, the case flow and trends with their tables, the data sent, and
the flags and notes beside them (pure; the callbacks read)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html
from dash.development.base_component import Component

from kpi import analysis
from kpi.catalogue import KPIS
from kpi.outlook import DEFAULT_HORIZON
from layouts import figures, flags_view, notes_view
from layouts.components import attrs, breadcrumbs, report_link, status_badge, table_data
from layouts.format import fmt_number, fmt_value
from layouts.i18n import t
from layouts.outlook_view import outlook_badge

SCORECARD_COLUMNS = ["kpi", "court", "region", "national", "target", "status", "percentile",
                     "outlook"]


def scorecard_rows(values: pd.DataFrame, peers: pd.DataFrame, court: str, region: str,
                   year: int, category: str,
                   outlooks: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """One row per KPI: court, region and national values, target, status, percentile,
    and the court's outlook to the horizon (kpi.analysis.scorecard_rows, which the PDF
    report shares, with the page's column names)."""
    rows = analysis.scorecard_rows(values, peers, court, region, year, category, outlooks)
    return rows.rename(columns={"value": "court", "parent": "region"})[SCORECARD_COLUMNS]


def refused(court: str, allowed: bool, lang: str) -> tuple:
    """The profile's outputs for a court that does not exist or may not be seen: to a
    judge, another court's code is refused whether or not it exists."""
    msg = dbc.Alert(t("empty.not_found", lang, what=court) if allowed
                    else t("error.forbidden", lang), color="warning")
    empty = figures.empty_figure(t("empty.no_data", lang))
    return None, msg, None, None, None, empty, None, None, None


def header(court: pd.Series, names, peers: int, year: int | None, lang: str,
           part: str | None = None) -> html.Div:
    """The court's name, report link, region, level, specialisation and peer group."""
    code, region = court["court_code"], court["region_code"]
    level, spec = t("level." + court["level"], lang), t("spec." + court["specialization"], lang)
    return html.Div([
        html.Div([html.H1(names.get(code, code), className="h3 mb-0 me-auto"),
                  report_link("court", code, year, lang, part)],
                 className="d-flex align-items-center flex-wrap gap-2"),
        html.P(f"{code} · {names.get(region, region)} · {level} · {spec}",
               className="text-muted small"),
        html.P(t("court.peers", lang, level=level, spec=spec, n=peers), className="small"),
    ])


def crumbs(code: str, region: str, names, lang: str) -> Component:
    return breadcrumbs([(t("nav.national", lang), "/"),
                        (names.get(region, region), f"/kpi/clearance_rate?region={region}"),
                        (names.get(code, code), None)])


def scorecard_table(rows: pd.DataFrame, lang: str) -> dbc.Table:
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


def gap_list(lines: list[tuple[str, str]], lang: str) -> Component | None:
    """The court's part of its region's and the nation's gap, per KPI off target:
    (KPI name, sentence) pairs; nothing when no scope of the court is off target."""
    if not lines:
        return None
    return html.Div([html.H3(t("gap.title", lang), className="h6 mt-3"),
                     html.Ul([html.Li([html.Strong(name + ": "), text]) for name, text in lines],
                             className="small mb-0")], id="court-gap-list")


def sent_table(sent: pd.DataFrame, lang: str) -> Component:
    if sent.empty:
        return html.P(t("empty.no_data", lang), className="text-muted")
    head = html.Thead(html.Tr([html.Th(t("col.year", lang)), html.Th(t("col.source", lang))]))
    body = [html.Tr([html.Td(str(r.year)), html.Td(t(f"court.source.{r.source}", lang))])
            for r in sent.sort_values("year").itertuples()]
    return dbc.Table([head, html.Tbody(body)], size="sm", className="small")


def flow_outputs(flow: pd.DataFrame, flagged: pd.DataFrame, code: str, lang: str) -> tuple:
    """(figure, table payload) of the court's case flow, with its flags marked."""
    fig = figures.case_flow_figure(flow, lang, flags_view.rows_for(flagged, lang))
    data = table_data(flow, {"year": t("col.year", lang), "incoming": t("col.incoming", lang),
                             "resolved": t("col.resolved", lang),
                             "pending_end": t("col.pending_end", lang)}, f"{code}-case-flow")
    return fig, data


def trends_outputs(values: pd.DataFrame, code: str, category: str, lang: str) -> tuple:
    """(small multiples, table payload) of the court's KPIs over the years."""
    mine = values[(values["code"] == code)
                  & ((values["category"] == category) | (values["category"] == "all"))]
    data = table_data(mine.assign(name=mine["kpi"]),
                      {"name": t("col.kpi", lang), "year": t("col.year", lang),
                       "category": t("control.category", lang), "value": t("col.value", lang),
                       "target": t("col.target", lang)}, f"{code}-trends")
    return trends_grid(figures.small_multiples(mine, category), lang), data


def trends_grid(panels: list[figures.SmallMultiple], lang: str) -> html.Div:
    """Each KPI's trend as a small static image with its name and latest value (the
    target dashed), in a grid that wraps to the screen's width."""
    cells = []
    for panel in panels:
        name = panel.kpi.names.get(lang, panel.kpi.names["en"])
        body: list[Component] = [html.H3(name, className="small-multiple-name")]
        if panel.svg is None or panel.last is None or panel.span is None:
            body.append(html.P(t("fig.no_data", lang), className="small text-muted mb-0"))
        else:
            first, last = panel.span
            alt = t("tile.trend_target" if panel.has_target else "tile.trend", lang,
                    first=first, last=last)
            body += [html.P(f"{panel.last[0]}: {fmt_value(panel.last[1], panel.kpi.unit, lang)}",
                            className="small mb-1"),
                     html.Img(src=figures.svg_data_uri(panel.svg), alt=alt, title=alt,
                              className="small-multiple-img"),
                     html.Div([html.Span(str(first)), html.Span(str(last))],
                              className="small-multiple-years", **attrs(aria_hidden="true"))]
        cells.append(html.Div(body, className="small-multiple"))
    return html.Div(cells, className="small-multiples")


def notes_panel(found: pd.DataFrame, notes: pd.DataFrame, names, lang: str,
                add: str | None) -> list:
    """The court's plausibility flags and the notes on its figures."""
    return [html.H3(t("flags.title", lang), className="h6"),
            flags_view.flags_summary(found, lang),
            html.Div(flags_view.flags_table(found, names, lang, with_court=False,
                                            table_id="court-flags"),
                     className="table-responsive"),
            notes_view.notes_aside(notes, names, lang, add)]


def in_year_card(line, message: str | None, ahead: pd.DataFrame, warned: pd.DataFrame,
                 lang: str):
    """The period the page shows, and during the year in progress each KPI's year to
    date, the same months a year before and its projection to the year's end, with
    whether the court is on the scorecard's early-warning list."""
    body: list = [line]
    if message:
        body.append(html.P(message, className="small text-muted"))
    own = ahead[ahead["category"] == "all"] if len(ahead) else ahead
    if len(warned):
        kpis = ", ".join(KPIS[k].names.get(lang, KPIS[k].names["en"]) for k in warned["kpi"])
        body.append(dbc.Alert(t("court.warning", lang, kpis=kpis), color="warning",
                              className="py-2 small"))
    if len(own):
        labels = [t(k, lang) for k in ("col.kpi", "period.part.ytd", "period.col.before",
                                       "period.col.yearend", "col.target", "col.status")]
        head = html.Thead(html.Tr([html.Th(label, **attrs(role="columnheader"))
                                   for label in labels], **attrs(role="row")),
                          **attrs(role="rowgroup"))
        rows = []
        for r in own.itertuples():
            k = KPIS[r.kpi]
            cells: list[str | Component] = [
                k.names.get(lang, k.names["en"]), fmt_value(r.ytd_value, k.unit, lang),
                fmt_value(r.same_period_last_year, k.unit, lang),
                fmt_value(r.projected, k.unit, lang), fmt_value(r.target, k.unit, lang),
                status_badge(r.status, lang, r.projected)]
            # On a phone each cell shows its column's name (assets/app.css, .table-stack).
            rows.append(html.Tr([html.Td(cell, **attrs(role="cell", data_label=label))
                                 for cell, label in zip(cells, labels, strict=True)],
                                **attrs(role="row")))
        body.append(html.Div(html.Table([head, html.Tbody(rows, **attrs(role="rowgroup"))],
                                        className="table table-sm small mb-0 table-stack",
                                        **attrs(role="table")),
                             className="table-responsive"))
    return dbc.Card(dbc.CardBody(body), className="mb-3")
