"""Month by month of the nation and the regions from one table per data version
(data.derive.periods.monthly_cells) equals the month-by-month of one unit at a time
(monthly_values), and a month's clearance rate is its resolved over its incoming.

On SQLite and PostgreSQL (demo_engine)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from data.accounts.access import SYSTEM
from data.derive import periods
from data.scoped.reads import ScopedReads
from kpi.catalogue import CATALOGUE
from kpi.periods import parse

MONTHLY_KPIS = [k.code for k in periods.catalogue_for(parse("2000-01"))]


def _units(conn) -> list[tuple[str, str]]:
    regions = [r[0] for r in conn.execute(text(
        "SELECT DISTINCT region_code FROM part_facts ORDER BY region_code"))]
    return [("national", "KZ"), ("region", regions[0]), ("region", regions[-1])]


def test_every_unit_kpi_and_category_as_one_at_a_time(demo_engine):
    reads = ScopedReads(demo_engine)
    with demo_engine.connect() as conn:
        year = conn.execute(text("SELECT MAX(year) FROM part_facts WHERE m1 = m2")).scalar()
        units = _units(conn)
        compared = 0
        for level, code in units:
            for kpi in MONTHLY_KPIS:
                for category in ("all", "civil", "criminal"):
                    got = reads.monthly(SYSTEM, level, code, kpi, category, year)
                    want = periods.monthly_values(conn, level, code, kpi, category,
                                                  [year - 3, year - 2, year - 1, year])
                    pd.testing.assert_frame_equal(
                        got.reset_index(drop=True), want.reset_index(drop=True),
                        check_dtype=False)
                    compared += len(want)
    assert compared > 1000
    # The median is still computed one unit at a time, from the month durations.
    median = [k.code for k in CATALOGUE if k.kind == "median" and k.code in MONTHLY_KPIS]
    assert median and not reads.monthly(SYSTEM, "national", "KZ", median[0], "all",
                                        year).empty


def test_a_months_clearance_rate_is_resolved_over_incoming(demo_engine):
    reads = ScopedReads(demo_engine)
    with demo_engine.connect() as conn:
        year, month = conn.execute(text(
            "SELECT year, m1 FROM part_facts WHERE m1 = m2 ORDER BY year DESC, m1 DESC"
        )).first()
        region = _units(conn)[1][1]
        incoming, resolved = conn.execute(text(
            "SELECT SUM(incoming), SUM(resolved) FROM part_facts WHERE m1 = m2 AND "
            "year = :y AND m1 = :m AND region_code = :r AND category = 'civil'"),
            {"y": year, "m": month, "r": region}).one()
    series = reads.monthly(SYSTEM, "region", region, "clearance_rate", "civil", year)
    got = series[(series["year"] == year) & (series["month"] == month)]["value"]
    assert len(got) == 1
    assert got.iloc[0] == pytest.approx(100.0 * float(resolved) / float(incoming))
    # A unit that does not exist has no months (nothing is made up).
    assert reads.monthly(SYSTEM, "region", "NO-SUCH", "clearance_rate", "all", year).empty
