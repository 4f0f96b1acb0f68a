"""The upload page's components: ids, the static page, and the review and result views.

Builders only (no I/O): callbacks/upload.py hands them what the loader found. Every
id starts with ``upload-``: web/uploads.py requires the upload permission for every
callback writing to such an id, background ones included.
"""

from __future__ import annotations

import datetime as dt
import math

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import dcc, html

from data.ingest.load import DEFAULT_MAX_BYTES
from data.store.schema import KINDS
from layouts import ids, profile_view
from layouts.components import attrs, confirm_dialog
from layouts.format import fmt_date, fmt_number, megabytes, parse_day
from layouts.i18n import t

# Every id of the upload page starts with this: web/uploads.py requires the upload
# permission for any callback that outputs to one.
CALLBACK_PREFIX = "upload-"
P = CALLBACK_PREFIX


def max_upload_bytes(config: dict | None = None) -> int:
    """The size limit of one upload: the app's MAX_UPLOAD_BYTES, else
    COURT_KPI_MAX_UPLOAD_MB (data.ingest.load)."""
    return int((config or {}).get("MAX_UPLOAD_BYTES") or DEFAULT_MAX_BYTES)
DROP = P + "drop"  # the drop zone; assets/upload.js reads its data-* attributes
PICK = P + "pick"  # opens the file picker (assets/upload.js)
TRANSFER_BAR = P + "transfer-bar"  # set by assets/upload.js
TRANSFER_MSG = P + "transfer-msg"  # set by assets/upload.js
TOKEN = P + "token"  # dcc.Store {"token", "filename", "size"} set by assets/upload.js
KIND = P + "kind"
AS_OF = P + "as-of"  # the day a case file's data are as of (periods.md "Data freshness")
AS_OF_HELP = P + "as-of-help"
REVIEW_BUSY = P + "review-busy"
REVIEW_BAR = P + "review-bar"
REVIEW = P + "review"
REVIEW_STATE = P + "review-state"
ISSUES_BOX = P + "issues-box"
ISSUE_FILTER = P + "issue-filter"
ISSUE_SEVERITY = P + "issue-severity"
ISSUES = P + "issues"
ISSUES_CSV = P + "issues-csv"
REPORT_DOWNLOAD = P + "report-download"
LOAD = P + "load"
CONFIRM = P + "confirm"
CONFIRM_BODY = P + "confirm-body"
CONFIRM_OK = P + "confirm-ok"
CONFIRM_CANCEL = P + "confirm-cancel"
LOAD_BUSY = P + "load-busy"
LOAD_BAR = P + "load-bar"
RESULT_DATA = P + "result-data"
JOB = P + "job"
JOB_TICK = P + "job-tick"
TEMPLATE = P + "template"  # pattern {"type": TEMPLATE, "kind": k, "what": "template"|"example"}
DOWNLOAD = P + "download"

ISSUES_SHOWN = 200
PREVIEW_ROWS = 20
ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "cp1251": "Windows-1251",
             "utf-16": "UTF-16"}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
PROGRESS_STEPS = {"reading": "reading", "validating": "validating", "writing": "writing",
                  "refreshing KPIs": "refreshing", "done": "done",
                  "preview": "preview"}
NONE = "—"
AUTO = "auto"  # the kind select: detect the kind from the header


def card(title: str, body) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(html.H2(title, className="h6 mb-0")),
                     dbc.CardBody(body)], className="mb-3")


# --- the static page -------------------------------------------------------------------


