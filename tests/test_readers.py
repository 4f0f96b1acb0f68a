"""Tests for data.ingest.readers: every container and dialect the data contract accepts."""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path
from unittest import mock

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import Font

from data.ingest import readers
from data.ingest.readers import RawTable, ReadError, read_table, sniff_container


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows(table: RawTable) -> list[list[str]]:
    return table.frame.values.tolist()


def assert_all_str(table: RawTable) -> None:
    for col in table.frame.columns:
        assert str(table.frame[col].dtype) == "str"
        assert all(isinstance(v, str) for v in table.frame[col])
    assert table.lines.dtype == np.int64
    assert len(table.lines) == len(table.frame)


# --- encodings ---------------------------------------------------------------


def test_utf8_comma(tmp_path: Path) -> None:
    path = write(tmp_path, "courts.csv", "court_code,name_ru\nKZ-75-01,Алматы\nKZ-71-02,Астана\n"
                 .encode())
    t = read_table(path)
    assert_all_str(t)
    assert t.header == ["court_code", "name_ru"]
    assert rows(t) == [["KZ-75-01", "Алматы"], ["KZ-71-02", "Астана"]]
    assert t.lines.tolist() == [2, 3]
    assert (t.container, t.encoding, t.delimiter, t.decimal_comma) == ("csv", "utf-8", ",", False)
    assert t.duplicate_columns == [] and t.ragged_lines == []


def test_utf8_bom_semicolon_crlf_and_messy_header(tmp_path: Path) -> None:
    data = "\ufeff Court_Code ;YEAR\u00a0;  Budget   KZT \r\nKZ-75;2024;1 234,5\r\n".encode()
    t = read_table(write(tmp_path, "r.csv", data))
    assert t.encoding == "utf-8-sig"
    assert t.delimiter == ";" and t.decimal_comma is True
    # Spaces and underscores fold alike (shared/spec/headers-ru-kk.md): "Budget KZT" is
    # the contract's budget_kzt.
    assert t.header == ["court_code", "year", "budget_kzt"]
    assert t.read_as == {"Budget   KZT": "budget_kzt"}
    assert list(t.frame.columns) == t.header
    # Values are kept verbatim (no number parsing here).
    assert rows(t) == [["KZ-75", "2024", "1 234,5"]]
    assert t.lines.tolist() == [2]


def test_cp1251_cyrillic(tmp_path: Path) -> None:
    text = "Код;Название\r\nKZ-75;Медеуский районный суд г. Алматы\r\nKZ-11;Суд №2 «Ёлки»\r\n"
    t = read_table(write(tmp_path, "export.csv", text.encode("cp1251")))
    assert t.encoding == "cp1251"
    assert t.header == ["код", "название"]
    assert rows(t) == [
        ["KZ-75", "Медеуский районный суд г. Алматы"], ["KZ-11", "Суд №2 «Ёлки»"],
    ]
    assert t.lines.tolist() == [2, 3]


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    # Excel's "Unicode Text" export.
    t = read_table(write(tmp_path, "u.txt", "a\tb\r\n1\tЖоқ\r\n".encode("utf-16")))
    assert t.encoding == "utf-16" and t.delimiter == "\t"
    assert rows(t) == [["1", "Жоқ"]]


def test_utf16_without_bom_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="not UTF-8 or Windows-1251"):
        read_table(write(tmp_path, "u.csv", "a,b\r\n1,2\r\n".encode("utf-16-le")))


def test_utf8_with_one_broken_byte_is_not_garbled_as_cp1251(tmp_path: Path) -> None:
    data = "name;code\nАлматы;1\nАстана;2\n".encode() + "Шымкент".encode("cp1251") + b";3\n"
    with pytest.raises(ReadError, match="line 4"):
        read_table(write(tmp_path, "mixed.csv", data))


def test_utf8_bom_but_invalid_utf8(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfa;b\n" + "Ж".encode("cp1251") + b";1\n"
    with pytest.raises(ReadError, match="line 2"):
        read_table(write(tmp_path, "x.csv", data))


# --- delimiters and quoting ----------------------------------------------------


def test_tab_delimiter(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "t.txt", b"court_code\tyear\tincoming\nKZ-75\t2024\t1,5\n"))
    assert t.delimiter == "\t" and t.decimal_comma is True
    assert rows(t) == [["KZ-75", "2024", "1,5"]]


