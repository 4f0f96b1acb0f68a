"""The targets page's parts: component IDs, grid columns and rows, the change log.

Pure builders; the callbacks fetch the data. Numbers in the grid are plain text in
the reader's notation ("95,5" in Kazakh and Russian), checked on the server by the
data contract's rules when saved.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from dash import html

from data.edits.targets_edit import Key
from kpi.catalogue import CATALOGUE, KPIS, TARGET_YEARS
from layouts.i18n import t
from layouts.uploads_view import fmt_datetime

GRID = "targets-grid"
SCOPE = "targets-scope"
SAVE = "targets-save"
DISCARD = "targets-discard"
EXPORT = "targets-export"
EXPORT_DOWNLOAD = "targets-export-download"
IMPORT = "targets-import"
MESSAGE = "targets-message"
LOG = "targets-log"
EDIT_TOOLS = "targets-edit-tools"
READONLY_NOTE = "targets-readonly"
REFRESH = "targets-refresh"
# Rows edited since the grid was drawn, by key: the grid reports each edit once.
PENDING = "targets-pending"

# KPIs a target makes sense for: those with a better direction.
TARGET_KPIS = tuple(k.code for k in CATALOGUE if k.direction != "none")
LOG_ROWS = 50


def plain_number(value, lang: str) -> str:
    """A number as a person types it: no grouping, "," as decimal mark in kk and ru."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = np.format_float_positional(round(float(value), 6), trim="-")
    return text.replace(".", ",") if lang in ("kk", "ru") else text


def kpi_name(code: str, lang: str) -> str:
    k = KPIS.get(code)
    return k.names.get(lang, k.names["en"]) if k else code


def _unit(code: str, lang: str) -> str:
    k = KPIS.get(code)
    return t(f"unit.{k.unit}", lang) if k else ""


def grid_rows(targets: pd.DataFrame, scope: str, lang: str) -> list[dict]:
    """One row per KPI and year for the scope ("" = national, else a court code).

    ``target``/``tolerance`` are what the person edits; ``shown_*`` what they saw
    (to find their edits) and ``orig_*`` the stored numbers (to notice someone
    else's change meanwhile). A court row without its own target shows the national
    target that applies to it.
    """
    t_ = targets.copy()
    if t_.empty:
        t_ = pd.DataFrame(columns=["kpi", "year", "court_code", "target", "tolerance",
                                   "illustrative"])
    t_["court_code"] = t_["court_code"].fillna("")
    stored = {(r.kpi, int(r.year), r.court_code): r for r in t_.itertuples(index=False)}
    years = sorted(set(TARGET_YEARS) | {int(y) for y in t_.loc[t_["court_code"] == scope,
                                                              "year"]})
    kpis = list(TARGET_KPIS) + sorted(set(t_.loc[t_["court_code"] == scope, "kpi"])
                                      - set(TARGET_KPIS))
    rows = []
    for code in kpis:
        k = KPIS.get(code)
        for year in years:
            own = stored.get((code, year, scope))
            national = stored.get((code, year, ""))
            target = None if own is None else own.target
            tolerance = None if own is None else own.tolerance
            if own is None:
                source = "national" if scope and national is not None else "none"
            else:
                source = "illustrative" if bool(own.illustrative) else "approved"
            row = {
                "kpi": code, "kpi_name": kpi_name(code, lang), "unit": _unit(code, lang),
                "better": t(f"explorer.better.{k.direction}", lang) if k else "",
                "year": year, "court_code": scope,
                "target": plain_number(target, lang),
                "tolerance": plain_number(tolerance, lang),
                "shown_target": plain_number(target, lang),
                "shown_tolerance": plain_number(tolerance, lang),
                "orig_target": None if target is None or pd.isna(target) else float(target),
                "orig_tolerance": None if tolerance is None or pd.isna(tolerance)
                else float(tolerance),
                "default_tolerance": plain_number(k.tolerance if k else None, lang),
                "source": t(f"targets.source.{source}", lang),
                "source_code": source,
                "illustrative": source == "illustrative",
            }
            if scope:
                row["national_target"] = plain_number(
                    None if national is None else national.target, lang)
            rows.append(row)
    return rows


def pending_key(row: dict) -> str:
    return f"{row.get('kpi')}|{row.get('year')}|{row.get('court_code') or ''}"


def add_pending(pending: dict | None, events: list[dict] | None) -> dict:
    """The pending edits with the rows of grid edit events (``cellValueChanged``) added."""
    out = dict(pending or {})
    for event in events or []:
        row = event.get("data") if isinstance(event, dict) else None
        if isinstance(row, dict):
            out[pending_key(row)] = row
    return out


def edited_rows(rows: list[dict] | None) -> list[dict]:
    """Rows whose target or tolerance differs from what the page showed."""
    out = []
    for r in rows or []:
        if not isinstance(r, dict):
            continue
        if str(r.get("target") or "").strip() != str(r.get("shown_target") or "") or \
                str(r.get("tolerance") or "").strip() != str(r.get("shown_tolerance") or ""):
            out.append(r)
    return out


