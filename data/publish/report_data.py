"""What a PDF report of a unit and year needs (issue 14), read with the queries the pages
use (``data.store.repository``) and scoped for the person asking (``data.accounts.access``).

A report shows the nation, a region or a court: its KPIs of every year, its outlook to
the horizon, its case flow, where its data came from, and the units one level below
(the regions of the nation, the courts of a region) for the rankings. A judge gets what
the pages give a judge: the nation, the regions and their own court by name, other
courts anonymised in rankings ("Court 17 of 42") and nothing else about them; a
court's peer percentile is computed from all its peers' values, which the report only
holds as numbers (no codes). Nothing here formats: ``layouts.report`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
from sqlalchemy import Connection

from data.accounts.access import SYSTEM, Viewer, scope_gap, scope_values
from data.edits.annotations import notes as read_notes
from data.store import repository
from kpi.catalogue import CATALOGUE, KPIS
from kpi.gap import Gap, GapError, contributions, decomposable
from kpi.outlook import DEFAULT_HORIZON

LEVELS: tuple[str, ...] = ("national", "region", "court")
NATION = "KZ"
LOWER_IS_BETTER = {code: k.direction == "lower" for code, k in KPIS.items()}
SOURCES = ("cases", "caseload", "none")


class ReportError(LookupError):
    """A report that cannot be made: an unknown unit (or one the asker may not see) or a
    year without data. ``kind`` is ``"unit"`` or ``"year"``; the message says which."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class ReportData:
    """Everything a report shows, as frames; no formatting and no names chosen yet.

    ``names``: code -> {"en", "ru", "kk"} names (None where missing) of the unit, its
    region and the units ranked. ``values``: the KPI cells (category ``all``, every
    year) of the unit, and for a region the nation, for a court its region and the
    nation. ``peers``: the report year's values (kpi, value; no codes) of the unit's
    peers including itself (a court: courts of its level and specialisation; a region:
    the regions). ``ranking``: the report year's cells of the units below, every unit
    and KPI (value NaN where missing), scoped for the viewer; ``hidden``: how many
    courts below were left out of it to keep them anonymous. ``sources``: court-years
    of the unit's courts by where their figures came from (case-level, aggregate,
    none) in the report year; ``source_years`` the same per year for a court.
    """

    level: str
    code: str
    year: int
    years: list[int]
    viewer: Viewer
    unit: dict
    region: dict | None
    names: dict[str, dict[str, str | None]]
    values: pd.DataFrame
    outlook: pd.DataFrame
    flow: pd.DataFrame
    targets: pd.DataFrame
    peers: pd.DataFrame
    ranking: pd.DataFrame
    hidden: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    source_years: dict[int, str] = field(default_factory=dict)
    synthetic: bool = False
    horizon: int = DEFAULT_HORIZON
    # Notes on the figures (data.edits.annotations) of the unit, its region and the nation, up
    # to the report year, as the viewer may read them.
    notes: pd.DataFrame = field(default_factory=pd.DataFrame)
    # KPI -> where the gap of the nation or region is (kpi.gap), for each KPI off target
    # in the report year; other courts anonymised for a judge (access.scope_gap).
    gaps: dict[str, Gap] = field(default_factory=dict)
    # How often past outlooks held the outcome (kpi.backtest summary) and the outlook's
    # learnt multipliers (kpi.outlook.calibrate), for the methodology page and the bands.
    track: pd.DataFrame = field(default_factory=pd.DataFrame)
    calibration: dict = field(default_factory=dict)


@dataclass
class Directory:
    """Courts, regions, years, targets and the data sources, read once: a batch of
    court reports (``--all-courts``) shares them."""

    courts: pd.DataFrame
    regions: pd.DataFrame
    years: list[int]
    targets: pd.DataFrame
    coverage: pd.DataFrame
    synthetic: bool
    _court_cells: dict[int, pd.DataFrame] = field(default_factory=dict)
    _outlook_method: tuple[pd.DataFrame, dict] | None = None

    def court_cells(self, conn: Connection, year: int) -> pd.DataFrame:
        """Every court's KPI cells of category all in ``year``, read once per year."""
        if year not in self._court_cells:
            # Level + year (indexed) and a filter after, as the court page does.
            self._court_cells[year] = repository.kpi_values(conn, level="court", year=year,
                                                            category="all")
        return self._court_cells[year]

    def outlook_method(self, conn: Connection) -> tuple[pd.DataFrame, dict]:
        """(the outlook's track record, its learnt multipliers) on all loaded values
        (aggregates, no unit named), computed once for a batch of reports."""
        if self._outlook_method is None:
            self._outlook_method = (repository.backtest(conn),
                                    repository.outlook_calibration(conn))
        return self._outlook_method

    @classmethod
    def read(cls, conn: Connection) -> Directory:
        return cls(courts=repository.courts(conn), regions=repository.regions(conn),
                   years=repository.years(conn), targets=repository.targets(conn),
                   coverage=repository.coverage_matrix(conn),
                   synthetic=repository.synthetic(conn))


