"""The undo confirmation's preview says what data.ingest.undo.undo then really does."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from data.edits.targets_edit import TargetEdit, apply_edits
from data.ingest.load import load_file
from data.ingest.undo import UndoRefused, undo
from data.ingest.undo_rules import undo_preview

REGIONS = "region_code,name_en,name_ru,name_kk\nKZ-75,Almaty,Алматы,Алматы\n"
COURTS = ("court_code,name_en,name_ru,name_kk,region_code,level,specialization\n"
          "A,Court A,Суд А,А соты,KZ-75,district,general\n"
          "B,Court B,Суд Б,Б соты,KZ-75,district,general\n")
CASELOAD = ("court_code,year,category,pending_start,incoming,resolved,pending_end\n"
            "A,2024,civil,10,100,95,15\n"
            "A,2024,criminal,0,20,20,0\n"
            "B,2024,civil,5,50,50,5\n")


def _load(engine, tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    report = load_file(engine, path)
    assert report.status == "loaded", report.errors
    return report


@pytest.fixture
def db(engine, tmp_path):
    _load(engine, tmp_path, "regions.csv", REGIONS)
    _load(engine, tmp_path, "courts.csv", COURTS)
    return engine


def preview(engine, upload_id):
    with engine.connect() as conn:
        return undo_preview(conn, upload_id)


def test_counts_match_what_the_undo_does(db, tmp_path):
    first = _load(db, tmp_path, "c1.csv", CASELOAD)
    p = preview(db, first.upload_id)
    assert p.allowed and (p.removed, p.restored) == (3, 0)
    assert (p.filename, p.kind) == ("c1.csv", "caseload")
    # Second file: one row changed, one added, two unchanged.
    second = _load(db, tmp_path, "c2.csv", CASELOAD.replace("B,2024,civil,5,50,50,5",
                                                            "B,2024,civil,5,50,45,10")
                   + "B,2024,criminal,0,5,5,0\n")
    assert (second.inserted, second.replaced, second.unchanged) == (1, 1, 2)
    p = preview(db, second.upload_id)
    assert p.allowed and (p.removed, p.restored) == (1, 1)
    report = undo(db, second.upload_id)
    assert (report.inserted, report.replaced) == (p.removed, p.restored)


def test_refused_while_a_later_upload_changed_the_same_rows(db, tmp_path):
    first = _load(db, tmp_path, "c1.csv", CASELOAD)
    second = _load(db, tmp_path, "c2.csv", CASELOAD.replace(",95,15", ",90,20"))
    p = preview(db, first.upload_id)
    assert not p.allowed and p.refusal.code == "later_upload"
    assert p.refusal.params["uploads"] == f"#{second.upload_id} c2.csv"
    with pytest.raises(UndoRefused):
        undo(db, first.upload_id)
    undo(db, second.upload_id)
    assert preview(db, first.upload_id).allowed


def test_refused_for_unknown_and_undone(db, tmp_path):
    r = _load(db, tmp_path, "c1.csv", CASELOAD)
    undo(db, r.upload_id)
    assert preview(db, r.upload_id).refusal.code == "undone"
    assert preview(db, 999).refusal.code == "missing"


def test_refused_when_a_court_it_added_has_data(db, tmp_path):
    r = _load(db, tmp_path, "court_c.csv", COURTS.splitlines()[0]
              + "\nC,Court C,Суд В,В соты,KZ-75,district,general\n")
    assert preview(db, r.upload_id).allowed
    _load(db, tmp_path, "c_cases.csv", "case_id,court_code,category,filed_date\n"
                                       "c1,C,civil,2024-01-01\n")
    p = preview(db, r.upload_id)
    assert p.refusal.code == "referenced" and p.refusal.params == {"value": "C",
                                                                   "table": "cases"}


def test_refused_when_a_target_it_replaced_was_edited_since(db, tmp_path):
    r = _load(db, tmp_path, "t.csv", "kpi,year,target\nclearance_rate,2025,99\n")
    p = preview(db, r.upload_id)
    assert p.allowed and (p.removed, p.restored) == (0, 1)
    apply_edits(db, [TargetEdit("clearance_rate", 2025, "", 97.0, None)], user="staff")
    p = preview(db, r.upload_id)
    assert p.refusal.code == "edited" and p.refusal.params["n"] == 1
    with db.connect() as conn:
        status = conn.execute(text("SELECT status FROM uploads WHERE id = :i"),
                              {"i": r.upload_id}).scalar()
    assert status == "loaded"
