"""The loader: one file, one transaction — upsert with history, upload record, refresh.

``load_file`` reads, validates and, only when there is no error, writes the rows, the
rows they replaced (for undo), the upload record and the refreshed facts and KPI
cells in a single transaction: a killed process leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from data.accounts import audit
from data.derive import refresh
from data.derive.facts import derive
from data.ingest.parsing import parse_text
from data.ingest.readers import RawTable, ReadError, read_table
from data.ingest.validate import Context, Issue, Result, detect_kind, grain_of, validate
from data.store import events, frames
from data.store.schema import KINDS, Kind
from kpi.catalogue import KPIS
from kpi.periods import complete_months, last_day

if TYPE_CHECKING:  # the profiles module is imported where a profile is applied
    from data.ingest.profiles import Profile

# Case uploads at least this big derive their facts in a thread while their rows are
# written (bench.ingest); smaller ones are quicker without the hand-over.
OVERLAP_ROWS = 50_000

DEFAULT_MAX_BYTES = int(os.environ.get("COURT_KPI_MAX_UPLOAD_MB", "200")) * 1024 * 1024
Progress = Callable[[str, float], None]


@dataclass
class LoadReport:
    status: str  # "loaded" | "already_loaded" | "rejected"
    filename: str
    kind: str | None = None
    sha256: str = ""
    size_bytes: int = 0
    upload_id: int | None = None
    rows: int = 0
    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    detected: dict = field(default_factory=dict)
    kpi_cells: int = 0
    courts: list[str] = field(default_factory=list)
    # Case uploads: the day the data are as of (ISO), and whether it was taken from the
    # file's latest date because none was given (periods.md "Data freshness").
    as_of: str | None = None
    as_of_default: bool = False

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k not in ("errors", "warnings")}
        d["errors"] = [i.as_dict() for i in self.errors]
        d["warnings"] = [i.as_dict() for i in self.warnings]
        return d


def file_sha256(path: str | os.PathLike) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def context(conn: Connection) -> Context:
    regions = frames.read_sql(conn, "SELECT region_code FROM regions")["region_code"]
    courts = frames.read_sql(conn, "SELECT court_code FROM courts")["court_code"]
    return Context(region_codes=frozenset(regions), court_codes=frozenset(courts),
                   kpi_codes=frozenset(KPIS), statutory_days=statutory_days())


def statutory_days() -> dict[str, int]:
    """Category defaults for an empty statutory_days, overridable by environment."""
    from data.store.schema import DEFAULT_STATUTORY_DAYS

    out = dict(DEFAULT_STATUTORY_DAYS)
    spec = os.environ.get("COURT_KPI_STATUTORY_DAYS", "")
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, days = part.partition("=")
        if name.strip() in out and days.strip().isdigit():
            out[name.strip()] = int(days)
    return out


def find_loaded(conn: Connection, sha256: str) -> int | None:
    row = conn.execute(
        text("SELECT id FROM uploads WHERE sha256 = :s AND status = 'loaded' ORDER BY id"),
        {"s": sha256},
    ).first()
    return None if row is None else int(row[0])


@dataclass
class Checked:
    """What reading and validating a file found, before anything is written.

    ``report.status`` is "valid" (no error: it may be written), "rejected" or
    "already_loaded"; ``result`` and ``raw`` are None when the file was not read.
    """

    report: LoadReport
    result: Result | None = None
    raw: RawTable | None = None
    # The import profile applied (chosen by the caller, or picked for this file).
    profile: Profile | None = None


def check_file(
    engine: Engine,
    path: str | os.PathLike,
    kind: str | None = None,
    filename: str | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    profile=None,
    as_of: dt.date | None = None,
) -> Checked:
    """Hash, look for the same file loaded before, read and validate; write nothing.

    ``as_of``: the day a case file's data were extracted; without one it is the last day
    of the month of the file's latest date (but never after today).

    ``profile`` (data.ingest.profiles.Profile) maps a court's own names before validation; a
    callable instead picks one for the file as read (``profiles.best_match``), or None.

    The review step of the upload page and ``load_file`` share it, so what a person
    reviews is exactly what the loader checks. A file refused here (or loaded before)
    is counted as an ``upload`` event (data.store.events).
    """
    started = time.perf_counter()
    checked = _check_file(engine, path, kind, filename, max_bytes, progress, profile, as_of)
    report = checked.report
    if report.status in ("rejected", "already_loaded"):
        events.emit("upload", kind=report.kind or "unknown", status=report.status, rows=0,
                    seconds=time.perf_counter() - started)
    return checked


def _check_file(engine: Engine, path: str | os.PathLike, kind: str | None,
                filename: str | None, max_bytes: int | None, progress: Progress | None,
                profile, as_of: dt.date | None) -> Checked:
    say = progress or (lambda _m, _f: None)
    opened = _open_file(engine, path, kind, filename, max_bytes, say, profile)
    if isinstance(opened, Checked):
        return opened
    report, raw, profile = opened
    say("validating", 0.2)
    with engine.connect() as conn:
        result = _validate_raw(conn, raw, kind, report, as_of)
    return _checked(report, result, raw, profile)


def _open_file(engine: Engine, path: str | os.PathLike, kind: str | None,
               filename: str | None, max_bytes: int | None, say: Progress,
               profile) -> Checked | tuple[LoadReport, RawTable, Profile | None]:
    """Hash, look for the same file loaded before, read and apply the profile: a Checked
    when the file goes no further, else (report so far, raw table, profile applied)."""
    name = filename or Path(path).name
    report = LoadReport("rejected", name, kind)
    try:
        report.sha256, report.size_bytes = file_sha256(path)
    except OSError as exc:
        report.errors = [Issue(None, None, None, "unreadable",
                               {"detail": f"The file cannot be opened: {exc.strerror}."})]
        report.error_count = 1
        return Checked(report)
    with engine.connect() as conn:
        previous = find_loaded(conn, report.sha256)
    if previous is not None:
        report.status, report.upload_id = "already_loaded", previous
        return Checked(report)
    say("reading", 0.05)
    try:
        raw = read_table(path, filename=name, max_bytes=max_bytes)
    except ReadError as exc:
        report.errors = [Issue(None, None, None, "unreadable", {"detail": str(exc)})]
        report.error_count = 1
        return Checked(report)
    if callable(profile):
        profile = profile(raw)
    if profile is not None:
        from data.ingest.profiles import apply

        raw = apply(raw, profile)
    return report, raw, profile


def _validate_raw(conn: Connection, raw: RawTable, kind: str | None, report: LoadReport,
                  as_of: dt.date | None) -> Result:
    """Validate the whole file: the contract, the checks against loaded data, the as-of
    date. Every error of the file is found (the review step counts them)."""
    ctx = context(conn)
    result = validate(raw, kind, ctx)
    if result.ok and result.kind is not None:
        for rule in KINDS[result.kind].db_rules:
            DB_RULES[rule](conn, result)
    if result.ok and result.kind is not None and KINDS[result.kind].feeds == "case_facts":
        _check_as_of(report, result, as_of, ctx.today)
    return result


def _checked(report: LoadReport, result: Result, raw: RawTable | None,
             profile) -> Checked:
    report.kind, report.detected = result.kind, result.detected
    report.rows = len(result.frame)
    report.errors, report.warnings = result.errors, result.warnings
    report.error_count, report.warning_count = result.error_count, result.warning_count
    report.status = "valid" if result.ok else "rejected"
    return Checked(report, result, raw, profile)


def latest_date(frame: pd.DataFrame) -> dt.date | None:
    """The latest filing or resolution date of case rows."""
    days = [frame[c].max() for c in ("filed_date", "resolved_date") if c in frame.columns]
    days = [d for d in days if not pd.isna(d)]
    return pd.Timestamp(max(days)).date() if days else None


def default_as_of(frame: pd.DataFrame, today: dt.date) -> dt.date | None:
    """periods.md: the last day of the month of the latest date; never after today."""
    latest = latest_date(frame)
    return None if latest is None else min(last_day(latest), today)


def _check_as_of(report: LoadReport, result: Result, as_of: dt.date | None,
                 today: dt.date) -> None:
    """The as-of date of a case file: given (not before the file's latest date, not in
    the future), or taken from the file."""
    latest = latest_date(result.frame)
    if as_of is None:
        found = default_as_of(result.frame, today)
        report.as_of = None if found is None else found.isoformat()
        report.as_of_default = True
        return
    report.as_of = as_of.isoformat()
    if as_of > today:
        _add_error(result, Issue(None, None, as_of.isoformat(), "as_of_future",
                                 {"value": as_of.isoformat()}))
    elif latest is not None and as_of < latest:
        _add_error(result, Issue(None, None, as_of.isoformat(), "as_of_before_data",
                                 {"value": as_of.isoformat(), "latest": latest.isoformat()}))


def load_file(
    engine: Engine,
    path: str | os.PathLike,
    kind: str | None = None,
    user: str = "cli",
    source: str = "cli",
    filename: str | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    address: str | None = None,
    profile=None,
    as_of: dt.date | None = None,
) -> LoadReport:
    """Read, validate and (only if there is no error) load one file.

    ``user`` and ``address`` (the client's, for browser uploads) go into the upload
    record and the audit log; ``as_of`` is the day a case file's data were extracted.
    """
    say = progress or (lambda _m, _f: None)
    started = time.perf_counter()
    opened = _open_file(engine, path, kind, filename, max_bytes, say, profile)
    if isinstance(opened, Checked):
        report = opened.report
        events.emit("upload", kind=report.kind or "unknown", status=report.status, rows=0,
                    seconds=time.perf_counter() - started)
        return report
    report, raw, profile = opened
    chunked = _chunked_kind(raw, kind) if _shareable(engine) else None
    if chunked is not None:
        loaded = _load_chunked(engine, raw, chunked, report, as_of, user, source, address,
                               say, started)
        if loaded is not None:
            return loaded
        # The chunked load found an error (and wrote nothing): the whole file is validated
        # as the review step does, so the report lists every error of the file.
        report = LoadReport("rejected", report.filename, kind, report.sha256,
                            report.size_bytes)
    say("validating", 0.2)
    with engine.connect() as conn:
        result = _validate_raw(conn, raw, kind, report, as_of)
    del raw  # the raw strings are not needed for writing
    report = _checked(report, result, None, profile).report
    if report.status != "valid" or result.kind is None:
        events.emit("upload", kind=report.kind or "unknown", status=report.status, rows=0,
                    seconds=time.perf_counter() - started)
        return report
    say("writing", 0.4)
    return write_upload(engine, result.kind, result.frame, report, user=user, source=source,
                        present=result.present, progress=say, address=address)


# load_file validates a case file of at least two chunks of this many rows chunk by
# chunk, and writes each chunk in a thread while the next one is validated.
CHUNK_ROWS = 100_000
# The databases that load so. PostgreSQL's COPY lets go of the GIL for megabytes at a
# time; SQLite's executemany lets go of it for each row's step and needs it back to bind
# the next row, so the writer and the validating thread took turns: 5-29 % slower than
# the whole-file load in three of four interleaved runs (docs/performance.md, session 11).
CHUNKED_DIALECTS = frozenset({"postgresql"})
# The rules a chunked kind may have: each looks at one row at a time (the key's
# uniqueness across chunks is checked once all chunks are read).
_ROW_RULES = frozenset({"case_dates", "appeal_result"})
_ROW_DB_RULES = frozenset({"no_caseload_rows"})


def _chunked_kind(raw: RawTable, kind: str | None) -> str | None:
    """The kind of a file load_file may validate and write in chunks, else None.

    Case files only, with no ragged line or repeated column (errors the whole-file check
    reports as they are)."""
    if len(raw.frame) < 2 * CHUNK_ROWS or raw.ragged_lines or raw.duplicate_columns:
        return None
    name = kind if kind is not None else detect_kind(raw.header)[0]
    if name is None or name not in KINDS:
        return None
    k = KINDS[name]
    if (k.feeds != "case_facts" or not k.clustered or not set(k.rules) <= _ROW_RULES
            or not set(k.db_rules) <= _ROW_DB_RULES or k.key[0] not in raw.frame.columns):
        return None
    return name


def _shareable(engine: Engine) -> bool:
    """Whether loads into ``engine`` are chunked: a database of CHUNKED_DIALECTS whose
    connection may be used by the writer thread (not an in-memory SQLite database, whose
    pool keeps a connection to each thread)."""
    url = engine.url
    if url.get_backend_name() not in CHUNKED_DIALECTS:
        return False
    return not (url.get_backend_name() == "sqlite"
                and (url.database in (None, "", ":memory:") or "mode=memory" in str(url)))


def _raw_slice(raw: RawTable, start: int, stop: int) -> RawTable:
    # Validation builds columns on a 0-based index, so the slice gets one.
    return replace(raw, frame=raw.frame.iloc[start:stop].reset_index(drop=True),
                   lines=raw.lines[start:stop], ragged_lines=[])


def _load_chunked(engine: Engine, raw: RawTable, kind: str, report: LoadReport,
                  as_of: dt.date | None, user: str, source: str, address: str | None,
                  say: Progress, started: float) -> LoadReport | None:
    """Validate and write a case file chunk by chunk in one transaction: chunk k is
    written in a thread (the driver lets go of the GIL while it writes) while chunk k+1
    is validated. The report of the load; None, with nothing written, when the file has
    an error or does not suit (it replaces stored rows): the caller then checks and
    loads it whole."""
    say("validating", 0.2)
    try:
        with engine.connect() as conn, conn.begin() as trans:
            if not _write_chunks(conn, raw, KINDS[kind], report, as_of, user, source,
                                 address, say):
                trans.rollback()
                return None
    except BaseException:
        events.emit("upload", kind=kind, status="failed", rows=0,
                    seconds=time.perf_counter() - started)
        raise
    report.status = "loaded"
    events.emit("upload", kind=kind, status="loaded", rows=report.rows,
                seconds=time.perf_counter() - started)
    say("done", 1.0)
    return report


def _write_chunks(conn: Connection, raw: RawTable, kind: Kind, report: LoadReport,
                  as_of: dt.date | None, user: str, source: str, address: str | None,
                  say: Progress) -> bool:
    """The chunked load in ``conn``'s transaction; False at the first error found (the
    caller rolls back). ``conn`` belongs to the writer thread while chunks are written."""
    ctx = context(conn)
    if as_of is not None and as_of > ctx.today:
        return False
    courts = parse_text(raw.frame[kind.key[0]].astype(str)).dropna().unique()
    cond, params = frames.in_list(kind.key[0], courts)
    if conn.execute(text(f"SELECT 1 FROM {kind.table} WHERE {cond} LIMIT 1"),
                    params).first() is not None:
        # Stored rows would be compared and replaced with history: _upsert does that.
        return False
    report.kind, report.rows = kind.name, len(raw.frame)
    upload_id = _insert_upload(conn, report, user, source)
    dialect = conn.dialect.name
    stop = threading.Event()
    seen: list[tuple[list[Issue], int, dict]] = []  # each chunk's warnings and detected
    news: list[pd.DataFrame] = []
    writes: list[Future] = []
    present: tuple[str, ...] = ()
    with ThreadPoolExecutor(1, "write-chunks") as writer, \
            ThreadPoolExecutor(1, "derive-facts") as deriver:
        try:
            for start in range(0, len(raw.frame), CHUNK_ROWS):
                part = validate(_raw_slice(raw, start, start + CHUNK_ROWS), kind.name, ctx)
                if not part.ok or any(f.done() and not f.result() for f in writes):
                    return False
                new = _new_rows(kind, part.frame)
                seen.append((part.warnings, part.warning_count, part.detected))
                present = part.present
                news.append(new)
                # Encoded here, so the writer only sends: the driver and the database
                # work on chunk k while this thread validates and encodes chunk k+1.
                rows = frames.encode(dialect, kind.table,
                                     _in_key_order(kind, new).assign(upload_id=upload_id))
                writes.append(writer.submit(_write_chunk, conn, kind, part, rows, stop))
            cases = pd.concat(news, ignore_index=True)
            del news
            if cases.duplicated(list(kind.key)).any():
                return False
            result = Result(kind.name, cases, raw.lines, [], [], detected={},
                            present=present)
            _merge_chunks(result, seen, raw, ctx)
            if not result.ok:
                return False
            _check_as_of(report, result, as_of, ctx.today)
            if not result.ok:
                return False
            report.detected = result.detected
            report.warnings, report.warning_count = result.warnings, result.warning_count
            through = (None if report.as_of is None
                       else complete_months(dt.date.fromisoformat(report.as_of)))
            # As in _upsert: the facts are derived from the cases in memory while the
            # last chunks are written.
            derived = deriver.submit(derive, cases, statutory_days(), through)
            say("writing", 0.4)
            if not all([f.result() for f in writes]):
                return False
        finally:
            # On an error or an exception, chunks not yet written are skipped.
            stop.set()
        params = _upload_params(report, user, source)
        conn.execute(text("UPDATE uploads SET rows=:rows, warning_count=:warning_count, "
                          "warnings=:warnings, detected=:detected, as_of=:as_of "
                          "WHERE id=:id"), {**params, "id": upload_id})
        changes = Changes(kind.name, inserted=len(cases), written=cases,
                          current_cases=cases, derived=derived)
        _finish_upload(conn, report, kind, changes, upload_id, user, address, say)
    return True


def _write_chunk(conn: Connection, kind: Kind, part: Result, rows: frames.Encoded,
                 stop: threading.Event) -> bool:
    """Check one validated chunk against loaded data and write its encoded rows; False
    on an error."""
    if stop.is_set():
        return False
    for rule in kind.db_rules:
        DB_RULES[rule](conn, part)
    if not part.ok:
        return False
    frames.write_encoded(conn, rows)
    return True


def _merge_chunks(result: Result, seen: list[tuple[list[Issue], int, dict]], raw: RawTable,
                  ctx: Context) -> None:
    """The warnings and what was detected of the whole file, from its chunks'.

    The header's warnings (line 1) repeat in every chunk; a row's come after them, in the
    order of the rules. With row warnings in one chunk at most, the file's list is that
    chunk's; else the whole file is validated again for the exact order and cap."""
    first_warnings, _, detected = seen[0]
    head = [w for w in first_warnings if w.line == 1]
    with_rows = [(w, n) for w, n, _ in seen if n > len(head)]
    if len(with_rows) > 1:
        full = validate(raw, result.kind, ctx)
        result.warnings, result.warning_count = full.warnings, full.warning_count
        result.errors, result.error_count = full.errors, full.error_count
    elif with_rows:
        result.warnings, result.warning_count = with_rows[0]
    else:
        result.warnings, result.warning_count = head, len(head)
    result.detected = {**detected, "rows": len(raw.frame)}
    formats = {d["date_format"] for _, _, d in seen if d.get("date_format")}
    if formats:
        result.detected["date_format"] = formats.pop() if len(formats) == 1 else "mixed"
    elif "date_format" in result.detected:
        del result.detected["date_format"]


