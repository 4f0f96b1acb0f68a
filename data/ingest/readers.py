"""Turn an uploaded file (CSV/TXT or .xlsx) into a table of raw strings.

Nothing here interprets a value: parsing and checking belong to data.ingest.parsing and
the validator. This module only finds the container, encoding and delimiter,
and keeps each row's true line number so errors can point into the file.
See ../shared/spec/data-contract.md, "Files the product accepts".
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import python_calamine

from data.ingest.names import field_of

__all__ = ["RawTable", "ReadError", "read_table", "sniff_container"]


class ReadError(Exception):
    """The file cannot be read at all. str(e) is a plain sentence for a non-programmer."""


@dataclass
class RawTable:
    """A file's cells as stripped strings, with where each row came from."""

    frame: pd.DataFrame
    lines: np.ndarray
    header: list[str]
    container: str
    encoding: str | None
    delimiter: str | None
    decimal_comma: bool
    duplicate_columns: list[str] = field(default_factory=list)
    ragged_lines: list[int] = field(default_factory=list)
    # Header cells read as another name: "Номер дела" -> "case_id" (data.ingest.names).
    read_as: dict[str, str] = field(default_factory=dict)


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Files people upload by mistake; named so the message can say "not supported"
# rather than blame the text encoding.
_OTHER_BINARY_MAGIC = (
    b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!",
    b"PK\x05\x06",
)
_SAVE_AS = "Open it in Excel and save it as .xlsx or as CSV, then upload that file."
_NOT_TEXT = (
    "The file is not UTF-8 or Windows-1251 text (it may be a binary file or use another "
    "encoding). Save it as .xlsx or as CSV (UTF-8), then upload that file."
)
# Control bytes that never occur in a text export; tab, newlines, VT, FF and the
# DOS end-of-file mark (0x1A) do.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26))
_SNIFF_BYTES = 1 << 16
_SNIFF_RECORDS = 50
_DELIMITERS = (",", ";", "\t")
_HEADER_SPACE = re.compile(r"\s+")
# Before the header, a line of only spaces and delimiters (";;;" from Excel) is blank
# whichever delimiter the file turns out to use.
_BLANK_BEFORE_HEADER = re.compile(r"[\s,;]*")


def sniff_container(head: bytes, filename: str | None) -> str:
    """Return "xlsx" for a zip (or a name ending .xlsx), else "csv"."""
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if filename and filename.lower().rstrip().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def read_table(
    source: str | os.PathLike | bytes | BinaryIO,
    filename: str | None = None,
    max_bytes: int | None = None,
) -> RawTable:
    """Read a CSV/TXT/XLSX upload into raw strings; raise ReadError if impossible."""
    data, filename = _read_source(source, filename, max_bytes)
    if not data:
        raise ReadError("The file is empty.")
    if data.startswith(_OLE_MAGIC):
        raise ReadError(
            "This is an old Excel .xls file or a password-protected workbook, which is not "
            "supported. Open it in Excel and save it as .xlsx (without a password) or as CSV, "
            "then upload that file."
        )
    if sniff_container(data[:8], filename) == "xlsx":
        return _read_xlsx(data)
    if data.startswith(_OTHER_BINARY_MAGIC):
        raise ReadError(f"This file format is not supported. {_SAVE_AS}")
    buf, encoding = _decode(data)
    del data
    if b"\x00" in buf:
        raise ReadError(_NOT_TEXT)
    head = buf[:_SNIFF_BYTES]
    # A stray control character is tolerated; many of them mean a binary file.
    if len(head) - len(head.translate(None, _CONTROL_BYTES)) > len(head) // 100 + 1:
        raise ReadError(_NOT_TEXT)
    if b"\r" in buf:
        # One line-break convention, so byte offsets, pyarrow and the csv module
        # all count the same lines (a lone CR is a line break to editors too).
        buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return _read_delimited(buf, encoding)


# --- getting the bytes -------------------------------------------------------


def _too_big(max_bytes: int) -> ReadError:
    if max_bytes >= 1 << 20:
        limit = f"{max_bytes / (1 << 20):.1f}".removesuffix(".0") + " MB"
    else:
        limit = f"{max_bytes:,} bytes"
    return ReadError(
        f"The file is larger than the limit of {limit}. Split it into smaller files and "
        "upload them one by one."
    )


