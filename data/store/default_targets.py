"""The shipped illustrative targets: installed once, never over an approved value."""

from __future__ import annotations

from sqlalchemy import Engine

from data.store import frames
from kpi.targets import default_targets


def install_default_targets(engine: Engine) -> int:
    """Add the catalogue's illustrative national targets that are not in the table yet."""
    with engine.begin() as conn:
        have = frames.read_sql(conn, "SELECT kpi, year FROM targets WHERE court_code = ''")
        defaults = default_targets()
        if not have.empty:
            taken = set(zip(have["kpi"], have["year"].astype(int)))
            defaults = defaults[[
                (k, int(y)) not in taken for k, y in zip(defaults["kpi"], defaults["year"])
            ]]
        frames.insert_frame(conn, "targets", defaults)
        return len(defaults)
