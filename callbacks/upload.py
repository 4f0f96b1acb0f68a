"""Upload page callbacks: review and load in the background, confirmation, result.

A file arrives through ``POST /upload/file`` (web/uploads.py), which answers with a
token that assets/upload.js puts into a store. Then:

* review (background): ``data.ingest.review.review`` of the staged file, exactly the
  loader's read and validation; shows what was read, the verdict and the first rows
  (every issue and a clean file's rows are kept next to the file);
* load (background, after a confirmation): ``data.ingest.review.load``, the reviewed rows
  or the file again as the CLI does, with the user's name, ``source="web"`` and the
  client's address, in one transaction, reporting its progress to the page and to the
  user's job record (web/background.py), so a person who leaves and comes back sees it
  running or finished.

Background callbacks run outside the request (in a forked process or a Celery worker):
who asked is taken from the request that started them (a Dash ``custom_data`` hook),
and the upload permission was checked before anything started (web/uploads.py).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, hooks, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.context import Services, request_viewer
from data.accounts.access import UPLOAD, Viewer
from data.ingest import names, profiles, review, staging
from data.ingest.load import LoadReport, find_loaded
from data.store import upload_records
from data.store.schema import KINDS
from layouts import flags_view, ids, profile_view, upload_view
from layouts.export import csv_text, to_csv_bytes
from layouts.format import fmt_number
from layouts.i18n import state_lang, t
from layouts.issues import issue_text
from web import background, uploads
from web.guard import require

LOG = logging.getLogger("court_kpi.upload")
REQUESTER = "court_kpi_upload"
PAGE = ids.page_state("upload")
WARNINGS_KEPT_IN_JOB = 50
REVIEW_STEPS = {"reading": 10, "validating": 45, "preview": 80}


@hooks.custom_data(REQUESTER)
def _requester_of_request(_context) -> dict | None:
    """Who sent this callback request; background callbacks read it from their context."""
    from web.auth import client_address
    from web.guard import current_viewer

    viewer = current_viewer()
    if viewer is None:
        return None
    return {"user": viewer.username, "role": viewer.role, "court": viewer.court_code,
            "address": client_address()}


def _requester() -> tuple[Viewer | None, str | None]:
    who = (ctx.custom_data or {}).get(REQUESTER)
    if not who:
        return None, None
    return Viewer(who["user"], who["role"], who.get("court")), who.get("address")




def _kind(value: str | None) -> str | None:
    """The kind chosen in the select, None to detect it from the header."""
    return value if value in KINDS else None


def _own_connections(engine) -> None:
    # A forked process must not use connections its parent opened (SQLAlchemy's advice
    # for multiprocessing): drop the inherited pool without closing the parent's.
    engine.dispose(close=False)


# --- pure helpers ----------------------------------------------------------------------


def issue_rows(review: dict, lang: str) -> list[dict]:
    """Every kept issue of a review as a table row in ``lang``: errors first, by line."""
    rows = []
    for severity, key in (("error", "errors"), ("warning", "warnings")):
        issues = sorted(review.get(key) or [], key=lambda i: i.get("line") or 0)
        for issue in issues:
            rows.append({"kind": severity, "severity": t(f"upload.severity.{severity}", lang),
                         "line": issue.get("line"), "column": issue.get("column") or "",
                         "value": issue.get("value") or "",
                         "message": issue_text(issue, lang)})
    return rows


def filter_issues(rows: list[dict], query: str | None, severity: str | None) -> list[dict]:
    """Rows of one severity ("errors", "warnings" or all) containing ``query`` anywhere."""
    if severity in ("errors", "warnings"):
        rows = [r for r in rows if r["kind"] == severity[:-1]]
    needle = (query or "").strip().lower()
    if needle:
        rows = [r for r in rows if needle in " ".join(
            str(r[c]) for c in ("line", "column", "value", "message")
            if r[c] is not None).lower()]
    return rows


def report_frame(rows: list[dict], lang: str) -> pd.DataFrame:
    """The issue table as a download: translated headers, one row per issue."""
    cols = ("severity", "line", "column", "value", "message")
    frame = pd.DataFrame([[r[c] for c in cols] for r in rows], columns=list(cols))
    frame["line"] = frame["line"].astype("Int64")
    return frame.rename(columns={c: t(f"upload.col.{c}", lang) for c in cols})


def summarise(report: LoadReport) -> dict:
    """What the job record keeps of a load report (small, JSON, language-neutral)."""
    return {
        "status": report.status, "upload_id": report.upload_id, "kind": report.kind,
        "rows": report.rows, "inserted": report.inserted, "replaced": report.replaced,
        "unchanged": report.unchanged, "kpi_cells": report.kpi_cells,
        "courts": list(report.courts), "error_count": report.error_count,
        "warning_count": report.warning_count,
        "warnings": [i.as_dict() for i in report.warnings[:WARNINGS_KEPT_IN_JOB]],
    }


def template_text(kind: str, lang: str = "en") -> str:
    """An empty file of ``kind``: its header row, with the column names of ``lang``.

    Russian and Kazakh files are written as Excel there opens them: ";" between
    cells and a byte-order mark, so the Cyrillic shows and the file round-trips.
    """
    return localise(pd.DataFrame(columns=list(KINDS[kind].column_names)), kind, lang)


@functools.cache
def example_text(kind: str, rows: int = 5, lang: str = "en") -> str:
    """A few rows of ``kind`` from the synthetic demo data, as a contract CSV in ``lang``."""
    from data.demo.loading import example_frame
    from data.ingest.writers import contract_text

    return localise(contract_text(example_frame(kind, rows), kind), kind, lang)


def localise(text_frame: pd.DataFrame, kind: str, lang: str) -> str:
    """A contract CSV (cells as strings) with the headers, words, yes/no and dates an
    export in ``lang`` carries (pure); English stays the contract's own."""
    if lang not in names.LANGUAGE_INDEX:
        return csv_text(text_frame, lineterminator="\n")
    out = text_frame.copy()
    yes, no = names.YES_NO[lang]
    for col in KINDS[kind].columns:
        if col.name not in out:
            continue
        if col.choices:
            out[col.name] = [names.written_word(col.name, v, lang) if v else v
                             for v in out[col.name]]
        elif col.type == "bool":
            out[col.name] = out[col.name].map({"1": yes, "0": no, "": ""})
        elif col.type == "date":
            out[col.name] = [".".join(reversed(v.split("-"))) if v else v
                             for v in out[col.name]]
    out.columns = [names.header_name(c, lang) for c in out.columns]
    return "\ufeff" + csv_text(out, sep=";")


