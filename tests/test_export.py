"""CSV / Excel downloads: formula-injection defence, encoding, types kept."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from layouts.export import neutralise_formulas, to_csv_bytes, to_xlsx_bytes


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["=1+1", "+7", "-3", "@x", "\t=cmd", "\r=cmd", "Алматы", "a=b", None],
        "number": [-3, 1, 2, 3, 4, 5, 6, 7, 8],
        "value": [-3.5, np.nan, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    })


def test_text_cells_starting_like_formulas_get_a_quote():
    out = neutralise_formulas(frame())
    assert out["name"].tolist()[:8] == ["'=1+1", "'+7", "'-3", "'@x", "'\t=cmd", "'\r=cmd",
                                        "Алматы", "a=b"]
    assert pd.isna(out["name"].iloc[8])


def test_numbers_are_untouched():
    out = neutralise_formulas(frame())
    assert out["number"].tolist() == frame()["number"].tolist()
    assert out["number"].dtype == frame()["number"].dtype
    assert out["value"].iloc[0] == -3.5 and np.isnan(out["value"].iloc[1])
    assert out["value"].dtype == np.float64


def test_mixed_object_column_keeps_numbers_as_numbers():
    df = pd.DataFrame({"x": pd.Series([-3, "-3", "=A1", 2.5], dtype=object)})
    out = neutralise_formulas(df)
    assert out["x"].tolist() == [-3, "'-3", "'=A1", 2.5]
    assert isinstance(out["x"].iloc[0], int)


def test_categorical_and_string_dtypes():
    df = pd.DataFrame({"c": pd.Categorical(["=x", "ok"]),
                       "s": pd.Series(["@y", "fine"], dtype="string")})
    out = neutralise_formulas(df)
    assert out["c"].tolist() == ["'=x", "ok"]
    assert out["s"].tolist() == ["'@y", "fine"]


def test_input_is_not_modified():
    df = frame()
    neutralise_formulas(df)
    assert df["name"].iloc[0] == "=1+1"


def test_csv_has_bom_and_neutralised_cells():
    data = to_csv_bytes(frame())
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert back["name"].tolist()[:4] == ["'=1+1", "'+7", "'-3", "'@x"]
    assert "Алматы" in back["name"].tolist()
    assert back["number"].tolist()[0] == -3  # the number stays a number


def test_csv_header_is_neutralised_too():
    text = to_csv_bytes(pd.DataFrame({"=evil": [1], "ok": [2]})).decode("utf-8-sig")
    assert text.splitlines()[0] == "'=evil,ok"


def _sheet(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return book, book.active


def test_xlsx_cells_are_text_not_formulas():
    book, ws = _sheet(to_xlsx_bytes(frame(), "KPI"))
    assert book.sheetnames == ["KPI"]
    assert [c.value for c in ws[1]] == ["name", "number", "value"]
    names = [ws.cell(row=r, column=1) for r in range(2, 10)]
    assert [c.value for c in names[:4]] == ["'=1+1", "'+7", "'-3", "'@x"]
    assert all(c.data_type != "f" for c in names)
    assert names[6].value == "Алматы"
    number = ws.cell(row=2, column=2)
    assert number.value == -3 and number.data_type == "n"
    assert ws.cell(row=2, column=3).value == -3.5


def test_xlsx_control_characters_cannot_unmask_a_formula():
    _, ws = _sheet(to_xlsx_bytes(pd.DataFrame({"x": ["\x01=1+1", "ok\x02"]}), "data"))
    assert ws.cell(row=2, column=1).value == "'=1+1"
    assert ws.cell(row=3, column=1).value == "ok"


@pytest.mark.parametrize("name, expected", [
    ("Clearance rate / 2024", "Clearance rate _ 2024"),
    ("x" * 40, "x" * 31),
    ("", "data"),
])
def test_xlsx_sheet_names_are_made_valid(name, expected):
    book, _ = _sheet(to_xlsx_bytes(pd.DataFrame({"a": [1]}), name))
    assert book.sheetnames == [expected]
