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
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from data.accounts import audit
from data.derive import refresh
from data.derive.facts import derive
from data.ingest.readers import RawTable, ReadError, read_table
from data.ingest.validate import Context, Issue, Result, grain_of, validate
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
        say("validating", 0.2)
        ctx = context(conn)
        result = validate(raw, kind, ctx)
        if result.ok and result.kind is not None:
            for rule in KINDS[result.kind].db_rules:
                DB_RULES[rule](conn, result)
        if result.ok and result.kind is not None and KINDS[result.kind].feeds == "case_facts":
            _check_as_of(report, result, as_of, ctx.today)
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
    checked = check_file(engine, path, kind, filename, max_bytes, say, profile, as_of)
    report, result = checked.report, checked.result
    del checked  # the raw strings are not needed for writing
    if report.status != "valid" or result is None or result.kind is None:
        return report
    say("writing", 0.4)
    return write_upload(engine, result.kind, result.frame, report, user=user, source=source,
                        present=result.present, progress=say, address=address)


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
        _fault_point("after-write")
        say("refreshing KPIs", 0.75)
        report.courts, report.kpi_cells = refresh_after(conn, KINDS[kind], changes)
        report.upload_id = upload_id
        report.inserted, report.replaced, report.unchanged = (
            changes.inserted, changes.replaced, changes.unchanged)
        conn.execute(
            text("UPDATE uploads SET inserted=:i, replaced=:r, unchanged=:u WHERE id=:id"),
            {"i": changes.inserted, "r": changes.replaced, "u": changes.unchanged,
             "id": upload_id},
        )
        audit.record(conn, user, "upload",
                     f"#{upload_id} {report.filename} ({kind}): {changes.inserted} inserted, "
                     f"{changes.replaced} replaced, {changes.unchanged} unchanged", address)
        _fault_point("before-commit")
    report.status = "loaded"
    say("done", 1.0)
    return report


def _fault_point(name: str) -> None:
    # Lets the atomicity test kill the process at a known point of a real load.
    if os.environ.get("COURT_KPI_FAULT") == name:
        os.kill(os.getpid(), 9)


def _insert_upload(conn: Connection, report: LoadReport, user: str, source: str) -> int:
    warnings = json.dumps([i.as_dict() for i in report.warnings], ensure_ascii=False)
    params = {
        "kind": report.kind, "filename": report.filename[:500], "sha256": report.sha256,
        "size_bytes": report.size_bytes, "user": user[:120], "source": source,
        "created_at": dt.datetime.now(dt.UTC), "status": "loaded", "rows": report.rows,
        "warning_count": report.warning_count, "warnings": warnings,
        "detected": json.dumps(report.detected, ensure_ascii=False),
        "as_of": None if report.as_of is None else dt.date.fromisoformat(report.as_of),
    }
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
    new = frame[list(kind.column_names)].copy()
    if "period" in kind.key:
        # A row without a period reports its year (validation completes a file's rows
        # the same way; frames written directly, as the demo's, come here as they are).
        new["period"] = new["period"].astype("string").fillna(
            new["year"].astype("Int64").astype("string"))
    data_cols = [c for c in kind.column_names if c not in key]
    for col in kind.blank_key:
        new[col] = new[col].fillna("")
    for col, value in kind.written:
        new[col] = pd.array([value] * len(new), dtype="boolean")
        data_cols.append(col)
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
    if kind.clustered and len(write) > 10_000:
        # Rows in key order go into the primary-key b-tree mostly as appends.
        write = write.sort_values(key, kind="stable")
    if changes.current_cases is not None and len(write) >= OVERLAP_ROWS:
        # The facts need only the cases in memory: the database driver lets go of the
        # GIL while it writes, so a second core derives them meanwhile.
        changes.derived = deriver.submit(derive, changes.current_cases, statutory_days(),
                                         through)
    frames.insert_frame(conn, kind.table, write.assign(upload_id=upload_id))
    changes.written, changes.old = write, old
    return changes


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