def _preview(checked, lang: str) -> tuple[list[str], list[list[str]]]:
    """Header and first rows as parsed (typed) when the kind is known, else as read."""
    result, raw = checked.result, checked.raw
    if result is not None and result.kind and result.present and len(result.frame.columns):
        columns, frame, lines = list(result.present), result.frame, result.lines
    elif raw is not None:
        columns, frame, lines = list(raw.frame.columns), raw.frame, raw.lines
    else:
        return [], []
    header = [t("upload.preview.line", lang), *columns]
    return header, upload_view.preview_rows(frame, lines, columns, lang)


def profile_dict(profile: profiles.Profile) -> dict:
    return {"name": profile.name, "columns": profile.columns, "values": profile.values}


def own_mapping(mapping: dict | None, token: str) -> dict:
    """The mapping the person applied to this file (one applied to another file is not)."""
    if not isinstance(mapping, dict) or mapping.get("token") != token:
        return {"columns": {}, "values": {}}
    columns: dict = mapping["columns"] if isinstance(mapping.get("columns"), dict) else {}
    values: dict = mapping["values"] if isinstance(mapping.get("values"), dict) else {}
    return {"columns": {str(k): str(v) for k, v in columns.items()},
            "values": {str(c): {str(w): str(code) for w, code in words.items()}
                       for c, words in values.items() if isinstance(words, dict)}}


