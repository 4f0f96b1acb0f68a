"""The upload log as the upload and history pages read it (analysts and admins only: the
pages' permission says so). Holds no figures of any court. No writes here."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, text

from data.store import frames


def uploads(conn: Connection) -> pd.DataFrame:
    return frames.read_sql(
        conn,
        'SELECT id, created_at, "user", source, kind, filename, size_bytes, sha256, rows, '
        "inserted, replaced, unchanged, warning_count, status, undone_at, undone_by, as_of "
        "FROM uploads ORDER BY id",
    )


def uploads_with_warnings(conn: Connection) -> pd.DataFrame:
    return frames.read_sql(
        conn, "SELECT id, filename, kind, warning_count, warnings FROM uploads "
              "WHERE warning_count > 0 AND status = 'loaded' ORDER BY id DESC")


def upload_record(conn: Connection, upload_id: int) -> dict | None:
    """One upload with its stored warnings (a JSON list of issues) for its report."""
    df = frames.read_sql(
        conn, 'SELECT id, created_at, "user", kind, filename, size_bytes, sha256, rows, '
              "inserted, replaced, unchanged, warning_count, warnings, status "
              "FROM uploads WHERE id = :id", {"id": int(upload_id)})
    return None if df.empty else df.iloc[0].to_dict()


def upload_counts(conn: Connection, upload_id: int) -> dict | None:
    """An upload's kind and row counts as its load report gives them, or None."""
    row = conn.execute(text(
        "SELECT kind, rows, inserted, replaced, unchanged, warning_count FROM uploads "
        "WHERE id = :id"), {"id": int(upload_id)}).mappings().first()
    return None if row is None else dict(row)

