"""Targets callbacks: the grid for a scope, Save, CSV import and export, the change log.

Seeing targets needs VIEW_ALL; saving and importing need EDIT_TARGETS, checked on the
server whatever the grid lets a person type.
"""

from __future__ import annotations

import base64
import binascii

from dash import Input, Output, State, dcc, html, no_update

from callbacks.context import Services, request_viewer, unit_options
from data.accounts.access import EDIT_TARGETS, VIEW_ALL
from data.edits.targets_edit import (
    Checked,
    StaleTargets,
    apply_edits,
    check_rows,
    check_table,
    recent_changes,
)
from data.ingest.load import context
from data.ingest.readers import ReadError, read_table
from layouts import ids, targets_view
from layouts.components import alert
from layouts.export import to_csv_bytes
from layouts.i18n import state_lang, t
from layouts.issues import issue_text
from web.auth import client_address
from web.guard import require

MAX_IMPORT_BYTES = 5 * 1024 * 1024
ERRORS_SHOWN = 50


def _error_list(items: list[str], total: int, lang: str) -> html.Ul:
    lines = [html.Li(text) for text in items[:ERRORS_SHOWN]]
    if total > ERRORS_SHOWN:
        lines.append(html.Li(t("targets.more_errors", lang, n=total - ERRORS_SHOWN)))
    return html.Ul(lines, className="mb-0 small")


# --- what the callbacks do --------------------------------------------------------------


def targets_grid(services: Services, state, scope) -> tuple:
    """The grid of one scope (national or a court), the scopes, the edit tools when the
    viewer may edit, and the change log."""
    viewer = require(VIEW_ALL)
    lang = state_lang(state)
    names = services.unit_names(viewer, lang)
    courts = services.courts(viewer)
    scope = scope if scope in set(courts["court_code"]) else ""
    with services.connect() as conn:
        targets = services.targets(viewer)
        changes = recent_changes(conn, targets_view.LOG_ROWS)
    options = [{"label": t("targets.national", lang), "value": ""}] + unit_options(
        names, courts["court_code"], with_code=True)
    editable = viewer.can(EDIT_TARGETS)
    tools = "d-inline-flex align-items-center" if editable else "d-none"
    note = "py-2 small d-none" if editable else "py-2 small"
    return (targets_view.grid_rows(targets, scope, lang),
            targets_view.column_defs(lang, bool(scope), editable), options, tools, note,
            targets_view.change_log(changes, names, lang), {})


def save_edits(services: Services, pending, state, refresh) -> tuple:
    """Check the edited rows as a targets upload is checked; apply them all or none."""
    viewer = request_viewer()
    viewer = require(EDIT_TARGETS)
    lang = state_lang(state)
    edited = targets_view.edited_rows(list((pending or {}).values())
                                      if isinstance(pending, dict) else [])
    if not edited:
        return alert(t("targets.nothing", lang), "secondary"), no_update
    with services.connect() as conn:
        checked = check_rows(edited, context(conn), decimal_comma=lang in ("kk", "ru"))
    names = services.unit_names(viewer, lang)
    if not checked.ok:
        items = [f"{targets_view.row_label(edited[e.line - 1], names, lang)}: "
                 f"{issue_text(e.as_dict(), lang)}" for e in checked.errors
                 if e.line and 0 < e.line <= len(edited)]
        return alert(t("targets.errors", lang, n=len(checked.errors)), "danger",
                     _error_list(items, len(items), lang)), no_update
    try:
        applied = apply_edits(services.engine, checked.edits, user=viewer.username,
                              address=client_address(),
                              expected=targets_view.expected_values(edited))
    except StaleTargets as exc:
        shown = "; ".join(targets_view.row_label({"kpi": k, "year": y, "court_code": c}, names,
                                                 lang)
                          for k, y, c in exc.keys[:10])
        return alert(t("targets.stale", lang, targets=shown), "warning"), (refresh or 0) + 1
    return alert(t("targets.saved", lang, n=len(applied.changed)), "success"), \
        (refresh or 0) + 1


