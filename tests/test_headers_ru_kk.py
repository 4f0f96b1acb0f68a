"""Files as Kazakh courts export them (#19): Russian and Kazakh headers and words read
as the contract's English ones, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest

from data.ingest import names
from data.ingest.load import load_file
from data.ingest.undo import undo
from data.store.repository import kpi_values

REGIONS = [{"region_code": "KZ-75", "name_en": "Almaty", "name_ru": "Алматы",
            "name_kk": "Алматы"},
           {"region_code": "KZ-71", "name_en": "Astana", "name_ru": "Астана",
            "name_kk": "Астана"}]
COURTS = [{"court_code": "A", "name_en": "Court A", "name_ru": "Суд А", "name_kk": "А соты",
           "region_code": "KZ-75", "level": "district", "specialization": "general"},
          {"court_code": "B", "name_en": "Court B", "name_ru": "Суд Б", "name_kk": "Б соты",
           "region_code": "KZ-71", "level": "regional", "specialization": "economic"}]
CASES = [
    {"case_id": "a1", "court_code": "A", "category": "civil", "filed_date": "2024-01-10",
     "resolved_date": "2024-02-10", "e_filed": "true", "appealed": "true",
     "appeal_result": "modified", "statutory_days": "60", "published": "true"},
    {"case_id": "a2", "court_code": "A", "category": "admin_offence",
     "filed_date": "2024-03-01", "resolved_date": "", "e_filed": "false", "appealed": "false",
     "appeal_result": "", "statutory_days": "", "published": "false"},
    {"case_id": "a3", "court_code": "A", "category": "administrative",
     "filed_date": "2023-12-01", "resolved_date": "2024-01-15", "e_filed": "true",
     "appealed": "true", "appeal_result": "upheld", "statutory_days": "", "published": "true"},
    {"case_id": "b1", "court_code": "B", "category": "criminal", "filed_date": "2024-02-01",
     "resolved_date": "2024-09-20", "e_filed": "false", "appealed": "true",
     "appeal_result": "reversed", "statutory_days": "90", "published": "true"},
    {"case_id": "b2", "court_code": "B", "category": "civil", "filed_date": "2024-05-01",
     "resolved_date": "2024-06-01", "e_filed": "true", "appealed": "false",
     "appeal_result": "", "statutory_days": "", "published": "false"},
]
WORDS = {  # code -> (Russian, Kazakh), as their exports write them
    "civil": ("Гражданские дела", "азаматтық істер"),
    "criminal": ("уголовные дела", "Қылмыстық"),
    "administrative": ("Административное судопроизводство", "әкімшілік сот ісін жүргізу"),
    "admin_offence": ("Дела об административных правонарушениях",
                      "әкімшілік құқық бұзушылық"),
    "upheld": ("оставлено без изменения", "өзгеріссіз қалдырылды"),
    "modified": ("Изменено", "өзгертілді"),
    "reversed": ("отменено", "бұзылды"),
    "district": ("районный суд", "аудандық сот"), "regional": ("областной", "облыстық сот"),
    "general": ("общая юрисдикция", "жалпы"), "economic": ("экономический", "экономикалық"),
    "true": ("да", "иә"), "false": ("нет", "жоқ"),
}


def as_language(rows: list[dict], lang: str) -> list[list[str]]:
    """The rows with Russian or Kazakh headers, words, yes/no and DD.MM.YYYY dates."""
    i = {"ru": 0, "kk": 1}[lang]
    header = [names.HEADERS[c][i].upper() + ":" if lang == "ru" else names.HEADERS[c][i]
              for c in rows[0]]
    out = [header]
    for row in rows:
        cells = []
        for col, value in row.items():
            if col.endswith("_date") and value:
                value = ".".join(reversed(value.split("-")))
            elif value in WORDS and col not in ("case_id", "court_code"):
                value = WORDS[value][i]
            cells.append(value)
        out.append(cells)
    return out


def write(tmp_path, name: str, rows: list[list[str]], delimiter: str, encoding: str):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path = tmp_path / name
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def english(rows: list[dict]) -> list[list[str]]:
    return [list(rows[0])] + [list(r.values()) for r in rows]


FORMS = {"en": (english, ",", "utf-8"),
         "ru": (lambda rows: as_language(rows, "ru"), ";", "cp1251"),
         "kk": (lambda rows: as_language(rows, "kk"), "\t", "utf-8")}


def load_all(engine, tmp_path, lang: str) -> list[int]:
    shape, delimiter, encoding = FORMS[lang]
    ids = []
    for kind, rows in (("regions", REGIONS), ("courts", COURTS), ("cases", CASES)):
        path = write(tmp_path, f"{kind}-{lang}.csv", shape(rows), delimiter, encoding)
        # The cases stand for a year-end extract of 2024, in every language.
        as_of = dt.date(2024, 12, 31) if kind == "cases" else None
        report = load_file(engine, path, as_of=as_of)
        assert report.status == "loaded", (lang, kind, [e for e in report.errors][:3])
        assert report.kind == kind
        ids.append(report.upload_id)
    return ids


def test_same_data_in_three_languages_gives_the_same_kpis(engine, tmp_path):
    seen = {}
    for lang in ("en", "ru", "kk"):
        ids = load_all(engine, tmp_path, lang)
        with engine.connect() as conn:
            seen[lang] = kpi_values(conn).sort_values(
                ["level", "code", "year", "category", "kpi"]).reset_index(drop=True)
        for upload_id in reversed(ids):  # the next language starts from an empty database
            undo(engine, upload_id)
    assert len(seen["en"]) > 20
    pd.testing.assert_frame_equal(seen["ru"], seen["en"])
    pd.testing.assert_frame_equal(seen["kk"], seen["en"])
    appeal = seen["ru"][(seen["ru"]["kpi"] == "appeal_reversal_rate")
                        & (seen["ru"]["level"] == "national") & (seen["ru"]["category"] == "all")]
    assert appeal["value"].notna().any()  # the appeal words were read, not dropped


def test_the_review_says_which_name_was_read_as_which_field(tmp_path, engine):
    from data.ingest.load import check_file

    path = write(tmp_path, "cases.csv", as_language(CASES, "ru"), ";", "cp1251")
    checked = check_file(engine, path)
    read_as = checked.report.detected["read_as"]
    assert read_as["НОМЕР ДЕЛА:"] == "case_id" and read_as["ДАТА ПОСТУПЛЕНИЯ:"] == "filed_date"


def test_a_bare_administrative_is_an_error_naming_the_choices(engine, tmp_path):
    for kind, rows in (("regions", REGIONS), ("courts", COURTS)):
        assert load_file(engine, write(tmp_path, f"{kind}.csv", english(rows), ",",
                                       "utf-8")).status == "loaded"
    rows = as_language(CASES, "ru")
    rows[2][2] = "Административные"
    report = load_file(engine, write(tmp_path, "bad.csv", rows, ";", "cp1251"))
    assert report.status == "rejected"
    [issue] = [i for i in report.errors if i.code == "ambiguous_choice"]
    assert issue.line == 3 and issue.column == "category"
    assert "'административное судопроизводство' / 'административные правонарушения'" in \
        issue.params["choices"]


@pytest.mark.parametrize("header, field", [
    ("Номер дела", "case_id"), ("  НОМЕР   ДЕЛА: ", "case_id"), ("номер_дела*", "case_id"),
    ("Іс нөмірі", "case_id"), ("Дата поступления", "filed_date"),
    ("Остаток на начало", "pending_start"), ("Поступило", "incoming"),
    ("Поступило в электронном виде", "e_filed"), ("Рассмотрено в срок", "resolved_on_time"),
    ("Рассмотрено", "resolved"), ("Бюджет (теңге)", "budget_kzt"), ("Case ID", "case_id"),
    ("Отчётный год", "year"), ("Отчетный год", "year"), ("примечание", None),
])
def test_header_names(header, field):
    assert names.field_of(header) == field


def test_values_and_the_matching_rule():
    assert names.code_of("category", " ГРАЖДАНСКИЕ  ДЕЛА ") == "civil"
    assert names.code_of("category", "admin-offence") == "admin_offence"
    assert names.code_of("appeal_result", "Оставлено без изменения") == "upheld"
    assert names.code_of("level", "Облыстық сот") == "regional"
    assert names.code_of("category", "административные") is None
    assert names.ambiguous_choices("category", "Әкімшілік") is not None
    assert names.fold("Ёлка_—_x:") == "елка — x"
    assert names.suggestions("Дата поступлени", ("filed_date",))[0] == "Дата поступления"


def test_no_name_or_word_means_two_things():
    """The index is built at import and refuses a clash; check it covers every list."""
    assert len(names.HEADER_INDEX) >= sum(1 + len(v) for v in names.HEADERS.values()) - 5
    for column, codes in names.VALUES.items():
        for code, words in codes.items():
            for word in words:
                assert names.code_of(column, word) == code, word


def test_a_misspelt_header_gets_the_closest_accepted_name(engine, tmp_path):
    from data.ingest.load import check_file
    from layouts.issues import issue_text

    rows = as_language(CASES, "ru")
    rows[0][3] = "ДАТА ПОСТУПЛЕНИ"  # filed_date, one letter short
    path = write(tmp_path, "typo.csv", rows, ";", "cp1251")
    report = check_file(engine, path).report
    assert report.status == "rejected"  # the required filed_date is missing: no kind fits
    [unknown] = report.errors
    assert unknown.code == "unknown_kind" and unknown.params["suggestion"] == "Дата поступления"
    assert issue_text(unknown.as_dict(), "kk").endswith("'Дата поступления' деген шығар?")
    report = check_file(engine, path, kind="cases").report  # the kind chosen by hand
    [extra] = [w for w in report.warnings if w.code == "extra_column"]
    assert extra.params["suggestion"] == "Дата поступления"
    assert extra.message.endswith("Did you mean 'Дата поступления'?")
    assert issue_text(extra.as_dict(), "ru").endswith(
        "Возможно, имелось в виду 'Дата поступления'?")


def test_the_documentation_lists_every_accepted_name():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "data-formats.md").read_text(
        encoding="utf-8")
    for field, accepted in names.HEADERS.items():
        assert f"| `{field}` | {'; '.join(accepted)} |" in doc, field
    for column, codes in names.VALUES.items():
        for code, words in codes.items():
            assert f"| `{column}` | `{code}` | {'; '.join(words)} |" in doc, (column, code)
