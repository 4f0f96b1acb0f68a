"""Releases: a published year, frozen (issue 14).

Staff publish a year when its figures are final enough to send up the chain and to the
public. The KPI cells of that year and of every earlier year (all levels and
categories, with the targets and statuses of that moment), the outlook of every series
to the horizon, and the names of the nation, regions and courts are copied into the
release tables under a new number. Later uploads change ``kpi_values`` but never a
release. A release lists what was revised since the previous one: the cells of the
years both cover whose value changed.

Publishing is checked here (the ``publish`` permission) and audited in the same
transaction, so every caller (page, CLI) is covered.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select, update

from data.accounts import audit
from data.accounts.access import PUBLISH, Viewer
from data.edits.annotations import clean_text, plain_text_problem
from data.refusals import Refused
from data.store import frames, repository
from data.store.models import Release
from kpi.outlook import DEFAULT_HORIZON, outlook_table

MAX_NOTE = 2000
NATION = "KZ"
KEYS = ["level", "code", "year", "category", "kpi"]
VALUE_COLUMNS = KEYS + ["value", "coverage", "numerator", "denominator", "target",
                        "tolerance", "illustrative", "status"]
OUTLOOK_COLUMNS = ["level", "code", "category", "kpi", "points", "last_year", "last_value",
                   "slope", "projected", "lower", "upper", "target", "outlook"]
UNIT_COLUMNS = ["level", "code", "region_code", "name_kk", "name_ru", "name_en"]
RELEASE_COLUMNS = ["id", "year", "horizon", "note", "synthetic", "revised", "published_by",
                   "published_at"]
REVISION_COLUMNS = KEYS + ["before", "after"]
# Two values closer than this (relative) are the same figure computed twice.
_SAME = 1e-9


class ReleaseError(Refused):
    """A release that cannot be made or found: ``code`` and ``params`` say why."""

    MESSAGES = {
        "forbidden": "Only staff and admins can publish a release.",
        "year": "There are no KPI values for {year} to publish.",
        "too_long": "A release note is at most {limit} characters ({length} given).",
        "markup": "A release note is plain text: markup such as '{found}' is not accepted.",
        "bidi": "A release note is plain text: invisible direction controls ({found}) are "
                "not accepted.",
        "not_text": "A release note is text: a list or other value is not accepted.",
        "not_year": "The year of a release is a whole number such as 2025, not '{year}'.",
        "missing": "There is no release #{number}.",
    }


def is_number(value) -> bool:
    """A release number as the database keeps it (a positive 32-bit integer)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def clean_note(note: str | None) -> str:
    """The note as stored, or ReleaseError: plain text, as notes on the figures are."""
    if note is not None and not isinstance(note, str):
        raise ReleaseError("not_text")
    text = clean_text(note or "")
    problem = plain_text_problem(text, MAX_NOTE)
    if problem:
        raise ReleaseError(problem[0], **problem[1])
    return text


def is_year(value) -> bool:
    """A year to publish: an integer (not a bool, nor a float such as 2025.5, which
    ``int()`` would quietly turn into another year; numpy's integers are integers)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _units(conn: Connection) -> pd.DataFrame:
    regions = repository.regions(conn)
    courts = repository.courts(conn)
    names = ["name_kk", "name_ru", "name_en"]
    nation = pd.DataFrame([{"level": "national", "code": NATION, "region_code": None}])
    region_rows = regions.rename(columns={"region_code": "code"}).assign(
        level="region", region_code=None)
    court_rows = courts.rename(columns={"court_code": "code"}).assign(level="court")
    frames = [nation] + [f.reindex(columns=["level", "code", "region_code", *names])
                         for f in (region_rows, court_rows)]
    return pd.concat(frames, ignore_index=True).reindex(columns=UNIT_COLUMNS)


def freeze(conn: Connection, year: int, horizon: int = DEFAULT_HORIZON
           ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What a release of ``year`` holds, read now: (values, outlook, units).

    Values: every stored KPI cell of ``year`` and the years before, with its target and
    status. Outlook: every series of those cells, projected to ``horizon`` from the
    years up to ``year`` only, as the pages would have shown it in that year.
    """
    years = [y for y in repository.years(conn) if y <= year]
    if year not in years:
        raise ReleaseError("year", year=year)
    values = repository.kpi_values(conn, year=years)
    values = values[values["value"].notna()].reindex(columns=VALUE_COLUMNS)
    outlook = outlook_table(values[["level", "code", "year", "category", "kpi", "value"]],
                            repository.targets(conn), horizon)
    return values.reset_index(drop=True), outlook.reindex(columns=OUTLOOK_COLUMNS), \
        _units(conn)


