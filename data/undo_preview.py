"""What undoing an upload would do, or why it cannot be done, without doing it.

The confirmation on the history page says this before anyone clicks: how many rows
the upload inserted (they go) and how many it replaced (they come back), or the
reason data.load.undo will refuse, as a code with parameters so the page can say it
in the reader's language. Counting only, so it is quick even for a million cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from data import store
from data.schema import KINDS
from data.targets_edit import edited_since

# Rows an upload of this kind inserted cannot go while these tables use them
# (the same rule as data.load.undo).
REFERENCED_BY = {
    "regions": ("region_code", ("courts",)),
    "courts": ("court_code", ("cases", "caseload", "resources", "surveys")),
}


@dataclass(frozen=True)
class Refusal:
    """Why an undo is refused: ``code`` names the sentence, ``params`` fill it."""

    code: str  # "missing" | "undone" | "later_upload" | "referenced" | "edited"
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UndoPreview:
    upload_id: int
    filename: str = ""
    kind: str = ""
    removed: int = 0  # rows the upload inserted, which the undo deletes
    restored: int = 0  # rows the upload replaced, which the undo puts back
    refusal: Refusal | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def undo_preview(conn: Connection, upload_id: int) -> UndoPreview:
    """Counts of what ``data.load.undo(upload_id)`` would remove and restore, or why
    it would refuse (first reason found, in the order the undo checks them)."""
    up = conn.execute(text("SELECT id, kind, filename, status FROM uploads WHERE id = :id"),
                      {"id": upload_id}).mappings().first()
    if up is None:
        return UndoPreview(upload_id, refusal=Refusal("missing", {"id": upload_id}))
    base = {"upload_id": upload_id, "filename": up["filename"], "kind": up["kind"]}
    if up["status"] != "loaded":
        return UndoPreview(**base, refusal=Refusal("undone", {"id": upload_id}))
    later = conn.execute(text(
        "SELECT DISTINCT u.id, u.filename FROM row_history h "
        "JOIN uploads u ON u.id = h.upload_id "
        "WHERE h.prev_upload_id = :id AND u.status = 'loaded' ORDER BY u.id"),
        {"id": upload_id}).all()
    if later:
        names = "; ".join(f"#{r[0]} {r[1]}" for r in later)
        return UndoPreview(**base, refusal=Refusal("later_upload", {"uploads": names}))
    table = KINDS[up["kind"]].table
    current = int(conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE upload_id = :id"),
                               {"id": upload_id}).scalar() or 0)
    restored = int(conn.execute(text("SELECT COUNT(*) FROM row_history WHERE upload_id = :id"),
                                {"id": upload_id}).scalar() or 0)
    counts = {**base, "removed": max(current - restored, 0), "restored": restored}
    refusal = _referenced(conn, up["kind"], upload_id)
    if refusal is None and up["kind"] == "targets":
        edited = edited_since(conn, upload_id)
        if edited:
            shown = ", ".join(f"{k} {y}{' ' + c if c else ''}" for k, y, c in edited[:5])
            more = len(edited) - 5
            refusal = Refusal("edited", {"n": len(edited),
                                         "targets": shown + (f" … (+{more})" if more > 0
                                                             else "")})
    return UndoPreview(**counts, refusal=refusal)


def _referenced(conn: Connection, kind: str, upload_id: int) -> Refusal | None:
    """A region or court the upload added that other data now uses."""
    if kind not in REFERENCED_BY:
        return None
    col, others = REFERENCED_BY[kind]
    table = KINDS[kind].table
    mine = store.read_sql(conn, f"SELECT {col} FROM {table} WHERE upload_id = :id",
                          {"id": upload_id})
    hist = store.read_sql(conn, "SELECT row FROM row_history WHERE upload_id = :id",
                          {"id": upload_id})
    before = {json.loads(r).get(col) for r in hist["row"]}
    inserted = sorted(set(mine[col].dropna()) - before)
    if not inserted:
        return None
    cond, params = store.in_list(col, inserted)
    for other in others:
        row = conn.execute(text(f"SELECT {col} FROM {other} WHERE {cond} LIMIT 1"),
                           params).first()
        if row is not None:
            return Refusal("referenced", {"value": str(row[0]), "table": other})
    return None
