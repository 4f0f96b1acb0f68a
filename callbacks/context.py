"""What callbacks share: the engine and small cached look-ups (names, years).

Look-ups are cached per data version (uploads count and last id), so an upload or
an undo shows at once and nothing stale survives it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import pandas as pd
from flask import g, has_request_context
from sqlalchemy import Engine, text

from data import repository
from layouts.i18n import t


@dataclass
class Services:
    engine: Engine
    _cache: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _values: OrderedDict = field(default_factory=OrderedDict)
    max_cached_queries: int = 256

    def version(self) -> tuple:
        """The data version; asked once per request however many look-ups it makes."""
        if has_request_context() and hasattr(g, "court_kpi_version"):
            return g.court_kpi_version
        with self.engine.connect() as conn:
            row = conn.execute(text(
                "SELECT COUNT(*), MAX(id), SUM(CASE WHEN status = 'undone' THEN 1 ELSE 0 END) "
                "FROM uploads")).one()
        if has_request_context():
            g.court_kpi_version = tuple(row)
        return tuple(row)

    def _cached(self, name: str, build):
        version = self.version()
        with self._lock:
            hit = self._cache.get(name)
            if hit and hit[0] == version:
                return hit[1]
        with self.engine.connect() as conn:
            value = build(conn)
        with self._lock:
            self._cache[name] = (version, value)
        return value

    def kpi_values(self, **filters) -> pd.DataFrame:
        """repository.kpi_values, kept per data version (least recently used first out).

        Many people open the same national views; a new upload or undo changes the
        version, so nothing stale is ever served. One process's cache; issue #7 moves
        it to Redis for many workers.
        """
        key = tuple(sorted((k, tuple(v) if isinstance(v, (list, tuple, set)) else v)
                           for k, v in filters.items()))
        version = self.version()
        with self._lock:
            hit = self._values.get(key)
            if hit and hit[0] == version:
                self._values.move_to_end(key)
                return hit[1].copy()
        with self.engine.connect() as conn:
            value = repository.kpi_values(conn, **filters)
        with self._lock:
            self._values[key] = (version, value)
            while len(self._values) > self.max_cached_queries:
                self._values.popitem(last=False)
        return value.copy()

    def years(self) -> list[int]:
        return self._cached("years", repository.years)

    def synthetic(self) -> bool:
        return self._cached("synthetic", repository.synthetic)

    def courts(self) -> pd.DataFrame:
        return self._cached("courts", repository.courts)

    def regions(self) -> pd.DataFrame:
        return self._cached("regions", repository.regions)

    def unit_names(self, lang: str) -> dict[str, str]:
        """Court and region code -> name in ``lang`` (falling back to another language)."""
        return self._cached(f"names-{lang}", lambda conn: self._names(conn, lang))

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
