"""Duration counts packed one row per cell (data.store.counts): the format, the round
trip, and the merge as read from SQLite and PostgreSQL against pandas on the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.store import counts, frames

CELL = ["court_code", "year", "month", "category", "region_code"]

rows = st.lists(st.tuples(st.sampled_from(["KZ01-D01", "KZ01-D02", "KZ02-D01"]),
                          st.sampled_from([2024, 2025]), st.integers(1, 12),
                          st.sampled_from(["civil", "criminal"]),
                          st.integers(0, 5000), st.integers(1, 10**6)), max_size=60)


def _frame(items) -> pd.DataFrame:
    f = pd.DataFrame(items, columns=["court_code", "year", "month", "category", "days", "n"])
    # A court's region follows from its code, as in the database.
    return f.assign(region_code=f["court_code"].str[:4])


def _merged(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=[*by, "days", "n"])
    out = frame.groupby([*by, "days"], as_index=False)["n"].sum()
    return out.sort_values([*by, "days"]).reset_index(drop=True)


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    out = frame.sort_values([*by, "days"]).reset_index(drop=True)
    return out.astype({"days": "int64", "n": "int64"})


@given(rows)
def test_unpack_of_pack_is_the_rows_merged_per_day(items) -> None:
    frame = _frame(items)
    packed = counts.pack(frame, CELL)
    assert list(packed.columns) == [*CELL, "counts"]
    assert not packed.duplicated(CELL).any()
    back = counts.unpack(packed, CELL)
    if frame.empty:
        assert back.empty and list(back.columns) == [*CELL, "days", "n"]
        return
    pd.testing.assert_frame_equal(_sorted(back, CELL), _sorted(_merged(frame, CELL), CELL),
                                  check_dtype=False)
    for blob in packed["counts"]:
        pairs = np.frombuffer(blob, dtype=counts.PAIR)
        assert (np.diff(pairs["days"]) > 0).all()  # days ascending, each once


def test_the_stored_format_is_little_endian_int32_pairs_by_day() -> None:
    frame = pd.DataFrame({"court_code": ["A", "A", "A", "B"], "days": [30, 2, 30, 7],
                          "n": [1, 5, 2, 1]})
    packed = counts.pack(frame, ["court_code"])
    assert packed["court_code"].tolist() == ["A", "B"]
    assert packed["counts"].tolist() == [
        (2).to_bytes(4, "little") + (5).to_bytes(4, "little")
        + (30).to_bytes(4, "little") + (3).to_bytes(4, "little"),
        (7).to_bytes(4, "little") + (1).to_bytes(4, "little")]


def test_a_value_that_is_not_whole_pairs_is_refused() -> None:
    stored = pd.DataFrame({"court_code": ["A"], "counts": [b"\x01\x00\x00\x00\x02"]})
    with pytest.raises(ValueError, match="whole"):
        counts.unpack(stored, ["court_code"])


def test_read_merges_as_sql_sum_group_by_would(engine) -> None:
    rng = np.random.default_rng(7)
    n = 3000
    frame = _frame(list(zip(
        rng.choice(["KZ01-D01", "KZ01-D02", "KZ02-D01", "KZ02-D02"], n).tolist(),
        rng.choice([2024, 2025], n).tolist(), rng.integers(1, 13, n).tolist(),
        rng.choice(["civil", "criminal", "administrative"], n).tolist(),
        rng.integers(0, 900, n).tolist(), rng.integers(1, 50, n).tolist())))
    packed = counts.pack(frame, CELL)
    with engine.begin() as conn:
        frames.insert_frame(conn, "month_durations", packed)
    with engine.connect() as conn:
        for by, where, params, mask in [
            (["year", "category"], "1=1", {}, np.ones(n, dtype=bool)),
            (["region_code", "year", "month", "category"], "region_code = :r",
             {"r": "KZ02"}, (frame["region_code"] == "KZ02").to_numpy()),
            (["court_code", "category"], "year = :y AND month BETWEEN 3 AND 5",
             {"y": 2025}, ((frame["year"] == 2025) & frame["month"].between(3, 5)).to_numpy()),
        ]:
            got = counts.read(conn, "month_durations", by, where, params)
            for c in by:
                if c in ("year", "month"):
                    got[c] = got[c].astype("int64")
            pd.testing.assert_frame_equal(_sorted(got, by), _sorted(_merged(frame[mask], by), by),
                                          check_dtype=False)
        stored = frames.read_sql(conn, "SELECT court_code, year, month, category, region_code, "
                                       "counts FROM month_durations")
    # The bytes come back as written, on both databases.
    key = ["court_code", "year", "month", "category"]
    stored = stored.astype({"year": "int64", "month": "int64"}).sort_values(key)
    assert [bytes(b) for b in stored["counts"]] == packed.sort_values(key)["counts"].tolist()
    with engine.connect() as conn:
        empty = counts.read(conn, "month_durations", ["year"], "year = 1900")
    assert empty.empty and list(empty.columns) == ["year", "days", "n"]


def test_migration_0012_down_and_up_keeps_every_count(engine) -> None:
    """Down to the row per (cell, days) of 0011 and up again: the same pairs, then the
    same packed values, in both tables."""
    from alembic import command

    from data.store.db import alembic_config

    rng = np.random.default_rng(3)
    n = 400
    month = _frame(list(zip(
        rng.choice(["KZ01-D01", "KZ02-D01"], n).tolist(), rng.choice([2024, 2025], n).tolist(),
        rng.integers(1, 13, n).tolist(), rng.choice(["civil", "criminal"], n).tolist(),
        rng.integers(0, 400, n).tolist(), rng.integers(1, 9, n).tolist())))
    year_cell = ["court_code", "year", "category", "region_code"]
    packed = {"month_durations": counts.pack(month, CELL),
              "durations": counts.pack(month.drop(columns="month"), year_cell)}
    cells = {"month_durations": CELL, "durations": year_cell}
    with engine.begin() as conn:
        for table, frame in packed.items():
            frames.insert_frame(conn, table, frame)
    command.downgrade(alembic_config(engine), "0011")
    with engine.connect() as conn:
        for table, cell in cells.items():
            old = frames.read_sql(conn, f"SELECT {', '.join(cell)}, days, n FROM {table}")
            old = old.astype({c: "int64" for c in ("year", "month", "days", "n") if c in old})
            want = counts.unpack(packed[table], cell)
            pd.testing.assert_frame_equal(_sorted(old, cell), _sorted(want, cell),
                                          check_dtype=False)
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as conn:
        for table, cell in cells.items():
            key = [c for c in cell if c != "region_code"]
            back = frames.read_sql(conn, f"SELECT {', '.join(cell)}, counts FROM {table}")
            back = back.astype({c: "int64" for c in ("year", "month") if c in back})
            back = back.sort_values(key).reset_index(drop=True)
            want = packed[table].sort_values(key).reset_index(drop=True)
            assert back[cell].astype(str).equals(want[cell].astype(str))
            assert [bytes(b) for b in back["counts"]] == want["counts"].tolist()
