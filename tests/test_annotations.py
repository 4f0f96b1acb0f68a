"""Notes on the figures (issue 15): stored, checked, audited, scoped, on SQLite and
PostgreSQL; the schema the migrations make is the one the models declare."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from data.accounts.access import Viewer
from data.edits import annotations
from data.edits.annotations import MAX_TEXT, Note, NoteError
from data.ingest.load import load_file
from tests.test_loader import COURTS, REGIONS

ANALYST = Viewer("ana", "analyst")
STAFF = Viewer("sta", "staff")
JUDGE = Viewer("jud", "judge", "A")


@pytest.fixture
def units(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        (tmp_path / name).write_text(body, encoding="utf-8")
        assert load_file(engine, tmp_path / name).status == "loaded"
    with engine.connect() as conn:
        courts = [r[0] for r in conn.execute(text("SELECT court_code FROM courts "
                                                  "ORDER BY court_code"))]
        regions = [r[0] for r in conn.execute(text("SELECT region_code FROM regions "
                                                   "ORDER BY region_code"))]
    return engine, courts, regions


def audit_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT username, action, detail, address FROM audit_log "
            "WHERE action LIKE 'note%' ORDER BY id"))]


def test_add_edit_delete_are_stored_and_audited(units):
    engine, courts, _regions = units
    court = courts[0]
    note_id = annotations.add(engine, Note("court", court, 2024, "clearance_rate",
                                           "  Суды № 2 и 3 объединены\r\nс 1 июля  "),
                              ANALYST, "10.0.0.5")
    with engine.connect() as conn:
        rows = annotations.notes(conn, ANALYST)
    assert rows[["id", "level", "code", "year", "kpi", "text", "created_by"]].values.tolist() \
        == [[note_id, "court", court, 2024, "clearance_rate",
             "Суды № 2 и 3 объединены\nс 1 июля", "ana"]]
    annotations.edit(engine, note_id, Note("national", "ignored", 2023, "", "Реформа"), STAFF)
    with engine.connect() as conn:
        row = annotations.get(conn, note_id, ANALYST)
    assert (row["level"], row["code"], row["year"], row["kpi"], row["text"], row["updated_by"]) \
        == ("national", "KZ", 2023, "", "Реформа", "sta")
    annotations.remove(engine, note_id, ANALYST)
    with engine.connect() as conn:
        assert annotations.notes(conn, ANALYST).empty
    assert [(u, a) for u, a, _d, _ip in audit_rows(engine)] == [
        ("ana", "note_added"), ("sta", "note_changed"), ("ana", "note_deleted")]
    assert audit_rows(engine)[0][3] == "10.0.0.5"
    assert "Реформа" in audit_rows(engine)[2][2]  # the audit keeps what a deleted note said


@pytest.mark.parametrize(("note", "code"), [
    (Note("court", "NOPE", 2024, "", "x"), "unit"),
    (Note("region", "NOPE", 2024, "", "x"), "unit"),
    (Note("planet", "KZ", 2024, "", "x"), "level"),
    (Note("national", "KZ", 1800, "", "x"), "year"),
    (Note("national", "KZ", 2024, "no_such_kpi", "x"), "kpi"),
    (Note("national", "KZ", 2024, "", " \n\t "), "empty"),
    (Note("national", "KZ", 2024, "", "x" * (MAX_TEXT + 1)), "too_long"),
    (Note("national", "KZ", 2024, "", "see <script>alert(1)</script>"), "markup"),
    (Note("national", "KZ", 2024, "", "<img src=x onerror=alert(1)>"), "markup"),
    (Note("national", "KZ", 2024, "", "a &lt;b&gt; c"), "markup"),
    (Note("national", "KZ", 2024, "", "<!-- hidden -->"), "markup"),
])
def test_bad_notes_are_refused_with_a_reason_and_nothing_is_written(units, note, code):
    engine, _courts, _regions = units
    with pytest.raises(NoteError) as refused:
        annotations.add(engine, note, ANALYST)
    assert refused.value.code == code
    with engine.connect() as conn:
        assert annotations.notes(conn, ANALYST).empty
    assert audit_rows(engine) == []


def test_plain_text_with_angle_brackets_and_ampersands_is_kept(units):
    engine, _courts, _regions = units
    said = "clearance < 100 % & backlog > 2 years; 3<4"
    note_id = annotations.add(engine, Note("national", "", 2024, "", said + "\x00\x07"),
                              ANALYST)
    with engine.connect() as conn:
        assert annotations.get(conn, note_id, JUDGE)["text"] == said
    exactly = "x" * MAX_TEXT
    annotations.add(engine, Note("national", "", 2025, "", exactly), ANALYST)


def test_judges_cannot_write_and_read_only_the_nation_regions_and_their_court(units):
    engine, courts, regions = units
    own, other = "A", next(c for c in courts if c != "A")
    for level, code in (("national", "KZ"), ("region", regions[0]), ("court", own),
                        ("court", other)):
        annotations.add(engine, Note(level, code, 2024, "", f"on {code}"), ANALYST)
    for write in (lambda: annotations.add(engine, Note("court", own, 2024, "", "x"), JUDGE),
                  lambda: annotations.remove(engine, 1, JUDGE),
                  lambda: annotations.edit(engine, 1, Note("court", own, 2024, "", "x"),
                                           JUDGE)):
        with pytest.raises(NoteError, match="Only analysts"):
            write()
    with engine.connect() as conn:
        seen = set(annotations.notes(conn, JUDGE)["code"])
        assert seen == {"KZ", regions[0], own}
        assert set(annotations.notes(conn, ANALYST)["code"]) == seen | {other}
        hidden = annotations.notes(conn, ANALYST, code=other)["id"].iloc[0]
        assert annotations.get(conn, int(hidden), JUDGE) is None
        assert annotations.get(conn, "1; DROP TABLE annotations", ANALYST) is None
        # A KPI's notes include the notes on the whole year.
        annotations.add(engine, Note("national", "KZ", 2024, "clearance_rate", "k"), ANALYST)
        on_kpi = annotations.notes(conn, ANALYST, code="KZ", kpi="clearance_rate")
        assert sorted(on_kpi["kpi"]) == ["", "clearance_rate"]
        assert annotations.notes(conn, ANALYST, code="KZ", kpi="backlog_rate")["kpi"].tolist() \
            == [""]


def test_missing_notes_say_so(units):
    engine, _courts, _regions = units
    with pytest.raises(NoteError, match="no note #99"):
        annotations.remove(engine, 99, ANALYST)
    with pytest.raises(NoteError, match="no note #99"):
        annotations.edit(engine, 99, Note("national", "KZ", 2024, "", "x"), ANALYST)
    for forged in (10**12, -1, "7", True):  # never reaches the database as a key
        with pytest.raises(NoteError, match="no note"):
            annotations.remove(engine, forged, ANALYST)
        with engine.connect() as conn:
            assert annotations.get(conn, forged, ANALYST) is None


def test_the_migrations_make_the_schema_the_models_declare(engine):
    """Every table and column of data.store.models exists as the migrations made it."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from data.store.models import Base

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    tables = [d for d in diff if d[0] in ("add_table", "remove_table", "add_column",
                                          "remove_column")]
    assert tables == [], tables


def test_a_note_on_the_court_region_or_nation_year_explains_a_flag():
    import pandas as pd

    from data.derive.flags import mark_explained

    found = pd.DataFrame({"court_code": ["A", "A", "B", "C"], "year": [2024, 2023, 2024, 2022],
                          "rule": ["yoy_outlier"] * 4})
    notes = pd.DataFrame({
        "level": ["court", "region", "region", "national", "court"],
        "code": ["A", "R1", "R2", "KZ", "C"], "year": [2024, 2023, 2024, 2022, 2021],
        "kpi": ["clearance_rate", "", "backlog_rate", "", ""],
        "text": ["merged", "region reform", "on one KPI only", "new code", "other year"]})
    marked = mark_explained(found, notes, {"A": "R1", "B": "R2", "C": "R3"})
    # A court note on any KPI explains; a region's note only on the whole year.
    assert marked["note"].tolist() == ["merged", "region reform", "", "new code"]
    assert mark_explained(found, notes.iloc[0:0], {})["note"].tolist() == [""] * 4
