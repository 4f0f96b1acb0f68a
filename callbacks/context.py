"""What callbacks share: the engine and small cached look-ups (names, years).

Look-ups are cached per data version (uploads count and last id, last target edit),
so an upload, an undo or a target edit shows at once and nothing stale survives it.

Everything a callback reads about courts passes through ``data.accounts.access`` for the person
asking (the signed-in viewer of the request): the cache holds the full data, each
answer is scoped on the way out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import pandas as pd
from dash import Output
from flask import g, has_request_context
from sqlalchemy import Engine

from callbacks.shared_cache import SharedCache
from data.accounts.access import SYSTEM, Viewer, anonymous_position, scope_values, visible_courts
from data.store import repository
from kpi import funnel
from kpi.catalogue import KPIS
from kpi.outlook import DEFAULT_HORIZON
from layouts import ids
from layouts.i18n import t

# Inside a request with nobody signed in (the guard stops that earlier): national and
# regional figures only.
NOBODY = Viewer("anonymous", "none")
LOWER_IS_BETTER = {code: k.direction == "lower" for code, k in KPIS.items()}


def request_viewer() -> Viewer:
    """Who is asking: the signed-in user of the request; outside a request the system."""
    if not has_request_context():
        return SYSTEM
    from web.guard import current_viewer

    return current_viewer() or NOBODY


class UnitNames(dict):
    """Code -> name, which also names anonymised courts ("Court 17 of 42")."""

    def __init__(self, names: dict[str, str], lang: str):
        super().__init__(names)
        self.lang = lang

    def __missing__(self, code):
        position = anonymous_position(code)
        if position is None:
            raise KeyError(code)
        return t("anon.court", self.lang, n=position[0], total=position[1])

    def get(self, code, default=None):
        try:
            return self[code]
        except KeyError:
            return default


def chart_outputs(name: str) -> tuple[Output, Output]:
    """The two outputs of a chart (layouts.components): its figure and its data table."""
    return (Output(ids.chart(ids.CHART_GRAPH, name), "figure"),
            Output(ids.chart(ids.CHART_DATA, name), "data"))


def unit_options(names, codes, with_code: bool = False) -> list[dict]:
    """Dropdown options of regions or courts by name (and code, for courts)."""
    return [{"label": f"{names.get(c, c)} ({c})" if with_code else names.get(c, c), "value": c}
            for c in codes]


def _query_key(filters: dict) -> tuple:
    """A hashable key of query filters (lists become tuples), the same in any order."""
    return tuple(sorted((k, tuple(v) if isinstance(v, (list, tuple, set)) else v)
                        for k, v in filters.items()))


@dataclass
class Services:
    engine: Engine
    _cache: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _values: OrderedDict = field(default_factory=OrderedDict)
    max_cached_queries: int = 256
    # Redis (when REDIS_URL is set): what one worker computed, the others reuse.
    shared: SharedCache | None = None

    def version(self) -> tuple:
        """The data version; asked once per request however many look-ups it makes."""
        if has_request_context() and hasattr(g, "court_kpi_version"):
            return g.court_kpi_version
        with self.engine.connect() as conn:
            version = repository.data_version(conn)
        if has_request_context():
            g.court_kpi_version = version
        return version

    def _cached(self, name: str, build):
        version = self.version()
        with self._lock:
            hit = self._cache.get(name)
            if hit and hit[0] == version:
                return hit[1]
        value = self._shared_or_build(f"{name}:{version}", build)
        with self._lock:
            self._cache[name] = (version, value)
        return value

    def _recent(self, key: tuple, kind: str, build):
        """A query result kept per data version, the most recent ``max_cached_queries``
        of them (LRU), shared between workers through Redis when configured."""
        version = self.version()
        slot = (kind, key)
        with self._lock:
            hit = self._values.get(slot)
            if hit and hit[0] == version:
                self._values.move_to_end(slot)
                return hit[1]
        value = self._shared_or_build(f"{kind}:{version}:{key}", build)
        with self._lock:
            self._values[slot] = (version, value)
            while len(self._values) > self.max_cached_queries:
                self._values.popitem(last=False)
        return value

    def _shared_or_build(self, key: str, build):
        """From the shared cache, else from the database (and then shared)."""
        if self.shared is not None:
            value = self.shared.get(key)
            if value is not None:
                return value
        with self.engine.connect() as conn:
            value = build(conn)
        if self.shared is not None:
            self.shared.set(key, value)
        return value

    def kpi_values(self, viewer: Viewer | None = None, anonymous: bool = False,
                   **filters) -> pd.DataFrame:
        """KPI cells the viewer may see (see data.accounts.access.scope_values).

        Other courts than a judge's own are left out, or with ``anonymous=True``
        (rankings and funnel plots) kept without name or code.
        """
        viewer = viewer or request_viewer()
        values = self.unscoped_kpi_values(**filters)
        return scope_values(viewer, values, asked_by_code=filters.get("code") is not None,
                            anonymise=anonymous, lower_is_better=LOWER_IS_BETTER)

    def court_values(self, year: int, kpi: str, category: str,
                     courts: pd.DataFrame, funnel_rate: float | None = None) -> pd.DataFrame:
        """One KPI for the given courts (every one of them, with or without a value),
        anonymised for judges: the rows behind a ranking or a funnel plot.

        With ``funnel_rate`` (the national %), each row also says where it falls in
        the funnel plot (``funnel_class``), worked out before anonymising: an
        anonymised court keeps that, but not the volume it was placed by.
        """
        values = self.unscoped_kpi_values(level="court", year=year, kpi=kpi, category=category)
        rows = courts[["court_code"]].rename(columns={"court_code": "code"}).merge(
            values, on="code", how="left")
        rows = rows.assign(level="court", year=year, kpi=kpi, category=category)
        keep: tuple[str, ...] = ()
        if funnel_rate is not None:
            rows = rows.assign(funnel_class=funnel.classify(
                rows["value"].to_numpy(dtype="float64"),
                rows["denominator"].to_numpy(dtype="float64"), funnel_rate))
            keep = ("funnel_class",)
        return scope_values(request_viewer(), rows, asked_by_code=False, anonymise=True,
                            lower_is_better=LOWER_IS_BETTER, keep=keep)

    def unscoped_kpi_values(self, **filters) -> pd.DataFrame:
        """repository.kpi_values for every court, kept per data version (LRU).

        Only for figures computed on the server that name no other court (a peer
        percentile), and as the source of the scoped look-ups above. Many people open
        the same national views; a new upload or undo changes the version, so nothing
        stale is ever served. Shared between workers through Redis when configured.
        """
        value = self._recent(_query_key(filters), "kpi_values",
                             lambda conn: repository.kpi_values(conn, **filters))
        return value.copy()

    def outlook(self, viewer: Viewer | None = None, horizon: int = DEFAULT_HORIZON,
                **filters) -> pd.DataFrame:
        """The outlook of each series the viewer may see by name (no anonymised courts),
        kept per data version like the values it is computed from."""
        viewer = viewer or request_viewer()
        rows = self._recent(_query_key({**filters, "horizon": horizon}), "outlook",
                            lambda conn: repository.outlook(conn, horizon=horizon, **filters))
        return scope_values(viewer, rows.copy(), asked_by_code=filters.get("code") is not None)

    def backlog(self, level: str, code: str, category: str) -> pd.DataFrame:
        """The backlog's age of one unit (data.derive.backlog), every year; kept per data version.
        Callers check the viewer may see ``code`` by name (a court's, a region's)."""
        from data.derive.backlog import backlog_age

        return self._cached(f"backlog:{level}:{code}:{category}",
                            lambda conn: backlog_age(conn, level, code, category=category))

    def flags(self, viewer: Viewer | None = None) -> pd.DataFrame:
        """Every plausibility flag on the loaded data (data.derive.flags), with the note that
        explains it if any; computed once per data version (the checks judge each court
        against all the others). A judge gets their own court's only."""
        from data.derive.flags import flags, mark_explained
        from data.edits import annotations

        viewer = viewer or request_viewer()
        rows = self._cached("flags", lambda conn: flags(conn))
        if not viewer.sees_all:
            rows = rows[rows["court_code"] == (viewer.court_code or "")]
        with self.connect() as conn:
            notes = annotations.notes(conn, viewer)
        regions = dict(zip(self.directory()["court_code"], self.directory()["region_code"]))
        return mark_explained(rows.reset_index(drop=True), notes, regions)

    def years(self) -> list[int]:
        return self._cached("years", repository.years)

    def synthetic(self) -> bool:
        return self._cached("synthetic", repository.synthetic)

    def courts(self) -> pd.DataFrame:
        """The courts the viewer may see by name."""
        return visible_courts(request_viewer(), self.directory())

    def directory(self) -> pd.DataFrame:
        """Every court with its region, level and specialisation, for filtering and
        peer groups; never shown as such to a viewer without access to all courts."""
        return self._cached("courts", repository.courts)

    def regions(self) -> pd.DataFrame:
        return self._cached("regions", repository.regions)

    def unit_names(self, lang: str) -> UnitNames:
        """Code -> name in ``lang`` (falling back to another language) of the nation,
        the regions and the courts the viewer may see, plus anonymised courts."""
        names = self._cached(f"names-{lang}", lambda conn: self._names(conn, lang))
        viewer = request_viewer()
        if not viewer.sees_all:
            courts = set(self.directory()["court_code"])
            names = {c: n for c, n in names.items()
                     if c not in courts or viewer.may_see_court(c)}
        return UnitNames(names, lang)

    @staticmethod
    def _names(conn, lang: str) -> dict[str, str]:
        out: dict[str, str] = {"KZ": t("nav.national", lang)}
        for frame, key in ((repository.regions(conn), "region_code"),
                           (repository.courts(conn), "court_code")):
            for row in frame.itertuples(index=False):
                names = row._asdict()
                out[names[key]] = (names.get(f"name_{lang}") or names.get("name_en")
                                   or names.get("name_ru") or names[key])
        return out

    def latest_year(self, year: int | None) -> int | None:
        years = self.years()
        if year in years:
            return year
        return years[-1] if years else None

    def connect(self):
        return self.engine.connect()