def drop_zone(lang: str, limit: int) -> html.Div:
    """Where a file is dropped or picked; the texts assets/upload.js shows travel as data-*."""
    messages = attrs(
        data_url="/upload/file",
        data_max_bytes=str(limit),
        data_msg_sending=t("upload.sending", lang),
        data_msg_sent=t("upload.sent", lang),
        data_msg_failed=t("upload.failed", lang),
        data_msg_too_large=t("upload.error.too_large", lang, limit=megabytes(limit)),
        data_accept=".csv,.txt,.tsv,.xlsx",
    )
    return html.Div([
        html.Div([
            html.P(t("upload.drop", lang), className="mb-2 fw-semibold"),
            # assets/upload.js opens the browser's file picker (a plain <input type=file>).
            dbc.Button(t("upload.choose", lang), id=PICK, color="primary", outline=True),
            html.P(t("upload.drop_hint", lang, limit=megabytes(limit)),
                   className="small text-muted mb-0 mt-2"),
        ], id=DROP, className="border border-2 border-secondary-subtle rounded p-4 text-center",
            style={"borderStyle": "dashed"}, **messages),
        dbc.Progress(id=TRANSFER_BAR, value=0, className="mt-2 d-none", style={"height": "1.2rem"}),
        html.Div(id=TRANSFER_MSG, className="small text-muted mt-2", **attrs(aria_live="polite")),
    ])


def kind_options(lang: str) -> list[dict]:
    return [{"label": t("upload.kind.auto", lang), "value": AUTO}] + [
        {"label": t(f"upload.kind.{k}", lang), "value": k} for k in KINDS]


def templates_table(lang: str) -> html.Table:
    rows = []
    for kind in KINDS:
        rows.append(html.Tr([
            html.Td(t(f"upload.kind.{kind}", lang)),
            html.Td(dbc.Button(t("upload.template", lang), size="sm", color="secondary",
                               outline=True, id={"type": TEMPLATE, "kind": kind,
                                                 "what": "template"})),
            html.Td(dbc.Button(t("upload.example", lang), size="sm", color="secondary",
                               outline=True, id={"type": TEMPLATE, "kind": kind,
                                                 "what": "example"})),
        ]))
    return html.Table(html.Tbody(rows), className="table table-sm align-middle small mb-2")


def confirm_modal(lang: str) -> dbc.Modal:
    return confirm_dialog((CONFIRM, CONFIRM_BODY, CONFIRM_CANCEL, CONFIRM_OK),
                          t("upload.confirm.title", lang), t("upload.confirm.cancel", lang),
                          t("upload.confirm.ok", lang))


def issues_box(lang: str) -> html.Div:
    severities = [{"label": t(f"upload.issues.{k}", lang), "value": k}
                  for k in ("all", "errors", "warnings")]
    return html.Div([
        html.H3(t("upload.issues", lang), className="h6 mt-3"),
        dbc.Row([
            dbc.Col([dbc.Label(t("upload.issues.filter", lang), html_for=ISSUE_FILTER,
                               className="visually-hidden"),
                     dbc.Input(id=ISSUE_FILTER, type="search", debounce=True,
                               placeholder=t("upload.issues.filter", lang), size="sm")], md=5),
            dbc.Col([dbc.Label(t("upload.issues.severity", lang), html_for=ISSUE_SEVERITY,
                               className="visually-hidden"),
                     dbc.Select(id=ISSUE_SEVERITY, options=severities, value="all",
                                size="sm")], md=4),
            dbc.Col(dbc.Button(t("upload.issues.csv", lang), id=ISSUES_CSV, size="sm",
                               color="secondary", outline=True), width="auto"),
        ], className="g-2 mb-2"),
        html.Div(id=ISSUES, className="table-responsive"),
        dcc.Download(id=REPORT_DOWNLOAD),
    ], id=ISSUES_BOX, className="d-none")


def as_of_field(lang: str) -> list:
    """The optional as-of date: a labelled native date field (keyboard and phone friendly)
    with its help text right under it."""
    return [
        dbc.Label(t("upload.as_of", lang), html_for=AS_OF, className="small mb-1"),
        dbc.Input(id=AS_OF, type="date", size="sm", debounce=700,
                  max=dt.date.today().isoformat(), style={"maxWidth": "14rem"}),
        html.Div(t("upload.as_of.help", lang), id=AS_OF_HELP,
                 className="form-text small mt-1"),
    ]