def _names(row) -> dict[str, str | None]:
    return {lang: (row.get(f"name_{lang}") or None) for lang in ("en", "ru", "kk")}


def resolve_unit(directory: Directory, level: str, code: str | None,
                 viewer: Viewer = SYSTEM) -> str:
    """The unit's code, checked: KZ for the nation, else a region or court the viewer
    may see by name. To a judge, another court is unknown whether or not it exists."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if level == "national":
        if code not in (None, "", NATION):
            raise ReportError("unit", f"the national report has no code but {NATION}, "
                                      f"not {str(code)[:64]!r}")
        return NATION
    if not code:
        raise ReportError("unit", f"a {level} report needs a {level} code")
    known = directory.regions["region_code"] if level == "region" else \
        directory.courts["court_code"]
    if code not in set(known) or (level == "court" and not viewer.may_see_court(code)):
        raise ReportError("unit", f"no {level} with the code {str(code)[:64]!r}")
    return code


def gather(conn: Connection, level: str, code: str | None, year: int | None,
           viewer: Viewer = SYSTEM, directory: Directory | None = None,
           horizon: int = DEFAULT_HORIZON) -> ReportData:
    """The report data of one unit and year (the latest year when ``year`` is None).

    Raises ReportError for an unknown unit, one the viewer may not see, or a year
    without data for the unit; ValueError for a level that does not exist.
    """
    directory = directory or Directory.read(conn)
    code = resolve_unit(directory, level, code, viewer)
    if not directory.years:
        raise ReportError("year", "the database has no KPI values yet")
    year = directory.years[-1] if year is None else int(year)
    if year not in directory.years:
        raise ReportError("year", f"no data for {year}: the data cover "
                                  f"{directory.years[0]}-{directory.years[-1]}")
    courts, regions = directory.courts, directory.regions
    unit: dict = {}
    region: dict | None = None
    names: dict[str, dict[str, str | None]] = {}
    if level == "court":
        unit = courts[courts["court_code"] == code].iloc[0].to_dict()
        region = regions[regions["region_code"] == unit["region_code"]].iloc[0].to_dict()
        names[code], names[region["region_code"]] = _names(unit), _names(region)
        codes = [code, region["region_code"], NATION]
    elif level == "region":
        unit = regions[regions["region_code"] == code].iloc[0].to_dict()
        names[code] = _names(unit)
        codes = [code, NATION]
    else:
        codes = [NATION]
    values = repository.kpi_values(conn, code=codes, category="all")
    own = values[(values["code"] == code) & (values["year"] == year)]
    if own.empty or own["value"].isna().all():
        raise ReportError("year", f"no data for {code} in {year}")
    track, learnt = directory.outlook_method(conn)
    outlook = repository.outlook(conn, level=level, code=code, category="all",
                                 horizon=horizon, calibration=learnt)
    flow = repository.case_flow(conn, level, code, "all")
    # The courts the unit covers.
    if level == "national":
        in_scope = courts
    else:
        in_scope = courts[courts["region_code" if level == "region" else "court_code"] == code]
    data = ReportData(level=level, code=code, year=year, years=list(directory.years),
                      viewer=viewer, unit=unit, region=region, names=names, values=values,
                      outlook=outlook, flow=flow, targets=directory.targets,
                      peers=_peers(conn, directory, level, code, unit, year),
                      ranking=pd.DataFrame(), synthetic=directory.synthetic,
                      horizon=horizon)
    data.track, data.calibration = track, learnt
    data.sources, data.source_years = _sources(directory.coverage, in_scope, code, level, year)
    notes = read_notes(conn, viewer, code=codes)
    data.notes = notes[notes["year"] <= year].reset_index(drop=True)
    if level == "region" and not viewer.sees_all:
        # Which of a region's few courts sent what is for those who see every court
        # (the coverage page); the nation's counts name no court.
        data.sources = {}
    if level == "national":
        data.ranking = _below(repository.kpi_values(conn, level="region", year=year,
                                                    category="all"),
                              regions["region_code"], "region", year)
        names.update({r["region_code"]: _names(r) for r in regions.to_dict("records")})
    if level in ("national", "region"):
        data.gaps = _gaps(directory.court_cells(conn, year), in_scope, own, viewer)
        names.update({c: _names(r) for r in in_scope.to_dict("records")
                      if (c := r["court_code"]) in _named_in(data.gaps)})
    if level == "region":
        cells = _below(repository.kpi_values(conn, level="court",
                                             code=list(in_scope["court_code"]),
                                             year=year, category="all"),
                       in_scope["court_code"], "court", year)
        scoped = scope_values(viewer, cells, asked_by_code=False, anonymise=True,
                              lower_is_better=LOWER_IS_BETTER)
        data.ranking = scoped
        shown = scoped.loc[scoped["kpi"] == CATALOGUE[0].code, "code"]
        data.hidden = len(in_scope) - len(shown)
        names.update({r["court_code"]: _names(r) for r in in_scope.to_dict("records")
                      if viewer.may_see_court(r["court_code"])})
    return data


def _gaps(court_cells: pd.DataFrame, in_scope: pd.DataFrame, own: pd.DataFrame,
          viewer: Viewer) -> dict[str, Gap]:
    """Where the gap is, for each KPI of the unit that is off target (status red) in the
    report year and has a decomposition: each court's part (kpi.gap)."""
    out: dict[str, Gap] = {}
    cells = court_cells[court_cells["code"].isin(set(in_scope["court_code"]))].rename(
        columns={"code": "court_code"})
    for row in own[own["status"] == "red"].itertuples(index=False):
        kpi = KPIS[row.kpi]
        if decomposable(kpi) is not None:
            continue
        try:
            found = contributions(cells[cells["kpi"] == kpi.code], kpi, row.target)
        except GapError:
            continue
        out[kpi.code] = replace(found, courts=scope_gap(viewer, found.courts))
    return out


