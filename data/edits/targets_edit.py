"""Targets changed on the targets page: checked, applied, logged.

Rows typed into the grid or read from an imported CSV are checked by exactly the
rules of a ``targets`` upload (data.ingest.validate, see the data contract), so the page
and the loader can never disagree. Applying is one transaction: the new values
replace the old ones (no longer *illustrative*, no upload behind them), one
``target_changes`` row per changed target says who changed what from what to what,
and one audit event sums it up. Any error, or a target changed by someone else since
the page was opened, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from data.accounts import audit
from data.ingest.readers import RawTable
from data.ingest.validate import Context, Issue, validate
from data.store import frames

COLUMNS = ("kpi", "year", "court_code", "target", "tolerance")
Key = tuple[str, int, str]  # (kpi, year, court_code); court "" = national


@dataclass(frozen=True)
class TargetEdit:
    """The wanted state of one target. ``target`` None removes a court's own target
    (the national one applies again); a national target cannot be removed."""

    kpi: str
    year: int
    court_code: str
    target: float | None
    tolerance: float | None

    @property
    def key(self) -> Key:
        return (self.kpi, self.year, self.court_code)


@dataclass
class Checked:
    """Rows after checking: the edits when there is no error, else the errors.

    ``Issue.line`` is the 1-based position of the row among the rows checked.
    """

    edits: list[TargetEdit]
    errors: list[Issue]
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Applied:
    changed: list[dict]  # one per target_changes row written
    unchanged: int


class StaleTargets(Exception):
    """Targets changed by someone else since the page showed them; nothing was written."""

    def __init__(self, keys: list[Key]):
        super().__init__(", ".join(f"{k} {y} {c or 'national'}" for k, y, c in keys))
        self.keys = keys


def _cell(value) -> str:
    """A grid or file value as the text a CSV cell would hold (numbers without exponent)."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        return np.format_float_positional(float(value), trim="-")
    return str(value).strip()


def check_rows(rows: Sequence[Mapping], ctx: Context, decimal_comma: bool = False) -> Checked:
    """Check rows (dicts with the contract's targets columns) as a targets file would be.

    A court row with an empty target asks to remove that court's own target; it is
    checked for its key only. ``decimal_comma``: accept "95,5" (Kazakh and Russian
    number input) as well as "95.5".
    """
    n = len(rows)
    if n == 0:
        return Checked([], [])
    cells = {c: [_cell(r.get(c)) for r in rows] for c in COLUMNS}
    removal = np.array([cells["target"][i] == "" and cells["court_code"][i] != ""
                        for i in range(n)], dtype=bool)
    # A removal has no target to check: give validation a harmless one in its place.
    cells["target"] = ["0" if removal[i] else cells["target"][i] for i in range(n)]
    raw = RawTable(frame=pd.DataFrame(cells, columns=list(COLUMNS), dtype=object),
                   lines=np.arange(1, n + 1), header=list(COLUMNS), container="grid",
                   encoding=None, delimiter=None, decimal_comma=decimal_comma)
    return _checked(raw, ctx, removal)


def check_table(raw: RawTable, ctx: Context) -> Checked:
    """Check an imported file exactly as a targets upload; ``Issue.line`` is its line."""
    return _checked(raw, ctx, np.zeros(len(raw.frame), dtype=bool))


def _checked(raw: RawTable, ctx: Context, removal: np.ndarray) -> Checked:
    result = validate(raw, "targets", ctx)
    if not result.ok:
        return Checked([], result.errors, result.warnings)
    f = result.frame
    edits = []
    for i in range(len(f)):
        court = f["court_code"].iloc[i]
        tol = f["tolerance"].iloc[i]
        edits.append(TargetEdit(
            kpi=str(f["kpi"].iloc[i]), year=int(f["year"].iloc[i]),
            court_code="" if pd.isna(court) else str(court),
            target=None if removal[i] else float(f["target"].iloc[i]),
            tolerance=None if removal[i] or pd.isna(tol) else float(tol)))
    return Checked(edits, [], result.warnings)


