"""duration counts packed: one row per cell (court, year [, month], category) with its
(days, n) pairs in ``counts``, instead of a row per cell and number of days

Revision ID: 0012
Revises: 0011

A first load of a million cases wrote 372,000 month_durations rows and 90,000
durations rows, each into three b-trees: more than a third of the load's own writing
(docs/performance.md, session 15). Packed, the same counts are 10,000 and 900 rows.

Every count is kept: the rows of each table are read court by court and packed
(data.store.counts.pack: little-endian int32 pairs, days ascending) before the old table
is dropped, and the new one gets them all; the test of upgrades compares them pair by
pair. Nothing is refused: the tables are derived (``python -m data refresh`` rebuilds
them from the uploaded rows), and the conversion loses no value.
"""

import pandas as pd
import sqlalchemy as sa
from alembic import op

from data.store import counts

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CELLS = {"durations": ["court_code", "year", "category"],
         "month_durations": ["court_code", "year", "month", "category"]}
# The old covering indexes (0011), for the downgrade.
OLD_INDEXES = {
    "durations": {"ix_durations_year_days": ["year", "category", "days", "n"],
                  "ix_durations_year_region_days": ["year", "region_code", "category", "days",
                                                    "n"]},
    "month_durations": {
        "ix_month_durations_year_days": ["year", "month", "category", "days", "n"],
        "ix_month_durations_year_region_days": ["year", "region_code", "month", "category",
                                                "days", "n"]},
}
COURTS_AT_ONCE = 50


def _key_columns(cell: list[str]) -> list[sa.Column]:
    types = {"court_code": sa.String(64), "category": sa.String(20)}
    return [sa.Column(c, types.get(c, sa.Integer()), primary_key=True) for c in cell]


def _read(conn, table: str, columns: list[str]) -> list[pd.DataFrame]:
    """The table's rows, court by court (a national table has millions)."""
    courts = [r[0] for r in conn.execute(sa.text(
        f"SELECT DISTINCT court_code FROM {table} ORDER BY court_code"))]
    parts = []
    for start in range(0, len(courts), COURTS_AT_ONCE):
        chunk = courts[start:start + COURTS_AT_ONCE]
        marks = ", ".join(f":c{i}" for i in range(len(chunk)))
        rows = conn.execute(sa.text(
            f"SELECT {', '.join(columns)} FROM {table} WHERE court_code IN ({marks})"),
            {f"c{i}": c for i, c in enumerate(chunk)}).all()
        parts.append(pd.DataFrame(rows, columns=columns))
    return parts


def _insert(conn, table: sa.Table, frame: pd.DataFrame) -> None:
    records = frame.astype(object).to_dict("records")
    for start in range(0, len(records), 10_000):
        conn.execute(table.insert(), records[start:start + 10_000])


def upgrade() -> None:
    conn = op.get_bind()
    for name, cell in CELLS.items():
        packed = [counts.pack(part, [*cell, "region_code"])
                  for part in _read(conn, name, [*cell, "region_code", "days", "n"])]
        op.drop_table(name)
        table = op.create_table(
            name, *_key_columns(cell),
            sa.Column("region_code", sa.String(64), nullable=False),
            sa.Column("counts", sa.LargeBinary(), nullable=False),
            sqlite_with_rowid=False)
        op.create_index(f"ix_{name}_year_region", name, ["year", "region_code"])
        for part in packed:
            _insert(conn, table, part)


def downgrade() -> None:
    conn = op.get_bind()
    for name, cell in CELLS.items():
        rows = [counts.unpack(part, [*cell, "region_code"])
                for part in _read(conn, name, [*cell, "region_code", "counts"])]
        op.drop_table(name)
        table = op.create_table(
            name, *_key_columns([*cell, "days"]),
            sa.Column("region_code", sa.String(64), nullable=False),
            sa.Column("n", sa.Integer(), nullable=False),
            sqlite_with_rowid=False)
        for index, columns in OLD_INDEXES[name].items():
            op.create_index(index, name, columns)
        for part in rows:
            _insert(conn, table, part)
