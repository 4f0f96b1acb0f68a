"""What a half-yearly or quarterly monitoring report needs (issue 26): for one unit
(the nation, a region or a court) and one period, each strategy KPI's target of the
period's year, its value in the period, in the same period a year before, at the
year's end (projected while the year is in progress, the year's own value once it is
complete) and the notes on the figures that explain a deviation.

Everything is read through ``data.scoped.ScopedReads`` for the viewer, so the report
holds what the pages would show that person and nothing else; nothing here formats
(``layouts.report.monitoring`` does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from data.accounts.access import Viewer
from data.edits.annotations import notes as read_notes
from data.publish.report_data import NATION, ReportError
from data.scoped.reads import ScopedReads
from kpi.catalogue import CATALOGUE
from kpi.periods import FORMS, Period, PeriodError, parse
from kpi.targets import attach_targets

LANGS = ("en", "ru", "kk")
ROW_COLUMNS = ["kpi", "target", "illustrative", "value", "status", "coverage",
               "same_period_last_year", "year_end", "year_end_status"]


@dataclass
class MonitoringData:
    """One unit's monitoring rows for a period, and what the report says about them.

    ``rows``: ROW_COLUMNS, one per KPI of the catalogue in its order (NaN where a value
    is missing; a KPI of yearly inputs has no value in a period). ``year_end_kind``:
    "projected" (the year is in progress; ``projected_from`` the year-to-date period the
    projection starts from), "actual" (the year is complete) or "" (neither is known).
    ``notes``: the notes on the unit's figures of the period's year (data.edits.annotations).
    """

    level: str
    code: str
    period: Period
    viewer: Viewer
    names: dict[str, str]  # lang -> the unit's name
    rows: pd.DataFrame
    notes: pd.DataFrame
    as_of: dt.date | None
    year_end_kind: str
    projected_from: str = ""
    synthetic: bool = False


def period_refused(exc: PeriodError) -> PeriodError:
    """The refusal of a period, saying which forms are accepted (CLI exit 2, API 400)."""
    text = str(exc)
    if FORMS in text:
        return exc
    return PeriodError(f"{text.rstrip('.')}. {FORMS[0].upper()}{FORMS[1:]}.")


def checked_period(code: str) -> Period:
    """The period ``code`` names (not yet checked against the data): PeriodError with
    the accepted forms otherwise."""
    try:
        return parse(code)
    except PeriodError as exc:
        raise period_refused(exc) from None


def _unit(reads: ScopedReads, viewer: Viewer, level: str, code: str | None) -> str:
    """The unit's code, checked as the annual report checks it: to a judge another
    court is unknown whether or not it exists."""
    if level == "national":
        if code not in (None, "", NATION):
            raise ReportError("unit", f"the national report has no code but {NATION}, "
                                      f"not {str(code)[:64]!r}")
        return NATION
    if level not in ("region", "court"):
        raise ValueError("level must be one of national, region, court")
    if not code:
        raise ReportError("unit", f"a {level} report needs a {level} code")
    known = set(reads.regions()["region_code"]) if level == "region" else \
        set(reads.courts(viewer)["court_code"])
    if code not in known:
        raise ReportError("unit", f"no {level} with the code {str(code)[:64]!r}")
    return code


def _by_kpi(rows: pd.DataFrame, column: str) -> dict[str, float]:
    if rows.empty:
        return {}
    return {k: float(v) for k, v in zip(rows["kpi"], rows[column]) if pd.notna(v)}


def gather(reads: ScopedReads, viewer: Viewer, level: str, code: str | None,
           period_code: str) -> MonitoringData:
    """The monitoring data of one unit and period, as ``viewer`` may see them.

    PeriodError (with the accepted forms) for a code that is not a period, a whole year
    (the annual report's), or a period the data do not reach; ReportError for a unit
    that is unknown to the viewer or has no value in the period."""
    period = checked_period(period_code)
    if period.is_year:
        raise PeriodError(f"{period.code} is a whole year: its report is the annual one "
                          "(give the year, not a period). The monitoring report is of a "
                          f"part of a year: {FORMS}.")
    unit = _unit(reads, viewer, level, code)
    only: dict[str, object] = {"level": level, "code": unit, "category": "all"}
    try:
        now = reads.period_values(viewer, period.code, False, **only)
    except PeriodError as exc:
        raise period_refused(exc) from None
    if now.empty or now["value"].isna().all():
        raise ReportError("year", f"no data for {unit} in {period.code}")
    before = reads.values_a_year_before(viewer, period, **only)
    year_end_kind, projected_from = "", ""
    try:
        ahead = reads.yearend(viewer, period.year, **only)
        year_end = _by_kpi(ahead, "projected")
        year_end_status = dict(zip(ahead["kpi"], ahead["status"]))
        year_end_kind = "projected"
        if len(ahead):
            months = int(ahead["months"].iloc[0])
            projected_from = f"{period.year}-YTD{months:02d}"
    except PeriodError:
        # The year is over (its own values), or no projection can be made.
        whole = reads.kpi_values(viewer, False, year=period.year, **only)
        year_end = _by_kpi(whole, "value")
        year_end_status = dict(zip(whole["kpi"], whole["status"])) if len(whole) else {}
        year_end_kind = "actual" if year_end else ""
    # The year's target of every KPI, those of yearly inputs included.
    grid = pd.DataFrame({"level": level, "code": unit, "year": period.year,
                         "kpi": [k.code for k in CATALOGUE], "value": float("nan")})
    targets = attach_targets(grid, reads.targets(viewer))
    cells = now.set_index("kpi")
    last_year = _by_kpi(before, "value")
    rows = []
    for kpi, target, illustrative in zip(targets["kpi"], targets["target"],
                                         targets["illustrative"]):
        have = kpi in cells.index
        rows.append({
            "kpi": kpi, "target": target,
            "illustrative": bool(pd.notna(illustrative) and illustrative),
            "value": float(cells.at[kpi, "value"]) if have else float("nan"),
            "status": str(cells.at[kpi, "status"]) if have else "none",
            "coverage": float(cells.at[kpi, "coverage"]) if have else float("nan"),
            "same_period_last_year": last_year.get(kpi, float("nan")),
            "year_end": year_end.get(kpi, float("nan")),
            "year_end_status": str(year_end_status.get(kpi) or "none"),
        })
    with reads.connect() as conn:
        notes = read_notes(conn, viewer, level=level, code=unit, year=period.year)
    names = {lang: reads.names(viewer, lang).get(unit, unit) for lang in LANGS} \
        if level != "national" else {}
    return MonitoringData(level=level, code=unit, period=period, viewer=viewer, names=names,
                          rows=pd.DataFrame(rows, columns=ROW_COLUMNS), notes=notes,
                          as_of=reads.data_as_of(), year_end_kind=year_end_kind,
                          projected_from=projected_from, synthetic=reads.synthetic())
