"""Targets changed on the targets page: the contract's checks, one transaction, a log."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from sqlalchemy import text

from data.edits.targets_edit import (
    StaleTargets,
    TargetEdit,
    apply_edits,
    check_rows,
    recent_changes,
)
from data.ingest.load import context, load_file
from data.ingest.undo import UndoRefused, undo
from data.ingest.undo_rules import edited_since
from data.ingest.validate import Context
from data.store.repository import kpi_values
from kpi.catalogue import KPIS
from tests.conftest import year_end_as_of

CTX = Context(court_codes=frozenset({"A", "B"}), kpi_codes=frozenset(KPIS))
REGIONS = "region_code,name_en,name_ru,name_kk\nKZ-75,Almaty,Алматы,Алматы\n"
COURTS = ("court_code,name_en,name_ru,name_kk,region_code,level,specialization\n"
          "A,Court A,Суд А,А соты,KZ-75,district,general\n"
          "B,Court B,Суд Б,Б соты,KZ-75,district,general\n")
CASES = ("case_id,court_code,category,filed_date,resolved_date\n"
         "a1,A,civil,2025-01-10,2025-02-10\n"
         "a2,A,civil,2025-03-01,\n")


# --- checking (pure) -------------------------------------------------------------------


def test_valid_rows_become_edits():
    checked = check_rows([
        {"kpi": "clearance_rate", "year": 2026, "court_code": "", "target": 97.5,
         "tolerance": 4},
        {"kpi": "disposition_time", "year": "2027", "court_code": "A", "target": "80",
         "tolerance": None},
    ], CTX)
    assert checked.ok
    assert checked.edits == [
        TargetEdit("clearance_rate", 2026, "", 97.5, 4.0),
        TargetEdit("disposition_time", 2027, "A", 80.0, None),
    ]


def test_decimal_comma_only_when_asked():
    row = {"kpi": "clearance_rate", "year": 2026, "court_code": "", "target": "95,5"}
    assert check_rows([row], CTX, decimal_comma=True).edits[0].target == 95.5
    errors = check_rows([row], CTX).errors
    assert [e.code for e in errors] == ["bad_decimal"]


def test_every_broken_rule_is_reported_with_its_row():
    checked = check_rows([
        {"kpi": "no_such_kpi", "year": 2026, "court_code": "", "target": 1},
        {"kpi": "clearance_rate", "year": 2026, "court_code": "NOPE", "target": 1},
        {"kpi": "clearance_rate", "year": 2026, "court_code": "", "target": -3},
        {"kpi": "clearance_rate", "year": 1800, "court_code": "", "target": 1},
        {"kpi": "clearance_rate", "year": 2027, "court_code": "", "target": "abc",
         "tolerance": "-1"},
        {"kpi": "clearance_rate", "year": 2028, "court_code": "", "target": None},
        {"kpi": "clearance_rate", "year": 2029, "court_code": "", "target": 1},
        {"kpi": "clearance_rate", "year": 2029, "court_code": "", "target": 2},
    ], CTX)
    assert not checked.ok and checked.edits == []
    found = {(e.line, e.code) for e in checked.errors}
    assert {(1, "unknown_kpi"), (2, "unknown_court"), (3, "negative"), (4, "bad_year"),
            (5, "bad_decimal"), (5, "negative"), (6, "required"),
            (8, "duplicate_key")} <= found


def test_an_empty_court_target_removes_it_but_a_national_one_is_required():
    checked = check_rows([{"kpi": "clearance_rate", "year": 2026, "court_code": "A",
                           "target": ""}], CTX)
    assert checked.edits == [TargetEdit("clearance_rate", 2026, "A", None, None)]
    national = check_rows([{"kpi": "clearance_rate", "year": 2026, "court_code": "",
                            "target": ""}], CTX)
    assert [e.code for e in national.errors] == ["required"]


# --- applying (SQLite and PostgreSQL) ---------------------------------------------------


def _load(engine, tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return load_file(engine, path, as_of=year_end_as_of(body))


@pytest.fixture
def db(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS),
                       ("cases.csv", CASES)):
        assert _load(engine, tmp_path, name, body).status == "loaded"
    return engine


def target_row(engine, kpi, year, court=""):
    with engine.connect() as conn:
        return conn.execute(text("SELECT target, tolerance, illustrative, upload_id FROM targets "
                                 "WHERE kpi = :k AND year = :y AND court_code = :c"),
                            {"k": kpi, "y": year, "c": court}).first()


def counts(engine) -> dict:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
                for t in ("targets", "target_changes", "audit_log")}


def test_an_edit_replaces_the_illustrative_default_and_is_logged(db):
    assert tuple(target_row(db, "clearance_rate", 2025))[:3] == (100, 5, True)
    applied = apply_edits(db, [TargetEdit("clearance_rate", 2025, "", 97.0, 2.0),
                               TargetEdit("clearance_rate", 2026, "A", 99.0, None)],
                          user="staff1", address="10.1.2.3")
    assert len(applied.changed) == 2 and applied.unchanged == 0
    row = target_row(db, "clearance_rate", 2025)
    assert (row.target, row.tolerance, bool(row.illustrative), row.upload_id) == (97, 2, False,
                                                                                 None)
    assert target_row(db, "clearance_rate", 2026, "A").target == 99
    with db.connect() as conn:
        log = recent_changes(conn)
        audit = conn.execute(text("SELECT username, action, detail, address FROM audit_log "
                                  "WHERE action = 'target_change'")).all()
    assert len(log) == 2 and set(log["username"]) == {"staff1"}
    national = log[log["court_code"] == ""].iloc[0]
    assert (national.old_target, national.new_target, national.old_tolerance,
            national.new_tolerance) == (100, 97, 5, 2)
    court = log[log["court_code"] == "A"].iloc[0]
    assert pd.isna(court.old_target) and court.new_target == 99
    assert len(audit) == 1 and audit[0].username == "staff1" and audit[0].address == "10.1.2.3"
    assert "clearance_rate 2025 national: 100 -> 97" in audit[0].detail
    # The KPI status follows the new target at once.
    with db.connect() as conn:
        v = kpi_values(conn, level="court", code="A", year=2025, kpi="clearance_rate",
                       category="all").iloc[0]
    assert (v.target, v.tolerance, bool(v.illustrative)) == (97, 2, False)


def test_same_value_again_changes_nothing_but_approving_a_default_counts(db):
    first = apply_edits(db, [TargetEdit("clearance_rate", 2025, "", 100.0, 5.0)], user="u")
    assert len(first.changed) == 1 and not bool(target_row(db, "clearance_rate",
                                                           2025).illustrative)
    before = counts(db)
    again = apply_edits(db, [TargetEdit("clearance_rate", 2025, "", 100.0, 5.0)], user="u")
    assert again.changed == [] and again.unchanged == 1
    assert counts(db) == before


def test_removing_a_court_target_lets_the_national_one_apply(db):
    apply_edits(db, [TargetEdit("clearance_rate", 2025, "A", 50.0, None)], user="u")
    applied = apply_edits(db, [TargetEdit("clearance_rate", 2025, "A", None, None)], user="u")
    assert applied.changed[0]["old_target"] == 50 and applied.changed[0]["new_target"] is None
    assert target_row(db, "clearance_rate", 2025, "A") is None
    with db.connect() as conn:
        v = kpi_values(conn, level="court", code="A", year=2025, kpi="clearance_rate",
                       category="all").iloc[0]
    assert v.target == 100


def test_a_target_changed_meanwhile_refuses_the_whole_save(db):
    apply_edits(db, [TargetEdit("clearance_rate", 2025, "", 90.0, 5.0)], user="other")
    before = counts(db)
    with pytest.raises(StaleTargets) as err:
        apply_edits(db, [TargetEdit("clearance_rate", 2025, "", 95.0, 5.0),
                         TargetEdit("clearance_rate", 2026, "", 95.0, 5.0)], user="u",
                    expected={("clearance_rate", 2025, ""): (100.0, 5.0),
                              ("clearance_rate", 2026, ""): (100.0, 5.0)})
    assert err.value.keys == [("clearance_rate", 2025, "")]
    assert counts(db) == before and target_row(db, "clearance_rate", 2026).target == 100


def test_invalid_rows_write_nothing(db):
    before = counts(db)
    with db.connect() as conn:
        checked = check_rows([{"kpi": "clearance_rate", "year": 2025, "court_code": "",
                               "target": 1},
                              {"kpi": "clearance_rate", "year": 2026, "court_code": "ZZ",
                               "target": 1}], context(conn))
    assert not checked.ok and checked.edits == []
    # The page applies only what passed: nothing here.
    assert apply_edits(db, checked.edits, user="u").changed == []
    assert counts(db) == before


def test_undo_of_a_targets_upload_is_refused_after_an_edit_of_what_it_replaced(db, tmp_path):
    r = _load(db, tmp_path, "t.csv", "kpi,year,court_code,target,tolerance\n"
                                     "clearance_rate,2025,,99,3\n"
                                     "clearance_rate,2025,A,90,\n")
    assert (r.inserted, r.replaced) == (1, 1)
    apply_edits(db, [TargetEdit("clearance_rate", 2025, "", 98.0, 3.0),
                     TargetEdit("clearance_rate", 2025, "A", 91.0, None)], user="u")
    with db.connect() as conn:
        assert edited_since(conn, r.upload_id) == [("clearance_rate", 2025, "")]
    with pytest.raises(UndoRefused, match="edited on the targets page"):
        undo(db, r.upload_id)
    assert target_row(db, "clearance_rate", 2025).target == 98


def test_undo_of_a_targets_upload_keeps_a_later_edit_of_a_target_it_added(db, tmp_path):
    r = _load(db, tmp_path, "t.csv", "kpi,year,court_code,target\nclearance_rate,2025,A,90\n")
    apply_edits(db, [TargetEdit("clearance_rate", 2025, "A", 91.0, None)], user="u")
    undo(db, r.upload_id)
    row = target_row(db, "clearance_rate", 2025, "A")
    assert row.target == 91 and math.isclose(row.target, 91)


def test_an_imported_file_is_checked_with_its_own_line_numbers():
    from data.edits.targets_edit import check_table
    from data.ingest.readers import read_table

    good = read_table(b"kpi;year;court_code;target;tolerance\n"
                      b"clearance_rate;2026;;97,5;\ne_filing_rate;2027;A;93;2\n",
                      filename="t.csv")
    checked = check_table(good, CTX)
    assert checked.edits == [TargetEdit("clearance_rate", 2026, "", 97.5, None),
                             TargetEdit("e_filing_rate", 2027, "A", 93.0, 2.0)]
    bad = read_table(b"kpi,year,target\nclearance_rate,2026,90\nclearance_rate,2027,\n",
                     filename="t.csv")
    checked = check_table(bad, CTX)
    assert checked.edits == [] and [(e.line, e.code) for e in checked.errors] == [
        (3, "required")]
    other = read_table(b"court_code,year,judge_posts\nA,2024,3\n", filename="r.csv")
    assert {e.code for e in check_table(other, CTX).errors} == {"missing_column"}