def expected_values(rows: list[dict]) -> dict[Key, tuple[float | None, float | None]]:
    """(target, tolerance) stored when the page was drawn, per edited key."""
    out = {}
    for r in rows:
        try:
            key = (str(r["kpi"]), int(r["year"]), str(r.get("court_code") or ""))
            out[key] = (_num(r.get("orig_target")), _num(r.get("orig_tolerance")))
        except (KeyError, TypeError, ValueError):
            continue  # a malformed row fails validation anyway
    return out


def _num(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


# Pending edits and illustrative defaults stand out: dash-ag-grid's own condition
# language, evaluated without eval (the CSP forbids it).
EDITED_STYLE = {"backgroundColor": "#fff3cd"}
ILLUSTRATIVE_STYLE = {"color": "#664d03", "backgroundColor": "#fff8e1", "fontWeight": 600}
APPROVED_STYLE = {"color": "#0f5132"}


def column_defs(lang: str, court_scope: bool, editable: bool) -> list[dict]:
    def edited(field: str) -> dict:
        return {"styleConditions": [{
            "condition": f"params.data.{field} !== params.data.shown_{field}",
            "style": EDITED_STYLE}]}

    cols = [
        {"field": "kpi_name", "headerName": t("col.kpi", lang), "minWidth": 240, "flex": 2,
         "filter": "agTextColumnFilter", "floatingFilter": True, "tooltipField": "kpi"},
        {"field": "unit", "headerName": t("targets.col.unit", lang), "width": 135},
        {"field": "better", "headerName": t("targets.col.better", lang), "width": 135},
        {"field": "year", "headerName": t("col.year", lang), "width": 95,
         "filter": "agNumberColumnFilter", "floatingFilter": True},
    ]
    if court_scope:
        cols.append({"field": "national_target", "headerName": t("targets.col.national", lang),
                     "width": 130, "type": "rightAligned"})
    cols += [
        {"field": "target", "headerName": t("col.target", lang), "width": 120,
         "type": "rightAligned", "editable": editable, "cellStyle": edited("target"),
         "cellEditor": "agTextCellEditor"},
        {"field": "tolerance", "headerName": t("targets.col.tolerance", lang), "width": 130,
         "type": "rightAligned", "editable": editable, "cellStyle": edited("tolerance"),
         "cellEditor": "agTextCellEditor", "headerTooltip": t("targets.tolerance_help", lang)},
        {"field": "default_tolerance", "headerName": t("targets.col.default_tolerance", lang),
         "width": 130, "type": "rightAligned"},
        {"field": "source", "headerName": t("targets.col.source", lang), "minWidth": 200,
         "flex": 1,
         "filter": "agTextColumnFilter", "floatingFilter": True,
         "cellStyle": {"styleConditions": [
             {"condition": "params.data.illustrative", "style": ILLUSTRATIVE_STYLE},
             {"condition": "params.data.source_code === 'approved'", "style": APPROVED_STYLE},
         ]}},
    ]
    return cols


def row_label(row: dict, names: dict[str, str], lang: str) -> str:
    """"Clearance rate, 2026, Kazakhstan": which row an error is about."""
    court = str(row.get("court_code") or "")
    where = names.get(court, court) if court else t("nav.national", lang)
    return f"{kpi_name(str(row.get('kpi')), lang)}, {row.get('year')}, {where}"


def change_log(changes: pd.DataFrame, names: dict[str, str], lang: str):
    """Recent target changes: who, when, which target, old → new."""
    if changes.empty:
        return html.P(t("targets.log_none", lang), className="text-muted small")
    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in (
        "targets.log.when", "targets.log.user", "col.kpi", "col.year", "col.court",
        "col.target", "targets.col.tolerance")]))
    body = []
    for c in changes.itertuples(index=False):
        court = str(c.court_code or "")
        body.append(html.Tr([
            html.Td(fmt_datetime(c.at, lang)),
            html.Td(c.username),
            html.Td(kpi_name(c.kpi, lang)),
            html.Td(str(c.year)),
            html.Td(names.get(court, court) if court else t("nav.national", lang)),
            html.Td(_arrow(c.old_target, c.new_target, lang)),
            html.Td(_arrow(c.old_tolerance, c.new_tolerance, lang)),
        ]))
    return html.Table([head, html.Tbody(body)],
                      className="table table-sm table-striped small targets-log")


def _arrow(old, new, lang: str) -> str:
    return f"{plain_number(old, lang) or '—'} → {plain_number(new, lang) or '—'}"


def export_frame(targets: pd.DataFrame, scope: str) -> pd.DataFrame:
    """The stored targets of the scope as a targets file of the data contract (re-importable):
    national ones, and a court's own ones when a court is chosen."""
    cols = ["kpi", "year", "court_code", "target", "tolerance"]
    if targets.empty:
        return pd.DataFrame(columns=cols)
    t_ = targets.assign(court_code=targets["court_code"].fillna(""))
    keep = t_["court_code"].isin({"", scope})
    order = {k: i for i, k in enumerate(KPIS)}
    out = t_.loc[keep, cols].assign(_k=lambda f: f["kpi"].map(order).fillna(len(order)))
    return out.sort_values(["court_code", "_k", "year"]).drop(columns="_k") \
        .reset_index(drop=True)