def import_targets(services: Services, contents, filename, state, refresh) -> tuple:
    """A targets CSV or Excel file, checked as an upload and applied as one edit."""
    viewer = require(EDIT_TARGETS)
    lang = state_lang(state)
    if not contents:
        return no_update, no_update, no_update
    name = str(filename or "targets.csv")[:200]
    try:
        data = base64.b64decode(str(contents).split(",", 1)[-1], validate=True)
        raw = read_table(data, filename=name, max_bytes=MAX_IMPORT_BYTES)
    except (binascii.Error, ValueError, ReadError) as exc:
        detail = str(exc) if isinstance(exc, ReadError) else ""
        return alert(t("targets.import_unreadable", lang, file=name, detail=detail),
                     "danger"), no_update, None
    with services.connect() as conn:
        checked: Checked = check_table(raw, context(conn))
    if not checked.ok:
        items = [_file_issue(e, lang) for e in checked.errors]
        total = max(len(items), len(checked.errors))
        return alert(t("targets.import_errors", lang, file=name, n=total), "danger",
                     _error_list(items, total, lang)), no_update, None
    applied = apply_edits(services.engine, checked.edits, user=viewer.username,
                          address=client_address())
    text = t("targets.imported", lang, file=name, n=len(applied.changed),
             unchanged=applied.unchanged)
    details = None
    if checked.warnings:
        details = _error_list([_file_issue(w, lang) for w in checked.warnings],
                              len(checked.warnings), lang)
    return alert(text, "success", details), (refresh or 0) + 1, None


def export_targets(services: Services, scope):
    viewer = require(VIEW_ALL)
    scope = scope if scope in set(services.courts(viewer)["court_code"]) else ""
    targets = services.targets(viewer)
    frame = targets_view.export_frame(targets, scope)
    return dcc.send_bytes(to_csv_bytes(frame), f"targets-{scope or 'national'}.csv")


def track_edit(events, pending):
    require(VIEW_ALL)
    return targets_view.add_pending(pending, events)


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    state = State(ids.page_state("targets"), "data")

    @app.callback(
        Output(targets_view.GRID, "rowData"), Output(targets_view.GRID, "columnDefs"),
        Output(targets_view.SCOPE, "options"), Output(targets_view.EDIT_TOOLS, "className"),
        Output(targets_view.READONLY_NOTE, "className"), Output(targets_view.LOG, "children"),
        Output(targets_view.PENDING, "data"), Input(ids.page_state("targets"), "data"),
        Input(targets_view.SCOPE, "value"), Input(targets_view.REFRESH, "data"),
        Input(targets_view.DISCARD, "n_clicks"),
    )
    def grid(page, scope, _refresh, _discard):
        return targets_grid(services, page, scope)

    app.callback(Output(targets_view.PENDING, "data", allow_duplicate=True),
                 Input(targets_view.GRID, "cellValueChanged"), State(targets_view.PENDING, "data"),
                 prevent_initial_call=True)(track_edit)

    @app.callback(Output(targets_view.MESSAGE, "children"), Output(targets_view.REFRESH, "data"),
                  Input(targets_view.SAVE, "n_clicks"), State(targets_view.PENDING, "data"), state,
                  State(targets_view.REFRESH, "data"), prevent_initial_call=True)
    def save(_n, pending, page, refresh):
        return save_edits(services, pending, page, refresh)

    @app.callback(Output(targets_view.MESSAGE, "children", allow_duplicate=True),
                  Output(targets_view.REFRESH, "data", allow_duplicate=True),
                  Output(targets_view.IMPORT, "contents"), Input(targets_view.IMPORT, "contents"),
                  State(targets_view.IMPORT, "filename"), state,
                  State(targets_view.REFRESH, "data"), prevent_initial_call=True)
    def import_file(contents, filename, page, refresh):
        return import_targets(services, contents, filename, page, refresh)

    @app.callback(Output(targets_view.EXPORT_DOWNLOAD, "data"),
                  Input(targets_view.EXPORT, "n_clicks"), State(targets_view.SCOPE, "value"),
                  prevent_initial_call=True)
    def export(_n, scope):
        return export_targets(services, scope)


def _file_issue(issue, lang: str) -> str:
    where = t("targets.at_line", lang, line=issue.line) if issue.line else ""
    column = f" ({issue.column})" if issue.column else ""
    return f"{where}{column}: {issue_text(issue.as_dict(), lang)}" if where or column \
        else issue_text(issue.as_dict(), lang)