def publish(engine: Engine, year: int, note: str | None, viewer: Viewer,
            address: str | None = None, horizon: int = DEFAULT_HORIZON) -> dict:
    """Freeze ``year`` as a new release, audited; its record (RELEASE_COLUMNS) and
    ``values``, the number of KPI cells frozen."""
    if not viewer.can(PUBLISH):
        raise ReleaseError("forbidden")
    if not is_year(year):
        raise ReleaseError("not_year", year=str(year)[:20])
    text = clean_note(note)
    with engine.begin() as conn:
        values, outlook, units = freeze(conn, int(year), horizon)
        number = int(conn.execute(insert(Release).values(
            year=int(year), horizon=horizon, note=text,
            synthetic=repository.synthetic(conn), revised=0,
            published_by=viewer.username[:120],
            published_at=dt.datetime.now(dt.UTC))
        ).inserted_primary_key[0])  # type: ignore[index]  # one row inserted, one key
        frames.insert_frame(conn, "release_units", units.assign(release_id=number))
        frames.insert_frame(conn, "release_values", values.assign(release_id=number))
        frames.insert_frame(conn, "release_outlook", outlook.assign(release_id=number))
        revised = len(_revisions(conn, number))
        conn.execute(update(Release).where(Release.id == number).values(revised=revised))
        audit.record(conn, viewer.username, "release_published",
                     f"#{number} {year}: {len(values)} values, {revised} revised"
                     f"{': ' + text[:200] if text else ''}", address)
        record = get(conn, number) or {}
    return {**record, "values": len(values)}


# --- reading ---------------------------------------------------------------------------

def listing(conn: Connection) -> pd.DataFrame:
    """Every release, newest first (RELEASE_COLUMNS)."""
    rows = conn.execute(select(*(getattr(Release, c) for c in RELEASE_COLUMNS))
                        .order_by(Release.id.desc())).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=RELEASE_COLUMNS)


def get(conn: Connection, number) -> dict | None:
    """One release's record, or None (also for anything that is no release number)."""
    if not is_number(number):
        return None
    row = conn.execute(select(*(getattr(Release, c) for c in RELEASE_COLUMNS))
                       .where(Release.id == number)).first()
    return dict(zip(RELEASE_COLUMNS, row)) if row else None


def latest(conn: Connection) -> dict | None:
    number = conn.execute(select(func.max(Release.id))).scalar()
    return get(conn, int(number)) if number is not None else None


def previous(conn: Connection, number: int) -> dict | None:
    """The release published just before ``number``."""
    before = conn.execute(select(func.max(Release.id)).where(Release.id < number)).scalar()
    return get(conn, int(before)) if before is not None else None


def _read(conn: Connection, table: str, columns: list[str], number: int,
          levels: tuple[str, ...] | None) -> pd.DataFrame:
    where, params = "release_id = :n", {"n": number}
    if levels is not None:
        clause, extra = frames.in_list("level", levels)
        where, params = f"{where} AND {clause}", {**params, **extra}
    frame = frames.read_sql(conn, f"SELECT {', '.join(columns)} FROM {table} WHERE {where}",
                           params)
    return frame.reindex(columns=columns)