def test_semicolon_with_decimal_commas_is_not_taken_for_comma(tmp_path: Path) -> None:
    data = b"kpi;year;target;tolerance\nclearance;2024;97,5;2,5\nspeed;2024;1,25;0,1\n"
    t = read_table(write(tmp_path, "t.csv", data))
    assert t.delimiter == ";"
    assert rows(t)[0] == ["clearance", "2024", "97,5", "2,5"]


def test_quoted_delimiter_inside_field(tmp_path: Path) -> None:
    data = 'code;name\nKZ-1;"Суд; район"\nKZ-2;"say ""hi"""\n'.encode()
    t = read_table(write(tmp_path, "q.csv", data))
    assert t.delimiter == ";"
    assert rows(t) == [["KZ-1", "Суд; район"], ["KZ-2", 'say "hi"']]
    data = b'code,name\nKZ-1,"a, b"\n'
    assert rows(read_table(data)) == [["KZ-1", "a, b"]]


def test_quoted_header_field_with_delimiter(tmp_path: Path) -> None:
    t = read_table(b'"name, ru";code\nx;1\n')
    assert t.delimiter == ";" and t.header == ["name, ru", "code"]


def test_quoted_newline_keeps_line_numbers(tmp_path: Path) -> None:
    data = (
        b'case_id,note,court\n'
        b'1,"first line\nsecond line",A\n'
        b'2,plain,B\n'
        b'3,"a\n\nb\n",C\n'
        b'4,x,D\n'
    )
    t = read_table(write(tmp_path, "n.csv", data))
    assert rows(t) == [
        ["1", "first line\nsecond line", "A"], ["2", "plain", "B"], ["3", "a\n\nb", "C"],
        ["4", "x", "D"],
    ]
    assert t.lines.tolist() == [2, 4, 5, 9]


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    data = b"\n\na;b\n\n1;2\n\n\n3;4\n;;\n   \n5;6\n\n"
    t = read_table(write(tmp_path, "b.csv", data))
    assert rows(t) == [["1", "2"], ["3", "4"], ["5", "6"]]
    assert t.lines.tolist() == [5, 8, 11]
    assert t.ragged_lines == []


def test_crlf_and_cr_line_endings(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "c.csv", b'a,b\r\n1,"x\r\ny"\r\n\r\n2,z\r\n'))
    assert rows(t) == [["1", "x\ny"], ["2", "z"]]
    assert t.lines.tolist() == [2, 5]
    # Old Mac exports end lines with a bare CR.
    t = read_table(write(tmp_path, "m.csv", b"a,b\r1,2\r3,4\r"))
    assert rows(t) == [["1", "2"], ["3", "4"]]
    assert t.lines.tolist() == [2, 3]


def test_values_are_stripped_but_not_interpreted(tmp_path: Path) -> None:
    data = "a;b;c\n  007 ;\u00a0=1+1\u00a0; \u202f2024-01-01 \n".encode()
    t = read_table(write(tmp_path, "v.csv", data))
    assert rows(t) == [["007", "=1+1", "2024-01-01"]]


def test_single_column_file(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "one.csv", b"Region_Code\nKZ-75\n\nKZ-71\n"))
    assert t.header == ["region_code"] and t.delimiter == ","
    assert rows(t) == [["KZ-75"], ["KZ-71"]]
    assert t.lines.tolist() == [2, 4]


def test_ragged_rows_are_padded_and_reported(tmp_path: Path) -> None:
    data = b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n,,\n"
    t = read_table(write(tmp_path, "r.csv", data))
    assert rows(t) == [["1", "2", "3"], ["4", "5", ""], ["6", "7", "8"], ["10", "11", "12"]]
    assert t.lines.tolist() == [2, 3, 4, 5]
    assert t.ragged_lines == [3, 4]


