"""Vectorised parsers of raw string columns (as read by data.ingest.readers).

Each parser takes a Series of str ("" = empty cell) and returns the parsed values
and a boolean array `bad` marking non-empty cells that could not be parsed. An
empty cell is missing (NA) and never bad, except for booleans, where the data
contract says an empty cell is false. Deciding whether a parsed value is allowed
(negative counts, future dates, ...) is the validator's job, not this module's.

The work is done with pyarrow compute kernels (RE2 regexes) so a million-row
column parses without a Python loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["parse_bool", "parse_date", "parse_decimal", "parse_int", "parse_text"]

# Thousands separators people type or Excel writes: space, NBSP, narrow NBSP.
# RE2 has no \u escapes, so the characters go into the patterns literally.
_SEPARATORS = " \u00a0\u202f"
_SEP = f"[{_SEPARATORS}]"
# \d is ASCII-only in RE2, so Arabic-Indic and other digits are rejected.
_WHOLE = rf"(?:\d+|\d{{1,3}}(?:{_SEP}\d{{3}})+)"
# "12.0" from Excel is an integer. A comma with three zeros is not accepted:
# "12,000" means twelve thousand to half the world and twelve to the other.
_INT_PATTERN = rf"^-?{_WHOLE}(?:\.0+|,0{{1,2}})?$"
_INT64_MAX = "9223372036854775807"
_INT64_MIN_ABS = "9223372036854775808"

# A time of day of zero, as Excel writes a date cell into CSV ("05.03.2024 0:00").
_ZERO_TIME = r"(?:[ T]0?0:00(?::00(?:\.0+)?)?)?"
_ISO_PATTERN = rf"^(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_ZERO_TIME}$"
_DMY_PATTERN = rf"^(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}}){_ZERO_TIME}$"
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

_TRUE = ("1", "true", "yes", "y", "да", "иә", "истина")
_FALSE = ("0", "false", "no", "n", "нет", "жоқ", "ложь")


def _prepare(s: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """The column as a trimmed arrow string array, and its empty-cell mask."""
    arr = pa.array(s, type=pa.large_string(), from_pandas=True)
    arr = pc.utf8_trim_whitespace(pc.fill_null(arr, ""))
    return arr, _np(pc.equal(arr, ""))


def _np(arr: pa.Array) -> np.ndarray:
    """A non-null arrow array as numpy."""
    return arr.to_numpy(zero_copy_only=False)


def _matches(arr: pa.Array, pattern: str) -> np.ndarray:
    return _np(pc.fill_null(pc.match_substring_regex(arr, pattern), False))


def parse_int(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Whole numbers (optional '-', thousands spaces, "12.0") -> Int64."""
    arr, empty = _prepare(s)
    plain = _np(pc.ascii_is_decimal(arr)) | empty
    if plain.all() and (not len(arr) or pc.max(pc.binary_length(arr)).as_py() <= 18):
        # Every cell empty or ASCII digits that fit int64 (the usual file): cast at once,
        # without the regexes below (a third of a million-row file's validation).
        values = _np(pc.cast(pc.if_else(pa.array(empty), "0", arr), pa.int64()))
        result = pd.arrays.IntegerArray(values, empty.copy())
        return pd.Series(result, index=s.index, name=s.name), np.zeros(len(arr), dtype=bool)
    ok = _matches(arr, _INT_PATTERN)
    digits = pc.replace_substring_regex(arr, rf"{_SEP}|[.,]0+$", "")
    # int64 overflow: compare the magnitude without leading zeros as text.
    magnitude = pc.utf8_ltrim(pc.replace_substring(digits, "-", ""), "0")
    length = _np(pc.utf8_length(magnitude))
    negative = _np(pc.starts_with(digits, "-"))
    at_limit = length == 19
    if at_limit.any():
        over_max = _np(pc.greater(magnitude, _INT64_MAX))
        over_min = _np(pc.greater(magnitude, _INT64_MIN_ABS))
        ok &= ~(at_limit & np.where(negative, over_min, over_max))
    ok &= length <= 19
    values = _np(pc.cast(pc.if_else(pa.array(ok), digits, "0"), pa.int64()))
    bad = ~ok & ~empty
    result = pd.arrays.IntegerArray(values, ~ok)
    return pd.Series(result, index=s.index, name=s.name), bad


