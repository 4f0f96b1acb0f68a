"""Downloads of chart data as CSV and Excel, safe to open in a spreadsheet.

A text cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return)
is read by Excel and LibreOffice as a formula, so a court name such as
``=HYPERLINK(...)`` in an upload could run in the reader's spreadsheet (CSV / formula
injection, OWASP). Such cells are prefixed with a single quote; numbers are untouched.
"""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so openpyxl) cannot store; tab, LF and CR are allowed.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell a spreadsheet would take as a formula starts with '.

    Only ``str`` cells change (in text, object and categorical columns); numbers,
    dates and missing values keep their type and value. Column names are left alone.
    """
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        elif not (pd.api.types.is_object_dtype(series.dtype)
                  or pd.api.types.is_string_dtype(series.dtype)):
            continue
        out[col] = series.map(_neutralise)
    return out


def _safe_headers(df: pd.DataFrame) -> pd.DataFrame:
    """The header row is a row of cells too."""
    return df.rename(columns=lambda c: _neutralise(c) if isinstance(c, str) else c)


def csv_text(df: pd.DataFrame, lineterminator: str = "\r\n", sep: str = ",") -> str:
    """``df`` as CSV text with every cell and header a spreadsheet would run neutralised.

    Every CSV the product writes for people goes through here: chart downloads, the
    API, the command-line programs, a release's open data and the upload templates.
    Names are uploaded by analysts and so are not trusted (issue 30).
    """
    return _safe_headers(neutralise_formulas(df)).to_csv(index=False, sep=sep,
                                                         lineterminator=lineterminator)


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so Excel shows Cyrillic and Kazakh letters."""
    return csv_text(df).encode("utf-8-sig")


def json_records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts with missing values as None (JSON null), floats at full precision:
    what the API and the command line answer in JSON, and what pages keep in a store."""
    # Python's float repr keeps full precision (to_json would round to 15 digits).
    names = list(df.columns)
    columns = [plain_values(df.iloc[:, i]) for i in range(df.shape[1])]
    return [dict(zip(names, row)) for row in zip(*columns)] if columns \
        else [{} for _ in range(len(df))]


def plain_values(column: pd.Series) -> list:
    """A column as Python values (numbers, strings, timestamps), None where missing.

    Column by column: the frame-wide ``astype(object).where(notna, None)`` it replaces
    cost 5-20 ms per chart's table on every page open."""
    values = column.tolist()
    if column.hasnans:
        values = [None if gone else v for v, gone in zip(values, column.isna().tolist())]
    return values


def _sheet_title(name: str) -> str:
    title = _BAD_SHEET_CHARS.sub("_", str(name or "")).strip("'")[:31]
    return title or "data"


def _xml_safe(value):
    return _XML_ILLEGAL.sub("", value) if isinstance(value, str) else value


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """An .xlsx workbook with one sheet holding ``df`` (formula-neutralised)."""
    clean = df.copy()
    for col in clean.columns:  # strip first, so "\x01=cmd" cannot become "=cmd" afterwards
        if isinstance(clean[col].dtype, pd.CategoricalDtype):
            clean[col] = clean[col].astype(object)
        if pd.api.types.is_object_dtype(clean[col].dtype) \
                or pd.api.types.is_string_dtype(clean[col].dtype):
            clean[col] = clean[col].map(_xml_safe)
    safe = _safe_headers(neutralise_formulas(clean))
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=_sheet_title(sheet_name), index=False)
    return buffer.getvalue()
