"""The case-flow simulator ("what if"), exactly as ``shared/spec/outlook.md`` fixes it.

From a unit's last year with incoming and pending cases reported (year L), each year to
the horizon: incoming grows by g % a year; resolved is the chosen clearance rate of
incoming (or, for a court, judges in post times the last year's resolved cases per
judge), never more than there is to resolve; pending carries over. Pure arithmetic,
no rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

COLUMNS = ["year", "incoming", "resolved", "pending_end", "disposition_time",
           "clearance_rate"]


class SimulationError(ValueError):
    """The simulation cannot be run on these data; the message says why."""


@dataclass(frozen=True)
class Start:
    """Year L as reported: incoming, resolved and pending at its end (judges: court only)."""

    year: int
    incoming: float
    resolved: float | None
    pending_end: float
    judges_in_post: float | None = None


def _ratio(a: float, b: float, scale: float) -> float | None:
    return None if b == 0 else scale * a / b


def start_from_flow(flow: pd.DataFrame, judges_by_year: dict[int, float] | None = None) -> Start:
    """Year L from a yearly case flow (year, incoming, resolved, pending_end): the last
    year with both incoming and pending_end reported."""
    if flow is None or flow.empty:
        raise SimulationError("no case flow reported for this unit")
    ok = flow[flow["incoming"].notna() & flow["pending_end"].notna()]
    if ok.empty:
        raise SimulationError("no year with both incoming and pending cases reported")
    row = ok.sort_values("year").iloc[-1]
    year = int(row["year"])
    resolved = None if pd.isna(row["resolved"]) else float(row["resolved"])
    judges = (judges_by_year or {}).get(year)
    return Start(year, float(row["incoming"]), resolved, float(row["pending_end"]),
                 None if judges is None or pd.isna(judges) else float(judges))


def simulate(start: Start, horizon: int, incoming_change: float = 0.0,
             clearance: float | None = None, judges: float | None = None) -> pd.DataFrame:
    """Year L as reported, then one row per year L+1 … ``horizon`` (COLUMNS).

    ``incoming_change``: g, % a year. ``clearance``: c, % (default: year L's clearance
    rate). ``judges``: judges in post J, replacing c by the last year's resolved cases
    per judge in post (a court, category all).
    """
    if horizon <= start.year:
        raise SimulationError(f"the horizon {horizon} is not after the last reported year "
                              f"{start.year}")
    if judges is not None:
        if judges < 0:
            raise SimulationError("judges in post cannot be negative")
        if not start.judges_in_post or start.resolved is None:
            raise SimulationError(f"judges in post and resolved cases of {start.year} are "
                                  "needed for the judges lever")
        per_judge = start.resolved / start.judges_in_post
    elif clearance is None:
        if start.resolved is None or start.incoming == 0:
            raise SimulationError(f"no clearance rate in {start.year}: give one (--clearance)")
        clearance = 100.0 * start.resolved / start.incoming
    if clearance is not None and clearance < 0:
        raise SimulationError("the clearance rate cannot be negative")
    rows = [(start.year, start.incoming, start.resolved, start.pending_end,
             None if start.resolved is None else _ratio(start.pending_end, start.resolved, 365.0),
             None if start.resolved is None else _ratio(start.resolved, start.incoming, 100.0))]
    incoming, pending = start.incoming, start.pending_end
    for year in range(start.year + 1, horizon + 1):
        incoming = incoming * (1 + incoming_change / 100.0)
        # Without judges the clearance rate is known by now (given or year L's).
        capacity = judges * per_judge if judges is not None else \
            incoming * (clearance or 0.0) / 100.0
        resolved = min(capacity, pending + incoming)
        pending = pending + incoming - resolved
        rows.append((year, incoming, resolved, pending, _ratio(pending, resolved, 365.0),
                     _ratio(resolved, incoming, 100.0)))
    out = pd.DataFrame(rows, columns=COLUMNS)
    for column in COLUMNS[1:]:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    return out

