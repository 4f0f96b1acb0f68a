"""/notes callbacks: list the notes the viewer may read; add, edit and delete them for the
roles that may (checked again in data.edits.annotations, and audited there)."""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, html, no_update

from callbacks.context import Services, unit_options
from data.accounts.access import ANNOTATE
from data.edits import annotations as notes_db
from data.edits.annotations import Note, NoteError
from layouts import ids, notes_view
from layouts.i18n import t
from layouts.params import payload_state
from web.auth import client_address
from web.guard import current_viewer, require

PAGE = ids.page_state("notes")


def _viewer():
    viewer = current_viewer()
    if viewer is None:
        from flask import abort

        abort(401)
    return viewer


def level_of(code: str, regions: set[str]) -> str:
    """The level a unit code names: the nation, a region or a court (pure)."""
    if code == notes_db.NATIONAL_CODE:
        return "national"
    return "region" if code in regions else "court"


def error_text(exc: NoteError, lang: str) -> html.Span:
    return html.Span(t(f"notes.error.{exc.code}", lang, **exc.params), className="text-danger")


def _year(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- what the callbacks do --------------------------------------------------------------


def _regions(services: Services) -> set[str]:
    return set(services.regions()["region_code"])


def clicked_note(services: Services, trigger: dict, viewer) -> dict | NoteError:
    """The note whose Edit or Delete button was pressed, or why there is none."""
    with services.connect() as conn:
        note = notes_db.get(conn, trigger.get("index"), viewer)
    return NoteError("missing", id=trigger.get("index")) if note is None else note


def form_setup(services: Services, state) -> tuple:
    """The units a note can be on, and the form or the read-only line for the viewer."""
    lang, viewer = payload_state(state)["lang"], _viewer()
    if not viewer.can(ANNOTATE):
        return [], "d-none", "small text-muted mb-0"
    codes = [notes_db.NATIONAL_CODE, *sorted(_regions(services)),
             *services.courts(viewer)["court_code"]]
    return unit_options(services.unit_names(viewer, lang), codes, with_code=True), "", "d-none"


def notes_list(services: Services, state, year):
    viewer = _viewer()
    lang = payload_state(state)["lang"]
    with services.connect() as conn:
        rows = notes_db.notes(conn, viewer, year=_year(year))
    return notes_view.notes_table(rows, services.unit_names(viewer, lang), lang,
                                  viewer.can(ANNOTATE))


def save_note(services: Services, n_clicks, unit, year, kpi, text, editing, changed,
              state) -> tuple:
    """Add a note, or save the one being edited; a refusal says why in the page."""
    viewer = require(ANNOTATE)
    lang = payload_state(state)["lang"]
    if not n_clicks:
        return no_update, no_update, no_update, no_update
    code = str(unit or "")[:64]
    note = Note(level_of(code, _regions(services)), code, _year(year) or 0,
                "" if kpi in (None, notes_view.WHOLE_YEAR) else str(kpi)[:64],
                "" if text is None else text)  # not a str: refused by notes_db.check
    try:
        if notes_db.is_id(editing):
            notes_db.edit(services.engine, editing, note, viewer, client_address())
        else:
            notes_db.add(services.engine, note, viewer, client_address())
    except NoteError as exc:
        return error_text(exc, lang), no_update, no_update, no_update
    done = html.Span(t("notes.saved", lang), className="text-success")
    return done, (changed or 0) + 1, None, ""


def start_edit(services: Services, state) -> tuple:
    """The clicked note into the form to edit it, or the form emptied on Cancel."""
    viewer = require(ANNOTATE)
    lang = payload_state(state)["lang"]
    trigger = ctx.triggered_id
    if trigger == notes_view.CANCEL:
        return None, no_update, no_update, no_update, "", ""
    if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
        return (no_update,) * 6
    note = clicked_note(services, trigger, viewer)
    if isinstance(note, NoteError):
        return None, no_update, no_update, no_update, no_update, error_text(note, lang)
    return (int(note["id"]), note["code"], int(note["year"]), note["kpi"] or notes_view.WHOLE_YEAR,
            note["text"], t("notes.editing", lang, id=int(note["id"])))


def delete_note(services: Services, pending, changed, state) -> tuple:
    """Delete asks first (the note shown in the dialog); OK deletes, Cancel closes."""
    viewer = require(ANNOTATE)
    lang = payload_state(state)["lang"]
    trigger = ctx.triggered_id
    if trigger == notes_view.CONFIRM_CANCEL:
        return False, no_update, None, no_update, no_update
    if trigger == notes_view.CONFIRM_OK:
        if not notes_db.is_id(pending):
            return False, no_update, None, no_update, no_update
        try:
            notes_db.remove(services.engine, pending, viewer, client_address())
        except NoteError as exc:
            return False, no_update, None, no_update, error_text(exc, lang)
        return False, no_update, None, (changed or 0) + 1, t("notes.deleted", lang)
    if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
        return (no_update,) * 5
    note = clicked_note(services, trigger, viewer)
    if isinstance(note, NoteError):
        return False, no_update, None, no_update, error_text(note, lang)
    body = [html.P(t("notes.delete.text", lang)),
            html.Blockquote(note["text"], className="border-start ps-2 small",
                            style={"whiteSpace": "pre-wrap"})]
    return True, body, int(note["id"]), no_update, no_update


# --- the callbacks: which ids, and one line each ------------------------------------------


def register(app, services: Services) -> None:
    @app.callback(Output(notes_view.UNIT, "options"), Output(notes_view.FORM, "className"),
                  Output(notes_view.READONLY, "className"), Input(PAGE, "data"))
    def setup(state):
        return form_setup(services, state)

    @app.callback(Output(notes_view.LIST, "children"), Input(PAGE, "data"),
                  Input(notes_view.CHANGED, "data"), Input(notes_view.FILTER_YEAR, "value"))
    def listing(state, _changed, year):
        return notes_list(services, state, year)

    @app.callback(Output(notes_view.MESSAGE, "children"), Output(notes_view.CHANGED, "data"),
                  Output(notes_view.EDITING, "data"), Output(notes_view.TEXT, "value"),
                  Input(notes_view.SAVE, "n_clicks"), State(notes_view.UNIT, "value"),
                  State(notes_view.YEAR, "value"), State(notes_view.KPI, "value"),
                  State(notes_view.TEXT, "value"), State(notes_view.EDITING, "data"),
                  State(notes_view.CHANGED, "data"), State(PAGE, "data"), prevent_initial_call=True)
    def save(n_clicks, unit, year, kpi, text, editing, changed, state):
        return save_note(services, n_clicks, unit, year, kpi, text, editing, changed, state)

    @app.callback(Output(notes_view.EDITING, "data", allow_duplicate=True),
                  Output(notes_view.UNIT, "value"), Output(notes_view.YEAR, "value"),
                  Output(notes_view.KPI, "value"),
                  Output(notes_view.TEXT, "value", allow_duplicate=True),
                  Output(notes_view.MESSAGE, "children", allow_duplicate=True),
                  Input({"type": notes_view.EDIT, "index": ALL}, "n_clicks"),
                  Input(notes_view.CANCEL, "n_clicks"), State(PAGE, "data"),
                  prevent_initial_call=True)
    def edit(_edits, _cancel, state):
        return start_edit(services, state)

    @app.callback(Output(notes_view.CONFIRM, "is_open"),
                  Output(notes_view.CONFIRM_BODY, "children"), Output(notes_view.PENDING, "data"),
                  Output(notes_view.CHANGED, "data", allow_duplicate=True),
                  Output(notes_view.MESSAGE, "children", allow_duplicate=True),
                  Input({"type": notes_view.DELETE, "index": ALL}, "n_clicks"),
                  Input(notes_view.CONFIRM_OK, "n_clicks"),
                  Input(notes_view.CONFIRM_CANCEL, "n_clicks"), State(notes_view.PENDING, "data"),
                  State(notes_view.CHANGED, "data"), State(PAGE, "data"), prevent_initial_call=True)
    def delete(_deletes, _ok, _cancel, pending, changed, state):
        return delete_note(services, pending, changed, state)
