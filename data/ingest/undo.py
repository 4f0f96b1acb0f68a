"""Undo of an upload: what it replaced restored, what it inserted removed, in one
transaction, audited; refused with a sentence when data.ingest.undo_rules says so (the
page's preview asks the same rules)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import Engine, text

from data.accounts import audit
from data.ingest import undo_rules
from data.ingest.load import Changes, LoadReport, refresh_after
from data.store import frames
from data.store.schema import KINDS


class UndoRefused(Exception):
    """The undo cannot be done; str(e) says why in a plain sentence."""


def undo(engine: Engine, upload_id: int, user: str = "cli",
         address: str | None = None) -> LoadReport:
    """Restore exactly what ``upload_id`` replaced and remove what it inserted.

    Refused (UndoRefused, with the sentence of data.ingest.undo_rules) when a later,
    still loaded upload changed the same rows, when rows it inserted are now held by
    other data, or when rows it replaced were edited on a page since.
    """
    with engine.begin() as conn:
        up = undo_rules.upload_row(conn, upload_id)
        refused = undo_rules.refusal(conn, upload_id, up)
        if refused is not None or up is None:
            assert refused is not None
            raise UndoRefused(refused.sentence(upload_id, up["filename"] if up else ""))
        kind = KINDS[up["kind"]]
        cols = ", ".join(kind.column_names)
        current = frames.typed(frames.read_sql(
            conn, f"SELECT {cols} FROM {kind.table} WHERE upload_id = :id", {"id": upload_id}),
            kind.table)
        hist = frames.read_sql(
            conn, "SELECT prev_upload_id, row FROM row_history WHERE upload_id = :id "
                  "ORDER BY id", {"id": upload_id})
        restored = pd.DataFrame(columns=list(kind.column_names))
        if not hist.empty:
            restored = pd.DataFrame([json.loads(r) for r in hist["row"]])
            restored["upload_id"] = pd.array(hist["prev_upload_id"].to_numpy(), dtype="Int64")
            restored = frames.typed(restored, kind.table)
        conn.execute(text(f"DELETE FROM {kind.table} WHERE upload_id = :id"), {"id": upload_id})
        frames.insert_frame(conn, kind.table, restored)
        conn.execute(text("UPDATE uploads SET status = 'undone', undone_at = :t, "
                          "undone_by = :u WHERE id = :id"),
                     {"t": dt.datetime.now(dt.UTC), "u": user[:120], "id": upload_id})
        changes = Changes(up["kind"], written=current, old=restored.drop(
            columns=["upload_id"], errors="ignore"))
        report = LoadReport("undone", up["filename"], up["kind"], upload_id=upload_id)
        report.replaced = len(restored)
        report.inserted = len(current) - len(restored)
        report.courts, report.kpi_cells = refresh_after(conn, kind, changes)
        audit.record(conn, user, "undo",
                     f"#{upload_id} {up['filename']} ({up['kind']}): {report.inserted} rows "
                     f"removed, {report.replaced} restored", address)
    return report
