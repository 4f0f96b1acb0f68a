"""The upload history page's parts: component IDs, grid columns and rows, the sentences
of the undo confirmation. Pure builders; the callbacks fetch the data."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import zoneinfo

import pandas as pd

from data.ingest.undo_rules import Refusal, UndoPreview
from layouts.format import fmt_date, fmt_number
from layouts.i18n import t

GRID = "uploads-grid"
REPORT = "uploads-report"
REPORT_DOWNLOAD = "uploads-report-download"
UNDO = "uploads-undo"
SELECTED = "uploads-selected"
MESSAGE = "uploads-message"
REFRESH = "uploads-refresh"
MODAL = "uploads-undo-modal"
MODAL_BODY = "uploads-undo-body"
CONFIRM = "uploads-undo-confirm"
CANCEL = "uploads-undo-cancel"
PENDING = "uploads-undo-pending"

# Kazakhstan has one time zone (UTC+5) since March 2024; Asia/Almaty follows it.
TIMEZONE = os.environ.get("COURT_KPI_TIMEZONE", "Asia/Almaty")
KNOWN_SOURCES = ("cli", "demo", "browser", "web", "api")
KNOWN_STATUSES = ("loaded", "undone")


def fmt_datetime(value, lang: str) -> str:
    """A stored time as local time: 28.11.2026 08:27 (kk, ru), 2026-11-28 08:27 (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        return ""
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(dt.UTC)  # stored in UTC; SQLite may drop the zone
    try:
        stamp = stamp.tz_convert(zoneinfo.ZoneInfo(TIMEZONE))
    except zoneinfo.ZoneInfoNotFoundError:
        pass
    return stamp.strftime("%Y-%m-%d %H:%M" if lang == "en" else "%d.%m.%Y %H:%M")


def fmt_size(size_bytes, lang: str) -> str:
    """1 536 → "1.5 kB" (en), "1,5 КБ" (ru)."""
    if size_bytes is None or pd.isna(size_bytes):
        return ""
    size = float(size_bytes)
    for unit, scale in (("gb", 1024 ** 3), ("mb", 1024 ** 2), ("kb", 1024)):
        if size >= scale:
            return f"{fmt_number(size / scale, 1, lang)} {t(f'history.size.{unit}', lang)}"
    return f"{int(size)} {t('history.size.b', lang)}"


def kind_name(kind: str, lang: str) -> str:
    return t(f"history.kind.{kind}", lang) if kind else ""


def _word(prefix: str, value: str, known: tuple[str, ...], lang: str) -> str:
    return t(f"{prefix}.{value}", lang) if value in known else str(value or "")


def upload_rows(uploads: pd.DataFrame, lang: str) -> list[dict]:
    """Grid rows, newest upload first; display texts made here, codes kept for logic."""
    rows = []
    for u in uploads.sort_values("id", ascending=False).itertuples(index=False):
        status = str(u.status)
        shown = _word("history.status", status, KNOWN_STATUSES, lang)
        if status == "undone" and u.undone_by:
            shown = t("history.undone_by", lang, status=shown, user=u.undone_by,
                      when=fmt_datetime(u.undone_at, lang))
        sha = str(u.sha256 or "")
        rows.append({
            "id": int(u.id),
            "when": f"{fmt_datetime(u.created_at, lang)}\n{u.user or ''} · "
                    f"{_word('history.source', str(u.source or ''), KNOWN_SOURCES, lang)}",
            "file": f"{u.filename or ''}\n{fmt_size(u.size_bytes, lang)} · SHA-256 {sha[:12]}…",
            "filename": str(u.filename or ""),
            "user": str(u.user or ""),
            "sha256": sha,
            "kind": kind_name(str(u.kind or ""), lang),
            # The day a case upload's data are as of; empty for other kinds.
            "as_of": fmt_date(getattr(u, "as_of", None), lang),
            "rows": int(u.rows or 0),
            "inserted": int(u.inserted or 0),
            "replaced": int(u.replaced or 0),
            "unchanged": int(u.unchanged or 0),
            "warnings": int(u.warning_count or 0),
            "status": shown,
            "status_code": status,
        })
    return rows


def column_defs(lang: str) -> list[dict]:
    def col(field: str, key: str, **extra) -> dict:
        return {"field": field, "headerName": t(key, lang), **extra}

    def number(field: str, key: str, width: int) -> dict:
        return col(field, key, width=width, type="rightAligned")

    # Two lines per upload (when / by whom from where; file / size and checksum), so
    # every field fits 1400 px without cutting dates or names.
    two_lines = {"wrapText": True, "autoHeight": True,
                 "cellStyle": {"whiteSpace": "pre-line", "lineHeight": "1.4",
                               "paddingTop": "6px", "paddingBottom": "6px"}}
    return [
        number("id", "history.col.id", 60),
        col("when", "history.col.when", width=190, sortable=False, filter=True,
            **two_lines),
        col("file", "history.col.file", minWidth=210, flex=2, filter=True,
            tooltipField="sha256", **two_lines),
        col("kind", "history.col.kind", width=130, filter=True, **two_lines),
        # The day a case upload's data are as of, written as the language writes dates
        # (not sortable as text: the upload number orders them).
        col("as_of", "history.col.as_of", width=110, sortable=False, filter=True),
        number("inserted", "history.col.inserted", 105),
        number("replaced", "history.col.replaced", 135),
        number("unchanged", "history.col.unchanged", 120),
        number("warnings", "history.col.warnings", 120),
        col("status", "history.col.status", minWidth=180, flex=1, filter=True,
            tooltipField="status", **two_lines),
    ]


# Undone uploads stay listed, greyed: AG Grid's own condition language (no eval).
ROW_STYLE = {"styleConditions": [{"condition": "params.data.status_code === 'undone'",
                                  "style": {"color": "#6c757d", "fontStyle": "italic"}}]}


def refusal_text(refusal: Refusal, lang: str) -> str:
    params = dict(refusal.params)
    if refusal.code == "referenced":
        params["table"] = kind_name(params.get("table", ""), lang)
    return t(f"history.refused.{refusal.code}", lang, **params)


def preview_lines(preview: UndoPreview, lang: str) -> list[str]:
    """What the undo will do: rows that go, rows that come back."""
    return [t("history.undo_removed", lang, n=fmt_number(preview.removed, 0, lang)),
            t("history.undo_restored", lang, n=fmt_number(preview.restored, 0, lang))]


def report_frame(record: dict | None, lang: str, issue_text) -> pd.DataFrame:
    """An upload's validation report: one row per warning kept with it (translated)."""
    columns = [t("history.report.line", lang), t("history.report.column", lang),
               t("history.report.value", lang), t("history.report.message", lang)]
    issues = json.loads((record or {}).get("warnings") or "[]")
    rows = [[i.get("line"), i.get("column"), i.get("value"), issue_text(i, lang)]
            for i in issues]
    if not rows:
        rows = [[None, None, None, t("history.report.none", lang)]]
    left = int((record or {}).get("warning_count") or 0) - len(issues)
    if left > 0:
        rows.append([None, None, None, t("history.report.more", lang, n=left)])
    return pd.DataFrame(rows, columns=columns)