def write_upload(
    engine: Engine,
    kind: str,
    frame: pd.DataFrame,
    report: LoadReport,
    user: str,
    source: str,
    present: tuple[str, ...] | None = None,
    progress: Progress | None = None,
    address: str | None = None,
) -> LoadReport:
    """Write validated rows of ``kind`` as one upload, in one transaction; an ``upload``
    event (data.store.events) says how it ended, its rows and how long it took."""
    started = time.perf_counter()
    try:
        report = _write_upload(engine, kind, frame, report, user, source, present, progress,
                               address)
    except BaseException:
        events.emit("upload", kind=kind, status="failed", rows=0,
                    seconds=time.perf_counter() - started)
        raise
    events.emit("upload", kind=kind, status="loaded", rows=report.rows,
                seconds=time.perf_counter() - started)
    return report


def _write_upload(engine: Engine, kind: str, frame: pd.DataFrame, report: LoadReport,
                  user: str, source: str, present: tuple[str, ...] | None,
                  progress: Progress | None, address: str | None) -> LoadReport:
    say = progress or (lambda _m, _f: None)
    report.kind = kind
    report.rows = len(frame)
    if KINDS[kind].feeds == "case_facts" and report.as_of is None:
        found = default_as_of(frame, dt.date.today())
        report.as_of = None if found is None else found.isoformat()
        report.as_of_default = True
    through = (None if report.as_of is None
               else complete_months(dt.date.fromisoformat(report.as_of)))
    # A thread of this load only (a pool kept across loads would not survive the fork of
    # a background callback).
    with engine.begin() as conn, ThreadPoolExecutor(1, "derive-facts") as deriver:
        upload_id = _insert_upload(conn, report, user, source)
        changes = _upsert(conn, kind, frame, upload_id, deriver, through)
        _finish_upload(conn, report, KINDS[kind], changes, upload_id, user, address, say)
    report.status = "loaded"
    say("done", 1.0)
    return report


