"""Plausibility flags of the loaded data, and of an upload before it is loaded.

Reads the yearly facts (of cases and caseload uploads alike) and the resources, and
runs the checks of ``kpi.plausibility`` over all courts (each court is judged against
its peers, so a filter chooses which flags to show, not which data to judge).

Messages are rendered by ``kpi.plausibility.messages``, which takes the translation
function as a parameter.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy import Connection, select

from data.store.models import Court, Fact, PartFact, Resources
from kpi.plausibility import (
    COLUMNS,
    DEFAULT,
    FACT_KEY,
    FLOW,
    PART_KEY,
    RESOURCE_FIELDS,
    RESOURCE_KEY,
    RULES,
    Settings,
    check,
    fact_flags,
    no_flags,
    part_flags,
    resource_flags,
)

# Upload kinds whose rows the checks judge. Case rows are not: facts derived from cases
# satisfy the flow identity and the continuity by construction, and their year-on-year
# change needs every case of the court, so it is checked once loaded (``flags``).
UPLOAD_KINDS = ("caseload", "resources")


class FlagsError(ValueError):
    """An unknown court, year or rule; the message says which and what there is."""


def read_facts(conn: Connection) -> pd.DataFrame:
    """The yearly facts the checks use: key and the four flow figures, every court."""
    return _read(conn, Fact, FACT_KEY, FLOW)


def read_parts(conn: Connection) -> pd.DataFrame:
    """The parts of years (part_facts): the months derived from cases and the months and
    quarters of aggregate reports, with their source (kpi.plausibility.part_flags)."""
    names = [*PART_KEY, "source", *FLOW]
    rows = conn.execute(select(*(getattr(PartFact, c) for c in names))).all()
    columns = list(zip(*rows)) if rows else [()] * len(names)
    out = _typed(pd.DataFrame(dict(zip(names, columns))), FLOW)
    for c in ("m1", "m2"):
        out[c] = out[c].astype("int64")
    return out


def read_resources(conn: Connection) -> pd.DataFrame:
    """The resources of every court and year."""
    return _read(conn, Resources, RESOURCE_KEY, RESOURCE_FIELDS)


def _read(conn: Connection, model, key: list[str], fields) -> pd.DataFrame:
    names = [*key, *fields]
    rows = conn.execute(select(*(getattr(model, c) for c in names))).all()
    # Column by column: pandas asks each Row object about its fields otherwise, which
    # was most of the time of reading 10,000 rows.
    columns = list(zip(*rows)) if rows else [()] * len(names)
    return _typed(pd.DataFrame(dict(zip(names, columns))), fields)


def _typed(df: pd.DataFrame, fields) -> pd.DataFrame:
    """Codes as str, years as int64, figures as float64 with NaN for NULL (never 0)."""
    df = df.copy()
    df["court_code"] = df["court_code"].astype(str)
    df["year"] = df["year"].astype("int64")
    for c in fields:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    return df


def flags(conn: Connection, year: int | None = None, court: str | None = None,
          rule: str | None = None, settings: Settings = DEFAULT) -> pd.DataFrame:
    """Every flag on the loaded data (kpi.plausibility.COLUMNS), most implausible first,
    of one year, court or rule when given.

    Raises FlagsError for a rule that does not exist, a court that is not known or a
    year with neither facts nor resources.
    """
    if rule is not None and rule not in RULES:
        raise FlagsError(f"no rule named {rule!r}; the rules are: {', '.join(RULES)}")
    if court is not None and conn.execute(
            select(Court.court_code).where(Court.court_code == court)).first() is None:
        raise FlagsError(f"no court with the code {court!r}")
    facts, resources, parts = read_facts(conn), read_resources(conn), read_parts(conn)
    if year is not None:
        years = sorted(set(facts["year"]) | set(resources["year"]) | set(parts["year"]))
        if year not in years:
            have = (f"years with data: {years[0]}-{years[-1]}" if years
                    else "no yearly facts or resources are loaded")
            raise FlagsError(f"no data for the year {year} ({have})")
    out = check(facts, resources, settings, parts)
    keep = pd.Series(True, index=out.index)
    if year is not None:
        keep &= out["year"] == year
    if court is not None:
        keep &= out["court_code"] == court
    if rule is not None:
        keep &= out["rule"] == rule
    return out[keep].reset_index(drop=True)


def flags_for_upload(conn: Connection, kind: str, frame: pd.DataFrame,
                     settings: Settings = DEFAULT) -> pd.DataFrame:
    """The flags a validated upload would raise against the data already loaded.

    The file's rows replace the loaded rows with the same key (as the loader's upsert
    does); the result is every flag on the file's rows, and the flags the file newly
    causes on the same courts' other years (a changed pending_end breaks next year's
    continuity, a changed figure next year's change). Kinds other than ``caseload`` and
    ``resources`` have nothing to check: an empty frame.
    """
    if kind not in UPLOAD_KINDS or frame.empty:
        return no_flags()
    if kind == "caseload" and "period" in frame.columns:
        # Months and quarters of an aggregate report are judged as parts of the year.
        code = frame["period"].astype("string").fillna("")
        part = ((code != "") & (code != frame["year"].astype("string"))).to_numpy()
        if part.any():
            whole = frame[~part]
            on_parts = _part_flags_for_upload(conn, frame[part], settings)
            if whole.empty:
                return on_parts
            return _ranked_flags([flags_for_upload(conn, kind, whole.drop(columns="period"),
                                                   settings), on_parts])
    key: list[str]
    fields: tuple[str, ...]
    judge: Callable[..., pd.DataFrame]
    if kind == "caseload":
        key, fields, loaded, judge = FACT_KEY, FLOW, read_facts(conn), fact_flags
    else:
        key, fields, loaded, judge = (RESOURCE_KEY, RESOURCE_FIELDS, read_resources(conn),
                                      resource_flags)
    rows = _typed(frame[[*key, *fields]], fields)
    replaced = _keys(loaded, key).isin(set(_keys(rows, key)))
    merged = pd.concat([loaded[~replaced.to_numpy()], rows], ignore_index=True)
    after = judge(merged, settings)
    file_keys = set(_keys(rows, key))
    on_file = _keys(after, key).isin(file_keys).to_numpy()
    # New flags on the file's courts elsewhere: those the file's rows cause.
    before = judge(loaded, settings)
    courts = set(rows["court_code"])
    ident = ["court_code", "year", "category", "field", "rule"]
    new = ~_keys(after, ident).isin(set(_keys(before, ident))).to_numpy()
    caused = new & after["court_code"].isin(courts).to_numpy()
    return after[on_file | caused].reset_index(drop=True)[COLUMNS]


def _part_flags_for_upload(conn: Connection, frame: pd.DataFrame,
                           settings: Settings) -> pd.DataFrame:
    """The flags of an upload's months or quarters, judged with the loaded parts: the
    file's rows replace loaded parts of the same court, year and category (as the
    loader does: one grain per court-year-category), and only the file's rows are
    judged."""
    from kpi.periods import parse

    spans = [parse(str(c)) for c in frame["period"]]
    rows = frame.assign(m1=[p.first % 12 + 1 for p in spans],
                        m2=[p.last % 12 + 1 for p in spans], source="caseload")
    rows = rows[[*PART_KEY, "source", *FLOW]].copy()
    rows["court_code"] = rows["court_code"].astype(str)
    for c in ("year", "m1", "m2"):
        rows[c] = rows[c].astype("int64")
    loaded = read_parts(conn)
    cell = ["court_code", "year", "category"]
    replaced = _keys(loaded, cell).isin(set(_keys(rows, cell))).to_numpy()
    merged = pd.concat([loaded[~replaced], rows.assign(_file=True)], ignore_index=True)
    judged = merged["_file"].eq(True) if "_file" in merged else None
    return part_flags(merged.drop(columns="_file"), settings, judged)


def _ranked_flags(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return no_flags()
    return pd.concat(frames, ignore_index=True).sort_values(
        ["score", "court_code", "year", "category", "field"],
        ascending=[False, True, True, True, True], kind="stable").reset_index(drop=True)


def _keys(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """One hashable tuple per row, for set membership of composite keys."""
    if frame.empty:
        return pd.Series([], dtype=object)
    return pd.Series(list(zip(*(frame[c].tolist() for c in key))), index=frame.index)


def mark_explained(found: pd.DataFrame, notes: pd.DataFrame,
                   court_region: dict[str, str]) -> pd.DataFrame:
    """``found`` with ``note``: the text of a note that explains each flag, or "" (pure).

    A flag is explained by a note on its court's year, or on its region's or the
    nation's year as a whole ("2024: the jurisdiction of economic cases moved"); notes
    come from data.edits.annotations.notes.
    """
    out = found.copy()
    if out.empty or notes.empty:
        out["note"] = ""
        return out
    by_unit: dict[tuple[str, int], str] = {}
    for n in notes.itertuples(index=False):
        if n.level == "court" or not n.kpi:
            by_unit.setdefault((n.code, int(n.year)), n.text)
    out["note"] = [by_unit.get((c, int(y))) or by_unit.get((court_region.get(c, ""), int(y)))
                   or by_unit.get(("KZ", int(y))) or ""
                   for c, y in zip(out["court_code"], out["year"])]
    return out
