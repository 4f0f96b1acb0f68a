"""Notes on the figures: "2024: courts No. 2 and 3 merged" on a court-, region- or
national year, optionally for one KPI (issue 15).

Analysts, staff and admins add, edit and delete them (checked here, so every caller
is covered), each change audited in its own transaction. Everyone reads the notes of
what they may see: a judge those of the nation, the regions and their own court.
A note is plain text of at most MAX_TEXT characters in any language; markup is
refused rather than escaped, so nothing a note holds can ever run as HTML, in a page,
a report or another system reading the API. Invisible bidirectional controls (U+202E
and the like, which can make text read otherwise than it is stored) are refused too,
and so is a text that is not a string (a forged request's list or object).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TypeGuard

import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert, select, update

from data.accounts import audit
from data.accounts.access import ANNOTATE, Viewer
from data.refusals import Refused
from data.store.models import Annotation, Court, Region

MAX_TEXT = 2000
LEVELS = ("national", "region", "court")
NATIONAL_CODE = "KZ"
# A tag, a comment or a character reference: "<b>", "</p", "<!--", "&lt;", "&#60;".
_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z]|<!--|&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Unicode bidirectional controls: embeddings and overrides (U+202A-U+202E), isolates
# (U+2066-U+2069), the left-to-right, right-to-left and Arabic letter marks.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
COLUMNS = ["id", "level", "code", "year", "kpi", "text", "created_by", "created_at",
           "updated_by", "updated_at"]


class NoteError(Refused):
    """A note that cannot be saved: ``code`` and ``params`` say why (translated by pages)."""

    MESSAGES = {
        "forbidden": "Only analysts, staff and admins can add, edit or delete notes.",
        "empty": "A note needs some text.",
        "too_long": "A note is at most {limit} characters ({length} given).",
        "markup": "A note is plain text: markup such as '{found}' is not accepted.",
        "bidi": "A note is plain text: invisible direction controls ({found}) are not "
                "accepted.",
        "not_text": "A note is text: a list or other value is not accepted.",
        "level": "The level is national, region or court.",
        "unit": "'{code}' is not a known {level}.",
        "year": "The year is a year between 1990 and 2100.",
        "kpi": "'{kpi}' is not a KPI of the catalogue.",
        "missing": "There is no note #{id}.",
    }


@dataclass(frozen=True)
class Note:
    level: str
    code: str
    year: int
    kpi: str  # "" = the year as a whole
    text: str


def clean_text(text: str) -> str:
    """The text as stored: control characters dropped, line ends unified, trimmed."""
    return _CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n")).strip()


def check(conn: Connection, note: Note) -> Note:
    """The note as stored, or NoteError naming the first problem."""
    from kpi.catalogue import KPIS

    if note.level not in LEVELS:
        raise NoteError("level")
    code = NATIONAL_CODE if note.level == "national" else str(note.code or "").strip()
    if note.level != "national":
        column = Region.region_code if note.level == "region" else Court.court_code
        if conn.execute(select(column).where(column == code)).first() is None:
            raise NoteError("unit", code=code[:64], level=note.level)
    if not isinstance(note.year, int) or isinstance(note.year, bool) \
            or not 1990 <= note.year <= 2100:
        raise NoteError("year")
    kpi = note.kpi or ""
    if kpi and kpi not in KPIS:
        raise NoteError("kpi", kpi=str(kpi)[:64])
    if not isinstance(note.text, str):
        raise NoteError("not_text")
    text = clean_text(note.text)
    if not text:
        raise NoteError("empty")
    problem = plain_text_problem(text, MAX_TEXT)
    if problem:
        raise NoteError(problem[0], **problem[1])
    return Note(note.level, code, note.year, kpi, text)


def plain_text_problem(text: str, limit: int) -> tuple[str, dict] | None:
    """Why ``text`` is no plain text of at most ``limit`` characters, as a refusal's code
    and parameters (notes on the figures and release notes share it), or None."""
    if len(text) > limit:
        return "too_long", {"limit": limit, "length": len(text)}
    for code, found in (("markup", markup_in(text)), ("bidi", bidi_in(text))):
        if found:
            return code, {"found": found}
    return None


def markup_in(text: str) -> str | None:
    """The first piece of markup in ``text`` ("<b", "&lt;"), or None for plain text."""
    found = _MARKUP.search(text)
    return found.group(0) if found else None


def bidi_in(text: str) -> str | None:
    """The first bidirectional control in ``text`` as "U+202E", or None."""
    found = _BIDI.search(text)
    return f"U+{ord(found.group(0)):04X}" if found else None


def is_id(value: object) -> TypeGuard[int]:
    """A note id as the database keeps it (a 32-bit integer): anything else is no note."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _may_write(viewer: Viewer) -> None:
    if not viewer.can(ANNOTATE):
        raise NoteError("forbidden")


