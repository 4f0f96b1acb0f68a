"""The inputs of judges needed by weighted caseload as stored: the case weights and
the judge year in force, read here for the refresh (data.derive) and the pages, and
their shipped illustrative values, installed once, never over a value that was set (by
an upload, the page or ``python -m data judge-year``).

The weights are of the order of magnitude weighted caseload studies find (docs/
workload.md says where from): minutes of judge time per case, by category and court
level. They are marked *illustrative* until a time study of Kazakhstan's courts replaces
them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, text

from data.store import frames
from kpi.workload import DEFAULT_DAYS, DEFAULT_HOURS, JudgeYear

# (category, court_level) -> minutes of judge time per case. District: a civil case
# two hours, a criminal one four, an administrative (APPK) one three, an administrative
# offence twenty minutes; appeal and cassation cases hours each, read by a panel.
ILLUSTRATIVE_WEIGHTS: dict[tuple[str, str], float] = {
    ("civil", "district"): 120, ("criminal", "district"): 240,
    ("administrative", "district"): 180, ("admin_offence", "district"): 20,
    ("civil", "regional"): 360, ("criminal", "regional"): 540,
    ("administrative", "regional"): 420, ("admin_offence", "regional"): 90,
    ("civil", "supreme"): 480, ("criminal", "supreme"): 600,
    ("administrative", "supreme"): 480, ("admin_offence", "supreme"): 120,
}


def illustrative_weights() -> pd.DataFrame:
    return pd.DataFrame(
        [{"category": c, "court_level": lvl, "minutes": float(m), "illustrative": True}
         for (c, lvl), m in ILLUSTRATIVE_WEIGHTS.items()])


def install_workload_defaults(engine: Engine) -> int:
    """Add the shipped weights missing from the table and the judge year when none is
    set; the number of rows added."""
    with engine.begin() as conn:
        have = frames.read_sql(conn, "SELECT category, court_level FROM case_weights")
        weights = illustrative_weights()
        taken = set(zip(have["category"], have["court_level"]))
        weights = weights[[(c, lvl) not in taken for c, lvl in
                           zip(weights["category"], weights["court_level"])]]
        frames.insert_frame(conn, "case_weights", weights)
        added = len(weights)
        if conn.execute(text("SELECT 1 FROM judge_year WHERE id = 1")).first() is None:
            conn.execute(text("INSERT INTO judge_year (id, days, hours, illustrative) "
                              "VALUES (1, :d, :h, TRUE)"),
                         {"d": DEFAULT_DAYS, "h": DEFAULT_HOURS})
            added += 1
        return added


@dataclass(frozen=True)
class JudgeYearSetting:
    judge_year: JudgeYear
    illustrative: bool


def judge_year(conn: Connection) -> JudgeYearSetting:
    """The judge year in force (the shipped one until someone sets it)."""
    row = conn.execute(text("SELECT days, hours, illustrative FROM judge_year "
                            "WHERE id = 1")).first()
    if row is None:
        return JudgeYearSetting(JudgeYear(), True)
    return JudgeYearSetting(JudgeYear(float(row[0]), float(row[1])), bool(row[2]))


def case_weights(conn: Connection) -> pd.DataFrame:
    """category, court_level, minutes, illustrative: the weights in force."""
    df = frames.read_sql(conn, "SELECT category, court_level, minutes, illustrative "
                               "FROM case_weights ORDER BY court_level, category")
    df["minutes"] = pd.to_numeric(df["minutes"]).astype("float64")
    return df
