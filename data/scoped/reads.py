"""``ScopedReads``: the cached reads of KPI cells, outlooks, case flow, coverage,
backlog, flags, targets and the court directory, each answered for one viewer.

The caches hold the full data, kept per data version (uploads count and last id, last
target edit), so an upload, an undo or a target edit shows at once and nothing stale
survives it; what one worker computed the others reuse through Redis when configured.
Every public method takes the viewer first and scopes on the way out
(data.accounts.access), so a caller that forgets the rule has nothing to read around
it with: the raw reads are private here, and the layers above data/ may not import
them (pyproject.toml, "Court-level data is read through data.scoped").
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import Connection, Engine

from data.accounts.access import (
    SYSTEM,
    UPLOAD,
    VIEW_ALL,
    Viewer,
    scope_gap,
    scope_values,
    visible_courts,
)
from data.derive import periods
from data.derive.backlog import COLUMNS as BACKLOG_COLUMNS
from data.derive.backlog import backlog_age
from data.derive.flags import UPLOAD_KINDS, flags_for_upload, mark_explained
from data.derive.flags import flags as all_flags
from data.derive.refresh import year_in_progress
from data.edits import annotations as notes_on_figures
from data.edits import workload as workload_inputs
from data.store import events, repository
from kpi import funnel
from kpi.catalogue import KPIS
from kpi.gap import Gap, contributions
from kpi.outlook import DEFAULT_HORIZON
from kpi.periods import (
    Period,
    PeriodError,
    catalogue_for,
    complete_months,
    of_part,
    same_period_a_year_before,
    year_period,
)
from kpi.periods import parse as parse_period
from kpi.workload import (
    JudgeYear,
    WorkloadError,
    court_workload,
    reallocate_within,
    roll_up,
)

# How long a worker waits for another one building the same shared read before it
# builds the read itself (the costliest, the outlook's calibration, takes seconds).
BUILD_WAIT_S = 30
LOWER_IS_BETTER = {code: k.direction == "lower" for code, k in KPIS.items()}
# What the directory tells a viewer who does not see every court by name: enough to
# build peer groups and filters, which are anonymised before anything is shown.
DIRECTORY_STRUCTURE = ["court_code", "region_code", "level", "specialization"]


class Shared(Protocol):
    """A cache every worker shares (callbacks.shared_cache.SharedCache)."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...

    def claim(self, key: str, seconds: int) -> bool:
        """True for the one worker that may build ``key`` now (the others wait for it)."""
        ...

    def release(self, key: str) -> None: ...


def _query_key(filters: dict) -> tuple:
    """A hashable key of query filters (lists become tuples), the same in any order."""
    return tuple(sorted((k, tuple(v) if isinstance(v, (list, tuple, set)) else v)
                        for k, v in filters.items()))


def _filtered(rows: pd.DataFrame, filters: dict) -> pd.DataFrame:
    """Rows matching each filter given (a value, or a list of values)."""
    keep = pd.Series(True, index=rows.index)
    for column, wanted in filters.items():
        if wanted is None:
            continue
        values = wanted if isinstance(wanted, (list, tuple, set)) else [wanted]
        keep &= rows[column].isin(list(values))
    return rows[keep].reset_index(drop=True)


def _court_of(level: str, code: str | None) -> str | None:
    return code if level == "court" else None


