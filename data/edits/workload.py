"""The inputs of judges needed by weighted caseload (where-to-act.md section 2): the
judge year (read, set, undone: every change logged in ``judge_year_changes`` and the
audit log, like a target edit) and the frames kpi.workload computes from.

Case weights are an upload kind (data.store.schema ``case_weights``): loaded, checked,
audited and undone like every upload; here they are only read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, text

from data.accounts import audit
from data.derive.refresh import rebuild_all_kpis
from data.store import frames
from data.store.workload_inputs import JudgeYearSetting, case_weights, judge_year
from kpi.workload import WorkloadError, checked_judge_year

__all__ = ["JudgeYearSetting", "case_weights", "judge_year", "judge_year_changes",
           "set_judge_year", "undo_judge_year", "workload_inputs", "WorkloadInputs"]


def _write(conn: Connection, days: float, hours: float, user: str, address: str | None,
           undo_of: int | None) -> dict:
    old = judge_year(conn)
    change = {"at": dt.datetime.now(dt.UTC), "username": user[:120],
              "old_days": old.judge_year.days, "new_days": days,
              "old_hours": old.judge_year.hours, "new_hours": hours, "undo_of": undo_of}
    conn.execute(text("DELETE FROM judge_year WHERE id = 1"))
    conn.execute(text("INSERT INTO judge_year (id, days, hours, illustrative) "
                      "VALUES (1, :d, :h, FALSE)"), {"d": days, "h": hours})
    conn.execute(text(
        "INSERT INTO judge_year_changes (at, username, old_days, new_days, old_hours, "
        "new_hours, undo_of) VALUES (:at, :username, :old_days, :new_days, :old_hours, "
        ":new_hours, :undo_of)"), change)
    # Every court's judges needed, so every judge_need_ratio cell, rests on it.
    rebuild_all_kpis(conn)
    what = "undone" if undo_of else "set"
    audit.record(conn, user, "judge_year_change",
                 f"judge year {what}: {old.judge_year.days:g} days x "
                 f"{old.judge_year.hours:g} h -> {days:g} days x {hours:g} h"
                 + (f" (undoing change #{undo_of})" if undo_of else ""), address)
    return change


def set_judge_year(engine: Engine, days: float, hours: float, user: str,
                   address: str | None = None) -> dict:
    """Set the judge year in one transaction, logged; WorkloadError("judge_year") for 0,
    a negative or an absurd value (days > 366, hours > 24), writing nothing."""
    jy = checked_judge_year(days, hours)
    with engine.begin() as conn:
        return _write(conn, jy.days, jy.hours, user, address, None)


def undo_judge_year(engine: Engine, user: str, address: str | None = None) -> dict | None:
    """Put back the value before the latest change that is not an undo and not undone
    yet; None when there is nothing to undo. The undo is itself a logged change."""
    with engine.begin() as conn:
        rows = frames.read_sql(conn, "SELECT id, old_days, old_hours, undo_of FROM "
                                     "judge_year_changes ORDER BY id DESC")
        undone = set(rows["undo_of"].dropna().astype(int))
        for r in rows.itertuples(index=False):
            if pd.isna(r.undo_of) and int(r.id) not in undone:
                if pd.isna(r.old_days) or pd.isna(r.old_hours):
                    return None
                return _write(conn, float(r.old_days), float(r.old_hours), user, address,
                              int(r.id))
    return None


def judge_year_changes(conn: Connection, limit: int = 50) -> pd.DataFrame:
    """The latest changes of the judge year, newest first."""
    return frames.read_sql(
        conn, "SELECT id, at, username, old_days, new_days, old_hours, new_hours, undo_of "
              f"FROM judge_year_changes ORDER BY id DESC LIMIT {int(limit)}")


@dataclass(frozen=True)
class WorkloadInputs:
    """What kpi.workload needs for one year, read in one connection."""

    year: int
    incoming: pd.DataFrame  # court_code, year, category, incoming (years ≤ year)
    courts: pd.DataFrame  # court_code, region_code, level
    resources: pd.DataFrame  # court_code, judge_posts, judges_in_post of the year
    weights: pd.DataFrame
    judge_year: JudgeYearSetting


def workload_inputs(conn: Connection, year: int) -> WorkloadInputs:
    """The inputs of ``year``; WorkloadError when the year has no incoming cases or no
    resources at all (a sentence, never an empty division)."""
    incoming = frames.read_sql(
        conn, "SELECT court_code, year, category, incoming FROM facts WHERE year <= :y "
              "AND year >= :first", {"y": year, "first": year - 50})
    incoming["year"] = pd.to_numeric(incoming["year"]).astype("int64")
    incoming["incoming"] = pd.to_numeric(incoming["incoming"]).astype("float64")
    if not (incoming["year"] == year).any():
        raise WorkloadError("no_incoming", f"the nation in {year}")
    resources = frames.read_sql(
        conn, "SELECT court_code, judge_posts, judges_in_post FROM resources "
              "WHERE year = :y", {"y": year})
    if resources.empty:
        raise WorkloadError("no_resources", f"the nation in {year}")
    for c in ("judge_posts", "judges_in_post"):
        resources[c] = pd.to_numeric(resources[c]).astype("float64")
    courts = frames.read_sql(conn, "SELECT court_code, region_code, level FROM courts")
    return WorkloadInputs(year, incoming, courts, resources, case_weights(conn),
                          judge_year(conn))