def _describe(note: Note) -> str:
    unit = note.code if note.level != "national" else "national"
    return f"{unit} {note.year}{' ' + note.kpi if note.kpi else ''}: {note.text[:200]}"


def add(engine: Engine, note: Note, viewer: Viewer, address: str | None = None) -> int:
    """Store a new note, audited; its id."""
    _may_write(viewer)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        note = check(conn, note)
        new_id = conn.execute(insert(Annotation).values(
            level=note.level, code=note.code, year=note.year, kpi=note.kpi, text=note.text,
            created_by=viewer.username[:120], created_at=now,
            updated_by=viewer.username[:120], updated_at=now)
        ).inserted_primary_key[0]  # type: ignore[index]  # one row inserted, one key
        audit.record(conn, viewer.username, "note_added", f"#{new_id} {_describe(note)}",
                     address)
    return int(new_id)


def edit(engine: Engine, note_id: int, note: Note, viewer: Viewer,
         address: str | None = None) -> None:
    """Replace a note's unit, year, KPI and text, audited."""
    _may_write(viewer)
    if not is_id(note_id):
        raise NoteError("missing", id=str(note_id)[:20])
    with engine.begin() as conn:
        note = check(conn, note)
        changed = conn.execute(update(Annotation).where(Annotation.id == note_id).values(
            level=note.level, code=note.code, year=note.year, kpi=note.kpi, text=note.text,
            updated_by=viewer.username[:120], updated_at=dt.datetime.now(dt.UTC))).rowcount
        if not changed:
            raise NoteError("missing", id=note_id)
        audit.record(conn, viewer.username, "note_changed", f"#{note_id} {_describe(note)}",
                     address)


def remove(engine: Engine, note_id: int, viewer: Viewer, address: str | None = None) -> None:
    """Delete a note, audited (the audit keeps what it said)."""
    _may_write(viewer)
    if not is_id(note_id):
        raise NoteError("missing", id=str(note_id)[:20])
    with engine.begin() as conn:
        row = conn.execute(select(Annotation).where(Annotation.id == note_id)).first()
        if row is None:
            raise NoteError("missing", id=note_id)
        conn.execute(delete(Annotation).where(Annotation.id == note_id))
        said = Note(row.level, row.code, row.year, row.kpi, row.text)
        audit.record(conn, viewer.username, "note_deleted", f"#{note_id} {_describe(said)}",
                     address)


def notes(conn: Connection, viewer: Viewer, level: str | None = None,
          code: str | list[str] | None = None, year: int | None = None,
          kpi: str | None = None, note_id: int | None = None) -> pd.DataFrame:
    """The notes the viewer may read (COLUMNS), newest year first.

    ``kpi``: the notes on that KPI and those on the whole year (kpi ""), which apply to
    every KPI of the unit.
    """
    query = select(*[getattr(Annotation, c) for c in COLUMNS])
    if level:
        query = query.where(Annotation.level == level)
    if code:
        codes = [code] if isinstance(code, str) else list(code)
        query = query.where(Annotation.code.in_(codes))
    if year is not None:
        query = query.where(Annotation.year == year)
    if kpi:
        query = query.where(Annotation.kpi.in_([kpi, ""]))
    if note_id is not None:
        query = query.where(Annotation.id == note_id)
    if not viewer.sees_all:  # the nation, the regions and the judge's own court
        query = query.where((Annotation.level != "court")
                            | (Annotation.code == (viewer.court_code or "")))
    rows = conn.execute(query.order_by(Annotation.year.desc(), Annotation.level,
                                       Annotation.code, Annotation.id)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=COLUMNS)


def get(conn: Connection, note_id: object, viewer: Viewer) -> dict | None:
    """One note the viewer may read, or None (also for an id that is none, as a
    browser may send)."""
    if not is_id(note_id):
        return None
    found = notes(conn, viewer, note_id=note_id)
    return None if found.empty else found.iloc[0].to_dict()