def _typed(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """Columns as the release tables mean them (drivers give numbers as they like)."""
    for column, dtype in dtypes.items():
        values = frame[column] if dtype == "boolean" else pd.to_numeric(frame[column])
        frame[column] = values.astype(dtype)
    return frame


# Column types of the frozen tables, as the pages and downloads read them.
VALUE_TYPES = {"value": "float64", "coverage": "float64", "numerator": "float64",
               "denominator": "float64", "target": "float64", "tolerance": "float64",
               "year": "int64", "illustrative": "boolean"}
OUTLOOK_TYPES = {"last_value": "float64", "slope": "float64", "projected": "float64",
                 "lower": "float64", "upper": "float64", "target": "float64",
                 "points": "int64", "last_year": "Int64"}


def values(conn: Connection, number: int, levels: tuple[str, ...] | None = None
           ) -> pd.DataFrame:
    """The KPI cells of a release (VALUE_COLUMNS), nation first, KPIs in catalogue order."""
    return _ordered(_typed(_read(conn, "release_values", VALUE_COLUMNS, number, levels),
                           VALUE_TYPES), ["code", "year", "category"])


def outlook(conn: Connection, number: int, levels: tuple[str, ...] | None = None
            ) -> pd.DataFrame:
    """The outlook to 2029 frozen with a release, in the same order."""
    return _ordered(_typed(_read(conn, "release_outlook", OUTLOOK_COLUMNS, number, levels),
                           OUTLOOK_TYPES), ["code", "category"])


def units(conn: Connection, number: int, levels: tuple[str, ...] | None = None
          ) -> pd.DataFrame:
    frame = _read(conn, "release_units", UNIT_COLUMNS, number, levels)
    return _ordered(frame, ["code"])


def _ordered(frame: pd.DataFrame, then: list[str]) -> pd.DataFrame:
    from kpi.catalogue import KPIS

    keys = {"_l": frame["level"].map(repository.LEVEL_ORDER)}
    if "kpi" in frame:
        order = {k: i for i, k in enumerate(KPIS)}
        keys["_k"] = frame["kpi"].map(order)
    if "category" in frame:
        keys["_c"] = frame["category"] != "all"
    sort = ["_l", *[c for c in then if c != "category"]]
    sort += [c for c in ("_c", "category", "_k") if c in keys or c in frame]
    return frame.assign(**keys).sort_values(sort, kind="stable").drop(
        columns=list(keys)).reset_index(drop=True)


def revised(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The cells of the years ``before`` covers whose value differs in ``after``
    (REVISION_COLUMNS): changed, new (before NaN) or withdrawn (after NaN). Pure."""
    if before.empty:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    old = before[KEYS + ["value"]].rename(columns={"value": "before"})
    new = after[after["year"] <= old["year"].max()][KEYS + ["value"]].rename(
        columns={"value": "after"})
    both = old.merge(new, on=KEYS, how="outer")
    a, b = both["before"].to_numpy(dtype=float), both["after"].to_numpy(dtype=float)
    differs = [(math.isnan(x) != math.isnan(y)) or
               (not math.isnan(x) and abs(x - y) > _SAME * max(1.0, abs(x)))
               for x, y in zip(a, b)]
    return _ordered(both[differs].reindex(columns=REVISION_COLUMNS), ["code", "year",
                                                                       "category"])


def _revisions(conn: Connection, number: int,
               levels: tuple[str, ...] | None = None) -> pd.DataFrame:
    before = previous(conn, number)
    if before is None:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    return revised(values(conn, before["id"], levels), values(conn, number, levels))


def revisions(conn: Connection, number: int,
              levels: tuple[str, ...] | None = None) -> pd.DataFrame:
    """What release ``number`` revised since the release before it (REVISION_COLUMNS)."""
    if get(conn, number) is None:
        raise ReleaseError("missing", number=str(number)[:20])
    return _revisions(conn, number, levels)