def _short(exc: Exception) -> str:
    detail = getattr(exc, "orig", None) or exc
    return f"{type(exc).__name__}: {detail}".splitlines()[0][:300]


# --- what the callbacks do, with the page's services passed in --------------------------


@dataclass(frozen=True)
class UploadServices:
    """What the upload callbacks of one app use: its services, the per-user job
    records, the staging folder and the size limit."""

    services: Services
    jobs: background.JobStore
    root: Path
    limit: int | None

    @classmethod
    def of(cls, app, services: Services) -> UploadServices:
        server = app.server
        return cls(services, background.job_store(server), uploads.staging_root(server.config),
                   upload_view.max_upload_bytes(server.config))

    @property
    def engine(self):
        return self.services.engine

    def running_job(self, user: str) -> dict | None:
        record = self.jobs.get(user)
        return record if background.job_state(record) == "running" else None


def _bad_as_of(value, lang: str) -> tuple:
    """A date the field cannot send (a forged request): said, nothing reviewed."""
    summary = {"status": "bad_as_of", "value": str(value)[:40], "error_count": 0,
               "warning_count": 0}
    return upload_view.review_view(summary, [], [], [], lang), None, True, None, "d-none"


def review_file(desk: UploadServices, set_progress, upload: dict | None, kind: str | None,
                choice, mapping: dict | None, lang: str, as_of_text=None) -> tuple:
    """Check the staged file as the loader would, with the as-of date of the field;
    keep what was found next to it."""
    if not upload or not upload.get("token"):
        raise PreventUpdate
    viewer, _address = _requester()
    if viewer is None or not viewer.can(UPLOAD):
        return html.P(t("error.forbidden", lang)), None, True, None, "d-none"
    try:
        as_of = upload_view.as_of_value(as_of_text)
    except ValueError:
        return _bad_as_of(as_of_text, lang)
    staged = staging.find(desk.root, upload["token"], viewer.username)
    if staged is None:
        return upload_view.review_view({"status": "expired", "error_count": 0,
                                        "warning_count": 0},
                                       [], [], [], lang), None, True, None, "d-none"
    _own_connections(desk.engine)

    def say(step: str, _fraction: float) -> None:
        set_progress((REVIEW_STEPS.get(step, 5), upload_view.progress_label(step, lang)))

    say("reading", 0)
    mapping = own_mapping(mapping, staged.token)
    with desk.services.connect() as conn:
        saved = profiles.every(conn)
    checked = review.review(desk.engine, staged, _kind(kind), desk.limit, say,
                            profiles.chooser(saved, choice, mapping["columns"],
                                             mapping["values"]),
                            desk.services.version(), as_of)
    report = checked.report
    set_progress((90, upload_view.progress_label("preview", lang)))
    busy = desk.running_job(viewer.username)
    kept = max(len(report.errors), len(report.warnings))
    summary = {"status": report.status, "upload_id": report.upload_id,
               "error_count": report.error_count, "warning_count": report.warning_count,
               "truncated": kept if (report.error_count > len(report.errors)
                                     or report.warning_count > len(report.warnings)) else 0,
               "busy": busy and busy.get("filename"), "as_of": report.as_of,
               "as_of_default": report.as_of_default}
    header, rows = _preview(checked, lang)
    plausibility = upload_flags(desk.services, checked, lang)
    detected = upload_view.detected_rows(report.detected, staged.filename, staged.size, lang)
    profile = checked.profile
    if profile is not None:
        detected.append((t("profile.used", lang), profile.name or t("profile.this_mapping", lang)))
    gap = profiles.unmapped(checked.raw) if checked.raw is not None else profiles.Unmapped()
    words = [(c, w) for c, ws in gap.values.items() for w in ws]
    ok = report.status == "valid" and not busy
    out = {"token": staged.token, "filename": staged.filename, "kind": _kind(kind),
           "detected_kind": report.kind, "status": report.status, "ok": ok,
           "rows": report.rows, "error_count": report.error_count,
           "warning_count": report.warning_count, "as_of": review.iso(as_of),
           "profile": None if profile is None else profile_dict(profile),
           "unmapped": {"columns": list(gap.columns), "values": [list(w) for w in words]}}
    fields = profile_view.mapping_rows(list(gap.columns), words,
                                       _kind(kind) or report.kind, mapping, lang)
    show = bool(gap) or bool(mapping["columns"] or mapping["values"])
    return (upload_view.review_view(summary, detected, header, rows, lang, plausibility), out,
            not ok, fields,
            "border-top mt-3 pt-2" if show and report.status != "already_loaded" else "d-none")


