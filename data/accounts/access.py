"""Who may see and change what: the access rules every query result passes through.

Roles (issue #5):

* admin: everything, and users;
* staff: every court, region and the nation; may edit targets;
* analyst: every court, region and the nation; may upload and undo uploads;
* admin, staff and analyst add, edit and delete notes on the figures (issue 15);
* admin and staff publish a year as a numbered release (issue 14);
* judge: their own court in full, region and national aggregates, and other courts
  only anonymised ("Court 17 of 42") in rankings and funnel plots. A judge who asks
  for another court by its code gets nothing about it.
* metrics: a machine account for the monitoring scraper: its API token reads /metrics
  (counts and timings, web/metrics.py) and nothing else, no page, callback or API
  answer (``Viewer.reads_data``). Admins may read /metrics too.

The rules are pure functions over DataFrames so that the pages, the downloads and the
API apply exactly the same ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

ROLES: tuple[str, ...] = ("admin", "staff", "analyst", "judge", "metrics")

VIEW_ALL = "view_all"  # every court by name, coverage and upload warnings
EDIT_TARGETS = "edit_targets"
UPLOAD = "upload"
MANAGE_USERS = "manage_users"
READ_AUDIT = "read_audit"
ANNOTATE = "annotate"  # add, edit and delete notes on the figures (data/annotations.py)
PUBLISH = "publish"  # freeze a year as a numbered release (data/releases.py)
READ_METRICS = "read_metrics"  # scrape /metrics with an API token (web/metrics.py)

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({VIEW_ALL, EDIT_TARGETS, UPLOAD, MANAGE_USERS, READ_AUDIT, ANNOTATE,
                        PUBLISH, READ_METRICS}),
    "staff": frozenset({VIEW_ALL, EDIT_TARGETS, ANNOTATE, PUBLISH}),
    "analyst": frozenset({VIEW_ALL, UPLOAD, ANNOTATE}),
    "judge": frozenset(),
    "metrics": frozenset({READ_METRICS}),
}
# Roles of machines, not people: they read what their permissions name and nothing else
# (web/guard.py answers 403 to them on every page, callback and API route).
MACHINE_ROLES = frozenset({"metrics"})

# With fewer other courts than this in a ranking, anonymous bars could be told apart
# (e.g. the only appeal court of a region), so they are left out altogether.
MIN_ANONYMOUS_GROUP = 5
ANON_PREFIX = "anon-"
# What an anonymised cell keeps: which KPI, year and category it is, its label, its value.
ANONYMOUS_COLUMNS = frozenset({"level", "code", "year", "period", "category", "kpi", "value"})
_ANON = re.compile(r"^anon-(\d+)-of-(\d+)$")


@dataclass(frozen=True)
class Viewer:
    """The person asking: their name, role and, for judges, their court."""

    username: str
    role: str
    court_code: str | None = None

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def reads_data(self) -> bool:
        """False for a machine account (the metrics scraper): no page, callback or API."""
        return self.role not in MACHINE_ROLES

    @property
    def sees_all(self) -> bool:
        return self.can(VIEW_ALL)

    def may_see_court(self, court_code: str) -> bool:
        return self.sees_all or (court_code is not None and court_code == self.court_code)


# The CLI and background jobs run as the operator of the machine.
SYSTEM = Viewer("system", "admin")


def anonymous_position(code: str) -> tuple[int, int] | None:
    """(17, 42) for an anonymised code that reads "Court 17 of 42", else None."""
    match = _ANON.match(str(code))
    return (int(match.group(1)), int(match.group(2))) if match else None


def allowed_codes(viewer: Viewer, codes: Iterable[str], region_codes: Iterable[str]) -> list[str]:
    """The codes of ``codes`` the viewer may ask for by name (regions, the nation, own court)."""
    if viewer.sees_all:
        return list(codes)
    regions = set(region_codes) | {"KZ"}
    return [c for c in codes if c in regions or c == viewer.court_code]


def visible_courts(viewer: Viewer, courts: pd.DataFrame) -> pd.DataFrame:
    """The rows of the courts table the viewer may see by name."""
    if viewer.sees_all:
        return courts
    return courts[courts["court_code"] == viewer.court_code]


def scope_gap(viewer: Viewer, courts: pd.DataFrame) -> pd.DataFrame:
    """The courts of a gap decomposition (kpi.gap.COLUMNS, ranked by contribution) as
    the viewer may see them: a judge's own court in full, every other court as
    "Court 17 of 42" (its rank by contribution) with its contribution and shares only
    (value, numerator and denominator would link it across KPIs); fewer than
    MIN_ANONYMOUS_GROUP other courts are left out, as in rankings."""
    if viewer.sees_all or courts.empty:
        return courts
    others = courts["court_code"] != viewer.court_code
    if others.sum() < MIN_ANONYMOUS_GROUP:
        return courts[~others].reset_index(drop=True)
    out = courts.copy()
    rank = pd.Series(range(1, len(out) + 1), index=out.index)
    out.loc[others, "court_code"] = (ANON_PREFIX + rank[others].astype(str) + "-of-"
                                     + str(len(out)))
    for column in ("value", "numerator", "denominator"):
        out[column] = out[column].astype("float64")
        out.loc[others, column] = float("nan")
    return out


def scope_values(viewer: Viewer, values: pd.DataFrame, asked_by_code: bool,
                 anonymise: bool = False,
                 lower_is_better: dict[str, bool] | None = None,
                 keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """KPI cells as the viewer may see them.

    Nation and region cells are kept. A judge keeps their own court's cells. Other
    courts' cells are dropped, unless ``anonymise`` is asked for (rankings, funnel
    plots) and they were not asked for by code. Then, within each (kpi, year,
    category), courts are numbered by rank (best first) and the code becomes
    ``anon-<rank>-of-<n>``, and every column but the value (and the columns named in
    ``keep``, which the caller vouches for) is emptied. So no name or code is left,
    and nothing links one court's rows across KPIs or years: the rank changes with
    the KPI, and a numerator, denominator, coverage or court target would be the
    same (the volume behind several KPIs is the same number of resolved cases).
    Groups with fewer than MIN_ANONYMOUS_GROUP other courts are dropped, since so
    few bars could be told apart.
    """
    if viewer.sees_all or values.empty:
        return values
    court_rows = values["level"] == "court"
    own = court_rows & (values["code"] == viewer.court_code)
    others = court_rows & ~own
    if asked_by_code or not anonymise or not others.any():
        return values[~others].reset_index(drop=True)
    group = ["kpi", "year", "category"]
    lower = values.loc[court_rows, "kpi"].map(lambda k: (lower_is_better or {}).get(k, False))
    courts = values[court_rows].assign(
        # Negated where lower is better, so one descending rank serves both directions.
        _score=lambda f: f["value"].where(~lower, -f["value"]),
        _other=lambda f: f["code"] != viewer.court_code,
    )
    by_group = courts.groupby(group)
    courts = courts.assign(
        _rank=by_group["_score"].rank(method="first", ascending=False, na_option="bottom"),
        _n=by_group["code"].transform("size"),
        _n_other=by_group["_other"].transform("sum"),
    )
    courts = courts[~courts["_other"] | (courts["_n_other"] >= MIN_ANONYMOUS_GROUP)]
    anon = courts["_other"]
    courts.loc[anon, "code"] = (ANON_PREFIX + courts.loc[anon, "_rank"].astype(int).astype(str)
                                + "-of-" + courts.loc[anon, "_n"].astype(str))
    for column in courts.columns:
        if column not in ANONYMOUS_COLUMNS and column not in keep and not column.startswith("_"):
            if pd.api.types.is_float_dtype(courts[column]):
                courts.loc[anon, column] = float("nan")
            else:  # ints, flags and words: emptied as None, so the column holds objects
                courts[column] = courts[column].astype(object)
                courts.loc[anon, column] = None
    # Rank order: rows left in the order of their (hidden) codes would let anyone who
    # knows the list of courts put the names back.
    courts = courts.sort_values(group + ["_rank"], kind="stable").drop(
        columns=["_score", "_other", "_rank", "_n", "_n_other"])
    return pd.concat([values[~court_rows], courts], ignore_index=True)
