"""Upload history callbacks: the list, a validation report, Undo with a confirmation.

Seeing the history needs VIEW_ALL; undoing needs UPLOAD, checked on the server in
both steps (the preview and the confirmed undo), whatever the page shows.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from callbacks.context import Services
from data.accounts.access import UPLOAD, VIEW_ALL
from data.ingest.undo import UndoRefused, undo
from data.ingest.undo_rules import undo_preview
from data.store import upload_records
from layouts import ids, uploads_view
from layouts.export import to_csv_bytes
from layouts.i18n import state_lang, t
from layouts.issues import issue_text
from web.auth import client_address
from web.guard import require


def _upload_id(selected) -> int | None:
    """The id of the selected grid row (sent by the browser, so checked)."""
    if not selected or not isinstance(selected, list) or not isinstance(selected[0], dict):
        return None
    value = selected[0].get("id")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- what the callbacks do --------------------------------------------------------------


def history(services: Services, state) -> tuple:
    viewer = require(VIEW_ALL)
    with services.connect() as conn:
        uploads = upload_records.uploads(conn)
    # Undo is offered only to roles that may do it; the server checks it anyway.
    undo_class = "me-3" if viewer.can(UPLOAD) else "d-none"
    return uploads_view.upload_rows(uploads, state_lang(state)), undo_class


def selection(rows, state) -> tuple:
    """What the buttons may do with the selected upload, and a line that names it."""
    require(VIEW_ALL)
    lang = state_lang(state)
    upload_id = _upload_id(rows)
    if upload_id is None:
        return True, True, t("history.select_hint", lang)
    row = rows[0]
    undone = row.get("status_code") != "loaded"
    text = t("history.selected", lang, id=upload_id, file=str(row.get("filename", "")))
    if undone:
        text += " " + t("history.already_undone", lang)
    return False, undone, text


def report_download(services: Services, rows, state):
    """The stored validation report of the selected upload, as a CSV."""
    require(VIEW_ALL)
    upload_id = _upload_id(rows)
    with services.connect() as conn:
        record = None if upload_id is None else upload_records.upload_record(conn, upload_id)
    if record is None:
        return no_update
    frame = uploads_view.report_frame(record, state_lang(state), issue_text)
    return dcc.send_bytes(to_csv_bytes(frame), f"upload-{upload_id}-report.csv")


def undo_question(services: Services, rows, state) -> tuple:
    """The confirmation: what the undo would remove and restore, or why it cannot."""
    require(UPLOAD)
    lang = state_lang(state)
    upload_id = _upload_id(rows)
    if upload_id is None:
        return no_update, no_update, no_update, no_update
    with services.connect() as conn:
        preview = undo_preview(conn, upload_id)
    head = html.P(t("history.undo_question", lang, id=upload_id, file=preview.filename,
                    kind=uploads_view.kind_name(preview.kind, lang)), className="fw-semibold")
    if preview.refusal is not None:  # not preview.allowed
        body = [head, dbc.Alert(uploads_view.refusal_text(preview.refusal, lang), color="danger",
                                id="uploads-undo-refusal", className="mb-0")]
        return True, body, True, None
    body = [head, html.Ul([html.Li(line) for line in uploads_view.preview_lines(preview, lang)],
                          id="uploads-undo-preview"),
            html.P(t("history.undo_after", lang), className="small text-muted mb-0")]
    return True, body, False, upload_id


def confirmed_undo(services: Services, pending, state, refresh) -> tuple:
    viewer = require(UPLOAD)
    lang = state_lang(state)
    try:
        upload_id = int(pending)
    except (TypeError, ValueError):
        return False, no_update, no_update, None
    try:
        report = undo(services.engine, upload_id, user=viewer.username,
                      address=client_address())
    except UndoRefused as exc:
        # Said in the reader's language when the preview knows the reason.
        with services.connect() as conn:
            preview = undo_preview(conn, upload_id)
        text = (uploads_view.refusal_text(preview.refusal, lang) if preview.refusal
                else t("history.refused.other", lang, detail=str(exc)))
        return False, dbc.Alert(text, color="danger", dismissable=True), no_update, None
    done = t("history.undone_ok", lang, id=upload_id, file=report.filename,
             removed=report.inserted, restored=report.replaced)
    return False, dbc.Alert(done, color="success", dismissable=True), (refresh or 0) + 1, None


def cancel(_n):
    require(VIEW_ALL)
    return False if ctx.triggered_id == uploads_view.CANCEL else no_update


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    state = State(ids.page_state("uploads"), "data")
    chosen = (State(uploads_view.GRID, "selectedRows"), state)

    @app.callback(Output(uploads_view.GRID, "rowData"), Output(uploads_view.UNDO, "className"),
                  Input(ids.page_state("uploads"), "data"), Input(uploads_view.REFRESH, "data"))
    def listing(page, _refresh):
        return history(services, page)

    app.callback(Output(uploads_view.REPORT, "disabled"), Output(uploads_view.UNDO, "disabled"),
                 Output(uploads_view.SELECTED, "children"),
                 Input(uploads_view.GRID, "selectedRows"), state)(selection)

    @app.callback(Output(uploads_view.REPORT_DOWNLOAD, "data"),
                  Input(uploads_view.REPORT, "n_clicks"), *chosen, prevent_initial_call=True)
    def report(_n, rows, page):
        return report_download(services, rows, page)

    @app.callback(Output(uploads_view.MODAL, "is_open"),
                  Output(uploads_view.MODAL_BODY, "children"),
                  Output(uploads_view.CONFIRM, "disabled"), Output(uploads_view.PENDING, "data"),
                  Input(uploads_view.UNDO, "n_clicks"), *chosen, prevent_initial_call=True)
    def ask(_n, rows, page):
        return undo_question(services, rows, page)

    @app.callback(Output(uploads_view.MODAL, "is_open", allow_duplicate=True),
                  Output(uploads_view.MESSAGE, "children"), Output(uploads_view.REFRESH, "data"),
                  Output(uploads_view.PENDING, "data", allow_duplicate=True),
                  Input(uploads_view.CONFIRM, "n_clicks"), State(uploads_view.PENDING, "data"),
                  state, State(uploads_view.REFRESH, "data"), prevent_initial_call=True)
    def confirm(_n, pending, page, refresh):
        return confirmed_undo(services, pending, page, refresh)

    app.callback(Output(uploads_view.MODAL, "is_open", allow_duplicate=True),
                 Input(uploads_view.CANCEL, "n_clicks"), prevent_initial_call=True)(cancel)