def test_ragged_rows_with_quoted_newlines(tmp_path: Path) -> None:
    data = b'a,b\n"x\ny",1,extra\n2\n"p\n\nq",3\n'
    t = read_table(write(tmp_path, "r.csv", data))
    assert rows(t) == [["x\ny", "1"], ["2", ""], ["p\n\nq", "3"]]
    assert t.lines.tolist() == [2, 4, 5]
    assert t.ragged_lines == [2, 4]


def test_duplicate_columns_keep_the_first(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "d.csv", b"year,Year ,court,year\n2024,2023,A,2022\n"))
    assert t.header == ["year", "year", "court", "year"]
    assert t.duplicate_columns == ["year"]
    assert list(t.frame.columns) == ["year", "court"]
    assert rows(t) == [["2024", "A"]]


def test_unnamed_columns(tmp_path: Path) -> None:
    # A trailing delimiter on every line (Excel) adds nothing.
    t = read_table(write(tmp_path, "u.csv", b"a;b;\n1;2;\n"))
    assert t.header == ["a", "b"] and rows(t) == [["1", "2"]]
    # An unnamed column with data is kept under a name that says where it is.
    t = read_table(write(tmp_path, "v.csv", b"a;;c\n1;x;3\n"))
    assert t.header == ["a", "(column 2)", "c"]
    assert rows(t) == [["1", "x", "3"]]


def test_header_only(tmp_path: Path) -> None:
    t = read_table(write(tmp_path, "h.csv", b"court_code;year\r\n"))
    assert t.header == ["court_code", "year"]
    assert list(t.frame.columns) == ["court_code", "year"]
    assert len(t.frame) == 0 and len(t.lines) == 0
    assert_all_str(t)
    assert read_table(b"a,b").header == ["a", "b"]
    assert len(read_table(b"a,b\n\n,\n").frame) == 0