def _same(a: float | None, b: float | None) -> bool:
    a_na = a is None or (isinstance(a, float) and math.isnan(a))
    b_na = b is None or (isinstance(b, float) and math.isnan(b))
    if a is None or b is None or a_na or b_na:
        return a_na and b_na
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def _float(value) -> float | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def current_targets(conn: Connection, courts: Iterable[str]) -> dict[Key, dict]:
    """Stored targets of the given courts ("" = national), by key."""
    cond, params = frames.in_list("court_code", sorted(set(courts)))
    df = frames.read_sql(conn, "SELECT kpi, year, court_code, target, tolerance, illustrative "
                              f"FROM targets WHERE {cond}", params)
    out = {}
    for r in df.itertuples(index=False):
        out[(str(r.kpi), int(r.year), str(r.court_code or ""))] = {
            "target": _float(r.target), "tolerance": _float(r.tolerance),
            "illustrative": bool(r.illustrative)}
    return out


def apply_edits(engine: Engine, edits: Sequence[TargetEdit], user: str,
                address: str | None = None,
                expected: Mapping[Key, tuple[float | None, float | None]] | None = None
                ) -> Applied:
    """Write ``edits`` in one transaction, logging each changed target.

    A target counts as changed when its value or tolerance differs, or when it was
    an illustrative default (setting the same value approves it). ``expected``: the
    (target, tolerance) the person saw for each key; if the database holds something
    else, someone changed it meanwhile and StaleTargets is raised, writing nothing.
    """
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        old = current_targets(conn, {e.court_code for e in edits})
        stale = [k for k, seen in (expected or {}).items()
                 if not (_same(seen[0], old.get(k, {}).get("target"))
                         and _same(seen[1], old.get(k, {}).get("tolerance")))]
        if stale:
            raise StaleTargets(sorted(stale))
        changes, unchanged = [], 0
        for e in edits:
            before = old.get(e.key)
            if e.target is None:
                if before is None:
                    unchanged += 1
                    continue
            elif before is not None and not before["illustrative"] \
                    and _same(before["target"], e.target) \
                    and _same(before["tolerance"], e.tolerance):
                unchanged += 1
                continue
            changes.append({
                "at": now, "username": user[:120], "kpi": e.kpi, "year": e.year,
                "court_code": e.court_code,
                "old_target": None if before is None else before["target"],
                "new_target": e.target,
                "old_tolerance": None if before is None else before["tolerance"],
                "new_tolerance": None if e.target is None else e.tolerance,
            })
        if not changes:
            return Applied([], unchanged)
        keys = [{"kpi": c["kpi"], "year": c["year"], "court_code": c["court_code"]}
                for c in changes]
        conn.execute(text("DELETE FROM targets WHERE kpi = :kpi AND year = :year "
                          "AND court_code = :court_code"), keys)
        rows = [{**k, "target": c["new_target"], "tolerance": c["new_tolerance"]}
                for k, c in zip(keys, changes, strict=True) if c["new_target"] is not None]
        if rows:
            # illustrative FALSE and no upload: an approved value nobody's undo takes away.
            conn.execute(text(
                "INSERT INTO targets (kpi, year, court_code, target, tolerance, illustrative, "
                "upload_id) VALUES (:kpi, :year, :court_code, :target, :tolerance, FALSE, "
                "NULL)"), rows)
        conn.execute(text(
            "INSERT INTO target_changes (at, username, kpi, year, court_code, old_target, "
            "new_target, old_tolerance, new_tolerance) VALUES (:at, :username, :kpi, :year, "
            ":court_code, :old_target, :new_target, :old_tolerance, :new_tolerance)"), changes)
        audit.record(conn, user, "target_change", _summary(changes), address)
    return Applied(changes, unchanged)


def _summary(changes: list[dict]) -> str:
    def num(v):
        return "-" if v is None else _cell(v)

    parts = [f"{c['kpi']} {c['year']} {c['court_code'] or 'national'}: "
             f"{num(c['old_target'])} -> {num(c['new_target'])} "
             f"(tolerance {num(c['old_tolerance'])} -> {num(c['new_tolerance'])})"
             for c in changes[:40]]
    more = f"; and {len(changes) - 40} more" if len(changes) > 40 else ""
    return f"{len(changes)} targets changed: " + "; ".join(parts) + more


def recent_changes(conn: Connection, limit: int = 100) -> pd.DataFrame:
    """The latest target changes, newest first."""
    return frames.read_sql(
        conn, "SELECT id, at, username, kpi, year, court_code, old_target, new_target, "
              f"old_tolerance, new_tolerance FROM target_changes ORDER BY id DESC "
              f"LIMIT {int(limit)}")