def _named_in(gaps: dict[str, Gap]) -> set[str]:
    """The courts a report's gap section names (the largest parts of each gap)."""
    return {c for g in gaps.values() for c in g.widening()["court_code"].head(10)}


def _below(values: pd.DataFrame, codes, level: str, year: int) -> pd.DataFrame:
    """Every unit below × every KPI of category all for the year, with its cell or NaN:
    a unit without a value is listed as such, not dropped (as Services.court_values)."""
    grid = pd.MultiIndex.from_product([list(codes), list(KPIS)],
                                      names=["code", "kpi"]).to_frame(index=False)
    rows = grid.merge(values.drop(columns=["level", "year", "category"]),
                      on=["code", "kpi"], how="left")
    rows = rows.assign(level=level, year=year, category="all")
    return rows[repository.VALUE_COLUMNS]


def _peers(conn: Connection, directory: Directory, level: str, code: str, unit: dict,
           year: int) -> pd.DataFrame:
    """The year's values of the unit's peers (itself included), as kpi, value, own."""
    if level == "national":
        return pd.DataFrame(columns=["kpi", "value", "own"])
    if level == "region":
        cells = repository.kpi_values(conn, level="region", year=year, category="all")
    else:
        courts = directory.courts
        peer_codes = courts.loc[(courts["level"] == unit["level"])
                                & (courts["specialization"] == unit["specialization"]),
                                "court_code"]
        cells = directory.court_cells(conn, year)
        cells = cells[cells["code"].isin(set(peer_codes))]
    return pd.DataFrame({"kpi": cells["kpi"], "value": cells["value"],
                         "own": cells["code"] == code}).reset_index(drop=True)


def _sources(coverage: pd.DataFrame, in_scope: pd.DataFrame, code: str, level: str,
             year: int) -> tuple[dict[str, int], dict[int, str]]:
    """Courts in scope by the source of their figures in ``year`` (a court with no
    facts that year counts as ``none``); for a court, its source in every year."""
    this_year = coverage[coverage["year"] == year]
    source = dict(zip(this_year["court_code"], this_year["source"]))
    counts = dict.fromkeys(SOURCES, 0)
    for court in in_scope["court_code"]:
        counts[source.get(court, "none")] += 1
    years: dict[int, str] = {}
    if level == "court":
        mine = coverage[coverage["court_code"] == code]
        years = {int(y): s for y, s in zip(mine["year"], mine["source"])}
    return counts, years


def court_codes(directory: Directory, region: str | None = None) -> list[str]:
    """The courts a batch of court reports covers: all, or one region's (checked)."""
    courts = directory.courts
    if region is not None:
        if region not in set(directory.regions["region_code"]):
            raise ReportError("unit", f"no region with the code {region[:64]!r}")
        courts = courts[courts["region_code"] == region]
    return list(courts["court_code"])

