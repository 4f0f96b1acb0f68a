"""Bulk reads and writes of frames, the same on SQLite and PostgreSQL.

Rows go through the connection's driver in the caller's transaction: executemany on
SQLite, COPY on PostgreSQL (an order of magnitude faster than INSERTs there).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from data.models import Base

CHUNK = 50_000


def table_columns(table: str) -> list[str]:
    return [c.name for c in Base.metadata.tables[table].columns]


def _column_types(table: str) -> dict[str, str]:
    out = {}
    for c in Base.metadata.tables[table].columns:
        name = type(c.type).__name__.lower()
        if "date" in name and "time" not in name:
            out[c.name] = "date"
        elif "bool" in name:
            out[c.name] = "bool"
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
        a = s.to_numpy(dtype="datetime64[D]") if s.dtype != object else pd.to_datetime(
            s).to_numpy(dtype="datetime64[D]")
        txt = a.astype(str).astype(object)
        txt[np.isnat(a)] = None
        return txt.tolist()
    mask = s.isna().to_numpy()
    if type_ == "bool":
        v = s.astype("boolean").fillna(False).to_numpy(dtype=bool)
        vals = v.astype(object) if dialect == "postgresql" else v.astype("int64").astype(object)
    elif type_ == "int":
        vals = pd.to_numeric(s).astype("Int64").fillna(0).to_numpy(dtype="int64").astype(object)
    elif type_ == "float":
        vals = s.astype("Float64").fillna(0).to_numpy(dtype="float64").astype(object)
    else:
        vals = s.astype(object).to_numpy()
    if mask.any():
        vals = vals.copy()
        vals[mask] = None
    return vals.tolist()


def insert_frame(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    """Append ``frame``'s rows to ``table`` (columns by name; others get NULL)."""
    if frame.empty:
        return 0
    types = _column_types(table)
    cols = [c for c in frame.columns if c in types]
    dialect = conn.dialect.name
    raw = conn.connection.driver_connection
    for start in range(0, len(frame), CHUNK):
        part = frame.iloc[start:start + CHUNK]
        rows = list(zip(*(_py_values(part[c], types[c], dialect) for c in cols)))
        if dialect == "postgresql":
            with raw.cursor() as cur, cur.copy(
                f'COPY {table} ({", ".join(cols)}) FROM STDIN'
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in cols)
            cur = raw.cursor()
            cur.executemany(f'INSERT INTO {table} ({", ".join(cols)}) VALUES ({marks})', rows)
            cur.close()
    return len(frame)


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
    # Plain tuples: pandas probes Row objects attribute by attribute, which is slow.
    rows = [tuple(r) for r in res.fetchall()]
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
        if t == "date":
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