def upload_flags(services: Services, checked, lang: str):
    """The plausibility flags the file would raise against what is loaded (issue 15):
    warnings shown in the review, never a reason to refuse the file."""
    viewer = request_viewer()
    report = checked.report
    found = None if report.status != "valid" else services.upload_flags(
        viewer, report.kind, checked.result.frame)
    if found is None:
        return None
    # More judges in post than posts is already the row's warning (data contract).
    found = found[found["rule"] != "posts_exceeded"].reset_index(drop=True)
    return flags_view.flags_table(found, services.unit_names(viewer, lang), lang,
                                  table_id="upload-flags") if len(found) else None, found


def review_rows(desk: UploadServices, review_state: dict | None, viewer: Viewer,
                lang: str) -> list[dict] | None:
    if not review_state or review_state.get("status") not in ("valid", "rejected"):
        return None
    staged = staging.find(desk.root, review_state.get("token"), viewer.username)
    saved = staging.load_review(staged) if staged else None
    return None if saved is None else issue_rows(saved, lang)


def issues_view(desk: UploadServices, review_state, query, severity, lang: str):
    rows = review_rows(desk, review_state, require(UPLOAD), lang)
    if rows is None:
        return None, "d-none"
    if not rows:
        return upload_view.issues_table([], 0, lang), ""
    shown = filter_issues(rows, query, severity)
    if not shown:
        return html.P(t("upload.issues.no_match", lang), className="small text-muted"), ""
    return upload_view.issues_table(shown, len(shown), lang), ""


def issues_download(desk: UploadServices, n_clicks, review_state, query, severity, lang: str):
    viewer = require(UPLOAD)
    rows = review_rows(desk, review_state, viewer, lang) if n_clicks else None
    if rows is None:
        return no_update
    stem = review_state["filename"].rsplit(".", 1)[0] or "upload"
    frame = report_frame(filter_issues(rows, query, severity), lang)
    return dcc.send_bytes(to_csv_bytes(frame), f"{stem}-report.csv")


def confirmation(review_state: dict | None, lang: str):
    require(UPLOAD)
    if ctx.triggered_id != upload_view.LOAD or not review_state or not review_state.get("ok"):
        return False, no_update
    kind = review_state.get("detected_kind")
    body = [html.P(t("upload.confirm.text", lang,
                     rows=fmt_number(review_state.get("rows") or 0, 0, lang),
                     kind=t(f"upload.kind.{kind}", lang) if kind in KINDS else "",
                     file=review_state.get("filename", "")))]
    if review_state.get("warning_count"):
        body.append(html.P(t("upload.confirm.warnings", lang, count=fmt_number(
            review_state["warning_count"], 0, lang))))
    return True, body


