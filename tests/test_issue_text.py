"""Stored validation issues read in the reader's language, parameters included (#6)."""

from __future__ import annotations

from data.ingest.validate import detect_kind
from layouts.issues import issue_text


def test_unknown_kind_detail_is_translated():
    _, issue = detect_kind(["foo", "bar"])
    stored = issue.as_dict()
    ru = issue_text(stored, "ru")
    assert ru.startswith("Строка заголовков не соответствует")
    assert "нет столбцов" in ru and "missing" not in ru
    assert "court_code" in ru  # column names stay as they are in files
    assert "missing" in issue_text(stored, "en")


def test_category_code_becomes_its_name():
    stored = {"code": "caseload_conflict", "line": 2, "column": None, "value": None,
              "message": "", "params": {"court": "KZ10-D01", "year": 2024,
                                        "category": "civil"}}
    assert "Гражданские дела" in issue_text(stored, "ru")
    assert "civil" not in issue_text(stored, "kk")
