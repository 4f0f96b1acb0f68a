"""How old the data is: the newest year with facts for each region's courts.

There is no as-of date in the data yet (a file says which year it covers, not up to
which day): the data of a year counts as current up to that year's 31 December, so a
region's data age is the number of days since the end of its newest year with facts.
When uploads carry an as-of date, this is where to use it instead.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text


def newest_year_by_region(conn: Connection) -> dict[str, int | None]:
    """Every region, with the newest year any of its courts has facts for (None: none)."""
    regions = [r[0] for r in conn.execute(
        text("SELECT region_code FROM regions ORDER BY region_code"))]
    newest: dict[str, int | None] = dict(conn.execute(text(
        "SELECT c.region_code, MAX(f.year) FROM facts f "
        "JOIN courts c ON c.court_code = f.court_code GROUP BY c.region_code")).tuples().all())
    return {r: (None if (year := newest.get(r)) is None else int(year)) for r in regions}


def age_days(newest_year: int | None, today: dt.date) -> float:
    """Days from the end of ``newest_year`` to ``today`` (0 within that year; infinite
    without any year, so that an alert on the age fires for a region with no data)."""
    if newest_year is None:
        return float("inf")
    return float(max(0, (today - dt.date(newest_year, 12, 31)).days))