def load_file_of_review(desk: UploadServices, set_progress, n_clicks, review_state: dict | None,
                        lang: str) -> tuple[dict, bool]:
    """Load the reviewed file, reporting progress to the page and the job record."""
    if not n_clicks or not review_state or not review_state.get("token"):
        raise PreventUpdate
    viewer, address = _requester()
    if viewer is None or not viewer.can(UPLOAD):
        return {"state": "failed", "error": t("error.forbidden", lang)}, True
    staged = staging.find(desk.root, review_state["token"], viewer.username)
    if staged is None:
        return {"state": "failed", "filename": review_state.get("filename"),
                "error": t("upload.expired", lang)}, True
    busy = desk.running_job(viewer.username)
    if busy:
        return busy, True
    try:
        as_of = upload_view.as_of_value(review_state.get("as_of"))
    except ValueError:
        return {"state": "failed", "filename": staged.filename,
                "error": t("upload.as_of.bad", lang,
                           value=str(review_state.get("as_of"))[:40])}, True
    _own_connections(desk.engine)
    record = {"filename": staged.filename, "sha256": staged.sha256, "size": staged.size,
              "kind": review_state.get("kind")}
    with background.JobLog(desk.jobs, viewer.username, record) as log:

        def say(step: str, fraction: float) -> None:
            log.step(step, fraction)
            set_progress((round(100 * fraction), upload_view.progress_label(step, lang)))

        say("starting", 0.01)
        try:
            report = review.load(desk.engine, staged, kind=review_state.get("kind"),
                                 detected_kind=review_state.get("detected_kind"),
                                 profile=review_state.get("profile"), user=viewer.username,
                                 address=address, version=desk.services.version(),
                                 limit=desk.limit, progress=say, as_of=as_of)
        except Exception as exc:  # noqa: BLE001 - shown as a sentence, logged in full
            LOG.exception("load of upload %s failed", staged.token)
            log.finish("failed", error=_short(exc))
            return log.record, True
        log.finish("done", report=summarise(report))
    return log.record, True


def settle(services: Services, record: dict) -> tuple[dict, str]:
    """A record whose heartbeat stopped: loaded after all (the commit went through
    just before the process died) or interrupted with nothing written."""
    with services.connect() as conn:
        upload_id = find_loaded(conn, record.get("sha256") or "")
        row = None if upload_id is None else upload_records.upload_counts(conn, upload_id)
    if row is None:
        return record, "interrupted"
    report = {"status": "loaded", "upload_id": upload_id, **row, "kpi_cells": None,
              "courts": [], "warnings": []}
    return {**record, "report": report, "finished": record.get("beat")}, "done"


def job_view(desk: UploadServices, lang: str):
    viewer = require(UPLOAD)
    record = desk.jobs.get(viewer.username)
    status = background.job_state(record)
    if status == "interrupted" and record is not None:
        record, status = settle(desk.services, record)
    warnings = [f"{w.get('line') or ''} {w.get('column') or ''}: {issue_text(w, lang)}"
                for w in ((record or {}).get("report") or {}).get("warnings") or []]
    view = upload_view.job_view(record, status, desk.services.unit_names(viewer, lang), lang,
                                warnings)
    return view, status != "running"


def template_download(lang: str):
    require(UPLOAD)
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not ctx.triggered[0].get("value"):
        return no_update
    kind, what = trigger.get("kind"), trigger.get("what")
    if kind not in KINDS or what not in ("template", "example"):
        return no_update
    text = template_text(kind, lang) if what == "template" else example_text(kind, lang=lang)
    suffix = "" if lang == "en" else f"-{lang}"
    return dcc.send_string(text, f"{kind}-{what}{suffix}.csv")


# --- the callbacks: which ids, and one line each ------------------------------------------


def _in_background(bar: str, busy: str, busy_class: str, *running) -> dict:
    """A background callback's settings: its progress bar, its busy line, and the
    controls it holds while it runs (the kind and the load button always)."""
    return {"background": True, "progress": [Output(bar, "value"), Output(bar, "label")],
            "progress_default": [0, ""],
            "running": [(Output(busy, "className"), busy_class, "d-none"),
                        (Output(upload_view.LOAD, "disabled"), True, True),
                        (Output(upload_view.KIND, "disabled"), True, False), *running],
            "interval": 250, "prevent_initial_call": True}


