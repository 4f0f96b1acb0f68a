"""Tests for data.ingest.parsing: the accepted forms of each type and the rejects."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.ingest.parsing import parse_bool, parse_date, parse_decimal, parse_int, parse_text

NBSP, NNBSP = "\u00a0", "\u202f"


def one(parser, value: str, *args):
    values, bad, *_ = parser(pd.Series([value]), *args)
    return values.iloc[0], bool(bad[0])


# --- int ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0), ("7", 7), ("007", 7), ("-12", -12), ("2024", 2024),
        ("1 234", 1234), (f"1{NBSP}234", 1234), (f"12{NNBSP}345{NBSP}678", 12345678),
        ("-1 000 000", -1_000_000), (" 42 ", 42), ("12.0", 12), ("12.000", 12), ("12,0", 12),
        ("9223372036854775807", 2**63 - 1), ("-9223372036854775808", -(2**63)),
        ("0000000000000000000000000012", 12),
    ],
)
def test_parse_int_accepts(text: str, expected: int) -> None:
    assert one(parse_int, text) == (expected, False)


@pytest.mark.parametrize(
    "text",
    [
        "12.5", "12,5", "1,234", "12,000", "1.234.567", "abc", "1e3", "+5", "--1", "1-",
        "12 34", "1234 567", "1 2345", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999999", "١٢", "0x10", "nan", "1_000", "12.", ".5",
    ],
)
def test_parse_int_rejects(text: str) -> None:
    value, bad = one(parse_int, text)
    assert bad and value is pd.NA


def test_parse_int_series_shape() -> None:
    s = pd.Series(["1", "", "x", "  ", "-3"], index=[10, 11, 12, 13, 14], name="hearings_total")
    values, bad = parse_int(s)
    assert str(values.dtype) == "Int64"
    assert values.index.tolist() == [10, 11, 12, 13, 14] and values.name == "hearings_total"
    assert values.tolist() == [1, pd.NA, pd.NA, pd.NA, -3]
    assert isinstance(bad, np.ndarray) and bad.dtype == bool
    assert bad.tolist() == [False, False, True, False, False]


def test_parse_int_empty_and_object_input() -> None:
    values, bad = parse_int(pd.Series([], dtype="str"))
    assert len(values) == 0 and len(bad) == 0
    values, bad = parse_int(pd.Series(["5", None, np.nan], dtype=object))
    assert values.tolist() == [5, pd.NA, pd.NA] and not bad.any()



@given(st.lists(st.one_of(st.just(""), st.just("  "),
                          st.integers(0, 10**18 - 1).map(str),
                          st.integers(0, 999).map(lambda n: f"{n:06d}")), max_size=30))
def test_parse_int_plain_column_same_as_the_patterns(cells: list[str]) -> None:
    """A column of ASCII digits and empty cells takes a cast of its own; a "-1" added
    sends the same cells through the patterns: both give the same values."""
    fast, fast_bad = parse_int(pd.Series(cells, dtype=object))
    slow, slow_bad = parse_int(pd.Series([*cells, "-1"], dtype=object))
    assert fast.tolist() == slow.tolist()[:-1]
    assert str(fast.dtype) == "Int64" and not fast_bad.any() and not slow_bad.any()
    assert fast.tolist() == [int(c) if c.strip() else pd.NA for c in cells]

_SEPARATORS = st.sampled_from([" ", NBSP, NNBSP])


@given(n=st.integers(-(2**63), 2**63 - 1), data=st.data())
def test_parse_int_roundtrip_with_grouping(n: int, data: st.DataObject) -> None:
    digits = str(abs(n))
    if data.draw(st.booleans(), label="grouped"):
        groups = []
        while digits:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        text = groups[0]
        for group in groups[1:]:
            text += data.draw(_SEPARATORS, label="separator") + group
    else:
        text = digits
    text = ("-" if n < 0 else "") + text
    assert one(parse_int, text) == (n, False)


# --- decimal -----------------------------------------------------------------


@pytest.mark.parametrize("decimal_comma", [False, True])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0.0), ("12", 12.0), ("12.5", 12.5), ("-0.25", -0.25), (".5", 0.5),
        ("1 234.5", 1234.5), (f"1{NBSP}234{NNBSP}567.25", 1234567.25), ("007.50", 7.5),
    ],
)
def test_parse_decimal_accepts_point(text: str, expected: float, decimal_comma: bool) -> None:
    assert one(parse_decimal, text, decimal_comma) == (expected, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12,5", 12.5), ("1 234,5", 1234.5), (f"1{NBSP}234,75", 1234.75), ("-0,1", -0.1),
     (",5", 0.5)],
)
def test_parse_decimal_comma(text: str, expected: float) -> None:
    assert one(parse_decimal, text, True) == (expected, False)
    value, bad = one(parse_decimal, text, False)
    assert bad and value is pd.NA


@pytest.mark.parametrize("decimal_comma", [False, True])
@pytest.mark.parametrize(
    "text",
    ["1,234.5", "1.234,5", "1.2.3", "nan", "NaN", "inf", "-inf", "Infinity", "1e5", "1E-3",
     "abc", "12 34.5", "+1.5", "1.", "-", ".", "1" + "0" * 400],
)
def test_parse_decimal_rejects(text: str, decimal_comma: bool) -> None:
    value, bad = one(parse_decimal, text, decimal_comma)
    assert bad and value is pd.NA


def test_parse_decimal_series_shape() -> None:
    s = pd.Series(["1.5", "", "x"], index=[3, 4, 5])
    values, bad = parse_decimal(s, decimal_comma=False)
    assert str(values.dtype) == "Float64" and values.index.tolist() == [3, 4, 5]
    assert values.tolist() == [1.5, pd.NA, pd.NA]
    assert bad.tolist() == [False, False, True]


# --- date --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "label"),
    [
        ("2024-03-05", "2024-03-05", "YYYY-MM-DD"),
        ("2024-3-5", "2024-03-05", "YYYY-MM-DD"),
        ("2024-02-29", "2024-02-29", "YYYY-MM-DD"),
        ("2024-03-05 00:00:00", "2024-03-05", "YYYY-MM-DD"),
        ("2024-03-05T00:00:00", "2024-03-05", "YYYY-MM-DD"),
        ("2024-03-05 00:00", "2024-03-05", "YYYY-MM-DD"),
        ("2024-03-05 00:00:00.000", "2024-03-05", "YYYY-MM-DD"),
        ("05.03.2024", "2024-03-05", "DD.MM.YYYY"),
        ("5.3.2024", "2024-03-05", "DD.MM.YYYY"),
        ("29.02.2000", "2000-02-29", "DD.MM.YYYY"),
        ("05.03.2024 0:00", "2024-03-05", "DD.MM.YYYY"),
        ("31.12.9999", "9999-12-31", "DD.MM.YYYY"),
    ],
)
def test_parse_date_accepts(text: str, expected: str, label: str) -> None:
    values, bad, found = parse_date(pd.Series([text]))
    assert values.iloc[0] == pd.Timestamp(expected)
    assert not bad[0] and found == label


@pytest.mark.parametrize(
    "text",
    ["31.02.2024", "29.02.2023", "29.02.1900", "2024-13-01", "2024-00-10", "2024-01-32",
     "00.01.2024", "0000-01-01", "2024-03-05 14:30:00", "05.03.2024 12:00", "2024/03/05",
     "03/05/2024", "05-03-2024", "20240305", "5 March 2024", "24-03-05", "05.03.24", "today",
     "45356"],
)
def test_parse_date_rejects(text: str) -> None:
    values, bad, _ = parse_date(pd.Series([text]))
    assert bad[0] and pd.isna(values.iloc[0])


def test_parse_date_series_and_labels() -> None:
    s = pd.Series(["2024-01-02", "", "x", "2023-12-31"], index=[7, 8, 9, 10])
    values, bad, label = parse_date(s)
    assert str(values.dtype) == "datetime64[s]"
    assert values.index.tolist() == [7, 8, 9, 10]
    assert pd.isna(values.iloc[1]) and pd.isna(values.iloc[2])
    assert bad.tolist() == [False, False, True, False]
    assert label == "YYYY-MM-DD"
    assert parse_date(pd.Series(["01.02.2024", "", "03.04.2024"]))[2] == "DD.MM.YYYY"
    assert parse_date(pd.Series(["01.02.2024", "2024-04-03"]))[2] == "mixed"
    assert parse_date(pd.Series(["", ""]))[2] is None
    assert parse_date(pd.Series([], dtype="str"))[2] is None
    # An impossible date still shows which format the column is in.
    assert parse_date(pd.Series(["31.02.2024"]))[2] == "DD.MM.YYYY"



@given(st.lists(st.one_of(st.just(""), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(
    dt.date.isoformat)), max_size=30))
def test_parse_date_iso_column_same_as_the_patterns(cells: list[str]) -> None:
    """A column of YYYY-MM-DD and empty cells is cast by Arrow; a bad cell added sends
    the same cells through the patterns: both give the same dates and format."""
    fast, fast_bad, fast_fmt = parse_date(pd.Series(cells, dtype=object))
    slow, slow_bad, slow_fmt = parse_date(pd.Series([*cells, "x"], dtype=object))
    assert fast.tolist()[:len(cells)] == slow.tolist()[:-1] and fast.dtype == slow.dtype
    assert not fast_bad.any() and slow_bad.tolist() == [False] * len(cells) + [True]
    assert fast_fmt == slow_fmt


@pytest.mark.parametrize("text", ["0000-01-01", "2023-02-29", "2024-13-01", "+2024-01-01"])
def test_parse_date_iso_shaped_but_not_a_day(text: str) -> None:
    values, bad, _ = parse_date(pd.Series(["2024-01-05", text]))
    assert values.iloc[0] == pd.Timestamp("2024-01-05") and pd.isna(values.iloc[1])
    assert bad.tolist() == [False, True]

# --- bool --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["1", "true", "TRUE", "True", "yes", "YES", "y", "Y", "да", "ДА", "Да", "иә", "Иә", "ИӘ",
     " yes "],
)
def test_parse_bool_true(text: str) -> None:
    assert one(parse_bool, text) == (True, False)


@pytest.mark.parametrize(
    "text",
    ["0", "false", "FALSE", "no", "No", "n", "N", "нет", "НЕТ", "Нет", "жоқ", "ЖОҚ", "Жоқ", ""],
)
def test_parse_bool_false(text: str) -> None:
    assert one(parse_bool, text) == (False, False)


@pytest.mark.parametrize("text", ["2", "-1", "maybe", "t", "f", "1.0", "yes!", "да нет", "жок"])
def test_parse_bool_rejects(text: str) -> None:
    value, bad = one(parse_bool, text)
    assert bad and value is pd.NA


def test_parse_bool_series_shape() -> None:
    values, bad = parse_bool(pd.Series(["да", "", "x"], index=[1, 2, 3]))
    assert str(values.dtype) == "boolean" and values.index.tolist() == [1, 2, 3]
    assert values.tolist() == [True, False, pd.NA]
    assert bad.tolist() == [False, False, True]


# --- text --------------------------------------------------------------------


def test_parse_text() -> None:
    s = pd.Series(["Алматы", "", "=HYPERLINK(1)", " x ", "0012"], index=list("abcde"))
    values = parse_text(s)
    assert isinstance(values.dtype, pd.StringDtype) and values.dtype.na_value is pd.NA
    assert values.index.tolist() == list("abcde")
    assert values.tolist() == ["Алматы", pd.NA, "=HYPERLINK(1)", "x", "0012"]
