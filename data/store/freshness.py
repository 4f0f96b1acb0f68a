"""How old the data is: for each region, the newest as-of date of its courts' data
(periods.md "Data freshness": the day the case data were extracted, or the end of the
latest period of aggregate rows) and the newest year with facts.
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


def newest_as_of_by_region(conn: Connection) -> dict[str, dt.date | None]:
    """Every region, with the newest as-of date of any of its courts (None: no data)."""
    regions = [r[0] for r in conn.execute(
        text("SELECT region_code FROM regions ORDER BY region_code"))]
    newest: dict[str, object] = dict(conn.execute(text(
        "SELECT c.region_code, MAX(a.as_of) FROM court_as_of a "
        "JOIN courts c ON c.court_code = a.court_code GROUP BY c.region_code")).tuples().all())
    out: dict[str, dt.date | None] = {}
    for region in regions:
        value = newest.get(region)
        out[region] = None if value is None else (
            value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10]))
    return out


def age_days(as_of: dt.date | None, today: dt.date) -> float:
    """Days from ``as_of`` to ``today`` (infinite without data, so that an alert on the
    age fires for a region with none)."""
    if as_of is None:
        return float("inf")
    return float(max(0, (today - as_of).days))