def register(app, services: Services) -> None:
    desk = UploadServices.of(app, services)

    @app.callback(
        Output(upload_view.REVIEW, "children"), Output(upload_view.REVIEW_STATE, "data"),
        Output(upload_view.LOAD, "disabled"), Output(profile_view.FIELDS, "children"),
        Output(profile_view.BOX, "className"), Input(upload_view.TOKEN, "data"),
        Input(upload_view.KIND, "value"), Input(profile_view.SELECT, "value"),
        Input(profile_view.MAPPING, "data"), Input(upload_view.AS_OF, "value"),
        State(PAGE, "data"),
        **_in_background(upload_view.REVIEW_BAR, upload_view.REVIEW_BUSY, "mb-3",
                         (Output(profile_view.SELECT, "disabled"), True, False)),
    )
    def review(set_progress, upload, kind, choice, mapping, as_of, state):
        return review_file(desk, set_progress, upload, kind, choice, mapping, state_lang(state),
                           as_of)

    @app.callback(
        Output(upload_view.ISSUES, "children"), Output(upload_view.ISSUES_BOX, "className"),
        Input(upload_view.REVIEW_STATE, "data"), Input(upload_view.ISSUE_FILTER, "value"),
        Input(upload_view.ISSUE_SEVERITY, "value"), State(PAGE, "data"),
    )
    def issues(review_state, query, severity, state):
        return issues_view(desk, review_state, query, severity, state_lang(state))

    @app.callback(
        Output(upload_view.REPORT_DOWNLOAD, "data"), Input(upload_view.ISSUES_CSV, "n_clicks"),
        State(upload_view.REVIEW_STATE, "data"), State(upload_view.ISSUE_FILTER, "value"),
        State(upload_view.ISSUE_SEVERITY, "value"), State(PAGE, "data"), prevent_initial_call=True,
    )
    def issues_csv(n_clicks, review_state, query, severity, state):
        return issues_download(desk, n_clicks, review_state, query, severity, state_lang(state))

    @app.callback(
        Output(upload_view.CONFIRM, "is_open"), Output(upload_view.CONFIRM_BODY, "children"),
        Input(upload_view.LOAD, "n_clicks"), Input(upload_view.CONFIRM_CANCEL, "n_clicks"),
        State(upload_view.REVIEW_STATE, "data"), State(PAGE, "data"), prevent_initial_call=True,
    )
    def confirm(_load, _cancel, review_state, state):
        return confirmation(review_state, state_lang(state))

    @app.callback(
        Output(upload_view.RESULT_DATA, "data"),
        Output(upload_view.LOAD, "disabled", allow_duplicate=True),
        Input(upload_view.CONFIRM_OK, "n_clicks"), State(upload_view.REVIEW_STATE, "data"),
        State(PAGE, "data"),
        **_in_background(upload_view.LOAD_BAR, upload_view.LOAD_BUSY, "mt-3",
                         (Output(upload_view.CONFIRM, "is_open"), False, False),
                         (Output(upload_view.JOB, "className"), "d-none", "")),
    )
    def load(set_progress, n_clicks, review_state, state):
        return load_file_of_review(desk, set_progress, n_clicks, review_state, state_lang(state))

    @app.callback(
        Output(upload_view.JOB, "children"), Output(upload_view.JOB_TICK, "disabled"),
        Input(PAGE, "data"), Input(upload_view.JOB_TICK, "n_intervals"),
        Input(upload_view.RESULT_DATA, "data"),
    )
    def job(state, _tick, _finished):
        return job_view(desk, state_lang(state))

    @app.callback(
        Output(upload_view.DOWNLOAD, "data"),
        Input({"type": upload_view.TEMPLATE, "kind": ALL, "what": ALL}, "n_clicks"),
        State(PAGE, "data"), prevent_initial_call=True,
    )
    def template(_clicks, state):
        return template_download(state_lang(state))  # headers in the page's language (#19)