def _finish_upload(conn: Connection, report: LoadReport, kind: Kind, changes: Changes,
                   upload_id: int, user: str, address: str | None, say: Progress) -> None:
    """After the rows are written: the refresh of what they feed, the counts of the
    upload record and the audit line, in the caller's transaction."""
    _fault_point("after-write")
    say("refreshing KPIs", 0.75)
    report.courts, report.kpi_cells = refresh_after(conn, kind, changes)
    report.upload_id = upload_id
    report.inserted, report.replaced, report.unchanged = (
        changes.inserted, changes.replaced, changes.unchanged)
    conn.execute(
        text("UPDATE uploads SET inserted=:i, replaced=:r, unchanged=:u WHERE id=:id"),
        {"i": changes.inserted, "r": changes.replaced, "u": changes.unchanged,
         "id": upload_id},
    )
    audit.record(conn, user, "upload",
                 f"#{upload_id} {report.filename} ({kind.name}): {changes.inserted} inserted, "
                 f"{changes.replaced} replaced, {changes.unchanged} unchanged", address)
    _fault_point("before-commit")


def _fault_point(name: str) -> None:
    # Lets the atomicity test kill the process at a known point of a real load.
    if os.environ.get("COURT_KPI_FAULT") == name:
        os.kill(os.getpid(), 9)


