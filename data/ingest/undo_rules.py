"""When an upload may be undone, and what undoing it would do: the rules, written once.

``data.ingest.undo.undo`` asks ``refusal`` before it changes anything and raises its
sentence; the confirmation on the history page asks ``undo_preview`` before anyone
clicks: how many rows the upload inserted (they go) and how many it replaced (they
come back), or the reason as a code with parameters, so the page can say it in the
reader's language. Counting only, so it is quick even for a million cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, RowMapping, text

from data.store import frames
from data.store.schema import KINDS

# English sentences of the refusals (the pages translate ``uploads.refusal.<code>``).
SENTENCES = {
    "missing": "There is no upload #{id}.",
    "undone": "Upload #{id} ({filename}) is already undone.",
    "later_upload": "Upload #{id} cannot be undone: a later upload changed the same rows "
                    "({uploads}). Undo that upload first.",
    "referenced": "Upload #{id} cannot be undone: '{value}', which it added, is used by data "
                  "in '{table}'. Undo or replace that data first.",
    "edited": "Upload #{id} cannot be undone: {n} of the targets it replaced were edited on "
              "the targets page since ({targets}). Change them there instead.",
}


@dataclass(frozen=True)
class Refusal:
    """Why an undo is refused: ``code`` names the sentence, ``params`` fill it."""

    code: str  # "missing" | "undone" | "later_upload" | "referenced" | "edited"
    params: dict = field(default_factory=dict)

    def sentence(self, upload_id: int, filename: str = "") -> str:
        return SENTENCES[self.code].format(**{"id": upload_id, "filename": filename,
                                               **self.params})


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


def upload_row(conn: Connection, upload_id: int) -> RowMapping | None:
    return conn.execute(text("SELECT id, kind, filename, status FROM uploads WHERE id = :id"),
                        {"id": upload_id}).mappings().first()


def refusal(conn: Connection, upload_id: int, up: RowMapping | None) -> Refusal | None:
    """The first reason the undo of ``up`` (the row of ``upload_id``) is refused, in this
    order: it does not exist, it is undone, a later upload changed its rows, a row it
    added is held by other data, a target it replaced was edited since."""
    if up is None:
        return Refusal("missing", {"id": upload_id})
    if up["status"] != "loaded":
        return Refusal("undone", {"id": upload_id})
    later = conn.execute(text(
        "SELECT DISTINCT u.id, u.filename FROM row_history h "
        "JOIN uploads u ON u.id = h.upload_id "
        "WHERE h.prev_upload_id = :id AND u.status = 'loaded' ORDER BY u.id"),
        {"id": upload_id}).all()
    if later:
        return Refusal("later_upload", {"uploads": "; ".join(f"#{r[0]} {r[1]}" for r in later)})
    return _held(conn, up["kind"], upload_id) or _edited(conn, up["kind"], upload_id)


def undo_preview(conn: Connection, upload_id: int) -> UndoPreview:
    """Counts of what ``data.ingest.undo.undo(upload_id)`` would remove and restore, or
    why it would refuse."""
    up = upload_row(conn, upload_id)
    refused = refusal(conn, upload_id, up)
    if up is None:
        return UndoPreview(upload_id, refusal=refused)
    base = {"upload_id": upload_id, "filename": up["filename"], "kind": up["kind"]}
    if refused is not None and refused.code == "undone":
        return UndoPreview(**base, refusal=refused)
    if refused is not None and refused.code == "later_upload":
        return UndoPreview(**base, refusal=refused)
    table = KINDS[up["kind"]].table
    current = int(conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE upload_id = :id"),
                               {"id": upload_id}).scalar() or 0)
    restored = int(conn.execute(text("SELECT COUNT(*) FROM row_history WHERE upload_id = :id"),
                                {"id": upload_id}).scalar() or 0)
    return UndoPreview(**base, removed=max(current - restored, 0), restored=restored,
                       refusal=refused)


def _held(conn: Connection, kind_name: str, upload_id: int) -> Refusal | None:
    """A row the upload added (a region, a court) that other data now uses
    (``Kind.references`` of the other kinds)."""
    kind = KINDS[kind_name]
    holders = kind.holders()
    if not holders:
        return None
    col = kind.key[0]  # the code other kinds name (a region's, a court's)
    mine = frames.read_sql(conn, f"SELECT {col} FROM {kind.table} WHERE upload_id = :id",
                           {"id": upload_id})
    hist = frames.read_sql(conn, "SELECT row FROM row_history WHERE upload_id = :id",
                           {"id": upload_id})
    before = {json.loads(r).get(col) for r in hist["row"]}
    inserted = sorted(set(mine[col].dropna()) - before)
    if not inserted:
        return None
    for table, column in holders:
        cond, params = frames.in_list(column, inserted)
        row = conn.execute(text(f"SELECT {column} FROM {table} WHERE {cond} LIMIT 1"),
                           params).first()
        if row is not None:
            return Refusal("referenced", {"value": str(row[0]), "table": table})
    return None


def _edited(conn: Connection, kind_name: str, upload_id: int) -> Refusal | None:
    """Rows edited on a page (``Kind.editable``) since this upload replaced them stay as
    edited: undoing it would overwrite the edits."""
    if not KINDS[kind_name].editable:
        return None
    edited = edited_since(conn, upload_id, kind_name)
    if not edited:
        return None
    shown = ", ".join(" ".join(str(v) for v in key if v != "") for key in edited[:5])
    more = len(edited) - 5
    return Refusal("edited", {"n": len(edited),
                              "targets": shown + (f" … (+{more})" if more > 0 else "")})


def edited_since(conn: Connection, upload_id: int, kind_name: str = "targets"
                 ) -> list[tuple]:
    """Keys of the rows upload ``upload_id`` replaced that something other than that
    upload changed afterwards (for targets: an edit on the targets page)."""
    kind = KINDS[kind_name]
    hist = frames.read_sql(conn, "SELECT row FROM row_history WHERE upload_id = :id "
                                 "AND table_name = :t", {"id": upload_id, "t": kind.table})
    if hist.empty:
        return []
    cast = [int if kind.column(c).type == "int" else (lambda v: str(v or ""))
            for c in kind.key]

    def key(values) -> tuple:
        return tuple(f(v) for f, v in zip(cast, values))

    replaced = {key(json.loads(raw).get(c) for c in kind.key) for raw in hist["row"]}
    now = frames.read_sql(conn, f"SELECT {', '.join(kind.key)} FROM {kind.table} "
                                "WHERE upload_id IS NULL OR upload_id <> :id",
                          {"id": upload_id})
    return sorted(replaced & {key(r) for r in now.itertuples(index=False)})
