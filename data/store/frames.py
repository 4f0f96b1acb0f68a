"""Bulk reads and writes of frames, the same on SQLite and PostgreSQL.

Rows go through the connection's driver in the caller's transaction: executemany on
SQLite, COPY on PostgreSQL (an order of magnitude faster than INSERTs there).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, text

from data.store.models import Base

CHUNK = 50_000


def _column_types(table: str) -> dict[str, str]:
    out = {}
    for c in Base.metadata.tables[table].columns:
        name = type(c.type).__name__.lower()
        if "date" in name and "time" not in name:
            out[c.name] = "date"
        elif "bool" in name:
            out[c.name] = "bool"
        elif "binary" in name:
            out[c.name] = "binary"
        elif "int" in name:
            out[c.name] = "int"
        elif "float" in name or "numeric" in name:
            out[c.name] = "float"
        else:
            out[c.name] = "text"
    return out


def _py_values(s: pd.Series, type_: str, dialect: str) -> list:
    """A column as Python values the driver takes, None for missing."""
    if type_ == "date":
        # 'YYYY-MM-DD' by Arrow's C++ cast: 7x numpy's astype(str) for a million dates,
        # which was most of the write's own time on SQLite. Missing (NaT) -> None.
        days = pa.array(pd.to_datetime(s).to_numpy(dtype="datetime64[D]"), type=pa.date32(),
                        from_pandas=True)
        return pc.cast(days, pa.string()).to_numpy(zero_copy_only=False).tolist()
    if type_ == "binary":
        return s.tolist()
    if type_ == "bool":
        s = s.astype("boolean")
    elif type_ == "int":
        s = pd.to_numeric(s).astype("Int64")
    elif type_ == "float":
        s = pd.to_numeric(s).astype("Float64")
    elif s.dtype == object:
        return s.where(s.notna(), None).tolist()
    return s.to_numpy(dtype=object, na_value=None).tolist()


@dataclass(frozen=True)
class Encoded:
    """A frame's rows made ready for the driver (``encode``), to be written later by
    ``write_encoded``: a loader encodes the next chunk while the last one is written."""

    table: str
    columns: list[str]
    rows: int
    # PostgreSQL: blocks of CSV for COPY; SQLite: lists of row tuples for executemany.
    blocks: list = field(default_factory=list)


def encode(dialect: str, table: str, frame: pd.DataFrame) -> Encoded:
    """``frame``'s rows for ``table`` (columns by name; others get NULL) as ``dialect``'s
    driver takes them."""
    types = _column_types(table)
    cols = [c for c in frame.columns if c in types]
    if frame.empty:
        return Encoded(table, cols, 0)
    if dialect == "postgresql":
        return Encoded(table, cols, len(frame), _csv_blocks(frame, cols, types))
    blocks = []
    for start in range(0, len(frame), CHUNK):
        part = frame.iloc[start:start + CHUNK]
        blocks.append(list(zip(*(_py_values(part[c], types[c], dialect) for c in cols))))
    return Encoded(table, cols, len(frame), blocks)


def write_encoded(conn: Connection, encoded: Encoded) -> int:
    """Append encoded rows to their table in the caller's transaction."""
    if not encoded.rows:
        return 0
    raw = conn.connection.driver_connection
    assert raw is not None  # a connection in use has its driver's
    columns = ", ".join(encoded.columns)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(
                f"COPY {encoded.table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            for block in encoded.blocks:
                copy.write(block)
        return encoded.rows
    marks = ", ".join("?" for _ in encoded.columns)
    sql = f"INSERT INTO {encoded.table} ({columns}) VALUES ({marks})"
    for rows in encoded.blocks:
        cur = raw.cursor()
        cur.executemany(sql, rows)
        cur.close()
    return encoded.rows


def insert_frame(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    """Append ``frame``'s rows to ``table`` (columns by name; others get NULL)."""
    # A slice at a time: a million rows encoded at once would be a million tuples.
    step = CHUNK * 4
    return sum(write_encoded(conn, encode(conn.dialect.name, table, frame.iloc[i:i + step]))
               for i in range(0, len(frame), step))


def _arrow_column(s: pd.Series, type_: str) -> pa.Array:
    if type_ == "date":
        return pa.array(s.to_numpy(dtype="datetime64[D]"), type=pa.date32(), from_pandas=True)
    if type_ == "bool":
        return pa.array(s.astype("boolean"), type=pa.bool_(), from_pandas=True)
    if type_ == "int":
        return pa.array(pd.to_numeric(s).astype("Int64"), type=pa.int64(), from_pandas=True)
    if type_ == "float":
        return pa.array(pd.to_numeric(s).astype("Float64"), type=pa.float64(), from_pandas=True)
    if type_ == "binary":
        # bytea's hex input form; COPY's CSV format takes a backslash literally.
        return pa.array([None if v is None else "\\x" + bytes(v).hex() for v in s],
                        type=pa.string())
    return pa.array(s.astype(object).where(s.notna(), None), type=pa.string(), from_pandas=True)


def _csv_blocks(frame: pd.DataFrame, cols: list[str], types: dict) -> list[bytes]:
    """The frame as CSV for COPY, made by Arrow's C++ writer, in blocks.

    Every valid value is quoted and NULL is an unquoted empty field, so an empty
    text ("") and a missing value (NULL) stay distinct, and no text is ever taken
    for the NULL marker.
    """
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    blocks = []
    for start in range(0, len(frame), CHUNK * 4):
        part = frame.iloc[start:start + CHUNK * 4]
        arrow = pa.Table.from_arrays([_arrow_column(part[c], types[c]) for c in cols],
                                     names=cols)
        sink = pa.BufferOutputStream()
        pacsv.write_csv(arrow, sink, options)
        blocks.append(sink.getvalue().to_pybytes())
    return blocks


def delete_keys(conn: Connection, table: str, key: Sequence[str], keys: pd.DataFrame) -> None:
    """Delete the rows of ``table`` whose key is a row of ``keys``."""
    if keys.empty:
        return
    types = _column_types(table)
    dialect = conn.dialect.name
    rows = list(zip(*(_py_values(keys[c], types[c], dialect) for c in key)))
    where = " AND ".join(f"{c} = :{c}" for c in key)
    stmt = text(f"DELETE FROM {table} WHERE {where}")
    for start in range(0, len(rows), CHUNK):
        conn.execute(stmt, [dict(zip(key, r)) for r in rows[start:start + CHUNK]])


def read_sql(conn: Connection, sql: str, params: dict | None = None) -> pd.DataFrame:
    """A query's result as a frame (column names from the cursor)."""
    res = conn.execute(text(sql), params or {})
    columns = list(res.keys())
    # The driver's own tuples: a text() query has no result types for SQLAlchemy to apply,
    # and building Row objects only to turn them back into tuples cost ~35 % of a read
    # of a court's 90,000 cases.
    try:
        rows = res.cursor.fetchall()
    finally:
        res.close()
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame.from_records(rows, columns=columns)


def in_list(name: str, values: Iterable) -> tuple[str, dict]:
    """``name IN (:name_0, ...)`` and its parameters; ``1=0`` for an empty list."""
    values = list(values)
    if not values:
        return "1=0", {}
    params = {f"{name}_{i}": v for i, v in enumerate(values)}
    return f"{name} IN ({', '.join(':' + p for p in params)})", params


def typed(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rows read from ``table`` in the dtypes validation produces."""
    types = _column_types(table)
    out = {}
    for col in frame.columns:
        t = types.get(col, "text")
        s = frame[col]
        if t == "binary":
            out[col] = s
        elif t == "date":
            out[col] = pd.to_datetime(s, errors="coerce").astype("datetime64[s]")
        elif t == "bool":
            out[col] = s.astype("boolean")
        elif t == "int":
            out[col] = pd.to_numeric(s).astype("Int64")
        elif t == "float":
            out[col] = pd.to_numeric(s).astype("Float64")
        else:
            out[col] = s.astype("string")
    return pd.DataFrame(out, index=frame.index)