@pytest.mark.parametrize("data", [b"", b"   \r\n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n;;\n"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(ReadError, match="^The file is empty.$"):
        read_table(write(tmp_path, "e.csv", data))


def test_unclosed_quote(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="line 3 is never closed"):
        read_table(write(tmp_path, "q.csv", b'a,b\n1,2\n3,"oops\n4,5\n'))


# --- xlsx ----------------------------------------------------------------------


def make_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([" Court_Code ", "Filed_Date", "Hearings_Total", "Budget", "Note", "E_Filed"])
    ws.append(["KZ-75", dt.date(2024, 3, 5), 12, 1234.5, None, True])
    ws.append(["KZ-71", dt.datetime(2023, 12, 31, 0, 0), 12.0, 0.1 + 0.2, "  text ", False])
    ws.append([])  # an empty row in the middle
    ws.append(["KZ-11", "05.03.2024", -3, 1e-7, "+7 701 123", None])
    ws.cell(row=9, column=1).value = "   "  # blank after stripping
    ws.cell(row=12, column=2).font = Font(bold=True)  # styled, empty: a trailing row
    wb.create_sheet("second").append(["ignored"])
    wb.save(path)
    return path


def test_xlsx(tmp_path: Path) -> None:
    t = read_table(make_xlsx(tmp_path / "cases.xlsx"))
    assert_all_str(t)
    assert (t.container, t.encoding, t.delimiter, t.decimal_comma) == ("xlsx", None, None, False)
    assert t.header == ["court_code", "filed_date", "hearings_total", "budget", "note", "e_filed"]
    assert rows(t) == [
        ["KZ-75", "2024-03-05", "12", "1234.5", "", "true"],
        ["KZ-71", "2023-12-31", "12", "0.3", "text", "false"],
        ["KZ-11", "05.03.2024", "-3", "0.0000001", "+7 701 123", ""],
    ]
    # Sheet row numbers.
    assert t.lines.tolist() == [2, 3, 5]


def test_xlsx_header_not_on_first_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B3"], ws["C3"] = "a", "b"
    ws["B4"], ws["C4"] = 1, 2
    wb.save(tmp_path / "x.xlsx")
    t = read_table(tmp_path / "x.xlsx")
    assert t.header == ["a", "b"] and rows(t) == [["1", "2"]]
    assert t.lines.tolist() == [4]


def test_xlsx_header_only_and_empty(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    wb.save(tmp_path / "h.xlsx")
    t = read_table(tmp_path / "h.xlsx")
    assert t.header == ["a", "b"] and len(t.frame) == 0
    openpyxl.Workbook().save(tmp_path / "e.xlsx")
    with pytest.raises(ReadError, match="empty"):
        read_table(tmp_path / "e.xlsx")


def test_xlsx_detected_by_content_not_name(tmp_path: Path) -> None:
    data = make_xlsx(tmp_path / "real.xlsx").read_bytes()
    t = read_table(write(tmp_path, "misnamed.csv", data))
    assert t.container == "xlsx" and len(t.frame) == 3
    assert read_table(data).container == "xlsx"


def test_text_named_xlsx(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="not an Excel workbook"):
        read_table(write(tmp_path, "fake.xlsx", b"a,b\n1,2\n"))


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("content.xml", "<x/>")
    with pytest.raises(ReadError, match="not supported"):
        read_table(buf.getvalue(), filename="table.ods")


def test_damaged_xlsx(tmp_path: Path) -> None:
    data = make_xlsx(tmp_path / "ok.xlsx").read_bytes()
    with pytest.raises(ReadError, match="damaged"):
        read_table(data[: len(data) // 2])


# --- not readable --------------------------------------------------------------


def test_xls_is_rejected(tmp_path: Path) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
    with pytest.raises(ReadError, match=r"\.xls.*\.xlsx.*CSV"):
        read_table(write(tmp_path, "old.xls", data))
    with pytest.raises(ReadError, match=r"\.xlsx"):
        read_table(write(tmp_path, "old.csv", data))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_garbage(tmp_path: Path, seed: int) -> None:
    data = random.Random(seed).randbytes(5000)
    with pytest.raises(ReadError, match="not UTF-8 or Windows-1251"):
        read_table(write(tmp_path, "g.csv", data))


def test_binary_without_nul(tmp_path: Path) -> None:
    data = bytes(range(1, 256)) * 40
    with pytest.raises(ReadError, match="not UTF-8 or Windows-1251"):
        read_table(write(tmp_path, "g.csv", data))


def test_known_binary_format(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="not supported.*xlsx"):
        read_table(write(tmp_path, "report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"))


def test_max_bytes(tmp_path: Path) -> None:
    data = b"a,b\n" + b"1,2\n" * 300_000  # 1.2 MB
    path = write(tmp_path, "big.csv", data)
    with pytest.raises(ReadError, match="larger than the limit of 1 MB"):
        read_table(path, max_bytes=1 << 20)
    with pytest.raises(ReadError, match="larger than the limit of 100 bytes"):
        read_table(data, max_bytes=100)
    with pytest.raises(ReadError, match="larger than the limit"):
        read_table(io.BytesIO(data), max_bytes=100)
    assert len(read_table(path, max_bytes=len(data)).frame) == 300_000


def test_max_bytes_checked_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.csv", b"a,b\n" + b"1,2\n" * 100)
    with mock.patch("builtins.open", side_effect=AssertionError("read")):
        with pytest.raises(ReadError, match="larger"):
            read_table(path, max_bytes=10)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="could not be opened"):
        read_table(tmp_path / "nope.csv")


# --- sources -------------------------------------------------------------------


def test_sources(tmp_path: Path) -> None:
    data = b"a;b\n1;2\n"
    path = write(tmp_path, "s.csv", data)
    expected = [["1", "2"]]
    assert rows(read_table(str(path))) == expected
    assert rows(read_table(path)) == expected
    assert rows(read_table(data)) == expected
    assert rows(read_table(bytearray(data))) == expected
    with path.open("rb") as fh:
        assert rows(read_table(fh)) == expected
    assert rows(read_table(io.BytesIO(data), filename="upload.csv")) == expected


def test_sniff_container() -> None:
    assert sniff_container(b"PK\x03\x04rest", None) == "xlsx"
    assert sniff_container(b"PK\x03\x04rest", "data.csv") == "xlsx"
    assert sniff_container(b"a,b", "DATA.XLSX") == "xlsx"
    assert sniff_container(b"a,b", "data.csv") == "csv"
    assert sniff_container(b"a,b", None) == "csv"


# --- property: read back what an RFC 4180 writer wrote ------------------------------

CELL_ALPHABET = 'ab Я\u00a0,;\t"\n\r1'
cells = st.text(alphabet=CELL_ALPHABET, max_size=6)


def render(fields: list[str], delimiter: str, quote_all: bool) -> str:
    # Written by hand: csv.writer does not quote a bare CR when lines end in LF.
    def quote(field: str) -> str:
        if quote_all or any(c in field for c in (delimiter, '"', "\r", "\n")):
            return '"' + field.replace('"', '""') + '"'
        return field

    return delimiter.join(quote(f) for f in fields)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    delimiter=st.sampled_from([",", ";", "\t"]),
    terminator=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]),
    quote_all=st.booleans(),
    body=st.lists(
        st.tuples(st.integers(0, 2), st.lists(cells, min_size=1, max_size=4)), max_size=8
    ),
    force_slow=st.booleans(),
)
def test_roundtrip_against_writer(
    delimiter: str, terminator: str, encoding: str, quote_all: bool, body: list,
    force_slow: bool,
) -> None:
    width = 3
    parts = [render(["A", "b", "C"], delimiter, quote_all) + terminator]
    line = 2
    expected_rows, expected_lines, expected_ragged = [], [], []
    for blanks, fields in body:
        if encoding == "cp1251":
            # Windows-1251 "Я" + NBSP happens to be valid UTF-8; real files are not
            # made of that pair alone, so keep the encoding guess out of this test.
            fields = [f.replace("\u00a0", " ") for f in fields]
        parts.append(terminator * blanks)
        line += blanks
        record = render(fields, delimiter, quote_all) + terminator
        parts.append(record)
        stripped = [normalise_newlines(f).strip() for f in fields]
        if any(stripped):
            expected_rows.append((stripped + [""] * width)[:width])
            expected_lines.append(line)
            # Too few fields, or extra fields with text: trailing empty ones are tolerated.
            if len(fields) < width or any(stripped[width:]):
                expected_ragged.append(line)
        line += normalise_newlines(record).count("\n")
    data = "".join(parts).encode(encoding)

    if force_slow:
        with mock.patch.object(readers, "_parse_fast", return_value=None):
            t = read_table(data)
    else:
        t = read_table(data)
    assert t.delimiter == delimiter
    assert t.header == ["a", "b", "c"]
    assert rows(t) == expected_rows
    assert t.lines.tolist() == expected_lines
    assert t.ragged_lines == expected_ragged


excel_cells = st.one_of(
    st.text(max_size=5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20).map(float),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(excel_cells, max_size=30))
def test_xlsx_column_conversion_matches_cell_by_cell(values: list) -> None:
    # Columns are converted a type at a time for speed; it must equal the plain rule.
    converted = readers._column_text(tuple(values)).to_pylist()
    assert converted == [readers._cell_text(v) for v in values]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.0, "12"), (12.5, "12.5"), (-3.0, "-3"), (0.1 + 0.2, "0.3"), (1e-7, "0.0000001"),
        (1234567.891, "1234567.891"), (2.0**60, "1152921504606850000"),
        (1000000000000001.0, "1000000000000001"), (2.9999999999999996, "3"), (True, "true"),
        (False, "false"), (7, "7"), (None, ""), (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.datetime(2024, 2, 29, 13, 45), "2024-02-29"), (dt.time(9, 30), "09:30:00"),
    ],
)
def test_excel_cell_text(value: object, text: str) -> None:
    assert readers._cell_text(value) == text


def test_trailing_empty_fields_are_not_ragged(tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("a;b;c\n1;2;3;\n4;5;6;;\n7;8;9;x\n", encoding="utf-8")
    raw = read_table(path)
    assert raw.ragged_lines == [4]
    assert raw.frame["c"].tolist() == ["3", "6", "9"]