@dataclass
class ScopedReads:
    engine: Engine
    # Redis (when REDIS_URL is set): what one worker computed, the others reuse.
    shared: Shared | None = None
    # An object that lives for one request (Flask's ``g``), or None outside one: the
    # data version is asked once per request however many look-ups it makes.
    request_memo: Callable[[], Any] = lambda: None
    max_cached_queries: int = 256
    _cache: OrderedDict = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _values: OrderedDict = field(default_factory=OrderedDict)
    _building: dict = field(default_factory=dict)  # shared key -> its builder's lock

    # --- caching (no court data leaves these) ----------------------------------------------

    def version(self) -> tuple:
        memo = self.request_memo()
        if memo is not None and hasattr(memo, "court_kpi_version"):
            return memo.court_kpi_version
        with self.engine.connect() as conn:
            version = repository.data_version(conn)
        if memo is not None:
            memo.court_kpi_version = version
        return version

    def content_version(self) -> tuple:
        """The data version and what else a drawn page shows (notes, releases, meta:
        repository.content_version), asked once per request."""
        memo = self.request_memo()
        if memo is not None and hasattr(memo, "court_kpi_content"):
            return memo.court_kpi_content
        version = self.version()
        with self.engine.connect() as conn:
            content = (version, repository.content_version(conn))
        if memo is not None:
            memo.court_kpi_content = content
        return content

    def _cached(self, name: str, build: Callable[[Connection], Any]):
        """A whole-table look-up (years, courts, flags ...), kept per data version."""
        return self._kept(self._cache, name, build, name)

    def _recent(self, key: tuple, kind: str, build: Callable[[Connection], Any]):
        """A query result kept per data version, the most recent ``max_cached_queries``
        of them (LRU), shared between workers through Redis when configured."""
        return self._kept(self._values, (kind, key), build, kind, str(key),
                          limit=self.max_cached_queries)

    def _kept(self, store: OrderedDict, slot, build: Callable[[Connection], Any], name: str,
              detail: str | None = None, limit: int | None = None, local: bool = False):
        """``store[slot]`` if it was built at the current data version, else built (from
        the shared cache, as ``name:version[:detail]``, or the database) and kept; with
        ``limit``, the newest ``limit`` slots only; ``local``: built here, never shared
        (cheap to build from what is kept already)."""
        version = self.version()
        with self._lock:
            hit = store.get(slot)
            if hit and hit[0] == version:
                if limit is not None:
                    store.move_to_end(slot)
                events.emit("cache", cache="memory", result="hit")
                return hit[1]
        events.emit("cache", cache="memory", result="miss")
        shared = f"{name}:{version}" + ("" if detail is None else f":{detail}")
        # One thread of this process builds a slot; the others wait for it (a page open
        # just after an upload asks the same costly reads from many threads at once).
        with self._lock:
            building = self._building.setdefault(shared, threading.Lock())
        with building:
            with self._lock:
                hit = store.get(slot)
            if hit and hit[0] == version:
                return hit[1]
            value = (build(None) if local  # type: ignore[arg-type]
                     else self._shared_or_build(shared, build))
            with self._lock:
                store[slot] = (version, value)
                while limit is not None and len(store) > limit:
                    store.popitem(last=False)
                self._building.pop(shared, None)
        return value

    def _shared_or_build(self, key: str, build: Callable[[Connection], Any]):
        """From the shared cache, else from the database (and then shared). Across
        workers one builds a key and the others wait for it, up to ``BUILD_WAIT_S``,
        instead of every worker computing the same costly read at once."""
        if self.shared is None:
            with self.engine.connect() as conn:
                return build(conn)
        value = self.shared.get(key)
        events.emit("cache", cache="shared", result="miss" if value is None else "hit")
        if value is not None:
            return value
        claimed = self.shared.claim(key, BUILD_WAIT_S)
        if not claimed:
            deadline = time.monotonic() + BUILD_WAIT_S
            while time.monotonic() < deadline:
                time.sleep(0.05)
                value = self.shared.get(key)
                if value is not None:
                    return value
        try:
            with self.engine.connect() as conn:
                value = build(conn)
            self.shared.set(key, value)
        finally:
            if claimed:
                self.shared.release(key)
        return value

    def _all_values(self, **filters) -> pd.DataFrame:
        # Every stored cell is read once per data version (143,000 rows, 20 MB, on the
        # national data) and each page's filters are applied to it here: 15 ms against
        # 50-100 ms for a query per filter, which every year and category a person
        # chooses used to cost. The filtered frames are kept in this process only.
        value = self._kept(self._values, ("kpi_values", _query_key(filters)),
                           lambda _conn: _filtered(self._cached("kpi_values",
                                                                repository.kpi_values),
                                                   filters),
                           "kpi_rows", str(_query_key(filters)),
                           limit=self.max_cached_queries, local=True)
        return value.copy()

    def _period_rows(self, code: str) -> pd.DataFrame:
        """Every KPI cell of a period, all levels (data.derive.periods), per data version."""
        return self._recent(("period", code), "period_values",
                            lambda conn: periods.period_values(conn, code))

    def _directory(self) -> pd.DataFrame:
        return self._cached("courts", repository.courts)

    def _may_see(self, viewer: Viewer, level: str, code: str | None) -> bool:
        court = _court_of(level, code)
        return court is None or viewer.may_see_court(court)

    # --- KPI cells and outlooks ------------------------------------------------------------

    def kpi_values(self, viewer: Viewer, anonymous: bool = False, **filters) -> pd.DataFrame:
        """KPI cells the viewer may see (data.accounts.access.scope_values).

        Other courts than a judge's own are left out, or with ``anonymous=True``
        (rankings and funnel plots) kept without name or code.
        """
        return scope_values(viewer, self._all_values(**filters),
                            asked_by_code=filters.get("code") is not None,
                            anonymise=anonymous, lower_is_better=LOWER_IS_BETTER)

    def court_values(self, viewer: Viewer, year: int | None, kpi: str, category: str,
                     courts: pd.DataFrame, funnel_rate: float | None = None,
                     period: Period | None = None) -> pd.DataFrame:
        """One KPI for the given courts (every one of them, with or without a value),
        anonymised for judges: the rows behind a ranking or a funnel plot.

        ``year`` None (no year loaded yet) leaves the year unfiltered; ``period`` (not a
        whole year) reads that period's cells instead.
        With ``funnel_rate`` (the national %), each row also says where it falls in
        the funnel plot (``funnel_class``), worked out before anonymising: an
        anonymised court keeps that, but not the volume it was placed by.
        """
        if period is not None and not period.is_year:
            values = _filtered(self._period_rows(period.code),
                               {"level": "court", "kpi": kpi, "category": category})
        else:
            values = self._all_values(level="court", year=year, kpi=kpi, category=category)
        rows = courts[["court_code"]].rename(columns={"court_code": "code"}).merge(
            values, on="code", how="left")
        rows = rows.assign(level="court", year=year, kpi=kpi, category=category)
        keep: tuple[str, ...] = ()
        if funnel_rate is not None:
            rows = rows.assign(funnel_class=funnel.classify(
                rows["value"].to_numpy(dtype="float64"),
                rows["denominator"].to_numpy(dtype="float64"), funnel_rate))
            keep = ("funnel_class",)
        return scope_values(viewer, rows, asked_by_code=False, anonymise=True,
                            lower_is_better=LOWER_IS_BETTER, keep=keep)

    def peer_values(self, viewer: Viewer, court: str, year: int,
                    categories: Sequence[str], period: Period | None = None) -> pd.DataFrame:
        """The values of ``court``'s peers (same level and specialisation, the court
        included) in ``year``: kpi, category and value only, no court named, for the
        court's percentile among them. Empty for a court the viewer may not see."""
        columns = ["kpi", "category", "value"]
        directory = self._directory()
        match = directory[directory["court_code"] == court]
        if match.empty or not viewer.may_see_court(court):
            return pd.DataFrame(columns=columns)
        own = match.iloc[0]
        peers = directory[(directory["level"] == own["level"])
                          & (directory["specialization"] == own["specialization"])]
        # Level + year (indexed) and a filter here beats an IN list of 300 codes.
        if period is not None and not period.is_year:
            values = _filtered(self._period_rows(period.code),
                               {"level": "court", "category": sorted(set(categories))})
        else:
            values = self._all_values(level="court", year=year,
                                      category=sorted(set(categories)))
        return values.loc[values["code"].isin(set(peers["court_code"])), columns] \
            .reset_index(drop=True)

    def outlook(self, viewer: Viewer, horizon: int = DEFAULT_HORIZON,
                until: int | None = None, **filters) -> pd.DataFrame:
        """The outlook of each series the viewer may see by name (no anonymised courts),
        kept per data version like the values it is computed from; with ``until``, as
        made at the end of that year. The calibration pooled over every unit is learnt
        once per data version (``outlook_calibration``), so one KPI of one unit reads
        only its own cells."""
        learnt = self.outlook_calibration(viewer) if until is None else None
        rows = self._recent(_query_key({**filters, "horizon": horizon, "until": until}),
                            "outlook", lambda conn: repository.outlook(
                                conn, horizon=horizon, until=until, calibration=learnt,
                                **filters))
        return scope_values(viewer, rows.copy(), asked_by_code=filters.get("code") is not None)

    def outlook_calibration(self, viewer: Viewer) -> dict[str, dict[int, float]]:
        """The outlook's learnt multipliers on all loaded values, per data version: one
        number per KPI and horizon, pooled over every unit (no court's value can be told
        from it), the same for every viewer, so that a chart's band ends where the
        outlook row does whoever reads it."""
        del viewer  # asked for like every read; an aggregate over all units
        return self._recent((), "outlook_calibration", repository.outlook_calibration)

    def track_record(self, viewer: Viewer) -> pd.DataFrame:
        """How often past outlooks held the outcome on the loaded data, per KPI, level
        and years ahead (kpi.backtest.COLUMNS), per data version: shares and mean errors
        over every unit, no unit named, the same for every viewer."""
        del viewer  # asked for like every read; an aggregate over all units
        return self._recent((), "track_record", repository.backtest)

    def warm(self) -> None:
        """Build now what the first page opens of a data version need and take seconds:
        every stored KPI cell, every month of the regions and the nation, the default
        period's cells of every unit, the year-end projection of a year in progress, the
        outlook's calibration and its track record (the same entries the reads below
        fill, whoever asks). Run as the app starts
        (gunicorn's master, before its workers fork), so nobody waits for them."""
        self._cached("kpi_values", repository.kpi_values)
        self._cached("monthly_cells", periods.monthly_cells)
        period, _ = self.period_or_default(None, None)
        if period is not None and not period.is_year:  # a year's cells are stored ones
            self._period_rows(period.code)
            if period.year == self.year_in_progress():
                self.yearend(SYSTEM)
        self.outlook_calibration(SYSTEM)
        self.track_record(SYSTEM)

    # --- periods (periods.md) ----------------------------------------------------------------

    def period_values(self, viewer: Viewer, period: str, anonymous: bool = False,
                      **filters) -> pd.DataFrame:
        """KPI cells of any period (data.derive.periods) the viewer may see, scoped like
        kpi_values; the whole period is computed once per data version. PeriodError
        (its message for the person who asked) for a code that is not a period or that
        the data do not reach."""
        rows = _filtered(self._period_rows(period), filters)
        return scope_values(viewer, rows, asked_by_code=filters.get("code") is not None,
                            anonymise=anonymous, lower_is_better=LOWER_IS_BETTER)

    def yearend(self, viewer: Viewer, year: int | None = None, **filters) -> pd.DataFrame:
        """The year-end projection of the year in progress (or ``year``), the units the
        viewer may see by name; PeriodError when there is no such year."""
        rows = self._recent(("yearend", year), "yearend",
                            lambda conn: periods.yearend(conn, year))
        return scope_values(viewer, _filtered(rows, filters),
                            asked_by_code=filters.get("code") is not None)

    def page_period(self, year: int | None, part: str | None) -> Period | None:
        """The period a page shows for its ``year`` and ``part`` (kpi.periods.PARTS): by
        default the year to date of the year in progress when there is one, else the
        latest complete year; the year in progress is never a whole year. None without
        data; PeriodError (a sentence) for a part the data do not reach yet."""
        years, in_progress, as_of = self.years(), self.year_in_progress(), self.data_as_of()
        if year is None or (year not in years and year != in_progress):
            year = in_progress or (years[-1] if years else None)
        if year is None or as_of is None:
            return None if year is None else year_period(year)
        if part is None or (part == "year" and year == in_progress):
            part = "ytd" if year == in_progress else "year"
        period = of_part(year, part, complete_months(as_of))
        if period.end > as_of:
            raise PeriodError(f"{period.code} is not complete yet: the data are as of "
                              f"{as_of.isoformat()}.")
        return period

    def period_or_default(self, year: int | None, part: str | None
                          ) -> tuple[Period | None, str | None]:
        """(the page's period, None), or (the year's default period, the sentence why the
        part asked for cannot be shown yet)."""
        try:
            return self.page_period(year, part), None
        except PeriodError as exc:
            return self.page_period(year, None), str(exc)

    def values_in(self, viewer: Viewer, period: Period, anonymous: bool = False,
                  **filters) -> pd.DataFrame:
        """KPI cells of a period for the viewer: the stored cells of a complete year, or
        the period's composed cells (period_values), with a ``period`` column."""
        if period.is_year:
            rows = self.kpi_values(viewer, anonymous, year=period.year, **filters)
            return rows.assign(period=period.code)
        return self.period_values(viewer, period.code, anonymous, **filters)

    def monthly(self, viewer: Viewer, level: str, code: str, kpi: str, category: str,
                year: int) -> pd.DataFrame:
        """One KPI of one unit month by month in ``year`` and the 3 years before (year,
        month, value; data.derive.periods.monthly_values); empty for a court the viewer
        may not see."""
        if not self._may_see(viewer, level, code):
            return pd.DataFrame(columns=periods.SEASONAL_COLUMNS)
        years = [year - 3, year - 2, year - 1, year]
        kdef = KPIS.get(kpi)
        if level != "court" and kdef is not None and kdef.kind != "median":
            # From the month cells of every region and the nation, built once.
            rows = self._cached("monthly_cells", periods.monthly_cells)
            rows = rows[(rows["level"] == level) & (rows["code"] == code)
                        & (rows["kpi"] == kpi) & (rows["category"] == category)
                        & rows["year"].isin(years)]
            return rows[periods.SEASONAL_COLUMNS].sort_values(
                ["year", "month"]).reset_index(drop=True)
        return self._recent(_query_key({"level": level, "code": code, "kpi": kpi,
                                        "category": category, "year": year}), "monthly",
                            lambda conn: periods.monthly_values(conn, level, code, kpi,
                                                                category, years))

    def values_a_year_before(self, viewer: Viewer, period: Period, **filters) -> pd.DataFrame:
        """The cells of the same months a year before ``period`` (none when the data do
        not reach them): what an in-year value is set against."""
        try:
            return self.values_in(viewer, same_period_a_year_before(period), **filters)
        except PeriodError:
            return pd.DataFrame(columns=["level", "code", "year", "kpi", "category", "value"])

    def as_of_by_court(self, viewer: Viewer) -> pd.DataFrame:
        """court_code, as_of of the courts the viewer may see."""
        rows = self._cached("as_of_by_court", periods.as_of_by_court)
        if viewer.sees_all:
            return rows.copy()
        return rows[rows["court_code"] == viewer.court_code].reset_index(drop=True)

    def targets(self, viewer: Viewer) -> pd.DataFrame:
        """The targets of the nation (``court_code`` empty) and of the courts the viewer
        may see."""
        rows = self._cached("targets", repository.targets)
        if viewer.sees_all or rows.empty:
            return rows.copy()
        mine = rows["court_code"].fillna("").isin(["", viewer.court_code or ""])
        return rows[mine].reset_index(drop=True)

    def gap(self, viewer: Viewer, level: str, code: str, year: int, kpi: str,
            category: str = "all", period: str | None = None) -> Gap:
        """Each court's part of the gap of the nation or a region to its target
        (kpi.gap), other courts anonymised for a judge (access.scope_gap), in ``year``
        or in ``period`` (periods.md) when given. GapError when the KPI, scope or year
        has no decomposition; PeriodError for a period the data do not reach."""
        kdef = KPIS[kpi]
        if period is not None:
            # A period's own formula (disposition time and turnover are scaled by it).
            of_period = {k.code: k for k in catalogue_for(parse_period(period))}
            if kpi not in of_period:
                raise PeriodError(f"{kpi} is computed for whole years only.")
            kdef = of_period[kpi]
        category = "all" if kdef.grain == "court" else category

        def cells_of(**filters) -> pd.DataFrame:
            if period is None:
                return self._all_values(year=year, **filters)
            return _filtered(self._period_rows(period), filters)

        def decomposed(_conn: Connection) -> Gap:
            scope = cells_of(level=level, code=code, category=category)
            scope = scope[scope["kpi"] == kpi]
            target = float(scope["target"].iloc[0]) if len(scope) and \
                pd.notna(scope["target"].iloc[0]) else None
            courts = self._directory()
            if level == "region":
                courts = courts[courts["region_code"] == code]
            # Every KPI of the year at once: one cached read serves every tile and chart.
            cells = cells_of(level="court", category=category)
            cells = cells[(cells["kpi"] == kpi)
                          & cells["code"].isin(set(courts["court_code"]))] \
                .rename(columns={"code": "court_code"})
            return contributions(cells, kdef, target)

        # The decomposition itself kept per data version (every court profile of a
        # region shows its region's and the nation's), scoped for each viewer after.
        found = self._recent((level, code, year, kpi, category, period), "gap", decomposed)
        return replace(found, courts=scope_gap(viewer, found.courts))

    # --- judges needed by weighted caseload (where-to-act.md section 2) -------------------

    def _workload_courts(self, year: int) -> tuple[pd.DataFrame, JudgeYear]:
        """Every measured court's workload of ``year`` and the judge year, kept per data
        version (a judge year change is a new version). WorkloadError as kpi.workload."""
        def build(conn: Connection) -> tuple[pd.DataFrame, JudgeYear]:
            got = workload_inputs.workload_inputs(conn, year)
            if got.weights.empty:
                raise WorkloadError("no_weights", "every")
            jy = got.judge_year.judge_year
            return court_workload(got.incoming, got.courts, got.resources, got.weights, jy,
                                  year), jy

        return self._recent((int(year),), "workload", build)

    def workload(self, viewer: Viewer, year: int, level: str | None = None,
                 code: str | None = None) -> pd.DataFrame:
        """kpi.workload's table (courts, regions, the nation) of ``year``: a judge sees
        their own court, the regions and the nation. WorkloadError when the year or the
        scope has nothing to measure (no incoming, no resources, a level without
        weights)."""
        courts, jy = self._workload_courts(year)
        table = roll_up(courts, jy, year)
        if level is not None:
            table = table[table["level"] == level]
        if code is not None:
            table = table[table["code"] == code]
        if table.empty and level in ("court", "region") and code is not None:
            directory = self._directory()
            column = "court_code" if level == "court" else "region_code"
            levels = set(directory.loc[directory[column] == code, "level"])
            weighted = set(self._weights()["court_level"])
            if levels and not levels & weighted:
                raise WorkloadError("no_weights", ", ".join(sorted(levels)))
            raise WorkloadError("no_incoming", f"{code} in {year}")
        mine = (table["level"] != "court") | table["code"].map(viewer.may_see_court)
        return table[mine.astype(bool)].reset_index(drop=True)

    def workload_courts(self, viewer: Viewer, year: int) -> pd.DataFrame:
        """The courts' rows behind the table (with region and level): those the viewer
        may see."""
        courts, _ = self._workload_courts(year)
        return courts[courts["court_code"].map(viewer.may_see_court).astype(bool)] \
            .reset_index(drop=True)

    def reallocation(self, viewer: Viewer, year: int, within: str = "nation"
                     ) -> pd.DataFrame:
        """The reallocation proposal of ``year`` nationwide or within each region (a basis
        for discussion): for those who see every court only, since it names courts and
        their posts side by side; empty for anyone else."""
        if not viewer.sees_all:
            return pd.DataFrame(columns=["court_code", "region_code", "judge_posts",
                                         "judges_needed", "proposed_posts", "change"])
        # Kept per data version: every region's proposal costs 0.1-0.3 s per page open.
        return self._kept(self._values, ("reallocation", int(year), within),
                          lambda _conn: reallocate_within(self._workload_courts(year)[0],
                                                          within),
                          "reallocation", limit=self.max_cached_queries, local=True)

    def _weights(self) -> pd.DataFrame:
        return self._cached("case_weights", workload_inputs.case_weights)

    def workload_settings(self) -> tuple[pd.DataFrame, workload_inputs.JudgeYearSetting]:
        """The weights and the judge year in force (not court-level: anyone may read)."""
        return self._weights(), self._cached("judge_year", workload_inputs.judge_year)

    # --- one unit's flows ------------------------------------------------------------------

    def case_flow(self, viewer: Viewer, level: str, code: str | None = None,
                  category: str | None = None) -> pd.DataFrame:
        """Incoming, resolved and pending cases per year of a court, a region or the
        nation; empty for a court the viewer may not see."""
        if not self._may_see(viewer, level, code):
            return pd.DataFrame(columns=["year", "pending_start", "incoming", "resolved",
                                         "pending_end"])
        return self._recent(_query_key({"level": level, "code": code, "category": category}),
                            "case_flow",
                            lambda conn: repository.case_flow(conn, level, code, category))

    def judges_in_post(self, viewer: Viewer, court: str) -> dict[int, float]:
        """Year -> judges in post of a court the viewer may see; {} otherwise."""
        if not viewer.may_see_court(court):
            return {}
        with self.engine.connect() as conn:
            return repository.judges_in_post(conn, court)

    def backlog(self, viewer: Viewer, level: str, code: str, category: str) -> pd.DataFrame:
        """The backlog's age of one unit (data.derive.backlog), every year; kept per data
        version. Empty for a court the viewer may not see."""
        if not self._may_see(viewer, level, code):
            return pd.DataFrame(columns=BACKLOG_COLUMNS)
        rows = self._cached(f"backlog:{level}:{code}:{category}",
                            lambda conn: backlog_age(conn, level, code, category=category))
        # The age on 31 December of a year not over yet is not a year's figure.
        return rows[rows["year"] != self.year_in_progress()].reset_index(drop=True)

    def coverage_matrix(self, viewer: Viewer) -> pd.DataFrame:
        """Per court and year, 'cases' or 'caseload': the courts the viewer may see."""
        rows = self._cached("coverage_matrix", repository.coverage_matrix)
        if viewer.sees_all:
            return rows.copy()
        return rows[rows["court_code"] == viewer.court_code].reset_index(drop=True)

    # --- plausibility flags ----------------------------------------------------------------

    def flags(self, viewer: Viewer) -> pd.DataFrame:
        """Every plausibility flag on the loaded data (data.derive.flags) the viewer may
        see, with the note that explains it if any; computed once per data version (the
        checks judge each court against all the others). A judge gets their own court's
        only."""
        rows = self._cached("flags", lambda conn: all_flags(conn))
        if not viewer.sees_all:
            rows = rows[rows["court_code"] == (viewer.court_code or "")]
        with self.engine.connect() as conn:
            notes = notes_on_figures.notes(conn, viewer)
        directory = self._directory()
        regions = dict(zip(directory["court_code"], directory["region_code"]))
        return mark_explained(rows.reset_index(drop=True), notes, regions)

    def upload_flags(self, viewer: Viewer, kind: str,
                     frame: pd.DataFrame) -> pd.DataFrame | None:
        """The flags a validated upload would raise against what is loaded (None for a
        kind the checks do not judge): for those who upload (they see every court)."""
        if not (viewer.can(UPLOAD) and viewer.can(VIEW_ALL)):
            raise PermissionError("only those who upload see an upload's flags")
        if kind not in UPLOAD_KINDS:
            return None
        with self.engine.connect() as conn:
            return flags_for_upload(conn, kind, frame)

    # --- the directory ---------------------------------------------------------------------

    def courts(self, viewer: Viewer) -> pd.DataFrame:
        """The courts the viewer may see by name, with their names."""
        return visible_courts(viewer, self._directory())

    def directory(self, viewer: Viewer) -> pd.DataFrame:
        """Every court with its region, level and specialisation, for filters and peer
        groups; names only for a viewer who sees every court by name (what is built from
        it for others is anonymised before it is shown)."""
        directory = self._directory()
        if viewer.sees_all:
            return directory
        own = directory["court_code"] == viewer.court_code
        return directory[DIRECTORY_STRUCTURE].assign(
            **{c: directory[c].where(own, None) for c in directory.columns
               if c.startswith("name_")})

    def names(self, viewer: Viewer, lang: str) -> dict[str, str]:
        """Code -> name in ``lang`` (falling back to another language) of the regions
        and of the courts the viewer may see."""
        names = self._cached(f"names-{lang}", lambda conn: self._names(conn, lang))
        if viewer.sees_all:
            return dict(names)
        courts = set(self._directory()["court_code"])
        return {c: n for c, n in names.items() if c not in courts or viewer.may_see_court(c)}

    @staticmethod
    def _names(conn: Connection, lang: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for frame, key in ((repository.regions(conn), "region_code"),
                           (repository.courts(conn), "court_code")):
            for row in frame.itertuples(index=False):
                names = row._asdict()
                out[names[key]] = (names.get(f"name_{lang}") or names.get("name_en")
                                   or names.get("name_ru") or names[key])
        return out

    # --- not court-level ---------------------------------------------------------------------

    def years(self) -> list[int]:
        return self._cached("years", repository.years)

    def data_as_of(self):
        """The day the newest data are as of (a date), or None without case data."""
        return self._cached("data_as_of", periods.data_as_of)

    def year_in_progress(self) -> int | None:
        return self._cached("year_in_progress", year_in_progress)

    def synthetic(self) -> bool:
        return self._cached("synthetic", repository.synthetic)

    def regions(self) -> pd.DataFrame:
        return self._cached("regions", repository.regions)

    def latest_year(self, year: int | None) -> int | None:
        years = self.years()
        if year in years:
            return year
        return years[-1] if years else None

    def connect(self):
        return self.engine.connect()
