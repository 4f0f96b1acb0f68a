"""Adding an upload kind takes its record in data.store.schema, a migration (here: the
table its record declares), its translations and its docs: no loader, validation,
undo, refresh or page code. A throw-away kind registered in this process goes the
whole way: detected, validated against loaded courts, loaded, previewed, undone, and
it holds the courts it names against an undo of their upload."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from data.demo.loading import example_frame
from data.ingest import validate as validate_module
from data.ingest.load import load_file
from data.ingest.undo import UndoRefused, undo
from data.ingest.undo_rules import undo_preview
from data.store import models, schema
from data.store.schema import Column, Kind, PartWhole, Reference
from layouts import i18n
from layouts.upload_view import kind_options

INSPECTIONS = Kind(
    "inspections", "inspections", ("court_code", "year"),
    (
        Column("court_code", "text", True),
        Column("year", "int", True),
        Column("inspections", "int", True),
        Column("findings", "int"),
    ),
    references=(Reference("court_code", "courts"),),
    parts=(PartWhole("findings", "inspections"),),
)
REGIONS = "region_code,name_en,name_ru,name_kk\nKZ-75,Almaty,Алматы,Алматы\n"
COURTS = ("court_code,name_en,name_ru,name_kk,region_code,level,specialization\n"
          "A,Court A,Суд А,А соты,KZ-75,district,general\n")
COURT_B = ("court_code,name_en,name_ru,name_kk,region_code,level,specialization\n"
           "B,Court B,Суд Б,Б соты,KZ-75,district,general\n")


@pytest.fixture
def new_kind(engine, monkeypatch):
    """The kind's schema entry, its table (what its migration makes) and its
    translations, for this test only."""
    monkeypatch.setitem(schema.KINDS, INSPECTIONS.name, INSPECTIONS)
    monkeypatch.setattr(validate_module, "ALL_COLUMNS",
                        validate_module.ALL_COLUMNS | set(INSPECTIONS.column_names))
    table = models._upload_table(INSPECTIONS)
    try:
        table.create(engine)
        english = i18n.catalogue("en")
        monkeypatch.setitem(english, "upload.kind.inspections", "Inspections")
        yield engine
    finally:
        models.Base.metadata.remove(table)


def _file(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _load(engine, tmp_path, name, body):
    report = load_file(engine, _file(tmp_path, name, body))
    assert report.status == "loaded", [i.message for i in report.errors]
    return report


def test_a_new_kind_loads_validates_and_undoes_with_no_other_code(new_kind, tmp_path):
    engine = new_kind
    _load(engine, tmp_path, "regions.csv", REGIONS)
    _load(engine, tmp_path, "courts.csv", COURTS)

    # Detected from its header; its reference and part-whole rules are checked.
    bad = load_file(engine, _file(tmp_path, "bad.csv", "court_code,year,inspections,findings\n"
                                                       "Z,2024,3,1\nA,2024,2,5\n"))
    assert bad.status == "rejected" and bad.kind == "inspections"
    assert [(i.line, i.code) for i in bad.errors] == [(2, "unknown_court"),
                                                      (3, "part_gt_whole")]

    first = _load(engine, tmp_path, "i1.csv", "court_code,year,inspections,findings\n"
                                             "A,2023,4,1\nA,2024,2,0\n")
    assert (first.kind, first.inserted) == ("inspections", 2)
    second = _load(engine, tmp_path, "i2.csv", "court_code,year,inspections\nA,2024,3\n")
    assert (second.inserted, second.replaced, second.unchanged) == (0, 1, 0)

    with engine.connect() as conn:
        assert undo_preview(conn, first.upload_id).refusal.code == "later_upload"
        preview = undo_preview(conn, second.upload_id)
    assert (preview.allowed, preview.removed, preview.restored) == (True, 0, 1)
    with pytest.raises(UndoRefused, match="later upload"):
        undo(engine, first.upload_id)
    undo(engine, second.upload_id)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT year, inspections, findings, upload_id "
                                 "FROM inspections ORDER BY year")).all()
    assert [tuple(r) for r in rows] == [(2023, 4, 1, first.upload_id),
                                        (2024, 2, 0, first.upload_id)]

    # A court it names is held against an undo of the courts upload that added it,
    # by the rule derived from its reference.
    courts_b = _load(engine, tmp_path, "courts-b.csv", COURT_B)
    _load(engine, tmp_path, "i3.csv", "court_code,year,inspections\nB,2024,1\n")
    with pytest.raises(UndoRefused, match="'B'.*'inspections'"):
        undo(engine, courts_b.upload_id)


def test_a_new_kind_is_offered_on_the_upload_page_and_has_an_example(new_kind):
    options = kind_options("en")
    assert {"label": "Inspections", "value": "inspections"} in options
    # The demo does not generate it: the example is its header, not a KeyError.
    assert list(example_frame("inspections").columns) == list(INSPECTIONS.column_names)
    assert ("inspections", "court_code") in schema.KINDS["courts"].holders()