def _upload_params(report: LoadReport, user: str, source: str) -> dict:
    warnings = json.dumps([i.as_dict() for i in report.warnings], ensure_ascii=False)
    return {
        "kind": report.kind, "filename": report.filename[:500], "sha256": report.sha256,
        "size_bytes": report.size_bytes, "user": user[:120], "source": source,
        "created_at": dt.datetime.now(dt.UTC), "status": "loaded", "rows": report.rows,
        "warning_count": report.warning_count, "warnings": warnings,
        "detected": json.dumps(report.detected, ensure_ascii=False),
        "as_of": None if report.as_of is None else dt.date.fromisoformat(report.as_of),
    }


def _insert_upload(conn: Connection, report: LoadReport, user: str, source: str) -> int:
    params = _upload_params(report, user, source)
    cols = ", ".join(f'"{c}"' if c == "user" else c for c in params)
    marks = ", ".join(f":{c}" for c in params)
    row = conn.execute(
        text(f"INSERT INTO uploads ({cols}, inserted, replaced, unchanged) "
             f"VALUES ({marks}, 0, 0, 0) RETURNING id"), params
    ).one()
    return int(row[0])


@dataclass
class Changes:
    """What one write (a load or an undo) changed, for the refresh of what it feeds."""

    kind: str
    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0
    # Rows written (new versions) and rows replaced (old versions), keys + data.
    written: pd.DataFrame = field(default_factory=pd.DataFrame)
    old: pd.DataFrame = field(default_factory=pd.DataFrame)
    # For cases: every case of the touched courts as now stored, and their yearly facts
    # and durations, derived in a worker thread while the rows are written.
    current_cases: pd.DataFrame | None = None
    derived: Future | None = None