def as_of_value(value) -> dt.date | None:
    """The as-of date the page sends (ISO text from the date field; empty for none).

    ValueError for anything else: the value comes from the browser.
    """
    return parse_day(value)


def as_of_sentence(as_of: str | None, taken: bool, lang: str) -> str | None:
    """What the review says of a case file's as-of date: the one given, or the one taken
    from the file (the end of the month of its latest date, or today when that month is
    not over yet); None for files without one."""
    day = parse_day(as_of) if as_of else None
    if day is None:
        return None
    date = fmt_date(day, lang)
    if not taken:
        return t("upload.as_of.given", lang, date=date)
    month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) \
        - dt.timedelta(days=1)
    key = "upload.as_of.default" if day == month_end else "upload.as_of.today"
    return t(key, lang, date=date)


def page(lang: str, limit: int, state: dict) -> html.Div:
    steps = html.Div([
        card(t("upload.step.file", lang), drop_zone(lang, limit)),
        card(t("upload.step.review", lang), [
            dbc.Row([dbc.Col([
                dbc.Label(t("upload.kind", lang), html_for=KIND, className="small mb-1"),
                dbc.Select(id=KIND, options=kind_options(lang), value=AUTO, size="sm"),
            ], md=6), dbc.Col(profile_view.chooser(lang), md=6),
                dbc.Col(as_of_field(lang), md=6)], className="mb-3 g-2"),
            html.Div(dbc.Progress(id=REVIEW_BAR, value=0, striped=True, animated=True,
                                  style={"height": "1.2rem"}),
                     id=REVIEW_BUSY, className="d-none"),
            html.Div(html.P(t("upload.review.empty", lang), className="text-muted small mb-0"),
                     id=REVIEW),
            profile_view.panel(lang),
            issues_box(lang),
        ]),
        card(t("upload.step.load", lang), [
            html.P(t("upload.load.help", lang), className="small text-muted"),
            dbc.Button(t("upload.load", lang), id=LOAD, color="primary", disabled=True),
            html.Div(dbc.Progress(id=LOAD_BAR, value=0, striped=True, animated=True,
                                  style={"height": "1.4rem"}),
                     id=LOAD_BUSY, className="d-none"),
        ]),
        html.Div(id=JOB),
    ])
    side = html.Div([
        card(t("upload.templates", lang), [
            html.P(t("upload.templates.help", lang), className="small text-muted"),
            templates_table(lang),
        ]),
        card(t("upload.formats", lang), _formats(lang, limit)),
    ])
    return html.Div([
        dcc.Store(id=ids.page_state("upload"), data={**state, "page": "upload"}),
        dcc.Store(id=TOKEN),
        dcc.Store(id=REVIEW_STATE),
        dcc.Store(id=RESULT_DATA),
        dcc.Download(id=DOWNLOAD),
        dcc.Interval(id=JOB_TICK, interval=1500, disabled=True),
        confirm_modal(lang),
        html.H1(t("upload.title", lang), className="h3 mt-3"),
        html.P(t("upload.intro", lang, limit=megabytes(limit)), className="text-muted"),
        dbc.Row([dbc.Col(steps, lg=8), dbc.Col(side, lg=4)]),
    ])


def _formats(lang: str, limit: int) -> html.Ul:
    items = [t("upload.formats.containers", lang), t("upload.formats.encodings", lang),
             t("upload.formats.delimiters", lang), t("upload.formats.dates", lang),
             t("upload.formats.booleans", lang),
             t("upload.formats.limit", lang, limit=megabytes(limit))]
    return html.Ul([html.Li(i) for i in items], className="small mb-0")


# --- what was read -------------------------------------------------------------------------


