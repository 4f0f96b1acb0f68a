"""Periods of a KPI: year, half-year, quarter, month, year to date, rolling 12 months.

The codes and their meaning are ../shared/spec/periods.md. A period is a run of whole
calendar months; it is held as the absolute index (year * 12 + month - 1) of its first
and last month so that a rolling year across two calendar years needs no special case.
Pure: no SQL, no Dash.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Literal

from kpi.catalogue import CATALOGUE, KpiDef

PeriodKind = Literal["year", "half", "quarter", "month", "ytd", "r12"]

# The sentence every refused code gets (CLI exit 2, API 400).
FORMS = ("a period is one of: 2026 (a year), 2026-H1 or 2026-H2 (a half-year), "
         "2026-Q1 to 2026-Q4 (a quarter), 2026-01 to 2026-12 (a month), "
         "2026-YTD01 to 2026-YTD12 (the year to the end of that month), "
         "R12-2026-01 to R12-2026-12 (the 12 months to the end of that month)")

_PATTERNS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    ("year", re.compile(r"([0-9]{4})")),
    ("half", re.compile(r"([0-9]{4})-H([0-9])")),
    ("quarter", re.compile(r"([0-9]{4})-Q([0-9])")),
    ("month", re.compile(r"([0-9]{4})-([0-9]{2})")),
    ("ytd", re.compile(r"([0-9]{4})-YTD([0-9]{2})")),
    ("r12", re.compile(r"R12-([0-9]{4})-([0-9]{2})")),
)
_LIMIT = {"year": 0, "half": 2, "quarter": 4, "month": 12, "ytd": 12, "r12": 12}
# KPIs whose inputs are yearly (resources, surveys): they exist for years only.
YEARLY_ONLY: frozenset[str] = frozenset(k.code for k in CATALOGUE if k.grain == "court")


class PeriodError(ValueError):
    """A code that is not a period; the message lists the accepted forms."""


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


@dataclass(frozen=True)
class Period:
    code: str
    kind: PeriodKind
    first: int  # absolute index of its first month
    last: int  # absolute index of its last month

    @property
    def months(self) -> int:
        return self.last - self.first + 1

    @property
    def year(self) -> int:
        """The calendar year the period ends in (a rolling year: its last month's)."""
        return self.last // 12

    @property
    def start(self) -> dt.date:
        return dt.date(self.first // 12, self.first % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        y, m = self.last // 12, self.last % 12 + 1
        return dt.date(y, m, calendar.monthrange(y, m)[1])

    @property
    def is_year(self) -> bool:
        return self.kind == "year"

    def within(self, first: int, last: int) -> bool:
        """Does the month run [first, last] lie inside the period?"""
        return self.first <= first and last <= self.last


def parse(code: str) -> Period:
    """The period a code names, or PeriodError with a sentence listing the forms."""
    text = str(code).strip()
    for kind, pattern in _PATTERNS:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        year = int(m.group(1))
        if not 1900 <= year <= 2999:
            break
        if kind == "year":
            return year_period(year)
        n = int(m.group(2))
        if not 1 <= n <= _LIMIT[kind]:
            break
        return _make(kind, year, n)
    raise PeriodError(f"{text[:40]!r} is not a period: {FORMS}.")


def _make(kind: PeriodKind, year: int, n: int) -> Period:
    if kind == "half":
        first, last = month_index(year, 6 * n - 5), month_index(year, 6 * n)
        code = f"{year}-H{n}"
    elif kind == "quarter":
        first, last = month_index(year, 3 * n - 2), month_index(year, 3 * n)
        code = f"{year}-Q{n}"
    elif kind == "month":
        first = last = month_index(year, n)
        code = f"{year}-{n:02d}"
    elif kind == "ytd":
        first, last = month_index(year, 1), month_index(year, n)
        code = f"{year}-YTD{n:02d}"
    else:
        last = month_index(year, n)
        first = last - 11
        code = f"R12-{year}-{n:02d}"
    return Period(code, kind, first, last)


def year_period(year: int) -> Period:
    return Period(str(year), "year", month_index(year, 1), month_index(year, 12))


def ytd(year: int, months: int) -> Period:
    """January to the end of month ``months`` (12: the whole year, coded as the year)."""
    return year_period(year) if months == 12 else _make("ytd", year, months)


def last_day(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def complete_months(as_of: dt.date) -> int:
    """Absolute index of the last month that is complete on ``as_of`` (its last day <= as_of)."""
    idx = month_index(as_of.year, as_of.month)
    return idx if as_of == last_day(as_of) else idx - 1


def catalogue_for(period: Period) -> tuple[KpiDef, ...]:
    """The catalogue as it applies to a period (periods.md "KPIs of a period").

    A year is the catalogue unchanged. Otherwise disposition time is scaled by m/12 and
    case turnover by 12/m so that a period reads on the yearly scale, and the KPIs of
    yearly inputs are left out.
    """
    if period.is_year:
        return CATALOGUE
    m = period.months
    out = []
    for k in CATALOGUE:
        if k.code in YEARLY_ONLY:
            continue
        if k.code == "disposition_time":
            k = replace(k, scale=k.scale * m / 12)
        elif k.code == "case_turnover":
            k = replace(k, scale=k.scale * 12 / m)
        out.append(k)
    return tuple(out)


# --- the period of a page: a year and a part of it ----------------------------------------

# The parts of a year a page can show (the URL's ``part``): the whole year, the year to
# date, the 12 months to date, a half, a quarter or a month.
PARTS: tuple[str, ...] = ("year", "ytd", "r12", "H1", "H2", "Q1", "Q2", "Q3", "Q4",
                          *(f"{m:02d}" for m in range(1, 13)))


def of_part(year: int, part: str, last_complete: int) -> Period:
    """The period ``part`` of ``year`` names when the data are complete to the absolute
    month ``last_complete``: the year to date and the 12 months to date end with the last
    complete month of that year (a year the data have passed: its December, i.e. the
    whole year). PeriodError for an unknown part."""
    if part not in PARTS:
        raise PeriodError(f"{part[:12]!r} is not a part of a year: one of {', '.join(PARTS)}.")
    through = min(last_complete, month_index(year, 12)) - month_index(year, 1) + 1
    if part == "year" or (part in ("ytd", "r12") and through >= 12):
        return year_period(year)
    if part in ("ytd", "r12"):
        if through < 1:
            raise PeriodError(f"No month of {year} is complete yet.")
        return ytd(year, through) if part == "ytd" else _make("r12", year, through)
    if part in ("H1", "H2"):
        return _make("half", year, int(part[1]))
    if part.startswith("Q"):
        return _make("quarter", year, int(part[1]))
    return _make("month", year, int(part))


def part_of(period: Period) -> str:
    """The page's ``part`` of a period (the inverse of of_part for its own year)."""
    return {"year": "year", "ytd": "ytd", "r12": "r12"}.get(period.kind) or (
        period.code.split("-")[-1] if period.kind != "month" else f"{period.last % 12 + 1:02d}")


def same_period_a_year_before(period: Period) -> Period:
    """The same months one year earlier (periods.md "same period last year")."""
    return Period(_shift_code(period), period.kind, period.first - 12, period.last - 12)


def _shift_code(period: Period) -> str:
    y = period.year - 1
    m = period.last % 12 + 1
    return {"year": str(y), "half": f"{y}-H{(m + 5) // 6}", "quarter": f"{y}-Q{(m + 2) // 3}",
            "month": f"{y}-{m:02d}", "ytd": f"{y}-YTD{m:02d}", "r12": f"R12-{y}-{m:02d}"
            }[period.kind]