def _existing(conn: Connection, kind: Kind, frame: pd.DataFrame) -> pd.DataFrame:
    """The stored rows the file's keys can meet (of its courts only, for a clustered
    kind of millions of rows), with ``Kind.written`` columns and the upload id."""
    cols = [*kind.column_names, *(c for c, _ in kind.written), "upload_id"]
    sql, params = f"SELECT {', '.join(cols)} FROM {kind.table}", dict[str, object]()
    if kind.clustered:
        cond, params = frames.in_list(kind.key[0], frame[kind.key[0]].dropna().unique())
        sql += f" WHERE {cond}"
    df = frames.read_sql(conn, sql, params)
    if df.empty:
        df = pd.DataFrame(columns=cols)
    out = frames.typed(df, kind.table)
    for col in kind.blank_key:
        out[col] = out[col].fillna("")
    return out


def _equal(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Cell-wise equality where missing equals missing (NA-safe for nullable dtypes)."""
    a_na = a.isna().to_numpy()
    b_na = b.isna().to_numpy()
    both = ~a_na & ~b_na
    same = np.zeros(len(a), dtype=bool)
    if a.dtype == b.dtype and a.dtype.kind == "M":
        # Dates as integers: boxing each one as a Timestamp was most of the comparison.
        same[both] = a.to_numpy().view("int64")[both] == b.to_numpy().view("int64")[both]
    elif both.any():
        av = a.to_numpy(dtype=object)[both]
        bv = b.to_numpy(dtype=object)[both]
        # Object arrays without NA compare element-wise in C.
        same[both] = np.asarray(av == bv, dtype=bool)
    return same | (a_na & b_na)


def _upsert(conn: Connection, kind_name: str, frame: pd.DataFrame, upload_id: int,
            deriver: ThreadPoolExecutor, through: int | None = None) -> Changes:
    kind = KINDS[kind_name]
    key = list(kind.key)
    new = _new_rows(kind, frame)
    data_cols = [c for c in kind.column_names if c not in key]
    data_cols += [col for col, _ in kind.written]
    existing = _existing(conn, kind, new)
    changes = Changes(kind_name)
    case_rows = kind.feeds == "case_facts"
    if existing.empty:
        write = new
        old = existing
        changes.inserted = len(new)
        if case_rows:
            changes.current_cases = new
    else:
        ekey = existing[key].astype(str)
        nkey = new[key].astype(str)
        e_idx = pd.MultiIndex.from_frame(ekey)
        n_idx = pd.MultiIndex.from_frame(nkey)
        pos = e_idx.get_indexer(n_idx)
        exists = pos >= 0
        old_aligned = existing.iloc[np.where(exists, pos, 0)].reset_index(drop=True)
        same = exists.copy()
        for c in data_cols:
            same &= _equal(new[c].reset_index(drop=True), old_aligned[c])
        changed = exists & ~same
        write = new[~same]
        old = existing.iloc[pos[changed]]
        changes.inserted = int((~exists).sum())
        changes.replaced = int(changed.sum())
        changes.unchanged = int(same.sum())
        if case_rows:
            untouched = existing[~e_idx.isin(n_idx)]
            changes.current_cases = pd.concat([untouched, new], ignore_index=True)
    if len(old):
        _record_history(conn, kind.table, old, upload_id)
        frames.delete_keys(conn, kind.table, key, old[key])
    write = _in_key_order(kind, write)
    if changes.current_cases is not None and len(write) >= OVERLAP_ROWS:
        # The facts need only the cases in memory: the database driver lets go of the
        # GIL while it writes, so a second core derives them meanwhile.
        changes.derived = deriver.submit(derive, changes.current_cases, statutory_days(),
                                         through)
    frames.insert_frame(conn, kind.table, write.assign(upload_id=upload_id))
    changes.written, changes.old = write, old
    return changes


def _new_rows(kind: Kind, frame: pd.DataFrame) -> pd.DataFrame:
    """Validated rows as stored: the kind's columns, completed keys, written flags."""
    new = frame[list(kind.column_names)].copy()
    if "period" in kind.key:
        # A row without a period reports its year (validation completes a file's rows
        # the same way; frames written directly, as the demo's, come here as they are).
        new["period"] = new["period"].astype("string").fillna(
            new["year"].astype("Int64").astype("string"))
    for col in kind.blank_key:
        new[col] = new[col].fillna("")
    for col, value in kind.written:
        new[col] = pd.array([value] * len(new), dtype="boolean")
    return new


def _in_key_order(kind: Kind, write: pd.DataFrame) -> pd.DataFrame:
    if kind.clustered and len(write) > 10_000:
        # Rows in key order go into the primary-key b-tree mostly as appends.
        return write.sort_values(list(kind.key), kind="stable")
    return write


def _record_history(conn: Connection, table: str, old: pd.DataFrame, upload_id: int) -> None:
    prev = old["upload_id"] if "upload_id" in old.columns else pd.Series([None] * len(old))
    body = old.drop(columns=[c for c in ("upload_id",) if c in old.columns])
    records = json.loads(body.to_json(orient="records", date_format="iso", date_unit="s"))
    hist = pd.DataFrame({
        "upload_id": upload_id,
        "table_name": table,
        "prev_upload_id": pd.array(prev.to_numpy(), dtype="Int64"),
        "row": [json.dumps(r, ensure_ascii=False) for r in records],
    })
    frames.insert_frame(conn, "row_history", hist)


def refresh_after(conn: Connection, kind: Kind, ch: Changes) -> tuple[list[str], int]:
    """Recompute what the changed rows feed; return (courts touched, KPI cells written)."""
    rows = pd.concat([ch.written, ch.old], ignore_index=True) if len(ch.old) else ch.written
    derived = ch.derived.result() if ch.derived is not None else None
    return refresh.after_change(conn, kind.feeds, rows, ch.current_cases, statutory_days(),
                                derived)


def _no_case_rows(conn: Connection, result: Result) -> None:
    """A caseload row's (court, year, category) must not have case-level data."""
    f = result.frame
    cond, params = frames.in_list("court_code", f["court_code"].dropna().unique())
    taken = frames.read_sql(
        conn, "SELECT DISTINCT court_code, year, category FROM part_facts "
              f"WHERE source = 'cases' AND (incoming > 0 OR resolved > 0) AND {cond}", params)
    if taken.empty:
        return
    idx = pd.MultiIndex.from_frame(taken.astype({"year": "int64"}).astype(str))
    mine = pd.MultiIndex.from_frame(f[["court_code", "year", "category"]].astype(str))
    for i in np.flatnonzero(mine.isin(idx)):
        _add_error(result, Issue(int(result.lines[i]), "court_code", str(f["court_code"][i]),
                                 "case_level_conflict",
                                 {"court": f["court_code"][i], "year": int(f["year"][i]),
                                  "category": f["category"][i]}))


def _no_caseload_rows(conn: Connection, result: Result) -> None:
    """A case's (court, year, category), by filing or resolution, must not have a
    caseload row: a cell has one source."""
    f = result.frame
    cond, params = frames.in_list("court_code", f["court_code"].dropna().unique())
    taken = frames.read_sql(
        conn, f"SELECT court_code, year, category FROM caseload WHERE {cond}", params)
    if taken.empty:
        return
    idx = pd.MultiIndex.from_frame(taken.astype({"year": "int64"}).astype(str))
    for col in ("filed_date", "resolved_date"):
        years = f[col].dt.year
        ok = years.notna().to_numpy()
        mine = pd.MultiIndex.from_arrays([
            f["court_code"].astype(str).to_numpy(),
            years.astype("Int64").astype(str).to_numpy(),
            f["category"].astype(str).to_numpy(),
        ])
        for i in np.flatnonzero(mine.isin(idx) & ok):
            _add_error(result, Issue(int(result.lines[i]), col, str(f[col][i].date()),
                                     "caseload_conflict",
                                     {"court": f["court_code"][i], "year": int(years[i]),
                                      "category": f["category"][i]}))


def _one_grain(conn: Connection, result: Result) -> None:
    """A caseload (court, year, category) keeps the grain an earlier upload gave it (a
    year row, quarters or months): another grain is refused, naming that upload."""
    f = result.frame
    cond, params = frames.in_list("court_code", f["court_code"].dropna().unique())
    held = frames.read_sql(
        conn, f"SELECT court_code, year, category, period, upload_id FROM caseload WHERE {cond}",
        params)
    if held.empty:
        return
    held["grain"] = [grain_of(str(p)) for p in held["period"]]
    held = held.drop_duplicates(["court_code", "year", "category"])
    key = held["court_code"].astype(str) + "|" + held["year"].astype("int64").astype(str) \
        + "|" + held["category"].astype(str)
    found = dict(zip(key, zip(held["grain"], held["upload_id"])))
    mine = (f["court_code"].astype(str) + "|" + f["year"].astype("Int64").astype(str) + "|"
            + f["category"].astype(str)).to_numpy()
    for i, k in enumerate(mine):
        if k not in found:
            continue
        grain = grain_of(str(f["period"].iloc[i]))
        if grain != found[k][0]:
            _add_error(result, Issue(int(result.lines[i]), "period", str(f["period"].iloc[i]),
                                     "grain_conflict",
                                     {"court": f["court_code"].iloc[i],
                                      "year": int(f["year"].iloc[i]),
                                      "category": f["category"].iloc[i], "held": found[k][0],
                                      "grain": grain, "upload": found[k][1]}))


# The checks against loaded data a kind names in ``Kind.db_rules``.
DB_RULES = {"no_case_rows": _no_case_rows, "no_caseload_rows": _no_caseload_rows,
            "one_grain": _one_grain}


def _add_error(result: Result, issue: Issue) -> None:
    result.error_count += 1
    if len(result.errors) < 5000:
        result.errors.append(issue)