def detected_rows(detected: dict, filename: str, size: int, lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs of what the reader and validator found, in ``lang`` (pure)."""
    kind = detected.get("kind")
    delimiter = detected.get("delimiter")
    date_format = detected.get("date_format")
    fmt = detected.get("format")
    rows = detected.get("rows")
    return [
        (t("upload.detected.file", lang), filename),
        (t("upload.detected.size", lang), file_size(size, lang)),
        (t("upload.detected.kind", lang),
         t(f"upload.kind.{kind}", lang) if kind in KINDS else t("upload.kind.unknown", lang)),
        (t("upload.detected.format", lang), t(f"upload.format.{fmt}", lang) if fmt else NONE),
        (t("upload.detected.encoding", lang), ENCODINGS.get(detected.get("encoding", ""), NONE)),
        (t("upload.detected.delimiter", lang),
         t(f"upload.delimiter.{DELIMITERS[delimiter]}", lang) if delimiter in DELIMITERS
         else NONE),
        (t("upload.detected.date_format", lang),
         t("upload.date.mixed", lang) if date_format == "mixed" else (date_format or NONE)),
        (t("upload.detected.rows", lang), fmt_number(rows, 0, lang) if rows is not None else NONE),
    ] + ([(t("upload.detected.read_as", lang),
           "; ".join(f"{name} → {field}" for name, field in detected["read_as"].items()))]
         if detected.get("read_as") else [])


def file_size(n_bytes: int, lang: str) -> str:
    if n_bytes < 1 << 20:
        return t("upload.size.kb", lang, n=fmt_number(max(n_bytes / 1024, 0.1), 1, lang))
    return t("upload.size.mb", lang, n=fmt_number(n_bytes / (1 << 20), 1, lang))


def cell_text(value, lang: str) -> str:
    """One previewed cell as parsed: dates as dates, yes/no as words, missing as a dash."""
    if value is None or value is pd.NA or value is pd.NaT:
        return NONE
    if isinstance(value, float) and math.isnan(value):
        return NONE
    if isinstance(value, (bool, np.bool_)):
        return t("upload.yes" if value else "upload.no", lang)
    if isinstance(value, (pd.Timestamp, dt.date, np.datetime64)):
        day = pd.Timestamp(value)
        return day.strftime("%Y-%m-%d") if lang == "en" else day.strftime("%d.%m.%Y")
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return fmt_number(v, 0 if v.is_integer() else 2, lang)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value)


def preview_rows(frame: pd.DataFrame, lines, columns: list[str], lang: str,
                 n: int = PREVIEW_ROWS) -> list[list[str]]:
    """The first ``n`` rows: the file line, then each column's cell as parsed (pure)."""
    head = frame.head(n)
    out = []
    for i, (_, row) in enumerate(head.iterrows()):
        line = str(int(lines[i])) if lines is not None and i < len(lines) else ""
        out.append([line] + [cell_text(row[c], lang) for c in columns])
    return out


def table(header: list[str], rows: list[list], class_name: str = "") -> html.Table:
    return html.Table([
        html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
        html.Tbody([html.Tr([html.Td(c) for c in r]) for r in rows]),
    ], className=f"table table-sm table-striped small {class_name}".strip())


def review_view(summary: dict, detected: list[tuple[str, str]], preview_header: list[str],
                preview: list[list[str]], lang: str, plausibility=None) -> html.Div:
    """What was read, the verdict, the plausibility flags against what is loaded (for
    the kinds that have them: ``(table or None, flags)``) and the first rows as parsed."""
    errors, warnings = summary["error_count"], summary["warning_count"]
    status = summary["status"]
    if status == "already_loaded":
        verdict = dbc.Alert(t("upload.already", lang, id=summary["upload_id"]), color="info")
    elif status == "expired":
        verdict = dbc.Alert(t("upload.expired", lang), color="warning")
    elif status == "bad_as_of":
        verdict = dbc.Alert(t("upload.as_of.bad", lang, value=summary.get("value", "")),
                            color="danger")
    elif errors:
        verdict = dbc.Alert(t("upload.has_errors", lang), color="danger")
    elif summary.get("busy"):
        verdict = dbc.Alert(t("upload.running_elsewhere", lang, file=summary["busy"]),
                            color="warning")
    else:
        verdict = dbc.Alert(t("upload.ok_warnings" if warnings else "upload.ok", lang),
                            color="success")
    parts = [verdict]
    if status in ("already_loaded", "expired", "bad_as_of"):
        return html.Div(parts, id=P + "verdict")
    badges = html.Div([
        dbc.Badge(t("upload.count.errors", lang, count=fmt_number(errors, 0, lang)),
                  color="danger" if errors else "secondary", className="me-2 p-2",
                  id=P + "error-count"),
        dbc.Badge(t("upload.count.warnings", lang, count=fmt_number(warnings, 0, lang)),
                  color="warning" if warnings else "secondary", className="p-2",
                  text_color="dark" if warnings else None, id=P + "warning-count"),
    ], className="mb-3")
    parts.append(badges)
    as_of = as_of_sentence(summary.get("as_of"), bool(summary.get("as_of_default")), lang)
    if as_of:
        # The date given stands out; the longer sentence of a date taken reads as text.
        parts.append(html.P(as_of, id=P + "as-of-note",
                            className="mb-3" if summary.get("as_of_default")
                            else "mb-3 fw-semibold"))
    if summary.get("truncated"):
        parts.append(html.P(t("upload.truncated", lang, kept=fmt_number(
            summary["truncated"], 0, lang)), className="small text-muted"))
    parts.append(dbc.Row([
        dbc.Col([html.H3(t("upload.detected", lang), className="h6"),
                 html.Table(html.Tbody([html.Tr([html.Th(k, scope="row", className="fw-normal"),
                                                 html.Td(v, className="fw-semibold")])
                                        for k, v in detected]),
                            className="table table-sm small", id=P + "detected")], md=6),
    ]))
    if plausibility is not None:
        flag_table, found = plausibility
        parts.append(html.Div([
            html.H3(t("flags.title", lang), className="h6 mt-2"),
            html.P(t("flags.upload" if len(found) else "flags.upload.none", lang),
                   className="small"),
            html.Div(flag_table, className="table-responsive") if flag_table is not None
            else None,
        ], id=P + "plausibility"))
    parts.append(html.H3(t("upload.preview", lang), className="h6 mt-2"))
    if preview:
        parts.append(html.Div(table(preview_header, preview), className="table-responsive",
                              id=P + "preview"))
    else:
        parts.append(html.P(t("upload.preview.none", lang), className="small text-muted"))
    return html.Div(parts, id=P + "verdict")


def issues_table(rows: list[dict], total: int, lang: str) -> html.Div | html.P:
    if not total:
        return html.P(t("upload.issues.none", lang), className="small text-muted mb-0")
    header = [t(f"upload.col.{c}", lang) for c in ("severity", "line", "column", "value",
                                                   "message")]
    shown = rows[:ISSUES_SHOWN]
    body = [[r["severity"], "" if r["line"] is None else str(r["line"]), r["column"] or "",
             r["value"] or "", r["message"]] for r in shown]
    return html.Div([
        table(header, body, "upload-issues-table"),
        html.P(t("upload.issues.shown", lang, shown=fmt_number(len(shown), 0, lang),
                 total=fmt_number(total, 0, lang)), className="small text-muted mb-0"),
    ])


# --- the load and its result --------------------------------------------------------


def progress_label(step: str, lang: str) -> str:
    return t(f"upload.progress.{PROGRESS_STEPS.get(step, 'working')}", lang)


def _clock(epoch: float | None) -> str:
    if not epoch:
        return ""
    return dt.datetime.fromtimestamp(float(epoch)).strftime("%d.%m.%Y %H:%M:%S")


def job_view(record: dict | None, state: str | None, court_names: dict, lang: str,
             warnings: list[str] | None = None):
    """The user's last load: running, finished (with its result), failed or interrupted.

    ``warnings`` are the kept warnings as sentences in ``lang``.
    """
    if not record or not state:
        return None
    file = record.get("filename", "")
    body: list = []
    if state == "running":
        fraction = float(record.get("fraction") or 0)
        body += [
            html.P(t("upload.job.running", lang, file=file, time=_clock(record.get("started")))),
            dbc.Progress(value=round(100 * fraction), label=progress_label(
                record.get("step", ""), lang), striped=True, animated=True,
                style={"height": "1.4rem"}, id=P + "job-bar"),
        ]
        color = "info"
    elif state == "interrupted":
        body.append(html.P(t("upload.job.interrupted", lang, file=file)))
        color = "warning"
    elif state == "failed":
        body.append(html.P(t("upload.job.failed", lang, file=file,
                             error=record.get("error") or "")))
        color = "danger"
    else:
        report = record.get("report") or {}
        body += _result(report, file, court_names, lang, warnings or [])
        body.append(html.P(t("upload.job.took", lang, time=_clock(record.get("finished")),
                             seconds=fmt_number(float(record.get("finished") or 0)
                                                - float(record.get("started") or 0), 1, lang)),
                           className="small text-muted mb-0"))
        color = {"loaded": "success", "already_loaded": "info"}.get(report.get("status", ""),
                                                                     "danger")
    return html.Div(dbc.Card([
        dbc.CardHeader(html.H2(t("upload.job.title", lang), className="h6 mb-0")),
        dbc.CardBody(body)], className=f"mb-3 border-{color}"),
        id=P + "job-card", **attrs(data_state=state, data_job=record.get("id", "")))


def _result(report: dict, file: str, court_names: dict, lang: str,
            warnings: list[str]) -> list:
    status = report.get("status")
    n = lambda v: fmt_number(v or 0, 0, lang)  # noqa: E731
    if status == "already_loaded":
        return [html.P(t("upload.job.already", lang, file=file, id=report.get("upload_id")))]
    if status != "loaded":
        return [html.P(t("upload.job.rejected", lang, file=file,
                         errors=n(report.get("error_count"))))]
    kind = report.get("kind")
    out = [
        html.P(t("upload.job.loaded", lang, id=report.get("upload_id"), file=file,
                 kind=t(f"upload.kind.{kind}", lang) if kind in KINDS else "",
                 rows=n(report.get("rows"))), className="fw-semibold", id=P + "loaded"),
        html.Ul([
            html.Li(t("upload.job.inserted", lang, count=n(report.get("inserted")))),
            html.Li(t("upload.job.replaced", lang, count=n(report.get("replaced")))),
            html.Li(t("upload.job.unchanged", lang, count=n(report.get("unchanged")))),
            *([html.Li(t("upload.job.cells", lang, count=n(report["kpi_cells"])))]
              if report.get("kpi_cells") is not None else []),
        ], id=P + "counts"),
    ]
    if report.get("warning_count"):
        out.append(html.Details([
            html.Summary(t("upload.job.warnings", lang, count=n(report.get("warning_count")))),
            html.Ul([html.Li(w) for w in warnings], className="small"),
        ], className="mb-2"))
    courts = report.get("courts") or []
    if courts:
        shown = courts[:MAX_COURT_LINKS]
        links: list = []
        for code in shown:
            if links:
                links.append(", ")
            links.append(dcc.Link(court_names.get(code, code), href=f"/court/{code}"))
        if len(courts) > len(shown):
            links.append(" " + t("upload.job.more", lang, count=n(len(courts) - len(shown))))
        out.append(html.P([t("upload.job.courts", lang, count=n(len(courts))), " ", *links],
                          id=P + "courts"))
    out.append(html.P(dcc.Link(t("upload.job.history", lang), href="/uploads"),
                      className="small"))
    return out


MAX_COURT_LINKS = 40