def _read_source(
    source: str | os.PathLike | bytes | BinaryIO, filename: str | None, max_bytes: int | None
) -> tuple[bytes, str | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        filename = filename or os.path.basename(path)
        try:
            # Refuse an oversized file before reading it into memory.
            if max_bytes is not None and os.path.getsize(path) > max_bytes:
                raise _too_big(max_bytes)
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise ReadError("The file could not be opened.") from exc
    else:
        name = getattr(source, "name", None)
        if filename is None and isinstance(name, str):
            filename = os.path.basename(name)
        try:
            # One byte past the limit is enough to know it is too big.
            data = source.read(-1 if max_bytes is None else max_bytes + 1)
        except OSError as exc:
            raise ReadError("The file could not be read.") from exc
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("read_table needs a binary file object")
        data = bytes(data)
    if max_bytes is not None and len(data) > max_bytes:
        raise _too_big(max_bytes)
    return data, filename


def _decode(data: bytes) -> tuple[bytes, str]:
    """Return the text as UTF-8 bytes without BOM, and the encoding it was in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text" export: UTF-16 with a BOM, unambiguous, so read it.
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError:
            raise ReadError(_NOT_TEXT) from None
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        body.decode("utf-8")
        return body, "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:
        if bom or _mostly_utf8(body):
            # Decoding a UTF-8 file as cp1251 would silently garble every
            # Cyrillic name; better to stop and say where the bad bytes are.
            line = body.count(b"\n", 0, exc.start) + 1
            raise ReadError(
                f"The file is UTF-8 text, but line {line} contains characters that are not "
                "valid UTF-8 (perhaps pasted from a file in another encoding). Save the file "
                "again as CSV UTF-8 and upload it again."
            ) from None
    try:
        return body.decode("cp1251").encode("utf-8"), "cp1251"
    except UnicodeDecodeError:
        raise ReadError(_NOT_TEXT) from None


def _mostly_utf8(body: bytes) -> bool:
    # Windows-1251 Cyrillic is almost never valid UTF-8, so a file with more valid
    # multi-byte characters than invalid bytes is UTF-8 with a few broken bytes.
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii - bad > bad


# --- delimited text ----------------------------------------------------------


def _sniff_delimiter(head: str) -> str:
    """Pick the delimiter that splits the header into most fields, consistently."""
    best: tuple[tuple[bool, int, float], str] | None = None
    for delim in _DELIMITERS:
        records: list[list[str]] = []
        try:
            for rec in csv.reader(io.StringIO(head, newline=""), delimiter=delim, strict=False):
                if not _BLANK_BEFORE_HEADER.fullmatch("".join(rec)):
                    records.append(rec)
                    if len(records) > _SNIFF_RECORDS:
                        break
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width, rest = len(records[0]), records[1:]
        consistency = sum(len(r) == width for r in rest) / len(rest) if rest else 1.0
        key = (consistency >= 0.9, width, consistency)
        if best is None or key > best[0]:
            best = (key, delim)
    # No delimiter in the header: a one-column file.
    return best[1] if best else ","


def _read_delimited(buf: bytes, encoding: str) -> RawTable:
    head = buf[:_SNIFF_BYTES]
    if len(buf) > len(head) and b"\n" in head:
        # Whole lines only, so the sample ends on a record boundary (usually).
        head = head[: head.rindex(b"\n") + 1]
    delimiter = _sniff_delimiter(head.decode("utf-8", errors="ignore"))
    arr = np.frombuffer(buf, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    parsed = _parse_fast(buf, arr, newlines, delimiter)
    if parsed is None:
        parsed = _parse_slow(buf, newlines, delimiter)
    names, columns, lines, ragged, last_record = parsed
    if last_record is not None and b'"' in buf:
        _check_last_record_closed(buf, newlines, last_record, delimiter)
    return _assemble(
        names, columns, lines, ragged,
        container="csv", encoding=encoding, delimiter=delimiter,
        decimal_comma=delimiter in (";", "\t"),
    )


# header, columns, line of each row, ragged lines, line where the last record starts
_Parsed = tuple[
    list[str], list[pa.Array | pa.ChunkedArray], np.ndarray, list[int], int | None
]


def _parse_fast(
    buf: bytes, arr: np.ndarray, newlines: np.ndarray, delimiter: str
) -> _Parsed | None:
    """Parse with pyarrow and derive each row's line; None to fall back to the csv module.

    pyarrow skips empty lines and does not say where a row starts, so lines are
    reconstructed: a record covers one non-empty physical line plus one per run
    of newlines inside its values.
    """
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(buf)]))
    non_empty = np.flatnonzero(ends > starts)  # 0-based physical line indexes
    odd: np.ndarray | None = None
    if b'"' in buf:
        # An odd number of quotes before a newline puts that newline inside a value.
        quotes = np.flatnonzero(arr == 34)
        odd = (np.searchsorted(quotes, newlines) & 1).astype(bool)
    # The header is the first line with any text (lines of blanks or bare
    # delimiters before it are skipped, as the slow path does).
    header: list[str] | None = None
    for k, first in enumerate(non_empty[:_SNIFF_RECORDS].tolist()):
        if odd is not None and first < len(odd) and odd[first]:
            return None  # the header spans lines
        header_end = int(ends[first])
        try:
            fields = next(csv.reader(
                [buf[int(starts[first]):header_end].decode("utf-8")], delimiter=delimiter
            ))
        except csv.Error:
            return None  # e.g. an enormous field: the slow path reports it
        if not _BLANK_BEFORE_HEADER.fullmatch("".join(fields)):
            header, non_empty = fields, non_empty[k:]
            break
    if header is None:
        return None
    multiline = odd is not None and bool(odd[first:].any())
    width = len(header)
    if len(non_empty) == 1:
        empty = [pa.array([], pa.string()) for _ in header]
        return header, empty, np.zeros(0, np.int64), [], None

    names = [f"f{i}" for i in range(width)]
    invalid: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(buf).slice(header_end + 1)),
            # Single-threaded: as fast here, and invalid rows then carry their number.
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=multiline, ignore_empty_lines=True,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=False,
            ),
        )
    except pa.ArrowException:
        return None  # e.g. an unclosed quote: the slow path explains it

    n_valid, n_records = table.num_rows, table.num_rows + len(invalid)
    bad_pos = np.array([-1 if num is None else num - 1 for num, _ in invalid], dtype=np.int64)
    if len(bad_pos) and (
        bad_pos.min() < 0 or bad_pos.max() >= n_records or len(np.unique(bad_pos)) != len(bad_pos)
    ):
        return None
    is_valid = np.ones(n_records, dtype=bool)
    is_valid[bad_pos] = False

    # Non-empty physical lines per record.
    spans = np.ones(n_records, dtype=np.int64)
    if multiline:
        spans[is_valid] += _newline_runs(table.columns, n_valid)
        spans[bad_pos] += np.array(
            [len(_NEWLINE_RUN.findall(text)) for _, text in invalid], dtype=np.int64
        )
    if 1 + int(spans.sum()) != len(non_empty):
        return None
    first_line = np.concatenate(([1], 1 + np.cumsum(spans)[:-1]))
    lines = non_empty[first_line].astype(np.int64) + 1

    columns: list[pa.Array | pa.ChunkedArray] = list(table.columns)
    ragged: list[int] = []
    if invalid:
        bad_rows: list[list[str]] = []
        for (_, text), line in zip(invalid, lines[bad_pos]):
            try:
                records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            except csv.Error:
                return None
            if len(records) != 1:
                return None
            rec = records[0]
            if _ragged(rec, width) and "".join(rec).strip():
                ragged.append(int(line))
            bad_rows.append((rec + [""] * width)[:width])
        # Put the repaired rows back where they were in the file.
        order = np.empty(n_records, dtype=np.int64)
        order[is_valid] = np.arange(n_valid)
        order[bad_pos] = n_valid + np.arange(len(bad_pos))
        columns = [
            pc.take(pa.chunked_array(col.chunks + [pa.array(extra, pa.string())]), order)
            for col, extra in zip(columns, zip(*bad_rows))
        ]
        ragged.sort()
    return header, columns, lines, ragged, int(lines[-1])


_NEWLINE_RUN = re.compile(r"\n+")


def _newline_runs(columns: list[pa.ChunkedArray], n_rows: int) -> np.ndarray:
    """Per row, the runs of newlines inside its values (each adds a non-empty line)."""
    runs = np.zeros(n_rows, dtype=np.int64)
    for col in columns:
        has = pc.greater(pc.count_substring(col, "\n"), 0)
        if not pc.any(has).as_py():
            continue
        # Counting runs needs a regex; do it only on the few rows that need it.
        rows = np.flatnonzero(has.to_numpy(zero_copy_only=False))
        counts = pc.count_substring_regex(pc.take(col, rows), "\n+")
        runs[rows] += counts.to_numpy(zero_copy_only=False)
    return runs


def _parse_slow(buf: bytes, newlines: np.ndarray, delimiter: str) -> _Parsed:
    """csv-module parse: handles quoted newlines, blank lines and ragged rows."""
    reader = csv.reader(io.StringIO(buf.decode("utf-8"), newline=""), delimiter=delimiter,
                        strict=False)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    ragged: list[int] = []
    width = 0
    start = 1  # line where the record being read begins
    last_record: int | None = None
    try:
        for rec in reader:
            if header is None:
                if not _BLANK_BEFORE_HEADER.fullmatch("".join(rec)):
                    header, width = rec, len(rec)
            else:
                last_record = start
                if "".join(rec).strip():
                    if _ragged(rec, width):
                        ragged.append(start)
                        rec = (rec + [""] * width)[:width]
                    rows.append(rec)
                    lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ReadError(
            f"The file cannot be read from line {start} on: a value there is far too long, "
            'most likely because a quote (") is opened and never closed.'
        ) from exc
    if header is None:
        raise ReadError("The file is empty.")
    columns = [pa.array(col, pa.string()) for col in zip(*rows)] if rows else [
        pa.array([], pa.string()) for _ in header
    ]
    return header, columns, np.asarray(lines, dtype=np.int64), ragged, last_record


def _ragged(rec: list[str], width: int) -> bool:
    """A row whose fields do not match the header; trailing empty fields are tolerated.

    Excel and many exports end every line with a delimiter ("1;2;3;"): the extra empty
    field carries nothing and is no reason to reject the file.
    """
    if len(rec) == width:
        return False
    return len(rec) < width or bool("".join(rec[width:]).strip())


def _check_last_record_closed(
    buf: bytes, newlines: np.ndarray, start_line: int, delimiter: str
) -> None:
    # Both parsers silently end a quote left open at the end of the file,
    # swallowing every later line into one value; say so instead.
    offset = int(newlines[start_line - 2]) + 1 if start_line > 1 else 0
    tail = buf[offset:].decode("utf-8")
    try:
        for _ in csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise ReadError(
                f'A quote (") opened on line {start_line} is never closed, so the rest of the '
                "file cannot be split into rows. Check that line in a text editor."
            ) from None


# --- xlsx --------------------------------------------------------------------


def _read_xlsx(data: bytes) -> RawTable:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        if not data.startswith(_ZIP_MAGIC):
            raise ReadError(
                f"The file is named .xlsx but is not an Excel workbook. {_SAVE_AS}"
            ) from None
        raise ReadError(f"The Excel file is damaged and cannot be opened. {_SAVE_AS}") from None
    if "xl/workbook.bin" in members:
        raise ReadError(f"Excel binary workbooks (.xlsb) are not supported. {_SAVE_AS}")
    if "xl/workbook.xml" not in members:
        raise ReadError(
            "This file format is not supported: it is a ZIP archive but not an Excel .xlsx "
            f"workbook. {_SAVE_AS}"
        )
    try:
        with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as wb:
            # Keep empty leading rows and columns so row i is sheet row i + 1.
            rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises assorted types for a broken workbook
        raise ReadError(
            f"The Excel file is damaged and cannot be read. {_SAVE_AS}"
        ) from exc

    header_at = next(
        (i for i, row in enumerate(rows) if any(_cell_text(v).strip() for v in row)), None
    )
    if header_at is None:
        raise ReadError("The file is empty.")
    width = max(len(r) for r in rows[header_at:])
    header = [_cell_text(v) for v in rows[header_at]] + [""] * (width - len(rows[header_at]))
    body = rows[header_at + 1:]
    if any(len(r) != width for r in body):
        body = [list(r) + [""] * (width - len(r)) for r in body]
    columns = [_column_text(col) for col in zip(*body)] if body else [
        pa.array([], pa.string()) for _ in range(width)
    ]
    lines = np.arange(header_at + 2, header_at + 2 + len(body), dtype=np.int64)
    return _assemble(
        header, columns, lines, [],
        container="xlsx", encoding=None, delimiter=None, decimal_comma=False,
    )


def _column_text(values: tuple[object, ...]) -> pa.Array:
    """A column of Excel cells as text, converted a type at a time (not cell by cell)."""
    types = set(map(type, values))
    if types <= {str}:
        return pa.array(values, pa.string())
    cells = np.empty(len(values), dtype=object)
    cells[:] = values
    kinds = np.fromiter(map(type, values), dtype=object, count=len(values))
    for kind in types - {str}:
        mask = kinds == kind
        cells[mask] = _cells_text(kind, cells[mask])
    return pa.array(cells, pa.string())


def _cells_text(kind: type, cells: np.ndarray) -> np.ndarray | list[str]:
    """Cells all of one Python type as text; same results as _cell_text."""
    if kind is float:
        numbers = cells.astype(np.float64)
        whole = np.isfinite(numbers) & (numbers == np.trunc(numbers)) & (np.abs(numbers) < 2**53)
        out = np.empty(len(cells), dtype=object)
        out[whole] = _arrow_text(pa.array(numbers[whole].astype(np.int64)))
        out[~whole] = [_float_text(v) for v in numbers[~whole].tolist()]
        return out
    if kind is bool:
        return np.where(cells.astype(bool), "true", "false").astype(object)
    if kind is dt.date:
        return _arrow_text(pa.array(cells, pa.date32()))
    if kind is dt.datetime:
        stamps = pa.array(cells, pa.timestamp("us"))
        return _arrow_text(pc.cast(stamps, pa.date32(), safe=False))
    return [_cell_text(v) for v in cells.tolist()]


def _arrow_text(arr: pa.Array) -> np.ndarray:
    return pc.cast(arr, pa.string()).to_numpy(zero_copy_only=False)


def _cell_text(value: object) -> str:
    """An Excel cell as the text a person sees (dates as ISO)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str:
    if not np.isfinite(value):
        return repr(value)
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    # Excel shows 15 significant digits; rounding to them drops binary noise
    # (0.1 + 0.2 is 0.30000000000000004, which Excel shows, and we give, as 0.3).
    value = float(f"{value:.15g}")
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return np.format_float_positional(value, trim="-")


# --- common ------------------------------------------------------------------


def _normalise_name(name: str) -> str:
    return _HEADER_SPACE.sub(" ", name.replace("\ufeff", " ")).strip().lower()


def _assemble(
    raw_header: list[str],
    columns: list[pa.Array | pa.ChunkedArray],
    lines: np.ndarray,
    ragged: list[int],
    *,
    container: str,
    encoding: str | None,
    delimiter: str | None,
    decimal_comma: bool,
) -> RawTable:
    columns = [pc.utf8_trim_whitespace(c) for c in columns]
    n_rows = len(lines)

    named: list[tuple[str, pa.Array | pa.ChunkedArray]] = []
    read_as: dict[str, str] = {}
    for position, (raw, col) in enumerate(zip(raw_header, columns), start=1):
        name = _normalise_name(raw)
        field_name = field_of(name) if name else None
        if field_name and field_name != name:
            # Russian, Kazakh or another spelling of a contract name (shared/spec).
            read_as[raw.replace("\ufeff", "").strip()] = field_name
            name = field_name
        if not name:
            # A trailing delimiter makes an unnamed, empty column: not a column at all.
            if n_rows == 0 or not pc.any(pc.not_equal(col, "")).as_py():
                continue
            name = f"(column {position})"
        named.append((name, col))

    if n_rows and named:
        # Rows of empty cells (";;;;" from Excel, or whitespace) are blank lines too;
        # a ragged row stays, even if its only text was in the fields cut off.
        keep = functools.reduce(pc.or_, [pc.not_equal(c, "") for _, c in named])
        if ragged:
            keep = pc.or_(keep, pa.array(np.isin(lines, ragged)))
        if not pc.all(keep).as_py():
            keep_np = keep.to_numpy(zero_copy_only=False)
            named = [(n, pc.filter(c, keep)) for n, c in named]
            lines = lines[keep_np]

    header = [n for n, _ in named]
    seen: dict[str, pa.Array | pa.ChunkedArray] = {}
    duplicates: list[str] = []
    for name, col in named:
        if name in seen:
            if name not in duplicates:
                duplicates.append(name)
        else:
            seen[name] = col
    if seen:
        frame = pa.table(dict(seen)).to_pandas()
    else:
        frame = pd.DataFrame(index=pd.RangeIndex(len(lines)))
    return RawTable(
        frame=frame,
        lines=np.asarray(lines, dtype=np.int64),
        header=header,
        container=container,
        encoding=encoding,
        delimiter=delimiter,
        decimal_comma=decimal_comma,
        duplicate_columns=duplicates,
        ragged_lines=ragged,
        read_as=read_as,
    )