def parse_decimal(s: pd.Series, decimal_comma: bool) -> tuple[pd.Series, np.ndarray]:
    """Numbers with '.' (and ',' when decimal_comma) as decimal point -> Float64."""
    arr, empty = _prepare(s)
    point = "[.,]" if decimal_comma else r"\."
    ok = _matches(arr, rf"^-?(?:{_WHOLE}(?:{point}\d+)?|{point}\d+)$")
    text = pc.replace_substring_regex(arr, _SEP, "")
    if decimal_comma:
        text = pc.replace_substring(text, ",", ".")
    values = _np(pc.cast(pc.if_else(pa.array(ok), text, "0"), pa.float64()))
    ok &= np.isfinite(values)  # hundreds of digits overflow to inf
    bad = ~ok & ~empty
    result = pd.arrays.FloatingArray(np.where(ok, values, 0.0), ~ok)
    return pd.Series(result, index=s.index, name=s.name), bad


def parse_date(s: pd.Series) -> tuple[pd.Series, np.ndarray, str | None]:
    """YYYY-MM-DD or DD.MM.YYYY (midnight allowed) -> datetime64[s], and the format seen.

    The format label is "YYYY-MM-DD", "DD.MM.YYYY", "mixed", or None when no
    cell has either shape.
    """
    arr, empty = _prepare(s)
    iso = _iso_dates(arr, empty)
    if iso is not None:
        found = "YYYY-MM-DD" if not empty.all() else None
        return pd.Series(iso, index=s.index, name=s.name), np.zeros(len(arr), dtype=bool), found
    n = len(arr)
    year = np.zeros(n, dtype=np.int64)
    month = np.zeros(n, dtype=np.int64)
    day = np.zeros(n, dtype=np.int64)
    shaped = np.zeros(n, dtype=bool)
    seen: list[str] = []
    for label, pattern in (("YYYY-MM-DD", _ISO_PATTERN), ("DD.MM.YYYY", _DMY_PATTERN)):
        parts = pc.extract_regex(arr, pattern)
        hit = _np(pc.is_valid(parts))
        if not hit.any():
            continue
        seen.append(label)
        shaped |= hit
        for target, name in ((year, "y"), (month, "m"), (day, "d")):
            field = pc.cast(pc.struct_field(parts, name), pa.int64())
            target[hit] = _np(pc.fill_null(field, 0))[hit]

    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    valid_month = (month >= 1) & (month <= 12)
    month_days = _DAYS_IN_MONTH[np.where(valid_month, month, 0)] + (leap & (month == 2))
    ok = shaped & (year >= 1) & valid_month & (day >= 1) & (day <= month_days)

    # Build the dates arithmetically: exact and much faster than string parsing.
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    dates = months.astype("datetime64[D]") + np.where(ok, day - 1, 0).astype("timedelta64[D]")
    dates = dates.astype("datetime64[s]")  # the unit the rest of the project uses
    dates[~ok] = np.datetime64("NaT")
    bad = ~ok & ~empty
    found = None if not seen else seen[0] if len(seen) == 1 else "mixed"
    return pd.Series(dates, index=s.index, name=s.name), bad, found


def _iso_dates(arr: pa.Array, empty: np.ndarray) -> np.ndarray | None:
    """The dates (datetime64[s], NaT when empty) when every other cell is exactly
    YYYY-MM-DD, a real day of year 1 or later; else None (the patterns decide).

    Arrow's cast checks the shape and the day of the month in C++: a third of the
    patterns' time, and case files are written so."""
    if empty.all():
        return None
    try:
        days = pc.cast(pc.if_else(pa.array(empty), "1970-01-01", arr), pa.date32())
    except pa.ArrowInvalid:
        return None
    dates = days.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    if (dates[~empty] < np.datetime64("0001-01-01")).any():
        return None
    out = dates.astype("datetime64[s]")
    out[empty] = np.datetime64("NaT")
    return out


def parse_bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """1/0, true/false, yes/no, y/n, да/нет, иә/жоқ in any case -> boolean; empty is False."""
    arr, empty = _prepare(s)
    lower = pc.utf8_lower(arr)
    true = _np(pc.is_in(lower, value_set=pa.array(_TRUE, pa.large_string())))
    false = _np(pc.is_in(lower, value_set=pa.array(_FALSE, pa.large_string())))
    bad = ~(true | false | empty)
    result = pd.arrays.BooleanArray(true, bad)
    return pd.Series(result, index=s.index, name=s.name), bad


def parse_text(s: pd.Series) -> pd.Series:
    """Text as is (surrounding whitespace trimmed); empty -> NA. Never evaluated."""
    arr, empty = _prepare(s)
    arr = pc.if_else(pa.array(empty), pa.scalar(None, pa.large_string()), arr)
    return pd.Series(
        pd.array(arr, dtype=pd.StringDtype("pyarrow")), index=s.index, name=s.name
    )
