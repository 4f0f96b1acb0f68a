"""Duration counts stored one row per cell: the (days, n) pairs of a court's year or
month and category packed into one ``counts`` value.

A row per (cell, days) made the durations most of what a first load of cases wrote:
372,000 rows for a million cases, in three b-trees each (docs/performance.md, session
15). Packed, a cell is one row of a few hundred bytes, and the merge of a region's or
the nation's counts (SUM(n) GROUP BY days) is done here, in numpy, on pairs read without
a per-pair row.

The format is fixed (migration 0012 writes it too): little-endian int32 pairs
(days, n), days ascending, no day twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from data.store import frames

PAIR = np.dtype([("days", "<i4"), ("n", "<i4")])
# The stored cell of each packed table, with the region its court was in when written.
CELLS = {"durations": ["court_code", "year", "category", "region_code"],
         "month_durations": ["court_code", "year", "month", "category", "region_code"]}


def pack(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """One row per distinct ``keys`` of a (keys..., days, n) frame, its pairs in
    ``counts`` (bytes); the counts of a day repeated within a cell are added."""
    keys = list(keys)
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "counts"])
    summed = frame.groupby([*keys, "days"], sort=False, dropna=False)["n"].sum().reset_index()
    cell = summed.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    days = summed["days"].to_numpy(dtype="int64")
    order = np.lexsort((days, cell))
    pairs = np.empty(len(order), dtype=PAIR)
    pairs["days"] = days[order]
    pairs["n"] = summed["n"].to_numpy(dtype="int64")[order]
    cell = cell[order]
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    stops = np.r_[starts[1:], len(cell)]
    buffer = pairs.tobytes()
    size = PAIR.itemsize
    out = summed.iloc[order[starts]][keys].reset_index(drop=True)
    out["counts"] = [buffer[a * size:b * size] for a, b in zip(starts, stops)]
    return out


def unpack(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """The (keys..., days, n) rows of packed ``frame``, one per pair (int64 days, n)."""
    keys = list(keys)
    if frame.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=object) for k in keys},
                             "days": pd.Series(dtype="int64"), "n": pd.Series(dtype="int64")})
    blobs = [bytes(b) for b in frame["counts"]]
    lengths = np.fromiter((len(b) for b in blobs), dtype="int64", count=len(blobs))
    if (lengths % PAIR.itemsize).any():
        raise ValueError("stored duration counts are not whole (days, n) pairs")
    pairs = np.frombuffer(b"".join(blobs), dtype=PAIR)
    rows = np.repeat(np.arange(len(frame)), lengths // PAIR.itemsize)
    out = frame[keys].iloc[rows].reset_index(drop=True)
    out["days"] = pairs["days"].astype("int64")
    out["n"] = pairs["n"].astype("int64")
    return out


def read(conn: Connection, table: str, by: Sequence[str], where: str = "1=1",
         params: dict | None = None) -> pd.DataFrame:
    """The counts of ``table``'s rows matching ``where``, merged to (by..., days, n)."""
    by = list(by)
    stored = frames.read_sql(conn, f"SELECT {', '.join(by)}, counts FROM {table} "
                                   f"WHERE {where}", params)
    long = unpack(stored, by)
    if long.empty:
        return long
    return long.groupby([*by, "days"], as_index=False, sort=False)["n"].sum()
